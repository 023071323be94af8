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

from ..api import attributions, settings_summary
from ..lookup import resolve_country
from ..serialise import display
from . import sections
from .text import clip, fingerprints, value_text  # noqa: F401  (re-exported)

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


def dimension_of(dataset) -> dict:
    """{indicator: the dimension (child of the index) above it}."""
    parents = dict(dataset.indicators["parent"])
    parents.update({c: p for c, p in dataset.structure["parent"].items() if p})
    dims = set(dataset.dimensions)
    out = {}
    for code in dataset.indicators.index:
        node = code
        seen = 0
        while node not in dims and node in parents and seen < 50:
            node = parents[node]
            seen += 1
        out[code] = node if node in dims else ""
    return out


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


def _group_medians(result, nodes, column, label):
    """Median score of each node over the scored countries whose ``column`` equals ``label``."""
    countries = result.dataset.countries
    if not label or column not in countries.columns:
        return pd.Series(np.nan, index=nodes)
    members = countries.index[countries[column] == label].intersection(result.scores.index)
    return result.scores.loc[members, nodes].median()


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


def _indicator_rows(result, iso3, scored):
    ds = result.dataset
    ind = ds.indicators
    codes = list(ind.index)
    dims = dimension_of(ds)
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
    scores = result.scores.reindex(columns=codes)
    ranks = result.ranks.reindex(columns=codes)
    n_valid = scores.notna().sum()
    info = ds.countries.loc[iso3]
    reg = _group_medians(result, codes, "region", info.get("region"))
    inc = _group_medians(result, codes, "income_group", info.get("income_group"))
    imputed = result.imputed.loc[iso3] if scored else pd.Series(False, index=codes)
    from ..io.update import updated_indicators

    updated = set(updated_indicators(ds, iso3))
    rows = []
    for code in codes:
        value = _num(raw.get(code))
        is_imp = bool(imputed.get(code, False))
        flag = "imputed" if is_imp else ("observed" if value is not None else "missing")
        score = _num(scores.at[iso3, code]) if scored else None
        rank = _num(ranks.at[iso3, code]) if scored else None
        n = int(n_valid[code])
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
            "region_median": _num(reg.get(code)), "income_group_median": _num(inc.get(code)),
            "distribution": scores[code].dropna().to_numpy(dtype=float).round(3).tolist(),
            "lever": _is_lever(ind.at[code, "lever"]) if "lever" in ind.columns else True,
        })
    return rows


def _dimensions(result, iso3, scored, rows, peers):
    ds = result.dataset
    info = ds.countries.loc[iso3]
    dims = list(ds.dimensions)
    reg = _group_medians(result, dims, "region", info.get("region"))
    inc = _group_medians(result, dims, "income_group", info.get("income_group"))
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
        out.append({
            "code": code, "name": clip(ds.node_name(code), 60), "score": score, "score_text": display(score, "score"),
            "rank": None if rank is None else int(rank), "rank_text": _int_text(rank),
            "n": int(result.scores[code].notna().sum()),
            "region_median": _num(reg[code]), "region_median_text": display(_num(reg[code]), "median"),
            "income_group_median": _num(inc[code]), "income_group_median_text": display(_num(inc[code]), "median"),
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


def _headline(result, iso3, scored, peers):
    from ..api import profile

    prof = profile(result, iso3)
    p_reg, p_inc = prof["peers"]["region"], prof["peers"]["income_group"]
    idx = result.index_code
    peer_members = [p for p in peers if p in result.scores.index]
    peers_median = _num(result.scores.loc[peer_members, idx].median()) if peer_members else None
    return {
        "score": prof["score"], "score_text": display(prof["score"], "composite"),
        "rank": prof["rank"], "n": prof["n"], "band": _band(prof["rank"], prof["n"]),
        "region": p_reg["group"], "region_median_text": display(p_reg["median"], "median"), "region_n": p_reg["n"],
        "income_group": p_inc["group"], "income_group_median_text": display(p_inc["median"], "median"),
        "income_group_n": p_inc["n"],
        "peers_median_text": display(peers_median, "median") if peer_members else None,
        "index_name": clip(result.dataset.node_name(idx), 80),
    }, prof


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
    header = _header(result, iso3)
    rows = _indicator_rows(result, iso3, scored)
    headline, prof = _headline(result, iso3, scored, peer_codes)
    version = ds.version or ""
    fingerprint, dataset_fingerprint = fingerprints(result)
    ctx = {
        "country": header,
        "scored": scored,
        "reason": None if scored else clip(re.sub(r"^\s*not scored:\s*", "", str(prof["reason"] or "no data")), 300),
        "dataset": {"label": clip(ds.label, 80), "version": clip(version, 30), "fingerprint": fingerprint,
                    "dataset_fingerprint": dataset_fingerprint, "year": data_year(ds),
                    "settings": settings_summary(result.spec), "n_countries": int(ds.values.shape[0]),
                    "n_indicators": int(ds.values.shape[1]), "n_scored": int(result.scores[result.index_code]
                                                                               .notna().sum())},
        "headline": headline,
        "peers": {"codes": peer_codes, "names": [clip(ds.countries.at[c, "name"], 40) for c in peer_codes]},
        "indicator_rows": rows,
        "coverage": {"indicators": len(rows), "observed": sum(r["flag"] == "observed" for r in rows),
                     "imputed": sum(r["flag"] == "imputed" for r in rows),
                     "missing": sum(r["flag"] == "missing" for r in rows),
                     "coverage_min": f"{result.spec.coverage_min:.0%}"},
        "attributions": [{k: clip(v, 400) for k, v in r.items()} for r in attributions(ds).to_dict("records")],
    }
    ctx["dimensions"] = _dimensions(result, iso3, scored, rows, peer_codes)
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
