"""The summary tables the ledger's services keep are the ones a full rebuild computes."""

from datetime import date

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enishi.insights import selectors, summaries
from enishi.insights.models import EngagementDay, MemberMonth
from enishi.insights.periods import fiscal_year, month
from enishi.insights.summaries import rebuild
from enishi.ledger.models import Engagement, Kind
from enishi.ledger.services import engagement_correct, engagement_record, engagements_record
from enishi.members.models import Member
from enishi.members.services import member_activate, member_withdraw
from tests.factories import MemberFactory

from .dataset import jst


def _summaries(community):
    days = sorted(EngagementDay.objects.filter(community=community, n__gt=0)
                  .values_list("day", "kind", "organizer", "n"))  # fmt: skip
    months = sorted(MemberMonth.objects.filter(community=community, n__gt=0)
                    .values_list("member_id", "month", "joined", "first_at", "n"))  # fmt: skip
    return days, months


def test_kept_summaries_equal_a_rebuild_after_a_run_of_writes(community, dataset):
    # register and activate (the registration entry), engage, correct, withdraw
    g = MemberFactory(joined_at=None, status=Member.Status.PENDING)
    member_activate(member=g, joined_at=jst(2024, 8, 3, 9))
    g.refresh_from_db()
    first = engagement_record(member=g, kind=Kind.VISIT, points=20,
                              occurred_at=jst(2024, 8, 20, 12))  # fmt: skip
    engagement_record(member=g, kind=Kind.VISIT, points=20, occurred_at=jst(2024, 8, 5, 12))
    engagement_record(member=g, kind=Kind.PROMOTION, points=5, occurred_at=jst(2024, 9, 2, 12))
    engagement_correct(entry=first, note="誤り", created_by=None)
    engagement_correct(entry=first, note="二度目", created_by=None)  # changes nothing
    late = engagement_record(member=dataset["b"], kind=Kind.DONATION, points=30,
                             occurred_at=jst(2024, 7, 1, 8))  # fmt: skip
    engagement_correct(entry=late, note="誤り", created_by=None)  # its month empties
    member_withdraw(member=g)
    kept = _summaries(community)
    assert (date(2024, 8, 1), Kind.VISIT, 0, 1) not in kept[0]  # grouped per day, not month
    assert (date(2024, 8, 5), Kind.VISIT, 0, 1) in kept[0]
    assert (date(2024, 8, 20), Kind.VISIT, 0, 1) not in kept[0]  # corrected
    assert (g.pk, date(2024, 8, 1), g.joined_at, jst(2024, 8, 5, 12), 1) in kept[1]
    organizer = dataset["organizer"].pk
    assert (date(2024, 6, 15), Kind.LOCAL_ACTIVITY, organizer, 1) in kept[0]
    assert rebuild(community=community)["days"] == len(kept[0])
    assert _summaries(community) == kept
    call_command("rebuild_insights", community=community.slug, stdout=open("/dev/null", "w"))
    assert _summaries(community) == kept  # idempotent


def test_the_dashboard_reads_the_summaries(community, dataset):
    # A summary that disagreed with the ledger would show: emptying them empties the figures.
    EngagementDay.objects.all().delete()
    MemberMonth.objects.all().delete()
    period = fiscal_year(2024)
    assert selectors.engagements_by_use(community=community, period=period)["n"] == 0
    assert all(not c["n"] for cohort in selectors.retention(community=community, period=period)
               for c in cohort["cells"])  # fmt: skip
    rebuild(community=community)
    assert selectors.engagements_by_use(community=community, period=period)["n"] == 4


def test_the_day_in_progress_is_read_from_the_ledger(community, dataset):
    member = dataset["a"]
    now = timezone.now()
    engagement_record(member=member, kind=Kind.KNOWLEDGE, points=5, occurred_at=now)
    later = engagement_record(member=member, kind=Kind.PROMOTION, points=5,
                              occurred_at=now + timezone.timedelta(hours=30))  # fmt: skip
    assert Engagement.objects.filter(pk=later.pk).exists()
    data = selectors.engagements_by_use(community=community, period=month(timezone.localdate()))
    assert sum(n for (_day, kind), n in data["counts"].items() if kind == Kind.KNOWLEDGE) == 1
    assert not any(kind == Kind.PROMOTION for _day, kind in data["counts"])  # not yet
    assert data["people"] == 1


def test_summaries_of_a_bulk_record_equal_those_of_one_by_one_records(community, dataset):
    # engagements_record (an import's batch) adds its entries' counts per batch: the same
    # rows as entry_recorded adding them one by one, and as a rebuild.
    a, b, f = dataset["a"], dataset["b"], dataset["f"]
    session = dataset["session"]
    last = Engagement.objects.order_by("-pk").values_list("pk", flat=True).first()
    days_before, months_before = list(EngagementDay.objects.all()), list(MemberMonth.objects.all())
    # The same source twice (the last) is recorded once.
    entries = [(a, 9001, jst(2024, 8, 5, 12)), (a, 9002, jst(2024, 8, 5, 18)),
               (a, 9003, jst(2024, 8, 31, 23)), (b, 9004, jst(2024, 8, 1, 0, 30)),
               (b, 9005, jst(2025, 1, 10, 12)), (f, 9006, jst(2025, 3, 31, 23, 59)),
               (a, 9001, jst(2024, 8, 5, 12))]  # fmt: skip
    assert engagements_record(community=community, kind=Kind.DONATION, source_type="donation",
                              entries=entries) == 6  # fmt: skip
    assert engagements_record(community=community, kind=Kind.LOCAL_ACTIVITY,
                              source_type="activity_session",
                              entries=[(b, session.pk, session.starts_at)]) == 1  # fmt: skip
    bulk = _summaries(community)
    assert (date(2024, 8, 5), Kind.DONATION, 0, 2) in bulk[0]
    assert (date(2024, 6, 15), Kind.LOCAL_ACTIVITY, dataset["organizer"].pk, 2) in bulk[0]
    assert (a.pk, date(2024, 8, 1), a.joined_at, jst(2024, 8, 5, 12), 3) in bulk[1]

    # The same entries counted one by one, from the summaries as they were before them.
    new = list(Engagement.objects.filter(pk__gt=last))
    assert len(new) == 7
    EngagementDay.objects.all().delete()
    MemberMonth.objects.all().delete()
    EngagementDay.objects.bulk_create(days_before)
    MemberMonth.objects.bulk_create(months_before)
    for entry in new:
        summaries.entry_recorded(entry)
    assert _summaries(community) == bulk
    rebuild(community=community)
    assert _summaries(community) == bulk


def test_a_bulk_record_takes_the_same_queries_for_ten_or_a_hundred_entries(
    community, django_assert_num_queries
):
    from django.db.models import F

    from enishi.ledger.models import PointsRule

    PointsRule.objects.update_or_create(community=community, kind=Kind.DONATION,
                                        defaults={"points": 1})  # fmt: skip
    # Nobody ranks up (a congratulation is mailed per member, as one by one).
    community.ranks.update(min_points=F("min_points") + 10_000)

    def count(n, first_source):
        members = MemberFactory.create_batch(n)
        entries = [(m, first_source + i, jst(2024, 4 + i % 9, 1 + i % 28, 12))
                   for i, m in enumerate(members)]  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            assert engagements_record(community=community, kind=Kind.DONATION,
                                      source_type="donation", entries=entries) == n  # fmt: skip
        return len(queries)

    assert count(10, 1) == count(100, 1000)
