"""CSV that Excel opens correctly: UTF-8 with a BOM, and no cell that Excel would run."""

import csv
import re
from collections.abc import Iterable, Iterator

# Control characters have no place in a cell, and openpyxl refuses to write them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _Echo:
    def write(self, value):
        return value


def safe_cell(value):
    # A cell starting with = + - @ would be run as a formula by Excel (CSV injection).
    if isinstance(value, str):
        value = CONTROL.sub("", value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return "" if value is None else value


def excel_csv(rows: Iterable[Iterable]) -> Iterator[str]:
    """The rows as CSV text, line by line (for streaming), starting with the BOM."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])
