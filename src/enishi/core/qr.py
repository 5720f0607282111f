"""QR codes for the pages (SVG) and the PDFs (module matrix)."""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, *, title: str) -> SafeString:
    """An inline SVG QR code that scales with its container."""
    qr = segno.make(data, error="m")
    svg = qr.svg_inline(scale=4, title=title, omitsize=True, dark="#1a1a1a", light="#ffffff")
    return mark_safe(svg)  # segno escapes the title; the rest is its own markup


def qr_matrix(data: str) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(row) for row in segno.make(data, error="m").matrix)
