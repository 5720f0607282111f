"""Staff: search and read members (scope members:read). Organizers' tokens see only their
applicants, as on the staff pages; every read is in the audit log."""

from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router
from ninja.pagination import paginate

from enishi.communities.permissions import visible_members
from enishi.members.selectors import staff_member_search
from enishi.privacy.models import AuditEvent
from enishi.privacy.services import audit_request

from ..auth import StaffToken
from ..pagination import Pages
from ..problems import errors
from ..schemas import MAX_ID, MemberOut, Text
from ..scopes import Scope

router = Router(tags=["members"], auth=StaffToken(Scope.MEMBERS_READ))


class _AuditedPages(Pages):
    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = list(page["items"])
        audit_request(
            request,
            action=AuditEvent.Action.API_READ,
            row_count=len(page["items"]),
            detail={"endpoint": "members", "token": request.auth.prefix,
                    "page": pagination.page, "searched": bool(params.get("q"))},
        )  # fmt: skip
        return page


@router.get("/members", response={200: list[MemberOut], **errors(401, 403)})
@paginate(_AuditedPages)
def search_members(request, q: Text = Query("", max_length=100)):
    """Members by name, kana, nickname, e-mail or number (partial match), newest first."""
    members = staff_member_search(members=visible_members(request), filters={"q": q})
    return members.select_related("user")


@router.get("/members/{member_id}", response={200: MemberOut, **errors(401, 403, 404)})
def get_member(request, member_id: int = Path(..., ge=1, le=MAX_ID)):
    member = get_object_or_404(visible_members(request).select_related("user"), pk=member_id)
    audit_request(
        request,
        action=AuditEvent.Action.API_READ,
        member=member,
        row_count=1,
        detail={"endpoint": "member", "token": request.auth.prefix},
    )
    return member
