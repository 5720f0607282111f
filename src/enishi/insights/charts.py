"""Charts as SVG drawn on the server: no script, readable when printed, and each with a text
alternative (<title>/<desc>); the page shows the same figures as a table beside each chart."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from enishi.core.japan import PREFECTURE_CHOICES

# Okabe–Ito: told apart by people with colour-vision deficiencies, and in greyscale print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999"]
INK = "#1a1a1c"
GRID = "#c8c8cb"


def _n(value: float) -> str:
    return f"{value:.1f}"


def _scale_max(values) -> int:
    """The top of the value axis: five steps of a round size that reach the largest value."""
    top = max([v for v in values if v is not None] + [1])
    magnitude = 1
    while True:
        for step in (1, 2, 3, 4, 5, 6, 8):
            if step * magnitude * 5 >= top:
                return step * magnitude * 5
        magnitude *= 10


def _open(chart_id: str, title: str, desc: str, width: int, height: int,
          role: str = "img") -> SafeString:  # fmt: skip
    """An <svg> named by its title and described by its figures (a group when it holds links,
    which an image may not)."""
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="{}" aria-labelledby="{}-t" '
        'aria-describedby="{}-d" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>',
        width, height, role, chart_id, chart_id, chart_id, title, chart_id, desc,
    )  # fmt: skip


def hbars(chart_id: str, title: str, rows: list[tuple[str, int]], *, unit: str = "") -> SafeString:
    """Horizontal bars, one per (label, value), values written at the bar's end."""
    width, label_w, bar_h, gap = 640, 180, 22, 8
    height = max(1, len(rows)) * (bar_h + gap) + gap
    top = _scale_max(v for _label, v in rows)
    usable = width - label_w - 70
    parts = []
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        length = round(usable * (value or 0) / top)
        parts.append(format_html(
            '<text x="{}" y="{}" text-anchor="end" font-size="13" fill="{}">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
            '<text x="{}" y="{}" font-size="13" fill="{}">{}{}</text>',
            label_w - 8, y + 16, INK, label, label_w, y, length, bar_h, PALETTE[0],
            label_w + length + 6, y + 16, INK, f"{value or 0:,}", unit,
        ))  # fmt: skip
    desc = "、".join(f"{label} {value or 0:,}{unit}" for label, value in rows)
    return mark_safe(_open(chart_id, title, desc, width, height) + "".join(parts) + "</svg>")


# Shapes of the rows of marks under a time chart: a triangle, then a circle.
MARK_SHAPES = ("M{x} {y} l5 9 h-10 z", "M{x} {y} m-4.5 4.5 a4.5 4.5 0 1 0 9 0 a4.5 4.5 0 1 0 -9 0")


def columns(chart_id: str, title: str, labels: list[str], series: list[tuple[str, list[int]]],
            *, marks: list[tuple[str, list[int]]] = ()) -> SafeString:  # fmt: skip
    """Stacked columns over time (one colour per series, with a legend); each of `marks`
    (name, count per column) draws a row of small shapes under the columns where something
    happened (activities held, newsletters sent)."""
    width, height, left, bottom, top_pad = 720, 300, 48, 56, 34
    n = max(1, len(labels))
    totals = [sum(values[i] or 0 for _name, values in series) for i in range(len(labels))]
    top = _scale_max(totals)
    plot_h = height - bottom - top_pad
    slot = (width - left - 10) / n
    bar_w = max(4, slot * 0.7)
    parts = []
    for k in range(6):  # grid lines and their values, five round steps
        value = top * k // 5
        y = top_pad + plot_h - plot_h * k / 5
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"></line>'
            '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
            left, width - 10, _n(y), _n(y), GRID, left - 4, _n(y + 4), INK, f"{value:,}",
        ))  # fmt: skip
    every = max(1, n // 12)
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar_w) / 2
        base = top_pad + plot_h
        for s, (_name, values) in enumerate(series):
            h = plot_h * (values[i] or 0) / top
            base -= h
            if h:
                parts.append(format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>',
                    _n(x), _n(base), _n(bar_w), _n(h), PALETTE[s % len(PALETTE)],
                ))  # fmt: skip
        if i % every == 0:
            parts.append(format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
                _n(x + bar_w / 2), height - bottom + 16, INK, label,
            ))  # fmt: skip
        for row, (mark_name, counts) in enumerate(marks):
            if counts[i]:
                y = height - bottom + 22 + 14 * row
                shape = MARK_SHAPES[row].format(x=_n(x + bar_w / 2), y=y)
                parts.append(format_html(
                    '<path d="{}" fill="{}"><title>{} {}</title></path>',
                    shape, INK, mark_name, counts[i],
                ))  # fmt: skip
    legend = []
    for s, (name, _values) in enumerate(series):
        x = left + s * 110
        legend.append(format_html(
            '<rect x="{}" y="6" width="12" height="12" fill="{}"></rect>'
            '<text x="{}" y="16" font-size="12" fill="{}">{}</text>',
            x, PALETTE[s % len(PALETTE)], x + 16, INK, name,
        ))  # fmt: skip
    desc = "、".join(
        f"{label}: " + " ".join(f"{name} {values[i] or 0:,}" for name, values in series)
        for i, label in enumerate(labels)
    )
    return mark_safe(
        _open(chart_id, title, desc, width, height) + "".join(legend) + "".join(parts) + "</svg>"
    )


