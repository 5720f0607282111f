from django.core.management.base import BaseCommand

from enishi.activities import services
from enishi.activities.services import ActivityError


class Command(BaseCommand):
    help = (
        "受付を締め切った抽選の回を抽選します（抽選済みの回はそのまま）。"
        "--send を付けると、未送信の抽選結果を確定して応募者にメールします。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--send", action="store_true", help="抽選結果を確定して送る")

    def handle(self, *args, send, **options):
        drawn = sent = 0
        for session in services.lottery_sessions_due():
            services.lottery_draw(session=session)
            drawn += 1
        if send:
            for session in services.lottery_sessions_unsent():
                try:
                    services.lottery_send(session=session)
                except ActivityError as error:
                    self.stderr.write(f"session {session.pk}: {error.message}")
                else:
                    sent += 1
        self.stdout.write(f"抽選 {drawn} 回、結果の送信 {sent} 回")
