"""Recompute the dashboard's summary tables from the ledger (after an import or a bulk load;
safe to run at any time: the result is the same however often it runs)."""

from django.core.management.base import BaseCommand

from enishi.communities.models import Community
from enishi.insights.summaries import rebuild


class Command(BaseCommand):
    help = "Recompute the insights summary tables from the ledger."

    def add_arguments(self, parser):
        parser.add_argument("--community", help="slug of one community (default: all)")

    def handle(self, *args, community=None, **options):
        communities = Community.objects.order_by("pk")
        if community:
            communities = communities.filter(slug=community)
        for each in communities:
            counts = rebuild(community=each)
            self.stdout.write(f"{each.slug}: {counts['days']} day rows, "
                              f"{counts['months']} member-month rows")  # fmt: skip
