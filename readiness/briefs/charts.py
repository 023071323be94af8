"""Charts for the country brief: each function returns a dict (see :meth:`.svg.Canvas.done`).

``svg`` is an inline ``<svg>`` element written by hand (:mod:`.svg`): no XML prolog, no
ids, a ``<title>`` and ``aria-label`` holding the alt text (a screen reader and
WeasyPrint's PDF tags both carry it), vector, and the same bytes for the same data. Its
words (row names, tick values, axis titles) are ``labels``: HTML spans the template
places over the drawing, set in the brief's font (see :mod:`.svg` for why). ``alt`` is
the chart in words; ``legend`` (a list of ``(key, label)``; the key names a symbol the
template draws) and ``source`` (one line) are HTML beside the chart.
"""

from __future__ import annotations

import math

import numpy as np

from . import svg
from .svg import Canvas, Scale, hline, marker, num, path

__all__ = ["dimension_chart", "indicator_chart", "rank_chart", "language_chart", "compute_chart", "LEGEND_KEYS"]

W = svg.WIDTH
INK = "#1b1b1b"
MUTED = "#8a8a8a"
LIGHT = "#d6d6d6"
ACCENT = "#0b5cad"      # the country
REGION = "#d9480f"      # region median
INCOME = "#2b8a3e"      # income-group median
PEERS = "#7048e8"       # chosen peers' median
BOX = "#b8b8b8"         # the middle half of all countries
MEDIAN = "#5c5c5c"      # the median of all countries

# legend keys -> (symbol, colour): the template draws them as coloured text
LEGEND_KEYS = {
    "country": ("●", ACCENT), "imputed": ("○", ACCENT), "region": ("◇", REGION), "income": ("□", INCOME),
    "peers": ("△", PEERS), "range": ("─", "#b0b0b0"), "box": ("▬", BOX), "median": ("│", MEDIAN),
    "region_tick": ("│", REGION), "income_tick": ("│", INCOME), "covered": ("■", ACCENT),
    "uncovered": ("■", REGION), "interval": ("━", MUTED), "interval_country": ("━", ACCENT),
}


def _fmt(x):
    return "no score" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1f}"


def _source(ctx, extra: str = "") -> str:
    return f"Source: {ctx['dataset']['label']} {ctx['dataset']['version']}".strip() + extra


def _row_labels(cv: Canvas, rows, x0: float, size: float):
    """Right-aligned row names ending just left of the plot at ``x0``: ``rows`` is a list of (y centre, text)."""
    cv.column(x0 - 5, [y for y, _ in rows], [label for _, label in rows], anchor="end", size=size, width=x0 - 7)


def _finish(cv: Canvas, base: float, alt: str, legend, source: str) -> dict:
    out = cv.done(base + 29, alt)
    out.update(legend=legend, source=source)
    return out


def dimension_chart(ctx: dict) -> dict:
    """The country's dimension scores against the region, income-group and peers' medians."""
    dims = ctx["dimensions"]
    name = ctx["country"]["name"]
    n = len(dims)
    pitch, top = 19.0, 3.0
    x0, x1 = 0.30 * W, 0.97 * W
    sx = Scale(-2, 102, x0, x1)
    ys = [top + pitch * (i + 0.5) for i in range(n)]
    base = top + pitch * n + 2
    cv = Canvas()
    cv.x_axis(sx, [0, 20, 40, 60, 80, 100], top, base, "Score (0-100)")
    cv.body.append(path([hline(sx(0), sx(100), y) for y in ys], stroke=LIGHT, width=0.5))
    series = [("region_median", REGION, "diamond", 3.2), ("income_group_median", INCOME, "square", 3.2)]
    if ctx["peers"]["codes"]:
        series.append(("peers_median", PEERS, "triangle", 3.4))
    for key, colour, kind, r in series:
        cv.body.append(path([marker(kind, sx(d[key]), y, r) for d, y in zip(dims, ys) if d[key] is not None],
                            stroke=colour, width=1.1, fill="white"))
    cv.body.append(path([marker("circle", sx(d["score"]), y, 3.8) for d, y in zip(dims, ys)
                         if d["score"] is not None], fill=ACCENT))
    _row_labels(cv, [(y, d["name"]) for d, y in zip(dims, ys)], x0, 7.6)
    legend = [("region", f"Region median ({ctx['country']['region'] or '–'})"),
              ("income", f"Income-group median ({ctx['country']['income_group'] or '–'})")]
    if ctx["peers"]["codes"]:
        legend.append(("peers", "Chosen peers' median"))
    legend.append(("country", name))
    parts = [f"{d['name']} {_fmt(d['score'])} (region median {_fmt(d['region_median'])}, income-group median "
             f"{_fmt(d['income_group_median'])})" for d in dims]
    alt = f"Dot chart of {name}'s dimension scores on a 0-100 scale: " + "; ".join(parts) + "."
    return _finish(cv, base, alt, legend, _source(ctx))


