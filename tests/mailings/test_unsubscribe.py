"""Leaving lists: GET changes nothing, POST does; one-click (RFC 8058); /me/mail/."""

import pytest
from django.core import mail
from django.test import Client

from enishi.activities.mails import application_mail
from enishi.activities.models import Application
from enishi.mailings.messages import unsubscribe_token
from enishi.mailings.models import Delivery, Mailing, MailTopic, TopicOptOut
from enishi.mailings.selectors import reachable_members
from enishi.mailings.services import mailing_queue
from enishi.members.services import member_withdraw
from enishi.privacy.selectors import newsletter_opted_in
from tests.activities.factories import SessionFactory
from tests.members.helpers import post

from .conftest import subscriber


def _url(member, topic, one_click=False):
    return f"/unsubscribe/{unsubscribe_token(member=member, topic=topic)}/" + (
        "one-click/" if one_click else ""
    )


def test_get_only_asks_and_the_button_unsubscribes(client, community, topic):
    member = subscriber()
    page = client.get(_url(member, topic))
    html = page.content.decode()
    assert page.status_code == 200
    assert "「会報」のメールを停止しますか" in html and 'method="post"' in html
    # A link scanner that follows the link (even twice) unsubscribes nobody.
    client.get(_url(member, topic))
    assert not TopicOptOut.objects.exists()

    done = post(client, _url(member, topic), {"scope": "topic"})
    assert "「会報」のメールを停止しました" in done.content.decode()
    assert TopicOptOut.objects.filter(member=member, topic=topic).exists()
    assert newsletter_opted_in(member=member)  # the other lists still come
    assert member not in reachable_members(community=community, topic=topic)
    other = MailTopic.objects.get(community=community, name="イベント案内")
    assert member in reachable_members(community=community, topic=other)


def test_stop_all_marketing_mail_from_the_same_page(client, community, topic):
    member = subscriber()
    post(client, _url(member, topic), {"scope": "all"})
    assert not newsletter_opted_in(member=member)
    assert member.consents.order_by("-pk").first().source == "unsubscribe"
    for any_topic in MailTopic.objects.filter(community=community):
        assert member not in reachable_members(community=community, topic=any_topic)


def test_one_click_post_needs_no_csrf_token_or_login(community, topic):
    member = subscriber()
    client = Client(enforce_csrf_checks=True)
    assert client.get(_url(member, topic, one_click=True)).status_code == 405
    response = client.post(_url(member, topic, one_click=True),
                           {"List-Unsubscribe": "One-Click"})  # fmt: skip
    assert response.status_code == 200
    assert TopicOptOut.objects.filter(member=member, topic=topic, source="one_click").exists()
    # Twice is fine.
    assert client.post(_url(member, topic, one_click=True)).status_code == 200
    # The confirmation page still needs its CSRF token.
    assert client.post(_url(member, topic), {"scope": "all"}).status_code == 403


def test_a_forged_or_foreign_token_is_refused(client, community, topic):
    member = subscriber()
    token = unsubscribe_token(member=member, topic=topic)
    assert client.get(f"/unsubscribe/{token[:-2]}xx/").status_code == 404
    assert client.post(f"/unsubscribe/{token[:-2]}xx/one-click/").status_code == 404
    assert not TopicOptOut.objects.exists()


def test_transactional_mail_still_goes_after_stopping_marketing(client, community, topic,
                                                                 committed):  # fmt: skip
    member = subscriber()
    post(client, _url(member, topic), {"scope": "all"})
    application = Application.objects.create(session=SessionFactory(), member=member,
                                             status=Application.Status.ACCEPTED)  # fmt: skip
    with committed():
        application_mail(application=application, kind="accepted")
    assert [m.to for m in mail.outbox] == [[member.user.email]]


def test_withdrawn_member_gets_nothing_ever_again(community, topic, everyone, committed):
    member = subscriber()
    queued = Mailing.objects.create(community=community, topic=topic, segment=everyone,
                                    subject="前に予約", body="本文")  # fmt: skip
    with committed():
        member_withdraw(member=member)
        mailing_queue(mailing=queued)
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_me_mail_page_has_the_global_flag_and_the_lists(client, community, topic):
    member = subscriber()
    client.force_login(member.user)
    page = client.get("/me/mail/").content.decode()
    for name in ("会報", "イベント案内", "伊賀のしごと"):
        assert name in page
    events = MailTopic.objects.get(community=community, name="イベント案内")
    jobs = MailTopic.objects.get(community=community, name="伊賀のしごと")
    post(client, "/me/mail/", {"newsletter": "on", "topics": [events.pk]})
    assert set(TopicOptOut.objects.filter(member=member).values_list("topic", flat=True)) == {
        topic.pk, jobs.pk,
    }  # fmt: skip
    assert newsletter_opted_in(member=member)
    # Rejoin a list; stop everything.
    post(client, "/me/mail/", {"topics": [events.pk, topic.pk]})
    assert not newsletter_opted_in(member=member)
    assert set(TopicOptOut.objects.filter(member=member).values_list("topic", flat=True)) == {
        jobs.pk
    }
    page = client.get("/me/mail/").content.decode()
    assert page.count("checked") == 2


@pytest.mark.parametrize("scope", ["topic", "all"])
def test_the_confirmation_page_after_leaving_says_so(client, community, topic, scope):
    member = subscriber()
    post(client, _url(member, topic), {"scope": scope})
    html = client.get(_url(member, topic)).content.decode()
    if scope == "topic":
        assert "すでに停止しています" in html
    else:
        assert "お知らせメールをすべて停止する" not in html
