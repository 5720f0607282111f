"""The staff member list as CSV (UTF-8 with BOM, so Excel reads it) and XLSX."""

import csv
import tempfile
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .models import Member

CHUNK = 2000


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
            "、".join(t.get_tie_display() for t in m.ties.all()),
            "、".join(u.get_use_display() for u in m.uses.all()),
            "、".join(t.name for t in m.topics.all()),
            "、".join(t.name for t in m.skills.all()),
            m.get_channel_display(),
            timezone.localtime(m.joined_at).strftime("%Y-%m-%d") if m.joined_at else "",
        ]


class _Echo:
    def write(self, value):
        return value


def _safe_cell(value):
    # A cell starting with = + - @ would be run as a formula by Excel (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def members_csv(members: QuerySet[Member]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(_header())
    for row in _rows(members):
        yield writer.writerow([_safe_cell(v) for v in row])


def members_xlsx(members: QuerySet[Member]):
    """Write the workbook to a temporary file (memory stays flat for large lists)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("会員一覧"))
    sheet.append(_header())
    for row in _rows(members):
        sheet.append([_safe_cell(v) for v in row])
    out = tempfile.TemporaryFile()
    workbook.save(out)
    out.seek(0)
    return out
