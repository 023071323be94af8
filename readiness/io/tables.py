"""Making a Dataset from raw tables: a workbook's sheets or a folder of CSV files.

Tables are checked when the Dataset is made: every problem is collected and raised at
once as an :class:`InputError` naming the sheet and cell.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..countries import ISO3_TO_ISO2, display_names, resolve_units
from ..dataset import Dataset
from ..errors import InputError, Problem, SpecError
from .cells import blank as _blank, capped, cell_ref as _cell, col_letter as _col_letter, describe, numbers
from .cells import number as _number, text as _text
from .trade import apply_trade

__all__ = ["from_tables", "read_csv_folder", "SHEETS"]

DEFAULT = "default"

INDICATOR_COLUMNS = [
    "code", "name", "parent", "direction", "weight", "unit", "transform", "denominator",
    "scale", "target", "goalpost_low", "goalpost_high", "source", "licence", "year",
    "description", "lever",
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
        rec["lever"] = _lever(row.get("lever"), df, i, problems)
        rec["_row"] = i
        out.append(rec)
    ind = pd.DataFrame(out, columns=INDICATOR_COLUMNS + ["_row"])
    dup = ind["code"].duplicated()
    for _, rec in ind[dup].iterrows():
        problems.append(Problem("Indicators", _cell(df, rec["_row"], "code"),
                                f"the code {rec['code']!r} a second time", "each indicator once"))
    return ind[~dup].set_index("code")


_YES, _NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0")


def _lever(v, df, i, problems) -> bool:
    """C9: the ``lever`` cell, yes or no (empty means yes)."""
    if _blank(v) or v is True:
        return True
    if v is False:
        return False
    word = _text(v).lower()
    if word in _YES or word in _NO:
        return word in _YES
    problems.append(Problem("Indicators", _cell(df, i, "lever"), describe(v), "yes or no (empty means yes)"))
    return True


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
    """The Countries sheet: one row per unit, keyed by its code (see docs/format.md, Units)."""
    raw = df["country"]
    keep = ~raw.map(_blank).to_numpy(dtype=bool)
    rows = np.flatnonzero(keep)
    codes, bad = resolve_units(raw.to_numpy()[rows])
    first: dict = {}
    good = []
    for k, (pos, code) in enumerate(zip(rows, codes)):
        if code is None:
            problems.append(Problem("Countries", _cell(df, pos, "country"), bad[k],
                                    "an ISO3 or ISO2 code, a country name, or a unit code (up to 32 "
                                    "letters, digits, - and _)"))
        elif code in first:
            problems.append(Problem("Countries", _cell(df, pos, "country"),
                                    f"{code} a second time (first in row {first[code] + 2})", "each unit once"))
        else:
            first[code] = pos
            good.append((pos, code))
    others = [c for c in df.columns if c != "country"]
    out = df.iloc[[p for p, _ in good]][others].copy()
    out.index = pd.Index([c for _, c in good], name="country")
    for c in ("name", "region", "income_group", "parent"):
        if c not in out.columns:
            out[c] = ""
        out[c] = out[c].map(_text)
    for c in ("population", "gdp_per_capita"):
        if c not in out.columns:
            out[c] = np.nan
    # numeric-looking columns become numbers; text columns stay text (groups)
    for c in out.columns:
        if c in ("name", "region", "income_group", "parent"):
            continue
        values, wrong = numbers(out[[c]])
        if not wrong.any():
            out[c] = values[:, 0]
        else:
            out[c] = out[c].map(_text)
    _check_parents(out, df, [p for p, _ in good], problems)
    return out


def _check_parents(out, df, positions, problems):
    """``parent``: the unit (or country) each unit belongs to; a country alias becomes its ISO3."""
    if "parent" not in df.columns:
        return
    cells = out["parent"].to_numpy()
    filled = np.flatnonzero(cells != "")
    if not len(filled):
        return
    parents, bad = resolve_units(cells[filled], _units(out))
    for k, (i, code) in enumerate(zip(filled, parents)):
        where = _cell(df, positions[i], "parent")
        if code is None:
            problems.append(Problem("Countries", where, bad.get(k, repr(cells[i])),
                                    "the code of the unit or country this unit belongs to"))
        elif code == out.index[i]:
            problems.append(Problem("Countries", where, f"{code}, the unit itself", "another unit or a country"))
        else:
            cells[i] = code
    out["parent"] = cells


def _read_data(df, indicators, units, problems):
    """The Data sheet as floats, one row per unit; codes resolved once per distinct cell."""
    codes = [c for c in df.columns if c not in ("country", "name")]
    for c in codes:
        if c not in indicators.index:
            problems.append(Problem("Data", f"{_col_letter(df.columns.get_loc(c))}1",
                                    f"the column {c!r}", "an indicator code defined in the Indicators sheet"))
    codes = [c for c in codes if c in indicators.index]
    block = df[codes]
    values, bad = numbers(block)
    raw = df["country"]
    empty = raw.map(_blank).to_numpy(dtype=bool)
    for pos in np.flatnonzero(empty & (~np.isnan(values) | bad).any(axis=1)):
        problems.append(Problem("Data", _cell(df, pos, "country"), "an empty cell", "a unit code or country name"))
    rows = np.flatnonzero(~empty)
    resolved, unknown = resolve_units(raw.to_numpy()[rows], units)
    first: dict = {}
    keep, index = [], []
    for k, (pos, code) in enumerate(zip(rows, resolved)):
        if code is None:
            problems.append(Problem("Data", _cell(df, pos, "country"), unknown[k],
                                    "a unit code of the Countries sheet, an ISO3 or ISO2 code or a country name"))
        elif code in first:
            problems.append(Problem("Data", _cell(df, pos, "country"),
                                    f"{code} a second time (first in row {first[code] + 2})", "each unit once"))
        else:
            first[code] = pos
            keep.append(pos)
            index.append(code)
    for pos, j in zip(*np.nonzero(bad[keep] if keep else bad[:0])):
        row = keep[pos]
        problems.append(Problem("Data", f"{_col_letter(df.columns.get_loc(codes[j]))}{row + 2}",
                                describe(block.iat[row, j]), "a number or an empty cell"))
    out = pd.DataFrame(values[keep], index=pd.Index(index, name="country"),
                       columns=pd.Index(codes, name="indicator"))
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
    """The Settings sheet as {name: value}: every problem at once, naming its cell. Blank values are unset."""
    from ..settings import check_settings

    if sheet is None or (sheet.empty and not [c for c in sheet.columns if c]):
        return {}
    if not {"setting", "value"} <= set(sheet.columns):
        problems.append(Problem("Settings", "A1", f"the header {list(sheet.columns)[:2]}",
                                "the columns 'setting' and 'value'"))
        return {}
    settings, where, first = {}, {}, {}
    for i, (name, value) in enumerate(zip(sheet["setting"], sheet["value"])):
        name = _text(name)
        if not name or _blank(value):
            continue
        cells = (f"Settings!{_cell(sheet, i, 'setting')}", f"Settings!{_cell(sheet, i, 'value')}")
        if name in first:
            problems.append(Problem("Settings", cells[0][9:], f"the setting {name!r} a second time "
                                    f"(first in {first[name]})", "each setting once"))
            continue
        first[name] = cells[0][9:]
        settings[name] = value.strip() if isinstance(value, str) else value
        where[name] = cells
    try:
        check_settings(settings, where=where)
    except SpecError as exc:
        problems.extend(exc.problems)
        return {}
    return settings


_CONTROL = "[\x00-\x08\x0b-\x1f\x7f-\x9f]"


def _control_characters(t, problems):
    """Text cells holding control characters (escape sequences, bells) are refused, never echoed raw."""
    import re

    for sheet, df in t.items():
        if df is None or sheet == "Trade":
            continue
        texts = [j for j, d in enumerate(df.dtypes) if d.kind not in "biufcmM"]  # numbers and dates hold no text
        text_set = set(texts)
        cells = df.iloc[:, texts].to_numpy(dtype=object).ravel().tolist()
        # one search over the sheet's text ("\n" is allowed) before column by column
        if not re.search(_CONTROL, "\n".join(map(str, list(df.columns) + cells))):
            continue
        for j, c in enumerate(df.columns):
            if re.search(_CONTROL, c):
                problems.append(Problem(sheet, f"{_col_letter(j)}1", _control_found(c),
                                        "text without control characters"))
            if j not in text_set:
                continue
            col = df.iloc[:, j]
            bad = col.astype(object).str.contains(_CONTROL, regex=True, na=False).to_numpy(dtype=bool)
            for pos in np.flatnonzero(bad):
                problems.append(Problem(sheet, f"{_col_letter(j)}{pos + 2}", _control_found(col.iat[pos]),
                                        "text without control characters"))


def _control_found(text) -> str:
    import re

    from ..errors import shorten

    ch = re.search(_CONTROL, text).group()
    return f"the control character {ch!r} (U+{ord(ch):04X}) in {shorten(text)}"


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


def _units(countries) -> dict:
    """{code: name} of the Countries sheet's units, plus every ISO3 code (a Data row may add a country)."""
    units = {code: "" for code in ISO3_TO_ISO2}
    units.update(zip(countries.index, countries["name"]))
    return units


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
    _control_characters(t, problems)
    if problems:
        raise InputError(capped(problems))
    for sheet, cols in REQUIRED.items():
        for c in cols:
            if c not in t[sheet].columns:
                problems.append(Problem(sheet, None, f"no column {c!r} in row 1",
                                        f"the columns {', '.join(cols)}"))
    if problems:
        raise InputError(capped(problems))
    indicators = _read_indicators(t["Indicators"], problems)
    structure = _read_structure(t["Structure"], problems)
    countries = _read_countries(t["Countries"], problems)
    _check_tree(indicators, structure, problems, t["Indicators"], t["Structure"])
    values = _read_data(t["Data"], indicators, _units(countries), problems)
    for code in indicators.index:
        if code not in values.columns:
            problems.append(Problem("Data", None, f"no column for the indicator {code!r}",
                                    "one column per indicator of the Indicators sheet"))
    if values.empty and not problems:
        problems.append(Problem("Data", None, "no country rows", "one row per country below the header"))
    _check_denominators(indicators, t["Indicators"], t["Countries"], problems)
    settings = _read_settings(t["Settings"], problems)
    if problems:
        raise InputError(capped(problems))
    # countries present in Data but not in Countries get a row with their ISO name
    missing_c = [c for c in values.index if c not in countries.index]
    if missing_c:
        extra = pd.DataFrame({"name": display_names(missing_c)}, index=missing_c)
        countries = pd.concat([countries, extra])
        for c in ("region", "income_group", "parent"):
            countries[c] = countries[c].fillna("")
    countries.index.name = "country"
    names = countries["name"].copy()
    blank = names == ""
    names[blank] = display_names(names.index[blank])
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
        if f.is_symlink():  # never follow a link out of the folder (it could disclose any file)
            raise InputError(Problem(f.name, None, "a symbolic link", "a regular file in the folder (copy the file in)"))
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
