"""Writes to the privacy records: the audit log."""

from enishi.communities.models import Community
from enishi.members.models import Member

from .models import AuditEvent


def audit_record(
    *,
    actor,
    community: Community,
    action: str,
    ip_address: str | None,
    member: Member | None = None,
    row_count: int = 0,
    detail: dict | None = None,
) -> AuditEvent:
    """Record that `actor` read or exported personal data."""
    return AuditEvent.objects.create(
        community=community,
        actor=actor,
        action=action,
        member=member,
        row_count=row_count,
        detail=detail or {},
        ip_address=ip_address,
    )
