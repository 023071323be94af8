"""``readiness template``: a workbook in the documented format that a person can fill in.

Sheets: ``Instructions`` (read by people, ignored by the reader), ``Data`` (prefilled
with the dataset's values for the chosen countries, or empty), ``Provenance`` (year and
source of every value), then the framework (``Indicators``, ``Structure``, protected
against accidental edits, not encrypted), ``Countries``, ``Settings`` and ``Sources``.

Excel enforces what it can: indicator values within their valid range
(:func:`readiness.ranges.valid_range`), country codes from the ``Countries`` sheet,
indicator codes from ``Indicators``, whole-number years not in the future, direction 1
or -1, weights >= 0. Header cells carry an input message (name, unit, range).

An untouched template of every country reads back as the dataset it came from: every
number is stored exactly, so scoring it gives the same results bit for bit.
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .writer import neutralise, save_atomically, set_cell

__all__ = ["write_template", "write_frame", "style_header", "INSTRUCTIONS"]

#: Rows kept for new entries below the prefilled ones (validation covers them too).
SPARE_ROWS = 200

INSTRUCTIONS = [
    ("readiness data template", "title"),
    ("Fill in the Data sheet (and the year and source of every value in Provenance), then run "
     "`readiness validate --data FILE.xlsx` and `readiness score --data FILE.xlsx --country KE`. "
     "To update a few values of the default data instead, pass the file with --update: "
     "`readiness score --country KE --update FILE.xlsx`.", ""),
    ("Sheets", "heading"),
    ("Data (required): one row per country or unit. Column A `country`: an ISO3 code (KEN), an ISO2 code (KE) "
     "or a country name, from the Countries sheet. Column B `name` is optional. Then one column per indicator "
     "code; the header's comment gives its name, unit and valid range. Numbers only; an empty cell is "
     "missing (it may be imputed, or leave the country unscored if too much is missing; it is never read "
     "as zero). With --update, an empty cell leaves the dataset's value as it is.", ""),
    ("Provenance: one row per value: country, indicator, year (the year the figure refers to, not in the "
     "future), source, note. Change the year and source when you change a value.", ""),
    ("Indicators, Structure (required, protected): the framework: indicator codes, their dimension (parent), "
     "direction (1: higher is better, -1: lower is better), weight (>= 0), unit, transform, source, "
     "licence. Protected against accidental edits (Review > Unprotect Sheet; no password).", ""),
    ("Countries (required): one row per unit: code, name, region, income group, population, GDP per capita.", ""),
    ("Settings: how the index is computed (`readiness settings` lists every setting); a blank value "
     "leaves the default.", ""),
    ("Sources: one row per source: a short id (used in Indicators and Provenance), name, publisher, url, "
     "licence, year, citation.", ""),
    ("How to cite a source", "heading"),
    ("Put a short id in the source column (e.g. knbs_2026). If it is new, add a row to Sources with the "
     "publication's name, publisher, url, licence, year and a full citation. Every value needs a year and "
     "a source; nothing is invented to fill a gap.", ""),
    ("Units", "heading"),
    ("Each indicator's unit is in the Indicators sheet and in its Data header's comment: a percentage is "
     "0-100 (not 0-1), per-capita values are per person, 'pm' columns are per million people.", ""),
    ("Reference: docs/format.md (the data format) and docs/excel.md (templates, updates, exports).", ""),
]

_HEADER_FILL = "DDEBF7"


def _cell_value(value):
    """A frame value as a cell value: None for missing, bools as yes/no, numeric text as a number."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_frame(ws, frame: pd.DataFrame, *, start_row: int = 1, formats: dict | None = None) -> int:
    """Write ``frame`` (header, then rows) to ``ws`` in one pass; return the last row written.

    Numbers are stored exactly and text is neutralised (:func:`readiness.io.writer.set_cell`);
    ``formats`` maps a column name to a number format.
    """
    for j, name in enumerate(frame.columns, start=1):
        set_cell(ws.cell(row=start_row, column=j), str(name))
    columns = [frame[c].astype(object).to_numpy() for c in frame.columns]
    fmts = [(formats or {}).get(c) for c in frame.columns]
    for i in range(len(frame)):
        r = start_row + 1 + i
        for j, col in enumerate(columns, start=1):
            value = _cell_value(col[i])
            if value is None:
                continue
            cell = ws.cell(row=r, column=j)
            set_cell(cell, value)
            if fmts[j - 1]:
                cell.number_format = fmts[j - 1]
    return start_row + len(frame)


