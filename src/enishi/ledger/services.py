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
    points by the community's rule; the dashboard's counts in the same transaction, added per
    batch (`summaries.entries_recorded`); a rank-up mails its congratulation as there. The
    members' standings are read once before, and once after only for the members whose new
    points reach a rank above theirs (no other can have risen). A constant number of
    queries per call; the congratulations are queued together after commit. Returns the
    number recorded."""
    if not entries:
        return 0
    member_ids = {member.pk for member, _source, _at in entries}
    recorded = set(
        Engagement.objects.filter(
            member_id__in=member_ids, source_type=source_type,
            source_id__in=[source for _m, source, _at in entries], corrects__isnull=True,
        ).order_by().values_list("member_id", "source_id")
    )  # fmt: skip
    wanted = []
    for member, source, at in entries:
        if (member.pk, source) not in recorded:
            recorded.add((member.pk, source))
            wanted.append((member, source, at))
    if not wanted:
        return 0
    involved = Member.objects.filter(pk__in={m.pk for m, _s, _a in wanted}).select_related(
        "user", "community"
    )
    before = dict(standings(community=community, members=involved))
    rule = PointsRule.objects.filter(community=community, kind=kind).first()
    points = rule.points if rule else 0
    rows = [
        Engagement(community_id=community.pk, member=member, kind=kind,
                   source_type=source_type, source_id=source, points=points, occurred_at=at)
        for member, source, at in wanted
    ]  # fmt: skip
    try:
        with transaction.atomic():
            Engagement.objects.bulk_create(rows)
            summaries.entries_recorded(rows)
    except IntegrityError:
        # A concurrent writer recorded some of them meanwhile: one by one, as the rule says.
        return sum(
            engagement_record(member=m, kind=kind, source_type=source_type, source_id=s,
                              occurred_at=a) is not None
            for m, s, a in wanted
        )  # fmt: skip
    added: dict[int, int] = {}
    for member, _source, _at in wanted:
        added[member.pk] = added.get(member.pk, 0) + points
    ladder = [r.min_points for r in community.ranks.all()]
    rising = [
        member.pk for member, standing in before.items()
        if _may_rise(standing, standing.points + added[member.pk], ladder)
    ]  # fmt: skip
    if rising:
        after = {m.pk: s for m, s in standings(community=community,
                                               members=involved.filter(pk__in=rising))}  # fmt: skip
        mails = [mail for member, standing in before.items() if member.pk in after
                 if (mail := _rank_up_mail(member, standing, after[member.pk]))]  # fmt: skip
        if mails:
            # Queued after commit as one by one, but in one transaction (not one per mail).
            transaction.on_commit(lambda: _enqueue_all(mails))
    return len(rows)


def _enqueue_all(mails: list[dict]) -> None:
    with transaction.atomic():
        for kwargs in mails:
            send_email.enqueue(**kwargs)


def _may_rise(before, points: int, ladder: list[int]) -> bool:
    """Whether a member whose standing was `before` and whose points are now `points` may
    have reached a rank above theirs: a rank is reached only with its points (entries of one
    kind other than attendance add no attendances, and an attendance's rank also needs the
    points), so some rank above the member's must ask for no more than `points`."""
    floor = before.rank.min_points if before.rank else None
    return any(p <= points and (floor is None or p > floor) for p in ladder)


def _congratulate_on_rank_up(member: Member, before) -> None:
    _mail_rank_up(member, before, member_standing(member=member))


def _mail_rank_up(member: Member, before, after) -> None:
    if kwargs := _rank_up_mail(member, before, after):
        transaction.on_commit(lambda: send_email.enqueue(**kwargs))


def _rank_up_mail(member: Member, before, after) -> dict | None:
    """The congratulation for a member whose rank rose from `before` to `after`, if any."""
    if after.rank is None or (before.rank and after.rank.min_points <= before.rank.min_points):
        return None
    if member.user is None or not member.user.email:
        return None
    context = {
        "member": member,
        "rank": after.rank,
        "community": member.community,
        "certificate_url": settings.ENISHI_BASE_URL + reverse("ledger:certificate"),
    }
    subject = render_to_string("ledger/mail/rank_up_subject.txt", context).strip()
    body = render_to_string("ledger/mail/rank_up.txt", context)
    return {"subject": f"[{member.community.name}] {subject}", "body": body,
            "from_email": settings.DEFAULT_FROM_EMAIL, "to": [member.user.email]}  # fmt: skip


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
