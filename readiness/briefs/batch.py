"""``brief --all``: every country's brief into one folder, in parallel, with an index page.

The build, the uncertainty analysis, the tables every brief shares
(:mod:`readiness.briefs.shared`), the audit's headline, WeasyPrint with the stylesheet
and fonts all load once, in this process; the workers (forked from it by
:func:`readiness.analysis.pool.executor`, each taking the next country as it finishes one)
inherit them and only build each country's context and lay out its pages. A country
whose brief fails is reported with the reason; the others are written.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["brief_all", "index_html"]

_SHARED: dict = {}      # what forked workers inherit: the result, the analysis, the options


def _one(iso3):
    """Write one country's brief (in a worker); return (iso3, file name or None, reason or None)."""
    from . import brief, write_atomic

    opts = _SHARED["options"]
    name = f"{iso3}.{opts['fmt']}"
    try:
        data = brief(_SHARED["result"], iso3, fmt=opts["fmt"], peers=opts["peers"], ua=_SHARED["ua"],
                     uncertainty=_SHARED["ua"] is not None)
        write_atomic(Path(opts["folder"]) / name, data)
    except Exception as exc:  # noqa: BLE001 - a batch reports each failure with its reason and carries on
        return iso3, None, f"{type(exc).__name__}: {exc}"
    return iso3, name, None


def index_html(result, written: dict, failed: dict) -> str:
    """The folder's ``index.html``: every country with its score, rank and brief (or why none)."""
    from jinja2 import Environment, FileSystemLoader

    from ..serialise import display
    from .context import clip
    from .text import fingerprints
    from .render import assets

    ds = result.dataset
    idx = result.index_code
    rows = []
    for iso3 in ds.countries.index:
        scored = iso3 in result.scores.index
        score = result.scores.at[iso3, idx] if scored else None
        rank = result.ranks.at[iso3, idx] if scored else None
        rows.append({"iso3": iso3, "name": clip(ds.countries.at[iso3, "name"], 80),
                     "score": display(score, "composite"), "rank": display(rank, "rank"),
                     "sort": (0, rank) if scored and rank == rank else (1, iso3),
                     "file": written.get(iso3), "failed": clip(failed.get(iso3), 200)})
    rows.sort(key=lambda r: r["sort"])
    env = Environment(loader=FileSystemLoader(str(assets() / "templates")), autoescape=True)
    return env.get_template("index.html").render(
        rows=rows, dataset=clip(ds.label, 80), version=clip(ds.version or "", 30),
        fingerprint=fingerprints(result)[0], n_scored=int(result.scores[idx].notna().sum()))


def brief_all(result, folder, *, fmt: str = "pdf", peers=None, workers: int = 1, ua=None, uncertainty=True,
              progress=None) -> dict:
    """Write every country's brief into ``folder`` (created if missing) and ``index.html``.

    Parameters
    ----------
    result : Result
    folder : str or Path
    fmt : {"pdf", "html"}
    peers : list of str, optional
    workers : int, default=1
        Worker processes (see :func:`readiness.analysis.pool.executor`).
    ua : UncertaintyResult, optional
        Default: the default seeded analysis, computed once here.
    progress : callable, optional
        ``progress(done, total)`` after each brief.

    Returns
    -------
    dict
        ``written`` ({iso3: file name}), ``failed`` ({iso3: reason}), ``index`` (path).
    """
    from concurrent.futures import as_completed

    from ..analysis.pool import executor
    from ..errors import SpecError
    from . import FORMATS, brief_uncertainty, write_atomic

    if fmt not in FORMATS:
        raise SpecError(f"unknown brief format {fmt!r}; choose one of {', '.join(FORMATS)}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise SpecError(f"--all writes into a folder; {folder} is a file")
    if not folder.parent.is_dir():
        raise SpecError(f"the folder {folder.parent} does not exist")
    folder.mkdir(exist_ok=True)
    if ua is None and uncertainty:
        ua = brief_uncertainty(result)
    from .sections import audit_summary
    from .shared import shared

    shared(result)               # the per-result tables, the fingerprints and the audit's headline:
    audit_summary(result)        # computed once here; the forked workers inherit them
    if fmt == "pdf":     # WeasyPrint, the fonts and the stylesheet: loaded once here, inherited by the workers
        from .render import preload

        preload()

    _SHARED.update(result=result, ua=ua, options={"fmt": fmt, "peers": list(peers or ()), "folder": str(folder)})
    countries = list(result.dataset.countries.index)
    written, failed = {}, {}
    import gc

    gc.collect()
    gc.freeze()      # what the workers inherit is never scanned by their collector (nor copied on write by it)
    try:
        with executor(workers) as ex:
            futures = [ex.submit(_one, c) for c in countries]
            for done, fut in enumerate(as_completed(futures), 1):
                iso3, name, reason = fut.result()
                if name:
                    written[iso3] = name
                else:
                    failed[iso3] = reason
                if progress is not None:
                    progress(done, len(countries))
    finally:
        gc.unfreeze()
        _SHARED.clear()
    index = write_atomic(folder / "index.html", index_html(result, written, failed).encode("utf-8"))
    return {"written": dict(sorted(written.items())), "failed": dict(sorted(failed.items())), "index": index}
