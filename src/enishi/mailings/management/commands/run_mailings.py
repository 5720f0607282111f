from django.core.management.base import BaseCommand

from enishi.mailings.services import mailings_tick


class Command(BaseCommand):
    help = (
        "Queue scheduled mailings whose time has come, give deliveries claimed by a worker "
        "that died back to the queue, and start delivery of what is due (cron: every minute)."
    )

    def handle(self, *args, **options):
        result = mailings_tick()
        self.stdout.write(
            f"queued {result['queued']}, stale claims returned {result['stale']}, "
            f"mailings started {result['started']}"
        )
