"""Staff: record engagements from other systems (engagements:write), e.g. an event app's
check-ins. The source (its name and its own id) makes a retry harmless: recorded once."""

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from enishi.communities.permissions import visible_members
from enishi.core.text import to_half_width_ascii
from enishi.ledger.models import Engagement
from enishi.ledger.services import engagement_record
from enishi.members.models import Member

from ..auth import StaffToken
from ..problems import errors
from ..schemas import EngagementCreated, EngagementIn
from ..scopes import Scope

router = Router(tags=["engagements"], auth=StaffToken(Scope.ENGAGEMENTS_WRITE))


@router.post(
    "/engagements",
    response={201: EngagementCreated, 200: EngagementCreated, **errors(401, 403, 404)},
)
def create_engagement(request, payload: EngagementIn):
    """201 with the new entry; 200 with `created: false` when this source was recorded before."""
    number = to_half_width_ascii(payload.member_number).strip().upper()
    member = get_object_or_404(
        visible_members(request).filter(status=Member.Status.ACTIVE), number=number
    )
    source_type = f"api:{payload.source}"
    entry = engagement_record(
        member=member,
        kind=payload.kind,
        source_type=source_type,
        source_id=payload.source_id,
        points=payload.points,
        occurred_at=payload.occurred_at,
        note=payload.note,
        created_by=request.user,
    )
    if entry is None:
        existing = Engagement.objects.filter(
            member=member, source_type=source_type, source_id=payload.source_id,
            corrects__isnull=True,
        ).first()  # fmt: skip
        return Status(200, {"created": False, "engagement": existing})
    return Status(201, {"created": True, "engagement": entry})
