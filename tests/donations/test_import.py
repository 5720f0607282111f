"""The import machinery on fixture files: encodings, layouts, bad input, identity, resuming."""

from datetime import date

import pytest

from enishi.core import imports
from enishi.core.models import ImportMapping, ImportRecord
from enishi.donations.importer import DonationImporter
from enishi.donations.models import Contact, Donation

from .conftest import import_file, start

pytestmark = pytest.mark.django_db


def donation(receipt: str) -> Donation:
    return Donation.objects.get(receipt_number=receipt)


@pytest.mark.parametrize("name", ["generic_utf8_bom.csv", "generic_utf8.csv"])
def test_utf8_with_or_without_bom_and_values_normalised(community, name):
    record = import_file(community, name)
    assert record.status == ImportRecord.Status.DONE
    assert (record.created_count, record.error_count) == (3, 0)
    first, second, third = donation("A-0001"), donation("A-0002"), donation("A-0003")
    assert first.name == "伊賀 太郎" and first.amount == 10000  # ¥10,000
    assert first.donated_on == date(2026, 1, 5)  # 2026/1/5
    assert first.postal_code == "5180873" and first.phone == "0595229611"
    assert second.amount == 12000 and second.donated_on == date(2026, 1, 6)  # 全角, ISO
    assert second.name_kana == "ウエノ ハナコ"  # half-width kana → full-width
    assert third.amount == 30000 and third.donated_on == date(2026, 1, 7)  # 令和8年1月7日
    assert third.postal_code == "5300001" and third.name_kana == "ハットリ ハンゾウ"
    assert first.info_consent == "yes" and second.info_consent == "no"
    assert third.info_consent == "unknown"


def test_shift_jis_without_bom_in_a_portal_layout(community):
    record = start(community, "portal_sjis.csv")
    assert record.encoding == "cp932"
    assert record.headers[0] == "注文番号"
    # The portal's headers are recognised without asking.
    assert record.mapping["receipt_number"] == "注文番号"
    assert record.mapping["donated_on"] == "入金日"
    assert record.mapping["name_kana"] == "寄附者氏名カナ"
    record = imports.run_import(
        imports.mapping_save(record=record, mapping=record.mapping, name="", mode="good_rows"),
        DonationImporter(),
    )
    assert record.created_count == 2
    assert donation("R-100").name == "髙橋 一郎"
    assert donation("R-101").amount == 8000


def test_xlsx(community):
    record = import_file(community, "portal.xlsx")
    assert record.file_format == "xlsx"
    assert record.created_count == 2
    assert donation("X-1").donated_on == date(2026, 1, 20)  # a date cell
    assert donation("X-2").amount == 20000  # a float cell
    assert donation("X-2").portal == "さとふる"


def test_mixed_line_endings(community):
    record = import_file(community, "mixed_line_endings.csv")
    assert record.created_count == 3
    assert donation("A-0005").amount == 7000


def test_quoted_fields_with_commas_and_newlines(community):
    record = import_file(community, "quoted_fields.csv")
    assert record.created_count == 2
    assert donation("Q-1").address == "三重県伊賀市上野丸之内116 伊賀ビル3階"
    assert donation("Q-1").gift == "伊賀牛, すき焼き用, 500g"
    assert donation("Q-2").amount == 20000


@pytest.mark.parametrize(
    "name, message",
    [("not_csv.png", "CSV または Excel（.xlsx）のファイルではありません"),
     ("empty.csv", "ファイルが空です")],
)  # fmt: skip
def test_files_that_cannot_be_read_are_refused_whole(community, name, message):
    with pytest.raises(imports.ImportFileError, match=message):
        start(community, name)
    assert not ImportRecord.objects.exists()


def test_missing_required_columns_are_named(community):
    record = start(community, "missing_columns.csv")
    missing = DonationImporter().missing_required(record.mapping)
    assert [f.name for f in missing] == ["donated_on", "amount"]


def test_bad_amounts_are_reported_by_line_and_the_good_rows_imported(community):
    record = import_file(community, "bad_amounts.csv")
    assert record.status == ImportRecord.Status.DONE
    assert record.created_count == 1 and record.error_count == 2
    assert record.errors[0][0] == 2 and "マイナス" in record.errors[0][1]
    assert record.errors[1][0] == 3 and "数字ではありません" in record.errors[1][1]
    assert list(Donation.objects.values_list("receipt_number", flat=True)) == ["B-3"]