def _quantiles(rows) -> np.ndarray:
    """5, 25, 50, 75 and 95% of each row's scores over all countries (NaN where none has one)."""
    return np.array([r["quantiles"] or [np.nan] * 5 for r in rows], dtype=float).reshape(len(rows), 5)


def indicator_chart(ctx: dict) -> dict:
    """Each indicator's normalised score: all countries (grey), the country, region and income medians."""
    rows = ctx["indicator_rows"]
    name = ctx["country"]["name"]
    n = len(rows)
    pitch = 14.0 if n <= 30 else max(6.0, 420.0 / n)
    size = 7.0 if n <= 30 else (5.8 if n <= 50 else 5.0)
    top = 2.0
    x0, x1 = 0.38 * W, 0.97 * W
    sx = Scale(-3, 103, x0, x1)
    ys = [top + pitch * (i + 0.5) for i in range(n)]
    base = top + pitch * n + 2
    q = _quantiles(rows)
    cv = Canvas()
    cv.x_axis(sx, [0, 20, 40, 60, 80, 100], top, base, "Normalised score (0-100, higher = better)")
    seps = [hline(x0, x1, y - pitch / 2) for i, (r, y) in enumerate(zip(rows, ys))
            if i and r["dimension"] != rows[i - 1]["dimension"]]
    cv.body.append(path(seps, stroke=MUTED, width=0.4))
    have = [i for i in range(n) if not math.isnan(q[i, 0])]
    cv.body.append(path([hline(sx(q[i, 0]), sx(q[i, 4]), ys[i]) for i in have], stroke=LIGHT, width=1.0))
    box = min(4.4, 0.36 * pitch)
    cv.body.append(path([f"M{num(sx(q[i, 1]))} {num(ys[i] - box / 2)}H{num(sx(q[i, 3]))}v{num(box)}"
                         f"H{num(sx(q[i, 1]))}Z" for i in have], fill=BOX))
    tick = min(2.8, 0.22 * pitch)
    cv.body.append(path([marker("tick", sx(q[i, 2]), ys[i], tick) for i in have], stroke=MEDIAN, width=1.0))
    for key, colour in (("region_median", REGION), ("income_group_median", INCOME)):
        cv.body.append(path([marker("tick", sx(r[key]), y, tick + 0.6) for r, y in zip(rows, ys)
                             if r[key] is not None], stroke=colour, width=1.4))
    dot = min(2.8, 0.2 * pitch)
    obs = [marker("circle", sx(r["score"]), y, dot) for r, y in zip(rows, ys)
           if r["score"] is not None and r["flag"] == "observed"]
    imp = [marker("circle", sx(r["score"]), y, dot - 0.4) for r, y in zip(rows, ys)
           if r["score"] is not None and r["flag"] == "imputed"]
    cv.body.append(path(obs, fill=ACCENT))
    cv.body.append(path(imp, stroke=ACCENT, width=1.0, fill="white"))
    _row_labels(cv, [(y, r["name"]) for r, y in zip(rows, ys)], x0, size)
    for r, y in zip(rows, ys):
        if r["flag"] == "missing":
            cv.text(sx(1), y + 0.35 * size, "no data", size=size, fill=REGION)
    legend = [("range", "All countries: 5-95%"), ("box", "middle half"), ("median", "median"),
              ("region_tick", "region median"), ("income_tick", "income-group median"), ("country", name)]
    if imp:
        legend.append(("imputed", "Imputed"))
    scored = [r["name"] for r in rows if r["flag"] != "missing"]
    alt = (f"Strip chart of {n} indicators' normalised scores for all scored countries, with "
           f"{name}'s score and the region and income-group medians marked; {len(scored)} indicators have a "
           f"score for {name}. The values are listed in the data annex.")
    return _finish(cv, base, alt, legend, _source(ctx, "; annex for values, years and sources"))


