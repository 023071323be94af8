"""The brief's sections that apply a rule or call another capability.

Strengths and weaknesses (a stated percentile-rank rule), the sovereignty-exposure box,
the languages and hosted compute (from :mod:`readiness.origins`, default data only),
the policy levers (from :mod:`readiness.analysis.levers`), the method note and the
not-scored page. A dataset without the tables a section reads (any but the default)
gives a section that says so.
"""

from __future__ import annotations

import math
import re

from .. import origins
from ..analysis.audit import audit
from ..analysis.levers import levers as find_levers
from ..io.trade import INDICATOR_CODES
from ..serialise import display
from .text import clip as _clip
from .text import fingerprints

__all__ = ["strengths_weaknesses", "rule_size", "sovereignty", "languages", "hosted_compute", "levers",
           "unavailable_levers", "method_note", "audit_summary", "not_scored"]

GII_INDICATORS = 78      # the Global Innovation Index's framework size, its rule's anchor
GII_CUTOFF = 10          # GII: at or above the country's own 10th-highest percentile rank
TOP_N = 3                # GII: plus any indicator ranked in the top 3 of all countries


def rule_size(n_indicators: int) -> int:
    """The cut-off k of the strengths rule for a framework of ``n_indicators``.

    The GII's 10th of 78 scaled to the framework (10 x n / 78, rounded), at least 2.
    """
    return max(2, int(round(GII_CUTOFF * n_indicators / GII_INDICATORS)))


def strengths_weaknesses(rows) -> dict:
    """Strengths and weaknesses by the Global Innovation Index's percentile-rank rule, scaled.

    An indicator's percentile rank is 100 (n - rank) / (n - 1) among the n scored countries
    with a score. Strengths: observed indicators at or above the country's own k-th highest
    percentile rank, plus any ranked in the top 3 of all countries; weaknesses the mirror
    at the bottom (k-th lowest, bottom 3). Missing and imputed values are never signalled;
    an indicator is never both.
    """
    k = rule_size(len(rows))
    obs = [r for r in rows if r["flag"] == "observed" and r["percentile"] is not None]
    pcts = sorted((r["percentile"] for r in obs), reverse=True)
    strengths, weaknesses = [], []
    if pcts:
        hi = pcts[min(k, len(pcts)) - 1]
        lo = sorted(pcts)[min(k, len(pcts)) - 1]
        for r in obs:
            if r["percentile"] >= hi - 1e-9 or r["rank"] <= TOP_N:
                strengths.append(r)
        for r in obs:
            if r in strengths:
                continue
            if r["percentile"] <= lo + 1e-9 or r["rank"] > r["n"] - TOP_N:
                weaknesses.append(r)
    strengths.sort(key=lambda r: (-r["percentile"], r["code"]))
    weaknesses.sort(key=lambda r: (r["percentile"], r["code"]))

    def item(r):
        return {"name": r["name"], "code": r["code"], "rank": r["rank"], "n": r["n"],
                "percentile": f"{r['percentile']:.0f}", "dimension": r["dimension_name"]}

    rule = (f"An indicator's percentile rank is its position among the countries scored on it (100 = best). "
            f"Strengths are the observed indicators at or above this country's own {_ordinal(k)}-highest "
            f"percentile rank, or ranked in the top {TOP_N} of all countries; weaknesses are the mirror "
            f"({_ordinal(k)}-lowest, or bottom {TOP_N}). This is the Global Innovation Index's rule "
            f"(10th of {GII_INDICATORS} indicators) scaled to this framework's {len(rows)} indicators "
            f"(10 × {len(rows)} / {GII_INDICATORS}, at least 2). Missing or imputed values are not signalled.")
    shown = max(k, 6)      # the list is capped so a country first on many indicators keeps to its page
    return {"strengths": [item(r) for r in strengths[:shown]], "weaknesses": [item(r) for r in weaknesses[:shown]],
            "more_strengths": [r["name"] for r in strengths[shown:]],
            "more_weaknesses": [r["name"] for r in weaknesses[shown:]], "k": k, "rule": rule}


