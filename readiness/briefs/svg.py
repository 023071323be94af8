"""Small SVG building blocks for the brief's charts: plain strings, escaped, deterministic.

Numbers are written with at most two decimals (trailing zeros dropped), so the same data
give the same bytes. Text from a workbook goes through :func:`esc` (XML-escaped, control
characters dropped) and :func:`fit` (shortened with an ellipsis to the width it has,
measured with the advance widths of the shipped DejaVu Sans).

WeasyPrint lays out SVG text one character at a time (a Pango layout per character) and
spends about as long on each HTML element as on fifteen SVG characters. So a
:class:`Canvas` keeps short text (tick values, "no data") in the SVG and puts the long
words (row names, axis titles) in HTML labels placed over the drawing in pt, each column
of row names one block of lines; legends and source lines are HTML beside the chart.
"""

from __future__ import annotations

import functools
import html
import math
import re

__all__ = ["WIDTH", "FONT", "num", "esc", "text_width", "fit", "Canvas", "path", "ticks", "Scale", "hline", "marker"]

WIDTH = 515.91          # pt: the text width of the brief's A4 page (210 mm less 2 x 14 mm margins)
FONT = "'DejaVu Sans'"  # the charts' SVG text (the PDF names the shipped copy: render.html)
ASCENT = 0.846          # em: DejaVu Sans's baseline below the top of a line box of line-height 1
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def num(x: float) -> str:
    """``x`` with at most two decimals, trailing zeros dropped (``12.5``, ``3``, ``-0.25``)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def esc(value) -> str:
    """Text for SVG: whitespace collapsed, XML control characters dropped, ``<>&"'`` escaped."""
    return html.escape(" ".join(_CONTROL.sub("", str(value)).split()), quote=True)


@functools.lru_cache(maxsize=1)
def _advances():
    """{code point: advance width in em} of the shipped DejaVu Sans (regular)."""
    from importlib.resources import files

    from fontTools.ttLib import TTFont

    font = TTFont(str(files("readiness.reports") / "fonts" / "DejaVuSans.ttf"), lazy=True)
    upm = float(font["head"].unitsPerEm)
    metrics = font["hmtx"].metrics
    return {cp: metrics[glyph][0] / upm for cp, glyph in font.getBestCmap().items()}


def text_width(value: str, size: float) -> float:
    """The width in pt of ``value`` set in DejaVu Sans at ``size`` pt (0.6 em for a character it lacks)."""
    adv = _advances()
    return size * sum(adv.get(ord(ch), 0.6) for ch in value)


def fit(value, size: float, width: float) -> str:
    """``value`` (whitespace collapsed) shortened with "…" until it is at most ``width`` pt wide."""
    value = " ".join(str(value).split())
    if text_width(value, size) <= width:
        return value
    adv = _advances()
    budget = width / size - adv.get(0x2026, 1.0)
    used, cut = 0.0, 0
    for i, ch in enumerate(value):
        used += adv.get(ord(ch), 0.6)
        if used > budget:
            cut = i
            break
    return value[:cut].rstrip() + "…"


def _box(x: float, anchor: str) -> list[str]:
    """CSS placing a label box that starts at ``x``, ends at it (from the chart's left edge) or is centred on it.

    Every box has its width set (a box WeasyPrint had to size to its content would be laid
    out twice), as wide as the chart allows, so text in a wider fallback font (HTML in a
    browser without DejaVu Sans) still ends where it should."""
    if anchor == "end":
        return ["left:0", f"width:{num(x)}pt", "text-align:right"]
    if anchor == "middle":
        half = min(x, WIDTH - x)
        return [f"left:{num(x - half)}pt", f"width:{num(2 * half)}pt", "text-align:center"]
    return [f"left:{num(x)}pt", f"width:{num(WIDTH - x)}pt"]


