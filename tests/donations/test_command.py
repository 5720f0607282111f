"""`enishi import_donations FILE`: the same import from a shell."""

import io

import pytest
from django.core.management import CommandError, call_command

from enishi.core.models import ImportRecord
from enishi.donations.models import Donation

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_donations", *args, stdout=out)
    return out.getvalue()


def test_a_file_is_imported_and_counted(community):
    output = run(str(FIXTURES / "bad_amounts.csv"))
    assert "done; new 1, updated 0, duplicates 0, errors 2" in output
    assert "line 2: 寄附金額: 金額がマイナスです（-5000）" in output
    assert Donation.objects.count() == 1
    assert ImportRecord.objects.get().file_name == "bad_amounts.csv"  # in the import history
    assert "duplicates 1" in run(str(FIXTURES / "bad_amounts.csv"))


def test_all_or_nothing_and_unusable_files_fail(community):
    with pytest.raises(CommandError):
        run(str(FIXTURES / "bad_amounts.csv"), "--all-or-nothing")
    assert not Donation.objects.exists()
    with pytest.raises(CommandError, match="Columns missing for: 寄附日, 寄附金額"):
        run(str(FIXTURES / "missing_columns.csv"))
    with pytest.raises(CommandError, match="ファイルが空です"):
        run(str(FIXTURES / "empty.csv"))
