"""The base of `enishi import_donations FILE` and `enishi import_registrations FILE`: the same
import as the staff pages, from a shell. A command names its importer."""

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enishi.communities.models import Community
from enishi.core import imports
from enishi.core.imports import Importer
from enishi.core.models import ImportMapping, ImportRecord


class ImportCommand(BaseCommand):
    importer: type[Importer]

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--community", default="iga", help="community slug (default iga)")
        parser.add_argument("--mapping", default="",
                            help="a saved mapping's name (default: the one saved for these "
                                 "columns, else the generic layout)")  # fmt: skip
        parser.add_argument("--all-or-nothing", action="store_true",
                            help="import nothing when a row has an error")  # fmt: skip
        parser.add_argument("--resume", type=int, metavar="RECORD",
                            help="go on with an import record that stopped")  # fmt: skip

    def handle(self, *args, **options):
        importer = self.importer()
        kind = importer.kind
        if options["resume"]:
            record = ImportRecord.objects.filter(pk=options["resume"], kind=kind).first()
            if record is None:
                raise CommandError("No such import record.")
            return self._run(record, importer)
        community = Community.objects.filter(slug=options["community"]).first()
        if community is None:
            raise CommandError(f"No community {options['community']!r}.")
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"No file {source}.")
        from django.conf import settings

        folder = Path(settings.ENISHI_IMPORT_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / f"cli-{source.name}"
        shutil.copyfile(source, stored)
        try:
            record = imports.record_create(community=community, kind=kind, path=stored,
                                           file_name=source.name, by=None,
                                           importer=importer)  # fmt: skip
        except imports.ImportFileError as error:
            stored.unlink(missing_ok=True)
            raise CommandError(str(error)) from error
        mapping = record.mapping
        if options["mapping"]:
            saved = ImportMapping.objects.filter(community=community, kind=kind,
                                                 name=options["mapping"]).first()  # fmt: skip
            if saved is None:
                raise CommandError(f"No saved mapping {options['mapping']!r}.")
            mapping = saved.mapping
        missing = importer.missing_required({k: v for k, v in mapping.items()
                                             if v in record.headers})  # fmt: skip
        if missing:
            record.delete()
            stored.unlink(missing_ok=True)
            raise CommandError("Columns missing for: " + ", ".join(str(f.label) for f in missing))
        mode = (ImportRecord.Mode.ALL_OR_NOTHING if options["all_or_nothing"]
                else ImportRecord.Mode.GOOD_ROWS)  # fmt: skip
        record = imports.mapping_save(record=record, mapping=mapping, name="", mode=mode)
        return self._run(record, importer)

    def _run(self, record, importer):
        record = imports.run_import(record, importer)
        self.stdout.write(
            f"record {record.pk}: {record.status}; new {record.created_count}, updated "
            f"{record.updated_count}, duplicates {record.duplicate_count}, errors "
            f"{record.error_count}"
        )
        for line, message in record.errors[:20]:
            self.stdout.write(f"  line {line}: {message}")
        if record.status in (ImportRecord.Status.FAILED, ImportRecord.Status.REJECTED):
            raise CommandError(record.message or "Nothing was imported.")