class Canvas:
    """A chart being drawn: SVG pieces in ``body``, HTML labels in ``labels`` (pt coordinates)."""

    def __init__(self):
        self.body: list[str] = []
        self.labels: list[dict] = []

    def label(self, x: float, y: float, value, *, anchor: str = "start", size: float = 7, colour: str | None = None,
              width: float | None = None):
        """A label whose text is centred vertically on ``y``: starting at ``x``, ending at it (``anchor="end"``)
        or centred on it (``"middle"``); shortened to ``width`` pt when given. Empty text is skipped."""
        value = " ".join(str(value).split())
        if width is not None:
            value = fit(value, size, width)
        if not value:
            return
        top = y + 0.35 * size - ASCENT * size        # the baseline 0.35 em below the centre line
        style = [f"top:{num(top)}pt", f"font-size:{num(size)}pt"]
        style += _box(x, anchor)
        if colour:
            style.append(f"color:{colour}")
        self.labels.append({"text": value, "lines": None, "style": ";".join(style)})

    def column(self, x: float, ys: list[float], values, *, anchor: str = "start", size: float = 7,
               width: float | None = None, colours=None):
        """Labels for evenly spaced rows centred on ``ys``, as one block of lines (one box for WeasyPrint to
        place, not one per row): left-aligned from ``x``, or right-aligned ending at it (``anchor="end"``);
        each shortened to ``width`` pt when given; ``colours`` (one per row, None for the text colour)."""
        if not ys:
            return
        pitch = ys[1] - ys[0] if len(ys) > 1 else 1.2 * size
        lines = []
        for i, value in enumerate(values):
            value = " ".join(str(value).split())
            value = fit(value, size, width) if width is not None else value
            lines.append({"text": value, "colour": colours[i] if colours else None})
        style = [f"top:{num(ys[0] - pitch / 2)}pt", f"font-size:{num(size)}pt", f"line-height:{num(pitch)}pt"]
        style += _box(x, anchor)
        self.labels.append({"text": "", "lines": lines, "style": ";".join(style)})

    def text(self, x: float, y: float, value, *, anchor: str = "start", size: float = 7, fill: str | None = None):
        """A short SVG ``<text>`` (a tick value, a word) with its baseline at ``y``; longer text is a label."""
        attrs = f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if fill:
            attrs += f' fill="{fill}"'
        self.body.append(f"<text {attrs}>{esc(value)}</text>")

    def x_axis(self, scale: "Scale", values, top: float, base: float, title: str, *, fmt=None,
               grid: str = "#d6d6d6", axis: str = "#8a8a8a", size: float = 7):
        """Vertical grid lines from ``top`` to ``base`` at ``values``, the axis line, tick values and its title."""
        fmt = fmt or (lambda v: f"{v:g}")
        xs = [scale(v) for v in values]
        self.body.append(path([f"M{num(x)} {num(top)}V{num(base)}" for x in xs], stroke=grid, width=0.5))
        self.body.append(path([f"M{num(min(scale.x0, scale.x1))} {num(base)}H{num(max(scale.x0, scale.x1))}"]
                              + [f"M{num(x)} {num(base)}v3" for x in xs], stroke=axis, width=0.6))
        for x, v in zip(xs, values):
            self.text(x, base + 4 + 0.95 * size, fmt(v), anchor="middle", size=size)
        self.label((scale.x0 + scale.x1) / 2, base + 6 + 1.9 * size, title, anchor="middle", size=size + 0.5)

    def done(self, height: float, alt: str) -> dict:
        """``svg`` (an inline ``<svg>``: ``role="img"``, ``aria-label`` and ``<title>`` = ``alt``), ``labels``,
        ``height`` and ``width`` (pt, as text) and ``alt``."""
        h = num(height)
        label = esc(alt)
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" focusable="false" aria-label="{label}" '
               f'width="{num(WIDTH)}pt" height="{h}pt" viewBox="0 0 {num(WIDTH)} {h}" '
               f'font-family="{FONT}, sans-serif" fill="#1b1b1b">\n'
               f"<title>{label}</title>\n" + "\n".join(b for b in self.body if b) + "\n</svg>")
        return {"svg": svg, "labels": self.labels, "height": h, "width": num(WIDTH), "alt": alt}


def path(d: list[str], *, stroke: str | None = None, width: float | None = None, fill: str = "none") -> str:
    """One ``<path>`` from the pieces ``d`` (empty string when there are none)."""
    if not d:
        return ""
    attrs = f'd="{" ".join(d)}" fill="{fill}"'
    if stroke is not None:
        attrs += f' stroke="{stroke}" stroke-width="{num(width or 1)}"'
    return f"<path {attrs}/>"


def ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round tick values in [lo, hi]: a step of 1, 2, 2.5 or 5 times a power of ten, at most ``target`` + 1 ticks."""
    lo, hi = min(lo, hi), max(lo, hi)
    span = hi - lo
    if not span > 0:
        return [lo]
    mag = 10.0 ** math.floor(math.log10(span / target))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if span / (m * mag) <= target)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


class Scale:
    """A linear map from the data interval [lo, hi] to the pt interval [x0, x1] (``lo > hi`` reverses it)."""

    def __init__(self, lo: float, hi: float, x0: float, x1: float):
        self.lo, self.hi, self.x0, self.x1 = lo, hi, x0, x1

    def __call__(self, v: float) -> float:
        return self.x0 + (v - self.lo) * (self.x1 - self.x0) / (self.hi - self.lo)


def hline(x0: float, x1: float, y: float) -> str:
    """The path piece of a horizontal line."""
    return f"M{num(x0)} {num(y)}H{num(x1)}"


def marker(kind: str, x: float, y: float, r: float) -> str:
    """The path piece of a marker centred on (x, y) with radius ``r``: circle, diamond, square, triangle or tick."""
    if kind == "circle":     # four cubic Béziers (an SVG arc costs WeasyPrint a conversion to curves)
        k = 0.5523 * r
        return (f"M{num(x - r)} {num(y)}C{num(x - r)} {num(y - k)} {num(x - k)} {num(y - r)} {num(x)} {num(y - r)}"
                f"C{num(x + k)} {num(y - r)} {num(x + r)} {num(y - k)} {num(x + r)} {num(y)}"
                f"C{num(x + r)} {num(y + k)} {num(x + k)} {num(y + r)} {num(x)} {num(y + r)}"
                f"C{num(x - k)} {num(y + r)} {num(x - r)} {num(y + k)} {num(x - r)} {num(y)}Z")
    if kind == "diamond":
        return f"M{num(x)} {num(y - r)}L{num(x + r)} {num(y)}L{num(x)} {num(y + r)}L{num(x - r)} {num(y)}Z"
    if kind == "square":
        s = r * 0.85
        return f"M{num(x - s)} {num(y - s)}H{num(x + s)}V{num(y + s)}H{num(x - s)}Z"
    if kind == "triangle":
        return f"M{num(x)} {num(y - r)}L{num(x + r)} {num(y + 0.75 * r)}H{num(x - r)}Z"
    if kind == "tick":
        return f"M{num(x)} {num(y - r)}V{num(y + r)}"
    raise ValueError(f"unknown marker {kind!r}")
