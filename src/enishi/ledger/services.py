"""Writes to the engagement ledger. Nothing else writes Engagement rows."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from enishi.members.models import Member

from .models import Engagement, PointsRule


def _rule_points(*, member: Member, kind: str) -> int:
    rule = PointsRule.objects.filter(community_id=member.community_id, kind=kind).first()
    return rule.points if rule else 0


def engagement_record(
    *,
    member: Member,
    kind: str,
    source_type: str = "",
    source_id: int | None = None,
    points: int | None = None,
    occurred_at=None,
    note: str = "",
    created_by=None,
) -> Engagement | None:
    """Record that a member did something. With a source, it is recorded once: a second call
    for the same member and source returns None and changes nothing. Points default to the
    community's rule for the kind."""
    if source_type and Engagement.objects.filter(
        member=member, source_type=source_type, source_id=source_id, corrects__isnull=True
    ).exists():
        return None
    entry = Engagement(
        community_id=member.community_id,
        member=member,
        kind=kind,
        source_type=source_type,
        source_id=source_id,
        points=_rule_points(member=member, kind=kind) if points is None else points,
        occurred_at=occurred_at or timezone.now(),
        note=note,
        created_by=created_by,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        return None  # recorded meanwhile by a concurrent request
    return entry


@transaction.atomic
def engagement_correct(*, entry: Engagement, note: str, created_by) -> Engagement:
    """Cancel an entry's points with a new, negative entry (the ledger is never edited)."""
    return Engagement.objects.create(
        community_id=entry.community_id,
        member_id=entry.member_id,
        kind=entry.kind,
        source_type=entry.source_type,
        source_id=entry.source_id,
        points=-entry.points,
        occurred_at=timezone.now(),
        note=note,
        corrects=entry,
        created_by=created_by,
    )
