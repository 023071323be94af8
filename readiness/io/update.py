"""National updates: a partial Data sheet whose values replace the dataset's (``--update``).

A ministry analyst has newer figures for their own country than the default data. They
run ``readiness template --country KE -o kenya.xlsx``, change a few values in its
``Data`` sheet (and the matching rows of its ``Provenance`` sheet: year and source), and
pass the file back: ``readiness score --country KE --update kenya.xlsx``.

The rule (documented in ``docs/excel.md``):

- Only the ``Data`` and ``Provenance`` sheets of the file are read; any other sheet (a
  template carries the framework) is ignored. ``Data`` holds any units of the dataset
  in use (rows, named as in ``docs/format.md``) x any of its indicators (columns).
- An empty cell changes nothing. A cell whose value equals the dataset's and whose
  Provenance row (year, source) equals the dataset's changes nothing either, so an
  untouched template is a no-op.
- Every other filled cell *replaces* the dataset's value: it needs a Provenance row
  (``country``, ``indicator``, ``year``, ``source``, optional ``note``). The replaced
  cell's provenance row is marked user-supplied: its ``updated`` column names the file
  and cell (``kenya.xlsx Data!D2``), its note starts with ``user-supplied``.
- A value outside the indicator's valid range (:func:`readiness.ranges.check_values`),
  text that is not a number, an unknown indicator or unit, a unit given twice, a year
  that is not a whole number or lies in the future, and a replaced value without year or
  source are errors naming the cell; every problem is reported at once.

The values change, so the fingerprint does. The dataset keeps its label and version (the
default dataset updated for one country is still the default for its context tables,
:mod:`readiness.origins`); what was replaced is in its provenance (:func:`updated_cells`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .._validation import did_you_mean
from .cells import blank, capped, col_letter, describe, numbers, text

__all__ = ["apply_update", "read_update", "updated_cells", "updated_indicators", "USER_SUPPLIED"]

#: How a replaced cell's provenance note starts.
USER_SUPPLIED = "user-supplied"

_PROVENANCE = ["country", "indicator", "year", "source", "note", "updated"]


def _units(dataset, raw) -> list:
    """Resolve unit cells against the dataset's units (as the reader does): a code, or None."""
    from ..countries import resolve_units

    units = dict(zip(dataset.countries.index, dataset.countries["name"]))
    codes, _ = resolve_units(raw, units)
    known = set(dataset.values.index)
    return [code if code in known else None for code in codes]


def _hint(text, options) -> str:
    """`` (did you mean 'x'?)`` or nothing."""
    words = did_you_mean(text, options).removeprefix("; ").strip()
    return f" ({words})" if words else ""


def _unknown_unit(dataset, sheet, cell, raw) -> Problem:
    found = str(raw).strip()
    return Problem(sheet, cell, f"{found!r}, not a unit of the dataset in use"
                   f"{_hint(found, list(dataset.values.index))}",
                   "a unit code of the dataset (an ISO3 or ISO2 code or a country name)")


