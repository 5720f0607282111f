from django.core.management.base import BaseCommand

from enishi.mailings.journeys import journeys_run


class Command(BaseCommand):
    help = (
        "Send the automatic journeys (welcome, we miss you, one short of the next rank) to the "
        "members due for them; at most once per member per period (cron: daily)."
    )

    def handle(self, *args, **options):
        for name, count in journeys_run().items():
            self.stdout.write(f"{name}: {count}")
