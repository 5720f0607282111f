"""`enishi erase_expired`: sign-ups whose address was never verified are erased after the
retention period, as withdrawal erases; verified and recent ones stay."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone

from enishi.communities.models import StaffRole
from enishi.core.models import User
from enishi.members.models import Member
from enishi.privacy.models import AuditEvent, Consent
from enishi.privacy.services import audit_record
from tests.factories import MemberFactory, UserFactory, staff_user

from .helpers import join, register_and_verify

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock that the test moves by hand."""
    frozen = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: frozen["now"])
    return frozen


def signed_up(client, email, days_ago):
    join(client, email=email)
    member = Member.objects.get(user__email=email)
    Member.objects.filter(pk=member.pk).update(created_at=NOW - timedelta(days=days_ago))
    client.logout()
    return member


@pytest.fixture
def signups(client, community, clock):
    old = signed_up(client, "old@example.jp", days_ago=31)
    recent = signed_up(client, "recent@example.jp", days_ago=29)
    register_and_verify(client, email="verified@example.jp")
    verified = Member.objects.get(user__email="verified@example.jp")
    Member.objects.filter(pk=verified.pk).update(created_at=NOW - timedelta(days=90))
    return old, recent, verified


def run(*args):
    out = StringIO()
    call_command("erase_expired", *args, stdout=out)
    return out.getvalue()


def test_old_unverified_sign_ups_are_erased_recent_and_verified_ones_kept(signups):
    old, recent, verified = signups
    old_user = old.user
    assert "1 件消去しました" in run()

    old.refresh_from_db()
    # Erased as withdrawal erases: nothing that identifies the person is left ...
    assert old.status == Member.Status.WITHDRAWN and old.user is None
    for field in ("family_name", "given_name", "family_name_kana", "given_name_kana",
                  "nickname", "search_name", "search_kana", "postal_code", "city",
                  "address_line", "phone", "skills_text"):  # fmt: skip
        assert getattr(old, field) == "", field
    assert old.birth_year is None and old.birth_month is None
    # ... statistics stay, and it was never a member: no number, no join date.
    assert old.prefecture_code == "13" and old.birth_decade == 1980 and old.gender == "female"
    assert sorted(t.tie for t in old.ties.all()) == ["birthplace", "family"]
    assert old.number is None and old.joined_at is None and old.withdrawn_at == NOW
    newsletter = Consent.objects.filter(member=old, purpose="newsletter_email").first()
    assert newsletter.source == "retention" and not newsletter.granted
    # The login is gone altogether.
    assert not User.objects.filter(pk=old_user.pk).exists()
    assert not EmailAddress.objects.filter(email="old@example.jp").exists()

    recent.refresh_from_db()
    assert recent.status == Member.Status.PENDING and recent.family_name == "伊賀"
    assert recent.user.email == "recent@example.jp"
    verified.refresh_from_db()
    assert verified.status == Member.Status.ACTIVE and verified.user.is_active

    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBER_ERASE)
    assert event.member == old and event.row_count == 1
    assert event.actor is None  # the system
    assert event.detail["reason"] == "email_not_verified"
    assert event.detail["retention_days"] == 30 and event.detail["login"] == "deleted"


def test_the_staff_home_does_not_count_them_as_withdrawals(signups, client, community):
    run()
    client.force_login(staff_user(community))
    figures = client.get("/staff/").context["figures"]
    assert figures["unverified"] == 1 and figures["withdrawn"] == 0


def test_a_second_run_changes_nothing(signups):
    run()
    before = list(Member.objects.order_by("pk").values())
    events = AuditEvent.objects.count()
    assert "0 件消去しました" in run()
    assert list(Member.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == events


def test_recent_ones_go_when_their_time_comes(signups, clock):
    _old, recent, _verified = signups
    run()
    clock["now"] = NOW + timedelta(days=1, hours=1)
    assert "1 件消去しました" in run()
    recent.refresh_from_db()
    assert recent.status == Member.Status.WITHDRAWN and recent.family_name == ""
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ERASE).count() == 2


def test_the_period_is_a_setting_and_dry_run_erases_nothing(signups, settings):
    settings.ENISHI_RETENTION_UNVERIFIED_DAYS = 7
    assert "2 件（消去していません）" in run("--dry-run")
    assert Member.objects.filter(status=Member.Status.PENDING).count() == 2
    assert "2 件消去しました" in run()
    assert not Member.objects.filter(status=Member.Status.PENDING).exists()


def test_a_login_still_used_elsewhere_is_kept(community, clock):
    """Only the stale sign-up goes; a staff login (or one with another membership) stays."""
    staff = UserFactory(verified=False, email="staff@example.jp")
    StaffRole.objects.create(user=staff, community=community)
    stale = MemberFactory(user=staff, status=Member.Status.PENDING, number=None,
                          joined_at=None, created_at=NOW - timedelta(days=40))  # fmt: skip
    assert "1 件消去しました" in run()
    stale.refresh_from_db()
    staff.refresh_from_db()
    assert stale.status == Member.Status.WITHDRAWN and stale.user is None
    assert staff.is_active and staff.email == "staff@example.jp"
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBER_ERASE)
    assert event.detail["login"] == "kept"


def test_a_login_named_in_the_audit_log_is_closed_instead_of_deleted(community, clock):
    former_staff = UserFactory(verified=False, email="former@example.jp")
    audit_record(actor=former_staff, community=community, action="member_view", ip_address=None)
    MemberFactory(user=former_staff, status=Member.Status.PENDING, number=None,
                  joined_at=None, created_at=NOW - timedelta(days=40))  # fmt: skip
    assert "1 件消去しました" in run()
    former_staff.refresh_from_db()
    assert not former_staff.is_active and former_staff.email == ""
    assert not former_staff.has_usable_password()
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBER_ERASE)
    assert event.detail["login"] == "closed"
