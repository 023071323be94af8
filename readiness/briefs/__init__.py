"""Country briefs: a two-to-four-page A4 PDF (or one HTML file) per country.

>>> import readiness                                              # doctest: +SKIP
>>> result = readiness.build(readiness.load_dataset())            # doctest: +SKIP
>>> pdf = readiness.brief(result, "KE")                           # doctest: +SKIP
>>> readiness.briefs.write_brief(result, "KE", "KEN.pdf")         # doctest: +SKIP

:func:`brief` turns a :class:`Result` and a country into bytes; the pieces are
:mod:`.context` (Result -> plain dict), :mod:`.charts` (SVG strings) and :mod:`.render`
(Jinja2 + WeasyPrint). WeasyPrint is imported only when a PDF brief is made.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import SpecError

__all__ = ["brief", "write_brief", "brief_all", "brief_uncertainty", "charts_for", "write_atomic", "FORMATS"]

FORMATS = ("pdf", "html")


def brief_uncertainty(result, *, progress=None):
    """The default seeded uncertainty analysis of ``result`` (as ``readiness score`` quotes it; cached)."""
    from ..analysis.uncertainty import default_uncertainty

    return default_uncertainty(result, progress=progress)


def charts_for(ctx: dict) -> dict:
    """The SVG charts of a brief, grouped by where the template places them.

    Each chart is a dict: ``svg``, ``alt``, ``caption`` (the title), ``labels`` (the chart's
    words, placed over the SVG: ``{"text", "style"}``), ``width`` and ``height`` (pt),
    ``legend`` (a list of ``{"key", "symbol", "label"}``) and ``source`` (one line).
    """
    from . import charts as ch

    out = {"page1": [], "page2": [], "origins": []}
    if not ctx["scored"]:
        return out

    def add(group, chart, caption):
        legend = [{"key": key, "symbol": ch.LEGEND_KEYS[key][0], "label": label} for key, label in chart["legend"]]
        out[group].append({**chart, "caption": caption, "legend": legend})

    add("page1", ch.dimension_chart(ctx), "Dimension scores against the region's, income group's"
        + (" and chosen peers'" if ctx["peers"]["codes"] else "") + " medians")
    if ctx["uncertainty"]:
        add("page1", ch.rank_chart(ctx), "Rank and 5-95% rank interval among the neighbouring countries")
    add("page2", ch.indicator_chart(ctx), "Each indicator's normalised score against all scored countries")
    if ctx["languages"]["available"] and ctx["languages"]["rows"]:
        add("origins", ch.language_chart(ctx), "Main languages by population share and the open-model families "
            "covering each")
    if ctx["compute"]["available"] and ctx["compute"]["rows"]:
        add("origins", ch.compute_chart(ctx), "The largest GPU clusters hosted in the country (existing or "
            "planned), with their owners")
    return out


def brief(result, country, *, fmt: str = "pdf", peers=None, ua=None, uncertainty: bool = True,
          fetcher=None, render_pdf=None) -> bytes:
    """One country's brief as PDF or HTML bytes.

    Parameters
    ----------
    result : Result
    country : str
        ISO2, ISO3 or name.
    fmt : {"pdf", "html"}, default="pdf"
    peers : list of str, optional
        Countries whose median is shown next to the region's and income group's.
    ua : UncertaintyResult, optional
        The analysis the rank interval comes from; default: :func:`brief_uncertainty`.
    uncertainty : bool, default=True
        False: no rank interval (and no analysis run).
    fetcher : AssetFetcher, optional
        The WeasyPrint URL fetcher (tests pass one to count its calls).
    render_pdf : callable, optional
        Lays out the document instead of :func:`readiness.briefs.render.pdf` (same
        signature; ``RenderAhead().pdf`` does it in a process that loaded WeasyPrint early).

    Returns
    -------
    bytes

    Raises
    ------
    UnknownCountryError
        A country or peer not in the dataset.
    SpecError
        An unknown format.
    """
    from . import render
    from .context import context

    if fmt not in FORMATS:
        raise SpecError(f"unknown brief format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if ua is None and uncertainty:
        from ..api import resolve_country

        if resolve_country(result.dataset, country) in result.scores.index:
            ua = brief_uncertainty(result)
    ctx = context(result, country, peers=peers, ua=ua)
    if fmt == "html":
        return render.html(ctx, charts_for(ctx)).encode("utf-8")
    images = {}
    document = render.html(ctx, charts_for(ctx), images=images)
    return (render_pdf or render.pdf)(document, images=images, fetcher=fetcher,
                                      date=render.document_date(result.dataset.version))


def write_atomic(path, data: bytes, *, inputs=()) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it (mode 0666 minus the umask), never
    over one of ``inputs``; on any failure the temporary file is removed."""
    path = Path(path)
    for src in inputs:
        if src is not None and Path(src).exists() and path.exists() and os.path.samefile(src, path):
            raise SpecError(f"the output {path} is one of the inputs of this run; choose a new file name")
    if not path.parent.is_dir():
        raise SpecError(f"cannot write {path}: the folder {path.parent} does not exist")
    from ..io.writer import replace_atomically

    return replace_atomically(path, lambda tmp: tmp.write_bytes(data), suffix=path.suffix + ".tmp")


def write_brief(result, country, path, *, fmt: str | None = None, inputs=(), **kwargs) -> Path:
    """Write one brief to ``path`` atomically (format from ``fmt`` or the suffix); return the path."""
    path = Path(path)
    fmt = fmt or ("html" if path.suffix.lower() in (".html", ".htm") else "pdf")
    return write_atomic(path, brief(result, country, fmt=fmt, **kwargs), inputs=inputs)


def brief_all(result, folder, **kwargs):
    """Every country's brief into ``folder``, plus ``index.html``; see :func:`readiness.briefs.batch.brief_all`."""
    from .batch import brief_all as run

    return run(result, folder, **kwargs)