# (column, row) of each prefecture on a 13 × 12 tile grid, roughly where it lies.
TILES = {
    "01": (12, 0), "02": (12, 1), "05": (11, 2), "03": (12, 2), "06": (11, 3), "04": (12, 3),
    "17": (8, 4), "16": (9, 4), "15": (10, 4), "07": (11, 4),
    "18": (7, 5), "21": (8, 5), "20": (9, 5), "10": (10, 5), "09": (11, 5), "08": (12, 5),
    "35": (1, 6), "32": (2, 6), "31": (3, 6), "28": (4, 6), "26": (5, 6), "25": (6, 6),
    "24": (7, 6), "23": (8, 6), "19": (9, 6), "11": (10, 6), "13": (11, 6), "12": (12, 6),
    "40": (0, 7), "34": (2, 7), "33": (3, 7), "27": (4, 7), "29": (5, 7), "30": (6, 7),
    "22": (9, 7), "14": (11, 7),
    "41": (0, 8), "44": (1, 8), "38": (3, 8), "37": (4, 8),
    "42": (0, 9), "43": (1, 9), "39": (3, 9), "36": (4, 9),
    "46": (0, 10), "45": (1, 10), "47": (0, 11),
}  # fmt: skip
def _short(name: str) -> str:
    """東京都 → 東京, 神奈川県 → 神奈川 (北海道 stays); romanised names as they are."""
    return name[:-1] if name[-1:] in "都府県" and len(name) > 2 else name


SHADES = ["#f2f2f2", "#d6e6f4", "#a9cbe8", "#6aa7d6", "#2f7fc1", "#0b4f8a"]


def tile_map(chart_id: str, title: str, counts: dict[str, int], links: dict[str, str] | None = None,
             *, unit: str = "") -> SafeString:  # fmt: skip
    """Japan's 47 prefectures as a tile map shaded by count; every tile is a labelled element
    (its <title> says the prefecture and the figure) and a link when `links` has one."""
    size, gap = 46, 4
    top = max(counts.values(), default=0)
    parts = []
    for code, label in PREFECTURE_CHOICES:
        col, row = TILES[code]
        n = counts.get(code, 0)
        level = 0 if not n else 1 + min(4, (n * 5 - 1) // max(1, top))
        x, y = col * (size + gap), row * (size + gap)
        text_fill = "#ffffff" if level >= 4 else INK
        name = f"{label}: {n:,}{unit}"
        tile = format_html(
            '<g class="tile" role="img" aria-label="{}"><title>{}</title>'
            '<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="{}" stroke="{}"></rect>'
            '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>'
            '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text></g>',
            name, name, x, y, size, size, SHADES[level], GRID,
            _n(x + size / 2), y + 19, text_fill, _short(str(label)),
            _n(x + size / 2), y + 35, text_fill, f"{n:,}",
        )  # fmt: skip
        if links and code in links:
            tile = format_html('<a href="{}">{}</a>', links[code], tile)  # named by the tile
        parts.append(tile)
    width, height = 13 * (size + gap), 12 * (size + gap)
    desc = "、".join(
        f"{label} {counts[code]:,}{unit}" for code, label in PREFECTURE_CHOICES if counts.get(code)
    )
    legend = format_html_join(
        "", '<rect x="{}" y="{}" width="16" height="16" fill="{}" stroke="{}"></rect>',
        ((8 * (size + gap) + i * 20, 10 * (size + gap) + 20, shade, GRID)
         for i, shade in enumerate(SHADES)),
    )  # fmt: skip
    svg_open = _open(chart_id, title, desc, width, height, "group" if links else "img")
    return mark_safe(svg_open + "".join(parts) + legend + "</svg>")
