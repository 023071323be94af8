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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if not __package__:  # run as a script from a source checkout: make `readiness` importable
    sys.path.insert(0, str(HERE.parent))

from readiness._validation import InputError  # noqa: E402
from readiness.io.trade import TradeError, read_atlas_concentration  # noqa: E402

__all__ = ["SourceError", "build", "write", "check", "main", "VERSION", "MIN_YEAR"]

SOURCES = HERE / "sources"
DEFAULT_OUT = HERE / "default"
FRAMEWORK = HERE / "framework.csv"
ALTERNATIVES = HERE / "framework_alternatives.csv"
STRUCTURE = HERE / "structure.csv"
SOURCE_LIST = HERE / "sources.csv"

VERSION = "2026.12"
MIN_YEAR = 2015
DIGITS = 12
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
SUPPLEMENT = "supplement/national_supplement.csv"
SUPPLEMENT_SERIES = {"SP.POP.TOTL": "population", "GB.XPD.RSDV.GD.ZS": "rd", "SE.TER.ENRR": "tertiary",
                     "internet_users": None,
                     "researchers_fte": None}

# WDI series used, by file name (lower-case code).
WDI = {
    "broadband": "it.net.bbnd.p2",
    "servers": "it.net.secr.p6",
    "electricity": "eg.elc.accs.zs",
    "outages": "ic.elc.outg.zs",
    "hightech": "tx.val.tech.mf.zs",
    "hightech_value": "tx.val.tech.cd",
    "mht": "nv.mnf.tech.zs.un",
    "ip_receipts": "bx.gsr.royl.cd",
    "ip_payments": "bm.gsr.royl.cd",
    "tertiary": "se.ter.enrr",
    "researchers": "sp.pop.scie.rd.p6",
    "rd": "gb.xpd.rsdv.gd.zs",
    "articles": "ip.jrn.artc.sc",
    "population": "sp.pop.totl",
    "gdp_pc": "ny.gdp.pcap.cd",
}

# Every raw file read, with the columns the build needs (extra columns are allowed).
FILES = {
    "wb_class/CLASS_FY2025_list_of_economies.csv": ("Economy", "Code", "Region", "Income group",
                                                    "Lending category"),
    "wb_class/CLASS_FY2025_compositions.csv": ("WB_Group_Code", "WB_Group_Name", "WB_Country_Code"),
    **{f"wdi/{code}.csv": ("Country Name", "Country Code", "Year", "Value") for code in WDI.values()},
    "owid_internet_users/share-of-individuals-using-the-internet.csv": (
        "Entity", "Code", "Year", "Individuals using the Internet (% of population)"),
    "github_innovation_graph/developers.csv": ("developers", "iso2_code", "year", "quarter"),
    "github_innovation_graph/languages_ai_subset_2024Q1snapshot.csv": (
        "num_pushers", "language", "iso2_code", "year", "quarter"),
    "epoch_ai/gpu_clusters_existing_by_country.csv": (
        "iso3", "existing_clusters", "max_cluster_h100e", "standard_clusters", "h100e_existing_standard"),
    "epoch_ai/notable_ai_models_by_country.csv": ("iso3", "notable_models_all_years", "open_weight_notable_models"),
    "epoch_ai/gpu_clusters_gpu_clusters.csv": ("Name", "Status", "Certainty", "H100 equivalents", "Country",
                                               "Owner", "Sector", "First Operational Date",
                                               "Include in Standard Analysis"),
    "epoch_ai/owner_countries.csv": ("owner", "owner_country", "basis"),
    SUPPLEMENT: ("country", "series", "year", "value", "publisher", "url", "note"),
    "top500/top500_202506_by_country.csv": ("iso3", "systems", "rmax_tflops"),
    "cloud_regions/cloud_regions_by_country_2025-01.csv": (
        "iso3", "regions_in_service", "providers_in_service", "regions_planned"),
    "us_export_control_groups/us_ear_country_groups_2026-07-23.csv": (
        "iso3", "ear_name", "A5", "A6", "D1", "D4", "D5", "E1", "E2", "groups"),
    "us_export_control_groups/ai_diffusion_rule_tiers_2025-01-15.csv": ("iso3", "name", "tier", "basis"),
    "atlas_chip_bilateral_50/chip_import_concentration_2021_2023.csv": (
        "importer", "year", "top1_share", "hhi_row_as_one_supplier", "twn_chn_hkg_share",
        "importer_is_aggregate"),
}

