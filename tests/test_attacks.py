"""Bad input and attacks: forged requests, open redirects, session fixation, over-long input,
one organizer's staff reaching another's applicants, and a withdrawn member's old links."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from enishi.activities import checkin, services
from enishi.communities.models import Organizer
from enishi.members import services as member_services
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory, staff_user
from tests.members.helpers import post
from tests.test_authorization_matrix import MATRIX, ROLES, world  # noqa: F401

pytestmark = pytest.mark.django_db

# Every POST but RFC 8058's one-click unsubscribes (members' lists, contacts' invitations),
# which mail clients send without a page of ours, and the API's, which take a bearer token and
# never a cookie (nothing to forge).
ONE_CLICK = {"mailings:unsubscribe_one_click", "donations:opt_out_one_click"}
POSTS = sorted(
    name
    for name, entry in MATRIX.items()
    if entry.method == "post"
    and name not in ONE_CLICK
    and not name.startswith("api:")
)


@pytest.mark.parametrize("name", POSTS)
def test_every_post_without_the_csrf_token_is_refused(world, name):  # noqa: F811
    users, ids = world
    entry = MATRIX[name]
    role = next(r for r in ROLES if r in entry.allowed)
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[role])
    data = {key: value.format(**ids) for key, value in entry.data}
    response = client.post(entry.path.format(**ids), data)
    assert response.status_code == 403
    assert "CSRF" in response.content.decode() or "不正なリクエスト" in response.content.decode()


def test_sign_in_never_sends_people_to_another_site(client, community):
    member = MemberFactory(community=community)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = client.post(
            f"/accounts/login/?next={target}",
            {"login": member.user.email, "password": "correct-horse-battery", "next": target},
        )
        assert response.status_code == 302
        assert "evil.example" not in response["Location"]
        client.logout()


def test_signing_in_gives_a_new_session_key(client, community):
    member = MemberFactory(community=community)
    client.get("/accounts/login/")
    client.cookies["sessionid"] = "attacker-chosen-session-key-0123"
    before = client.cookies["sessionid"].value
    client.post("/accounts/login/", {"login": member.user.email,
                                     "password": "correct-horse-battery"})  # fmt: skip
    assert client.cookies["sessionid"].value != before
    assert SESSION_KEY in client.session


def test_over_long_input_is_refused_with_a_message_not_an_error(client, community):
    client.force_login(staff_user(community))
    response = post(client, "/staff/team/", {"email": "a" * 300 + "@example.jp", "role": "admin"})
    assert response.status_code == 200
    assert "文字以下" in response.content.decode() or "メールアドレス" in response.content.decode()
    response = post(client, "/staff/policies/", {"document": "terms", "version": "1" * 40,
                                                 "changes": "x" * 3000})  # fmt: skip
    assert response.status_code == 200 and "文字" in response.content.decode()
    response = client.get("/staff/audit/", {"actor": "a" * 500, "member": "9" * 50})
    assert response.status_code == 200
    client.force_login(MemberFactory(community=community).user)
    response = post(client, "/me/profile/", {"nickname": "忍" * 500})
    assert response.status_code == 200 and "文字以下" in response.content.decode()


def test_one_organizers_staff_cannot_export_anothers_applicants(client, community):
    mine = Organizer.objects.create(community=community, name="伊賀市 観光戦略課")
    theirs = Organizer.objects.create(community=community, name="NPO 伊賀の里")
    my_session = SessionFactory(activity__organizer=mine)
    their_session = SessionFactory(activity__organizer=theirs)
    my_applicant = MemberFactory(community=community, family_name="服部")
    their_applicant = MemberFactory(community=community, family_name="百地")
    services.application_apply(session=my_session, member=my_applicant)
    services.application_apply(session=their_session, member=their_applicant)
    client.force_login(staff_user(community, role="organizer", organizer=mine))
    response = post(client, f"/staff/activities/{their_session.activity_id}/export.csv")
    assert response.status_code == 404
    body = b"".join(post(client, "/staff/members/export.csv").streaming_content).decode()
    assert "服部" in body and "百地" not in body
    response = client.get(f"/staff/members/{their_applicant.pk}/")
    assert response.status_code == 404


def test_a_withdrawn_members_old_links_lead_nowhere(client, community):
    member = MemberFactory(community=community)
    session = SessionFactory()
    application = services.application_apply(session=session, member=member)
    card_token = member_services.card_token_issue(member=member, printed=True)
    self_checkin = checkin.self_checkin_token(session=session)
    client.force_login(member.user)
    post(client, "/me/withdraw/", {"confirm": "on"})
    # The card no longer says valid, to anyone.
    response = Client().get(f"/card/{card_token}/")
    assert response.status_code == 404
    assert "有効な会員証です" not in response.content.decode()
    # The login is closed: the member pages and the self check-in ask to sign in again.
    for url in ["/me/", "/me/data.json", "/me/applications/", f"/checkin/{self_checkin}/"]:
        assert client.get(url).status_code == 302
    response = post(client, f"/me/applications/{application.pk}/cancel/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