def test_all_or_nothing_imports_nothing_from_a_file_with_errors(community):
    record = import_file(community, "bad_amounts.csv", mode=ImportRecord.Mode.ALL_OR_NOTHING)
    assert record.status == ImportRecord.Status.REJECTED
    assert record.error_count == 2 and record.total_rows == 3
    assert not Donation.objects.exists() and not Contact.objects.exists()


def test_dates_in_the_future_are_errors(community):
    record = import_file(community, "future_date.csv")
    assert record.created_count == 1
    assert record.errors == [[2, "寄附日が未来の日付です（2099-01-05）"]]


def test_duplicate_rows_inside_one_file(community):
    record = import_file(community, "duplicates.csv")
    # A-0001 twice (same receipt); the row without a receipt number twice (same content).
    assert (record.created_count, record.duplicate_count) == (3, 2)
    assert Donation.objects.count() == 3


def test_reimporting_the_same_file_creates_nothing(community):
    import_file(community, "generic_utf8_bom.csv")
    again = import_file(community, "generic_utf8.csv")  # same rows, another encoding
    assert (again.created_count, again.updated_count, again.duplicate_count) == (0, 0, 3)
    assert Donation.objects.count() == 3
    assert Contact.objects.count() == 3


def test_an_overlapping_file_adds_the_new_rows_and_updates_the_changed(community):
    import_file(community, "overlap_1.csv")
    record = import_file(community, "overlap_2.csv")
    assert (record.created_count, record.updated_count, record.duplicate_count) == (1, 1, 0)
    assert Donation.objects.count() == 3
    assert donation("A-0002").amount == 15000


def test_a_crash_loses_only_the_batch_in_flight_and_the_import_resumes(community):
    importer = DonationImporter()
    importer.batch_size = 1
    record = start(community, "generic_utf8_bom.csv")
    record = imports.mapping_save(record=record, mapping=record.mapping, name="", mode="good_rows")
    imports.run_import(record, importer, stop_after_batches=2)  # the worker "dies" here
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.RUNNING
    assert Donation.objects.count() == 2 and record.next_line == 4
    record = imports.run_import(record, importer)
    assert record.status == ImportRecord.Status.DONE
    assert (record.created_count, record.duplicate_count) == (3, 0)
    assert Donation.objects.count() == 3


def test_a_saved_mapping_is_offered_for_the_same_columns(community):
    record = start(community, "portal_sjis.csv")
    mapping = {**record.mapping, "gift": "お礼の品"}
    imports.mapping_save(record=record, mapping=mapping, name="チョイス形式", mode="good_rows")
    assert ImportMapping.objects.get(name="チョイス形式").mapping["gift"] == "お礼の品"
    again = start(community, "portal_sjis.csv")
    assert again.mapping_name == "チョイス形式" and again.mapping == record.mapping


@pytest.mark.parametrize(
    "text, expected",
    [("2026/1/5", date(2026, 1, 5)), ("2026-01-05", date(2026, 1, 5)),
     ("令和8年1月5日", date(2026, 1, 5)), ("令和元年5月1日", date(2019, 5, 1)),
     ("２０２６年１月５日", date(2026, 1, 5)), ("R8.1.5", date(2026, 1, 5)),
     ("2026/01/05 10:30", date(2026, 1, 5)), ("20260105", date(2026, 1, 5))],
)  # fmt: skip
def test_dates(text, expected):
    assert imports.parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026/2/30", "昨日", "2026/13/1"])
def test_dates_that_are_not(text):
    with pytest.raises(imports.RowError):
        imports.parse_date(text)


@pytest.mark.parametrize(
    "text, expected",
    [("¥12,000", 12000), ("12,000円", 12000), ("１２，０００", 12000), ("￥５０００", 5000)],
)
def test_amounts(text, expected):
    assert imports.parse_yen(text) == expected


def test_header_key_ignores_order_and_spacing():
    assert imports.header_key(["氏名", "寄附日 "]) == imports.header_key(["寄附日", "氏　名"])
