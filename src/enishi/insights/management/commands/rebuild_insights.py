"""Recompute the dashboard's summary tables from the ledger (after an import or a bulk load;
safe to run at any time: the result is the same however often it runs)."""

from django.core.management.base import BaseCommand

from enishi.communities.models import Community
from enishi.insights.summaries import rebuild


class Command(BaseCommand):
    help = "把握の集計表を関わりの記録から作り直します（何度実行しても同じ結果）。"

    def add_arguments(self, parser):
        parser.add_argument("--community", help="コミュニティのslug（省略するとすべて）")

    def handle(self, *args, community=None, **options):
        communities = Community.objects.order_by("pk")
        if community:
            communities = communities.filter(slug=community)
        for each in communities:
            counts = rebuild(community=each)
            self.stdout.write(f"{each.slug}: 日別 {counts['days']:,} 行、"
                              f"会員×月 {counts['months']:,} 行")  # fmt: skip
