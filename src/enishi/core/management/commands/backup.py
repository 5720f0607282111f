from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enishi.core.backups import BackupError, backup, describe, media_backup


class Command(BaseCommand):
    help = (
        "データベース全体をファイルにバックアップします（PostgreSQL は pg_dump のカスタム形式、"
        "SQLite はオンラインバックアップ）。動いているサーバーを止める必要はありません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="書き出すファイル（あれば上書きします）")

    def handle(self, *args, file, **options):
        path = Path(file).expanduser().resolve()
        try:
            backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = path.stat().st_size
        message = f"{describe()} を {path} にバックアップしました（{size:,} バイト）。"
        self.stdout.write(self.style.SUCCESS(message))
        if media := media_backup(path):
            self.stdout.write(f"アップロードされた写真: {media}（{media.stat().st_size:,} バイト）")
