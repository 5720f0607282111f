from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enishi.core.backups import BackupError, check_restorable, describe, media_restore, restore


class Command(BaseCommand):
    help = (
        "enishi backup で作ったファイルからデータベース全体を戻します。今のデータはすべて"
        "バックアップの内容に置き換わります（全体が一度に戻るか、何も変わらないかのどちらかです）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="enishi backup で作ったファイル")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive",
            help="確認せずに戻す（スクリプト用）",
        )  # fmt: skip

    def handle(self, *args, file, interactive, **options):
        path = Path(file).expanduser().resolve()
        try:
            check_restorable(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if interactive:
            answer = input(
                f"{describe()} の内容をすべて {path} の内容で置き換えます。"
                "バックアップの後に登録・変更されたデータは失われます。\n"
                "続けるには yes と入力してください: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("取り消しました。データベースは変更していません。")
        try:
            restore(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{path} から {describe()} を戻しました。"))
        if media := media_restore(path):
            self.stdout.write(f"アップロードされた写真を {media} から戻しました。")
