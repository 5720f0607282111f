import time

from django.core.management.base import BaseCommand, CommandError

from enishi.communities.models import Community
from enishi.matching import semantic
from enishi.matching.services import profiles_rebuild


class Command(BaseCommand):
    help = (
        "会員と活動の検索用プロフィール（全文検索の文書と、意味検索の拡張があればベクトル）を"
        "作り直します。一括取り込みの後や、意味検索の拡張を入れた後に実行します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--community", help="コミュニティのスラッグ（省略時はすべて）")
        parser.add_argument("--batch", type=int, default=64)

    def handle(self, *args, community=None, batch=64, **options):
        communities = Community.objects.all()
        if community:
            communities = communities.filter(slug=community)
            if not communities.exists():
                raise CommandError(f"コミュニティ '{community}' がありません。")
        mode = "意味検索あり" if semantic.available() else "意味検索なし（完全一致のみ）"
        for target in communities:
            started = time.monotonic()
            written = profiles_rebuild(community=target, batch=batch)
            self.stdout.write(
                f"{target.name}: 会員 {written['members']:,} 人、活動 {written['activities']:,} 件"
                f"（{mode}、{time.monotonic() - started:.1f} 秒）"
            )
