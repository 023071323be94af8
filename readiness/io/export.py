"""``readiness export``: one results workbook to share.

Sheets, in order:

``About``
    Dataset, version, data fingerprint, readiness version, every setting, and the
    command that reproduces the workbook.
``Index``
    The league table: rank, country, name, composite score, the 5-95% rank interval
    (the default seeded uncertainty analysis, C4), the dimensions' scores and ranks.
``Indicators``
    One row per country and indicator: raw value, imputed value, normalised score and
    rank, with year and source; imputed and user-updated cells are marked by a fill
    (legend to the right of the table).
``Explain``
    Each indicator's contribution to each scored country's composite (C10).
``Not scored``
    The countries without a composite, with their coverage and the reason.
``Provenance``, ``Sources``
    The dataset's own tables.

Every number is stored exactly (floats read back bit for bit), every string is
neutralised against formula injection (:mod:`readiness.io.writer`), and the file is
written atomically with the permissions the umask gives, never over an input.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .template import style_header, write_frame
from .writer import save_atomically

__all__ = ["write_export", "export_frames", "SHEETS", "unit_format"]

SHEETS = ("About", "Index", "Indicators", "Explain", "Not scored", "Provenance", "Sources")

#: Fills marking Indicators cells, with the legend's words.
MARKS = {"imputed": ("FFF2CC", "imputed: no value in the data, estimated by the imputation setting"),
         "updated": ("E2EFDA", "updated: value supplied by the user's --update file (see Provenance)")}

SCORE_FORMAT, RANK_FORMAT = "0.00", "0"


def unit_format(unit: str) -> str:
    """The number format for raw values of an indicator with this unit.

    Percentages and per-100 figures with one decimal, money and per-capita/per-million
    figures with two and a thousands separator, counts and levels as whole numbers
    grouped by thousands, anything else Excel's General format.

    >>> unit_format("% of population"), unit_format("US$ per person"), unit_format("models")
    ('0.0', '#,##0.00', '#,##0')
    """
    u = str(unit or "").lower()
    if "%" in u or "percent" in u or "per 100 " in u:
        return "0.0"
    if re.search(r"\bper\b|us\$|\$|pm\b", u):
        return "#,##0.00"
    if re.search(r"\b(models|providers|level|points|count|number)\b", u):
        return "#,##0"
    return "General"


def _about(result, command, ua) -> pd.DataFrame:
    from .. import __version__

    ds, spec = result.dataset, result.spec
    rows = [("dataset", ds.label), ("dataset version", ds.version or ""), ("data fingerprint", result.fingerprint()),
            ("readiness version", __version__), ("command", command or ""),
            ("countries scored", int(result.scores[result.index_code].notna().sum())),
            ("countries not scored", len(result.not_scored)),
            ("rank interval", "not computed" if ua is None else
             f"5th-95th percentile rank over {ua.n_replicates - ua.n_skipped} replicates of the default seeded "
             f"uncertainty analysis (seed {ua.seed})")]
    from .update import updated_cells

    cells = updated_cells(ds)
    if len(cells):
        rows.append(("updated cells", "; ".join(f"{c} {i} ({u})" for c, i, u in cells.itertuples(index=False))))
    for name, value in spec.to_dict().items():
        rows.append((f"setting: {name}", value if isinstance(value, (int, float, str)) and not isinstance(value, bool)
                     else _text(value)))
    return pd.DataFrame(rows, columns=["key", "value"])


def _text(value) -> str:
    from ..serialise import dumps

    return value if isinstance(value, str) else dumps(value, indent=None)


def _index(result, ua) -> pd.DataFrame:
    from ..api import league_table

    table = league_table(result)
    ds = result.dataset
    dims = [c for c in ds.children(result.index_code) if c in ds.structure.index]
    out = table[["rank", "country", "name", "score"]].copy()
    if ua is not None:
        q = ua.countries.reindex(table["country"])
        out["rank_5"] = np.floor(q["q05"].to_numpy(dtype=float))
        out["rank_95"] = np.ceil(q["q95"].to_numpy(dtype=float))
    for d in dims:
        out[d] = table[d].to_numpy()
    for d in dims:
        out[f"{d}_rank"] = result.ranks.loc[table["country"], d].to_numpy(dtype=float)
    out["imputed_dimensions"] = table["imputed_dimensions"]
    return out


def _updated_mask(ds) -> pd.DataFrame:
    from .update import updated_cells

    cells = updated_cells(ds)
    mask = pd.DataFrame(False, index=ds.values.index, columns=ds.values.columns)
    if len(cells):
        rows = mask.index.get_indexer(cells["country"])
        cols = mask.columns.get_indexer(cells["indicator"])
        ok = (rows >= 0) & (cols >= 0)
        arr = mask.to_numpy(copy=True)
        arr[rows[ok], cols[ok]] = True
        mask = pd.DataFrame(arr, index=mask.index, columns=mask.columns)
    return mask


def _indicators(result) -> pd.DataFrame:
    """Country x indicator in long form, built from whole arrays (no loop per cell)."""
    ds = result.dataset
    raw = ds.values
    codes, countries = list(raw.columns), list(raw.index)
    n, m = len(countries), len(codes)
    norm = result.stages["normalised"].reindex(index=countries, columns=codes)
    ranks = result.ranks.reindex(index=countries, columns=codes)
    imputed = result.imputed.reindex(index=countries, columns=codes).fillna(False).astype(bool)
    imputed_values = result.stages["imputed"].reindex(index=countries, columns=codes)
    updated = _updated_mask(ds).reindex(index=countries, columns=codes).fillna(False)
    ind = ds.indicators
    frame = pd.DataFrame({
        "country": np.repeat(countries, m),
        "name": np.repeat(ds.countries.loc[countries, "name"].to_numpy(dtype=object), m),
        "indicator": np.tile(codes, n),
        "indicator_name": np.tile(ind.loc[codes, "name"].to_numpy(dtype=object), n),
        "dimension": np.tile([ds.ancestor_at(c, ds.levels[result.index_code] - 1) for c in codes], n),
        "unit": np.tile(ind.loc[codes, "unit"].to_numpy(dtype=object), n),
        "raw": raw.to_numpy(dtype=float).ravel(),
        "imputed_value": np.where(imputed.to_numpy(), imputed_values.to_numpy(dtype=float), np.nan).ravel(),
        "normalised": norm.to_numpy(dtype=float).ravel(),
        "rank": ranks.to_numpy(dtype=float).ravel(),
    })
    status = np.where(updated.to_numpy().ravel(), "updated",
                      np.where(imputed.to_numpy().ravel(), "imputed",
                               np.where(np.isnan(frame["raw"].to_numpy()), "missing", "observed")))
    frame["status"] = status
    prov = ds.provenance
    if prov is not None and not prov.empty and {"country", "indicator"} <= set(prov.columns):
        p = prov.drop_duplicates(["country", "indicator"], keep="last").set_index(["country", "indicator"])
        keys = pd.MultiIndex.from_arrays([frame["country"], frame["indicator"]])
        for col in ("year", "source"):
            if col in p.columns:
                frame[col] = p[col].reindex(keys).to_numpy(dtype=object)
        if "year" in frame.columns:
            frame["year"] = pd.to_numeric(frame["year"], errors="coerce")
    return frame


def _explain(result) -> pd.DataFrame:
    from ..analysis.explain import contributions

    con = contributions(result)
    order = result.index_scores.index
    con = con.reindex(order)
    out = pd.DataFrame({"country": order, "name": result.dataset.countries.loc[order, "name"].to_numpy(),
                        "score": result.scores.loc[order, result.index_code].to_numpy()})
    return pd.concat([out, con.reset_index(drop=True)], axis=1)


def _not_scored(result) -> pd.DataFrame:
    ns = result.not_scored
    out = pd.DataFrame({"country": ns.index, "name": result.dataset.countries.loc[ns.index, "name"].to_numpy()})
    for col in ns.columns:
        out[col] = ns[col].to_numpy()
    return out


def export_frames(result, *, uncertainty: bool = True, command: str | None = None) -> dict:
    """``{sheet name: DataFrame}`` of the export workbook (see the module docstring).

    Parameters
    ----------
    result : Result
    uncertainty : bool, default=True
        Compute the 5-95% rank interval (the default seeded analysis, cached).
    command : str, optional
        The command line that reproduces the workbook (shown in About).
    """
    ua = None
    if uncertainty:
        from ..analysis.uncertainty import default_uncertainty

        ua = default_uncertainty(result)
    ds = result.dataset
    sources = ds.sources if ds.sources is not None and not ds.sources.empty else pd.DataFrame(
        columns=["source", "name", "publisher", "url", "licence", "year", "citation"])
    provenance = ds.provenance if ds.provenance is not None and not ds.provenance.empty else pd.DataFrame(
        columns=["country", "indicator", "year", "source", "note"])
    return {"About": _about(result, command, ua), "Index": _index(result, ua), "Indicators": _indicators(result),
            "Explain": _explain(result), "Not scored": _not_scored(result),
            "Provenance": provenance.reset_index(drop=True), "Sources": sources.reset_index(drop=True)}


def _score_columns(frame, result) -> list:
    nodes = set(result.scores.columns)
    return [c for c in frame.columns if c == "score" or c in nodes or c in ("normalised",)]


def _style_index(ws, frame, result):
    from openpyxl.formatting.rule import ColorScaleRule
    from openpyxl.utils import get_column_letter

    last = len(frame) + 1
    for j, col in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        if col in _score_columns(frame, result):
            for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=j, max_col=j):
                cell.number_format = SCORE_FORMAT
            ws.conditional_formatting.add(f"{letter}2:{letter}{last}", ColorScaleRule(
                start_type="min", start_color="F8696B", mid_type="percentile", mid_value=50, mid_color="FFEB84",
                end_type="max", end_color="63BE7B"))
        elif col == "rank" or col.endswith("_rank") or col.startswith("rank_"):
            for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=j, max_col=j):
                cell.number_format = RANK_FORMAT


def _style_indicators(ws, frame):
    """Number formats by unit, fills on imputed and updated rows, and the legend."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    cols = {c: j for j, c in enumerate(frame.columns, start=1)}
    fills = {k: PatternFill("solid", fgColor=v[0]) for k, v in MARKS.items()}
    formats = frame["unit"].map(unit_format).to_numpy(dtype=object)
    status = frame["status"].to_numpy(dtype=object)
    raw_j, imp_j, norm_j, rank_j = cols["raw"], cols["imputed_value"], cols["normalised"], cols["rank"]
    for i, row in enumerate(ws.iter_rows(min_row=2, max_row=len(frame) + 1), start=0):
        row[raw_j - 1].number_format = row[imp_j - 1].number_format = formats[i]
        row[norm_j - 1].number_format = SCORE_FORMAT
        row[rank_j - 1].number_format = RANK_FORMAT
        fill = fills.get(status[i])
        if fill is not None:
            target = row[imp_j - 1] if status[i] == "imputed" else row[raw_j - 1]
            target.fill = fill
            row[cols["status"] - 1].fill = fill
    legend = len(frame.columns) + 2
    ws.cell(row=1, column=legend, value="Legend").font = Font(bold=True)
    for k, (key, (_, words)) in enumerate(MARKS.items(), start=2):
        swatch = ws.cell(row=k, column=legend, value=key)
        swatch.fill = fills[key]
        ws.cell(row=k, column=legend + 1, value=words)
    ws.column_dimensions[get_column_letter(legend)].width = 10
    ws.column_dimensions[get_column_letter(legend + 1)].width = 70


