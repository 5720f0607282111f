from django.contrib import admin

from .models import Community, Organizer, Rank, StaffRole, Tag


class RankInline(admin.TabularInline):
    model = Rank
    extra = 0


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality_name", "member_number_prefix", "domain"]
    # New policy versions are published on /staff/policies/, which records them.
    readonly_fields = ["terms_version", "privacy_policy_version"]
    inlines = [RankInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "position", "is_active"]
    list_filter = ["community", "kind", "is_active"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role"]
    list_filter = ["community", "role"]
    raw_id_fields = ["user"]


@admin.register(Organizer)
class OrganizerAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "contact_email"]
    list_filter = ["community"]
