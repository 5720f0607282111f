"""A new version of the terms or privacy policy that needs consent is put to members at their
next sign-in; the consent is recorded with version, time and channel."""

import pytest

from enishi.privacy.models import Consent, PolicyVersion
from tests.factories import MemberFactory, staff_user
from tests.members.helpers import post

pytestmark = pytest.mark.django_db


def sign_in(client, member):
    return client.post(
        "/accounts/login/", {"login": member.user.email, "password": "correct-horse-battery"}
    )


def publish(client, community, **fields):
    client.force_login(staff_user(community))
    data = {"document": "privacy_policy", "version": "2.0", "changes": "第三者提供の項を追加",
            "requires_consent": "on"} | fields  # fmt: skip
    response = post(client, "/staff/policies/", data)
    client.logout()
    return response


def test_members_agree_to_a_changed_policy_at_their_next_sign_in(client, community):
    member = MemberFactory(community=community)
    publish(client, community)
    community.refresh_from_db()
    assert community.privacy_policy_version == "2.0"
    response = sign_in(client, member)
    assert client.get("/me/")["Location"] == "/me/consent/?next=%2Fme%2F"
    page = client.get("/me/consent/?next=/me/").content.decode()
    assert "第三者提供の項を追加" in page and "プライバシーポリシー（第2.0版）" in page
    # Reading the texts and leaving stay open.
    assert client.get("/privacy/").status_code == 200
    assert client.get("/me/data.csv").status_code == 200
    response = post(client, "/me/consent/?next=/me/activities/")
    assert response["Location"] == "/me/activities/"
    consent = Consent.objects.filter(member=member, purpose="privacy_policy").first()
    assert (consent.version, consent.granted, consent.source) == ("2.0", True, "reconsent")
    assert client.get("/me/").status_code == 200
    client.logout()
    sign_in(client, member)
    assert client.get("/me/").status_code == 200  # asked once


def test_a_version_without_consent_is_not_put_to_members(client, community):
    member = MemberFactory(community=community)
    publish(client, community, version="1.1", requires_consent="")
    sign_in(client, member)
    assert client.get("/me/").status_code == 200


def test_the_consent_page_never_sends_people_off_site(client, community):
    member = MemberFactory(community=community)
    publish(client, community)
    sign_in(client, member)
    response = post(client, "/me/consent/?next=https://evil.example/")
    assert response["Location"] == "/me/"


def test_a_version_number_is_published_once(client, community):
    response = publish(client, community, version=community.privacy_policy_version)
    assert "この版はすでに公開されています" in response.content.decode()
    assert PolicyVersion.objects.filter(community=community).count() == 2  # the first versions
