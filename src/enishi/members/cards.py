"""The printable member card: a credit-card-sized PDF (ISO/IEC 7810 ID-1) with the Japanese
font embedded, so it prints the same everywhere."""

import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from enishi.core.pdf import pdf_fonts
from enishi.core.qr import qr_matrix
from enishi.ledger.selectors import Standing

from .models import Member

CARD_WIDTH, CARD_HEIGHT = 85.6 * mm, 53.98 * mm
BLUE = HexColor("#0017c1")
INK = HexColor("#1a1a1a")


def _draw_qr(pdf: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    matrix = qr_matrix(url)
    quiet = 2
    cells = len(matrix) + 2 * quiet
    cell = size / cells
    pdf.setFillColor(white)
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    pdf.setFillColor(INK)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(
                    x + (c + quiet) * cell,
                    y + size - (r + quiet + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )


def member_card_pdf(*, member: Member, standing: Standing, qr_url: str) -> bytes:
    regular, bold = pdf_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(CARD_WIDTH, CARD_HEIGHT))
    pdf.setTitle(_("%(community)s 会員証") % {"community": member.community.name})
    pdf.setAuthor(member.community.municipality_name)

    pdf.setFillColor(BLUE)
    pdf.rect(0, CARD_HEIGHT - 12 * mm, CARD_WIDTH, 12 * mm, stroke=0, fill=1)
    pdf.setFillColor(white)
    pdf.setFont(bold, 11)
    pdf.drawString(5 * mm, CARD_HEIGHT - 7.5 * mm, member.community.name)
    pdf.setFont(regular, 7)
    pdf.drawRightString(
        CARD_WIDTH - 5 * mm,
        CARD_HEIGHT - 7.5 * mm,
        _("%(city)s 関係人口会員証") % {"city": member.community.municipality_name},
    )

    pdf.setFillColor(INK)
    pdf.setFont(bold, 12)
    pdf.drawString(5 * mm, CARD_HEIGHT - 21 * mm, member.display_name)
    pdf.setFont(regular, 7)
    rows = [
        (_("会員番号"), member.number or ""),
        (_("ランク"), standing.rank.name if standing.rank else ""),
        (
            _("入会日"),
            formats.date_format(timezone.localtime(member.joined_at), "DATE_FORMAT")
            if member.joined_at
            else "",
        ),
    ]
    # The value column starts after the widest label (English labels are longer).
    value_x = 5 * mm + max(pdfmetrics.stringWidth(label, regular, 6.5) for label, _v in rows)
    value_x += 2.5 * mm
    y = CARD_HEIGHT - 29 * mm
    for label, value in rows:
        pdf.setFont(regular, 6.5)
        pdf.drawString(5 * mm, y, label)
        pdf.setFont(bold, 8.5)
        pdf.drawString(value_x, y, value)
        y -= 5.5 * mm

    qr_size = 26 * mm
    _draw_qr(pdf, qr_url, CARD_WIDTH - qr_size - 4 * mm, 4 * mm, qr_size)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