def style_header(ws, frame: pd.DataFrame, *, row: int = 1, widths: dict | None = None, freeze: str = "A2") -> None:
    """Bold, filled header cells, frozen header rows, and column widths fitted to the content."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor=_HEADER_FILL)
    for j, name in enumerate(frame.columns, start=1):
        cell = ws.cell(row=row, column=j)
        cell.font, cell.fill = bold, fill
        if pd.api.types.is_float_dtype(frame[name].dtype):  # shown rounded by the number format
            longest = max(len(str(name)), 10)
        else:
            sample = frame[name].head(200).astype(object).map(str).str.len()
            longest = max(len(str(name)), int(sample.max()) if len(sample) else 0)
        width = (widths or {}).get(name, min(max(longest + 2, 8), 60))
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = freeze


def _prompt(ws, cell_ref: str, title: str, text: str) -> None:
    """An input message on one header cell (Excel shows it when the cell is selected)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(showInputMessage=True, promptTitle=title[:32], prompt=text[:255], allow_blank=True)
    dv.add(cell_ref)
    ws.add_data_validation(dv)


def _validate(ws, kind, ref, *, error, operator=None, formula1=None, formula2=None, prompt=None):
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type=kind, operator=operator, formula1=formula1, formula2=formula2, allow_blank=True,
                        showErrorMessage=True, errorTitle="Not accepted", error=error[:255])
    if prompt:
        dv.showInputMessage, dv.prompt = True, prompt[:255]
    dv.add(ref)
    ws.add_data_validation(dv)


