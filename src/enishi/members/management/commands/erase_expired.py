from django.conf import settings
from django.core.management.base import BaseCommand

from enishi.members.services import member_erase_unverified, unverified_expired


class Command(BaseCommand):
    help = (
        "メールアドレスが確認されないまま保存期間（ENISHI_RETENTION_UNVERIFIED_DAYS、既定30日）"
        "を過ぎた登録を消去します。毎日実行してください（何度実行しても同じ結果です）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="消去せず、対象の件数だけを表示する"
        )

    def handle(self, *args, dry_run, **options):
        days = settings.ENISHI_RETENTION_UNVERIFIED_DAYS
        expired = list(unverified_expired().select_related("community"))
        if dry_run:
            self.stdout.write(
                f"メール未確認のまま{days}日を過ぎた登録: {len(expired):,} 件（消去していません）"
            )
            return
        erased = sum(member_erase_unverified(member=m) for m in expired)
        self.stdout.write(f"メール未確認のまま{days}日を過ぎた登録を {erased:,} 件消去しました。")