# Codes that are not countries but that a source may hold (anything else unknown stops the build).
OWID_AGGREGATES = {"OWID_WRL"}
OWID_NAMES = {  # rows with an empty Code: entity name -> ISO3, or "" for an aggregate
    "Faeroe Islands": "FRO",
    "Low-income countries": "",
    "Lower-middle-income countries": "",
    "South Asia (WB)": "",
}
ALIASES = {"OWID_KOS": "XKX", "XK": "XKX"}  # source code -> World Bank code
CHANNEL_ISLANDS = ("JE", "GG")  # GitHub reports Jersey and Guernsey; the WB economy CHI is both
OTHER_LABELS = {
    "github_innovation_graph/": {"EU"},
    "epoch_ai/notable_ai_models_by_country.csv": {"Multinational"},
    "atlas_chip_bilateral_50/": {"ROW"},
}

# US export-control standing: ordinal levels (higher = less exposed), first match wins.
EXPORT_CONTROL_LEVELS = (
    (0, "E:1 or E:2 (terrorism-supporting / unilateral embargo)"),
    (1, "D:5 (US arms embargo) or Macau"),
    (2, "D:1 or D:4 (national-security or missile concern), not A:5 or A:6"),
    (3, "listed, in none of the groups above or below (Country Group B and/or D:2, D:3 only)"),
    (4, "A:6 (License Exception STA, limited)"),
    (5, "A:5 (License Exception STA, full)"),
    (6, "the United States and its territories (the controlling country)"),
)
US_TERRITORIES = ("ASM", "GUM", "MNP", "PRI", "VIR")


class SourceError(InputError):
    """A raw source file that is missing, has changed columns or holds values the build cannot use.

    Every problem found is listed (``problems``), each naming the file and line.
    """


# -- reading raw files -----------------------------------------------------------------


