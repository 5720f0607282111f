"""The dashboard's and the reports' figures: aggregate queries only, never loops over members.

Every function takes the community and a `Period` (see periods.py) and returns plain data.
"As of" figures (members, funnel, ranks, places) are taken at `period.as_of`. Engagements count
only live ledger entries (neither a correction nor corrected), as `ledger.selectors` does; the
funnel stages and ranks follow `ledger.selectors._standing`, computed per member in SQL.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connections, transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.lookups import LessThan
from django.utils import timezone

from enishi.activities.models import ActivitySession, Application
from enishi.communities.models import Community, Organizer, Rank
from enishi.ledger.models import Engagement, Kind
from enishi.ledger.selectors import ATTENDANCE, Stage
from enishi.mailings.models import Mailing
from enishi.members.models import Member, MemberTie
from enishi.shops.models import Redemption, Visit

from .models import EngagementDay, MemberMonth
from .periods import Period

STAGE_ORDER = Stage.ORDER  # 登録 → 参加 → 継続 → 担い手 (潜在 are contacts: not yet recorded)
WEEKLY_UP_TO_DAYS = 62  # periods up to about two months are shown week by week
USES = [kind for kind in Kind.values if kind != Kind.REGISTRATION]


@contextmanager
def analytic_queries(using: str = "default"):
    """A transaction for the dashboard's statements. On PostgreSQL it gives their sorts and
    hashes memory (the default 4 MB spills grouping by member to disk) and turns JIT off (it
    spends more compiling these aggregates than it saves)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
        yield


def alive_q(at, prefix: str = "") -> Q:
    """Members at `at`: joined (email verified) before it and not withdrawn by then."""
    return Q(**{f"{prefix}joined_at__lt": at}) & (
        Q(**{f"{prefix}withdrawn_at__isnull": True}) | Q(**{f"{prefix}withdrawn_at__gte": at})
    )


def live_entries(community: Community) -> QuerySet[Engagement]:
    """Ledger entries that count: not corrections and not corrected since. The corrected ones
    are one short list (corrections are rare), read once rather than looked up per row."""
    corrected = Engagement.objects.filter(community=community, corrects__isnull=False)
    return Engagement.objects.filter(community=community, corrects__isnull=True).exclude(
        pk__in=corrected.values("corrects_id")
    )