def _ordinal(k):
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def _value(v, default=None):
    """``v``, or ``default`` where it is missing (None or NaN)."""
    return default if v is None or (isinstance(v, float) and math.isnan(v)) else v


def languages(dataset, iso3) -> dict:
    """Main languages by population share and the open-model families covering each (C7)."""
    frame = origins.languages(dataset, iso3)
    if frame is None:
        return {"available": False, "rows": [], "note": "Language tables come with the default dataset only; "
                "this dataset has none.", "source": ""}
    rows = [{"language": _clip(_value(r["name"], "?"), 40), "share": float(_value(r["share"], 0.0)),
             "families": _clip(_value(r["families"], ""), 120), "origins": _clip(_value(r["origins"], ""), 80)}
            for r in frame.to_dict("records")]
    return {"available": True, "rows": rows, "note": None if rows else "No language data for this country.",
            "source": "Source: Unicode CLDR population shares; model language lists (see annex)"}


def hosted_compute(dataset, iso3) -> dict:
    """GPU clusters hosted in the country: owner, owner country, status, H100e (C7)."""
    frame = origins.hosted_compute(dataset, iso3)
    if frame is None:
        return {"available": False, "rows": [], "note": "Hosted-compute tables come with the default dataset "
                "only; this dataset has none.", "source": ""}
    records = [r for r in frame.to_dict("records") if str(r["status"]).lower() not in ("decommissioned", "nan")]
    retired = len(frame) - len(records)
    records.sort(key=lambda r: -(_value(r["h100e"], 0.0) or 0.0))
    rows = []
    for r in records:
        h = _value(r["h100e"])
        rows.append({"owner": _clip(_value(r["owner"], "unknown"), 50),
                     "owner_country": _clip(_value(r["owner_country"], "unknown"), 40),
                     "status": _clip(_value(r["status"], ""), 30),
                     "name": _clip(_value(r["cluster"], ""), 60),
                     "h100e": None if h is None else float(h),
                     "h100e_text": "–" if h is None else f"{float(h):,.0f}"})
    return {"available": True, "rows": rows, "retired": retired,
            "total": f"{sum(r['h100e'] or 0.0 for r in rows):,.0f}",
            "note": None if rows else "No operating GPU cluster is listed as hosted in this country"
                                      + (f" ({retired} decommissioned)." if retired else "."),
            "source": "Source: Epoch AI, Data on GPU Clusters (CC BY 4.0)"}


def _origin_coverage(dataset, iso3):
    cov = origins.origin_coverage(dataset, iso3)
    if not cov:
        return None
    return [{"origin": "at least two origins" if key == "at_least_two_origins" else key,
             "share": f"{cov[key]:.0f}%"}                              # percent (C7)
            for key in origins.ORIGIN_KEYS if _value(cov.get(key)) is not None]


def _meaning(description):
    """The sentence of an indicator's description that says what higher means, if there is one."""
    for sentence in re.split(r"(?<=\.)\s+", str(description or "")):
        if sentence.lower().startswith("higher"):
            return _clip(sentence, 160)
    return ""