def _fmt(value) -> str:
    """A number as text with 12 significant digits; NaN and None as an empty string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    x = float(value)
    if math.isnan(x):
        return ""
    text = format(x, f".{DIGITS}g")
    return "0" if text == "-0" else text


@dataclass
class _World:
    """Who is who: World Bank economies and aggregates, ISO 3166 codes."""

    economies: pd.DataFrame                       # index: WB code
    aggregates: set = field(default_factory=set)  # WB aggregate codes
    iso3: set = field(default_factory=set)
    iso2: dict = field(default_factory=dict)      # ISO2 -> ISO3
    outside: set = field(default_factory=set)     # ISO codes met in sources that are no WB economy


class _Reader:
    """Reads raw files below ``root`` as text and collects every problem found."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.problems: list[str] = []

    def check_files(self):
        """Raise one SourceError for every missing file or header without a needed column."""
        for rel, columns in FILES.items():
            path = self.root / rel
            if not path.is_file():
                self.problems.append(f"{rel}: file not found in {self.root}; expected the raw extract "
                                     f"with the columns {', '.join(columns)} (see {rel.split('/')[0]}/README.md)")
                continue
            with open(path, encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh), [])
            missing = [c for c in columns if c not in header]
            if missing:
                self.problems.append(f"{rel}, line 1 (header): missing column(s) "
                                     f"{', '.join(map(repr, missing))}; found {', '.join(header) or 'nothing'}; "
                                     f"expected {', '.join(columns)}")
        self.raise_if_any()

    def raise_if_any(self):
        if self.problems:
            problems, self.problems = self.problems, []
            raise SourceError(problems)

    def table(self, rel: str) -> pd.DataFrame:
        """The file as strings (empty cell = ''), with a ``_line`` column (header = line 1)."""
        frame = pd.read_csv(self.root / rel, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for column in frame.columns:
            if frame[column].str.startswith(" ").any() or frame[column].str.endswith(" ").any():
                frame[column] = frame[column].str.strip()
        frame["_line"] = np.arange(len(frame)) + 2
        return frame

    def numbers(self, frame: pd.DataFrame, column: str, rel: str, *, blank_ok: bool = False) -> pd.Series:
        """Parse ``column`` as floats; every cell that is not a number becomes a problem."""
        parsed = pd.to_numeric(frame[column], errors="coerce")
        bad = parsed.isna() & ~((frame[column] == "") & blank_ok)
        for line, raw in zip(frame.loc[bad, "_line"], frame.loc[bad, column]):
            self.problems.append(f"{rel}, line {line}: found {raw!r} in column {column!r}; expected a number"
                                 + (" or an empty cell" if blank_ok else ""))
        return parsed.astype(float)

    def codes(self, frame: pd.DataFrame, column: str, rel: str, world: _World, *, iso2: bool = False,
              labels=()) -> pd.Series:
        """Map ``column`` to World Bank economy codes; '' for aggregates and non-WB territories.

        A code that is neither a WB economy or aggregate, an ISO 3166-1 code, an alias
        nor one of ``labels`` becomes a problem naming the file and line.
        """
        mapping, unknown = {}, set()
        for raw in frame[column].unique():
            code = ALIASES.get(raw, raw)
            if code in labels:
                mapping[raw] = ""
                continue
            if iso2 and code not in world.economies.index:
                if code in CHANNEL_ISLANDS:
                    mapping[raw] = code  # kept as is: summed into CHI by the caller
                    continue
                code = world.iso2.get(code, "?" + code)
            if code in world.economies.index:
                mapping[raw] = code
            elif code in world.aggregates:
                mapping[raw] = ""
            elif code in world.iso3:
                world.outside.add(code)
                mapping[raw] = ""
            else:
                unknown.add(raw)
                mapping[raw] = ""
        what = "an ISO 3166-1 alpha-2" if iso2 else "a World Bank or ISO 3166-1 alpha-3"
        extra = f" or one of {', '.join(sorted(labels))}" if labels else ""
        for raw in sorted(unknown):
            lines = [int(x) for x in frame.loc[frame[column] == raw, "_line"]]
            where = f"line {lines[0]}" if len(lines) == 1 else (
                f"lines {', '.join(map(str, lines[:5]))}{' ...' if len(lines) > 5 else ''} ({len(lines)} rows)")
            self.problems.append(f"{rel}, {where}: unknown country code {raw!r} in column {column!r}; "
                                 f"expected {what} code{extra}")
        return frame[column].map(mapping).astype(object)

    def unique(self, frame: pd.DataFrame, keys: list[str], rel: str):
        """Report rows whose ``keys`` repeat an earlier row."""
        dup = frame.duplicated(keys, keep="first")
        for line, vals in zip(frame.loc[dup, "_line"], frame.loc[dup, keys].itertuples(index=False)):
            self.problems.append(f"{rel}, line {line}: {', '.join(map(str, vals))} a second time; "
                                 f"expected one row per {', '.join(keys)}")


def _labels(rel: str) -> set:
    out = set()
    for prefix, labels in OTHER_LABELS.items():
        if rel.startswith(prefix):
            out |= labels
    return out


def _world(reader: _Reader) -> _World:
    import pycountry

    rel = "wb_class/CLASS_FY2025_list_of_economies.csv"
    t = reader.table(rel)
    reader.unique(t[t["Code"] != ""], ["Code"], rel)
    economies = t[t["Region"] != ""].set_index("Code")
    aggregates = set(t.loc[(t["Region"] == "") & (t["Code"] != ""), "Code"])
    comp = reader.table("wb_class/CLASS_FY2025_compositions.csv")
    aggregates |= set(comp["WB_Group_Code"])
    for line, code in zip(comp["_line"], comp["WB_Country_Code"]):
        if code not in economies.index:
            reader.problems.append(f"wb_class/CLASS_FY2025_compositions.csv, line {line}: member "
                                   f"{code!r} is not an economy of the list of economies")
    world = _World(
        economies=economies.rename(columns={"Economy": "name", "Region": "region",
                                            "Income group": "income_group",
                                            "Lending category": "lending_category"}),
        aggregates=aggregates,
        iso3={c.alpha_3 for c in pycountry.countries},
        iso2={c.alpha_2: c.alpha_3 for c in pycountry.countries},
    )
    world.iso2.update({"XK": "XKX"})
    return world


def _wdi(reader: _Reader, world: _World, key: str) -> pd.DataFrame:
    """A WDI series: columns country, year, value (economies only, no missing values)."""
    rel = f"wdi/{WDI[key]}.csv"
    t = reader.table(rel)
    country = reader.codes(t, "Country Code", rel, world)
    year = reader.numbers(t, "Year", rel)
    value = reader.numbers(t, "Value", rel, blank_ok=True)
    reader.unique(t, ["Country Code", "Year"], rel)
    out = pd.DataFrame({"country": country, "year": year, "value": value, "line": t["_line"]})
    return out[(out["country"] != "") & out["value"].notna() & out["year"].notna()]


def _latest(series: pd.DataFrame, min_year: int = MIN_YEAR) -> pd.DataFrame:
    """The latest (year, value) per country since ``min_year``, indexed by country."""
    s = series[series["year"] >= min_year].sort_values(["country", "year"])
    return s.groupby("country").tail(1).set_index("country")[["year", "value"]]


# -- the indicators ----------------------------------------------------------------------


@dataclass
class _Column:
    """One indicator: values, years and notes per country (only non-missing values)."""

    code: str
    source: str
    values: dict = field(default_factory=dict)
    years: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)  # per-value source id, when not ``source``

    def put(self, country: str, value: float, year: int, note: str, source: str | None = None):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        self.values[country] = float(value)
        self.years[country] = int(year)
        self.notes[country] = note
        if source:
            self.sources[country] = source


