"""Charts for the country brief: each function returns ``(svg, alt)``.

``svg`` is an inline ``<svg>`` element (no XML prolog, a ``<title>`` holding the alt
text, so a screen reader and WeasyPrint's PDF tags both carry it); ``alt`` is the same
text in words. Charts are drawn with matplotlib's SVG backend without pyplot (no GUI,
no global figure state), with text kept as text in the brief's font (DejaVu Sans), and
are byte-for-byte reproducible: fixed ``svg.hashsalt``, no date or creator in the
metadata. Text from a workbook reaches matplotlib through :func:`_label` (mathtext
``$`` escaped, long names shortened); matplotlib escapes it as XML.
"""

from __future__ import annotations

import io
import math
import re

import numpy as np

__all__ = ["dimension_chart", "indicator_chart", "rank_chart", "language_chart", "compute_chart"]

WIDTH = 6.69        # inches: the A4 text width of the brief (170 mm)
INK = "#1b1b1b"
MUTED = "#8a8a8a"
LIGHT = "#d6d6d6"
ACCENT = "#0b5cad"      # the country
REGION = "#d9480f"      # region median
INCOME = "#2b8a3e"      # income-group median
PEERS = "#7048e8"       # chosen peers' median

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "readiness-brief",
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",
    "font.size": 7.5,
    "axes.titlesize": 8.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 7.5,
    "axes.edgecolor": MUTED,
    "axes.linewidth": 0.6,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.fontsize": 6.5,
    "legend.frameon": False,
    "path.simplify": False,
}


