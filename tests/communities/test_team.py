"""Community admins give, change and take away staff roles; each change is audited."""

import pytest

from enishi.communities.models import Organizer, StaffRole
from enishi.privacy.models import AuditEvent
from tests.factories import staff_user
from tests.members.helpers import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, community):
    user = staff_user(community, email="kanri@city.iga.example.jp")
    client.force_login(user)
    return user


def test_adding_a_new_person_makes_a_login_and_mails_a_password_link(client, admin, mailoutbox):
    organizer = Organizer.objects.create(community=admin.staff_roles.get().community, name="NPO")
    response = post(
        client,
        "/staff/team/",
        {"email": "npo@example.jp", "role": "organizer", "organizer": organizer.pk},
    )
    assert response.status_code == 302
    role = StaffRole.objects.get(user__email="npo@example.jp")
    assert (role.role, role.organizer) == ("organizer", organizer)
    assert not role.user.has_usable_password()
    [mail] = mailoutbox
    assert mail.to == ["npo@example.jp"]
    assert "主催団体の職員" in mail.body
    link = next(line for line in mail.body.splitlines() if "/accounts/password/reset/key/" in line)
    assert client.get(link.replace("http://testserver", "")).status_code in (200, 302)
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_CHANGE)
    assert event.actor == admin
    assert event.detail == {"staff": "npo@example.jp", "before": "", "after": "organizer:NPO"}


def test_changing_and_removing_a_role_is_audited(client, admin, community):
    viewer = staff_user(community, role="viewer", email="etsuran@example.jp")
    post(client, "/staff/team/", {"email": "ETSURAN@example.jp", "role": "admin"})
    assert StaffRole.objects.get(user=viewer).role == "admin"
    role = StaffRole.objects.get(user=viewer)
    post(client, f"/staff/team/{role.pk}/remove/")
    assert not StaffRole.objects.filter(user=viewer).exists()
    changes = AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_CHANGE).order_by("sequence")
    assert [(e.detail["before"], e.detail["after"]) for e in changes] == [
        ("viewer", "admin"),
        ("admin", ""),
    ]


def test_the_last_admin_cannot_be_removed_or_demoted(client, admin, community):
    response = post(client, "/staff/team/", {"email": admin.email, "role": "viewer"})
    assert response.status_code == 200
    assert "コミュニティ管理者が一人もいなくなる" in response.content.decode()
    assert 'value="kanri@city.iga.example.jp"' in response.content.decode()  # kept as typed
    assert StaffRole.objects.get(user=admin).role == "admin"
    post(client, f"/staff/team/{admin.staff_roles.get().pk}/remove/")
    assert StaffRole.objects.filter(user=admin).exists()
    assert not AuditEvent.objects.exists()


def test_an_organizer_role_needs_an_organizer(client, admin):
    response = post(client, "/staff/team/", {"email": "x@example.jp", "role": "organizer"})
    assert "主催団体の職員には、主催団体を選んでください。" in response.content.decode()
    assert not StaffRole.objects.filter(user__email="x@example.jp").exists()


def test_roles_of_another_community_cannot_be_removed(client, admin):
    from tests.factories import CommunityFactory

    other = staff_user(CommunityFactory(), email="other@example.jp")
    role = StaffRole.objects.get(user=other)
    assert post(client, f"/staff/team/{role.pk}/remove/").status_code == 404
    assert StaffRole.objects.filter(pk=role.pk).exists()


def test_only_admins_manage_the_team(client, community):
    client.force_login(staff_user(community, role="viewer"))
    assert client.get("/staff/team/").status_code == 403
    response = post(client, "/staff/team/", {"email": "x@example.jp", "role": "admin"})
    assert response.status_code == 403
    assert not StaffRole.objects.filter(user__email="x@example.jp").exists()


def test_the_add_staff_command_sets_a_role(community, capsys):
    from django.core.management import call_command

    Organizer.objects.create(community=community, name="伊賀市観光戦略課")
    call_command("add_staff", "kanko@example.jp", role="organizer", organizer="伊賀市観光戦略課")
    role = StaffRole.objects.get(user__email="kanko@example.jp")
    assert role.role == "organizer" and role.organizer.name == "伊賀市観光戦略課"
    assert "主催団体の職員" in capsys.readouterr().out
