from django.core.management.base import BaseCommand

from enishi.communities.models import Community
from enishi.shops.services import rewards_check_all


class Command(BaseCommand):
    help = "利用の特典の条件に達した会員を記録し、本人にメールで知らせます（毎日1回）。"

    def handle(self, *args, **options):
        for community in Community.objects.order_by("pk"):
            reached = rewards_check_all(community=community)
            self.stdout.write(f"{community.name}: 新たに達成 {reached} 人")
