"""Keeping the summary tables (models.py) in step with the ledger, and rebuilding them.

`entry_recorded` and `entry_corrected` are called by `ledger.services` in the transaction that
writes the entry, so a summary never counts an entry that was rolled back. Concurrent writers
add with one `INSERT … ON CONFLICT DO UPDATE SET n = n + 1` (no read-modify-write, no lost
counts); a correction locks the member's month row before recounting it from the ledger.
`rebuild` recomputes every summary of a community from the ledger (idempotent).
"""

from datetime import date, datetime, time

from django.db import connections, router, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from enishi.activities.models import ActivitySession
from enishi.communities.models import Community
from enishi.ledger.models import Engagement, Kind
from enishi.ledger.selectors import ATTENDANCE
from enishi.members.models import Member

from .models import EngagementDay, MemberMonth


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _organizer_of(entry: Engagement) -> int:
    if entry.source_type != ATTENDANCE or entry.source_id is None:
        return 0
    organizer = (ActivitySession.objects.filter(pk=entry.source_id)
                 .values_list("activity__organizer_id", flat=True).first())  # fmt: skip
    return organizer or 0


def _execute(sql: str, params: list) -> None:
    using = router.db_for_write(EngagementDay)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)


def _ops():
    return connections[router.db_for_write(EngagementDay)].ops


def _add_day(entry: Engagement, delta: int) -> None:
    ops = _ops()
    day = timezone.localtime(entry.occurred_at).date()
    table = EngagementDay._meta.db_table
    _execute(
        f"INSERT INTO {table} (community_id, day, kind, organizer, n) VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT (community_id, day, kind, organizer) DO UPDATE SET n = {table}.n + "
        "excluded.n",
        [entry.community_id, ops.adapt_datefield_value(day), entry.kind, _organizer_of(entry),
         delta],
    )  # fmt: skip


def entry_recorded(entry: Engagement) -> None:
    """Count a new live entry (engagement_record writes no corrections)."""
    entries_recorded([entry])