def rank_chart(ctx: dict) -> dict:
    """The country's 5-95% rank interval as a whisker among its neighbours in the ranking."""
    unc = ctx["uncertainty"]
    rows = unc["neighbours"]
    name = ctx["country"]["name"]
    me_code = ctx["country"]["iso3"]
    n = len(rows)
    pitch, top = 11.0, 3.0
    x0, x1 = 0.30 * W, 0.97 * W
    lo = min(r["q05"] for r in rows)
    hi = max(r["q95"] for r in rows)
    pad = max(1.0, 0.05 * (hi - lo))
    sx = Scale(hi + pad, max(0.5, lo - pad), x0, x1)       # rank 1 on the right: better to the right
    ys = [top + pitch * (i + 0.5) for i in range(n)]
    base = top + pitch * n + 2
    cv = Canvas()
    cv.x_axis(sx, svg.ticks(sx.hi, sx.lo), top, base,
              f"Rank of {ctx['headline']['n']} (dot: nominal; bar: 5-95% interval; better to the right)")
    for mine, colour, width, r_dot in ((False, MUTED, 1.2, 2.0), (True, ACCENT, 2.2, 2.6)):
        sel = [(r, y) for r, y in zip(rows, ys) if (r["country"] == me_code) == mine]
        cv.body.append(path([hline(sx(r["q05"]), sx(r["q95"]), y) for r, y in sel], stroke=colour, width=width))
        cv.body.append(path([marker("circle", sx(r["rank"]), y, r_dot) for r, y in sel], fill=colour))
    _row_labels(cv, [(y, f"{r['rank']}. {r['name']}") for r, y in zip(rows, ys)], x0, 7.2)
    me = ctx["headline"]
    alt = (f"Whisker chart of the 5-95% rank intervals of {name} and the {n - 1} countries ranked nearest to it: "
           f"{name} ranks {me['rank']} of {me['n']}, interval {unc['q05']} to {unc['q95']}.")
    source = f"Uncertainty analysis: {unc['replicates']:,} seeded replicates varying {', '.join(unc['inputs'])}"
    return _finish(cv, base, alt, [("interval_country", name), ("interval", "neighbouring countries")], source)


def language_chart(ctx: dict) -> dict:
    """Main languages by population share, with the open-model families covering each."""
    langs = [r for r in ctx["languages"]["rows"] if r["share"] >= 1.0][:8] or ctx["languages"]["rows"][:8]
    name = ctx["country"]["name"]
    n = len(langs)
    pitch, top = 12.5, 13.0
    x0, x1, xt = 0.24 * W, 0.46 * W, 0.475 * W
    shares = [r["share"] for r in langs]
    sx = Scale(0, max(100.0, max(shares or [0]) * 1.05), x0, x1)
    ys = [top + pitch * (i + 0.5) for i in range(n)]
    base = top + pitch * n + 2
    cv = Canvas()
    cv.x_axis(sx, svg.ticks(0, sx.hi, 5), top, base, "Share of population (%)")
    bar = 0.62 * pitch
    for covered, colour in ((True, ACCENT), (False, REGION)):
        cv.body.append(path([f"M{num(x0)} {num(y - bar / 2)}H{num(sx(r['share']))}v{num(bar)}H{num(x0)}Z"
                             for r, y in zip(langs, ys) if bool(r["families"]) == covered], fill=colour))
    cv.label(xt, top - 6, "Open-weight LLM families covering the language", size=6.8, colour=MUTED)
    _row_labels(cv, [(y, r["language"]) for r, y in zip(langs, ys)], x0, 7.2)
    cv.column(xt, ys, [r["families"] or "no open-weight LLM covers it" for r in langs], size=6.6, width=W - xt - 2,
              colours=[None if r["families"] else REGION for r in langs])
    parts = [f"{r['language']} {r['share']:.0f}% ({r['families'] or 'no open model'})" for r in langs]
    alt = f"Bar chart of {name}'s main languages by share of population, with the open-model families covering each: " \
          + "; ".join(parts) + "."
    legend = [("covered", "covered by an open-weight LLM"), ("uncovered", "not covered")]
    return _finish(cv, base, alt, legend, ctx["languages"]["source"] or "")


def _compact(x):
    """Axis numbers as 950, 12k, 3.5M."""
    if abs(x) >= 1e6:
        return f"{x / 1e6:g}M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:g}k"
    return f"{x:g}"


def compute_chart(ctx: dict) -> dict:
    """GPU clusters hosted in the country: H100-equivalents by owner."""
    rows = ctx["compute"]["rows"][:6]
    name = ctx["country"]["name"]
    n = len(rows)
    pitch, top = 12.5, 3.0
    x0, x1 = 0.42 * W, 0.96 * W
    vals = [r["h100e"] or 0.0 for r in rows]
    sx = Scale(0, (max(vals or [0]) or 1.0) * 1.05, x0, x1)
    ys = [top + pitch * (i + 0.5) for i in range(n)]
    base = top + pitch * n + 2
    cv = Canvas()
    cv.x_axis(sx, svg.ticks(0, sx.hi, 5), top, base, "H100-equivalents", fmt=_compact)
    bar = 0.62 * pitch
    cv.body.append(path([f"M{num(x0)} {num(y - bar / 2)}H{num(sx(v))}v{num(bar)}H{num(x0)}Z"
                         for v, y in zip(vals, ys) if v > 0], fill=ACCENT))
    labels = [f"{r['name'] or 'cluster'}: {r['owner']} ({r['owner_country'] or '?'})" for r in rows]
    _row_labels(cv, list(zip(ys, labels)), x0, 7.0)
    alt = f"Bar chart of the {n} largest GPU clusters hosted in {name} by owner, in H100-equivalents: " + "; ".join(
        f"{r['owner']} ({r['owner_country']}) {r['h100e'] or 0:,.0f}" for r in rows) + "."
    return _finish(cv, base, alt, [], ctx["compute"]["source"] or "")
