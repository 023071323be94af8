"""Reading the raw extracts in ``indicators/sources/``: files, codes, numbers, the WDI, the supplement.

Used by ``rules.py`` (the indicators) and ``build.py`` (the dataset). Every reader collects
problems (file and line) and raises them at once as a :class:`SourceError`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from readiness.errors import SourceError  # noqa: F401  (re-exported for build.py)

MIN_YEAR = 2015
DIGITS = 12
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


# -- reading raw files -----------------------------------------------------------------


def fmt(value) -> str:
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
class World:
    """Who is who: World Bank economies and aggregates, ISO 3166 codes."""

    economies: pd.DataFrame                       # index: WB code
    aggregates: set = field(default_factory=set)  # WB aggregate codes
    iso3: set = field(default_factory=set)
    iso2: dict = field(default_factory=dict)      # ISO2 -> ISO3
    outside: set = field(default_factory=set)     # ISO codes met in sources that are no WB economy


class Reader:
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

    def codes(self, frame: pd.DataFrame, column: str, rel: str, world: World, *, iso2: bool = False,
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


def labels(rel: str) -> set:
    out = set()
    for prefix, labels in OTHER_LABELS.items():
        if rel.startswith(prefix):
            out |= labels
    return out


def load_world(reader: Reader) -> World:
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
    world = World(
        economies=economies.rename(columns={"Economy": "name", "Region": "region",
                                            "Income group": "income_group",
                                            "Lending category": "lending_category"}),
        aggregates=aggregates,
        iso3={c.alpha_3 for c in pycountry.countries},
        iso2={c.alpha_2: c.alpha_3 for c in pycountry.countries},
    )
    world.iso2.update({"XK": "XKX"})
    return world


def wdi_series(reader: Reader, world: World, key: str) -> pd.DataFrame:
    """A WDI series: columns country, year, value (economies only, no missing values)."""
    rel = f"wdi/{WDI[key]}.csv"
    t = reader.table(rel)
    country = reader.codes(t, "Country Code", rel, world)
    year = reader.numbers(t, "Year", rel)
    value = reader.numbers(t, "Value", rel, blank_ok=True)
    reader.unique(t, ["Country Code", "Year"], rel)
    out = pd.DataFrame({"country": country, "year": year, "value": value, "line": t["_line"]})
    return out[(out["country"] != "") & out["value"].notna() & out["year"].notna()]


def latest(series: pd.DataFrame, min_year: int = MIN_YEAR) -> pd.DataFrame:
    """The latest (year, value) per country since ``min_year``, indexed by country."""
    s = series[series["year"] >= min_year].sort_values(["country", "year"])
    return s.groupby("country").tail(1).set_index("country")[["year", "value"]]


# -- the indicators ----------------------------------------------------------------------


@dataclass
class Column:
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


class Context:
    """The loaded raw tables the indicator functions draw on."""

    def __init__(self, reader: Reader, world: World):
        self.reader, self.world = reader, world
        self.countries = list(world.economies.index.sort_values())
        self.wdi = {key: wdi_series(reader, world, key) for key in WDI}
        self.supplement = load_supplement(reader, world)
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


def load_supplement(reader: Reader, world: World) -> pd.DataFrame:
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


def supplement_note(ctx, country, key_or_series, year) -> str | None:
    """'national supplement: publisher, url' for a value taken from the supplement, else None."""
    s = ctx.supplement
    hit = s[(s["country"] == country) & (s["series"] == key_or_series) & (s["year"] == year)]
    if hit.empty:
        return None
    r = hit.iloc[0]
    return f"national supplement: {r['publisher']}, {r['url']} ({r['note']})"