class _Context:
    """The loaded raw tables the indicator functions draw on."""

    def __init__(self, reader: _Reader, world: _World):
        self.reader, self.world = reader, world
        self.countries = list(world.economies.index.sort_values())
        self.wdi = {key: _wdi(reader, world, key) for key in WDI}
        self.supplement = _supplement(reader, world)
        self.supplied = set()  # (country, key, year) taken from the supplement
        in_wdi = {key: set(frame["country"]) for key, frame in self.wdi.items()}
        for rec in self.supplement.itertuples(index=False):
            key = SUPPLEMENT_SERIES.get(rec.series)
            if key is None or rec.country in in_wdi[key]:
                continue  # the WDI has the economy: the supplement is not used
            have = self.wdi[key]
            self.wdi[key] = pd.concat([have, pd.DataFrame({"country": [rec.country], "year": [float(rec.year)],
                                                           "value": [rec.value], "line": [rec.line]})],
                                      ignore_index=True)
            self.supplied.add((rec.country, key, int(rec.year)))
        pop = self.wdi["population"]
        self.population = {(c, int(y)): v for c, y, v in zip(pop["country"], pop["year"], pop["value"])}

    def per_capita(self, country: str, year: int, value: float, per: float):
        """``value / population(country, year) * per``, NaN without a population that year."""
        pop = self.population.get((country, int(year)))
        if pop is None or pop <= 0:
            return math.nan
        return value / pop * per


def _supplement(reader: _Reader, world: _World) -> pd.DataFrame:
    """The national supplement: official figures for economies the WDI / ITU files omit."""
    rel = SUPPLEMENT
    t = reader.table(rel)
    country = reader.codes(t, "country", rel, world)
    year, value = reader.numbers(t, "year", rel), reader.numbers(t, "value", rel)
    reader.unique(t, ["country", "series", "year"], rel)
    for line, series, url in zip(t["_line"], t["series"], t["url"]):
        if series not in SUPPLEMENT_SERIES:
            reader.problems.append(f"{rel}, line {line}: series {series!r}; expected one of "
                                   f"{', '.join(SUPPLEMENT_SERIES)}")
        if not url.startswith("https://"):
            reader.problems.append(f"{rel}, line {line}: url {url!r}; expected the https address of the publication")
    return pd.DataFrame({"country": country, "series": t["series"], "year": year, "value": value,
                         "publisher": t["publisher"], "url": t["url"], "note": t["note"], "line": t["_line"]})


def _supplement_note(ctx, country, key_or_series, year) -> str | None:
    """'national supplement: publisher, url' for a value taken from the supplement, else None."""
    s = ctx.supplement
    hit = s[(s["country"] == country) & (s["series"] == key_or_series) & (s["year"] == year)]
    if hit.empty:
        return None
    r = hit.iloc[0]
    return f"national supplement: {r['publisher']}, {r['url']} ({r['note']})"


def _wdi_latest(ctx: _Context, code: str, key: str, source: str = "wdi") -> _Column:
    col = _Column(code, source)
    series = WDI[key].upper()
    for country, (year, value) in _latest(ctx.wdi[key]).iterrows():
        supp = _supplement_note(ctx, country, series, int(year)) if (country, key, int(year)) in ctx.supplied else None
        if supp:
            col.put(country, value, year, f"{series} absent from the WDI for this economy; {supp}",
                    source="national_supplement")
        else:
            col.put(country, value, year, f"WDI {series}, latest year since {MIN_YEAR}")
    return col


def _per_capita_latest(ctx: _Context, code: str, key: str, per: float, what: str) -> _Column:
    """Latest value since MIN_YEAR of a WDI count divided by the population of the same year."""
    col = _Column(code, "wdi")
    series = WDI[key].upper()
    for country, (year, value) in _latest(ctx.wdi[key]).iterrows():
        if value < 0:
            continue
        col.put(country, ctx.per_capita(country, year, value, per), year,
                f"WDI {series} {_fmt(value)} {what} / WDI SP.POP.TOTL {int(year)}"
                + (f" x {_fmt(per)}" if per != 1 else ""))
    return col


