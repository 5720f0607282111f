"""`enishi backup` and `enishi restore` on the database the suite runs on: data made, backed
up, changed, restored, and the original back."""

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from enishi.activities.models import Activity
from enishi.core import backups
from enishi.ledger.models import Engagement, Kind
from enishi.ledger.services import engagement_record
from enishi.members.models import Member
from tests.activities.factories import SessionFactory
from tests.factories import MemberFactory

# Tests that commit (the backup is read by another connection or process) put back the rows the
# migrations made (the 伊賀衆 community) afterwards: serialized_rollback.
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'")
postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'")


def make_data():
    kept = MemberFactory(family_name="服部", given_name="半蔵")
    dropped = MemberFactory(family_name="百地", given_name="丹波")
    session = SessionFactory(activity__title="伊賀焼の窯出し")
    engagement_record(member=kept, kind=Kind.LOCAL_ACTIVITY, source_type="activity_session",
                      source_id=session.pk)  # fmt: skip
    return kept, dropped, session


def change_data(kept, dropped, session):
    """Everything a restore has to undo: an edit, a deletion, new rows."""
    Member.objects.filter(pk=kept.pk).update(family_name="藤林")
    dropped.delete()
    Activity.objects.filter(pk=session.activity_id).update(title="書き換えた題名")
    MemberFactory(family_name="新入", given_name="会員")
    engagement_record(member=kept, kind=Kind.VISIT, source_type="visit", source_id=1)


