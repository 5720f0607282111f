"""Writes to the privacy records: the audit log."""

from django.db import transaction
from django.utils import timezone

from enishi.communities.models import Community
from enishi.members.models import Member

from .models import AuditChainHead, AuditEvent


@transaction.atomic
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
    """Record that `actor` (None: the system) read, exported, changed or erased personal data,
    chained to the row before it."""
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        sequence=head.sequence + 1,
        community=community,
        actor=actor,
        action=action,
        member=member,
        row_count=row_count,
        detail=detail or {},
        # As the database will give it back (IPv6 in its short lower-case form), so the
        # hash computed now matches the one recomputed from the stored row.
        ip_address=AuditEvent._meta.get_field("ip_address").get_prep_value(ip_address),
        created_at=timezone.now(),
        previous_hash=head.hash,
    )
    event.hash = event.compute_hash()
    event.save()
    head.sequence, head.hash = event.sequence, event.hash
    head.save(update_fields=["sequence", "hash"])
    return event
