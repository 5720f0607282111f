"""Reading spreadsheet files people bring (CSV in UTF-8 or Shift_JIS, XLSX, JSON Lines) into
rows, mapped to a field set, with an identity per row, errors by line number, and one
transaction per batch.

The machinery knows nothing about donations: an importer (see `Importer`) gives its fields,
how a row is identified and what a batch of good rows does. `enishi.donations.importer` is
the first; a roster import plugs in the same way with its own fields and `kind`.

A file is read as a stream (never whole into memory): `rows()` yields one row at a time, and
`run_import` keeps only the current batch. The progress is written on the `ImportRecord`
after each batch, in the batch's transaction, so a crash loses at most the batch in flight,
and running the record again resumes after the last committed line.
"""

import codecs
import csv
import hashlib
import json
import re
import unicodedata
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import ImportMapping, ImportRecord
from .text import HYPHENS, to_ascii_digits

SAMPLE_BYTES = 64 * 1024
MAX_KEPT_ERRORS = 500  # listed on the result page; the count goes on beyond
PREVIEW_ROWS = 5


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a spreadsheet, empty, undecodable)."""


class RowError(ValueError):
    """One value or one row cannot be read; the message is shown to staff with the line."""


# ---- reading files -----------------------------------------------------------------------


@dataclass(frozen=True)
class FileInfo:
    format: str  # "csv", "xlsx" or "jsonl"
    encoding: str  # "utf-8-sig", "utf-8", "cp932"; "" for xlsx
    delimiter: str


def _looks_binary(sample: bytes) -> bool:
    return b"\x00" in sample or sample.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8", b"GIF8"))


def detect_encoding(sample: bytes) -> str:
    """UTF-8 with a BOM, UTF-8, or Shift_JIS (cp932, which Excel writes in Japan). The sample
    may end in the middle of a character, hence the incremental decoders."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp932"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(
        _("文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）。")
    )


def inspect_file(path: Path) -> FileInfo:
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip(codecs.BOM_UTF8 + b" \r\n\t"):
        raise ImportFileError(_("ファイルが空です。"))
    if sample.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return FileInfo("xlsx", "", "")
        except zipfile.BadZipFile:
            pass
        raise ImportFileError(_("CSV または Excel（.xlsx）のファイルではありません。"))
    if _looks_binary(sample):
        raise ImportFileError(_("CSV または Excel（.xlsx）のファイルではありません。"))
    encoding = detect_encoding(sample)
    text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    if path.suffix.lower() in JSONL_SUFFIXES or text.lstrip("\ufeff \r\n\t").startswith("{"):
        return FileInfo("jsonl", encoding, "")
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    # Portal exports are comma- or tab-separated; the header line decides.
    delimiter = max(",\t;", key=first_line.count)
    return FileInfo("csv", encoding, delimiter if first_line.count(delimiter) else ",")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # as the CSV export writes them
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


JSONL_SUFFIXES = (".jsonl", ".ndjson")


class BadLine(list):
    """A line of a JSON Lines file that is not a JSON object: a row error with its reason."""

    def __init__(self, text: str, reason: str):
        super().__init__([text])
        self.reason = reason


def _json_objects(path: Path, info: FileInfo) -> Iterator[tuple[int, dict | BadLine]]:
    with open(path, encoding=info.encoding) as handle:
        line = 0
        try:
            for line, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    value = json.loads(text)
                except ValueError as error:
                    yield line, BadLine(text, _("JSON として読めません（%(reason)s）")
                                        % {"reason": error.msg})  # fmt: skip
                    continue
                if not isinstance(value, dict):
                    yield line, BadLine(text, _("JSON のオブジェクト（{…}）ではありません"))
                    continue
                yield line, value
        except UnicodeDecodeError as error:
            raise ImportFileError(
                _("%(line)d 行目付近に読めない文字があります（文字コードが混在しています）。")
                % {"line": line + 1}
            ) from error


def _jsonl_rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[str]]]:
    """A JSON Lines file as rows: its keys (in the order they first appear, over the whole
    file) are the headers, given as line 0; each object is the row of its own line."""
    keys: dict[str, None] = {}
    for _line, value in _json_objects(path, info):
        if not isinstance(value, BadLine):
            keys.update(dict.fromkeys(str(k) for k in value))
    if not keys:
        raise ImportFileError(_("JSON のオブジェクトが一行もありません。"))
    headers = list(keys)
    yield 0, headers
    for line, value in _json_objects(path, info):
        if isinstance(value, BadLine):
            yield line, value
        else:
            found = {str(k): v for k, v in value.items()}
            yield line, [_cell(found.get(h)) for h in headers]


def rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every row of the file, the header row included (line 1).
    A CSV record spanning lines (a quoted newline) has the number of its first line. A JSON
    Lines file has no header line: its keys come as line 0, and each object keeps its line."""
    if info.format == "jsonl":
        yield from _jsonl_rows(path, info)
        return
    if info.format == "xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for bad files
            raise ImportFileError(_("Excel ファイルを開けません。")) from error
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell(v) for v in values]
        finally:
            workbook.close()
        return
    with open(path, encoding=info.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=info.delimiter)
        line = 1
        try:
            for record in reader:
                yield line, record
                line = reader.line_num + 1
        except UnicodeDecodeError as error:
            raise ImportFileError(
                _("%(line)d 行目付近に読めない文字があります（文字コードが混在しています）。")
                % {"line": line}
            ) from error
        except csv.Error as error:
            raise ImportFileError(
                _("%(line)d 行目を CSV として読めません：%(reason)s")
                % {"line": line, "reason": error}
            ) from error


def _clean_header(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value.lstrip("\ufeff")))


def header_key(headers: list[str]) -> str:
    """The same set of columns gives the same key, whatever their order or spacing."""
    cleaned = sorted(_clean_header(h) for h in headers if h.strip())
    return hashlib.sha256(json.dumps(cleaned, ensure_ascii=False).encode()).hexdigest()[:32]


def read_head(
    path: Path, info: FileInfo, n: int = PREVIEW_ROWS
) -> tuple[list[str], list[list[str]]]:
    """The header row and the first `n` rows (for the mapping step)."""
    headers: list[str] | None = None
    preview: list[list[str]] = []
    for _line, cells in rows(path, info):
        if headers is None:
            if not any(c.strip() for c in cells):
                continue
            headers = [c.lstrip("\ufeff").strip() for c in cells]
            continue
        if not any(c.strip() for c in cells) or isinstance(cells, BadLine):
            continue
        preview.append(cells)
        if len(preview) >= n:
            break
    if headers is None:
        raise ImportFileError(_("ファイルが空です。"))
    if len(set(headers)) != len(headers):
        duplicated = sorted({h for h in headers if headers.count(h) > 1 and h})
        if duplicated:
            raise ImportFileError(
                _("見出しが重複しています：%(names)s") % {"names": "、".join(duplicated)}
            )
    return headers, preview


# ---- values ------------------------------------------------------------------------------

WAREKI_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "R": 2018, "H": 1988, "S": 1925}


PLAIN_DATE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")


def parse_date(value: str) -> date:
    """2026/1/5, 2026-01-05, 2026年1月5日, 令和8年1月5日 (元年 too), R8.1.5; 全角 digits."""
    if plain := PLAIN_DATE.fullmatch(value):  # most files: no normalising needed
        try:
            return date(*(int(g) for g in plain.groups()))
        except ValueError as error:
            raise RowError(_("存在しない日付です（%(value)s）") % {"value": value}) from error
    text = to_ascii_digits(unicodedata.normalize("NFKC", value)).strip().replace("元年", "1年")
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", text)  # a time after the date
    match = re.fullmatch(
        r"(令和|平成|昭和|[RHS])\s*(\d{1,2})[年./-](\d{1,2})[月./-](\d{1,2})日?", text
    )
    if match:
        year = WAREKI_ERAS[match.group(1)] + int(match.group(2))
        month, day = int(match.group(3)), int(match.group(4))
    else:
        match = re.fullmatch(r"(\d{4})[年./-](\d{1,2})[月./-](\d{1,2})日?", text) or re.fullmatch(
            r"(\d{4})(\d{2})(\d{2})", text
        )
        if not match:
            raise RowError(_("日付として読めません（%(value)s）") % {"value": value})
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as error:
        raise RowError(_("存在しない日付です（%(value)s）") % {"value": value}) from error


def parse_yen(value: str) -> int:
    """¥12,000 / 12,000円 / １２０００ → 12000. Negative or fractional amounts are refused."""
    if value.isascii() and value.isdigit():
        return int(value)
    text = to_ascii_digits(unicodedata.normalize("NFKC", value)).strip()
    text = re.sub(r"[¥￥,\s]|円$", "", text)
    if re.fullmatch(rf"[{HYPHENS}]\d+", text) or text.startswith("▲"):
        raise RowError(_("金額がマイナスです（%(value)s）") % {"value": value})
    if not re.fullmatch(r"\d+", text):
        raise RowError(_("金額が数字ではありません（%(value)s）") % {"value": value})
    return int(text)


# ---- importers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One thing a row may carry. `parse` turns the cell's text (never empty) into a value or
    raises RowError; an empty cell is "" (and an error when `required`)."""

    name: str
    label: Any
    required: bool = False
    parse: Callable[[str], Any] = str.strip
    aliases: tuple[str, ...] = ()  # header names that map to it without asking


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    identity: str = ""
    content_hash: str = ""


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    duplicates: int = 0