def month_starts(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s month to `last`'s month."""
    result, day = [], first.replace(day=1)
    while day <= last:
        result.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return result


def bucket_index(expression, starts: list[date], end) -> Case:
    """Which of the buckets [starts[i], starts[i+1]) (the last one ending at `end`) a datetime
    falls in, as a CASE of plain comparisons with Japan-time midnights: no time-zone function
    per row (on SQLite that would be a Python call per row). Outside: NULL."""
    if not starts:  # a period that has not begun: nothing falls in it
        return Value(None, output_field=IntegerField())
    if isinstance(expression, str):
        expression = F(expression)
    bounds = [_midnight(day) for day in starts[1:]] + [end]
    return Case(
        When(LessThan(expression, _midnight(starts[0])), then=Value(None)),
        *[When(LessThan(expression, bound), then=Value(i)) for i, bound in enumerate(bounds)],
        default=Value(None),
        output_field=IntegerField(),
    )


def _midnight(day: date):
    return timezone.make_aware(datetime.combine(day, time.min))


def organizer_entries(queryset: QuerySet[Engagement], organizer: Organizer | None):
    """Narrow entries to attendances at the organizer's activities (no-op without one)."""
    if organizer is None:
        return queryset
    sessions = ActivitySession.objects.filter(activity__organizer=organizer).values("pk")
    return queryset.filter(source_type=ATTENDANCE, source_id__in=sessions)


# --- headline figures, funnel and ranks ----------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """The as-of figures of one period."""

    members: int
    new: int
    withdrawn: int
    active: int  # ≥ 1 engagement (other than registering) in the 12 months before as_of
    lapsed: int  # engaged before, but not in those 12 months
    funnel: dict[str, int]  # stage → members who reached it or beyond
    ranks: list[tuple[Rank | None, int]]  # members per rank (None: below the first rank)


def _member_rows(community: Community, ats: list) -> QuerySet:
    """One row per member with live ledger entries, alive at one of the times `ats`: for each
    time k, the figures rank and stage are derived from (see ledger.selectors._figures),
    suffixed _k. One pass over the ledger serves every time."""
    doing = ~Q(kind=Kind.REGISTRATION)
    attendance = Q(source_type=ATTENDANCE)
    figures = {}
    for k, at in enumerate(ats):
        since = at - timedelta(days=365)
        months = month_starts(timezone.localtime(since).date(), timezone.localtime(at).date())
        before = Q(occurred_at__lt=at)
        recent = before & Q(occurred_at__gte=since)
        figures |= {
            f"n_{k}": Count("pk", filter=before),
            f"points_{k}": Sum("points", filter=before),
            f"attended_{k}": Count("pk", filter=attendance & before),
            f"attended_12m_{k}": Count("pk", filter=attendance & recent),
            f"doing_12m_{k}": Count("pk", filter=doing & recent),
            f"doing_ever_{k}": Count("pk", filter=doing & before),
            f"first_month_{k}": bucket_index(Min("occurred_at", filter=doing & recent), months, at),
            f"last_month_{k}": bucket_index(Max("occurred_at", filter=doing & recent), months, at),
        }
    # Grouped by the member id alone (the member's columns are joined to the grouped rows,
    # see _ledger_figures): a narrow key that PostgreSQL can hash instead of sorting.
    return (
        live_entries(community)
        .filter(occurred_at__lt=max(ats))
        .values("member_id")
        .annotate(**figures)
        .order_by()
    )


def _ledger_figures(community: Community, ats: list, ladder: list[Rank]) -> list[dict]:
    """For each time: funnel, rank and activity counts over the per-member rows, all in one
    SQL statement."""
    rows = _member_rows(community, ats)
    connection = connections[rows.db]
    inner, inner_params = rows.query.get_compiler(using=rows.db).as_sql()
    columns, params, layout = [], [], []
    for k, at in enumerate(ats):

        def reaches(rank: Rank, k=k) -> str:
            return (f"(points_{k} >= {int(rank.min_points)} AND "
                    f"attended_12m_{k} >= {int(rank.min_attendances_12m)})")  # fmt: skip

        designated = "m.designated_carrier"
        carrier = f"({designated} OR {reaches(ladder[-1])})" if ladder else designated
        continuing = f"(doing_12m_{k} >= 3 AND first_month_{k} <> last_month_{k}) OR {carrier}"
        sums = {
            "with_entries": "1 = 1",
            Stage.TAKING_PART: f"attended_{k} >= 1 OR {continuing}",
            Stage.CONTINUING: continuing,
            Stage.CARRIER: carrier,
            "designated": designated,
            "active": f"doing_12m_{k} > 0",
            "lapsed": f"doing_12m_{k} = 0 AND doing_ever_{k} > 0",
        }
        rank_case = "CASE " + "".join(
            f"WHEN {reaches(rank)} THEN {i} " for i, rank in reversed(list(enumerate(ladder)))
        ) + "ELSE -1 END"  # fmt: skip
        sums |= {("rank", i): f"({rank_case}) = {i}" for i in range(len(ladder))}
        alive = ("m.joined_at < %s AND (m.withdrawn_at IS NULL OR "
                 f"m.withdrawn_at >= %s) AND n_{k} > 0")  # fmt: skip
        for condition in sums.values():
            columns.append(f"SUM(CASE WHEN {alive} AND ({condition}) THEN 1 ELSE 0 END)")
            params += [connection.ops.adapt_datetimefield_value(at)] * 2
        layout.append(list(sums))
    with connection.cursor() as cursor:
        members = connection.ops.quote_name(Member._meta.db_table)
        cursor.execute(f"SELECT {', '.join(columns)} FROM ({inner}) t "
                       f"JOIN {members} m ON m.id = t.member_id",
                       params + list(inner_params))  # fmt: skip
        values = iter([int(v or 0) for v in cursor.fetchone()])
    result = []
    for keys in layout:
        figures = dict(zip(keys, values, strict=False))
        figures["ranks"] = [figures.pop(("rank", i)) for i in range(len(ladder))]
        result.append(figures)
    return result


def _ladder(community: Community) -> list[Rank]:
    return list(community.ranks.order_by("min_points"))


def standings(*, community: Community, periods: list[Period],
              ladder: list[Rank] | None = None) -> list[Standing]:  # fmt: skip
    """Headline figures, funnel and ranks as of each period: two queries for all of them."""
    ladder = _ladder(community) if ladder is None else ladder
    counts = {}
    for k, period in enumerate(periods):
        at = period.as_of
        counts |= {
            f"members_{k}": Count("pk", filter=alive_q(at)),
            f"new_{k}": Count("pk", filter=Q(joined_at__gte=period.start, joined_at__lt=at)),
            f"withdrawn_{k}": Count("pk", filter=Q(
                withdrawn_at__gte=period.start, withdrawn_at__lt=at, joined_at__isnull=False)),
            f"designated_{k}": Count("pk", filter=alive_q(at) & Q(designated_carrier=True)),
        }  # fmt: skip
    counts = Member.objects.filter(community=community).aggregate(**counts)
    ledgers = _ledger_figures(community, [period.as_of for period in periods], ladder)
    result = []
    for k, ledger in enumerate(ledgers):
        members = counts[f"members_{k}"]
        # Members with no live entry at all: 登録 only, and 担い手 if designated.
        designated_without = counts[f"designated_{k}"] - ledger["designated"]
        funnel = {
            Stage.REGISTERED: members,
            Stage.TAKING_PART: ledger[Stage.TAKING_PART] + designated_without,
            Stage.CONTINUING: ledger[Stage.CONTINUING] + designated_without,
            Stage.CARRIER: ledger[Stage.CARRIER] + designated_without,
        }
        ranks = list(zip(ladder, ledger["ranks"], strict=True))
        without = members - ledger["with_entries"]
        if ladder and ladder[0].min_points == 0 and ladder[0].min_attendances_12m == 0:
            ranks[0] = (ladder[0], ranks[0][1] + without)  # no points reach the first rank
        below = members - sum(n for _rank, n in ranks)
        if below:
            ranks.insert(0, (None, below))
        result.append(Standing(
            members=members, new=counts[f"new_{k}"], withdrawn=counts[f"withdrawn_{k}"],
            active=ledger["active"], lapsed=ledger["lapsed"], funnel=funnel, ranks=ranks,
        ))  # fmt: skip
    return result


def standing(*, community: Community, period: Period, ladder: list[Rank] | None = None):
    """Headline figures, funnel and ranks as of one period."""
    return standings(community=community, periods=[period], ladder=ladder)[0]


# --- growth ---------------------------------------------------------------------------------


def buckets(period: Period) -> list[date]:
    """The weeks (Mondays) or months (first days) the period's time series are shown by."""
    if period.days > WEEKLY_UP_TO_DAYS:
        return period.months()
    last = min(period.last_day, timezone.localdate())
    day = period.first_day - timedelta(days=period.first_day.weekday())
    result = []
    while day <= last:
        result.append(day)
        day += timedelta(days=7)
    return result


def growth(*, community: Community, period: Period) -> dict:
    """Registrations, withdrawals, activity sessions and newsletters per week or month; the
    members at the start; new members by channel and by referral; the newsletters sent (date
    and subject), so staff can see what moved sign-ups. Seven queries."""
    at, starts = period.as_of, buckets(period)
    members = Member.objects.filter(community=community)
    joined = members.filter(joined_at__gte=period.start, joined_at__lt=at)
    by_bucket = {
        starts[row["b"]]: row
        for row in joined.annotate(b=bucket_index("joined_at", starts, at))
        .values("b")
        .annotate(n=Count("pk"), referred=Count("pk", filter=Q(referred_by__isnull=False)))
        .order_by()
        if row["b"] is not None
    }
    left = {
        starts[row["b"]]: row["n"]
        for row in members.filter(
            withdrawn_at__gte=period.start, withdrawn_at__lt=at, joined_at__isnull=False
        )
        .annotate(b=bucket_index("withdrawn_at", starts, at))
        .values("b")
        .annotate(n=Count("pk"))
        .order_by()
        if row["b"] is not None
    }
    sessions = {
        starts[row["b"]]: row["n"]
        for row in ActivitySession.objects.filter(
            activity__community=community, starts_at__gte=period.start, starts_at__lt=at
        )
        .annotate(b=bucket_index("starts_at", starts, at))
        .values("b")
        .annotate(n=Count("pk"))
        .order_by()
        if row["b"] is not None
    }
    # Newsletters (not journeys' automatic mails), when their sending began.
    sent = Mailing.objects.filter(community=community, journey__isnull=True,
                                  queued_at__gte=period.start, queued_at__lt=at)  # fmt: skip
    mailings = list(sent.order_by("queued_at", "pk").values("queued_at", "subject"))
    mailed = {
        starts[row["b"]]: row["n"]
        for row in sent.annotate(b=bucket_index("queued_at", starts, at))
        .values("b")
        .annotate(n=Count("pk"))
        .order_by()
        if row["b"] is not None
    }
    at_start = members.filter(alive_q(period.start)).count()
    series, total = [], at_start
    for day in starts:
        row = by_bucket.get(day, {})
        new, gone = row.get("n", 0), left.get(day, 0)
        total += new - gone
        series.append(
            {"bucket": day, "new": new, "referred": row.get("referred", 0), "withdrawn": gone,
             "members": total, "sessions": sessions.get(day, 0),
             "mailings": mailed.get(day, 0)}  # fmt: skip
        )
    channels = list(joined.values("channel").annotate(n=Count("pk")).order_by("-n", "channel"))
    return {
        "weekly": period.days <= WEEKLY_UP_TO_DAYS,
        "at_start": at_start,
        "series": series,
        "channels": channels,
        "referred": sum(row["referred"] for row in series),
        "mailings": mailings,
    }


def shops(*, community: Community, period: Period, limit: int = 30) -> dict:
    """Benefits used and visits recorded per partner shop, and visits per spot, in the period
    (up to its "as of"). Two queries: one over the redemptions, one over the visits."""
    at = period.as_of
    used = (
        Redemption.objects.filter(community=community, redeemed_at__gte=period.start,
                                  redeemed_at__lt=at)  # fmt: skip
        .values("shop_id", "shop__name")
        .annotate(n=Count("pk"), people=Count("member_id", distinct=True))
        .order_by()
    )
    spots = list(
        Visit.objects.filter(community=community, visited_at__gte=period.start, visited_at__lt=at)
        .values("spot_id", "spot__name", "spot__kind", "spot__shop_id", "spot__shop__name")
        .annotate(n=Count("pk"), people=Count("member_id", distinct=True))
        .order_by("-n", "spot__name", "spot_id")
    )
    by_shop = {
        row["shop_id"]: {"name": row["shop__name"], "redemptions": row["n"],
                         "redeemers": row["people"], "visits": 0}  # fmt: skip
        for row in used
    }
    for spot in spots:
        if spot["spot__shop_id"] is not None:
            shop = by_shop.setdefault(spot["spot__shop_id"], {
                "name": spot["spot__shop__name"], "redemptions": 0, "redeemers": 0, "visits": 0,
            })  # fmt: skip
            shop["visits"] += spot["n"]
    ranked = sorted(by_shop.values(),
                    key=lambda s: (-(s["redemptions"] + s["visits"]), s["name"]))  # fmt: skip
    return {
        "shops": ranked[:limit],
        "spots": spots[:limit],
        "redemptions": sum(s["redemptions"] for s in by_shop.values()),
        "visits": sum(spot["n"] for spot in spots),
    }


# --- where they live, who they are ----------------------------------------------------------


def prefectures(*, community: Community, period: Period) -> dict[str, int]:
    """Members as of the period per prefecture code."""
    rows = (
        Member.objects.filter(alive_q(period.as_of), community=community)
        .values("prefecture_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["prefecture_code"]: row["n"] for row in rows}


def municipalities(*, community: Community, period: Period, prefecture: str, limit: int = 30):
    """Members as of the period in one prefecture, per municipality (most first)."""
    return list(
        Member.objects.filter(alive_q(period.as_of), community=community,
                              prefecture_code=prefecture)  # fmt: skip
        .values("municipality_code", "city")
        .annotate(n=Count("pk"))
        .order_by("-n", "municipality_code")[:limit]
    )


def profile(*, community: Community, period: Period, top: int = 10) -> dict:
    """Birth decades, ties, top interests and skills of the members as of the period."""
    alive = Member.objects.filter(alive_q(period.as_of), community=community)
    decades = list(
        alive.values("birth_decade").annotate(n=Count("pk")).order_by("birth_decade")
    )
    ties = list(
        MemberTie.objects.filter(member__in=alive.values("pk"))
        .values("tie")
        .annotate(n=Count("member_id"))
        .order_by("-n", "tie")
    )
    through = Member.topics.through
    topics = list(
        through.objects.filter(member__in=alive.values("pk"))
        .values("tag_id", "tag__name")
        .annotate(n=Count("member_id"))
        .order_by("-n", "tag__name")[:top]
    )
    skills = list(
        Member.skills.through.objects.filter(member__in=alive.values("pk"))
        .values("tag_id", "tag__name")
        .annotate(n=Count("member_id"))
        .order_by("-n", "tag__name")[:top]
    )
    return {"decades": decades, "ties": ties, "topics": topics, "skills": skills}


# --- what they do ---------------------------------------------------------------------------


def day_bucket_index(field: str, starts: list[date]) -> Case:
    """Like `bucket_index`, for a date column: which bucket [starts[i], starts[i+1]) a day
    falls in (the last one open-ended; the caller bounds the days)."""
    if not starts:
        return Value(None, output_field=IntegerField())
    return Case(
        When(**{f"{field}__lt": starts[0]}, then=Value(None)),
        *[When(**{f"{field}__lt": day}, then=Value(i)) for i, day in enumerate(starts[1:])],
        default=Value(len(starts) - 1),
        output_field=IntegerField(),
    )


def _today_split(period: Period):
    """Whole Japan-time days before the one `as_of` falls in are read from the summaries;
    the part of that day before `as_of` (empty when the period has ended at midnight) from
    the ledger itself."""
    at = period.as_of
    today = timezone.localtime(at).date()
    return max(today, period.first_day), max(_midnight(today), period.start)


def engagements_by_use(*, community: Community, period: Period, organizer=None) -> dict:
    """Live engagements (other than registering) per week or month and use, in the period:
    the daily summary (insights.models.EngagementDay) for the whole days, the ledger for the
    day in progress. `people` (who engaged at all) counts the members' month summaries when
    the period starts on the first of a month and no organizer is chosen."""
    at, starts = period.as_of, buckets(period)
    today, today_start = _today_split(period)
    days = EngagementDay.objects.filter(
        community=community, day__gte=period.first_day, day__lt=today
    ).exclude(kind=Kind.REGISTRATION)
    if organizer is not None:
        days = days.filter(organizer=organizer.pk)
    counts: dict[tuple[date, str], int] = {}
    for row in (days.annotate(b=day_bucket_index("day", starts)).values("b", "kind")
                .annotate(n=Sum("n")).order_by()):  # fmt: skip
        if row["b"] is not None and row["n"]:
            key = (starts[row["b"]], row["kind"])
            counts[key] = counts.get(key, 0) + row["n"]
    # The six uses by name (not "other than registering"): ranges of the ledger's
    # (community, kind, occurred_at) index instead of a scan of the community's ledger.
    entries = organizer_entries(live_entries(community), organizer).filter(
        occurred_at__gte=period.start, occurred_at__lt=at, kind__in=USES
    )
    for row in (entries.filter(occurred_at__gte=today_start)
                .annotate(b=bucket_index("occurred_at", starts, at))
                .values("b", "kind").annotate(n=Count("pk")).order_by()):  # fmt: skip
        if row["b"] is not None:
            key = (starts[row["b"]], row["kind"])
            counts[key] = counts.get(key, 0) + row["n"]
    if organizer is None and period.first_day.day == 1:
        people = (
            MemberMonth.objects.filter(community=community, month__gte=period.first_day,
                                       month__lte=timezone.localtime(at).date(), n__gt=0,
                                       first_at__lt=at)  # fmt: skip
            .aggregate(people=Count("member_id", distinct=True))["people"]
        )
    else:
        people = entries.aggregate(people=Count("member_id", distinct=True))["people"]
    return {"buckets": starts, "counts": counts, "n": sum(counts.values()), "people": people}


def activities(*, community: Community, period: Period, organizer=None, limit: int = 20):
    """Activities with sessions in the period, by applications: accepted, attended, no-shows."""
    applications = Application.objects.filter(
        session__activity__community=community,
        session__starts_at__gte=period.start,
        session__starts_at__lt=period.end,
    )
    if organizer is not None:
        applications = applications.filter(session__activity__organizer=organizer)
    Status = Application.Status
    rows = list(
        applications.values("session__activity_id", "session__activity__title")
        .annotate(
            applications=Count("pk", filter=~Q(status=Status.CANCELLED)),
            accepted=Count("pk", filter=Q(status__in=Application.TAKING_PLACE)),
            attended=Count("pk", filter=Q(status=Status.ATTENDED)),
            no_show=Count("pk", filter=Q(status=Status.NO_SHOW)),
        )
        .order_by("-applications", "session__activity__title")[:limit]
    )
    for row in rows:
        decided = row["attended"] + row["no_show"]
        row["no_show_rate"] = row["no_show"] / decided if decided else None
    return rows


def events(*, community: Community, period: Period, organizer=None) -> dict:
    """Sessions held in the period and who took part (for the reports)."""
    sessions = ActivitySession.objects.filter(
        activity__community=community, starts_at__gte=period.start, starts_at__lt=period.as_of
    )
    attended = Application.objects.filter(
        session__activity__community=community,
        session__starts_at__gte=period.start,
        session__starts_at__lt=period.as_of,
        status=Application.Status.ATTENDED,
    )
    if organizer is not None:
        sessions = sessions.filter(activity__organizer=organizer)
        attended = attended.filter(session__activity__organizer=organizer)
    figures = attended.aggregate(
        participations=Count("pk"), participants=Count("member_id", distinct=True)
    )
    figures["sessions"] = sessions.count()
    return figures


# --- retention ------------------------------------------------------------------------------


def retention(*, community: Community, period: Period, months: int = 12) -> list[dict]:
    """For each join month of the 12 up to the period's end: its members and, for each month
    since joining, the share of them with a live engagement (other than registering)."""
    at = period.as_of
    # The last month that has begun before `at`, and the months - 1 before it.
    first = timezone.localtime(at - timedelta(microseconds=1)).date().replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    starts = month_starts(first, timezone.localtime(at - timedelta(microseconds=1)).date())
    start = _midnight(first)
    joined = Member.objects.filter(community=community, joined_at__gte=start, joined_at__lt=at)
    sizes = {
        starts[row["c"]]: row["n"]
        for row in joined.annotate(c=bucket_index("joined_at", starts, at)).values("c")
        .annotate(n=Count("pk")).order_by()  # fmt: skip
        if row["c"] is not None
    }
    # Members with a live engagement in a month: the month summaries (insights.MemberMonth),
    # whose first entry of the month is before `at`.
    active = (
        MemberMonth.objects.filter(community=community, joined__gte=start, joined__lt=at,
                                   month__gte=first, n__gt=0, first_at__lt=at)  # fmt: skip
        .annotate(c=bucket_index("joined", starts, at), m=day_bucket_index("month", starts))
        .values("c", "m")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {}
    for row in active:
        if row["m"] is not None and row["m"] >= row["c"]:
            counts[starts[row["c"]], row["m"] - row["c"]] = row["n"]
    cohorts = []
    for cohort in sorted(sizes):
        size = sizes[cohort]
        span = (first.year * 12 + first.month + months - 1) - (cohort.year * 12 + cohort.month)
        cells = [
            {"offset": k, "n": counts.get((cohort, k), 0),
             "share": counts.get((cohort, k), 0) / size if size else 0}  # fmt: skip
            for k in range(span + 1)
        ]
        cohorts.append({"month": cohort, "size": size, "cells": cells})
    return cohorts


# --- open data ------------------------------------------------------------------------------


def open_data(*, community: Community, period: Period) -> list[dict]:
    """Members as of the period by prefecture × birth decade × tie (a member with two ties
    counts in both)."""
    alive = Member.objects.filter(alive_q(period.as_of), community=community)
    return list(
        MemberTie.objects.filter(member__in=alive.values("pk"))
        .values("member__prefecture_code", "member__birth_decade", "tie")
        .annotate(n=Count("member_id"))
        .order_by("member__prefecture_code", "member__birth_decade", "tie")
    )