def entries_recorded(entries: list[Engagement]) -> None:
    """`entry_recorded` for many new live entries at once (a batch of an import): the entries
    are grouped per day and per member and month in Python, then added with one multi-row
    `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n` per table (in chunks), so a batch
    costs a few statements whatever its size. Rows are written in key order (every day row,
    then every month row), the order any writer takes them, so writers cannot deadlock."""
    if not entries:
        return
    sessions = {e.source_id for e in entries if e.source_type == ATTENDANCE and e.source_id}
    organizers = dict(
        ActivitySession.objects.filter(pk__in=sessions).values_list("pk", "activity__organizer_id")
    ) if sessions else {}  # fmt: skip
    days: dict[tuple, int] = {}
    months: dict[tuple, list] = {}  # (member, month) -> [community, n, first_at]
    for entry in entries:
        organizer = 0
        if entry.source_type == ATTENDANCE and entry.source_id is not None:
            organizer = organizers.get(entry.source_id) or 0
        key = (entry.community_id, timezone.localtime(entry.occurred_at).date(), entry.kind,
               organizer)  # fmt: skip
        days[key] = days.get(key, 0) + 1
        if entry.kind == Kind.REGISTRATION:
            continue
        month = months.setdefault((entry.member_id, month_of(entry.occurred_at)),
                                  [entry.community_id, 0, entry.occurred_at])  # fmt: skip
        month[1] += 1
        month[2] = min(month[2], entry.occurred_at)
    ops = _ops()
    table = EngagementDay._meta.db_table
    for chunk in _chunks(sorted(days.items()), 200):
        _execute(
            f"INSERT INTO {table} (community_id, day, kind, organizer, n) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            + f" ON CONFLICT (community_id, day, kind, organizer) DO UPDATE SET n = {table}.n "
            "+ excluded.n",
            [value for (community, day, kind, organizer), n in chunk
             for value in (community, ops.adapt_datefield_value(day), kind, organizer, n)],
        )  # fmt: skip
    if not months:
        return
    joined = dict(Member.objects.filter(pk__in={m for m, _month in months})
                  .values_list("pk", "joined_at"))  # fmt: skip
    table = MemberMonth._meta.db_table
    for chunk in _chunks(sorted(months.items()), 200):
        _execute(
            f"INSERT INTO {table} (community_id, member_id, month, joined, first_at, n) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            + f" ON CONFLICT (member_id, month) DO UPDATE SET n = {table}.n + excluded.n, "
            f"first_at = CASE WHEN {table}.first_at IS NULL OR excluded.first_at < "
            f"{table}.first_at THEN excluded.first_at ELSE {table}.first_at END",
            [value for (member, month), (community, n, first_at) in chunk
             for value in (community, member, ops.adapt_datefield_value(month),
                           ops.adapt_datetimefield_value(joined[member]) if joined.get(member)
                           else None, ops.adapt_datetimefield_value(first_at), n)],
        )  # fmt: skip


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def entry_corrected(entry: Engagement) -> None:
    """`entry` (a live entry until now) has just been corrected: stop counting it."""
    _add_day(entry, -1)
    if entry.kind == Kind.REGISTRATION:
        return
    month = month_of(entry.occurred_at)
    row = (MemberMonth.objects.select_for_update()
           .filter(member_id=entry.member_id, month=month).first())  # fmt: skip
    if row is None:  # not summarised yet (data from before the summaries): rebuild fills it
        return
    start = timezone.make_aware(datetime.combine(month, time.min))
    end = timezone.make_aware(datetime.combine(_next_month(month), time.min))
    figures = (
        Engagement.objects.filter(member_id=entry.member_id, occurred_at__gte=start,
                                  occurred_at__lt=end, corrects__isnull=True,
                                  corrections__isnull=True)  # fmt: skip
        .exclude(kind=Kind.REGISTRATION)
        .aggregate(n=Count("pk"), first_at=Min("occurred_at"))
    )
    MemberMonth.objects.filter(pk=row.pk).update(n=figures["n"], first_at=figures["first_at"])


def member_joined(member: Member) -> None:
    """The member's joining time is the retention cohort of their month rows."""
    MemberMonth.objects.filter(member=member).update(joined=member.joined_at)


def _live(community: Community):
    corrected = Engagement.objects.filter(community=community, corrects__isnull=False)
    return Engagement.objects.filter(community=community, corrects__isnull=True).exclude(
        pk__in=corrected.values("corrects_id")
    )


def _insert_select(model, columns: list[str], queryset) -> int:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) {sql}", params)
        return cursor.rowcount


@transaction.atomic
def rebuild(*, community: Community) -> dict[str, int]:
    """Recompute every summary of a community from the ledger: two INSERT … SELECT."""
    EngagementDay.objects.filter(community=community).delete()
    MemberMonth.objects.filter(community=community).delete()
    organizer = Subquery(
        ActivitySession.objects.filter(pk=OuterRef("source_id")).values("activity__organizer_id")[:1],
        output_field=IntegerField(),
    )
    days = (
        _live(community)
        .annotate(
            d=TruncDate("occurred_at"),
            o=Case(When(source_type=ATTENDANCE, then=Coalesce(organizer, Value(0))),
                   default=Value(0), output_field=IntegerField()),
        )
        .values("community_id", "d", "kind", "o")
        .annotate(c=Count("pk"))
        .order_by()
    )
    n_days = _insert_select(EngagementDay, ["community_id", "day", "kind", "organizer", "n"], days)
    months = (
        _live(community)
        .exclude(kind=Kind.REGISTRATION)
        .annotate(m=TruncMonth("occurred_at", output_field=DateField()))
        .values("community_id", "member_id", "m")
        .annotate(j=Max("member__joined_at"), f=Min("occurred_at"), c=Count("pk"))
        .order_by()
    )
    n_months = _insert_select(
        MemberMonth, ["community_id", "member_id", "month", "joined", "first_at", "n"], months
    )
    return {"days": n_days, "months": n_months}
