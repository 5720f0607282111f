"""The summary tables the ledger's services keep are the ones a full rebuild computes."""

from datetime import date

from django.core.management import call_command
from django.utils import timezone

from enishi.insights import selectors
from enishi.insights.models import EngagementDay, MemberMonth
from enishi.insights.periods import fiscal_year, month
from enishi.insights.summaries import rebuild
from enishi.ledger.models import Engagement, Kind
from enishi.ledger.services import engagement_correct, engagement_record
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
