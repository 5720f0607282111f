"""The staff member list as CSV (UTF-8 with BOM, so Excel reads it) and XLSX."""

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

from .models import Member

CHUNK = 2000
# Excel column widths (characters) for the columns of _header(), so the sheet reads at once.
COLUMN_WIDTHS = [12, 8, 8, 8, 10, 10, 12, 26, 8, 6, 8, 9, 9, 10, 12, 24, 14, 24, 24, 24, 24, 16, 12]


def _header() -> list[str]:
    return [
        _("会員番号"),
        _("状態"),
        _("姓"),
        _("名"),
        _("セイ"),
        _("メイ"),
        _("ニックネーム"),
        _("メールアドレス"),
        _("生まれ年"),
        _("生まれ月"),
        _("性別"),
        _("郵便番号"),
        _("都道府県"),
        _("市区町村コード"),
        _("市区町村"),
        _("町名・番地・建物名"),
        _("電話番号"),
        _("伊賀とのつながり"),
        _("関わりたいこと"),
        _("関心のあるテーマ"),
        _("スキル・経験"),
        _("登録のきっかけ"),
        _("入会日"),
    ]


def _rows(members: QuerySet[Member]) -> Iterator[list]:
    members = members.select_related("user").prefetch_related("ties", "uses", "topics", "skills")
    sep = pgettext("list separator", "、")
    for m in members.iterator(chunk_size=CHUNK):
        yield [
            m.number or "",
            m.get_status_display(),
            m.family_name,
            m.given_name,
            m.family_name_kana,
            m.given_name_kana,
            m.nickname,
            m.user.email if m.user else "",
            m.birth_year or "",
            m.birth_month or "",
            m.get_gender_display(),
            m.postal_code,
            m.get_prefecture_code_display(),
            m.municipality_code,
            m.city,
            m.address_line,
            m.phone,
            sep.join(t.get_tie_display() for t in m.ties.all()),
            sep.join(u.get_use_display() for u in m.uses.all()),
            sep.join(t.name for t in m.topics.all()),
            sep.join(t.name for t in m.skills.all()),
            m.get_channel_display(),
            timezone.localdate(m.joined_at) if m.joined_at else "",
        ]


def members_csv(members: QuerySet[Member]) -> Iterator[str]:
    return excel_csv(chain([_header()], _rows(members)))


def members_xlsx(members: QuerySet[Member]):
    """Write the workbook to a temporary file (memory stays flat for large lists)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("会員一覧"))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(_header())
    for row in _rows(members):
        cells = [safe_cell(v) for v in row]
        if row[-1]:
            cells[-1] = WriteOnlyCell(sheet, value=row[-1])
            cells[-1].number_format = "yyyy/mm/dd"
        sheet.append(cells)
    out = tempfile.TemporaryFile()
    workbook.save(out)
    out.seek(0)
    return out
