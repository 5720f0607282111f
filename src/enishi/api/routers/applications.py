"""Staff: read applications (applications:read) and move them (applications:write) through
the same services as the staff pages; a move the state machine refuses is a 409."""

from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from enishi.activities import services
from enishi.activities.models import Application
from enishi.communities.permissions import visible_activities

from ..auth import StaffToken
from ..pagination import Pages
from ..problems import errors
from ..schemas import MAX_ID, ApplicationOut, TransitionIn
from ..scopes import Scope

router = Router(tags=["applications"])
TRANSITIONS = {
    **services.DECISIONS,
    "cancel": services.application_cancel,
    "attended": services.application_mark_attended,
    "no_show": services.application_mark_no_show,
}
Status = Application.Status


def _applications(request):
    return Application.objects.filter(
        session__activity__in=visible_activities(request)
    ).select_related("session", "member")


@router.get(
    "/applications",
    response={200: list[ApplicationOut], **errors(401, 403)},
    auth=StaffToken(Scope.APPLICATIONS_READ),
)
@paginate(Pages)
def list_applications(
    request,
    activity: int | None = Query(None, ge=1, le=MAX_ID),
    status: Status | None = None,
):
    """Applications to the activities the token's owner manages, newest first."""
    applications = _applications(request)
    if activity is not None:
        applications = applications.filter(session__activity_id=activity)
    if status is not None:
        applications = applications.filter(status=status)
    return applications.order_by("-created_at", "-pk")


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **errors(401, 403, 404)},
    auth=StaffToken(Scope.APPLICATIONS_READ),
)
def get_application(request, application_id: int = Path(..., ge=1, le=MAX_ID)):
    return get_object_or_404(_applications(request), pk=application_id)


@router.post(
    "/applications/{application_id}/transition",
    response={200: ApplicationOut, **errors(401, 403, 404, 409)},
    auth=StaffToken(Scope.APPLICATIONS_WRITE),
)
def transition_application(
    request, payload: TransitionIn, application_id: int = Path(..., ge=1, le=MAX_ID)
):
    """Accept, waitlist, reject, cancel, or mark attended / no-show (mails as on the staff
    pages; attendance writes the ledger entry once)."""
    application = get_object_or_404(_applications(request), pk=application_id)
    service = TRANSITIONS[payload.action]
    try:
        if payload.action in services.DECISIONS:
            service(application=application, by=request.user, message=payload.message)
        else:
            service(application=application, by=request.user)
    except services.ActivityError as error:
        raise HttpError(409, str(error.message)) from error
    return get_object_or_404(_applications(request), pk=application_id)
