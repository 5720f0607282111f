from django.core.management.base import BaseCommand, CommandError

from enishi.communities.models import Community
from enishi.members.demo import seed_demo


class Command(BaseCommand):
    help = "伊賀衆のデモデータを作成します（同じ --seed なら毎回同じ内容）。"

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=600, help="会員数（既存を含む）")
        parser.add_argument(
            "--activities",
            type=int,
            default=None,
            help="活動の数（既存を含む。省略すると会員15人に1件、21〜2,000件）",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--community", default="iga", help="コミュニティのslug")

    def handle(self, *args, members, activities, seed, community, **options):
        try:
            target = Community.objects.get(slug=community)
        except Community.DoesNotExist as error:
            raise CommandError(f"コミュニティ '{community}' がありません。") from error
        result = seed_demo(community=target, members=members, seed=seed, activities=activities)
        self.stdout.write(
            f"{target.name}: 会員 {result.total:,} 人（今回 {result.created:,} 人を追加）、"
            f"活動 {result.activities_total:,} 件（今回 {result.activities_created:,} 件を追加）、"
            f"協力店 {result.shops_total:,} 店（今回 {result.shops_created:,} 店を追加）"
        )
        self.stdout.write(self.style.SUCCESS("職員ログイン（/accounts/login/ から）"))
        self.stdout.write(f"  メール: {result.staff_email}  パスワード: {result.staff_password}")
        scope = f"{result.organizer_name} の活動と応募者だけ"
        self.stdout.write(self.style.SUCCESS(f"主催団体の職員のログイン（{scope}）"))
        self.stdout.write(
            f"  メール: {result.organizer_email}  パスワード: {result.organizer_password}"
        )
        self.stdout.write(self.style.SUCCESS("協力店スタッフのログイン（/shop/ の受付だけ）"))
        self.stdout.write(f"  メール: {result.clerk_email}  パスワード: {result.clerk_password}")
        self.stdout.write(self.style.SUCCESS("会員ログイン（デモ会員）"))
        self.stdout.write(f"  メール: {result.member_email}  パスワード: {result.member_password}")
