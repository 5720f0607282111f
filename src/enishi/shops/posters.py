"""The printable QR poster of a visit spot: A4 portrait, Japanese, the font embedded."""

import io
from textwrap import wrap

from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from enishi.core.pdf import pdf_fonts
from enishi.members.cards import BLUE, INK, _draw_qr

from .models import VisitSpot

GREY = HexColor("#595959")


def spot_poster_pdf(*, spot: VisitSpot, url: str) -> bytes:
    regular, bold = pdf_fonts()
    width, height = A4
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    community = spot.community
    pdf.setTitle(_("%(spot)s 来訪スポットのポスター") % {"spot": spot.name})
    pdf.setAuthor(community.municipality_name)

    pdf.setFillColor(BLUE)
    pdf.rect(0, height - 40 * mm, width, 40 * mm, stroke=0, fill=1)
    pdf.setFillColor(white)
    pdf.setFont(bold, 30)
    pdf.drawCentredString(width / 2, height - 22 * mm, community.name)
    pdf.setFont(regular, 14)
    pdf.drawCentredString(width / 2, height - 32 * mm, _("来訪スポット"))

    pdf.setFillColor(INK)
    pdf.setFont(bold, 28 if len(spot.name) <= 14 else 20)
    pdf.drawCentredString(width / 2, height - 60 * mm, spot.name)
    if spot.description:
        pdf.setFont(regular, 12)
        y = height - 70 * mm
        for line in wrap(spot.description, 34)[:3]:
            pdf.drawCentredString(width / 2, y, line)
            y -= 6 * mm

    qr_size = 110 * mm
    _draw_qr(pdf, url, (width - qr_size) / 2, 70 * mm, qr_size)

    pdf.setFont(bold, 16)
    pdf.drawCentredString(
        width / 2, 58 * mm, _("会員の方はスマートフォンのカメラで読み取ってください")
    )
    pdf.setFont(regular, 12)
    pdf.drawCentredString(
        width / 2, 48 * mm, _("ログインすると来訪が記録され、ポイントがたまります（1日1回）。")
    )
    pdf.setFillColor(GREY)
    pdf.setFont(regular, 10)
    pdf.drawCentredString(
        width / 2,
        20 * mm,
        _("%(community)s（%(city)s）") % {
            "community": community.name, "city": community.municipality_name,
        },
    )  # fmt: skip
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