def _internet_users(ctx):
    rel = "owid_internet_users/share-of-individuals-using-the-internet.csv"
    r, t = ctx.reader, ctx.reader.table("owid_internet_users/share-of-individuals-using-the-internet.csv")
    value_col = "Individuals using the Internet (% of population)"
    codes = t["Code"].copy()
    for line, entity in zip(t.loc[codes == "", "_line"], t.loc[codes == "", "Entity"]):
        if entity not in OWID_NAMES:
            r.problems.append(f"{rel}, line {line}: entity {entity!r} has no code; expected an ISO3 code, "
                              f"or an entity listed in build.OWID_NAMES")
    named = codes == ""
    by_name = {OWID_NAMES[e]: e for e in t.loc[named, "Entity"] if OWID_NAMES.get(e)}
    codes[named] = t.loc[named, "Entity"].map(lambda e: OWID_NAMES.get(e, "") or "OWID_WRL")
    t = t.assign(Code=codes)
    country = r.codes(t, "Code", rel, ctx.world, labels=OWID_AGGREGATES)
    year = r.numbers(t, "Year", rel)
    value = r.numbers(t, value_col, rel)
    r.unique(t, ["Entity", "Year"], rel)
    series = pd.DataFrame({"country": country, "year": year, "value": value})
    series = series[(series["country"] != "") & series["value"].notna()]
    col = _Column("internet_users", "owid_itu")
    for country, (y, v) in _latest(series).iterrows():
        how = f" (entity {by_name[country]!r}, which has no code in the file)" if country in by_name else ""
        col.put(country, v, y, f"ITU via Our World in Data{how}, latest year since {MIN_YEAR}")
    supp = ctx.supplement[ctx.supplement["series"] == "internet_users"].sort_values("year")
    for rec in supp.itertuples(index=False):
        if rec.country not in set(series["country"]) and rec.year >= MIN_YEAR:
            col.put(rec.country, rec.value, int(rec.year),
                    f"absent from the ITU series; {_supplement_note(ctx, rec.country, 'internet_users', rec.year)}",
                    source="national_supplement")
    return col


def _power_reliability(ctx):
    col = _Column("power_reliability", "wdi")
    for country, (year, value) in _latest(ctx.wdi["outages"]).iterrows():
        col.put(country, 100.0 - value, year,
                f"100 - WDI IC.ELC.OUTG.ZS ({_fmt(value)}% of firms with outages), latest year since {MIN_YEAR}")
    return col


def _articles_pm(ctx):
    articles = ctx.wdi["articles"]
    col = _Column("articles_pm", "wdi")
    for country, (year, value) in _latest(articles).iterrows():
        col.put(country, ctx.per_capita(country, year, value, 1e6), year,
                f"WDI IP.JRN.ARTC.SC {_fmt(value)} articles / SP.POP.TOTL {int(year)} x 1e6")
    return col


def _github(ctx, code, rel, value_col, *, year, quarter, where=None, what):
    """Per-1,000-people values from a GitHub Innovation Graph file for one quarter."""
    r = ctx.reader
    t = r.table(rel)
    country = r.codes(t, "iso2_code", rel, ctx.world, iso2=True, labels=_labels(rel))
    value = r.numbers(t, value_col, rel)
    years, quarters = r.numbers(t, "year", rel), r.numbers(t, "quarter", rel)
    keys = ["iso2_code", "year", "quarter"] + (["language"] if "language" in t.columns else [])
    r.unique(t, keys, rel)
    keep = (years == year) & (quarters == quarter)
    if where is not None:
        keep &= where(t)
    rows = pd.DataFrame({"country": country, "value": value})[keep]
    counts = dict(zip(rows["country"], rows["value"]))
    col = _Column(code, "github_innovation_graph")
    period = f"{year}Q{quarter}"
    for c, v in sorted(counts.items()):
        if c and c not in CHANNEL_ISLANDS:
            col.put(c, ctx.per_capita(c, year, v, 1e3), year,
                    f"{_fmt(v)} {what} in {period} / WDI SP.POP.TOTL {year} x 1000")
    if all(c in counts for c in CHANNEL_ISLANDS):
        v = sum(counts[c] for c in CHANNEL_ISLANDS)
        parts = " + ".join(f"{_fmt(counts[c])} ({c})" for c in CHANNEL_ISLANDS)
        col.put("CHI", ctx.per_capita("CHI", year, v, 1e3), year,
                f"{parts} {what} in {period} / WDI SP.POP.TOTL {year} x 1000 (Jersey + Guernsey)")
    return col


def _github_developers(ctx):
    return _github(ctx, "github_developers_pk", "github_innovation_graph/developers.csv", "developers",
                   year=2025, quarter=3, what="developers")


