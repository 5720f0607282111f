"""The council / ministry report for a fiscal year (XLSX workbook and A4 PDF summary) and the
anonymised open-data CSV. All figures come from the dashboard's sections."""

import io
import re
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from enishi.core.japan import PREFECTURE_CHOICES
from enishi.core.pdf import pdf_fonts
from enishi.core.spreadsheets import safe_cell
from enishi.members.models import Tie

from . import selectors
from .dashboard import SECTIONS, Context

NUMBER_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
PERCENT = re.compile(r"^\d+(\.\d+)?%$")


def _xlsx_value(value):
    """Shares ("62.5%" in the tables) become numbers formatted as percentages."""
    if isinstance(value, str) and PERCENT.match(value):
        return float(value[:-1]) / 100
    return safe_cell(value)


def report_sections(ctx: Context) -> list[tuple[str, dict]]:
    """(title, data) of every dashboard section for the report's period."""
    return [(str(section.title), section.build(ctx)) for section in SECTIONS]


def report_xlsx(ctx: Context, built: list[tuple[str, dict]], events: dict) -> bytes:
    """A workbook with a cover sheet and one sheet per section, its tables one under another."""
    workbook = Workbook()
    cover = workbook.active
    cover.title = _("表紙")
    bold = Font(bold=True)
    cover.append([_("%(community)s 関係人口の取り組み報告") % {"community": ctx.community.name}])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append([_("対象期間"), ctx.period.label])
    cover.append([_("期間"), ctx.period.first_day, ctx.period.last_day])
    cover.append([_("作成日時"), timezone.localtime().replace(tzinfo=None)])
    cover.append([])
    cover.append([_("開催した活動（回）"), events["sessions"]])
    cover.append([_("参加（延べ人数）"), events["participations"]])
    cover.append([_("参加（実人数）"), events["participants"]])
    for row in cover.iter_rows(min_row=2):
        row[0].font = bold
        for cell in row[1:]:
            if isinstance(cell.value, int):
                cell.number_format = NUMBER_FORMAT
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy/mm/dd hh:mm"
            elif cell.value is not None and hasattr(cell.value, "year"):
                cell.number_format = "yyyy/mm/dd"
    cover.column_dimensions["A"].width = 28
    cover.column_dimensions["B"].width = 22
    cover.column_dimensions["C"].width = 14
    header_fill = PatternFill("solid", fgColor="DDE7F3")
    for title, data in built:
        sheet = workbook.create_sheet(title[:31])
        widths: dict[int, int] = {}
        for table in data["tables"]:
            sheet.append([table.caption])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
            sheet.append(table.headers)
            for cell in sheet[sheet.max_row]:
                cell.font = bold
                cell.fill = header_fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for row in table.rows:
                sheet.append([_xlsx_value(v) for v in row])
                for cell in sheet[sheet.max_row]:
                    if isinstance(cell.value, int):
                        cell.number_format = NUMBER_FORMAT
                    elif isinstance(cell.value, float):
                        cell.number_format = PERCENT_FORMAT
            for i, header in enumerate(table.headers, start=1):
                longest = max([len(str(header))] + [len(str(r[i - 1])) for r in table.rows])
                widths[i] = max(widths.get(i, 8), min(40, longest * 2 + 2))
            sheet.append([])
        for i, width in widths.items():
            sheet.column_dimensions[get_column_letter(i)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _bar_drawing(title: str, labels: list[str], values: list[int], font: str) -> Drawing:
    drawing = Drawing(170 * mm, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 10 * mm
    chart.width, chart.height = 150 * mm, 42 * mm
    chart.data = [values or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueStep = max(1, -(-max(values or [0]) // 5))  # whole numbers
    chart.bars[0].fillColor = colors.HexColor("#0072B2")
    drawing.add(chart)
    drawing.add(String(12 * mm, 57 * mm, title, fontName=font, fontSize=9))
    return drawing


def report_pdf(ctx: Context, built: list[tuple[str, dict]], events: dict) -> bytes:
    """An A4 summary: headline figures and funnel, registrations and six-use engagement
    (charts), events held, top prefectures."""
    regular, bold = pdf_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=14)
    h1 = ParagraphStyle("h1", fontName=bold, fontSize=16, leading=22, spaceAfter=4)
    h2 = ParagraphStyle("h2", fontName=bold, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    by_key = {table.key: table for _title, data in built for table in data["tables"]}
    title = _("%(community)s 関係人口の取り組み報告（%(period)s）") % {
        "community": ctx.community.name, "period": ctx.period.label}  # fmt: skip

    def table(data_rows, widths=None):
        change = data_rows[0][-1] == _("増減")  # the last column is a change: show its sign
        # A PDF runs no formulas: cells need no neutralising, unlike CSV and XLSX.
        rows = [[f"{v:+,}" if change and i == len(r) - 1 and isinstance(v, int)
                 else f"{v:,}" if isinstance(v, int) else str(v)
                 for i, v in enumerate(r)] for r in data_rows]  # fmt: skip
        flowable = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        flowable.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), regular, 8.5),
            ("FONT", (0, 0), (-1, 0), bold, 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE7F3")),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ]))  # fmt: skip
        return flowable

    def rows_of(key):
        found = by_key[key]
        return [found.headers, *found.rows]

    story = [
        Paragraph(title, h1),
        Paragraph(_("作成日 %(date)s。数字は期間の終わり（または作成時点）のものです。") % {
            "date": f"{timezone.localdate():%Y/%m/%d}"}, body),  # fmt: skip
        Paragraph(_("主な数字"), h2), table(rows_of("headline")),
        Paragraph(_("潜在 → 登録 → 参加 → 継続 → 担い手"), h2), table(rows_of("funnel")),
        Paragraph(_("開催した活動と参加"), h2),
        table([[_("項目"), _("件数・人数")],
               [_("開催した活動（回）"), events["sessions"]],
               [_("参加（延べ人数）"), events["participations"]],
               [_("参加（実人数）"), events["participants"]]]),  # fmt: skip
        Paragraph(_("登録の推移"), h2),
    ]
    growth = by_key["growth"]
    story.append(_bar_drawing(_("新規登録（人）"), [r[0][-2:] for r in growth.rows],
                              [r[1] for r in growth.rows], regular))  # fmt: skip
    uses = by_key["use_totals"]
    story += [
        Paragraph(_("6つの関わり方ごとの関わり"), h2),
        _bar_drawing(_("関わり（件）"), [r[0][:6] for r in uses.rows], [r[1] for r in uses.rows],
                     regular),  # fmt: skip
        table(rows_of("use_totals")),
        Paragraph(_("都道府県別の会員数（上位10）"), h2),
        table(rows_of("prefectures")[:11]),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, title=title, author=ctx.community.name,
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
    )  # fmt: skip
    document.build(story)
    return out.getvalue()


def open_data_rows(ctx: Context, minimum: int) -> list[list]:
    """Members by prefecture × birth decade × tie, with every count under `minimum` shown as
    "x" as in e-Stat (no totals, so a suppressed cell cannot be worked out by subtraction)."""
    names = dict(PREFECTURE_CHOICES)
    ties = dict(Tie.choices)
    rows = [[_("時点"), _("都道府県コード"), _("都道府県"), _("生まれた年代"), _("つながり"),
             _("人数")]]  # fmt: skip
    as_of = f"{timezone.localtime(ctx.period.as_of - timedelta(microseconds=1)):%Y-%m-%d}"
    for row in selectors.open_data(community=ctx.community, period=ctx.period):
        code, decade, n = row["member__prefecture_code"], row["member__birth_decade"], row["n"]
        rows.append([as_of, code, str(names.get(code, code)),
                     _("%(decade)s年代") % {"decade": decade} if decade else _("未回答"),
                     str(ties.get(row["tie"], row["tie"])),
                     n if n >= minimum else "x"])  # fmt: skip
    return rows