class Importer(ABC):
    """Subclass per kind of file. `apply_batch` runs inside the batch's transaction and gets
    only good rows (parsed, checked, with their identity)."""

    kind: str = ""
    fields: list[Field] = []
    batch_size: int = 1000

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def check(self, values: dict) -> None:  # noqa: B027 — optional hook
        """Checks across fields, or against the day; raise RowError."""

    def begin(self, record: ImportRecord) -> None:  # noqa: B027 — optional hook
        """Called before each pass over the file (the check of "all or nothing", the import,
        a resumed import): forget what `refuse` remembered of earlier rows."""

    def refuse(self, record: ImportRecord, batch: list[Row]) -> dict[int, str]:
        """Rows of a batch of good rows that cannot be saved, by line, with the reason: checks
        against the database or earlier rows of the file. Writes nothing; runs in the batch's
        transaction before `apply_batch`, and in the check of "all or nothing" mode."""
        return {}

    def identity(self, values: dict) -> str:
        """What makes this row the same row again (e.g. portal + receipt number); "" when the
        row has nothing of the kind, and then its content's hash is its identity."""
        return ""

    @abstractmethod
    def apply_batch(self, record: ImportRecord, batch: list[Row]) -> BatchResult:
        """Save a batch of good rows; say how many were new, updated or duplicates."""

    def after(self, record: ImportRecord) -> None:  # noqa: B027 — optional hook
        """Called once the whole file is in (e.g. to match what was imported)."""

    # -- mapping helpers --

    def suggest_mapping(self, headers: list[str]) -> dict[str, str]:
        cleaned = {_clean_header(h): h for h in headers}
        mapping = {}
        for f in self.fields:
            # The label as staff read it now, and in Japanese, whatever the language in use.
            with translation.override("ja"):
                japanese = str(f.label)
            for alias in (str(f.label), japanese, *f.aliases):
                if (header := cleaned.get(_clean_header(alias))) is not None:
                    mapping[f.name] = header
                    break
        return mapping

    def missing_required(self, mapping: dict[str, str]) -> list[Field]:
        return [f for f in self.fields if f.required and not mapping.get(f.name)]


def latest_rows(batch: list[Row], result: BatchResult) -> dict[str, Row]:
    """A batch's rows by identity. Within a file the same identity again is a duplicate
    (same content: counted in `result`) or the later version of the row (it wins, and the
    earlier one counts as updated)."""
    latest: dict[str, Row] = {}
    for row in batch:
        earlier = latest.get(row.identity)
        if earlier is not None and earlier.content_hash == row.content_hash:
            result.duplicates += 1
            continue
        if earlier is not None:
            result.updated += 1
        latest[row.identity] = row
    return latest


def content_hash(values: dict) -> str:
    """The row's values in field order (the importer's fields never change order)."""
    canonical = "\x1f".join(f"{k}={v}" for k, v in values.items())
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_row(importer: Importer, line: int, cells: list[str], columns: dict[str, int]) -> Row:
    """The mapped cells of one row as values; RowError names the first bad field."""
    if isinstance(cells, BadLine):
        raise RowError(cells.reason)
    values: dict[str, Any] = {}
    for f in importer.fields:
        index = columns.get(f.name)
        raw = cells[index].strip() if index is not None and index < len(cells) else ""
        if not raw:
            if f.required:
                raise RowError(_("「%(field)s」が空です") % {"field": f.label})
            values[f.name] = ""
            continue
        try:
            values[f.name] = f.parse(raw)
        except RowError as error:
            raise RowError(f"{f.label}: {error}") from error
    importer.check(values)
    row = Row(line=line, values=values, content_hash=content_hash(values))
    row.identity = importer.identity(values) or f"h:{row.content_hash[:40]}"
    return row


