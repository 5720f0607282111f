"""Writes to the engagement ledger. Nothing else writes Engagement rows."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from enishi.core.tasks import send_email
from enishi.insights import summaries
from enishi.members.models import Member

from .models import Engagement, PointsRule
from .selectors import member_standing, standings


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
    if (
        source_type
        and Engagement.objects.filter(
            member=member, source_type=source_type, source_id=source_id, corrects__isnull=True
        ).exists()
    ):
        return None
    before = member_standing(member=member)
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
            summaries.entry_recorded(entry)  # the dashboard's counts, in the same transaction
    except IntegrityError:
        return None  # recorded meanwhile by a concurrent request
    _congratulate_on_rank_up(member, before)
    return entry


def engagements_record(*, community, kind: str, source_type: str,
                       entries: list[tuple[Member, int, object]]) -> int:  # fmt: skip
    """`engagement_record` for many entries of one kind at once (an import): `entries` are
    (member, source id, occurred_at). Each (member, source) is recorded once, as there;
    points by the community's rule; the dashboard's counts in the same transaction; a rank-up
    mails its congratulation as there, with every member's standing read twice for the whole
    call instead of twice per entry. Returns the number recorded."""
    if not entries:
        return 0
    member_ids = {member.pk for member, _source, _at in entries}
    recorded = set(
        Engagement.objects.filter(
            member_id__in=member_ids, source_type=source_type,
            source_id__in=[source for _m, source, _at in entries], corrects__isnull=True,
        ).values_list("member_id", "source_id")
    )  # fmt: skip
    wanted = []
    for member, source, at in entries:
        if (member.pk, source) not in recorded:
            recorded.add((member.pk, source))
            wanted.append((member, source, at))
    if not wanted:
        return 0
    involved = Member.objects.filter(pk__in={m.pk for m, _s, _a in wanted})
    before = dict(standings(community=community, members=involved))
    rule = PointsRule.objects.filter(community=community, kind=kind).first()
    rows = [
        Engagement(community_id=community.pk, member=member, kind=kind,
                   source_type=source_type, source_id=source, points=rule.points if rule else 0,
                   occurred_at=at)
        for member, source, at in wanted
    ]  # fmt: skip
    try:
        with transaction.atomic():
            Engagement.objects.bulk_create(rows)
            for entry in rows:
                summaries.entry_recorded(entry)
    except IntegrityError:
        # A concurrent writer recorded some of them meanwhile: one by one, as the rule says.
        return sum(
            engagement_record(member=m, kind=kind, source_type=source_type, source_id=s,
                              occurred_at=a) is not None
            for m, s, a in wanted
        )  # fmt: skip
    after = {m.pk: s for m, s in standings(community=community, members=involved)}
    for member, standing in before.items():
        _mail_rank_up(member, standing, after[member.pk])
    return len(rows)


def _congratulate_on_rank_up(member: Member, before) -> None:
    _mail_rank_up(member, before, member_standing(member=member))


def _mail_rank_up(member: Member, before, after) -> None:
    if after.rank is None or (before.rank and after.rank.min_points <= before.rank.min_points):
        return
    if member.user is None or not member.user.email:
        return
    context = {
        "member": member,
        "rank": after.rank,
        "community": member.community,
        "certificate_url": settings.ENISHI_BASE_URL + reverse("ledger:certificate"),
    }
    subject = render_to_string("ledger/mail/rank_up_subject.txt", context).strip()
    body = render_to_string("ledger/mail/rank_up.txt", context)
    kwargs = {"subject": f"[{member.community.name}] {subject}", "body": body,
              "from_email": settings.DEFAULT_FROM_EMAIL, "to": [member.user.email]}  # fmt: skip
    transaction.on_commit(lambda: send_email.enqueue(**kwargs))


@transaction.atomic
def engagement_correct(*, entry: Engagement, note: str, created_by) -> Engagement:
    """Cancel an entry's points with a new, negative entry (the ledger is never edited).
    An entry is corrected once; correcting it again returns the existing correction."""
    entry = Engagement.objects.select_for_update().get(pk=entry.pk)
    if existing := entry.corrections.first():
        return existing
    correction = Engagement.objects.create(
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
    summaries.entry_corrected(entry)  # after the correction: the entry is no longer live
    return correction


def member_designate_carrier(*, member: Member, designated: bool) -> Member:
    """Staff recognise a member as a 担い手 (the top of the funnel), or take it back."""
    Member.objects.filter(pk=member.pk).update(designated_carrier=designated)
    member.designated_carrier = designated
    return member
