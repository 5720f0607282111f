"""The Japanese font every generated PDF embeds (BIZ UDPGothic, OFL)."""

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"


@cache
def pdf_fonts() -> tuple[str, str]:
    """Register and name the embedded Japanese fonts (regular, bold) for every PDF."""
    pdfmetrics.registerFont(TTFont("BIZUDPGothic", FONT_DIR / "BIZUDPGothic-Regular.ttf"))
    pdfmetrics.registerFont(TTFont("BIZUDPGothic-Bold", FONT_DIR / "BIZUDPGothic-Bold.ttf"))
    return "BIZUDPGothic", "BIZUDPGothic-Bold"


def certificate_frame(pdf, width: float, height: float) -> None:
    """The double blue border shared by the certificates (認定証, 登録証)."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import mm

    pdf.setStrokeColor(HexColor("#0017c1"))
    pdf.setLineWidth(3)
    pdf.rect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(11 * mm, 11 * mm, width - 22 * mm, height - 22 * mm)
