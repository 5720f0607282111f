"""Calendar feeds: the public one of upcoming activities and a member's private one."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from enishi.activities import services
from enishi.activities.models import Activity, CalendarFeed
from enishi.members.services import member_withdraw
from tests.factories import MemberFactory

from .factories import SessionFactory

pytestmark = pytest.mark.django_db


def _uids(body: str) -> list[str]:
    return re.findall(r"^UID:(.+)\r$", body, re.M)


def test_the_public_feed_lists_upcoming_sessions_of_published_activities(client, community):
    upcoming = SessionFactory(activity__title="田植え体験")
    SessionFactory(activity__status=Activity.Status.DRAFT, activity__title="下書き")
    SessionFactory(starts_at=timezone.now() - timedelta(days=2), activity__title="終わった会")
    response = client.get("/activities/feed.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert _uids(body) == [f"activity-{upcoming.activity_id}-session-{upcoming.pk}@testserver"]
    assert "SUMMARY:田植え体験" in body and "X-WR-CALNAME:" in body
    assert "下書き" not in body and "終わった会" not in body


def test_the_public_feed_runs_the_same_queries_for_more_activities(
    client, community, django_assert_max_num_queries
):
    SessionFactory()
    with django_assert_max_num_queries(4) as small:
        client.get("/activities/feed.ics")
    for _i in range(10):
        SessionFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(_uids(client.get("/activities/feed.ics").content.decode())) == 11


def _feed_url(client, member) -> str:
    client.force_login(member.user)
    page = client.post("/me/calendar/").content.decode()
    return re.search(r'value="http://testserver(/feeds/[^"]+\.ics)"', page).group(1)


def test_a_members_private_feed_holds_their_accepted_applications_only(client, community):
    member = MemberFactory(community=community)
    accepted = services.application_apply(session=SessionFactory(activity__title="確定の会"),
                                          member=member)  # fmt: skip
    screening = SessionFactory(activity__title="選考中の会",
                               activity__selection=Activity.Selection.SCREENING)  # fmt: skip
    services.application_apply(session=screening, member=member)
    services.application_apply(session=SessionFactory(activity__title="ほかの人の会"),
                               member=MemberFactory(community=community))  # fmt: skip
    url = _feed_url(client, member)
    client.logout()
    response = client.get(url)  # no login: the secret URL is the credential
    body = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert _uids(body) == [f"application-{accepted.pk}@testserver"]
    assert "確定の会" in body and "選考中の会" not in body and "ほかの人の会" not in body


def test_a_new_url_or_revoking_stops_the_old_one(client, community):
    member = MemberFactory(community=community)
    old = _feed_url(client, member)
    new = _feed_url(client, member)
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200
    client.post("/me/calendar/revoke/")
    assert client.get(new).status_code == 404
    assert client.get("/feeds/made-up.ics").status_code == 404


def test_a_withdrawn_members_feed_is_gone(client, community):
    member = MemberFactory(community=community)
    url = _feed_url(client, member)
    member_withdraw(member=member)
    assert not CalendarFeed.objects.exists()
    assert client.get(url).status_code == 404