def _label(text, limit: int = 48) -> str:
    """Workbook text made safe for a chart label: no mathtext, at most ``limit`` characters."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


def _figure(height):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH, height), dpi=72)
    fig.patch.set_visible(False)
    return fig


def _svg(fig, alt: str, prefix: str) -> str:
    """The figure as an inline ``<svg>`` with ``<title>`` = alt text, reproducible.

    Every ``id`` (and reference to it) starts with ``prefix``, so several charts in one HTML
    page never share an id.
    """
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from xml.sax.saxutils import escape

    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        FigureCanvasSVG(fig)
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
                    bbox_inches=None)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r'(href="#|url\(#)([^")]+)', rf"\1{prefix}-\2", text)
    head_end = text.index(">") + 1
    head = text[:head_end].replace("<svg ", '<svg role="img" focusable="false" aria-label="'
                                   + escape(alt, {'"': "&quot;"}) + '" ', 1)
    return head + "\n <title>" + escape(alt) + "</title>" + text[head_end:]


def _style(ax, *, grid_axis="x"):
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", left=False)      # no tick marks drawn (fewer SVG nodes to lay out)
    ax.patch.set_visible(False)
    ax.grid(axis=grid_axis, color=LIGHT, linewidth=0.5)
    ax.set_axisbelow(True)


def _source(fig, text):
    fig.text(0.005, 0.01, _label(text, 160), fontsize=6, color=MUTED, ha="left", va="bottom")


def _draw(build, height, alt, prefix):
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig = _figure(height)
        build(fig)
        return _svg(fig, alt, prefix), alt


def _compact(x, _pos=None):
    """Axis numbers as 950, 12k, 3.5M."""
    if abs(x) >= 1e6:
        return f"{x / 1e6:g}M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:g}k"
    return f"{x:g}"


def _fmt(x):
    return "no score" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1f}"


def dimension_chart(ctx: dict):
    """The country's dimension scores against the region, income-group and peers' medians."""
    dims = ctx["dimensions"]
    name = ctx["country"]["name"]
    height = 0.75 + 0.32 * len(dims)

    def build(fig):
        ax = fig.add_axes((0.30, 0.27 if len(dims) < 4 else 0.2, 0.67, 0.62 if len(dims) < 4 else 0.68))
        ys = np.arange(len(dims))[::-1]
        for y, d in zip(ys, dims):
            ax.plot([0, 100], [y, y], color=LIGHT, linewidth=0.5, zorder=1)
        series = [("region_median", REGION, "D", f"Region median ({_label(ctx['country']['region'] or '–', 30)})"),
                  ("income_group_median", INCOME, "s",
                   f"Income-group median ({_label(ctx['country']['income_group'] or '–', 30)})")]
        if ctx["peers"]["codes"]:
            series.append(("peers_median", PEERS, "^", "Chosen peers' median"))
        for key, colour, marker, lab in series:
            vals = [d[key] if d[key] is not None else np.nan for d in dims]
            ax.scatter(vals, ys, s=22, marker=marker, facecolor="white", edgecolor=colour, linewidth=1.1,
                       zorder=3, label=lab)
        vals = [d["score"] if d["score"] is not None else np.nan for d in dims]
        ax.scatter(vals, ys, s=42, color=ACCENT, zorder=4, label=_label(name, 40))
        ax.set_yticks(ys, [_label(d["name"], 34) for d in dims])
        ax.set_xlim(-2, 102)
        ax.set_ylim(-0.6, len(dims) - 0.4)
        ax.set_xlabel("Score (0-100)")
        _style(ax)
        ax.legend(loc="lower left", bbox_to_anchor=(-0.42, 1.0), ncol=4, handletextpad=0.2, columnspacing=0.9,
                  borderaxespad=0.2)
        _source(fig, f"Source: {ctx['dataset']['label']} {ctx['dataset']['version']}".strip())

    parts = [f"{d['name']} {_fmt(d['score'])} (region median {_fmt(d['region_median'])}, income-group median "
             f"{_fmt(d['income_group_median'])})" for d in dims]
    alt = f"Dot chart of {name}'s dimension scores on a 0-100 scale: " + "; ".join(parts) + "."
    return _draw(build, height, alt, "dims")


def indicator_chart(ctx: dict):
    """Each indicator's normalised score: all countries (grey), the country, region and income medians."""
    rows = ctx["indicator_rows"]
    name = ctx["country"]["name"]
    n = len(rows)
    step = 0.19 if n <= 30 else max(0.08, 4.6 / n)
    height = 0.75 + step * n
    label_size = 6.5 if n <= 30 else (5.5 if n <= 50 else 4.8)

    def build(fig):
        bottom = 0.5 / height
        top = 1 - 0.3 / height
        ax = fig.add_axes((0.38, bottom, 0.59, top - bottom))
        ys = np.arange(n)[::-1]
        # the distribution of all scored countries as a box: 5-95% whisker, interquartile box, median tick
        q = np.full((n, 5), np.nan)
        for i, r in enumerate(rows):
            dist = np.asarray(r["distribution"], dtype=float)
            if dist.size:
                q[i] = np.percentile(dist, [5, 25, 50, 75, 95])
        ax.hlines(ys, q[:, 0], q[:, 4], color=LIGHT, linewidth=1.0, zorder=2, label="All countries: 5-95%")
        ax.hlines(ys, q[:, 1], q[:, 3], color="#b8b8b8", linewidth=4.2, zorder=2, label="middle half")
        ax.scatter(q[:, 2], ys, s=14, marker="|", color="#5c5c5c", linewidth=1.0, zorder=3, label="median")
        reg = [r["region_median"] if r["region_median"] is not None else np.nan for r in rows]
        inc = [r["income_group_median"] if r["income_group_median"] is not None else np.nan for r in rows]
        ax.scatter(reg, ys, s=20, marker="|", color=REGION, linewidth=1.4, zorder=3, label="region")
        ax.scatter(inc, ys, s=20, marker="|", color=INCOME, linewidth=1.4, zorder=3, label="income group")
        obs = [r["score"] if r["score"] is not None and r["flag"] == "observed" else np.nan for r in rows]
        imp = [r["score"] if r["score"] is not None and r["flag"] == "imputed" else np.nan for r in rows]
        ax.scatter(obs, ys, s=22, color=ACCENT, zorder=4, label=_label(name, 40))
        if any(not math.isnan(v) for v in imp):
            ax.scatter(imp, ys, s=22, facecolor="white", edgecolor=ACCENT, linewidth=1, zorder=4, label="Imputed")
        ax.set_yticks(ys, [_label(r["name"], 46) for r in rows], fontsize=label_size)
        for y, r in zip(ys, rows):
            if r["flag"] == "missing":
                ax.text(1, y, "no data", fontsize=label_size, color=REGION, va="center", ha="left", zorder=5)
        # dimension separators
        prev = None
        for y, r in zip(ys, rows):
            if prev is not None and r["dimension"] != prev:
                ax.axhline(y + 0.5, color=MUTED, linewidth=0.4, zorder=1)
            prev = r["dimension"]
        ax.set_xlim(-3, 103)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel("Normalised score (0-100, higher = better)")
        _style(ax)
        ax.legend(loc="lower left", bbox_to_anchor=(-0.62, 1.0), ncol=7, handletextpad=0.15, columnspacing=0.7,
                  borderaxespad=0.1, markerscale=1.0, handlelength=1.3)
        _source(fig, f"Source: {ctx['dataset']['label']} {ctx['dataset']['version']}; annex for values, years "
                     "and sources".strip())

    strong = [r["name"] for r in rows if r["flag"] != "missing"]
    alt = (f"Strip chart of {len(rows)} indicators' normalised scores for all scored countries, with "
           f"{name}'s score and the region and income-group medians marked; {len(strong)} indicators have a "
           f"score for {name}. The values are listed in the data annex.")
    return _draw(build, height, alt, "inds")


