from django.core.management.base import BaseCommand

from enishi.activities.services import activity_reminders_send


class Command(BaseCommand):
    help = (
        "今日・明日に始まる回の参加者に前日のお知らせを、参加した人にお礼のメールを送ります。"
        "何度実行しても、同じ人に同じメールは一度だけです（cron で毎日実行してください）。"
    )

    def handle(self, *args, **options):
        reminded, thanked = activity_reminders_send()
        self.stdout.write(f"お知らせ {reminded} 通、お礼 {thanked} 通")
