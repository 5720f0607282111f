"""Whole-database backups and restores: pg_dump/pg_restore for PostgreSQL, the sqlite3 online
backup API for SQLite, and the uploaded photos (MEDIA_ROOT) as a tar.gz beside the database
file. Used by `enishi backup` and `enishi restore`."""

import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path

from django.conf import settings
from django.db import connections

# The first bytes of each kind of backup file.
PG_CUSTOM_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the operator (Japanese)."""


def database_kind(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"このデータベース（{vendor}）のバックアップには対応していません。")
    return vendor


def file_kind(path: Path) -> str:
    """"postgresql", "sqlite" or "" (neither) from the file's first bytes."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    return ""


KIND_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def check_restorable(path: Path, alias: str = "default") -> str:
    """The database kind, once the file is known to be a backup of that kind."""
    if not path.is_file():
        raise BackupError(f"ファイルが見つかりません: {path}")
    kind = database_kind(alias)
    found = file_kind(path)
    if not found:
        raise BackupError(
            f"{path} は enishi backup で作ったバックアップファイルではありません"
            f"（{KIND_NAMES[kind]} のバックアップが必要です）。"
        )
    if found != kind:
        raise BackupError(
            f"{path} は {KIND_NAMES[found]} のバックアップです。このサーバーのデータベースは "
            f"{KIND_NAMES[kind]} なので戻せません。"
        )
    return kind


def describe(alias: str = "default") -> str:
    """The database in words, for the confirmation question."""
    settings = connections[alias].settings_dict
    if connections[alias].vendor == "sqlite":
        return f"SQLite {settings['NAME']}"
    return f"PostgreSQL {settings.get('HOST') or 'localhost'}/{settings['NAME']}"


def backup(path: Path, alias: str = "default") -> None:
    """Write a consistent copy of the whole database to `path` (replaced only when done)."""
    kind = database_kind(alias)
    if not path.parent.is_dir():
        raise BackupError(f"保存先のフォルダがありません: {path.parent}")
    partial = path.with_name(f".{path.name}.partial")
    try:
        if kind == "postgresql":
            _run_pg("pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                                f"--file={partial}"], alias)  # fmt: skip
        else:
            _sqlite_backup(partial, alias)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def restore(path: Path, alias: str = "default") -> None:
    """Replace the whole database with the backup at `path`, all or nothing."""
    kind = check_restorable(path, alias)
    # Our own connection would hold locks (and, on PostgreSQL, be in the way of DROP TABLE).
    connection = connections[alias]
    if kind == "postgresql":
        connection.close()
        _run_pg("pg_restore", ["--clean", "--if-exists", "--single-transaction", "--no-owner",
                               "--no-privileges", "--exit-on-error", str(path)], alias)  # fmt: skip
    else:
        _sqlite_restore(path, alias)


def _sqlite_backup(target: Path, alias: str) -> None:
    # The backup API copies page by page while other connections keep working, and restarts
    # when one writes meanwhile, so the copy is consistent. Through Django's own connection it
    # works for a file or an in-memory database alike.
    connection = connections[alias]
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)


def _sqlite_restore(source: Path, alias: str) -> None:
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("トランザクションの中からは戻せません。")
    connection.ensure_connection()
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_file:
        try:
            check = backup_file.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} は壊れていて読めません（{error}）。") from error
        if check != "ok":
            raise BackupError(f"{source} は壊れています（{check}）。")
        # Copies every page into the live database under its write lock: other connections
        # see either the old database or the restored one.
        backup_file.backup(connection.connection)


def _pg_environment(alias: str) -> tuple[list[str], dict[str, str]]:
    settings = connections[alias].settings_dict
    args = []
    if settings.get("HOST"):
        args.append(f"--host={settings['HOST']}")
    if settings.get("PORT"):
        args.append(f"--port={settings['PORT']}")
    if settings.get("USER"):
        args.append(f"--username={settings['USER']}")
    args += ["--no-password", f"--dbname={settings['NAME']}"]
    env = dict(os.environ)
    # The password goes in the environment, never on the command line (ps shows that).
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    options = settings.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):  # fmt: skip
        if options.get(option):
            env[variable] = str(options[option])
    return args, env


def _run_pg(program: str, program_args: list[str], alias: str) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} が見つかりません。PostgreSQL のクライアント（Debian/Ubuntu では "
            f"postgresql-client パッケージ、サーバーと同じか新しい版）をインストールしてください。"
        )
    args, env = _pg_environment(alias)
    result = subprocess.run(
        [executable, *args, *program_args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{program} が失敗しました（終了コード {result.returncode}）:\n"
                          f"{result.stderr.strip()}")  # fmt: skip


def media_archive_path(path: Path) -> Path:
    """Where the uploaded photos of a backup go: beside the database file."""
    return path.with_name(f"{path.name}.media.tar.gz")


def media_backup(path: Path) -> Path | None:
    """Archive MEDIA_ROOT (report and shop photos) beside the database backup; None when there
    are no uploaded files."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir() or not any(p.is_file() for p in root.rglob("*")):
        return None
    target = media_archive_path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(root, arcname="media")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def media_restore(path: Path) -> Path | None:
    """Put the photos archived with the backup at `path` back in MEDIA_ROOT (replacing what is
    there); None when the backup has no photo archive."""
    archive_path = media_archive_path(path)
    if not archive_path.is_file():
        return None
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent) as unpacked:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(unpacked, filter="data")  # no absolute paths, links or devices
        shutil.rmtree(root, ignore_errors=True)
        Path(unpacked, "media").replace(root)
    return archive_path
