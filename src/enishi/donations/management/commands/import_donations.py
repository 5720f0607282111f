"""`enishi import_donations FILE`: the same import as /staff/donations/import/, from a shell."""

from enishi.core.import_command import ImportCommand
from enishi.donations.importer import DonationImporter


class Command(ImportCommand):
    help = "Import a ふるさと納税 donation file (CSV in UTF-8/Shift_JIS, or XLSX)."
    importer = DonationImporter
