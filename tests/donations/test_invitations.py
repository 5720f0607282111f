"""Inviting contacts within their consent; the signed link fills in /join/ and the contact is
merged into the member when registration completes."""

import re

import pytest
from django.core import mail
from django.test import TestCase

from enishi.donations.messages import invitation_token, opt_out_token
from enishi.donations.models import Contact, Invitation
from enishi.donations.services import invitation_draft
from enishi.mailings.models import Delivery, Mailing, Segment, SuppressedAddress
from enishi.mailings.services import mailing_deliver, mailing_queue
from enishi.members.models import Member
from tests.factories import staff_user
from tests.members.helpers import post

from .conftest import import_file

pytestmark = pytest.mark.django_db


def contact(community, **kwargs):
    data = {"name": "伊賀 太郎", "name_kana": "イガ タロウ", "source": "donation",
            "email": "taro@example.jp", "info_consent": "yes", **kwargs}  # fmt: skip
    return Contact.objects.create(community=community, **data)


@pytest.fixture
def staff(client, community):
    user = staff_user(community)
    client.force_login(user)
    return user


def test_only_contacts_who_agreed_are_invited_and_the_page_says_why(client, community, staff):
    contact(community, email="yes@example.jp")
    contact(community, email="no@example.jp", info_consent="no")
    contact(community, email="unknown@example.jp", info_consent="unknown")
    contact(community, email="")
    contact(community, email="bounced@example.jp")
    SuppressedAddress.objects.create(email="bounced@example.jp", reason="bounced")
    page = client.get("/staff/contacts/invite/").content.decode()
    assert re.search(r"お知らせに同意していない（希望しない・不明）</th><td>2<", page)
    assert re.search(r"メールアドレスがない</th><td>1<", page)
    assert re.search(r"以前のメールが届かなかったアドレス</th><td>1<", page)
    assert re.search(r"招待メールを送れる</th><td>1<", page)
    # The invitation is a mailing: a draft to check, then sent by the mailings machinery.
    response = post(client, "/staff/contacts/invite/")
    mailing = Mailing.objects.get()
    assert response.url == f"/staff/mailings/{mailing.pk}/"
    assert mailing.for_contacts and mailing.topic is None and mailing.status == "draft"
    assert mail.outbox == []
    detail = client.get(response.url).content.decode()
    assert "いま1人に送信する" in detail and "連絡先への登録の招待" in detail
    preview = client.get(f"/staff/mailings/{mailing.pk}/preview/").content.decode()
    assert "連絡先 伊賀 太郎 さんに届く内容" in preview and "?invite=" in preview
    post(client, f"/staff/mailings/{mailing.pk}/send/")
    assert [m.to for m in mail.outbox] == [["yes@example.jp"]]
    message = mail.outbox[0]
    assert message.subject == "伊賀衆へのご登録のご案内"
    assert "伊賀 太郎 様" in message.body and "?invite=" in message.body
    assert "/contacts/no-more-mail/" in message.body
    assert "/one-click/" in message.extra_headers["List-Unsubscribe"]
    delivery = Delivery.objects.get()
    assert delivery.contact.email == "yes@example.jp" and delivery.status == "sent"
    invitation = Invitation.objects.get()
    assert invitation.mailing == mailing and invitation.contact.invited_at is not None
    # A second invitation mails nobody twice: the invited contact is in no segment again.
    second = invite_all(community)
    assert second.recipients == 0 and len(mail.outbox) == 1
    recipients = client.get(f"/staff/mailings/{mailing.pk}/recipients/").content.decode()
    assert f"/staff/contacts/{delivery.contact_id}/" in recipients
    assert "送らない：招待済み・登録手続き中</th><td>1<" in client.get(
        "/staff/contacts/invite/"
    ).content.decode()


class Sent:
    def __init__(self, mailing, recipients):
        self.mailing, self.recipients = mailing, recipients


