"""`enishi import_registrations FILE`: the same import as /staff/residency/import/, from a
shell (schema: docs/registrations-schema.md)."""

from enishi.core.import_command import ImportCommand
from enishi.residency.importer import RegistrationImporter


class Command(ImportCommand):
    help = "Import a registrations roster (schema version 1: CSV, XLSX or JSON Lines)."
    importer = RegistrationImporter
