"""Public: the community's activities, as /activities/ lists them."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from ninja import Path, Router
from ninja.pagination import paginate

from enishi.activities.models import Activity, ActivitySession
from enishi.activities.selectors import PUBLIC_STATUSES, public_activities

from ..pagination import Pages
from ..problems import errors
from ..schemas import MAX_ID, ActivityOut, Use

router = Router(tags=["activities"])
SESSIONS = Prefetch("sessions", queryset=ActivitySession.objects.order_by("anytime", "starts_at"))


@router.get("/activities", response={200: list[ActivityOut], **errors()}, auth=None)
@paginate(Pages)
def list_activities(request, use: Use | None = None):
    """Published activities with a session still to come, soonest first."""
    activities = public_activities(community=request.community, filters={"use": use})
    return activities.select_related("organizer").prefetch_related(SESSIONS)


@router.get("/activities/{activity_id}", response={200: ActivityOut, **errors(404)}, auth=None)
def get_activity(request, activity_id: int = Path(..., ge=1, le=MAX_ID)):
    return get_object_or_404(
        Activity.objects.select_related("organizer").prefetch_related(SESSIONS),
        pk=activity_id,
        community=request.community,
        status__in=[*PUBLIC_STATUSES, Activity.Status.ARCHIVED],
    )