def snapshot():
    return {
        "members": sorted(Member.objects.values_list("family_name", "given_name")),
        "activities": sorted(Activity.objects.values_list("title", flat=True)),
        "engagements": sorted(Engagement.objects.values_list("member__family_name", "kind")),
    }


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sqlite_round_trip(tmp_path):
    kept, dropped, session = make_data()
    dropped_pk = dropped.pk
    before = snapshot()
    path = tmp_path / "enishi.sqlite3"
    call_command("backup", str(path))
    assert path.read_bytes().startswith(backups.SQLITE_MAGIC)

    change_data(kept, dropped, session)
    assert snapshot() != before

    call_command("restore", str(path), "--no-input")
    assert snapshot() == before
    assert Member.objects.get(pk=dropped_pk).family_name == "百地"
    assert not Member.objects.filter(family_name="新入").exists()
    assert before["engagements"] == [("服部", Kind.LOCAL_ACTIVITY)]


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_uploaded_photos_travel_with_the_backup(tmp_path, settings):
    photo = Path(settings.MEDIA_ROOT) / "shops" / "1" / "kama.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 a photo")
    path = tmp_path / "enishi.sqlite3"
    out = StringIO()
    call_command("backup", str(path), stdout=out)
    assert "enishi.sqlite3.media.tar.gz" in out.getvalue()
    photo.unlink()
    (Path(settings.MEDIA_ROOT) / "stray.jpg").write_bytes(b"added after the backup")
    call_command("restore", str(path), "--no-input", stdout=StringIO())
    assert photo.read_bytes() == b"\xff\xd8 a photo"
    assert not (Path(settings.MEDIA_ROOT) / "stray.jpg").exists()


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_without_photos_writes_no_archive(tmp_path):
    path = tmp_path / "enishi.sqlite3"
    call_command("backup", str(path), stdout=StringIO())
    assert not backups.media_archive_path(path).exists()


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_round_trip_into_a_scratch_database(tmp_path):
    """The test database is dumped; the dumps are restored into a throwaway database by the
    real command (a separate process pointed at it), so the running test database is never
    replaced."""
    kept, dropped, session = make_data()
    before = snapshot()
    original, changed = tmp_path / "original.dump", tmp_path / "changed.dump"
    call_command("backup", str(original))
    assert original.read_bytes().startswith(backups.PG_CUSTOM_MAGIC)
    change_data(kept, dropped, session)
    after = snapshot()
    call_command("backup", str(changed))

    params = connection.settings_dict
    scratch = f"{params['NAME']}_restore_{secrets.token_hex(4)}"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    try:
        env = {**os.environ, "DATABASE_URL": (
            f"postgres://{params['USER'] or ''}@{params['HOST'] or 'localhost'}:"
            f"{params['PORT'] or 5432}/{scratch}"
        )}  # fmt: skip
        if params.get("PASSWORD"):
            env["PGPASSWORD"] = str(params["PASSWORD"])

        def restore(dump):
            result = subprocess.run(
                [sys.executable, "-m", "enishi", "restore", str(dump), "--no-input"],
                env=env, capture_output=True, text=True, timeout=180, check=False,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            return scratch_snapshot(params, scratch)

        # The scratch database first gets the changed data, then the original over it: what
        # the change added or edited must be gone, what it deleted must be back.
        assert restore(changed) == after
        assert restore(original) == before
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def scratch_snapshot(params, name):
    with psycopg.connect(
        host=params["HOST"] or None, port=params["PORT"] or None, user=params["USER"] or None,
        password=params.get("PASSWORD") or None, dbname=name, connect_timeout=10,
    ) as scratch:  # fmt: skip
        members = scratch.execute("SELECT family_name, given_name FROM members_member").fetchall()
        titles = scratch.execute("SELECT title FROM activities_activity").fetchall()
        engagements = scratch.execute(
            "SELECT m.family_name, e.kind FROM ledger_engagement e"
            " JOIN members_member m ON m.id = e.member_id"
        ).fetchall()
    return {
        "members": sorted(members),
        "activities": sorted(title for (title,) in titles),
        "engagements": sorted(engagements),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_asks_first_and_no_leaves_everything(tmp_path, monkeypatch):
    MemberFactory(family_name="服部")
    path = tmp_path / "backup"
    call_command("backup", str(path))
    MemberFactory(family_name="後から")
    questions = []
    monkeypatch.setattr("builtins.input", lambda text: questions.append(text) or "no")
    with pytest.raises(CommandError, match="取り消しました"):
        call_command("restore", str(path))
    assert "置き換えます" in questions[0]
    assert Member.objects.filter(family_name="後から").exists()


@pytest.mark.django_db
def test_restore_refuses_a_missing_file_or_another_kind_of_file(tmp_path):
    with pytest.raises(CommandError, match="ファイルが見つかりません"):
        call_command("restore", str(tmp_path / "nothing.dump"), "--no-input")

    text = tmp_path / "members.csv"
    text.write_text("会員番号,氏名\n", encoding="utf-8")
    with pytest.raises(CommandError, match="バックアップファイルではありません"):
        call_command("restore", str(text), "--no-input")

    other = tmp_path / "other.backup"
    if connection.vendor == "sqlite":
        other.write_bytes(backups.PG_CUSTOM_MAGIC + b"\x01\x0e\x00" + bytes(64))
        message = "PostgreSQL のバックアップです。このサーバーのデータベースは SQLite"
    else:
        other.write_bytes(backups.SQLITE_MAGIC + bytes(84))
        message = "SQLite のバックアップです。このサーバーのデータベースは PostgreSQL"
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(other), "--no-input")


@pytest.mark.django_db
def test_backup_refuses_a_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="保存先のフォルダがありません"):
        call_command("backup", str(tmp_path / "no-such-folder" / "backup"))


def test_a_missing_pg_dump_is_named(monkeypatch):
    monkeypatch.setattr(backups.shutil, "which", lambda program: None)
    with pytest.raises(backups.BackupError, match="pg_dump が見つかりません。.*postgresql-client"):
        backups._run_pg("pg_dump", [], "default")


def test_the_password_travels_in_the_environment(monkeypatch, settings):
    connection_settings = {
        "HOST": "db.example.jp", "PORT": "5433", "USER": "enishi", "PASSWORD": "s3cret",
        "NAME": "enishi", "OPTIONS": {"sslmode": "require"},
    }  # fmt: skip
    monkeypatch.setattr(backups, "connections", {"default": type("C", (), {
        "settings_dict": connection_settings})()})  # fmt: skip
    args, env = backups._pg_environment("default")
    assert args == ["--host=db.example.jp", "--port=5433", "--username=enishi", "--no-password",
                    "--dbname=enishi"]  # fmt: skip
    assert not any("s3cret" in arg for arg in args)
    assert env["PGPASSWORD"] == "s3cret"
    assert env["PGSSLMODE"] == "require"
