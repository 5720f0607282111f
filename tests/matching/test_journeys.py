"""The journeys this issue adds to mailings: weekly 「あなたへのおすすめ」 and the reminder
before an activity someone marked 「興味あり」 closes."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from enishi.activities import services
from enishi.communities.models import Tag
from enishi.mailings.journeys import journey_run
from enishi.mailings.models import Journey, JourneySend
from enishi.matching.models import Interest
from tests.activities.factories import SessionFactory

from .conftest import skilled

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(datetime(2026, 4, 1, 9, 0))


@contextmanager
def frozen(at):
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def run(journey, at):
    mail.outbox.clear()
    with frozen(at), TestCase.captureOnCommitCallbacks(execute=True):
        count = journey_run(journey=journey, now=at)
    return count, {m.to[0]: m for m in mail.outbox}


def test_weekly_recommendations_with_reasons_once_a_week(community, no_semantic):
    journey = Journey.objects.get(community=community, kind=Journey.Kind.RECOMMENDED)
    assert journey.period_days == 7
    with frozen(T0):
        designer = skilled("", skills=["デザイン"], user__email="d@example.jp",
                           joined_at=T0 - timedelta(days=30))  # fmt: skip
        skilled("", user__email="none@example.jp", prefecture_code="01", ties=["tourism"],
                joined_at=T0 - timedelta(days=30))  # fmt: skip
        activity = SessionFactory(activity__title="観光マップづくり",
                                  activity__closes_at=T0 + timedelta(days=20)).activity
        activity.wanted_skills.add(Tag.objects.get(community=community, kind="skill",
                                                   name="デザイン"))  # fmt: skip
    count, sent = run(journey, T0)
    # Nothing fits the member with no skills, topics or nearby place: they get no mail.
    assert count == 1 and list(sent) == ["d@example.jp"]
    body = sent["d@example.jp"].body
    assert "・観光マップづくり" in body and "「デザイン」のスキルが活かせます" in body
    assert run(journey, T0 + timedelta(days=3))[0] == 0
    assert run(journey, T0 + timedelta(days=7))[0] == 1
    assert JourneySend.objects.filter(member=designer).count() == 2


def test_interest_window_closing_reminds_once_those_who_have_not_applied(community):
    journey = Journey.objects.get(community=community, kind=Journey.Kind.INTEREST_CLOSING)
    assert journey.days == 3
    with frozen(T0):
        soon = SessionFactory(activity__title="棚田の草刈り",
                              activity__closes_at=T0 + timedelta(days=2)).activity  # fmt: skip
        later = SessionFactory(activity__closes_at=T0 + timedelta(days=10)).activity
        keen = skilled("", user__email="keen@example.jp")
        applied = skilled("", user__email="applied@example.jp")
        quiet = skilled("", user__email="quiet@example.jp", newsletter=False)
        for member in (keen, applied, quiet):
            Interest.objects.create(member=member, activity=soon)
        Interest.objects.create(member=keen, activity=later)
        services.application_apply(session=soon.sessions.get(), member=applied)
    count, sent = run(journey, T0)
    assert count == 1 and list(sent) == ["keen@example.jp"]
    message = sent["keen@example.jp"]
    assert message.subject == "「棚田の草刈り」の締切が近づいています"
    assert f"/activities/{soon.pk}/" in message.body
    assert run(journey, T0 + timedelta(days=1))[0] == 0  # once per activity
    # The later activity's turn comes when it is three days from closing.
    count, sent = run(journey, T0 + timedelta(days=8))
    assert count == 1 and list(sent) == ["keen@example.jp"]


def test_staff_may_use_the_activity_fields_in_the_reminder(client, community):
    from tests.factories import staff_user

    journey = Journey.objects.get(community=community, kind=Journey.Kind.INTEREST_CLOSING)
    client.force_login(staff_user(community))
    response = client.post(f"/staff/mailings/journeys/{journey.pk}/", {
        "is_active": "on", "topic": journey.topic_id, "days": "5", "period_days": "0",
        "subject": "{activity_title}", "body": "{activity_url}",
    })  # fmt: skip
    assert response.status_code == 302
    journey.refresh_from_db()
    assert journey.days == 5
    other = Journey.objects.get(community=community, kind=Journey.Kind.RECOMMENDED)
    response = client.post(f"/staff/mailings/journeys/{other.pk}/", {
        "is_active": "on", "topic": other.topic_id, "days": "0", "period_days": "7",
        "subject": "{activity_title}", "body": "{recommended_activities}",
    })  # fmt: skip
    assert response.status_code == 200 and response.context["form"].errors["subject"]