def _listed(ctx, rel, *, code, source, year, value, zero_note, note, per_million=False):
    """A count from an exhaustive per-country list: absent countries are true zeros."""
    r = ctx.reader
    t = r.table(rel)
    country = r.codes(t, "iso3", rel, ctx.world, labels=_labels(rel))
    r.unique(t, ["iso3"], rel)
    col = _Column(code, source)
    listed = {}
    for i, c in zip(t.index, country):
        if c:
            listed[c] = t.loc[i]
    for c in ctx.countries:
        if c not in listed:
            col.put(c, 0.0, year, zero_note)
            continue
        v, text = value(listed[c])
        if v is None:
            continue
        if per_million and v != 0:
            v = ctx.per_capita(c, year, v, 1e6)
        col.put(c, v, year, note(listed[c], text))
    return col


def _number_or_nan(text: str) -> float:
    return float(text) if text != "" else math.nan


def _gpu_h100e_pm(ctx):
    rel = "epoch_ai/gpu_clusters_existing_by_country.csv"
    r = ctx.reader
    t = r.table(rel)
    for col in ("existing_clusters", "max_cluster_h100e", "standard_clusters", "h100e_existing_standard"):
        r.numbers(t, col, rel, blank_ok=True)

    def value(row):
        if row["max_cluster_h100e"] == "":  # every existing cluster there lacks an H100e estimate
            return None, ""
        h100e = _number_or_nan(row["h100e_existing_standard"])
        return (0.0 if math.isnan(h100e) else h100e), _fmt(h100e if not math.isnan(h100e) else 0.0)

    return _listed(
        ctx, rel, code="gpu_h100e_pm", source="epoch_gpu_clusters", year=2025, value=value,
        per_million=True,
        zero_note="true zero: no existing GPU cluster in Epoch AI's list (2025-12 snapshot)",
        note=lambda row, text: (f"{text} H100e in existing clusters of Epoch's standard analysis "
                                f"(2025-12) / WDI SP.POP.TOTL 2025 x 1e6"))


def _top500_rmax_pm(ctx):
    rel = "top500/top500_202506_by_country.csv"
    t = ctx.reader.table(rel)
    ctx.reader.numbers(t, "rmax_tflops", rel)
    ctx.reader.numbers(t, "systems", rel)
    return _listed(
        ctx, rel, code="top500_rmax_pm", source="top500", year=2025, per_million=True,
        value=lambda row: (float(row["rmax_tflops"]), row["rmax_tflops"]),
        zero_note="true zero: no system on the TOP500 June 2025 list",
        note=lambda row, text: (f"{row['systems']} systems, Rmax {text} TFlop/s (TOP500 June 2025) "
                                f"/ WDI SP.POP.TOTL 2025 x 1e6"))


def _cloud_providers(ctx):
    rel = "cloud_regions/cloud_regions_by_country_2025-01.csv"
    t = ctx.reader.table(rel)
    for c in ("regions_in_service", "providers_in_service", "regions_planned"):
        ctx.reader.numbers(t, c, rel)
    return _listed(
        ctx, rel, code="cloud_providers", source="cloud_regions", year=2025,
        value=lambda row: (float(row["providers_in_service"]), row["providers_in_service"]),
        zero_note="true zero: no region of the 8 providers in the country (January 2025)",
        note=lambda row, text: (f"{_fmt(float(row['providers_in_service']))} providers with "
                                f"{_fmt(float(row['regions_in_service']))} regions in service, "
                                f"{_fmt(float(row['regions_planned']))} planned (January 2025)"))


def _model_developers(ctx):
    rel = "epoch_ai/notable_ai_models_by_country.csv"
    t = ctx.reader.table(rel)
    ctx.reader.numbers(t, "notable_models_all_years", rel)
    ctx.reader.numbers(t, "open_weight_notable_models", rel)
    return _listed(
        ctx, rel, code="ai_model_developers", source="epoch_ai_models", year=2025,
        value=lambda row: (float(row["notable_models_all_years"]), row["notable_models_all_years"]),
        zero_note="true zero: no notable AI model from the country's organisations in Epoch AI's "
                  "list (2025-12 snapshot)",
        note=lambda row, text: (f"{_fmt(float(text))} notable AI models (all years, any access; "
                                f"{_fmt(float(row['open_weight_notable_models'] or 0))} with open weights) by "
                                f"organisations of the country (Epoch AI, 2025-12)"))


