"""Inviting contacts within their consent; the signed link fills in /join/ and the contact is
merged into the member when registration completes."""

import re

import pytest
from django.core import mail
from django.test import TestCase

from enishi.donations.models import Contact, Donation, Invitation
from enishi.donations.services import contacts_invite, invitation_token
from enishi.ledger.models import Engagement, Kind
from enishi.mailings.models import SuppressedAddress
from enishi.members.models import Member
from tests.factories import staff_user
from tests.members.helpers import VALID_JOIN, confirmation_link, post

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
    assert "1 人に招待メールを送る" in page
    post(client, "/staff/contacts/invite/")
    assert [m.to for m in mail.outbox] == [["yes@example.jp"]]
    assert "?invite=" in mail.outbox[0].body and "/contacts/no-more-mail/" in mail.outbox[0].body
    # Pressing again mails nobody twice.
    post(client, "/staff/contacts/invite/")
    assert len(mail.outbox) == 1
    assert Invitation.objects.count() == 1
    assert client.get("/staff/contacts/").status_code == 200


def invite_all(community):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return contacts_invite(community=community, contacts=Contact.objects.all(), by=None)


def test_the_invitation_link_fills_in_registration_and_merges_on_completion(client, community):
    import_file(community, "generic_utf8_bom.csv")  # 伊賀 太郎 wants information: a contact
    taro = Contact.objects.get(name="伊賀 太郎")
    assert invite_all(community) == 1
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0).split("testserver")[-1]
    link = link.split("127.0.0.1:8000")[-1]
    page = client.get(link).content.decode()
    assert 'value="伊賀"' in page and 'value="太郎"' in page and 'value="イガ"' in page
    assert 'value="taro@example.jp"' in page and 'value="5180873"' in page
    token = invitation_token(contact=taro)
    data = {**VALID_JOIN, "email": "taro@example.jp", "family_name": "伊賀", "given_name": "太郎",
            "postal_code": "5180873", "prefecture_code": "24", "city": "伊賀市",
            "invitation": token}  # fmt: skip
    response = post(client, "/join/", data)
    assert response.status_code == 302
    member = Member.objects.get(user__email="taro@example.jp")
    taro.refresh_from_db()
    assert taro.claimed_by == member and taro.member is None  # not verified yet
    post(client, confirmation_link("taro@example.jp"))
    member.refresh_from_db()
    taro.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert taro.member == member and taro.name == ""
    donation = Donation.objects.get(receipt_number="A-0001")
    assert donation.member == member
    assert Engagement.objects.filter(member=member, kind=Kind.DONATION,
                                     source_id=donation.pk).exists()  # fmt: skip


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
