"""Staff reach personal data only with a second factor, and idle staff sessions end."""

import time

import pytest
from django.contrib.auth import SESSION_KEY

from enishi.communities.middleware import LAST_SEEN_KEY
from enishi.communities.models import StaffRole
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_without_second_factor(client, community):
    user = UserFactory()
    StaffRole.objects.create(user=user, community=community)
    client.force_login(user)
    return user


def test_personal_data_waits_for_a_second_factor(client, staff_without_second_factor):
    member = MemberFactory()
    for url in ["/staff/members/", f"/staff/members/{member.pk}/", "/staff/activities/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/security/?next=")
    # Aggregate figures need no second factor; the page says what to do.
    assert client.get("/staff/").status_code == 200
    page = client.get("/staff/security/?next=/staff/members/").content.decode()
    assert "二段階認証を設定してください" in page
    assert 'href="/accounts/2fa/totp/activate/"' in page


def test_the_security_page_never_sends_people_off_site(client, community):
    from tests.factories import staff_user

    client.force_login(staff_user(community))
    page = client.get("/staff/security/?next=https://evil.example/").content.decode()
    assert "evil.example" not in page
    page = client.get("/staff/security/?next=/staff/members/").content.decode()
    assert 'href="/staff/members/"' in page


def test_members_cannot_open_the_security_page(client, community):
    client.force_login(MemberFactory().user)
    assert client.get("/staff/security/").status_code == 403


def test_an_idle_staff_session_ends(client, community, settings):
    from tests.factories import staff_user

    settings.ENISHI_STAFF_IDLE_TIMEOUT = 600
    client.force_login(staff_user(community))
    assert client.get("/staff/members/").status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 601
    session.save()
    response = client.get("/staff/members/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/staff/members/"
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "しばらく操作がなかったため" in page


def test_polling_does_not_keep_an_idle_session_alive(client, community, settings):
    from tests.factories import staff_user

    client.force_login(staff_user(community))
    session = client.session
    stale = int(time.time()) - 120
    session[LAST_SEEN_KEY] = stale
    session.save()
    client.get("/staff/", headers={"HX-Request": "true"})
    assert client.session[LAST_SEEN_KEY] == stale
    client.get("/staff/")
    assert client.session[LAST_SEEN_KEY] > stale


def test_members_keep_their_session(client, community, settings):
    settings.ENISHI_STAFF_IDLE_TIMEOUT = 1
    client.force_login(MemberFactory().user)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 3600
    session.save()
    assert client.get("/me/").status_code == 200
