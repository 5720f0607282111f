"""A 200 MB export is read as a stream: memory stays flat whatever the file's size."""

import resource
import time
import tracemalloc

import pytest

from enishi.core import imports
from enishi.core.models import ImportRecord
from enishi.donations.importer import GENERIC_HEADERS, DonationImporter
from enishi.donations.models import Donation

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SIZE = 200 * 1024 * 1024
DISTINCT = 2000  # receipts; the rest of the file repeats them (an export downloaded twice)


def write_file(path) -> int:
    """Generated line by line (never whole in memory). Each row carries a long note column
    the mapping leaves out, as portal exports do, so 200 MB is ~24,000 rows."""
    note = "備考：" + "伊賀の里山と忍者の町を応援しています。" * 150
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join([*GENERIC_HEADERS, "備考"]) + "\r\n")
        while handle.tell() < SIZE:
            i = rows % DISTINCT
            handle.write(
                f"L-{i:06d},2026/1/{i % 28 + 1},\"¥{(i % 30 + 1) * 1000:,}\",伊賀 太郎{i},"
                f"イガ タロウ,5180873,三重県伊賀市上野丸之内{i},,,,ふるさとチョイス,,{note}\r\n"
            )
            rows += 1
    return rows


def test_a_200_mb_file_is_imported_with_flat_memory(community, tmp_path):
    path = tmp_path / "large.csv"
    rows = write_file(path)
    assert path.stat().st_size >= SIZE
    importer = DonationImporter()
    record = imports.record_create(community=community, kind="donations", path=path,
                                   file_name="large.csv", by=None, importer=importer)  # fmt: skip
    record = imports.mapping_save(record=record, mapping=record.mapping, name="",
                                  mode=ImportRecord.Mode.GOOD_ROWS)  # fmt: skip
    info = imports.FileInfo(record.file_format, record.encoding, record.delimiter)
    # Reading and checking every row (the "all or nothing" pass), traced allocation by
    # allocation: a row at a time, never the file.
    tracemalloc.start()
    try:
        total, errors, _kept = imports.scan(importer, path, info, record.headers, record.mapping)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (total, errors) == (rows, 0)
    assert peak < 10 * 1024 * 1024, f"peak {peak / 2**20:.1f} MB while reading"
    # The import itself (batches of 1,000 rows, one transaction each): the process's peak
    # resident memory grows by far less than the file (tracemalloc would triple its time).
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    record = imports.run_import(record, importer)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert record.status == ImportRecord.Status.DONE, record.message
    assert (record.created_count, record.duplicate_count) == (DISTINCT, rows - DISTINCT)
    assert Donation.objects.count() == DISTINCT
    assert grown_mb < 50, f"peak resident memory grew {grown_mb:.0f} MB"
    assert time.monotonic() - started < 120