def sovereignty(result, iso3, rows) -> dict:
    """Export-control standing, where compute sits, languages no open model serves, chip concentration."""
    ds = result.dataset
    ind = ds.indicators
    if "lever" in ind.columns:
        exposure_codes = [r["code"] for r in rows if not r["lever"]]
    else:  # before the framework carries its lever column: the export-control indicator by name
        exposure_codes = [r["code"] for r in rows if re.search(r"export[- ]control", r["name"], re.I)]
    exposures = []
    for r in rows:
        if r["code"] in exposure_codes:
            exposures.append({"name": r["name"], "value": r["value_text"], "unit": r["unit"], "year": r["year"],
                              "note": r["note"], "meaning": _meaning(ind.at[r["code"], "description"]
                                                                     if "description" in ind.columns else "")})
    trade_codes = [c for c in INDICATOR_CODES.values() if c in ind.index]
    chips = [{"name": r["name"], "value": r["value_text"], "unit": r["unit"], "year": r["year"]}
             for r in rows if r["code"] in trade_codes and r["value"] is not None]
    if not trade_codes:
        chip_note = "This framework has no chip-supplier concentration indicator."
    elif not chips:
        chip_note = "No bilateral trade data for this country; see --trade."
    else:
        chip_note = None
    langs = languages(ds, iso3)
    unserved = None
    if langs["available"] and langs["rows"]:
        missing = [r for r in langs["rows"] if not r["families"]]
        # CLDR's speaker shares overlap (a Luyia speaker may also speak Swahili), so the
        # share no open model serves is not their sum: it is 100 minus the dataset's
        # population-coverage estimate, where the dataset has that indicator.
        covered = ds.values.at[iso3, _COVERAGE] if _COVERAGE in ds.values.columns else float("nan")
        unserved = {"share": f"{100 - covered:.0f}%" if covered == covered else None,
                    "languages": ", ".join(f"{r['language']} ({r['share']:.0f}% speak it)" for r in missing)
                    or "none"}
    compute = hosted_compute(ds, iso3)
    empty = not exposures and not trade_codes and not langs["available"] and not compute["available"]
    return {"exposures": exposures, "chips": chips, "chip_note": chip_note, "unserved": unserved,
            "languages_note": langs["note"], "compute": compute, "origins": _origin_coverage(ds, iso3),
            "empty": empty}


_AUDIT_NAMES = 5  # flagged indicators named in the method note (the rest: `readiness audit`)
_COVERAGE = "open_llm_population"  # the default dataset's share of people speaking a covered language


def unavailable_levers(why: str) -> dict:
    return {"available": False, "note": why, "rows": [], "exposures": [], "target": None}


_TARGETS = {"region_top_quartile": "the top-quarter value of the country's region"}


def levers(result, iso3, *, top: int = 5) -> dict:
    """The indicators whose improvement would raise the composite most (C10), as rows for a table."""
    frame = find_levers(result, iso3, top=top)
    if frame is None or len(frame) == 0:
        return unavailable_levers("No indicator of this country can be raised further.")
    rows, exposures = [], []
    target = None
    from .text import value_text

    for r in frame.to_dict("records"):
        if r.get("kind") == "data_gap":  # filling a gap is data work, not a policy lever (the annex shows gaps)
            continue
        target = target or r.get("target")
        unit = _clip(r.get("unit"), 40)
        rank_before, rank_after = r.get("rank_before"), r.get("rank_after")
        row = {
            "name": _clip(r.get("name") or r.get("indicator"), 70),
            "now": value_text(r.get("value")), "target": value_text(r.get("target_value")), "unit": unit,
            "peer": _clip(r.get("peer_name") or r.get("peer") or "–", 40),
            "score_before": display(r.get("score_before"), "composite"),
            "score_after": display(r.get("score_after"), "composite"),
            "gain": "+" + display(r.get("gain"), "change") if _finite(r.get("gain")) else "–",
            "rank_before": display(rank_before, "rank"), "rank_after": display(rank_after, "rank"),
            "rank_gain": display(r.get("rank_gain"), "rank"),
        }
        (rows if str(r.get("kind", "lever")) == "lever" else exposures).append(row)
    return {"available": True, "note": None, "rows": rows, "exposures": exposures,
            "target": _TARGETS.get(str(target), _clip(str(target or "").replace("_", " "), 60))}


