"""Staff pages for segments and mailings, driven with the test client."""

import re

import pytest
from django.core import mail

from enishi.communities.models import StaffRole
from enishi.mailings.models import Delivery, Mailing, Segment
from enishi.privacy.models import AuditEvent
from tests.activities.factories import ActivityFactory
from tests.factories import staff_user
from tests.members.helpers import post

from .conftest import subscriber


@pytest.fixture
def staff(client, community):
    user = staff_user(community, email="kouhou@example.jp")
    client.force_login(user)
    return user


def test_only_staff_with_the_mailings_permission(client, community):
    assert client.get("/staff/mailings/").status_code == 302  # to the login page
    client.force_login(staff_user(community, role=StaffRole.Role.VIEWER))
    for url in ("/staff/mailings/", "/staff/segments/", "/staff/segments/new/",
                "/staff/mailings/journeys/"):  # fmt: skip
        assert client.get(url).status_code == 403, url


def test_build_a_segment_with_a_live_count_and_save_it(client, community, staff):
    subscriber(prefecture_code="27", nickname="なにわ")
    subscriber(prefecture_code="26", nickname="みやこ")
    subscriber(prefecture_code="13", nickname="えど")
    subscriber(prefecture_code="27", newsletter=False, nickname="同意なし")
    page = client.get("/staff/segments/new/")
    assert page.status_code == 200
    assert 'hx-post="/staff/segments/count/"' in page.content.decode()

    data = {"name": "関西の会員", "match": "all", "regions": ["kansai"]}
    response = client.post("/staff/segments/count/", data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert re.search(r"<strong>2</strong>", html)
    assert "なにわ" in html and "みやこ" in html and "同意なし" not in html
    assert "<html" not in html  # a partial
    event = AuditEvent.objects.get(action=AuditEvent.Action.SEGMENT_SAMPLE)
    assert event.row_count == 2

    empty = client.post("/staff/segments/count/", {"match": "all"})
    assert "条件を1つ以上選んでください" in empty.content.decode()

    response = post(client, "/staff/segments/new/", data)
    assert response.status_code == 302
    segment = Segment.objects.get(name="関西の会員")
    assert segment.conditions == {"regions": ["kansai"]}
    edit = client.get(f"/staff/segments/{segment.pk}/")
    assert re.search(r'value="kansai"[^>]*checked', edit.content.decode())


def test_saving_an_empty_segment_is_refused_and_keeps_what_was_typed(client, community, staff):
    response = client.post("/staff/segments/new/", {"name": "だれも", "match": "any"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "条件を1つ以上選んでください" in html and 'value="だれも"' in html
    assert not Segment.objects.exists()


def _compose(client, community, **changes):
    segment = Segment.objects.create(community=community, name="全員", match="all",
                                     conditions={"everyone": True})  # fmt: skip
    topic = community.mail_topics.get(name="会報")
    data = {
        "subject": "{nickname}さん、伊賀だより11月号",
        "body": "## 今月の伊賀\n\n{nickname}さん、こんにちは。ランクは{rank}です。",
        "topic": topic.pk,
        "segment": segment.pk,
    }
    data.update(changes)
    return client.post("/staff/mailings/new/", data)


def test_a_broken_merge_field_is_caught_when_composing(client, community, staff):
    response = _compose(client, community, body="{nickname}さん、{nickmane}さん。{rank")
    assert response.status_code == 200
    html = response.content.decode()
    assert "「{」と「}」の対応が取れていません" in html
    response = _compose(client, community, body="{nickmane}さん", subject="{activity_url}")
    html = response.content.decode()
    assert "差し込み項目 {nickmane} はありません" in html
    assert "「おすすめの活動」を選んでください" in html
    assert not Mailing.objects.exists()


def test_a_broken_merge_field_is_caught_at_preview_not_at_send(client, community, staff):
    subscriber()
    topic = community.mail_topics.first()
    segment = Segment.objects.create(community=community, name="全員", match="all",
                                     conditions={"everyone": True})  # fmt: skip
    # Saved some other way (an older draft, an import): the preview still refuses it.
    mailing = Mailing.objects.create(
        community=community, topic=topic, segment=segment,
        subject="お知らせ", body="{nickname}さん {member_numbr}",
    )  # fmt: skip
    preview = client.get(f"/staff/mailings/{mailing.pk}/preview/")
    assert "差し込み項目 {member_numbr} はありません" in preview.content.decode()
    response = post(client, f"/staff/mailings/{mailing.pk}/send/")
    assert response.status_code == 302
    assert not Delivery.objects.exists() and mail.outbox == []
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_compose_preview_test_send_and_send(
    client, community, staff, django_assert_max_num_queries
):
    members = [
        subscriber(nickname=f"忍{i}", user__email=f"nin{i}@example.jp") for i in range(3)
    ]
    subscriber(newsletter=False, user__email="no@example.jp")
    activity = ActivityFactory(title="伊賀焼の窯出し")
    body = "{nickname}さん、[{activity_title}]({activity_url}) はいかが？"
    response = _compose(client, community, activity=activity.pk, body=body)
    mailing = Mailing.objects.get()
    assert response.status_code == 302 and response.url == f"/staff/mailings/{mailing.pk}/"
    detail = client.get(response.url).content.decode()
    assert "3</strong>" in detail  # the recipients now

    preview = client.get(f"/staff/mailings/{mailing.pk}/preview/", {"member": members[1].number})
    html = preview.content.decode()
    assert "忍1さん、伊賀だより11月号" in html
    assert f"/activities/{activity.pk}/" in html
    assert "伊賀焼の窯出し" in html and "List-Unsubscribe-Post" in html
    unknown = client.get(f"/staff/mailings/{mailing.pk}/preview/", {"member": "IGA-999999"})
    assert "この会員番号の会員は見つかりません" in unknown.content.decode()

    post(client, f"/staff/mailings/{mailing.pk}/test/")
    assert [m.to for m in mail.outbox] == [["kouhou@example.jp"]]
    assert mail.outbox[0].subject.startswith("［テスト］")
    assert not Delivery.objects.exists()
    mail.outbox.clear()

    response = post(client, f"/staff/mailings/{mailing.pk}/send/")
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in members)
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.alternatives[0].mimetype == "text/html"
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT
    # Sending again sends nothing more.
    post(client, f"/staff/mailings/{mailing.pk}/send/")
    assert len(mail.outbox) == 3

    progress = client.get(f"/staff/mailings/{mailing.pk}/progress/").content.decode()
    assert 'value="100"' in progress
    with django_assert_max_num_queries(14):  # incl. the chained audit row
        recipients = client.get(f"/staff/mailings/{mailing.pk}/recipients/")
    assert recipients.content.decode().count("送信済み") >= 3
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MAILING_RECIPIENTS).exists()
    assert client.get(f"/staff/mailings/{mailing.pk}/edit/").status_code == 302


def test_a_segment_of_no_consenting_member_cannot_be_sent(client, community, staff):
    subscriber(newsletter=False)
    _compose(client, community)
    mailing = Mailing.objects.get()
    response = post(client, f"/staff/mailings/{mailing.pk}/send/", follow=True)
    assert "送り先が0人です" in response.content.decode()
    assert not Delivery.objects.exists()


def test_schedule_and_cron(client, community, staff, committed):
    from datetime import timedelta
    from unittest import mock

    from django.core.management import call_command
    from django.utils import timezone

    member = subscriber()
    _compose(client, community)
    mailing = Mailing.objects.get()
    past = client.post(
        f"/staff/mailings/{mailing.pk}/schedule/", {"send_at": "2020-01-01T09:00"}, follow=True
    )
    assert "これから先の日時を指定してください" in past.content.decode()
    when = timezone.localtime() + timedelta(days=1)
    post(client, f"/staff/mailings/{mailing.pk}/schedule/",
         {"send_at": when.strftime("%Y-%m-%dT%H:%M")})  # fmt: skip
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SCHEDULED
    with committed():
        call_command("run_mailings", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mail.outbox == []
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days=2)):
        with committed():
            call_command("run_mailings", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert [m.to for m in mail.outbox] == [[member.user.email]]


@pytest.mark.parametrize("n", [2, 40])
def test_lists_run_a_constant_number_of_queries(client, community, staff, n,
                                                django_assert_max_num_queries):  # fmt: skip
    topic = community.mail_topics.first()
    for i in range(n):
        segment = Segment.objects.create(community=community, name=f"セグメント{i}",
                                         conditions={"everyone": True})  # fmt: skip
        Mailing.objects.create(community=community, topic=topic, segment=segment,
                               subject=f"伊賀だより{i}", body="本文")  # fmt: skip
    for url in ("/staff/mailings/", "/staff/segments/", "/staff/mailings/journeys/"):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