def invite_all(community, segment=None):
    """What staff do: make the invitation draft (to `segment` if given) and send it."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        mailing = invitation_draft(community=community, by=None)
        if segment is not None:
            mailing.segment = segment
            mailing.save()
        return Sent(mailing, mailing_queue(mailing=mailing))


def test_a_contacts_segment_chooses_by_source_and_donation_date(client, community, staff):
    import_file(community, "generic_utf8_bom.csv")  # donors with info consent yes/no
    fair = contact(community, email="fair@example.jp", source="fair")
    page = client.get("/staff/segments/new/contacts/")
    assert page.status_code == 200 and "寄附日（から）" in page.content.decode()
    response = post(client, "/staff/segments/new/contacts/", {
        "name": "フェアの人", "match": "all", "sources": ["fair"],
    })  # fmt: skip
    assert response.status_code == 302
    segment = Segment.objects.get(name="フェアの人")
    assert segment.audience == "contacts" and segment.conditions == {"sources": ["fair"]}
    assert "（連絡先）" in str(segment)
    assert "いま当てはまる連絡先：<strong>1</strong>" in client.get(
        f"/staff/segments/{segment.pk}/"
    ).content.decode()
    by_date = Segment.objects.create(community=community, name="1月の寄附者", match="all",
                                     audience="contacts",
                                     conditions={"donated": {"from": "2026-01-01",
                                                             "to": "2026-01-31"}})  # fmt: skip
    from enishi.donations.selectors import segment_contacts

    january = set(segment_contacts(community=community, match="all",
                                   conditions=by_date.conditions))  # fmt: skip
    assert january and fair not in january
    assert all(c.donations.filter(donated_on__month=1).exists() for c in january)
    assert all(c.info_consent == "yes" for c in january)
    sent = invite_all(community, segment)
    assert sent.recipients == 1 and [m.to for m in mail.outbox] == [["fair@example.jp"]]
    # A segment with no condition is refused, and what was typed stays.
    response = client.post("/staff/segments/new/contacts/", {"name": "空", "match": "all"})
    assert response.status_code == 200 and 'value="空"' in response.content.decode()
    assert "条件を1つ以上選んでください" in response.content.decode()


def test_an_invitation_must_carry_the_join_link_and_only_contact_fields(
    client, community, staff
):
    contact(community)
    mailing = invitation_draft(community=community, by=None)
    data = {"subject": "ご案内", "body": "{nickname} 様、登録はこちら",
            "segment": mailing.segment_id, "topic": "", "activity": ""}  # fmt: skip
    page = client.post(f"/staff/mailings/{mailing.pk}/edit/", data).content.decode()
    assert "差し込み項目 {nickname} はありません" in page
    assert "その人専用の登録リンク {join_url} を入れてください" in page
    data["body"] = "{name} 様\n\n{join_url}"
    assert client.post(f"/staff/mailings/{mailing.pk}/edit/", data).status_code == 302
    mailing.refresh_from_db()
    assert mailing.topic is None and mailing.body.startswith("{name} 様")


def test_a_member_mailing_still_needs_a_list(client, community, staff):
    from enishi.mailings.models import MailTopic

    segment = Segment.objects.create(community=community, name="全員",
                                     conditions={"everyone": True})  # fmt: skip
    data = {"subject": "会報", "body": "こんにちは", "segment": segment.pk, "topic": "",
            "activity": ""}  # fmt: skip
    page = client.post("/staff/mailings/new/", data).content.decode()
    assert "配信リストを選んでください" in page and not Mailing.objects.exists()
    data["topic"] = MailTopic.objects.filter(community=community).first().pk
    assert client.post("/staff/mailings/new/", data).status_code == 302


def test_an_address_that_bounces_is_not_invited_again_and_opt_out_stops_sending(
    client, community
):
    """Sending is the mailings': a contact who says no between queueing and sending is
    skipped, and a permanent refusal suppresses the address for later invitations."""
    contact(community, email="taro@example.jp")
    contact(community, email="hanako@example.jp", name="伊賀 花子")
    with TestCase.captureOnCommitCallbacks(execute=False):
        mailing = invitation_draft(community=community, by=None)
        assert mailing_queue(mailing=mailing) == 2
    hanako = Contact.objects.get(email="hanako@example.jp")
    token = opt_out_token(contact=hanako)
    one_click = client.post(f"/contacts/no-more-mail/{token}/one-click/")
    assert one_click.status_code == 200
    hanako.refresh_from_db()
    assert hanako.info_consent == "no"
    run = mailing_deliver(mailing_id=mailing.pk)
    assert run.sent == 1 and run.skipped == 1
    assert [m.to for m in mail.outbox] == [["taro@example.jp"]]
    mailing.refresh_from_db()
    assert mailing.status == "sent"


def test_a_forged_or_used_invitation_fills_in_nothing(client, community):
    taro = contact(community)
    assert 'value="taro@example.jp"' not in client.get("/join/?invite=forged").content.decode()
    token = invitation_token(contact=taro)
    assert 'value="taro@example.jp"' in client.get(f"/join/?invite={token}").content.decode()
    taro.member = Member.objects.create(
        community=community, family_name="x", given_name="y", referral_code="R1", card_key="k"
    )
    taro.save()
    assert 'value="taro@example.jp"' not in client.get(f"/join/?invite={token}").content.decode()


def test_no_more_mail_records_a_no(client, community):
    taro = contact(community)
    invite_all(community)
    link = re.search(r"\S+/contacts/no-more-mail/\S+/", mail.outbox[-1].body).group(0)
    path = "/contacts/" + link.split("/contacts/", 1)[1]
    assert "受け取らない" in client.get(path).content.decode()
    taro.refresh_from_db()
    assert taro.info_consent == "yes"  # a GET (a link scanner) changes nothing
    post(client, path)
    taro.refresh_from_db()
    assert taro.info_consent == "no"
    assert client.get("/contacts/no-more-mail/forged/").status_code == 404


def test_a_members_donations_are_in_their_data_download(client, community):
    from tests.factories import MemberFactory, UserFactory

    taro = MemberFactory(user=UserFactory(email="taro@example.jp"))
    import_file(community, "generic_utf8_bom.csv")
    client.force_login(taro.user)
    data = client.get("/me/data.json").json()
    assert data["donations"] == [{"donated_on": "2026-01-05", "amount": 10000,
                                  "portal": "ふるさとチョイス", "receipt_number": "A-0001",
                                  "gift": "伊賀牛すき焼き用"}]  # fmt: skip
    assert "ふるさと納税の寄附" in client.get("/me/data.csv").content.decode("utf-8-sig")
