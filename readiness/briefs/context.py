"""A Result and a country -> the plain dict a brief template renders.

Nothing here draws or lays out: numbers are rounded once, by the display rule of
:mod:`readiness.serialise` (the composite with 2 decimals, other scores and medians
with 1), so the brief shows exactly what ``readiness score`` shows. Text that comes
from a workbook (names, units, sources) is kept as text; the template escapes it and
:func:`clip` bounds its length so a hostile 10,000-character name cannot break the layout.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ..lookup import resolve_country
from ..serialise import display
from . import sections
from .shared import dimension_of, group_median, shared  # noqa: F401  (dimension_of re-exported)
from .text import clip, value_text  # noqa: F401  (re-exported)

__all__ = ["context", "value_text", "clip", "data_year"]

NEIGHBOURS = 6          # countries either side of the country in the rank-interval chart
OLD_AFTER = 3           # years: data older than this (before the data year) is flagged in the method note


def _num(x):
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _int_text(x):
    x = _num(x)
    return "–" if x is None else str(int(round(x)))


def data_year(dataset) -> int | None:
    """The year of the data: the dataset version's year (``2026.11`` -> 2026), else the latest provenance year."""
    m = re.match(r"^\s*(\d{4})", str(dataset.version or ""))
    if m:
        return int(m.group(1))
    prov = dataset.provenance
    if not prov.empty and "year" in prov.columns:
        years = pd.to_numeric(prov["year"], errors="coerce").dropna()
        if len(years):
            return int(years.max())
    years = pd.to_numeric(dataset.indicators.get("year", pd.Series(dtype=float)), errors="coerce").dropna()
    return int(years.max()) if len(years) else None


def _population(x):
    x = _num(x)
    if x is None:
        return None
    if x >= 1e9:
        return f"{x / 1e9:.2f} billion"
    if x >= 1e6:
        return f"{x / 1e6:.1f} million"
    return f"{x:,.0f}"


def _year(x):
    x = _num(x)
    return None if x is None else int(x)


def _short_licence(text) -> str:
    """The licence's first clause (``CC BY 4.0``, ``No open licence stated``); the sources list has the rest."""
    text = clip(text, 400)
    head = re.split(r"[;:(]", text, maxsplit=1)[0].strip()
    return clip(head or text, 40)


