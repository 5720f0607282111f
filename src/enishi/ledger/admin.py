from django.contrib import admin

from .models import Engagement, PointsRule


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    """Points per kind of engagement: configuration staff may change."""

    list_display = ["community", "kind", "points"]
    list_filter = ["community"]
    list_editable = ["points"]


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    """Read-only: the ledger is corrected by new entries, never edited."""

    list_display = ["occurred_at", "member", "kind", "points", "source_type", "note"]
    list_filter = ["community", "kind"]
    raw_id_fields = ["member"]
    readonly_fields = [f.name for f in Engagement._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
