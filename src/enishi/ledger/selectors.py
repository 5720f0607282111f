"""The one place that derives a member's points, rank and funnel stage from the ledger."""

import operator
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enishi.communities.models import Community, Rank
from enishi.members.models import Member

from .models import Engagement, Kind

ATTENDANCE = "activity_session"


class Stage:
    """The 潜在 → 登録 → 参加 → 継続 → 担い手 funnel (潜在 are contacts, not members)."""

    REGISTERED = "registered"
    TAKING_PART = "taking_part"
    CONTINUING = "continuing"
    CARRIER = "carrier"
    LABELS = {
        REGISTERED: _("登録"),
        TAKING_PART: _("参加"),
        CONTINUING: _("継続"),
        CARRIER: _("担い手"),
    }
    ORDER = [REGISTERED, TAKING_PART, CONTINUING, CARRIER]


@dataclass(frozen=True)
class Standing:
    points: int
    rank: Rank | None
    next_rank: Rank | None
    attendances_12m: int
    stage: str
    # A certificate is earned by rising above the ladder's first rank.
    can_print_certificate: bool = False

    @property
    def stage_label(self):
        return Stage.LABELS[self.stage]

    @property
    def points_to_next(self) -> int:
        return max(0, self.next_rank.min_points - self.points) if self.next_rank else 0

    @property
    def attendances_to_next(self) -> int:
        if not self.next_rank:
            return 0
        return max(0, self.next_rank.min_attendances_12m - self.attendances_12m)

    @property
    def progress_percent(self) -> int:
        """How far along the way from this rank to the next one, by points."""
        if not self.next_rank:
            return 100
        start = self.rank.min_points if self.rank else 0
        span = max(1, self.next_rank.min_points - start)
        return max(0, min(100, (self.points - start) * 100 // span))


def _live() -> Q:
    # Entries that count: not themselves corrections, and not corrected since.
    return Q(engagements__corrects__isnull=True, engagements__corrections__isnull=True)


def _figures(members: QuerySet[Member]) -> QuerySet[Member]:
    """Annotate each member with what rank and stage are derived from, in one query."""
    since = timezone.now() - timedelta(days=365)
    live = _live()
    recent = live & Q(engagements__occurred_at__gte=since)
    doing = ~Q(engagements__kind=Kind.REGISTRATION)
    return members.annotate(
        ledger_points=Coalesce(Sum("engagements__points"), 0),
        ledger_attendances=Count(
            "engagements", filter=live & Q(engagements__source_type=ATTENDANCE)
        ),
        ledger_attendances_12m=Count(
            "engagements", filter=recent & Q(engagements__source_type=ATTENDANCE)
        ),
        ledger_engagements_12m=Count("engagements", filter=recent & doing),
        ledger_months_12m=Count(
            TruncMonth("engagements__occurred_at"), filter=recent & doing, distinct=True
        ),
    )


def _standing(member: Member, ladder: list[Rank]) -> Standing:
    points = member.ledger_points
    attendances = member.ledger_attendances_12m
    reached = [r for r in ladder if points >= r.min_points and attendances >= r.min_attendances_12m]
    rank = reached[-1] if reached else None
    above = [r for r in ladder if rank is None or r.min_points > rank.min_points]
    next_rank = above[0] if above else None
    if member.designated_carrier or (ladder and rank == ladder[-1]):
        stage = Stage.CARRIER
    elif member.ledger_engagements_12m >= 3 and member.ledger_months_12m >= 2:
        stage = Stage.CONTINUING
    elif member.ledger_attendances >= 1:
        stage = Stage.TAKING_PART
    else:
        stage = Stage.REGISTERED
    return Standing(points=points, rank=rank, next_rank=next_rank,
                    attendances_12m=attendances, stage=stage,
                    can_print_certificate=rank is not None and rank != ladder[0])  # fmt: skip


def _ladder(community: Community) -> list[Rank]:
    return list(community.ranks.order_by("min_points"))


def member_standing(*, member: Member) -> Standing:
    """A member's points, rank, progress to the next rank and funnel stage."""
    figures = _figures(Member.objects.filter(pk=member.pk)).get()
    return _standing(figures, _ladder(member.community))


def standings(*, community: Community, members: QuerySet[Member] | None = None):
    """(member, Standing) for many members: two queries whatever their number."""
    ladder = _ladder(community)
    queryset = members if members is not None else community.members.all()
    for member in _figures(queryset.order_by("pk")).iterator(chunk_size=2000):
        yield member, _standing(member, ladder)


def member_history(*, member: Member, limit: int = 50) -> QuerySet[Engagement]:
    return member.engagements.select_related("corrects").order_by("-occurred_at", "-pk")[:limit]


def _qualifies(rank: Rank) -> Q:
    return Q(ledger_points__gte=rank.min_points,
             ledger_attendances_12m__gte=rank.min_attendances_12m)  # fmt: skip


def standing_filter(*, community: Community, rank: str = "", stage: str = "") -> QuerySet[Member]:
    """The community's members whose derived rank (a Rank pk, or "none") and/or stage is the
    one given, as a queryset of pks for use as a subquery: `_standing`'s rules written as
    conditions on `_figures`' annotations, so a segment counts them in one SQL query.

    Summing a million members' ledger is the expensive part, so each rule first narrows the
    members to those who could meet it at all (a rank asking for attendances needs one in the
    last 12 months; every stage above 登録 needs an entry other than the registration), and
    登録 is counted as everyone minus those above it."""
    parts = []
    if rank:
        parts.append(_rank_filter(community, rank))
    if stage:
        parts.append(_stage_filter(community, stage))
    if len(parts) == 1:
        return parts[0]
    return community.members.filter(*(Q(pk__in=part) for part in parts)).values("pk")


def _attended_within_12m() -> Exists:
    since = timezone.now() - timedelta(days=365)
    return Exists(
        Engagement.objects.filter(
            member=OuterRef("pk"), source_type=ATTENDANCE, occurred_at__gte=since
        )
    )


def _did_something(*, within_12m: bool = False, attendance: bool = False) -> Exists:
    entries = Engagement.objects.filter(member=OuterRef("pk")).exclude(kind=Kind.REGISTRATION)
    if within_12m:
        entries = entries.filter(occurred_at__gte=timezone.now() - timedelta(days=365))
    if attendance:
        entries = entries.filter(source_type=ATTENDANCE)
    return Exists(entries)


def _rank_filter(community: Community, rank: str) -> QuerySet[Member]:
    ladder = _ladder(community)
    members = community.members.all()
    if rank == "none":
        if not ladder:
            return members.values("pk")
        return _figures(members).filter(~_any(_qualifies(r) for r in ladder)).values("pk")
    position = next((i for i, r in enumerate(ladder) if str(r.pk) == str(rank)), None)
    if position is None:
        return members.none().values("pk")
    condition = _qualifies(ladder[position])
    if higher := ladder[position + 1 :]:
        condition &= ~_any(_qualifies(r) for r in higher)
    if ladder[position].min_attendances_12m >= 1:
        members = members.filter(_attended_within_12m())
    return _figures(members).filter(condition).values("pk")


def _stage_filter(community: Community, stage: str) -> QuerySet[Member]:
    ladder = _ladder(community)
    members = community.members.all()
    carrier = Q(designated_carrier=True)
    if ladder:
        carrier |= _qualifies(ladder[-1])
    continuing = Q(ledger_engagements_12m__gte=3, ledger_months_12m__gte=2)
    taking_part = Q(ledger_attendances__gte=1)
    # Above 登録 one needs a ledger entry other than joining, unless the top rank could be
    # reached by the registration alone (a ladder without attendance conditions).
    narrow = not ladder or ladder[-1].min_attendances_12m >= 1
    if stage == Stage.REGISTERED:
        if not narrow:
            return _figures(members).filter(~carrier & ~continuing & ~taking_part).values("pk")
        above = (
            _figures(members.filter(_did_something()))
            .filter(carrier | continuing | taking_part)
            .values("pk")
        )
        return members.filter(designated_carrier=False).exclude(pk__in=above).values("pk")
    condition = {
        Stage.CARRIER: carrier,
        Stage.CONTINUING: ~carrier & continuing,
        Stage.TAKING_PART: ~carrier & ~continuing & taking_part,
    }[stage]
    if narrow:
        # Who could be there at all: 継続 needs entries in the last 12 months, 参加 an
        # attendance, 担い手 the designation or the top rank (attendances in 12 months).
        members = members.filter({
            Stage.CARRIER: Q(designated_carrier=True)
            | _did_something(within_12m=True, attendance=True),
            Stage.CONTINUING: _did_something(within_12m=True),
            Stage.TAKING_PART: _did_something(attendance=True),
        }[stage])  # fmt: skip
    return _figures(members).filter(condition).values("pk")


def _any(conditions) -> Q:
    return reduce(operator.or_, conditions)
