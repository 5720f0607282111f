"""One deployment, several communities (by host name): one login, one membership per
community, each community's staff seeing only its own members."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from enishi.core.models import User
from enishi.ledger.models import Engagement, Kind
from enishi.members.models import Member
from enishi.privacy.models import Consent
from tests.factories import CommunityFactory, MemberFactory, staff_user

from .helpers import VALID_JOIN, post

A_HOST, B_HOST = "aoyama.example.jp", "nabari.example.jp"
PROFILE = {k: v for k, v in VALID_JOIN.items() if k not in ("email", "password1")}


@pytest.fixture
def towns(db, settings):
    settings.ALLOWED_HOSTS = [A_HOST, B_HOST, "testserver"]
    a = CommunityFactory(name="青山の衆", domain=A_HOST, member_number_prefix="AOY")
    b = CommunityFactory(name="名張の衆", domain=B_HOST, member_number_prefix="NAB")
    return a, b


@pytest.fixture
def person(towns, client):
    """A member of A, signed in."""
    a, _b = towns
    member = MemberFactory(community=a, number="AOY-000007", family_name="服部",
                           given_name="花子", city="渋谷区", postal_code="1500001")  # fmt: skip
    client.force_login(member.user)
    return member


def test_a_member_of_a_joins_b_with_the_same_login(client, towns, person):
    _a, b = towns
    users = User.objects.count()
    page = client.get("/join/", HTTP_HOST=B_HOST).content.decode()
    assert "<h1>名張の衆に登録する</h1>" in page
    assert person.user.email in page  # "the login you are signed in with"
    assert 'name="email"' not in page and 'name="password1"' not in page
    # What the person gave A is offered again (their own data, shown only to them).
    assert 'value="服部"' in page and 'value="花子"' in page

    response = post(client, "/join/", {**PROFILE, "family_name": "服部"}, HTTP_HOST=B_HOST)
    assert response.status_code == 302 and response["Location"] == "/me/"

    assert User.objects.count() == users  # no second login
    joined = Member.objects.get(community=b, user=person.user)
    # The address is already verified: active at once, with B's first number.
    assert joined.status == Member.Status.ACTIVE and joined.number == "NAB-000001"
    assert joined.family_name == "服部" and joined.given_name == "花子"
    assert {(c.purpose, c.granted) for c in Consent.objects.filter(member=joined)} == {
        ("terms", True), ("privacy_policy", True), ("newsletter_email", False)
    }
    assert Engagement.objects.filter(member=joined, kind=Kind.REGISTRATION).count() == 1

    me_b = client.get("/me/", HTTP_HOST=B_HOST).content.decode()
    assert "名張の衆の会員になりました。会員番号は NAB-000001 です。" in me_b
    assert "NAB-000001" in me_b and "AOY-000007" not in me_b
    me_a = client.get("/me/", HTTP_HOST=A_HOST).content.decode()
    assert "AOY-000007" in me_a and "NAB-000001" not in me_a

    # A second visit to /join/ does not make a second membership.
    response = client.get("/join/", HTTP_HOST=B_HOST, follow=True)
    assert "すでに名張の衆の会員として登録されています。" in response.content.decode()
    assert Member.objects.filter(community=b, user=person.user).count() == 1


def test_joining_b_needs_the_consents_and_keeps_what_was_typed(client, towns, person):
    _a, b = towns
    data = {**PROFILE, "agree_terms": "", "nickname": "なばりん"}
    response = post(client, "/join/", data, HTTP_HOST=B_HOST)
    page = response.content.decode()
    assert response.status_code == 200
    assert "登録には利用規約とプライバシーポリシーへの同意が必要です。" in page
    assert 'value="なばりん"' in page
    assert not Member.objects.filter(community=b).exists()


def test_a_signed_in_person_without_membership_is_invited_to_join(client, towns, person):
    page = client.get("/me/", HTTP_HOST=B_HOST).content.decode()
    assert "このアカウントには名張の衆の会員登録がありません。" in page
    assert 'href="/join/"' in page


def test_visitors_still_get_the_whole_registration_form(towns):
    page = Client().get("/join/", HTTP_HOST=B_HOST).content.decode()
    assert 'name="email"' in page and 'name="password1"' in page
    assert "/accounts/login/?next=/join/" in page


def test_an_unverified_login_joins_pending(client, towns):
    """A login whose address is not verified yet (it cannot sign in under mandatory
    verification, but may exist): the membership waits for the verification like a sign-up."""
    _a, b = towns
    user = User.objects.create_user(username="u1", email="new@example.jp", password="x" * 12)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    client.force_login(user)
    post(client, "/join/", PROFILE, HTTP_HOST=B_HOST)
    joined = Member.objects.get(community=b, user=user)
    assert joined.status == Member.Status.PENDING and joined.number is None


def test_staff_of_a_never_see_the_members_of_b(client, towns):
    a, b = towns
    MemberFactory(community=a, family_name="柘植", given_name="一郎")
    of_b = MemberFactory(community=b, family_name="赤目", given_name="次郎")
    client.force_login(staff_user(a))

    listing = client.get("/staff/members/", HTTP_HOST=A_HOST).content.decode()
    assert "柘植" in listing and "赤目" not in listing
    assert client.get(f"/staff/members/{of_b.pk}/", HTTP_HOST=A_HOST).status_code == 404
    response = post(client, "/staff/members/export.csv", HTTP_HOST=A_HOST)
    export = b"".join(response.streaming_content)
    assert "柘植".encode() in export and "赤目".encode() not in export
    # On B's site, A's staff are nobody.
    assert client.get("/staff/members/", HTTP_HOST=B_HOST).status_code == 403
    assert client.get(f"/staff/members/{of_b.pk}/", HTTP_HOST=B_HOST).status_code == 403


def test_a_member_of_both_seen_by_each_community_as_its_own(client, towns, person):
    a, b = towns
    post(client, "/join/", {**PROFILE, "family_name": "服部"}, HTTP_HOST=B_HOST)
    of_b = Member.objects.get(community=b, user=person.user)
    staff = Client()
    staff.force_login(staff_user(a))
    listing = staff.get("/staff/members/", HTTP_HOST=A_HOST).content.decode()
    assert "AOY-000007" in listing and "NAB-000001" not in listing
    assert staff.get(f"/staff/members/{of_b.pk}/", HTTP_HOST=A_HOST).status_code == 404


def test_withdrawing_from_b_keeps_the_login_while_still_a_member_of_a(client, towns, person):
    a, b = towns
    post(client, "/join/", PROFILE, HTTP_HOST=B_HOST)
    other_device = Client()
    other_device.force_login(person.user)

    page = client.get("/me/withdraw/", HTTP_HOST=B_HOST).content.decode()
    assert "ログインはそのまま使えます" in page
    response = post(client, "/me/withdraw/", {"confirm": "on"}, HTTP_HOST=B_HOST)
    assert "ログインはそのまま使えます" in response.content.decode()

    assert Member.objects.get(community=b, status=Member.Status.WITHDRAWN).user is None
    person.refresh_from_db()
    person.user.refresh_from_db()
    assert person.status == Member.Status.ACTIVE
    assert person.user.is_active and person.user.email and person.user.has_usable_password()
    assert EmailAddress.objects.filter(user=person.user, verified=True).exists()
    # Still signed in, here and on the other device; B's /me/ has no membership any more.
    assert "AOY-000007" in client.get("/me/", HTTP_HOST=A_HOST).content.decode()
    assert other_device.get("/me/", HTTP_HOST=A_HOST).status_code == 200
    assert "会員登録がありません" in client.get("/me/", HTTP_HOST=B_HOST).content.decode()


def test_withdrawing_from_the_last_community_closes_the_login(client, towns, person):
    _a, b = towns
    post(client, "/join/", PROFILE, HTTP_HOST=B_HOST)
    user = person.user
    other_device = Client()
    other_device.post("/accounts/login/", {"login": user.email,
                      "password": "correct-horse-battery"}, HTTP_HOST=A_HOST)  # fmt: skip
    assert other_device.get("/me/", HTTP_HOST=A_HOST).status_code == 200

    post(client, "/me/withdraw/", {"confirm": "on"}, HTTP_HOST=A_HOST)
    user.refresh_from_db()
    assert user.is_active  # still a member of B

    response = post(client, "/me/withdraw/", {"confirm": "on"}, HTTP_HOST=B_HOST)
    assert "ログインはそのまま使えます" not in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active and user.email == "" and not user.has_usable_password()
    assert client.get("/me/", HTTP_HOST=B_HOST).status_code == 302
    assert other_device.get("/me/", HTTP_HOST=A_HOST).status_code == 302  # sessions ended
    assert not Member.objects.filter(user=user).exists()