def rank_chart(ctx: dict):
    """The country's 5-95% rank interval as a whisker among its neighbours in the ranking."""
    unc = ctx["uncertainty"]
    rows = unc["neighbours"]
    name = ctx["country"]["name"]
    n = len(rows)
    height = 0.75 + 0.145 * n

    def build(fig):
        ax = fig.add_axes((0.30, 0.5 / height, 0.67, 1 - 0.62 / height))
        ys = np.arange(n)[::-1]
        for y, r in zip(ys, rows):
            colour = ACCENT if r["country"] == ctx["country"]["iso3"] else MUTED
            ax.plot([r["q05"], r["q95"]], [y, y], color=colour, linewidth=2.2 if colour == ACCENT else 1.2,
                    solid_capstyle="butt", zorder=2)
            ax.scatter([r["rank"]], [y], s=16, color=colour, zorder=3)
        ax.set_yticks(ys, [f"{r['rank']}. {_label(r['name'], 30)}" for r in rows])
        lo = min(r["q05"] for r in rows)
        hi = max(r["q95"] for r in rows)
        pad = max(1.0, 0.05 * (hi - lo))
        ax.set_xlim(hi + pad, max(0.5, lo - pad))  # rank 1 on the right: better to the right
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel(f"Rank of {ctx['headline']['n']} (dot: nominal; bar: 5-95% interval; better to the right)")
        _style(ax)
        _source(fig, f"Uncertainty analysis: {unc['replicates']:,} seeded replicates varying "
                     f"{', '.join(unc['inputs'])}")

    me = ctx["headline"]
    alt = (f"Whisker chart of the 5-95% rank intervals of {name} and the {n - 1} countries ranked nearest to it: "
           f"{name} ranks {me['rank']} of {me['n']}, interval {unc['q05']} to {unc['q95']}.")
    return _draw(build, height, alt, "rank")


def language_chart(ctx: dict):
    """Main languages by population share, with the open-model families covering each."""
    langs = [r for r in ctx["languages"]["rows"] if r["share"] >= 1.0][:8] or ctx["languages"]["rows"][:8]
    name = ctx["country"]["name"]
    n = len(langs)
    height = 0.95 + 0.17 * n

    def build(fig):
        ax = fig.add_axes((0.24, 0.55 / height, 0.22, 1 - 0.8 / height))
        ys = np.arange(n)[::-1]
        shares = [r["share"] for r in langs]
        colours = [ACCENT if r["families"] else REGION for r in langs]
        ax.barh(ys, shares, color=colours, height=0.62, zorder=2)
        ax.set_yticks(ys, [_label(r["language"], 26) for r in langs])
        for y, r in zip(ys, langs):
            fams = _label(r["families"] or "no open-weight LLM covers it", 74)
            ax.text(1.04, y, fams, transform=ax.get_yaxis_transform(), fontsize=6, va="center",
                    color=INK if r["families"] else REGION, clip_on=False)
        ax.set_xlim(0, max(100.0, max(shares or [0]) * 1.05))
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel("Share of population (%)")
        _style(ax)
        fig.text(0.47, 1 - 0.06 / height, "Open-weight LLM families covering the language", fontsize=6.5,
                 color=MUTED, va="top")
        _source(fig, ctx["languages"]["source"] or "")

    parts = [f"{r['language']} {r['share']:.0f}% ({r['families'] or 'no open model'})" for r in langs]
    alt = f"Bar chart of {name}'s main languages by share of population, with the open-model families covering each: " \
          + "; ".join(parts) + "."
    return _draw(build, height, alt, "lang")


def compute_chart(ctx: dict):
    """GPU clusters hosted in the country: H100-equivalents by owner."""
    rows = ctx["compute"]["rows"][:6]
    name = ctx["country"]["name"]
    n = len(rows)
    height = 0.75 + 0.17 * n

    def build(fig):
        ax = fig.add_axes((0.42, 0.5 / height, 0.54, 1 - 0.62 / height))
        ys = np.arange(n)[::-1]
        vals = [r["h100e"] or 0.0 for r in rows]
        ax.barh(ys, vals, color=ACCENT, height=0.62, zorder=2)
        ax.set_yticks(ys, [_label(f"{r['name'] or 'cluster'}: {r['owner']} ({r['owner_country'] or '?'})", 58)
                           for r in rows], fontsize=6.5)
        ax.set_ylim(-0.6, n - 0.4)
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(_compact))
        ax.set_xlabel("H100-equivalents")
        _style(ax)
        _source(fig, ctx["compute"]["source"] or "")

    alt = f"Bar chart of the {n} largest GPU clusters hosted in {name} by owner, in H100-equivalents: " + "; ".join(
        f"{r['owner']} ({r['owner_country']}) {r['h100e'] or 0:,.0f}" for r in rows) + "."
    return _draw(build, height, alt, "comp")