def _columns(headers: list[str], mapping: dict[str, str]) -> dict[str, int]:
    positions = {h: i for i, h in enumerate(headers)}
    return {name: positions[h] for name, h in mapping.items() if h in positions}


def _data_rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[str]]]:
    """Rows after the header; blank lines are skipped."""
    seen_header = False
    for line, cells in rows(path, info):
        if not any(c.strip() for c in cells):
            continue
        if not seen_header:
            seen_header = True
            continue
        yield line, cells


def scan(
    importer: Importer, path: Path, info: FileInfo, headers, mapping, record=None
) -> tuple[int, int, list]:
    """Read the whole file without writing anything: (rows, errors, the first errors)."""
    importer.begin(record)
    columns = _columns(headers, mapping)
    total = 0
    batch: list[Row] = []
    errors = 0
    kept = []

    def note(line, message):
        nonlocal errors
        errors += 1
        if len(kept) < MAX_KEPT_ERRORS:
            kept.append([line, message])

    def review(batch):
        for line, message in sorted(importer.refuse(record, batch).items()):
            note(line, message)

    for line, cells in _data_rows(path, info):
        total += 1
        try:
            batch.append(parse_row(importer, line, cells, columns))
        except RowError as error:
            note(line, str(error))
        if len(batch) >= importer.batch_size:
            review(batch)
            batch = []
    if batch:
        review(batch)
    kept.sort()
    return total, errors, kept


def _record_error(record: ImportRecord, line: int, message: str) -> None:
    record.error_count += 1
    if len(record.errors) < MAX_KEPT_ERRORS:
        record.errors.append([line, message])


def _save_progress(record: ImportRecord, result: BatchResult, line: int, *, rows: int):
    record.created_count += result.created
    record.updated_count += result.updated
    record.duplicate_count += result.duplicates
    record.processed_rows += rows
    record.next_line = line + 1
    record.save()


def run_import(record: ImportRecord, importer: Importer, *, stop_after_batches: int | None = None):
    """Import the record's file with its mapping. Re-running a record that stopped (crash,
    killed worker) goes on from `next_line`; rows before it are committed already.

    In "all or nothing" mode the whole file is read first and nothing is written when a row
    has an error. `stop_after_batches` is for tests of resuming."""
    record = ImportRecord.objects.get(pk=record.pk)
    if record.status in (ImportRecord.Status.DONE, ImportRecord.Status.REJECTED):
        return record
    path = Path(record.stored_path)
    info = FileInfo(record.file_format, record.encoding, record.delimiter)
    record.status = ImportRecord.Status.RUNNING
    record.started_at = record.started_at or timezone.now()
    record.save()
    if not record.total_rows and record.mode == ImportRecord.Mode.GOOD_ROWS:
        try:
            record.total_rows = estimate_rows(path, info)
        except Exception:  # noqa: BLE001 - only the bar depends on it
            record.total_rows = 0
        record.save()
    try:
        if record.mode == ImportRecord.Mode.ALL_OR_NOTHING and record.next_line <= 1:
            total, errors, kept = scan(importer, path, info, record.headers, record.mapping,
                                       record)  # fmt: skip
            record.total_rows = total
            if errors:
                record.error_count = errors
                record.errors = kept
                record.status = ImportRecord.Status.REJECTED
                record.finished_at = timezone.now()
                record.save()
                return record
            record.save()
        columns = _columns(record.headers, record.mapping)
        importer.begin(record)
        batch: list[Row] = []
        batches = 0
        resume_from = record.next_line
        last_line = resume_from - 1
        pending_errors: list[tuple[int, str]] = []
        for line, cells in _data_rows(path, info):
            if line < resume_from:
                continue
            last_line = line
            try:
                batch.append(parse_row(importer, line, cells, columns))
            except RowError as error:
                pending_errors.append((line, str(error)))
            if len(batch) + len(pending_errors) >= importer.batch_size:
                _commit_batch(record, importer, batch, pending_errors, line)
                batch, pending_errors = [], []
                batches += 1
                if stop_after_batches is not None and batches >= stop_after_batches:
                    return record
        if batch or pending_errors:
            _commit_batch(record, importer, batch, pending_errors, last_line)
        record.total_rows = record.processed_rows + record.error_count
        importer.after(record)
        record.status = ImportRecord.Status.DONE
        record.finished_at = timezone.now()
        record.save()
        Path(record.stored_path).unlink(missing_ok=True)  # personal data: kept no longer
        return record
    except ImportFileError as error:
        record.status = ImportRecord.Status.FAILED
        record.message = str(error)
        record.finished_at = timezone.now()
        record.save()
        return record
    except Exception:
        # Anything else (the database went away, a bug): what was committed stays, the
        # record says where it stopped, and staff may resume it from there.
        stopped = ImportRecord.objects.get(pk=record.pk)
        stopped.status = ImportRecord.Status.STOPPED
        stopped.message = _(
            "予期しないエラーで止まりました。%(line)s 行目までは取り込み済みです。"
        ) % {"line": max(stopped.next_line - 1, 1)}
        stopped.save()
        raise


