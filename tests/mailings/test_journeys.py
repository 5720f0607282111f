"""Journeys with a frozen clock: who gets which, once per period, and their effect."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from enishi.activities.models import Activity
from enishi.ledger.services import engagement_record
from enishi.mailings.journeys import journeys_run
from enishi.mailings.models import Journey, JourneySend, MailTopic
from enishi.mailings.selectors import journey_figures
from enishi.mailings.services import topic_leave
from enishi.members.models import MemberUse
from tests.activities.factories import ActivityFactory
from tests.factories import staff_user

from .conftest import subscriber

T0 = timezone.make_aware(datetime(2026, 4, 1, 9, 0))


@contextmanager
def frozen(at):
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


@pytest.fixture(autouse=True)
def _only_the_journeys_under_test(community):
    """The weekly recommendations and the interest reminders have their own tests
    (tests/matching/test_journeys.py); here they would add mails to every run."""
    Journey.objects.filter(
        kind__in=[Journey.Kind.RECOMMENDED, Journey.Kind.INTEREST_CLOSING]
    ).update(is_active=False)


@pytest.fixture
def run(committed):
    def run_at(at):
        mail.outbox.clear()
        with frozen(at), committed():
            counts = journeys_run(now=at)
        return counts, {m.to[0]: m for m in mail.outbox}

    return run_at


def test_welcome_on_day_0_and_recommendations_on_day_7_once_each(community, run):
    with frozen(T0):
        newcomer = subscriber(joined_at=T0 - timedelta(hours=3), nickname="しのぶ",
                              prefecture_code="27", user__email="new@example.jp")  # fmt: skip
        MemberUse.objects.create(member=newcomer, use="migration_trial")
        subscriber(joined_at=T0 - timedelta(days=30), user__email="old@example.jp")
        for i in range(3):
            ActivityFactory(title=f"東京の集い{i}", place_kind=Activity.PlaceKind.CITY,
                            city=Activity.City.TOKYO, use="promotion",
                            closes_at=T0 + timedelta(days=20))  # fmt: skip
        ActivityFactory(title="移住体験ツアー", use="migration_trial",
                        place_kind=Activity.PlaceKind.IGA, closes_at=T0 + timedelta(days=20))
        ActivityFactory(title="大阪の集い", place_kind=Activity.PlaceKind.CITY,
                        city=Activity.City.OSAKA, use="promotion",
                        closes_at=T0 + timedelta(days=20))  # fmt: skip

    counts, sent = run(T0)
    assert counts["iga:welcome"] == 1 and list(sent) == ["new@example.jp"]
    assert sent["new@example.jp"].subject == "伊賀衆へようこそ、しのぶさん"
    assert run(T0 + timedelta(hours=1))[1] == {}  # the same day again: nothing

    _counts, sent = run(T0 + timedelta(days=7))
    assert list(sent) == ["new@example.jp"]
    body = sent["new@example.jp"].body
    listed = [line.strip("・ ") for line in body.splitlines() if line.startswith("・")]
    # Their own interest first, then what is near (Osaka for someone in Osaka).
    assert listed == ["移住体験ツアー", "大阪の集い", "東京の集い0"]
    assert run(T0 + timedelta(days=8))[1] == {}
    assert JourneySend.objects.filter(member=newcomer).count() == 2


def test_we_miss_you_after_n_days_once_per_period(community, run):
    journey = Journey.objects.get(community=community, kind=Journey.Kind.WE_MISS_YOU)
    assert (journey.days, journey.period_days) == (120, 180)
    with frozen(T0):
        quiet = subscriber(joined_at=T0 - timedelta(days=400), user__email="quiet@example.jp")
        busy = subscriber(joined_at=T0 - timedelta(days=400), user__email="busy@example.jp")
    engagement_record(member=quiet, kind="visit", occurred_at=T0 - timedelta(days=200))
    engagement_record(member=busy, kind="visit", occurred_at=T0 - timedelta(days=10))

    _c, sent = run(T0)
    assert list(sent) == ["quiet@example.jp"]
    assert "ランクは「新入り」（5ポイント）" in sent["quiet@example.jp"].body
    assert run(T0 + timedelta(days=30))[1] == {}
    # The next period: still quiet, once more (and by now the busy one has gone quiet too).
    assert sorted(run(T0 + timedelta(days=200))[1]) == ["busy@example.jp", "quiet@example.jp"]


def test_one_short_of_the_next_rank(community, run):
    with frozen(T0):
        close = subscriber(joined_at=T0 - timedelta(days=90), user__email="close@example.jp")
        far = subscriber(joined_at=T0 - timedelta(days=90), user__email="far@example.jp")
    # 中忍 needs 150 points and 2 attendances in 12 months.
    engagement_record(member=close, kind="knowledge", points=110,
                      occurred_at=T0 - timedelta(days=40))  # fmt: skip
    engagement_record(member=close, kind="local_activity", source_type="activity_session",
                      source_id=1, occurred_at=T0 - timedelta(days=30))  # fmt: skip
    engagement_record(member=far, kind="knowledge", points=60,
                      occurred_at=T0 - timedelta(days=40))  # fmt: skip
    _c, sent = run(T0)
    assert "close@example.jp" in sent and "far@example.jp" not in sent
    assert "あと1回活動に参加すると" in sent["close@example.jp"].body
    assert JourneySend.objects.get(member=close).period.startswith("rank")
    assert "close@example.jp" not in run(T0 + timedelta(days=1))[1]


def test_opt_outs_and_withdrawal_are_respected(community, run):
    with frozen(T0):
        left = subscriber(joined_at=T0 - timedelta(hours=1), user__email="left@example.jp")
        subscriber(joined_at=T0 - timedelta(hours=1), user__email="no@example.jp",
                   newsletter=False)  # fmt: skip
    topic_leave(member=left, topic=MailTopic.objects.get(community=community, name="会報"),
                source="me")  # fmt: skip
    assert run(T0)[1] == {}


def test_inactive_journeys_send_nothing(community, run):
    Journey.objects.update(is_active=False)
    with frozen(T0):
        subscriber(joined_at=T0 - timedelta(hours=1))
    assert run(T0)[1] == {}


def test_effect_recipients_and_engaged_within_30_days(client, community, run):
    with frozen(T0):
        a = subscriber(joined_at=T0 - timedelta(hours=1), user__email="a@example.jp")
        subscriber(joined_at=T0 - timedelta(hours=2), user__email="b@example.jp")
    run(T0)
    engagement_record(member=a, kind="visit", occurred_at=T0 + timedelta(days=12))
    welcome = next(j for j in journey_figures(community=community) if j.kind == "welcome")
    assert (welcome.recipients, welcome.engaged_30d) == (2, 1)
    client.force_login(staff_user(community))
    page = client.get("/staff/mailings/journeys/").content.decode()
    assert "50%" in page


def test_the_command_for_cron(community, committed):
    with frozen(T0):
        subscriber(joined_at=T0 - timedelta(hours=1))
        with committed():
            call_command("run_journeys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1