def _read_data(dataset, frame, problems):
    """(values DataFrame unit x indicator, {(unit, indicator): cell}) from the update's Data sheet."""
    frame = frame.copy()
    frame.columns = [text(c) for c in frame.columns]
    if "country" not in frame.columns:
        problems.append(Problem("Data", "A1", f"the header {list(frame.columns)[:3]}",
                                "a column 'country', then one column per indicator code"))
        return None, {}
    codes = []
    for j, c in enumerate(frame.columns):
        if c in ("country", "name", ""):
            continue
        if c not in dataset.indicators.index:
            problems.append(Problem("Data", f"{col_letter(j)}1", f"the column {c!r}",
                                    "an indicator code of the dataset in use"
                                    f"{_hint(c, list(dataset.indicators.index))}"))
        else:
            codes.append(c)
    raw = frame["country"]
    filled = ~raw.map(blank).to_numpy(dtype=bool)
    values, bad = numbers(frame[codes]) if codes else (np.empty((len(frame), 0)), np.zeros((len(frame), 0), bool))
    letters = {c: col_letter(frame.columns.get_loc(c)) for c in codes}
    for pos in np.flatnonzero(~filled & (~np.isnan(values) | bad).any(axis=1)):
        problems.append(Problem("Data", f"{col_letter(frame.columns.get_loc('country'))}{pos + 2}",
                                "an empty cell", "a unit code or country name for the values of this row"))
    rows = np.flatnonzero(filled)
    units = _units(dataset, raw.to_numpy()[rows])
    found = []
    first: dict = {}
    keep, index = [], []
    for k, (pos, code) in enumerate(zip(rows, units)):
        cell = f"{col_letter(frame.columns.get_loc('country'))}{pos + 2}"
        if code is None:
            found.append(_unknown_unit(dataset, "Data", cell, raw.iat[pos]))
        elif code in first:
            found.append(Problem("Data", cell, f"{code} a second time (first in row {first[code] + 2})",
                                 "each unit once"))
        else:
            first[code] = pos
            keep.append(pos)
            index.append(code)
    problems += found
    for i, j in zip(*np.nonzero(bad[keep] if keep else bad[:0])):
        row = keep[i]
        problems.append(Problem("Data", f"{letters[codes[j]]}{row + 2}", describe(frame[codes[j]].iat[row]),
                                "a number or an empty cell"))
    out = pd.DataFrame(values[keep], index=pd.Index(index, name="country"), columns=pd.Index(codes, name="indicator"))
    cells = {(index[i], codes[j]): f"Data!{letters[codes[j]]}{keep[i] + 2}"
             for i, j in zip(*np.nonzero(~np.isnan(out.to_numpy())))}
    return out, cells


def _check_ranges(dataset, values, cells, problems) -> None:
    """Every filled cell inside its indicator's valid range (C8), the few bad ones named by check_values."""
    from ..ranges import check_values, range_rule

    for code in values.columns:
        x = values[code].to_numpy(dtype=float)
        rule = range_rule(dataset, code)
        below = x <= rule["low"] if rule["low_open"] else x < rule["low"]
        for pos in np.flatnonzero(below | (x > rule["high"])):
            unit = values.index[pos]
            try:
                check_values(dataset, {code: x[pos]}, where=f"{cells[(unit, code)]} ({unit})")
            except InputError as exc:
                problems += exc.problems


