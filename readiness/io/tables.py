"""Making a Dataset from raw tables: a workbook's sheets or a folder of CSV files.

Tables are checked when the Dataset is made: every problem is collected and raised at
once as an :class:`InputError` naming the sheet and cell.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import InputError, Problem, SpecError
from ..countries import country_name, to_iso3
from ..dataset import Dataset
from .cells import blank as _blank, cell_ref as _cell, col_letter as _col_letter, number as _number, text as _text
from .trade import apply_trade

__all__ = ["from_tables", "read_csv_folder", "SHEETS"]

DEFAULT = "default"

INDICATOR_COLUMNS = [
    "code", "name", "parent", "direction", "weight", "unit", "transform", "denominator",
    "scale", "target", "goalpost_low", "goalpost_high", "source", "licence", "year",
    "description",
]
REQUIRED = {
    "Data": ["country"],
    "Indicators": ["code", "parent", "direction", "weight"],
    "Structure": ["code", "parent", "weight"],
    "Countries": ["country"],
}
NUMERIC_INDICATOR_COLUMNS = ["direction", "weight", "scale", "target", "goalpost_low", "goalpost_high"]
TRANSFORMS = ("none", "log", "log1p")
SHEETS = ["Data", "Indicators", "Structure", "Countries", "Settings", "Sources", "Provenance", "Trade"]


# -- making a Dataset from raw tables --------------------------------------------------


def _table(tables, name):
    df = tables.get(name)
    if df is None:
        return None
    df = df.copy()
    df.columns = [_text(c) for c in df.columns]
    return df


def _read_indicators(df, problems):
    out = []
    for i, row in enumerate(df.to_dict("records")):
        rec = {c: _text(row.get(c)) for c in INDICATOR_COLUMNS}
        if not rec["code"]:
            if any(not _blank(v) for v in row.values()):
                problems.append(Problem("Indicators", _cell(df, i, "code"), "an empty code", "an indicator code"))
            continue
        for c in NUMERIC_INDICATOR_COLUMNS:
            if c not in df.columns:
                rec[c] = np.nan
                continue
            val, ok = _number(row.get(c))
            if not ok:
                problems.append(Problem("Indicators", _cell(df, i, c), f"text {row.get(c)!r}", "a number"))
            rec[c] = val
        if rec["direction"] not in (1.0, -1.0):
            if not np.isnan(rec["direction"]) or "direction" in df.columns:
                problems.append(Problem("Indicators", _cell(df, i, "direction"),
                                        repr(row.get("direction")), "1 or -1"))
        if np.isnan(rec["weight"]) or rec["weight"] < 0:
            problems.append(Problem("Indicators", _cell(df, i, "weight"),
                                    repr(row.get("weight")), "a number >= 0"))
        if np.isnan(rec["scale"]):
            rec["scale"] = 1.0
        rec["transform"] = rec["transform"].lower() or "none"
        if rec["transform"] not in TRANSFORMS:
            problems.append(Problem("Indicators", _cell(df, i, "transform"), repr(row.get("transform")),
                                    "one of none, log, log1p"))
        rec["_row"] = i
        out.append(rec)
    ind = pd.DataFrame(out, columns=INDICATOR_COLUMNS + ["_row"])
    dup = ind["code"].duplicated()
    for _, rec in ind[dup].iterrows():
        problems.append(Problem("Indicators", _cell(df, rec["_row"], "code"),
                                f"the code {rec['code']!r} a second time", "each indicator once"))
    return ind[~dup].set_index("code")


def _read_structure(df, problems):
    out = []
    for i, row in enumerate(df.to_dict("records")):
        code = _text(row.get("code"))
        if not code:
            continue
        w, ok = _number(row.get("weight"))
        if not ok or np.isnan(w) or w < 0:
            problems.append(Problem("Structure", _cell(df, i, "weight"), repr(row.get("weight")), "a number >= 0"))
        out.append({"code": code, "name": _text(row.get("name")) or code,
                    "parent": _text(row.get("parent")), "weight": w, "_row": i})
    st = pd.DataFrame(out, columns=["code", "name", "parent", "weight", "_row"])
    dup = st["code"].duplicated()
    for _, rec in st[dup].iterrows():
        problems.append(Problem("Structure", _cell(df, rec["_row"], "code"),
                                f"the code {rec['code']!r} a second time", "each node once"))
    return st[~dup].set_index("code")


def _read_countries(df, problems):
    known = {}
    rows = []
    for i, row in enumerate(df.to_dict("records")):
        raw = row.get("country")
        if _blank(raw):
            continue
        iso3 = to_iso3(raw)
        if iso3 is None and len(_text(raw)) == 3 and _text(raw).isalpha():
            iso3 = _text(raw).upper()  # a code pycountry does not know is kept as given
        if iso3 is None:
            problems.append(Problem("Countries", _cell(df, i, "country"), f"{_text(raw)!r}",
                                    "an ISO3 or ISO2 code or a country name"))
            continue
        if iso3 in known:
            problems.append(Problem("Countries", _cell(df, i, "country"), f"{iso3} a second time",
                                    "each country once"))
            continue
        known[iso3] = i
        rec = {"country": iso3}
        for c in df.columns:
            if c == "country":
                continue
            rec[c] = row.get(c)
        rows.append(rec)
    out = pd.DataFrame(rows, columns=["country"] + [c for c in df.columns if c != "country"])
    out = out.set_index("country")
    for c in ("name", "region", "income_group"):
        if c not in out.columns:
            out[c] = ""
        out[c] = out[c].map(_text)
    for c in ("population", "gdp_per_capita"):
        if c not in out.columns:
            out[c] = np.nan
    # numeric-looking columns become numbers; text columns stay text (groups)
    for c in out.columns:
        if c in ("name", "region", "income_group"):
            continue
        parsed = [_number(v) for v in out[c]]
        if all(ok for _, ok in parsed):
            out[c] = [v for v, _ in parsed]
        else:
            out[c] = out[c].map(_text)
    return out


def _read_data(df, indicators, country_names, problems):
    codes = [c for c in df.columns if c not in ("country", "name")]
    for c in codes:
        if c not in indicators.index:
            problems.append(Problem("Data", f"{_col_letter(list(df.columns).index(c))}1",
                                    f"the column {c!r}", "an indicator code defined in the Indicators sheet"))
    codes = [c for c in codes if c in indicators.index]
    values, seen = {}, {}
    for i, row in enumerate(df.to_dict("records")):
        raw = row.get("country")
        if _blank(raw):
            if any(not _blank(row.get(c)) for c in codes):
                problems.append(Problem("Data", _cell(df, i, "country"), "an empty cell", "a country code or name"))
            continue
        iso3 = to_iso3(raw, country_names)
        if iso3 is None and _text(raw).upper() in country_names:
            iso3 = _text(raw).upper()
        if iso3 is None:
            problems.append(Problem("Data", _cell(df, i, "country"), f"{_text(raw)!r}",
                                    "an ISO3 or ISO2 code or a country name"))
            continue
        if iso3 in seen:
            problems.append(Problem("Data", _cell(df, i, "country"),
                                    f"{iso3} a second time (first in row {seen[iso3] + 2})", "each country once"))
            continue
        seen[iso3] = i
        rec = {}
        for c in codes:
            v, ok = _number(row.get(c))
            if not ok:
                problems.append(Problem("Data", _cell(df, i, c), f"text {row.get(c)!r}",
                                        "a number or an empty cell"))
            rec[c] = v
        values[iso3] = rec
    out = pd.DataFrame.from_dict(values, orient="index", columns=codes, dtype=float)
    out.index.name = "country"
    out.columns.name = "indicator"
    return out


def _check_tree(indicators, structure, problems, ind_sheet, st_sheet):
    nodes = set(structure.index)
    for code, rec in indicators.iterrows():
        if rec["parent"] not in nodes:
            problems.append(Problem("Indicators", _cell(ind_sheet, int(rec["_row"]), "parent"),
                                    f"the parent {rec['parent']!r}", "a node code defined in the Structure sheet"))
    tops = [c for c, p in structure["parent"].items() if not p]
    if len(tops) != 1:
        problems.append(Problem("Structure", None, f"{len(tops)} nodes without a parent ({', '.join(tops)})",
                                "exactly one (the index)"))
    for code, rec in structure.iterrows():
        if rec["parent"] and rec["parent"] not in nodes:
            problems.append(Problem("Structure", _cell(st_sheet, int(rec["_row"]), "parent"),
                                    f"the parent {rec['parent']!r}", "a node code defined in the Structure sheet"))
    # cycles
    parents = dict(structure["parent"])
    for code in structure.index:
        seen, node = set(), code
        while node and node in parents:
            if node in seen:
                problems.append(Problem("Structure", None, f"a cycle through {code!r}", "a tree"))
                break
            seen.add(node)
            node = parents[node]


def _check_denominators(indicators, ind_sheet, countries_sheet, problems):
    """Every denominator names a Countries column whose cells are positive numbers or empty."""
    checked = set()
    for code in indicators.index:
        den = indicators.at[code, "denominator"]
        if not den:
            continue
        if den not in countries_sheet.columns:
            problems.append(Problem("Indicators", _cell(ind_sheet, int(indicators.at[code, "_row"]), "denominator"),
                                    f"the denominator {den!r}", "a numeric column of the Countries sheet"))
            continue
        if den in checked:
            continue
        checked.add(den)
        for i, v in enumerate(countries_sheet[den]):
            x, ok = _number(v)
            if not ok or x <= 0:
                problems.append(Problem("Countries", _cell(countries_sheet, i, den), repr(v),
                                        f"a number > 0 or an empty cell (the denominator {den!r} of {code!r})"))


def _read_settings(sheet, problems) -> dict:
    """The Settings sheet as {name: value}; every bad row reported with its cell. Blank values are unset."""
    from ..spec import Spec

    if sheet is None or (sheet.empty and not [c for c in sheet.columns if c]):
        return {}
    if not {"setting", "value"} <= set(sheet.columns):
        problems.append(Problem("Settings", "A1", f"the header {list(sheet.columns)[:2]}",
                                "the columns 'setting' and 'value'"))
        return {}
    settings = {}
    for i, row in enumerate(sheet.to_dict("records")):
        name, value = _text(row.get("setting")), row.get("value")
        if not name or _blank(value):
            continue
        try:
            Spec.from_mapping({name: value}, source="Settings")
        except SpecError as exc:
            col = "setting" if "unknown setting" in str(exc) else "value"
            problems.append(f"Settings!{_cell(sheet, i, col)}: {str(exc).removeprefix('Settings: ')}")
            continue
        settings[name] = value
    try:
        Spec.from_mapping(settings, source="Settings")
    except SpecError as exc:  # settings that are valid alone but not together
        problems.append(str(exc))
    return settings


def _duplicate_headers(t, problems):
    for sheet, df in t.items():
        if df is None:
            continue
        seen = {}
        for j, c in enumerate(df.columns):
            if c and c in seen:
                problems.append(Problem(sheet, f"{_col_letter(j)}1", f"the column {c!r} a second time "
                                        f"(first in {_col_letter(seen[c])}1)", "each column once"))
            seen.setdefault(c, j)


def from_tables(tables: dict, *, label: str = "", version: str = "") -> Dataset:
    """Make a Dataset from ``{sheet name: DataFrame}`` as read from a workbook or CSV files.

    Cells may hold numbers or text; everything is checked, and every problem is
    reported at once in one :class:`InputError`.
    """
    problems: list = []
    missing = [s for s in REQUIRED if tables.get(s) is None]
    if missing:
        raise InputError([Problem(s, None, "no such sheet", f"a sheet named {s!r} (see docs/format.md)")
                          for s in missing])
    t = {name: _table(tables, name) for name in SHEETS}
    _duplicate_headers(t, problems)
    if problems:
        raise InputError(problems)
    for sheet, cols in REQUIRED.items():
        for c in cols:
            if c not in t[sheet].columns:
                problems.append(Problem(sheet, None, f"no column {c!r} in row 1",
                                        f"the columns {', '.join(cols)}"))
    if problems:
        raise InputError(problems)
    indicators = _read_indicators(t["Indicators"], problems)
    structure = _read_structure(t["Structure"], problems)
    countries = _read_countries(t["Countries"], problems)
    _check_tree(indicators, structure, problems, t["Indicators"], t["Structure"])
    values = _read_data(t["Data"], indicators, dict(countries["name"]), problems)
    for code in indicators.index:
        if code not in values.columns:
            problems.append(Problem("Data", None, f"no column for the indicator {code!r}",
                                    "one column per indicator of the Indicators sheet"))
    if values.empty and not problems:
        problems.append(Problem("Data", None, "no country rows", "one row per country below the header"))
    _check_denominators(indicators, t["Indicators"], t["Countries"], problems)
    settings = _read_settings(t["Settings"], problems)
    if problems:
        raise InputError(problems)
    # countries present in Data but not in Countries get a row with their ISO name
    missing_c = [c for c in values.index if c not in countries.index]
    if missing_c:
        extra = pd.DataFrame({"name": [country_name(c) for c in missing_c]}, index=missing_c)
        countries = pd.concat([countries, extra])
        for c in ("region", "income_group"):
            countries[c] = countries[c].fillna("")
    countries.index.name = "country"
    names = countries["name"].copy()
    blank = names == ""
    names[blank] = [country_name(c) for c in names.index[blank]]
    countries["name"] = names
    values = values[list(indicators.index)]
    optional = {}
    for name in ("Sources", "Provenance", "Trade"):
        df = t[name]
        optional[name] = df if df is not None else pd.DataFrame()
    dataset = Dataset(
        values=values,
        indicators=indicators.drop(columns="_row"),
        structure=structure.drop(columns="_row"),
        countries=countries.loc[values.index.union(countries.index, sort=False)],
        sources=optional["Sources"],
        provenance=optional["Provenance"],
        trade=optional["Trade"],
        settings=settings,
        label=label,
        version=version,
    )
    if not dataset.trade.empty:
        dataset = apply_trade(dataset)
    return dataset


def read_csv_folder(path) -> Dataset:
    """Read a folder of CSV files (``data.csv``, ``indicators.csv``, ...) as a Dataset."""
    path = Path(path)
    tables = {}
    for sheet in SHEETS:
        f = path / f"{sheet.lower()}.csv"
        if f.exists():
            tables[sheet] = _read_csv(f)
    version = ""
    meta = path / "metadata.csv"
    if meta.exists():
        m = _read_csv(meta)
        if {"key", "value"} <= set(m.columns):
            version = dict(zip(m["key"], m["value"])).get("version", "")
    try:
        return from_tables(tables, label=str(path), version=version)
    except InputError as exc:
        # name the file, not the sheet
        raise InputError([_csv_names(p) for p in exc.problems]) from None


def _read_csv(f: Path) -> pd.DataFrame:
    """A CSV file as text cells; an empty or unreadable file is an InputError naming it."""
    try:
        return pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise InputError(Problem(f.name, None, "an empty file", "a header row and one row per entry")) from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise InputError(Problem(f.name, None, f"a file that is not valid CSV ({str(exc).splitlines()[0]})",
                                 "comma-separated UTF-8 text")) from None


def _csv_names(line: str) -> str:
    for sheet in SHEETS:
        if line.startswith(sheet + "!") or line.startswith(sheet + ":"):
            return sheet.lower() + ".csv" + line[len(sheet):]
    return line