def _style_numbers(ws, frame, result, skip=()):
    """Scores with two decimals in every sheet where a column holds scores or contributions."""
    nodes = set(result.scores.columns) | {"score", "coverage"}
    for j, col in enumerate(frame.columns, start=1):
        if col in skip or col not in nodes:
            continue
        fmt = "0%" if col == "coverage" else SCORE_FORMAT
        for (cell,) in ws.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=j, max_col=j):
            cell.number_format = fmt


def write_export(result, path, *, inputs=(), command: str | None = None, uncertainty: bool = True) -> Path:
    """Write the results workbook of ``result`` to ``path`` (see the module docstring).

    Parameters
    ----------
    result : Result
    path : str or Path
        An ``.xlsx`` file, written atomically; never one of ``inputs``.
    inputs : iterable of paths
        The run's input files (``--data``, ``--settings``, ``--update`` ...).
    command : str, optional
        The command line that reproduces the workbook (``readiness export ...``).
    uncertainty : bool, default=True
        Include the 5-95% rank interval.

    Returns
    -------
    Path
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    frames = export_frames(result, uncertainty=uncertainty, command=command)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, frame in frames.items():
        ws = wb.create_sheet(name)
        write_frame(ws, frame)
        freeze = {"Index": "D2", "Indicators": "D2", "Explain": "C2", "Not scored": "C2"}.get(name, "A2")
        style_header(ws, frame, freeze=freeze, widths={"value": 60, "note": 60, "reason": 70, "citation": 60,
                                                       "indicator_name": 30, "name": 24, "key": 28})
        if len(frame) and len(frame.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
        if name == "About":
            from openpyxl.styles import Alignment

            left = Alignment(horizontal="left")
            for (cell,) in ws.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=2, max_col=2):
                cell.alignment = left
        elif name == "Index":
            _style_index(ws, frame, result)
        elif name == "Indicators":
            _style_indicators(ws, frame)
        elif name in ("Explain", "Not scored"):
            _style_numbers(ws, frame, result)
    wb.active = 1
    return save_atomically(wb, path, inputs=inputs, version=result.dataset.version)