def _read_provenance(dataset, frame, problems) -> pd.DataFrame:
    """The update's Provenance rows: unit, indicator, year (float), source, note, and their cell."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["country", "indicator", "year", "source", "note", "row"])
    frame = frame.copy()
    frame.columns = [text(c) for c in frame.columns]
    missing = [c for c in ("country", "indicator", "year", "source") if c not in frame.columns]
    if missing:
        problems.append(Problem("Provenance", "A1", f"no column {missing[0]!r} in row 1",
                                "the columns country, indicator, year, source, note"))
        return pd.DataFrame(columns=["country", "indicator", "year", "source", "note", "row"])
    letter = {c: col_letter(frame.columns.get_loc(c)) for c in frame.columns}
    used = ~(frame["country"].map(blank) & frame["indicator"].map(blank)).to_numpy(dtype=bool)
    frame = frame[used]
    rows = np.flatnonzero(used) + 2
    units = _units(dataset, frame["country"].to_numpy())
    indicators = frame["indicator"].map(text).to_numpy(dtype=object)
    this_year = _dt.date.today().year
    parsed, bad = numbers(frame[["year"]])
    years = parsed[:, 0]
    bad = bad[:, 0] | (~np.isnan(years) & (years != np.floor(years)))
    future = ~bad & (years > this_year)
    for k in np.flatnonzero(bad):
        problems.append(Problem("Provenance", f"{letter['year']}{rows[k]}", describe(frame["year"].iat[k]),
                                "a year (a whole number)"))
    for k in np.flatnonzero(future):
        problems.append(Problem("Provenance", f"{letter['year']}{rows[k]}", f"the year {years[k]:.0f}, in the future",
                                f"the year the value refers to ({this_year} or earlier)"))
    years = np.where(bad | future, np.nan, years)
    for k in np.flatnonzero(pd.isna(np.array(units, dtype=object))):
        problems.append(_unknown_unit(dataset, "Provenance", f"{letter['country']}{rows[k]}", frame["country"].iat[k]))
    for k in np.flatnonzero(~pd.Index(indicators).isin(dataset.indicators.index)):
        problems.append(Problem("Provenance", f"{letter['indicator']}{rows[k]}", repr(indicators[k]),
                                "an indicator code of the dataset in use"
                                f"{_hint(indicators[k], list(dataset.indicators.index))}"))
    note = frame["note"].map(text) if "note" in frame.columns else pd.Series("", index=frame.index)
    return pd.DataFrame({"country": units, "indicator": indicators, "year": years,
                         "source": frame["source"].map(text).to_numpy(dtype=object),
                         "note": note.to_numpy(dtype=object), "row": rows})


def read_update(dataset, path):
    """The values and provenance of an update file, checked against ``dataset``.

    Returns
    -------
    values : DataFrame
        Unit x indicator, NaN where the file leaves the cell empty.
    cells : dict
        ``{(unit, indicator): "Data!D2"}`` for every filled cell.
    provenance : DataFrame
        ``country``, ``indicator``, ``year``, ``source``, ``note``, ``row`` (its row in the sheet).

    Raises
    ------
    InputError
        Every problem at once, each naming its sheet and cell.
    """
    from .workbook import read_tables

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(Problem(path.name, None, f"a file ending in {path.suffix or 'nothing'!r}",
                                 "a workbook (.xlsx) with a Data sheet, e.g. from `readiness template --country KE`"))
    tables = read_tables(path)
    if "Data" not in tables:
        raise InputError(Problem(path.name, None, "no sheet named 'Data'",
                                 "a Data sheet: country, then one column per indicator to update"))
    problems: list = []
    values, cells = _read_data(dataset, tables["Data"], problems)
    prov = _read_provenance(dataset, tables.get("Provenance"), problems)
    if values is not None and not problems:
        _check_ranges(dataset, values, cells, problems)
    if problems:
        raise InputError(capped([f"{path.name}: {p}" for p in problems]))
    return values, cells, prov


def _current(dataset) -> pd.DataFrame:
    """The dataset's provenance keyed by (country, indicator): year (float) and source (text)."""
    prov = dataset.provenance
    if prov is None or prov.empty or not {"country", "indicator"} <= set(prov.columns):
        return pd.DataFrame(columns=["year", "source"], index=pd.MultiIndex.from_tuples([], names=["country",
                                                                                                  "indicator"]))
    year = pd.to_numeric(prov["year"], errors="coerce") if "year" in prov.columns else np.nan
    source = prov["source"].map(text) if "source" in prov.columns else ""
    out = pd.DataFrame({"country": prov["country"].map(text), "indicator": prov["indicator"].map(text),
                        "year": year, "source": source})
    return out.drop_duplicates(["country", "indicator"], keep="last").set_index(["country", "indicator"])