def _export_control(ctx):
    rel = "us_export_control_groups/us_ear_country_groups_2026-07-23.csv"
    r = ctx.reader
    t = r.table(rel)
    country = r.codes(t, "iso3", rel, ctx.world)
    r.unique(t, ["iso3"], rel)
    flags = {g: r.numbers(t, g, rel) for g in ("A5", "A6", "D1", "D4", "D5", "E1", "E2")}
    col = _Column("export_control", "ear_country_groups")
    for i, c in zip(t.index, country):
        if not c:
            continue
        f = {g: flags[g].at[i] == 1 for g in flags}
        if c == "USA":
            level = 6
        elif f["E1"] or f["E2"]:
            level = 0
        elif f["D5"] or c == "MAC":
            level = 1
        elif f["A5"]:
            level = 5
        elif f["A6"]:
            level = 4
        elif f["D1"] or f["D4"]:
            level = 2
        else:
            level = 3
        groups = t.at[i, "groups"] or "none"
        col.put(c, float(level), 2026, f"EAR country groups {groups} (eCFR 2026-07-23): level {level}")
    for c in US_TERRITORIES:
        if c in ctx.world.economies.index and c not in col.values:
            col.put(c, 6.0, 2026, "part of the United States under the EAR (see the source README): level 6")
    return col


def _ai_diffusion_tier(ctx):
    rel = "us_export_control_groups/ai_diffusion_rule_tiers_2025-01-15.csv"
    r = ctx.reader
    t = r.table(rel)
    country = r.codes(t, "iso3", rel, ctx.world)
    tier = r.numbers(t, "tier", rel)
    r.unique(t, ["iso3"], rel)
    col = _Column("ai_diffusion_tier", "ai_diffusion_tiers")
    for i, c in zip(t.index, country):
        if c:
            col.put(c, tier.at[i], 2025, f"AI Diffusion Rule (2025-01-15) tier {_fmt(tier.at[i])}: "
                                         f"{t.at[i, 'basis']}")
    parts = {code: tier.at[i] for i, code in zip(t.index, t["iso3"]) if code in ("JEY", "GGY")}
    if "CHI" not in col.values and len(parts) == 2 and len(set(parts.values())) == 1:
        v = parts["JEY"]
        col.put("CHI", v, 2025, f"AI Diffusion Rule (2025-01-15) tier {_fmt(v)}: Jersey and Guernsey both")
    return col


def _atlas(ctx, code, measure, what):
    rel = "atlas_chip_bilateral_50/chip_import_concentration_2021_2023.csv"
    r = ctx.reader
    t = r.table(rel)
    r.codes(t, "importer", rel, ctx.world, labels=_labels(rel))
    try:
        table = read_atlas_concentration(r.root / rel)
    except TradeError as exc:
        r.problems.extend(exc.problems)
        return _Column(code, "atlas_chips")
    col = _Column(code, "atlas_chips")
    for c, v in table[measure].items():
        if c in ctx.world.economies.index:
            col.put(c, v, 2023, f"{what}, chip imports 2021-2023 (mean of the annual flows), "
                                f"Atlas of Economic Complexity HS2012")
    return col


