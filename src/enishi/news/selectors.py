from django.db.models import QuerySet

from enishi.activities.models import Activity
from enishi.activities.selectors import public_activities
from enishi.communities.models import Community

from .models import Report


def published_reports(*, community: Community) -> QuerySet[Report]:
    return (
        Report.objects.filter(community=community, status=Report.Status.PUBLISHED)
        .select_related("activity")
        .prefetch_related("photos")
        .order_by("-published_at", "-pk")
    )


def related_activities(*, report: Report, limit: int = 3) -> list[Activity]:
    """Upcoming activities of the same use as the report, to come and join next time."""
    use = report.related_use
    if not use:
        return []
    qs = public_activities(community=report.community, filters={"use": use})
    if report.activity_id:
        qs = qs.exclude(pk=report.activity_id)
    return list(qs[:limit])
