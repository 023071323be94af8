"""Build the embedded default dataset from the raw extracts in ``indicators/sources/``.

Usage::

    python -m readiness.indicators.build              # rebuild indicators/default/
    python -m readiness.indicators.build --out DIR    # write somewhere else
    python -m readiness.indicators.build --check      # exit 1 if default/ is stale
    python indicators/build.py                        # same, from a source checkout

The build reads only ``indicators/sources/`` (the raw extracts, each folder with its
README), ``framework.csv``, ``structure.csv`` and ``sources.csv`` next to this file,
derives every indicator deterministically and writes the folder format of
``docs/format.md``: ``data.csv``, ``indicators.csv``, ``structure.csv``,
``countries.csv``, ``sources.csv``, ``provenance.csv`` and ``metadata.csv``. Rows are
sorted, numbers are written with 12 significant digits, lines end in ``\\n``: two
builds are byte-identical.

Rules (the README next to this file says why):

- Countries: every economy of the World Bank FY2025 classification with a region
  (218, Venezuela without income group), named as the World Bank names them.
- WDI and ITU series: the latest year since 2015 per country; the year is recorded
  per value in ``provenance.csv``.
- Counts from exhaustive lists (GPU clusters, TOP500, cloud regions, notable
  open-weight models) are true zeros for the countries absent from the list.
- Per-capita values divide by the World Bank population of the same year.
- A raw file that is missing, has lost a column, holds a value that is not a number
  or a country code that neither the World Bank, ISO 3166 nor a listed aggregate
  knows stops the build with a :class:`SourceError` naming the file and line.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import importlib.util
import io
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if not __package__:  # run as a script from a source checkout: make `readiness` importable
    sys.path.insert(0, str(HERE.parent))



def _sibling(name: str):
    """indicators/<name>.py, imported as readiness.indicators.<name> when installed, else from the file."""
    try:
        return importlib.import_module(f"readiness.indicators.{name}")
    except ModuleNotFoundError as exc:
        if exc.name not in ("readiness.indicators", f"readiness.indicators.{name}"):
            raise
    if f"_readiness_indicators_{name}" in sys.modules:  # already loaded from its file (by rules.py)
        return sys.modules[f"_readiness_indicators_{name}"]
    path = HERE / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_readiness_indicators_{name}", path)
    if spec is None or not path.is_file():
        raise ModuleNotFoundError(f"{path}: the module {name}.py is missing next to build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in the module look themselves up here
    spec.loader.exec_module(module)
    return module


_rules = _sibling("rules")
_readers = _sibling("readers")
SourceError = _readers.SourceError
MIN_YEAR, DIGITS, FILES = _readers.MIN_YEAR, _readers.DIGITS, _readers.FILES
Reader, Context, load_world, latest, fmt = (_readers.Reader, _readers.Context, _readers.load_world,
                                            _readers.latest, _readers.fmt)
INDICATORS, ALTERNATIVE_INDICATORS = _rules.INDICATORS, _rules.ALTERNATIVE_INDICATORS
hosted_compute_table = _rules.hosted_compute_table

__all__ = ["SourceError", "build", "write", "check", "main", "VERSION", "MIN_YEAR"]

SOURCES = HERE / "sources"
DEFAULT_OUT = HERE / "default"
FRAMEWORK = HERE / "framework.csv"
ALTERNATIVES = HERE / "framework_alternatives.csv"
STRUCTURE = HERE / "structure.csv"
SOURCE_LIST = HERE / "sources.csv"

VERSION = "2026.12"
OUTPUT_FILES = ("countries.csv", "data.csv", "hosted_compute.csv", "indicators.csv", "language_support.csv",
                "metadata.csv", "origin_coverage.csv", "provenance.csv", "settings.csv", "sources.csv",
                "structure.csv")
# The dataset's own Settings sheet (its nominal settings; every other setting keeps the package default).
# coverage_min: a country is scored when every dimension has a score (each from at least half its
# indicators: incomplete = "not_scored") and at least 60% of the 22 indicators have a value. See README.md,
# "Completeness rule".
DATASET_SETTINGS = (("coverage_min", "0.6"),)

INDICATOR_COLUMNS = ["code", "name", "parent", "direction", "weight", "unit", "transform",
                     "denominator", "scale", "target", "goalpost_low", "goalpost_high",
                     "source", "licence", "year", "description", "lever"]
STRUCTURE_COLUMNS = ["code", "name", "parent", "weight"]
SOURCE_COLUMNS = ["source", "name", "publisher", "url", "licence", "year", "citation"]
DIMENSIONS = ("compute", "chips", "talent", "localisation")
SUBDIMENSIONS = ("connectivity_power", "hosted_compute")  # under compute

# -- the framework files ---------------------------------------------------------------


def _read_text_table(path: Path, columns, what: str, extra=()) -> pd.DataFrame:
    if not path.is_file():
        raise SourceError(f"{path.name}: file not found next to build.py; expected the {what}")
    t = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in list(columns) + list(extra) if c not in t.columns]
    if missing:
        raise SourceError(f"{path.name}, line 1 (header): missing column(s) {', '.join(map(repr, missing))}; "
                          f"found {', '.join(t.columns)}; expected {', '.join(list(columns) + list(extra))}")
    t["_line"] = np.arange(len(t)) + 2
    return t


def _framework(export_control: str) -> pd.DataFrame:
    fw = _read_text_table(FRAMEWORK, INDICATOR_COLUMNS, "indicator framework")
    if export_control == "ai_diffusion":
        alt = _read_text_table(ALTERNATIVES, INDICATOR_COLUMNS, "alternative indicators", extra=["replaces"])
        for _, row in alt.iterrows():
            hit = fw.index[fw["code"] == row["replaces"]]
            if len(hit) != 1:
                raise SourceError(f"{ALTERNATIVES.name}, line {row['_line']}: replaces {row['replaces']!r}, "
                                  f"which is not an indicator of {FRAMEWORK.name}")
            fw.loc[hit[0], INDICATOR_COLUMNS] = row[INDICATOR_COLUMNS].to_numpy()
    problems = []
    for line, code in zip(fw.loc[fw["code"].duplicated(), "_line"], fw.loc[fw["code"].duplicated(), "code"]):
        problems.append(f"{FRAMEWORK.name}, line {line}: indicator {code!r} a second time")
    for _, row in fw.iterrows():
        if row["parent"] not in DIMENSIONS + SUBDIMENSIONS:
            problems.append(f"{FRAMEWORK.name}, line {row['_line']}: parent {row['parent']!r}; "
                            f"expected one of {', '.join(DIMENSIONS + SUBDIMENSIONS)}")
        if row["lever"] not in ("yes", "no"):
            problems.append(f"{FRAMEWORK.name}, line {row['_line']}: lever {row['lever']!r} for "
                            f"{row['code']!r}; expected yes or no")
        for c in ("source", "licence", "year", "unit", "name"):
            if not row[c]:
                problems.append(f"{FRAMEWORK.name}, line {row['_line']}: empty {c} for {row['code']!r}")
    if problems:
        raise SourceError(problems)
    return fw


def _source_list() -> pd.DataFrame:
    return _read_text_table(SOURCE_LIST, SOURCE_COLUMNS, "list of sources")


def _languages_module():
    """indicators/languages.py, imported as readiness.indicators.languages when installed."""
    return _sibling("languages")


# -- the build -------------------------------------------------------------------------


def build(sources=SOURCES, *, export_control: str = "ear") -> dict[str, pd.DataFrame]:
    """Derive every table of the default dataset from the raw extracts.

    Parameters
    ----------
    sources : str or Path, default=indicators/sources
        The folder of raw extracts (one sub-folder per source, as shipped).
    export_control : {"ear", "ai_diffusion"}, default="ear"
        Score US export-control exposure from the EAR country groups (the default) or
        from the tiers of the rescinded January 2025 AI Diffusion Rule (a documented
        alternative, see ``framework_alternatives.csv``).

    Returns
    -------
    dict of str to DataFrame
        ``{file name: table}`` for ``data.csv``, ``indicators.csv``, ``structure.csv``,
        ``countries.csv``, ``sources.csv``, ``provenance.csv`` and ``metadata.csv``;
        every cell is already text as it will be written.

    Raises
    ------
    SourceError
        A raw file is missing, lacks a column, holds a value that is not a number,
        a repeated row or an unknown country code (each problem names file and line),
        or the framework does not match what the sources give.
    """
    if export_control not in ("ear", "ai_diffusion"):
        raise ValueError(f"export_control must be 'ear' or 'ai_diffusion'; got {export_control!r}")
    reader = Reader(Path(sources))
    reader.check_files()
    framework = _framework(export_control)
    structure = _read_text_table(STRUCTURE, STRUCTURE_COLUMNS, "structure")
    source_list = _source_list()
    world = load_world(reader)
    reader.raise_if_any()
    ctx = Context(reader, world)  # problems found from here on are collected, then raised at once

    functions = dict(INDICATORS)
    if export_control == "ai_diffusion":
        functions = {("ai_diffusion_tier" if k == "export_control" else k): v for k, v in functions.items()}
        functions["ai_diffusion_tier"] = ALTERNATIVE_INDICATORS["ai_diffusion_tier"]
    columns = {code: fn(ctx) for code, fn in functions.items()}
    reader.raise_if_any()

    # the language indicators (indicators/languages.py)
    languages = _languages_module()
    try:
        lang_values, lang_prov = languages.language_indicators(Path(sources), list(ctx.countries))
    except getattr(languages, "SourceError", SourceError) as exc:
        raise SourceError(str(exc).splitlines()) from exc
    lang_codes = [d["code"] for d in languages.INDICATORS]
    problems = _check_language_rows(framework, languages.INDICATORS)
    if sorted(lang_values.columns) != sorted(lang_codes):
        problems.append(f"languages.py: language_indicators() returned the columns "
                        f"{', '.join(lang_values.columns)}; INDICATORS lists {', '.join(lang_codes)}")
    unknown = sorted(set(lang_values.index) - set(ctx.countries))
    if unknown:
        problems.append(f"languages.py: values for {', '.join(unknown)}, which are no World Bank economies")
    lang_values = lang_values.reindex(ctx.countries)

    # framework <-> indicators
    built = list(columns) + [c for c in lang_codes if c not in columns]
    for line, code in zip(framework["_line"], framework["code"]):
        if code not in built:
            problems.append(f"{FRAMEWORK.name}, line {line}: indicator {code!r} is built by no rule of build.py "
                            f"nor by languages.py")
    for code in built:
        if code not in set(framework["code"]):
            problems.append(f"{FRAMEWORK.name}: no row for the indicator {code!r} that the build derives")
    if problems:
        raise SourceError(problems)

    codes = list(framework["code"])
    values = pd.DataFrame(index=pd.Index(ctx.countries, name="country"), columns=codes, dtype=float)
    prov_rows = []
    for code in codes:
        if code in columns:
            col = columns[code]
            for c, v in col.values.items():
                values.at[c, code] = v
                note = col.notes[c]
                y = col.years[c]
                if (c, "population", y) in ctx.supplied and "SP.POP.TOTL" in note:
                    note = note.replace(f"WDI SP.POP.TOTL {y}", f"population {y} "
                                        f"({_readers.supplement_note(ctx, c, 'SP.POP.TOTL', y)})")
                prov_rows.append((c, code, str(y), col.sources.get(c, col.source), note))
        else:
            values[code] = lang_values[code].astype(float)
    lp = lang_prov.copy()
    lp = lp[lp["indicator"].isin(lang_codes)]
    for rec in lp.itertuples(index=False):
        if not pd.isna(values.at[rec.country, rec.indicator]):
            prov_rows.append((rec.country, rec.indicator, _year_text(rec.year), str(rec.source), str(rec.note)))
    provenance = pd.DataFrame(prov_rows, columns=["country", "indicator", "year", "source", "note"])
    provenance = provenance.sort_values(["country", "indicator"], kind="stable").reset_index(drop=True)
    _check_provenance(values, provenance)

    # indicators.csv: the framework, with the newest data year checked against it
    ind = framework[INDICATOR_COLUMNS].copy()
    newest = provenance.assign(y=pd.to_numeric(provenance["year"], errors="coerce")).groupby("indicator")["y"].max()
    problems = []
    for i, row in framework.iterrows():
        want = newest.get(row["code"])
        if want is not None and not math.isnan(want) and row["year"] != str(int(want)):
            problems.append(f"{FRAMEWORK.name}, line {row['_line']}: year {row['year']!r} for {row['code']!r}, "
                            f"but its newest value is from {int(want)}; update the framework")
    for i, row in framework.iterrows():
        if row["transform"] == "log":
            bad = values[row["code"]][values[row["code"]] <= 0]
            if len(bad):
                problems.append(f"{FRAMEWORK.name}, line {row['_line']}: transform 'log' for {row['code']!r}, "
                                f"but {', '.join(bad.index[:5])} have values <= 0; use log1p")
    lang_sources = pd.DataFrame([{c: _year_text(d.get(c, "")) for c in SOURCE_COLUMNS}
                                 for d in getattr(languages, "SOURCES", [])], columns=SOURCE_COLUMNS)
    for s in sorted(set(lang_sources["source"]) & set(source_list["source"])):
        problems.append(f"{SOURCE_LIST.name}: source {s!r} is also defined by languages.py SOURCES")
    source_list = pd.concat([source_list[SOURCE_COLUMNS], lang_sources], ignore_index=True)
    used = set(ind["source"]) | set(provenance["source"])
    known = set(source_list["source"])
    for s in sorted(used - known):
        problems.append(f"{SOURCE_LIST.name}: no row for the source {s!r} used by the indicators")
    if problems:
        raise SourceError(problems)

    # countries.csv
    eco = world.economies.loc[ctx.countries]
    pop = latest(ctx.wdi["population"], MIN_YEAR)
    gdp = latest(ctx.wdi["gdp_pc"], MIN_YEAR)
    countries = pd.DataFrame({
        "country": ctx.countries,
        "name": eco["name"].to_numpy(),
        "region": eco["region"].to_numpy(),
        "income_group": eco["income_group"].to_numpy(),
        "lending_category": eco["lending_category"].to_numpy(),
        "population": [fmt(pop["value"].get(c)) for c in ctx.countries],
        "population_year": [fmt(pop["year"].get(c)) for c in ctx.countries],
        "gdp_per_capita": [fmt(gdp["value"].get(c)) for c in ctx.countries],
        "gdp_per_capita_year": [fmt(gdp["year"].get(c)) for c in ctx.countries],
    })

    data = pd.DataFrame({"country": ctx.countries, "name": eco["name"].to_numpy()})
    for code in codes:
        data[code] = [fmt(v) for v in values[code].to_numpy()]

    sources_out = source_list[source_list["source"].isin(used)][SOURCE_COLUMNS].sort_values("source")
    coverage = values.notna().sum()
    metadata = pd.DataFrame([
        ("version", VERSION),
        ("name", "readiness default dataset: sovereign AI readiness indicators"),
        ("countries", str(len(ctx.countries))),
        ("indicators", str(len(codes))),
        ("values", str(int(coverage.sum()))),
        ("min_year", str(MIN_YEAR)),
        ("year_rule", f"latest available year since {MIN_YEAR} per country and series; year per value in "
                      "provenance.csv"),
        ("number_format", f"{DIGITS} significant digits"),
        ("export_control", export_control),
        ("territories_not_scored", " ".join(sorted(world.outside))),
        ("build", "python -m readiness.indicators.build"),
    ], columns=["key", "value"])
    hosted = hosted_compute_table(ctx)
    reader.raise_if_any()
    origin_coverage, language_support = _origin_tables(languages, Path(sources), ctx.countries)
    return {
        "countries.csv": countries,
        "hosted_compute.csv": hosted,
        "language_support.csv": language_support,
        "origin_coverage.csv": origin_coverage,
        "settings.csv": pd.DataFrame(list(DATASET_SETTINGS), columns=["setting", "value"]),
        "data.csv": data,
        "indicators.csv": ind,
        "metadata.csv": metadata,
        "provenance.csv": provenance,
        "sources.csv": sources_out,
        "structure.csv": structure[STRUCTURE_COLUMNS],
    }


def _origin_tables(languages, sources: Path, countries: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    origins, langs = languages.origin_tables(sources, countries)
    origins = origins.copy()
    for c in origins.columns[1:-1]:
        origins[c] = [fmt(v) for v in origins[c]]
    langs = langs.copy()
    langs["share"] = [fmt(v) for v in langs["share"]]
    return origins, langs



def _check_language_rows(framework: pd.DataFrame, indicators: list[dict]) -> list[str]:
    """The framework rows of the language indicators must say what languages.py says."""
    problems = []
    rows = {code: row for code, row in zip(framework["code"], framework.to_dict("records"))}
    for d in indicators:
        row = rows.get(d["code"])
        if row is None:
            continue
        for c in ("parent", "direction", "unit", "transform", "source", "year"):
            if c in d and _year_text(d[c]) != row[c]:
                problems.append(f"{FRAMEWORK.name}, line {row['_line']}: {c} {row[c]!r} for {d['code']!r}, "
                                f"but languages.py INDICATORS says {_year_text(d[c])!r}")
    return problems


def _year_text(year) -> str:
    if isinstance(year, (int, np.integer)):
        return str(int(year))
    if isinstance(year, (float, np.floating)) and not math.isnan(year) and float(year).is_integer():
        return str(int(year))
    return str(year)


def _check_provenance(values: pd.DataFrame, provenance: pd.DataFrame):
    """Every non-missing value has exactly one provenance row and vice versa."""
    have = set(zip(provenance["country"], provenance["indicator"]))
    problems = []
    if len(have) != len(provenance):
        problems.append("provenance: a (country, indicator) pair appears twice")
    stacked = values.stack().dropna()
    want = set(stacked.index)
    for c, i in sorted(want - have)[:10]:
        problems.append(f"provenance: no row for the value of {i!r} for {c}")
    for c, i in sorted(have - want)[:10]:
        problems.append(f"provenance: a row for {i!r} for {c}, which has no value")
    if problems:
        raise SourceError(problems)


def _csv_bytes(table: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(table.columns))
    for row in table.itertuples(index=False):
        writer.writerow(["" if v is None else str(v) for v in row])
    return buf.getvalue().encode("utf-8")


def write(tables: dict[str, pd.DataFrame], out) -> Path:
    """Write the tables as CSV files into ``out`` (created if needed), each replaced atomically."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in sorted(tables.items()):
        data = _csv_bytes(table)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out / name)
    return out


