from django.core.management.base import BaseCommand

from enishi.mailings.services import address_mark_bounced


class Command(BaseCommand):
    help = (
        "Mark addresses as bounced (from bounce reports the mail server sent back): no "
        "marketing mail goes to them again."
    )

    def add_arguments(self, parser):
        parser.add_argument("addresses", nargs="+")
        parser.add_argument("--detail", default="bounce report")

    def handle(self, *args, addresses, detail, **options):
        for address in addresses:
            marked = address_mark_bounced(email=address, detail=detail)
            self.stdout.write(f"{address}: suppressed, {marked} queued deliveries marked")
