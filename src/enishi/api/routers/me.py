"""A member's own profile and ledger, with their own token."""

from ninja import Router
from ninja.pagination import paginate

from enishi.ledger.selectors import member_standing
from enishi.residency.exports import IDENTITY_CODES
from enishi.residency.selectors import member_premium_status

from ..auth import MemberToken
from ..pagination import Pages
from ..problems import errors
from ..schemas import EngagementOut, ProfileOut

router = Router(tags=["me"], auth=MemberToken())


@router.get("/me", response={200: ProfileOut, **errors(401, 403)})
def get_me(request):
    member = request.auth.member
    standing = member_standing(member=member)
    premium = member_premium_status(member=member)
    member.points = standing.points
    member.rank = standing.rank.name if standing.rank else None
    member.stage = standing.stage
    member.premium = {
        "registration_type": "premium" if premium.qualifies else "basic",
        "fiscal_year": premium.facts.fiscal_year,
        "designated_activities": premium.facts.designated_done,
        "required_activities": premium.required,
        "identity_level": IDENTITY_CODES[premium.facts.identity_level],
        "other_municipalities": premium.facts.other_municipalities,
        "valid_until": premium.valid_until,
        "renewal_date": premium.renewal_date,
        "missing": premium.missing,
    }
    return member


@router.get("/me/ledger", response={200: list[EngagementOut], **errors(401, 403)})
@paginate(Pages)
def list_my_ledger(request):
    """The member's ledger entries, newest first (corrections included, as on /me/)."""
    return request.auth.member.engagements.order_by("-occurred_at", "-pk")