def record_resume(*, record: ImportRecord) -> bool:
    """A stopped import goes back to the queue (the caller enqueues it) when its file is
    still there. False when it cannot be resumed."""
    if record.status != ImportRecord.Status.STOPPED or not Path(record.stored_path).exists():
        return False
    updated = ImportRecord.objects.filter(pk=record.pk, status=ImportRecord.Status.STOPPED)
    return bool(updated.update(status=ImportRecord.Status.QUEUED, message=""))


def _commit_batch(record, importer, batch, errors, line) -> None:
    with transaction.atomic():
        refused = importer.refuse(record, batch)
        if refused:
            batch = [row for row in batch if row.line not in refused]
            errors = sorted([*errors, *refused.items()])
        result = importer.apply_batch(record, batch)
        for error_line, message in errors:
            _record_error(record, error_line, message)
        _save_progress(record, result, line, rows=len(batch))


# ---- records and mappings ----------------------------------------------------------------


def record_create(
    *, community, kind: str, path: Path, file_name: str, by, importer: Importer
) -> ImportRecord:
    """Inspect a stored upload and keep what the mapping step shows. ImportFileError when the
    file cannot be read at all (the record is not kept then)."""
    info = inspect_file(path)
    headers, preview = read_head(path, info)
    key = header_key(headers)
    saved = (
        ImportMapping.objects.filter(community=community, kind=kind, header_key=key)
        .order_by("-updated_at")
        .first()
    )
    return ImportRecord.objects.create(
        community=community,
        kind=kind,
        file_name=file_name[:200],
        stored_path=str(path),
        file_format=info.format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        headers=headers,
        header_key=key,
        preview=preview,
        mapping=saved.mapping if saved else importer.suggest_mapping(headers),
        mapping_name=saved.name if saved else "",
        created_by=by,
    )


@transaction.atomic
def mapping_save(*, record: ImportRecord, mapping: dict[str, str], name: str, mode: str):
    """Keep the mapping on the record, and under `name` for files with the same columns."""
    record.mapping = {k: v for k, v in mapping.items() if v}
    record.mapping_name = name
    record.mode = mode
    record.status = ImportRecord.Status.QUEUED
    record.save()
    if name:
        ImportMapping.objects.update_or_create(
            community=record.community, kind=record.kind, name=name,
            defaults={"header_key": record.header_key, "mapping": record.mapping},
        )  # fmt: skip
    return record


def estimate_rows(path: Path, info: FileInfo) -> int:
    """Data rows in the file, for the progress bar: lines counted in binary (fast; a quoted
    newline counts one too many, which only makes the bar a little slow)."""
    if info.format == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            return max((workbook.worksheets[0].max_row or 1) - 1, 0)
        finally:
            workbook.close()
    lines = 0
    last = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            last = chunk[-1:]
    if last not in (b"\n", b"\r"):
        lines += 1
    return lines if info.format == "jsonl" else max(lines - 1, 0)  # JSON Lines: no header


def progress_percent(record: ImportRecord) -> int:
    if record.status in (ImportRecord.Status.DONE, ImportRecord.Status.REJECTED,
                         ImportRecord.Status.FAILED, ImportRecord.Status.STOPPED):  # fmt: skip
        return 100
    if not record.total_rows:
        return 0
    return min(99, (record.processed_rows + record.error_count) * 100 // record.total_rows)
