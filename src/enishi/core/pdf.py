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
