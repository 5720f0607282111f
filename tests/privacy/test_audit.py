"""The audit log is hash-chained: an edited or deleted row is detected by `enishi audit verify`."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from enishi.privacy.models import AuditChainHead, AuditEvent
from enishi.privacy.services import audit_record
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(community):
    actor = staff_user(community)
    member = MemberFactory(community=community)
    return [
        audit_record(
            actor=actor,
            community=community,
            action=AuditEvent.Action.MEMBER_VIEW,
            ip_address="2001:DB8::1",
            member=member,
            row_count=1,
            detail={"検索": "ヤマザキ", "n": n},
        )
        for n in range(5)
    ]


def verify() -> str:
    call_command("audit", "verify")


def test_rows_are_numbered_and_each_carries_the_hash_of_the_one_before(events):
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    assert events[0].previous_hash == "0" * 64
    for before, after in zip(events, events[1:], strict=False):
        assert after.previous_hash == before.hash
    stored = AuditEvent.objects.get(pk=events[2].pk)
    assert stored.compute_hash() == stored.hash  # what the database gives back hashes the same
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (5, events[-1].hash)


def test_an_untouched_log_verifies(events, capsys):
    verify()
    out = capsys.readouterr().out
    assert "改ざんされていません（5行）" in out
    assert events[-1].hash in out


def _sql(statement, *params):
    # What someone with database access could do; the models refuse it.
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_edited_row_is_detected(events, capsys):
    _sql("UPDATE privacy_auditevent SET row_count = 500 WHERE sequence = 3")
    with pytest.raises(CommandError, match="1件の問題"):
        verify()
    assert "#3: 内容が書き換えられています" in capsys.readouterr().err


def test_a_deleted_row_is_detected(events, capsys):
    _sql("DELETE FROM privacy_auditevent WHERE sequence = 2")
    with pytest.raises(CommandError):
        verify()
    assert "#3: この前の行が削除されています" in capsys.readouterr().err


def test_deleting_the_newest_rows_is_detected(events, capsys):
    _sql("DELETE FROM privacy_auditevent WHERE sequence >= 4")
    with pytest.raises(CommandError):
        verify()
    assert "最新の行が削除されています" in capsys.readouterr().err


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(events, capsys):
    forged = AuditEvent.objects.get(sequence=2)
    forged.row_count = 0
    forged_hash = forged.compute_hash()
    _sql(
        "UPDATE privacy_auditevent SET row_count = 0, hash = %s WHERE sequence = 2", forged_hash
    )
    with pytest.raises(CommandError):
        verify()
    assert "#3: 前の行とのつながりが一致しません" in capsys.readouterr().err


def test_the_models_refuse_to_change_the_log(events):
    with pytest.raises(PermissionError):
        events[0].save()
    with pytest.raises(PermissionError):
        events[0].delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=events[0].pk).update(row_count=0)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
