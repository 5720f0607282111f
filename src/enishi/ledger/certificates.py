"""The 認定証: an A5 landscape certificate of the member's rank, Japanese font embedded."""

import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from enishi.core.pdf import certificate_frame, pdf_fonts
from enishi.members.models import Member

from .selectors import Standing

INK = HexColor("#1a1a1a")


def rank_certificate_pdf(*, member: Member, standing: Standing) -> bytes:
    regular, bold = pdf_fonts()
    width, height = landscape(A5)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(_("認定証"))
    pdf.setAuthor(member.community.municipality_name)
    certificate_frame(pdf, width, height)

    pdf.setFillColor(INK)
    pdf.setFont(bold, 30)
    pdf.drawCentredString(width / 2, height - 38 * mm, _("認定証"))
    pdf.setFont(bold, 18)
    pdf.drawCentredString(width / 2, height - 58 * mm,
                          _("%(name)s 殿") % {"name": member.full_name})  # fmt: skip
    pdf.setFont(regular, 13)
    lines = [
        _("あなたは %(community)s の一員として地域に力を尽くされ、") % {
            "community": member.community.name},
        _("「%(rank)s」に認定されましたので、これを証します。") % {"rank": standing.rank.name},
    ]  # fmt: skip
    y = height - 76 * mm
    for line in lines:
        pdf.drawCentredString(width / 2, y, line)
        y -= 9 * mm
    pdf.setFont(regular, 11)
    today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    footer = _("会員番号 %(number)s　　%(date)s") % {"number": member.number, "date": today}
    pdf.drawCentredString(width / 2, 30 * mm, footer)
    pdf.setFont(bold, 14)
    community = member.community
    pdf.drawCentredString(width / 2, 20 * mm, f"{community.municipality_name}　{community.name}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
