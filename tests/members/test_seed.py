import subprocess
import sys
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enishi.communities.models import StaffRole
from enishi.members.demo import STAFF_EMAIL
from enishi.members.models import Member
from tests.factories import CommunityFactory


def test_seed_demo_builds_a_realistic_community(community, capsys):
    call_command("seed_demo", members=500)
    output = capsys.readouterr().out
    members = Member.objects.filter(community=community)
    assert members.count() >= 500
    assert STAFF_EMAIL in output and "パスワード" in output
    by_prefecture = Counter(members.values_list("prefecture_code", flat=True))
    top_four = {code for code, _ in by_prefecture.most_common(4)}
    assert top_four == {"24", "23", "27", "13"}  # Mie, Aichi, Osaka, Tokyo
    assert len(by_prefecture) >= 10
    active = members.filter(status=Member.Status.ACTIVE)
    numbers = list(active.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers) and all(n.startswith("IGA-") for n in numbers)
    assert members.filter(status=Member.Status.PENDING, number__isnull=True).exists()
    assert not members.filter(municipality_code="").exclude(status="withdrawn").exists()
    community.refresh_from_db()
    assert community.next_member_sequence > len(numbers)
    staff = StaffRole.objects.get(community=community, role=StaffRole.Role.ADMIN).user
    assert staff.email == STAFF_EMAIL


def test_seed_demo_is_deterministic_and_only_adds(community):
    def names(target):
        return list(
            Member.objects.filter(community=target)
            .order_by("pk")
            .values_list("family_name", "given_name", "prefecture_code", "postal_code")
        )

    other = CommunityFactory(member_number_prefix="NAB")
    for target in (community, other):
        call_command("seed_demo", members=50, community=target.slug, seed=7)
    first, second = names(community), names(other)
    assert first[:50] == second[:50]
    call_command("seed_demo", members=50, community=community.slug, seed=7)
    assert Member.objects.filter(community=community).count() == len(first)  # nothing added


def test_seed_demo_staff_login_works(client, community, capsys, settings):
    call_command("seed_demo", members=10)
    password = capsys.readouterr().out.split(STAFF_EMAIL)[1].split("パスワード: ")[1].split()[0]
    response = client.post("/accounts/login/", {"login": STAFF_EMAIL, "password": password})
    assert response.status_code == 302
    # Personal data waits for a second factor, except in `make demo`, which turns that off.
    assert client.get("/staff/members/")["Location"].startswith("/staff/security/?next=")
    settings.ENISHI_STAFF_MFA_REQUIRED = False
    assert client.get("/staff/members/").status_code == 200
    # This year's dashboard was counted by the seed: the first look shows it, with no worker.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.ENISHI_INSIGHTS_MAX_AGE = 600
    page = client.get("/staff/insights/").content.decode()
    assert "時点の集計です" in page and 'id="headline"' in page


def test_the_enishi_command_runs_management_commands():
    result = subprocess.run(
        [sys.executable, "-m", "enishi", "help", "seed_demo"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "--members" in result.stdout


def test_add_staff_creates_a_staff_login(client, community, capsys):
    call_command("add_staff", "kanri@city.iga.example.jp")
    output = capsys.readouterr().out
    password = output.split("初期パスワード: ")[1].split("（")[0]
    response = client.post(
        "/accounts/login/", {"login": "kanri@city.iga.example.jp", "password": password}
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    call_command("add_staff", "kanri@city.iga.example.jp")  # again: no error, no new password
    assert "初期パスワード" not in capsys.readouterr().out


def test_add_staff_rejects_a_bad_address(db):
    with pytest.raises(CommandError, match="形式"):
        call_command("add_staff", "not-an-address")


def test_seed_demo_prints_an_organizer_staff_login_scoped_to_one_organizer(
    client, community, capsys, settings
):
    from enishi.members.demo import ORGANIZER_EMAIL

    call_command("seed_demo", members=20, activities=6)
    out = capsys.readouterr().out
    password = out.split(ORGANIZER_EMAIL)[1].split("パスワード: ")[1].split()[0]
    settings.ENISHI_STAFF_MFA_REQUIRED = False  # as in make demo
    client.post("/accounts/login/", {"login": ORGANIZER_EMAIL, "password": password})
    role = StaffRole.objects.get(user__email=ORGANIZER_EMAIL)
    listed = client.get("/staff/activities/").context["page"]
    assert listed and {a.organizer_id for a in listed} == {role.organizer_id}
    assert client.get("/staff/team/").status_code == 403