def _is_lever(value) -> bool:
    """The Indicators table's ``lever`` cell (bool, or yes/no text): False only for a stated no."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return str(value).strip().lower() not in ("no", "false", "0", "n")


def _header(result, iso3):
    ds = result.dataset
    info = ds.countries.loc[iso3]
    return {
        "iso3": iso3, "name": clip(info.get("name"), 80) or iso3,
        "region": clip(info.get("region"), 60) or None, "income_group": clip(info.get("income_group"), 60) or None,
        "population": _population(info.get("population")), "population_year": _year(info.get("population_year")),
        "gdp_per_capita": None if _num(info.get("gdp_per_capita")) is None else f"{_num(info['gdp_per_capita']):,.0f}",
        "gdp_per_capita_year": _year(info.get("gdp_per_capita_year")),
    }


def _uncertainty(result, iso3, ua):
    if ua is None or iso3 not in ua.countries.index:
        return None
    from ..analysis.uncertainty import rank_interval

    q05, q95 = rank_interval(ua, iso3)
    lo, hi = int(math.floor(q05)), int(math.ceil(q95))   # as `readiness score`: widened outwards to whole ranks
    table = ua.countries
    idx = result.index_code
    ranks = result.ranks[idx].dropna().sort_values(kind="stable")
    pos = list(ranks.index).index(iso3)
    near = ranks.index[max(0, pos - NEIGHBOURS): pos + NEIGHBOURS + 1]
    neighbours = [{"country": c, "name": clip(result.dataset.countries.at[c, "name"], 40), "rank": int(ranks[c]),
                   "q05": float(table.at[c, "q05"]) if c in table.index else float(ranks[c]),
                   "q95": float(table.at[c, "q95"]) if c in table.index else float(ranks[c])}
                  for c in near]
    n_valid = int(ua.n_replicates - ua.n_skipped)
    return {"q05": lo, "q95": hi, "replicates": n_valid, "inputs": list(ua.space.varied), "seed": ua.seed,
            "neighbours": neighbours}


def _indicator_rows(result, iso3, scored, tables):
    ds = result.dataset
    ind = ds.indicators
    codes = list(ind.index)
    dims = tables["dimension_of"]
    prov = ds.provenance
    years, sources, notes = {}, {}, {}
    if not prov.empty and {"country", "indicator"} <= set(prov.columns):
        sub = prov[prov["country"] == iso3]
        if "year" in sub.columns:
            years = dict(zip(sub["indicator"], sub["year"]))
        if "source" in sub.columns:
            sources = dict(zip(sub["indicator"], sub["source"]))
        if "note" in sub.columns:
            notes = dict(zip(sub["indicator"], sub["note"]))
    raw = ds.values.loc[iso3] if iso3 in ds.values.index else pd.Series(np.nan, index=codes)
    mine = result.scores.reindex(columns=codes).loc[iso3] if scored else None
    my_ranks = result.ranks.reindex(columns=codes).loc[iso3] if scored else None
    info = ds.countries.loc[iso3]
    region, income = info.get("region"), info.get("income_group")
    imputed = result.imputed.loc[iso3] if scored else pd.Series(False, index=codes)
    from ..io.update import updated_indicators

    updated = set(updated_indicators(ds, iso3))
    rows = []
    for code in codes:
        value = _num(raw.get(code))
        is_imp = bool(imputed.get(code, False))
        flag = "imputed" if is_imp else ("observed" if value is not None else "missing")
        score = _num(mine[code]) if scored else None
        rank = _num(my_ranks[code]) if scored else None
        n = tables["n_valid"][code]
        pct = None if rank is None or n < 2 else 100.0 * (n - rank) / (n - 1)
        year = years.get(code, ind.at[code, "year"] if "year" in ind.columns else None)
        rows.append({
            "code": code, "updated": code in updated, "name": clip(ind.at[code, "name"], 90) or code, "dimension": dims[code],
            "dimension_name": clip(ds.node_name(dims[code]), 60) if dims[code] else "",
            "value": value, "value_text": value_text(value), "unit": clip(ind.at[code, "unit"], 60),
            "year": _int_text(year) if _num(year) is not None else clip(year, 12) or "–",
            "year_number": _num(year),
            "source": clip(sources.get(code, ind.at[code, "source"]), 60),
            "licence": clip(ind.at[code, "licence"], 400), "licence_short": _short_licence(ind.at[code, "licence"]),
            "note": clip(notes.get(code, ""), 140),
            "direction": int(ind.at[code, "direction"]) if _num(ind.at[code, "direction"]) is not None else 1,
            "score": score, "score_text": display(score, "score"), "rank": None if rank is None else int(rank),
            "rank_text": _int_text(rank), "n": n, "percentile": pct, "flag": flag,
            "region_median": group_median(tables, "region", region, code)[0],
            "income_group_median": group_median(tables, "income_group", income, code)[0],
            "quantiles": tables["quantiles"][code],
            "lever": _is_lever(ind.at[code, "lever"]) if "lever" in ind.columns else True,
        })
    return rows


def _dimensions(result, iso3, scored, rows, peers, tables):
    ds = result.dataset
    info = ds.countries.loc[iso3]
    dims = list(ds.dimensions)
    peer_members = [p for p in peers if p in result.scores.index]
    peer_med = result.scores.loc[peer_members, dims].median() if peer_members else pd.Series(np.nan, index=dims)
    out = []
    for code in dims:
        mine = [r for r in rows if r["dimension"] == code] if code not in ds.indicators.index else \
            [r for r in rows if r["code"] == code]
        k = len(mine) or 1
        counts = {f: sum(r["flag"] == f for r in mine) for f in ("observed", "imputed", "missing")}
        score = _num(result.scores.at[iso3, code]) if scored else None
        rank = _num(result.ranks.at[iso3, code]) if scored else None
        reg = group_median(tables, "region", info.get("region"), code)[0]
        inc = group_median(tables, "income_group", info.get("income_group"), code)[0]
        out.append({
            "code": code, "name": clip(ds.node_name(code), 60), "score": score, "score_text": display(score, "score"),
            "rank": None if rank is None else int(rank), "rank_text": _int_text(rank),
            "n": int(result.scores[code].notna().sum()),
            "region_median": reg, "region_median_text": display(reg, "median"),
            "income_group_median": inc, "income_group_median_text": display(inc, "median"),
            "peers_median": _num(peer_med[code]), "peers_median_text": display(_num(peer_med[code]), "median"),
            "indicators": len(mine), **counts,
            "observed_share": f"{100 * counts['observed'] / k:.0f}%", "imputed_share": f"{100 * counts['imputed'] / k:.0f}%",
            "missing_share": f"{100 * counts['missing'] / k:.0f}%",
        })
    return out


def _band(rank, n):
    if rank is None or not n:
        return None
    q = rank / n
    if q <= 0.25:
        return "top quarter"
    if q <= 0.5:
        return "second quarter"
    if q <= 0.75:
        return "third quarter"
    return "bottom quarter"


def _headline(result, iso3, peers, tables):
    """The composite, its rank of n, the region's and income group's medians (as ``readiness score``'s profile)."""
    ds = result.dataset
    idx = result.index_code
    info = ds.countries.loc[iso3]
    in_scores = iso3 in result.scores.index
    score = _num(result.scores.at[iso3, idx]) if in_scores else None
    rank = _num(result.ranks.at[iso3, idx]) if in_scores else None
    rank = None if rank is None else int(rank)
    n = tables["n_index"]
    groups = {}
    for col in ("region", "income_group"):
        label = info.get(col) if col in ds.countries.columns else None
        median, count = group_median(tables, col, label, idx)
        groups[col] = (label if label == label and label else None, median, count)
    peer_members = [p for p in peers if p in result.scores.index]
    peers_median = _num(result.scores.loc[peer_members, idx].median()) if peer_members else None
    if in_scores:
        reason = None
    elif iso3 in result.not_scored.index:
        reason = result.not_scored.at[iso3, "reason"]
    else:
        reason = "no data"
    (reg, reg_median, reg_n), (inc, inc_median, inc_n) = groups["region"], groups["income_group"]
    return {
        "score": score, "score_text": display(score, "composite"),
        "rank": rank, "n": n, "band": _band(rank, n),
        "region": reg, "region_median_text": display(reg_median, "median"), "region_n": reg_n,
        "income_group": inc, "income_group_median_text": display(inc_median, "median"), "income_group_n": inc_n,
        "peers_median_text": display(peers_median, "median") if peer_members else None,
        "index_name": clip(ds.node_name(idx), 80),
    }, reason


def context(result, country, *, peers=None, ua=None, levers=True) -> dict:
    """Everything a brief shows about ``country``, as plain data.

    Parameters
    ----------
    result : Result
    country : str
        ISO2, ISO3 or name.
    peers : list of str, optional
        Countries whose median is shown next to the region's and income group's.
    ua : UncertaintyResult, optional
        The uncertainty analysis the rank interval comes from (None: no interval shown).
    levers : bool, default=True
        Compute the policy levers (when the levers capability is installed).

    Returns
    -------
    dict
    """
    ds = result.dataset
    iso3 = resolve_country(ds, country)
    peer_codes = []
    for p in peers or ():
        code = resolve_country(ds, p)
        if code != iso3 and code not in peer_codes:
            peer_codes.append(code)
    scored = iso3 in result.scores.index and _num(result.scores.at[iso3, result.index_code]) is not None
    tables = shared(result)
    header = _header(result, iso3)
    rows = _indicator_rows(result, iso3, scored, tables)
    headline, reason = _headline(result, iso3, peer_codes, tables)
    version = ds.version or ""
    ctx = {
        "country": header,
        "scored": scored,
        "reason": None if scored else clip(re.sub(r"^\s*not scored:\s*", "", str(reason or "no data")), 300),
        "dataset": {"label": clip(ds.label, 80), "version": clip(version, 30), "fingerprint": tables["fingerprint"],
                    "dataset_fingerprint": tables["dataset_fingerprint"], "year": data_year(ds),
                    "settings": tables["settings"], "n_countries": int(ds.values.shape[0]),
                    "n_indicators": int(ds.values.shape[1]), "n_scored": tables["n_index"]},
        "headline": headline,
        "peers": {"codes": peer_codes, "names": [clip(ds.countries.at[c, "name"], 40) for c in peer_codes]},
        "indicator_rows": rows,
        "coverage": {"indicators": len(rows), "observed": sum(r["flag"] == "observed" for r in rows),
                     "imputed": sum(r["flag"] == "imputed" for r in rows),
                     "missing": sum(r["flag"] == "missing" for r in rows),
                     "coverage_min": f"{result.spec.coverage_min:.0%}"},
        "attributions": tables["attributions"],
    }
    ctx["dimensions"] = _dimensions(result, iso3, scored, rows, peer_codes, tables)
    ctx["uncertainty"] = _uncertainty(result, iso3, ua) if scored else None
    ctx["method"] = sections.method_note(result, ctx, old_after=OLD_AFTER)
    ctx["sovereignty"] = sections.sovereignty(result, iso3, rows)
    ctx["languages"] = sections.languages(ds, iso3)
    ctx["compute"] = sections.hosted_compute(ds, iso3)
    if scored:
        ctx["strengths"] = sections.strengths_weaknesses(rows)
        ctx["levers"] = sections.levers(result, iso3) if levers else sections.unavailable_levers("not requested")
    else:
        ctx["not_scored"] = sections.not_scored(result, iso3, rows)
    return ctx
