"""Token management: staff issue tokens with the scopes their role allows, see a new token
once, revoke it; admins see everyone's; members manage their own single token."""

import re

import pytest

from enishi.api.models import ApiToken
from enishi.privacy.models import AuditEvent
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def _shown_token(response) -> str:
    return re.search(r'value="(enishi_[^"]+)"', response.content.decode()).group(1)


def test_staff_issue_a_token_shown_once_and_kept_as_a_hash(client, community):
    admin = staff_user(community)
    client.force_login(admin)
    response = client.post("/staff/api-tokens/", {"name": "受付アプリ",
                                                  "scopes": ["engagements:write"]})  # fmt: skip
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    token = _shown_token(response)
    row = ApiToken.objects.get()
    assert (row.user, row.scopes, row.kind) == (admin, ["engagements:write"], "staff")
    assert token not in client.get("/staff/api-tokens/").content.decode()
    assert row.prefix in client.get("/staff/api-tokens/").content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_TOKEN)
    assert event.detail["what"] == "issued" and event.actor == admin


def test_a_token_needs_a_name_and_a_scope_and_keeps_what_was_typed(client, community):
    client.force_login(staff_user(community))
    response = client.post("/staff/api-tokens/", {"name": "受付アプリ"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="受付アプリ"' in page and "aria-invalid" in page
    assert not ApiToken.objects.exists()


def test_organizers_cannot_give_a_token_more_than_their_role(client, community):
    from enishi.communities.models import Organizer

    organizer = Organizer.objects.create(community=community, name="NPO")
    client.force_login(staff_user(community, role="organizer", organizer=organizer))
    page = client.get("/staff/api-tokens/").content.decode()
    assert "members:read" in page and "engagements:write" not in page
    response = client.post("/staff/api-tokens/", {"name": "x", "scopes": ["engagements:write"]})
    assert response.status_code == 200 and not ApiToken.objects.exists()


def test_staff_revoke_their_own_and_admins_anyones(client, community):
    from enishi.communities.models import Organizer

    organizer = Organizer.objects.create(community=community, name="NPO")
    mine = staff_user(community, role="organizer", organizer=organizer)
    other = staff_user(community, role="organizer", organizer=organizer)
    for user in (mine, other):
        client.force_login(user)
        client.post("/staff/api-tokens/", {"name": user.email, "scopes": ["members:read"]})
    own, theirs = ApiToken.objects.get(user=mine), ApiToken.objects.get(user=other)
    client.force_login(mine)
    assert client.post(f"/staff/api-tokens/{theirs.pk}/revoke/").status_code == 404
    client.post(f"/staff/api-tokens/{own.pk}/revoke/")
    own.refresh_from_db()
    assert own.revoked_at is not None
    client.force_login(staff_user(community))
    assert other.email in client.get("/staff/api-tokens/").content.decode()
    client.post(f"/staff/api-tokens/{theirs.pk}/revoke/")
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None


def test_a_member_has_one_token_at_a_time(client, community):
    member = MemberFactory(community=community)
    client.force_login(member.user)
    first = _shown_token(client.post("/me/api-token/", {"name": "自分のアプリ"}))
    second = _shown_token(client.post("/me/api-token/", {"name": "新しいアプリ"}))
    assert first != second
    assert list(member.api_tokens.filter(revoked_at__isnull=True).values_list("name", flat=True)) \
        == ["新しいアプリ"]
    client.post("/me/api-token/revoke/")
    assert not member.api_tokens.filter(revoked_at__isnull=True).exists()
    headers = {"Authorization": f"Bearer {second}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