INDICATORS = {
    # compute access
    "internet_users": _internet_users,
    "fixed_broadband": lambda ctx: _wdi_latest(ctx, "fixed_broadband", "broadband"),
    "secure_servers_pm": lambda ctx: _wdi_latest(ctx, "secure_servers_pm", "servers"),
    "electricity_access": lambda ctx: _wdi_latest(ctx, "electricity_access", "electricity"),
    "power_reliability": _power_reliability,
    "gpu_h100e_pm": _gpu_h100e_pm,
    "top500_rmax_pm": _top500_rmax_pm,
    "cloud_providers": _cloud_providers,
    # chip import resilience
    "export_control": _export_control,
    "hightech_exports_pc": lambda ctx: _per_capita_latest(ctx, "hightech_exports_pc", "hightech_value", 1,
                                                          "US$ of high-technology exports"),
    "mht_manufacturing": lambda ctx: _wdi_latest(ctx, "mht_manufacturing", "mht"),
    "ip_receipts_pc": lambda ctx: _per_capita_latest(ctx, "ip_receipts_pc", "ip_receipts", 1,
                                                     "US$ of IP receipts"),
    "chip_supplier_hhi": lambda ctx: _atlas(ctx, "chip_supplier_hhi", "hhi",
                                            "HHI of supplier shares x 10,000 (rest of world as one supplier)"),
    "chip_cluster_share": lambda ctx: _atlas(ctx, "chip_cluster_share", "cluster_share",
                                             "share from Taiwan + China + Hong Kong"),
    # talent
    "github_developers_pk": _github_developers,
    "tertiary_enrolment": lambda ctx: _wdi_latest(ctx, "tertiary_enrolment", "tertiary"),
    "articles_pm": _articles_pm,
    "rd_expenditure": lambda ctx: _wdi_latest(ctx, "rd_expenditure", "rd"),
    # open-model localisation (the language indicators come from languages.py)
    "ai_model_developers": _model_developers,
}
ALTERNATIVE_INDICATORS = {"ai_diffusion_tier": _ai_diffusion_tier}


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
    try:
        return importlib.import_module("readiness.indicators.languages")
    except ModuleNotFoundError as exc:
        if exc.name not in ("readiness.indicators", "readiness.indicators.languages"):
            raise
    path = HERE / "languages.py"
    spec = importlib.util.spec_from_file_location("_readiness_indicators_languages", path)
    if spec is None or not path.is_file():
        raise ModuleNotFoundError(f"{path}: the language indicators module is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses in the module look themselves up here
    spec.loader.exec_module(module)
    return module


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
    reader = _Reader(Path(sources))
    reader.check_files()
    framework = _framework(export_control)
    structure = _read_text_table(STRUCTURE, STRUCTURE_COLUMNS, "structure")
    source_list = _source_list()
    world = _world(reader)
    reader.raise_if_any()
    ctx = _Context(reader, world)  # problems found from here on are collected, then raised at once

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
                                        f"({_supplement_note(ctx, c, 'SP.POP.TOTL', y)})")
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
    pop = _latest(ctx.wdi["population"], MIN_YEAR)
    gdp = _latest(ctx.wdi["gdp_pc"], MIN_YEAR)
    countries = pd.DataFrame({
        "country": ctx.countries,
        "name": eco["name"].to_numpy(),
        "region": eco["region"].to_numpy(),
        "income_group": eco["income_group"].to_numpy(),
        "lending_category": eco["lending_category"].to_numpy(),
        "population": [_fmt(pop["value"].get(c)) for c in ctx.countries],
        "population_year": [_fmt(pop["year"].get(c)) for c in ctx.countries],
        "gdp_per_capita": [_fmt(gdp["value"].get(c)) for c in ctx.countries],
        "gdp_per_capita_year": [_fmt(gdp["year"].get(c)) for c in ctx.countries],
    })

    data = pd.DataFrame({"country": ctx.countries, "name": eco["name"].to_numpy()})
    for code in codes:
        data[code] = [_fmt(v) for v in values[code].to_numpy()]

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
    hosted = _hosted_compute(ctx)
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


EPOCH_NAMES = {"Korea (Republic of)": "KOR", "Philippines (the)": "PHL", "Russia": "RUS"}


def _hosted_compute(ctx) -> pd.DataFrame:
    """GPU clusters by host economy: owner, owner's country where known, status, H100e."""
    import pycountry

    r = ctx.reader
    rel = "epoch_ai/gpu_clusters_gpu_clusters.csv"
    t = r.table(rel)
    h100e = r.numbers(t, "H100 equivalents", rel, blank_ok=True)
    owners = r.table("epoch_ai/owner_countries.csv")
    r.codes(owners, "owner_country", "epoch_ai/owner_countries.csv", ctx.world)
    owner_country = dict(zip(owners["owner"], owners["owner_country"]))
    rows = []
    for i, row in t.iterrows():
        names = [n.strip() for n in row["Country"].split(",") if n.strip()]
        if len(names) != 1:
            continue  # multi-country or unlocated plans (e.g. a company-wide target): no host
        name = names[0]
        code = EPOCH_NAMES.get(name)
        if code is None:
            try:
                code = pycountry.countries.lookup(name).alpha_3
            except LookupError:
                r.problems.append(f"{rel}, line {row['_line']}: country {name!r} is no ISO 3166 name; "
                                  f"add it to build.EPOCH_NAMES")
                continue
        if code not in ctx.world.economies.index:
            continue
        oc = owner_country.get(row["Owner"], "")
        rows.append({
            "country": code, "cluster": row["Name"], "owner": row["Owner"], "owner_country": oc,
            "ownership": ("" if not oc else "domestic" if oc == code else "foreign"),
            "sector": row["Sector"], "status": row["Status"], "certainty": row["Certainty"],
            "h100e": _fmt(h100e.at[i]), "first_operational": row["First Operational Date"],
            "scored": "yes" if (row["Status"] == "Existing"
                                and row["Include in Standard Analysis"] == "True") else "no",
        })
    out = pd.DataFrame(rows, columns=["country", "cluster", "owner", "owner_country", "ownership", "sector",
                                      "status", "certainty", "h100e", "first_operational", "scored"])
    return out.sort_values(["country", "status", "cluster"], kind="stable").reset_index(drop=True)


def _origin_tables(languages, sources: Path, countries: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    origins, langs = languages.origin_tables(sources, countries)
    origins = origins.copy()
    for c in origins.columns[1:-1]:
        origins[c] = [_fmt(v) for v in origins[c]]
    langs = langs.copy()
    langs["share"] = [_fmt(v) for v in langs["share"]]
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