def _number_text(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


def _range_validation(ws, letter, rows, low, high, code, unit):
    """Decimal validation of one Data column from its valid range (C8); nothing when unbounded."""
    ref = f"{letter}2:{letter}{rows}"
    unit_text = f" {unit}" if unit else ""
    if math.isfinite(low) and math.isfinite(high):
        _validate(ws, "decimal", ref, operator="between", formula1=_number_text(low), formula2=_number_text(high),
                  error=f"{code}: a number from {low:g} to {high:g}{unit_text}")
    elif math.isfinite(low):
        _validate(ws, "decimal", ref, operator="greaterThanOrEqual", formula1=_number_text(low),
                  error=f"{code}: a number >= {low:g}{unit_text}")
    elif math.isfinite(high):
        _validate(ws, "decimal", ref, operator="lessThanOrEqual", formula1=_number_text(high),
                  error=f"{code}: a number <= {high:g}{unit_text}")
    else:
        _validate(ws, "decimal", ref, operator="between", formula1="-1E+307", formula2="1E+307",
                  error=f"{code}: a number")


def _indicator_frame(dataset) -> pd.DataFrame:
    from .tables import INDICATOR_COLUMNS

    ind = dataset.indicators.reset_index()
    ind = ind[[c for c in INDICATOR_COLUMNS if c in ind.columns]].copy()
    if "year" in ind.columns:  # "2025" is a number to a spreadsheet
        ind["year"] = ind["year"].map(lambda v: int(v) if isinstance(v, str) and v.isdigit() else v)
    return ind


def _provenance_frame(dataset, countries) -> pd.DataFrame:
    cols = ["country", "indicator", "year", "source", "note"]
    prov = dataset.provenance
    if prov is None or prov.empty or not {"country", "indicator"} <= set(prov.columns):
        return pd.DataFrame(columns=cols)
    prov = prov[prov["country"].isin(countries)].copy()
    for c in cols:
        if c not in prov.columns:
            prov[c] = ""
    prov["year"] = pd.to_numeric(prov["year"], errors="coerce").astype("Int64")
    return prov[cols].reset_index(drop=True)


def _countries_frame(dataset) -> pd.DataFrame:
    c = dataset.countries.reset_index()
    if "parent" in c.columns and not c["parent"].fillna("").astype(str).str.strip().ne("").any():
        c = c.drop(columns="parent")
    return c


def _settings_frame(dataset) -> pd.DataFrame:
    from .cells import number

    rows = []
    for name, value in dataset.settings.items():
        x, ok = number(value) if isinstance(value, str) else (value, False)
        rows.append((name, x if ok and not (isinstance(x, float) and math.isnan(x)) else value))
    return pd.DataFrame(rows, columns=["setting", "value"])


def _instructions(wb) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet("Instructions")
    ws.column_dimensions["A"].width = 110
    for i, (line, kind) in enumerate(INSTRUCTIONS, start=1):
        cell = ws.cell(row=i, column=1, value=neutralise(line))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind:
            cell.font = Font(bold=True, size=14 if kind == "title" else 12)


def _data_sheet(wb, dataset, codes, blank):
    from openpyxl.utils import get_column_letter

    from ..ranges import range_rule

    ws = wb.create_sheet("Data")
    values = dataset.values.loc[codes] if not blank else dataset.values.iloc[:0]
    frame = values.reset_index()
    frame.insert(1, "name", dataset.countries.loc[frame["country"], "name"].to_numpy() if len(frame) else [])
    write_frame(ws, frame)
    style_header(ws, frame, freeze="C2", widths={"country": 10, "name": 24})
    last = 1 + len(frame) + SPARE_ROWS
    n_countries = len(dataset.countries) + 1
    _validate(ws, "list", f"A2:A{last}", formula1=f"Countries!$A$2:$A${n_countries}",
              error="country: a code of the Countries sheet")
    _prompt(ws, "A1", "country", "An ISO3 code of the Countries sheet (or ISO2 code or country name).")
    for j, code in enumerate(dataset.values.columns, start=3):
        letter = get_column_letter(j)
        rule = range_rule(dataset, code)
        meta = dataset.indicators.loc[code]
        unit = str(meta.get("unit") or "")
        _range_validation(ws, letter, last, rule["low"], rule["high"], code, unit)
        from ..ranges import format_range

        _prompt(ws, f"{letter}1", str(code), f"{meta.get('name') or code}. Unit: {unit or 'none'}. "
                f"Valid range {format_range(rule)}. Direction {int(meta['direction']):+d}. Empty = missing.")


def _provenance_sheet(wb, dataset, codes):
    ws = wb.create_sheet("Provenance")
    frame = _provenance_frame(dataset, codes)
    write_frame(ws, frame)
    style_header(ws, frame, widths={"note": 60, "source": 22})
    last = 1 + len(frame) + SPARE_ROWS * max(1, len(dataset.values.columns) // 4)
    year = _dt.date.today().year
    _validate(ws, "list", f"A2:A{last}", formula1=f"Countries!$A$2:$A${len(dataset.countries) + 1}",
              error="country: a code of the Countries sheet")
    _validate(ws, "list", f"B2:B{last}", formula1=f"Indicators!$A$2:$A${len(dataset.indicators) + 1}",
              error="indicator: a code of the Indicators sheet")
    _validate(ws, "whole", f"C2:C{last}", operator="between", formula1="1900", formula2=str(year),
              error=f"year: a whole number from 1900 to {year} (not in the future)")
    for ref, title, text in (
            ("A1", "country", "The unit's code (as in Data)."),
            ("B1", "indicator", "The indicator's code (a Data column)."),
            ("C1", "year", f"The year the value refers to ({year} or earlier)."),
            ("D1", "source", "A short source id; add new ones to the Sources sheet with a full citation."),
            ("E1", "note", "Anything a reader needs: series code, edition, estimate.")):
        _prompt(ws, ref, title, text)


def _framework_sheets(wb, dataset):
    ws = wb.create_sheet("Indicators")
    ind = _indicator_frame(dataset)
    write_frame(ws, ind)
    style_header(ws, ind, widths={"description": 60, "name": 30, "unit": 28})
    last = len(ind) + 1
    cols = {c: i for i, c in enumerate(ind.columns)}
    from openpyxl.utils import get_column_letter

    def col(name):
        return get_column_letter(cols[name] + 1)
    _validate(ws, "list", f"{col('direction')}2:{col('direction')}{last}", formula1='"1,-1"',
              error="direction: 1 (higher is better) or -1 (lower is better)")
    _validate(ws, "decimal", f"{col('weight')}2:{col('weight')}{last}", operator="greaterThanOrEqual",
              formula1="0", error="weight: a number >= 0")
    _validate(ws, "list", f"{col('parent')}2:{col('parent')}{last}",
              formula1=f"Structure!$A$2:$A${len(dataset.structure) + 1}", error="parent: a code of Structure")
    _prompt(ws, f"{col('direction')}1", "direction", "1: higher is better; -1: lower is better.")
    _prompt(ws, f"{col('weight')}1", "weight", "A number >= 0, relative to its siblings.")
    ws.protection.sheet = True
    st = dataset.structure.reset_index()[["code", "name", "parent", "weight"]]
    ws = wb.create_sheet("Structure")
    write_frame(ws, st)
    style_header(ws, st, widths={"name": 36})
    _validate(ws, "decimal", f"D2:D{len(st) + 1}", operator="greaterThanOrEqual", formula1="0",
              error="weight: a number >= 0")
    _prompt(ws, "D1", "weight", "A number >= 0, relative to its siblings.")
    ws.protection.sheet = True


def _other_sheets(wb, dataset):
    countries = _countries_frame(dataset)
    ws = wb.create_sheet("Countries")
    write_frame(ws, countries)
    style_header(ws, countries, widths={"name": 28})
    _prompt(ws, "A1", "country", "The unit's code: ISO3 for a country, or your own (KE-30, DE21).")
    settings = _settings_frame(dataset)
    ws = wb.create_sheet("Settings")
    write_frame(ws, settings)
    style_header(ws, settings, widths={"setting": 28, "value": 20})
    _prompt(ws, "A1", "setting", "A setting listed by `readiness settings`, once each.")
    sources = dataset.sources if dataset.sources is not None else pd.DataFrame()
    if sources.empty:
        sources = pd.DataFrame(columns=["source", "name", "publisher", "url", "licence", "year", "citation"])
    ws = wb.create_sheet("Sources")
    write_frame(ws, sources)
    style_header(ws, sources, widths={"name": 40, "citation": 60, "licence": 30, "url": 36})


def write_template(path, dataset=None, countries=None, *, blank: bool = False, inputs=()) -> Path:
    """Write a fill-in workbook in the documented format (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file to write (atomically; never over one of ``inputs``).
    dataset : Dataset, optional
        Where the prefilled values and the framework come from (default: the embedded one).
    countries : iterable of str, optional
        ISO2 or ISO3 codes or names: the Data rows (default: every country of the dataset).
    blank : bool, default=False
        Leave Data and Provenance empty (the framework, countries and settings are kept).
    inputs : iterable of paths
        The run's input files.

    Returns
    -------
    Path

    Raises
    ------
    UnknownCountryError
        A country the dataset does not have.
    """
    import openpyxl

    from ..api import resolve_country
    from .load import load_dataset

    dataset = load_dataset() if dataset is None else dataset
    codes = list(dataset.values.index) if not countries else list(dict.fromkeys(
        resolve_country(dataset, c) for c in countries))
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _instructions(wb)
    _data_sheet(wb, dataset, codes, blank)
    _provenance_sheet(wb, dataset, [] if blank else codes)
    _framework_sheets(wb, dataset)
    _other_sheets(wb, dataset)
    wb.active = 1
    return save_atomically(wb, path, inputs=inputs, version=dataset.version)