def _finite(x):
    try:
        return not math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def method_note(result, ctx, *, old_after: int = 3) -> dict:
    """The pipeline in five lines with the settings, and the caveats for this country."""
    spec = result.spec
    levels = {lv: spec.aggregation_by_level.get(lv, spec.aggregation) for lv in sorted(set(result.levels.values()))
              if lv > 1}
    agg = ", ".join(f"level {lv}: {m}" for lv, m in levels.items()) if len(set(levels.values())) > 1 \
        else spec.aggregation
    lines = [
        f"Data: {ctx['dataset']['n_countries']} countries × {ctx['dataset']['n_indicators']} indicators; a country "
        f"is scored when at least {spec.coverage_min:.0%} of its indicators are observed "
        f"({ctx['dataset']['n_scored']} are).",
        f"Imputation: {spec.imputation}; outliers: {spec.outliers} (winsorise up to {spec.winsor_max} points "
        f"while |skew| ≥ {spec.skew_max:g} and kurtosis ≥ {spec.kurt_max:g}, else {spec.outlier_fallback}).",
        f"Normalisation: {spec.normalisation} to {spec.normalisation_low:g}-{spec.normalisation_high:g}, "
        "direction applied so that higher is better.",
        f"Weights: {spec.weights}, renormalised over a country's present indicators; aggregation: {agg} "
        f"(an aggregate needs {spec.aggregate_coverage_min:.0%} of its children).",
        "Ranks: descending, ties share the best rank; the rank interval comes from the seeded uncertainty "
        "analysis (treatment, normalisation, weights and aggregation redrawn).",
    ]
    rows = ctx["indicator_rows"]
    year = ctx["dataset"]["year"]
    caveats = []
    missing = [r["name"] for r in rows if r["flag"] == "missing"]
    imputed = [r["name"] for r in rows if r["flag"] == "imputed"]
    if missing:
        caveats.append(f"Missing ({len(missing)}): {', '.join(missing)}; their dimension's other indicators carry "
                       "their weight.")
    if imputed:
        caveats.append(f"Imputed ({len(imputed)}, {spec.imputation}): {', '.join(imputed)}.")
    if year is not None:
        old = [f"{r['name']} ({r['year']})" for r in rows
               if r["flag"] == "observed" and r["year_number"] is not None and r["year_number"] < year - old_after]
        if old:
            caveats.append(f"Older than {old_after} years (before {year - old_after}): {', '.join(old)}.")
    return {"lines": lines, "caveats": caveats, "audit": audit_summary(result)}


_AUDITS: dict = {}      # fingerprint -> audit summary: computed once per result (and before --all forks)


def audit_summary(result):
    """The statistical audit's headline in one paragraph: alpha per dimension, PC1 share, flagged indicators."""
    key = fingerprints(result)[0]
    if key in _AUDITS:
        return _AUDITS[key]
    head = audit(result).headline()
    ds = result.dataset
    alpha = "; ".join(f"{_clip(ds.node_name(d), 40)} {display(a, 'share')}" for d, a in head["alpha"].items())
    parts = [f"Cronbach's alpha of each dimension's indicators: {alpha}"]
    share = head.get("pc1_share")
    if share is not None and not (isinstance(share, float) and math.isnan(share)):
        parts.append(f"The first principal component of the dimensions carries {share:.0%} of their variance")
    flagged = head.get("flagged") or {}
    if flagged:
        shown = list(flagged.items())[:_AUDIT_NAMES]
        names = "; ".join(f"{_clip(ds.node_name(c), 50)} ({', '.join(k)})" for c, k in shown)
        more = f"; and {len(flagged) - len(shown)} more" if len(flagged) > len(shown) else ""
        parts.append(f"{head.get('n_flags', len(flagged))} findings; indicators flagged: {names}{more}")
    text = _clip(". ".join(parts) + ". Details: `readiness audit`.", 1500)
    if len(_AUDITS) > 8:
        _AUDITS.clear()
    _AUDITS[key] = text
    return text


def not_scored(result, iso3, rows) -> dict:
    """Why the country is not scored and what data would make it scored."""
    spec = result.spec
    n = len(rows)
    observed = sum(r["flag"] == "observed" for r in rows)
    need = int(math.ceil(spec.coverage_min * n - 1e-9))
    missing = [r for r in rows if r["flag"] == "missing"]
    by_dim = {}
    for r in missing:
        by_dim.setdefault(r["dimension_name"] or "other", []).append(r)
    return {
        "observed": observed, "indicators": n, "share": f"{observed / n:.0%}" if n else "0%",
        "coverage_min": f"{spec.coverage_min:.0%}", "needed": max(0, need - observed), "required": need,
        "incomplete": getattr(spec, "incomplete", "partial"), "aggregate_min": f"{spec.aggregate_coverage_min:.0%}",
        "missing_by_dimension": [{"dimension": d, "indicators": [{"name": r["name"], "source": r["source"],
                                                                   "unit": r["unit"]} for r in rs]}
                                 for d, rs in by_dim.items()],
    }