def apply_update(dataset, path):
    """A copy of ``dataset`` with the values of the update file ``path`` in place of its own.

    Parameters
    ----------
    dataset : Dataset
        The dataset in use (the default, or ``--data``); never modified.
    path : str or Path
        A workbook with a ``Data`` sheet (and a ``Provenance`` sheet for the values it
        changes), e.g. an edited ``readiness template --country KE``.

    Returns
    -------
    Dataset
        The replaced cells' values and provenance (``updated`` names the file and cell,
        the note starts with ``user-supplied``); label and version are kept.
        A file that changes nothing returns ``dataset`` itself.

    Raises
    ------
    InputError
        See the module docstring: every problem at once, each naming its cell.
    """
    path = Path(path)
    values, cells, prov = read_update(dataset, path)
    if values.empty:
        return dataset
    new = values.to_numpy(dtype=float)
    old = dataset.values.loc[values.index, values.columns].to_numpy(dtype=float)
    filled = ~np.isnan(new)
    changed = filled & ~(new == old)  # 0.0 and -0.0 are the same value; NaN in old is a change
    given = prov.drop_duplicates(["country", "indicator"], keep="last").set_index(["country", "indicator"])
    current = _current(dataset)
    keys = pd.MultiIndex.from_product([values.index, values.columns], names=["country", "indicator"])
    mine = given.reindex(keys)
    theirs = current.reindex(keys)
    same_year = (mine["year"].to_numpy() == theirs["year"].to_numpy()) | (mine["year"].isna().to_numpy()
                                                                       & theirs["year"].isna().to_numpy())
    same_source = mine["source"].fillna("").to_numpy() == theirs["source"].fillna("").to_numpy()
    listed = mine["row"].notna().to_numpy()
    restated = (listed & ~(same_year & same_source)).reshape(new.shape)
    updated = changed | (filled & restated)
    if not updated.any():
        return dataset
    problems = []
    rows_i, cols_j = np.nonzero(updated)
    flat = rows_i * new.shape[1] + cols_j
    for k, pos in enumerate(flat):
        unit, code = keys[pos]
        where = cells[(unit, code)]
        if not listed[pos]:
            problems.append(f"{path.name}: {where} ({unit}, {code}): a new value without a Provenance row; "
                            "expected a row country, indicator, year, source for it in the Provenance sheet")
        elif np.isnan(mine["year"].iat[pos]) or not mine["source"].iat[pos]:
            row = int(mine["row"].iat[pos])
            missing = "year" if np.isnan(mine["year"].iat[pos]) else "source"
            problems.append(f"{path.name}: Provenance row {row} ({unit}, {code}): no {missing}; expected the "
                            f"{missing} of the new value in {where}")
    if problems:
        raise InputError(capped(problems))
    table = dataset.values.copy()
    target_rows = table.index.get_indexer(values.index[rows_i])
    target_cols = table.columns.get_indexer(values.columns[cols_j])
    block = table.to_numpy(dtype=float, copy=True)
    block[target_rows, target_cols] = new[rows_i, cols_j]
    table = pd.DataFrame(block, index=table.index, columns=table.columns)
    picked = mine.iloc[flat]
    notes = picked["note"].fillna("").astype(str).to_numpy(dtype=object)
    added = pd.DataFrame({
        "country": [keys[p][0] for p in flat],
        "indicator": [keys[p][1] for p in flat],
        "year": picked["year"].astype(int).astype(str).to_numpy(),
        "source": picked["source"].to_numpy(dtype=object),
        "note": [USER_SUPPLIED + (f": {n}" if n and not n.startswith(USER_SUPPLIED) else "") for n in notes],
        "updated": [f"{path.name} {cells[keys[p]]}" for p in flat],
    })
    prov_old = dataset.provenance if dataset.provenance is not None else pd.DataFrame()
    if not prov_old.empty and {"country", "indicator"} <= set(prov_old.columns):
        pairs = pd.MultiIndex.from_frame(prov_old[["country", "indicator"]].astype(str))
        prov_old = prov_old[~pairs.isin(pd.MultiIndex.from_frame(added[["country", "indicator"]]))]
    prov_old = prov_old.copy()
    if "updated" not in prov_old.columns:
        prov_old["updated"] = ""
    provenance = pd.concat([prov_old, added], ignore_index=True)
    provenance = provenance.sort_values(["country", "indicator"], kind="stable", ignore_index=True)
    return replace(dataset, values=table, provenance=provenance)


def updated_cells(dataset) -> pd.DataFrame:
    """The cells a national update replaced: ``country``, ``indicator``, ``updated`` (file and cell)."""
    prov = dataset.provenance
    if prov is None or prov.empty or "updated" not in prov.columns:
        return pd.DataFrame(columns=["country", "indicator", "updated"])
    marked = prov["updated"].fillna("").astype(str) != ""
    return prov.loc[marked, ["country", "indicator", "updated"]].reset_index(drop=True)


def updated_indicators(dataset, country: str) -> list:
    """The indicators of ``country`` (ISO3 / unit code) whose value a national update supplied."""
    cells = updated_cells(dataset)
    return list(cells.loc[cells["country"] == country, "indicator"])