def check(shipped=DEFAULT_OUT, sources=SOURCES) -> list[str]:
    """Build afresh and list the files of ``shipped`` that differ (empty when up to date)."""
    fresh = build(sources)
    shipped = Path(shipped)
    stale = []
    for name, table in sorted(fresh.items()):
        path = shipped / name
        if not path.is_file() or path.read_bytes() != _csv_bytes(table):
            stale.append(name)
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m readiness.indicators.build",
        description="Build the embedded default dataset from indicators/sources/.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder (default: indicators/default)")
    parser.add_argument("--sources", type=Path, default=SOURCES,
                        help="folder of raw extracts (default: indicators/sources)")
    parser.add_argument("--check", action="store_true",
                        help="build into memory and exit 1 if the files in --out differ")
    parser.add_argument("--export-control", choices=("ear", "ai_diffusion"), default="ear",
                        help="export-control indicator: EAR country groups (default) or the "
                             "January 2025 AI Diffusion tiers (an alternative; not with --check)")
    args = parser.parse_args(argv)
    if args.check and args.export_control != "ear":
        parser.error("--check compares the default build; leave out --export-control")
    try:
        if args.check:
            stale = check(args.out, args.sources)
            if stale:
                print(f"{args.out}: out of date: {', '.join(stale)}; rebuild with "
                      "`python -m readiness.indicators.build`", file=sys.stderr)
                return 1
            print(f"{args.out}: up to date")
            return 0
        tables = build(args.sources, export_control=args.export_control)
        write(tables, args.out)
    except SourceError as exc:
        for line in exc.problems:
            print(f"Error: {line}", file=sys.stderr)
        return 2
    data = tables["data.csv"]
    print(f"wrote {args.out}: {len(data)} countries x {data.shape[1] - 2} indicators")
    return 0


if __name__ == "__main__":
    sys.exit(main())
