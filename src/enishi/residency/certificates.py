"""The 登録証: an A5 landscape registration certificate (number, Basic or Premium, validity).

It sits beside the rank 認定証 (ledger/certificates.py) and shares its frame and fonts: the
認定証 honours a rank and is earned; the 登録証 states a registration and its validity, for
every active member at any time."""

import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from enishi.core.pdf import certificate_frame, pdf_fonts
from enishi.members.models import Member

from .models import RuleSet
from .rules import PremiumStatus

INK = HexColor("#1a1a1a")


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def registration_certificate_pdf(*, member: Member, status: PremiumStatus, rules: RuleSet) -> bytes:
    regular, bold = pdf_fonts()
    width, height = landscape(A5)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(_("登録証"))
    pdf.setAuthor(member.community.municipality_name)
    certificate_frame(pdf, width, height)
    community = member.community
    pdf.setFillColor(INK)
    pdf.setFont(bold, 28)
    pdf.drawCentredString(width / 2, height - 34 * mm, _("登録証"))
    pdf.setFont(bold, 17)
    pdf.drawCentredString(width / 2, height - 50 * mm,
                          _("%(name)s 殿") % {"name": member.full_name})  # fmt: skip
    if status.qualifies:
        validity = _("%(date)sまで") % {"date": _date(status.valid_until)} if status.valid_until \
            else _("条件を満たしている間")
    else:
        validity = _("会員である間")
    rows = [
        (_("会員番号"), member.number or ""),
        (_("登録の種類"), status.status_label),
        (_("登録先"), f"{community.municipality_name}（{community.name}）"),
        (_("有効期間"), validity),
        (_("入会日"), _date(timezone.localdate(member.joined_at)) if member.joined_at else "—"),
    ]
    if status.qualifies and rules.registers_prefecture:
        rows.append((_("備考"), _("都道府県にも同時に登録されます。")))
    y = height - 66 * mm
    for label, value in rows:
        pdf.setFont(regular, 11)
        pdf.drawRightString(width / 2 - 4 * mm, y, label)
        pdf.setFont(bold, 12)
        pdf.drawString(width / 2 + 4 * mm, y, value)
        y -= 8 * mm
    pdf.setFont(regular, 10)
    issued = _("発行日 %(date)s") % {"date": _date(timezone.localdate())}
    pdf.drawCentredString(width / 2, 24 * mm, issued)
    pdf.setFont(bold, 13)
    pdf.drawCentredString(width / 2, 16 * mm, f"{community.municipality_name}　{community.name}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
