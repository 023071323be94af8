"""The rules that turn the raw extracts in ``indicators/sources/`` into indicator values.

One function per indicator (``INDICATORS``: code -> function of a :class:`readers.Context`),
plus the cluster table of ``hosted_compute.csv``. ``build.py`` runs them and writes the
dataset; ``README.md`` says why each rule is what it is.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pandas as pd

from readiness.io.trade import TradeError, read_atlas_concentration

try:
    from readiness.indicators import readers
except ModuleNotFoundError as exc:  # a source checkout run as a script: the file next to this one
    if exc.name not in ("readiness.indicators", "readiness.indicators.readers"):
        raise
    _spec = importlib.util.spec_from_file_location("_readiness_indicators_readers",
                                                   Path(__file__).with_name("readers.py"))
    readers = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = readers
    _spec.loader.exec_module(readers)

MIN_YEAR = readers.MIN_YEAR
WDI = readers.WDI
OWID_AGGREGATES = readers.OWID_AGGREGATES
OWID_NAMES = readers.OWID_NAMES
CHANNEL_ISLANDS = readers.CHANNEL_ISLANDS
US_TERRITORIES = readers.US_TERRITORIES
fmt = readers.fmt
World = readers.World
Context = readers.Context
Column = readers.Column
labels = readers.labels
latest = readers.latest
supplement_note = readers.supplement_note


def _wdi_latest(ctx: Context, code: str, key: str, source: str = "wdi") -> Column:
    col = Column(code, source)
    series = WDI[key].upper()
    for country, (year, value) in latest(ctx.wdi[key]).iterrows():
        supp = supplement_note(ctx, country, series, int(year)) if (country, key, int(year)) in ctx.supplied else None
        if supp:
            col.put(country, value, year, f"{series} absent from the WDI for this economy; {supp}",
                    source="national_supplement")
        else:
            col.put(country, value, year, f"WDI {series}, latest year since {MIN_YEAR}")
    return col


def _per_capita_latest(ctx: Context, code: str, key: str, per: float, what: str) -> Column:
    """Latest value since MIN_YEAR of a WDI count divided by the population of the same year."""
    col = Column(code, "wdi")
    series = WDI[key].upper()
    for country, (year, value) in latest(ctx.wdi[key]).iterrows():
        if value < 0:
            continue
        col.put(country, ctx.per_capita(country, year, value, per), year,
                f"WDI {series} {fmt(value)} {what} / WDI SP.POP.TOTL {int(year)}"
                + (f" x {fmt(per)}" if per != 1 else ""))
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
    col = Column("internet_users", "owid_itu")
    for country, (y, v) in latest(series).iterrows():
        how = f" (entity {by_name[country]!r}, which has no code in the file)" if country in by_name else ""
        col.put(country, v, y, f"ITU via Our World in Data{how}, latest year since {MIN_YEAR}")
    supp = ctx.supplement[ctx.supplement["series"] == "internet_users"].sort_values("year")
    for rec in supp.itertuples(index=False):
        if rec.country not in set(series["country"]) and rec.year >= MIN_YEAR:
            col.put(rec.country, rec.value, int(rec.year),
                    f"absent from the ITU series; {supplement_note(ctx, rec.country, 'internet_users', rec.year)}",
                    source="national_supplement")
    return col


def _power_reliability(ctx):
    col = Column("power_reliability", "wdi")
    for country, (year, value) in latest(ctx.wdi["outages"]).iterrows():
        col.put(country, 100.0 - value, year,
                f"100 - WDI IC.ELC.OUTG.ZS ({fmt(value)}% of firms with outages), latest year since {MIN_YEAR}")
    return col


def _articles_pm(ctx):
    articles = ctx.wdi["articles"]
    col = Column("articles_pm", "wdi")
    for country, (year, value) in latest(articles).iterrows():
        col.put(country, ctx.per_capita(country, year, value, 1e6), year,
                f"WDI IP.JRN.ARTC.SC {fmt(value)} articles / SP.POP.TOTL {int(year)} x 1e6")
    return col


def _github(ctx, code, rel, value_col, *, year, quarter, where=None, what):
    """Per-1,000-people values from a GitHub Innovation Graph file for one quarter."""
    r = ctx.reader
    t = r.table(rel)
    country = r.codes(t, "iso2_code", rel, ctx.world, iso2=True, labels=labels(rel))
    value = r.numbers(t, value_col, rel)
    years, quarters = r.numbers(t, "year", rel), r.numbers(t, "quarter", rel)
    keys = ["iso2_code", "year", "quarter"] + (["language"] if "language" in t.columns else [])
    r.unique(t, keys, rel)
    keep = (years == year) & (quarters == quarter)
    if where is not None:
        keep &= where(t)
    rows = pd.DataFrame({"country": country, "value": value})[keep]
    counts = dict(zip(rows["country"], rows["value"]))
    col = Column(code, "github_innovation_graph")
    period = f"{year}Q{quarter}"
    for c, v in sorted(counts.items()):
        if c and c not in CHANNEL_ISLANDS:
            col.put(c, ctx.per_capita(c, year, v, 1e3), year,
                    f"{fmt(v)} {what} in {period} / WDI SP.POP.TOTL {year} x 1000")
    if all(c in counts for c in CHANNEL_ISLANDS):
        v = sum(counts[c] for c in CHANNEL_ISLANDS)
        parts = " + ".join(f"{fmt(counts[c])} ({c})" for c in CHANNEL_ISLANDS)
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
    country = r.codes(t, "iso3", rel, ctx.world, labels=labels(rel))
    r.unique(t, ["iso3"], rel)
    col = Column(code, source)
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
        return (0.0 if math.isnan(h100e) else h100e), fmt(h100e if not math.isnan(h100e) else 0.0)

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
        note=lambda row, text: (f"{fmt(float(row['providers_in_service']))} providers with "
                                f"{fmt(float(row['regions_in_service']))} regions in service, "
                                f"{fmt(float(row['regions_planned']))} planned (January 2025)"))


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
        note=lambda row, text: (f"{fmt(float(text))} notable AI models (all years, any access; "
                                f"{fmt(float(row['open_weight_notable_models'] or 0))} with open weights) by "
                                f"organisations of the country (Epoch AI, 2025-12)"))


def _export_control(ctx):
    rel = "us_export_control_groups/us_ear_country_groups_2026-07-23.csv"
    r = ctx.reader
    t = r.table(rel)
    country = r.codes(t, "iso3", rel, ctx.world)
    r.unique(t, ["iso3"], rel)
    flags = {g: r.numbers(t, g, rel) for g in ("A5", "A6", "D1", "D4", "D5", "E1", "E2")}
    col = Column("export_control", "ear_country_groups")
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
    col = Column("ai_diffusion_tier", "ai_diffusion_tiers")
    for i, c in zip(t.index, country):
        if c:
            col.put(c, tier.at[i], 2025, f"AI Diffusion Rule (2025-01-15) tier {fmt(tier.at[i])}: "
                                         f"{t.at[i, 'basis']}")
    parts = {code: tier.at[i] for i, code in zip(t.index, t["iso3"]) if code in ("JEY", "GGY")}
    if "CHI" not in col.values and len(parts) == 2 and len(set(parts.values())) == 1:
        v = parts["JEY"]
        col.put("CHI", v, 2025, f"AI Diffusion Rule (2025-01-15) tier {fmt(v)}: Jersey and Guernsey both")
    return col


def _atlas(ctx, code, measure, what):
    rel = "atlas_chip_bilateral_50/chip_import_concentration_2021_2023.csv"
    r = ctx.reader
    t = r.table(rel)
    r.codes(t, "importer", rel, ctx.world, labels=labels(rel))
    try:
        table = read_atlas_concentration(r.root / rel)
    except TradeError as exc:
        r.problems.extend(exc.problems)
        return Column(code, "atlas_chips")
    col = Column(code, "atlas_chips")
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


EPOCH_NAMES = {"Korea (Republic of)": "KOR", "Philippines (the)": "PHL", "Russia": "RUS"}


def hosted_compute_table(ctx) -> pd.DataFrame:
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
            "h100e": fmt(h100e.at[i]), "first_operational": row["First Operational Date"],
            "scored": "yes" if (row["Status"] == "Existing"
                                and row["Include in Standard Analysis"] == "True") else "no",
        })
    out = pd.DataFrame(rows, columns=["country", "cluster", "owner", "owner_country", "ownership", "sector",
                                      "status", "certainty", "h100e", "first_operational", "scored"])
    return out.sort_values(["country", "status", "cluster"], kind="stable").reset_index(drop=True)
