"""An activity's applicants as CSV (UTF-8 with BOM, so Excel reads it) and XLSX."""

import tempfile
from collections.abc import Iterator
from itertools import chain

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from enishi.core.spreadsheets import excel_csv, safe_cell

from .models import Activity, Application

CHUNK = 2000
# Excel column widths (characters) of the fixed columns; each question gets QUESTION_WIDTH.
COLUMN_WIDTHS = [26, 10, 12, 8, 8, 8, 8, 26, 14, 8, 24, 24, 18]
QUESTION_WIDTH = 30
APPLIED_AT = 12  # the index of the "applied at" column (a date-time cell in XLSX)


def _header(activity: Activity) -> list[str]:
    return [
        _("回"),
        _("状態"),
        _("会員番号"),
        _("姓"),
        _("名"),
        _("セイ"),
        _("メイ"),
        _("メールアドレス"),
        _("電話番号"),
        _("都道府県"),
        _("伊賀とのつながり"),
        _("スキル・経験"),
        _("応募日時"),
        *(q.text for q in activity.questions.all()),
    ]


def _rows(activity: Activity, applications: QuerySet[Application]) -> Iterator[list]:
    question_ids = [q.pk for q in activity.questions.all()]
    sep = pgettext("list separator", "、")
    for a in applications.iterator(chunk_size=CHUNK):
        m = a.member
        answers = {row.get("question_id"): value for row, (_q, value) in
                   zip(a.answers, a.answer_rows, strict=True)}  # fmt: skip
        yield [
            a.session.label,
            a.get_status_display(),
            m.number or "",
            m.family_name,
            m.given_name,
            m.family_name_kana,
            m.given_name_kana,
            m.user.email if m.user else "",
            m.phone,
            m.get_prefecture_code_display(),
            sep.join(t.get_tie_display() for t in m.ties.all()),
            sep.join(t.name for t in m.skills.all()),
            timezone.localtime(a.created_at).replace(tzinfo=None),
            *(answers.get(qid, "") for qid in question_ids),
        ]


def _csv_row(row: list) -> list:
    row = list(row)
    row[APPLIED_AT] = f"{row[APPLIED_AT]:%Y/%m/%d %H:%M}"
    return row


def applicants_csv(activity: Activity, applications: QuerySet[Application]) -> Iterator[str]:
    return excel_csv(chain([_header(activity)], map(_csv_row, _rows(activity, applications))))


def applicants_xlsx(activity: Activity, applications: QuerySet[Application]):
    """Write the workbook to a temporary file (memory stays flat for long lists)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("応募者一覧"))
    sheet.freeze_panes = "A2"
    header = _header(activity)
    widths = COLUMN_WIDTHS + [QUESTION_WIDTH] * (len(header) - len(COLUMN_WIDTHS))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([safe_cell(h) for h in header])
    for row in _rows(activity, applications):
        cells = [safe_cell(v) for v in row]
        cells[APPLIED_AT] = WriteOnlyCell(sheet, value=row[APPLIED_AT])
        cells[APPLIED_AT].number_format = "yyyy/mm/dd hh:mm"
        sheet.append(cells)
    out = tempfile.TemporaryFile()
    workbook.save(out)
    out.seek(0)
    return out
