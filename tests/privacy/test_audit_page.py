"""Community admins browse and filter the audit log at /staff/audit/."""

import pytest

from enishi.privacy.models import AuditEvent
from enishi.privacy.services import audit_record
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


def test_admins_filter_the_log_by_action_person_and_member(client, community):
    admin = staff_user(community, email="kanri@example.jp")
    other = staff_user(community, email="tanto@example.jp")
    member = MemberFactory(community=community)
    audit_record(actor=other, community=community, action=AuditEvent.Action.MEMBER_VIEW,
                 ip_address="192.0.2.1", member=member, row_count=1)  # fmt: skip
    audit_record(actor=admin, community=community, action=AuditEvent.Action.MEMBER_EXPORT,
                 ip_address="192.0.2.2", row_count=120, detail={"format": "csv"})  # fmt: skip
    client.force_login(admin)
    page = client.get("/staff/audit/").content.decode()
    assert "会員一覧の書き出し" in page and "会員詳細の閲覧" in page
    assert "2件" in page
    page = client.get("/staff/audit/", {"action": "member_export"}).content.decode()
    assert "format: csv" in page and "192.0.2.1" not in page
    page = client.get("/staff/audit/", {"actor": "tanto"}).content.decode()
    assert "192.0.2.1" in page and "192.0.2.2" not in page
    number = member.number.replace("IGA", "ＩＧＡ")  # 全角 typed
    page = client.get("/staff/audit/", {"member": number}).content.decode()
    assert "1件" in page


def test_a_backwards_period_is_explained(client, community):
    client.force_login(staff_user(community))
    page = client.get("/staff/audit/", {"since": "2026-11-02", "until": "2026-11-01"})
    assert "「この日まで」は「この日から」より後の日にしてください。" in page.content.decode()


def test_organizer_staff_and_viewers_cannot_read_the_log(client, community):
    client.force_login(staff_user(community, role="viewer"))
    assert client.get("/staff/audit/").status_code == 403


def test_lists_of_people_are_audited_too(client, community):
    from enishi.activities import services
    from tests.activities.factories import SessionFactory

    staff = staff_user(community)
    session = SessionFactory()
    services.application_apply(session=session, member=MemberFactory(community=community))
    client.force_login(staff)
    client.get("/staff/members/")
    client.get(f"/staff/activities/{session.activity_id}/")
    listed = AuditEvent.objects.filter(actor=staff).order_by("sequence")
    assert [(e.action, e.row_count) for e in listed] == [
        (AuditEvent.Action.MEMBER_LIST, 1),
        (AuditEvent.Action.APPLICANT_LIST, 1),
    ]
