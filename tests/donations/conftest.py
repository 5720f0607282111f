import shutil
from pathlib import Path

import pytest

from enishi.core import imports
from enishi.core.models import ImportRecord
from enishi.donations.importer import KIND, DonationImporter

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.ENISHI_IMPORT_DIR = tmp_path / "imports"
    (tmp_path / "imports").mkdir()


def stored(name: str, settings_dir: Path | None = None) -> Path:
    """A copy of a fixture where uploads wait (the import deletes it when done)."""
    from django.conf import settings

    target = Path(settings.ENISHI_IMPORT_DIR) / name
    shutil.copyfile(FIXTURES / name, target)
    return target


def start(community, name: str) -> ImportRecord:
    return imports.record_create(community=community, kind=KIND, path=stored(name),
                                 file_name=name, by=None, importer=DonationImporter())  # fmt: skip


def import_file(community, name: str, *, mapping=None, mode=ImportRecord.Mode.GOOD_ROWS,
                importer=None) -> ImportRecord:  # fmt: skip
    """Upload, map (the suggested mapping unless given) and import, as the staff page does."""
    record = start(community, name)
    record = imports.mapping_save(record=record, mapping=mapping or record.mapping, name="",
                                  mode=mode)  # fmt: skip
    return imports.run_import(record, importer or DonationImporter())
