from django.contrib import admin

from .models import Benefit, PartnerShop, ShopStaff, UsageReward, VisitSpot


class BenefitInline(admin.TabularInline):
    model = Benefit
    extra = 0
    fields = ["title", "min_rank", "frequency", "valid_from", "valid_until", "is_active"]


@admin.register(PartnerShop)
class PartnerShopAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "category", "area", "is_active"]
    list_filter = ["community", "category", "is_active"]
    search_fields = ["name", "area"]
    inlines = [BenefitInline]

    def save_formset(self, request, form, formset, change):
        for benefit in formset.save(commit=False):
            benefit.community_id = form.instance.community_id
            benefit.save()
        formset.save_m2m()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(ShopStaff)
class ShopStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "shop", "community"]
    list_filter = ["community"]


@admin.register(VisitSpot)
class VisitSpotAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "kind", "is_active"]
    list_filter = ["community", "kind", "is_active"]


@admin.register(UsageReward)
class UsageRewardAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "rule", "threshold", "is_active"]
