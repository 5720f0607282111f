"""Writes to the privacy records: the audit log."""

from enishi.communities.models import Community
from enishi.members.models import Member

from .models import AuditEvent


def audit_record(
    *,
    request,
    community: Community,
    action: str,
    member: Member | None = None,
    row_count: int = 0,
    detail: dict | None = None,
) -> AuditEvent:
    """Record that `request.user` read or exported personal data."""
    return AuditEvent.objects.create(
        community=community,
        actor=request.user,
        action=action,
        member=member,
        row_count=row_count,
        detail=detail or {},
        ip_address=request.META.get("REMOTE_ADDR"),
    )
