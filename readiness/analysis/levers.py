"""Policy levers: which indicators would move a country's score most, by exact rebuilds to a target.

For each indicator, :func:`levers` sets the country's raw value to a *target* that a
real peer already has, rebuilds the whole index exactly (see :func:`readiness.whatif`),
and reports the composite gain and the rank gain. Targets:

``region_top_quartile``
    The value of the country's region at the top quartile: the k-th best value among
    the region's other countries with data, k = ceil(n / 4).
``income_group_median``
    The k-th best in the country's income group, k = ceil(n / 2) (the median country).
``next_income_group_median``
    The same in the next income group up (World Bank order: low, lower middle, upper
    middle, high; other labels are ordered by their members' median GDP per capita,
    else their median composite). The top group has no next group: no levers.
``peer:ISO3``
    That country's value.

The target is always a value a named peer has ("fixed broadband from 3.0 to 12.4
subscriptions per 100 people, as Ghana has"); "best" follows the indicator's direction.
An indicator with a denominator is compared per unit of its denominator, and the target
is the peer's ratio times the country's own denominator. An indicator where the country
already does as well as the target is not a lever for it.

Indicators a policy cannot move (``lever`` = no in the framework, C9; without that
column, any code containing ``export_control``) are reported apart as *exposures*
(``kind`` = ``"exposure"``), with the same gain computed, never among the levers.

Speed: the rebuilds of one country's what-ifs are evaluated as one batch. Each what-if
changes one indicator column, so denomination, imputation (the methods that work
column by column), treatment and normalisation are redone for that column only, and aggregation and ranking run once over a (what-if x country x
indicator) block. The batch first re-evaluates the unchanged data and checks that it
reproduces the result (to 1e-9, same ranks); if not (a setting the batch does not
cover, such as an imputation that borrows across columns), every what-if is a plain
rebuild. Either way the gains equal :func:`readiness.whatif`'s (tested).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ..aggregate import TreePlan, aggregate_tree
from ..lookup import resolve_country
from ..denominate import denominate, transform
from ..errors import SpecError
from ..impute import impute
from ..normalise import normalise, normalise_params
from ..rank import rank_descending
from ..serialise import common_keys
from ..treat import treat
from .._validation import did_you_mean
from .whatif import whatif

__all__ = ["levers", "levers_payload", "TARGETS", "targets_for", "evaluate_whatifs", "lever_flags", "format_value"]

#: The named targets (besides ``peer:ISO3``).
TARGETS = ("region_top_quartile", "income_group_median", "next_income_group_median")

_WB_INCOME = ("Low income", "Lower middle income", "Upper middle income", "High income")

COLUMNS = ("kind", "target", "indicator", "name", "dimension", "unit", "value", "target_value", "change",
           "peer", "peer_name", "score_before", "score_after", "gain", "rank_before", "rank_after",
           "rank_gain", "description")


# -- helpers ---------------------------------------------------------------------------
def lever_flags(dataset) -> pd.Series:
    """True for the indicators a policy can move (C9's ``lever`` column; default yes).

    Without the column, every indicator is a lever except those whose code contains
    ``export_control``.
    """
    ind = dataset.indicators
    if "lever" in ind.columns:
        text = ind["lever"].astype(str).str.strip().str.lower()
        return ~text.isin(["no", "false", "0", "n"])
    return pd.Series([("export_control" not in str(c)) for c in ind.index], index=ind.index)


def format_value(x) -> str:
    """A raw value for reading: 3 significant figures or so, thousands separated ("no value" if missing).

    >>> format_value(1.6049), format_value(12.44), format_value(0.2054), format_value(1234.5), format_value(None)
    ('1.6', '12.4', '0.21', '1,234', 'no value')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "no value"
    x = float(x)
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}".removesuffix(".0")
    if ax >= 0.1 or x == 0:
        return f"{x:.2f}".rstrip("0").rstrip(".") if "." in f"{x:.2f}" else f"{x:.2f}"
    return f"{x:.2g}"


# -- targets ----------------------------------------------------------------------------
def _per_unit(dataset, codes=None) -> pd.DataFrame:
    """Raw values, divided by their denominator (times scale) where the indicator has one."""
    ind = dataset.indicators
    values = dataset.values if codes is None else dataset.values[codes]
    if "denominator" not in ind or not (ind["denominator"].fillna("") != "").any():
        return values
    return denominate(values, ind.loc[values.columns], dataset.countries)


def _income_order(result) -> list:
    ds = result.dataset
    labels = [x for x in ds.countries["income_group"].dropna().unique() if isinstance(x, str) and x]
    if set(labels) <= set(_WB_INCOME):
        return [x for x in _WB_INCOME if x in labels]
    if "gdp_per_capita" in ds.countries and ds.countries["gdp_per_capita"].notna().any():
        key = pd.to_numeric(ds.countries["gdp_per_capita"], errors="coerce").groupby(ds.countries["income_group"])
    else:
        key = result.scores[result.index_code].groupby(ds.countries["income_group"].reindex(result.scores.index))
    med = key.median()
    return [x for x in med.sort_values(kind="stable").index if x in labels]


def _pool(result, target, iso3):
    """(label, the peer countries whose values count, k-th best as a function of n) for a target."""
    ds = result.dataset
    countries = ds.countries
    if target.startswith("peer:"):
        peer = resolve_country(ds, target.split(":", 1)[1])
        return f"peer {peer}", [peer], (lambda n: 1)
    if target == "region_top_quartile":
        column, kth = "region", (lambda n: math.ceil(n / 4))
        group = countries.at[iso3, "region"] if "region" in countries else None
    elif target in ("income_group_median", "next_income_group_median"):
        column, kth = "income_group", (lambda n: math.ceil(n / 2))
        group = countries.at[iso3, "income_group"] if "income_group" in countries else None
        if target == "next_income_group_median" and isinstance(group, str) and group:
            order = _income_order(result)
            pos = order.index(group) if group in order else len(order)
            group = order[pos + 1] if pos + 1 < len(order) else None
    else:
        raise SpecError(f"unknown lever target {target!r}; choose one of {', '.join(TARGETS)} or peer:ISO3"
                        f"{did_you_mean(target, list(TARGETS))}")
    if not isinstance(group, str) or not group:
        return None, [], kth
    members = [c for c in countries.index[countries[column] == group] if c != iso3]
    return group, members, kth


def targets_for(result, country, target: str) -> pd.DataFrame:
    """For each indicator, the target raw value for ``country`` and the peer that has it.

    Returns
    -------
    DataFrame
        Indexed by indicator: ``target_value`` (in the raw unit, for this country),
        ``peer``, ``group`` (the peer group's label); rows only where a target exists and
        is better than the country's current value (or the country has no value).
        ``attrs["group"]`` names the group (None when the target has none).
    """
    ds = result.dataset
    iso3 = resolve_country(ds, country)
    group, members, kth = _pool(result, target, iso3)
    ind = ds.indicators
    codes = list(ind.index)
    per_unit = _per_unit(ds)
    rows = {}
    direction = ind["direction"].to_numpy(dtype=float)
    mine = (per_unit.loc[iso3] if iso3 in per_unit.index else pd.Series(np.nan, index=codes)).to_numpy(dtype=float)
    pool = per_unit.reindex([m for m in members if m in per_unit.index])
    peers = pool.index.to_numpy(dtype=object)
    names = ds.countries["name"].reindex(pool.index).fillna("").astype(str).to_numpy()
    by_name = np.argsort(names, kind="stable")  # ties between peers: alphabetical
    values = pool.to_numpy(dtype=float)[by_name]
    peers = peers[by_name]
    for j, code in enumerate(codes):
        col = values[:, j]
        have = np.flatnonzero(~np.isnan(col))
        if not have.size:
            continue
        d = direction[j]
        order = have[np.argsort(-d * col[have], kind="stable")]  # best first, alphabetical among ties
        best = order[min(kth(order.size), order.size) - 1]
        good = col[best]
        if not np.isnan(mine[j]) and d * mine[j] >= d * good:
            continue
        rows[code] = {"per_unit": good, "peer": peers[best], "group": group}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["per_unit", "peer", "group"])
    frame["target_value"] = _to_raw(ds, iso3, frame["per_unit"])
    frame = frame.dropna(subset=["target_value"])
    frame.attrs["group"] = group
    return frame[["target_value", "peer", "group"]]


def _to_raw(dataset, iso3, per_unit: pd.Series) -> pd.Series:
    """A per-denominator value back in the raw unit for ``iso3`` (its own denominator)."""
    ind = dataset.indicators
    out = per_unit.astype(float).copy()
    if "denominator" not in ind:
        return out
    for code in out.index:
        den = str(ind.at[code, "denominator"] or "")
        if den:
            d = pd.to_numeric(pd.Series([dataset.countries.at[iso3, den]]), errors="coerce").iloc[0]
            scale = ind.at[code, "scale"] if "scale" in ind and pd.notna(ind.at[code, "scale"]) else 1.0
            out[code] = out[code] * d / float(scale) if pd.notna(d) and d != 0 else np.nan
    return out


# -- evaluation -------------------------------------------------------------------------
_COLUMNWISE_IMPUTATIONS = ("none", "mean", "median", "group_mean", "group_median")


def _batch(result, iso3, edits):
    """Index scores and ranks (what-if x country) for one-cell edits, or None if not exact here."""
    ds, spec = result.dataset, result.spec
    idx = result.index_code
    if (iso3 not in result.scores.index or np.isnan(result.scores.at[iso3, idx])
            or spec.imputation not in _COLUMNWISE_IMPUTATIONS):
        return None
    ind = ds.indicators
    codes = list(ind.index)
    full = result.stages["denominated"]
    kept_rows = full.index.get_indexer(result.stages["screened"].index)
    if (kept_rows < 0).any():
        return None
    pos = int(np.flatnonzero(result.stages["screened"].index == iso3)[0])
    row_in_full = full.index.get_loc(iso3)
    groups = None
    if spec.imputation in ("group_mean", "group_median"):
        groups = ds.countries[spec.imputation_group].reindex(full.index).to_numpy(dtype=object)
    edits = [(codes[0], float(ds.values.at[iso3, codes[0]]))] + list(edits)  # a null edit: the self-check
    rows = ds.values.loc[[iso3] * len(edits)].copy()
    for b, (code, value) in enumerate(edits):
        rows.iat[b, codes.index(code)] = value
    den = denominate(rows, ind, ds.countries) if spec.denominate else rows
    if spec.transform:
        den = transform(den, ind)
    den = den.to_numpy(dtype=float)
    block = np.repeat(result.stages["normalised"].to_numpy(dtype=float)[None], len(edits), axis=0)
    params = normalise_params(spec)
    by_ind = dict(spec.normalisation_by_indicator)
    edits_of = {}
    for b, (code, _) in enumerate(edits):
        edits_of.setdefault(code, []).append(b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for code, bs in edits_of.items():
            j = codes.index(code)
            base = full[code].to_numpy(dtype=float)
            treated = []
            for b in bs:
                col = base.copy()
                col[row_in_full] = den[b, j]
                if spec.imputation != "none":
                    col = impute(col[:, None], method=spec.imputation, groups=groups,
                                 n_neighbours=spec.knn_neighbours, seed=spec.seed)[0][:, 0]
                treated.append(treat(col[kept_rows, None], method=spec.outliers, winsor_max=spec.winsor_max,
                                     skew_max=spec.skew_max, kurt_max=spec.kurt_max,
                                     fallback=spec.outlier_fallback)[0])
            normed = normalise(np.stack(treated), ind.loc[[code]], method=spec.normalisation,
                               by_indicator={code: by_ind[code]} if code in by_ind else None, params=params)
            block[bs, :, j] = normed[..., 0]
        plan = TreePlan(ds)
        methods = {level: spec.aggregation_by_level.get(level, spec.aggregation) for level, *_ in plan.steps}
        agg = aggregate_tree(block, result.weights.reindex(plan.nodes).to_numpy(), plan, methods=methods,
                             p=spec.generalised_mean_p, nonpositive=spec.nonpositive,
                             coverage_min=spec.aggregate_coverage_min)
    top = plan.nodes.index(idx)
    index_scores = agg[..., top]
    ranks = rank_descending(index_scores[..., None], axis=-2)[..., 0]
    expected = result.scores[idx].to_numpy(dtype=float)
    if not (np.array_equal(np.isnan(index_scores[0]), np.isnan(expected))
            and np.allclose(index_scores[0], expected, rtol=0, atol=1e-9, equal_nan=True)
            and np.array_equal(ranks[0], result.ranks[idx].to_numpy(dtype=float), equal_nan=True)):
        return None
    return index_scores[1:, pos], ranks[1:, pos]


def evaluate_whatifs(result, country, edits) -> tuple[np.ndarray, np.ndarray, str]:
    """The country's composite and rank after each one-indicator what-if, exactly.

    Parameters
    ----------
    edits : list of (indicator, raw value)

    Returns
    -------
    scores, ranks : ndarray of shape (len(edits),)
    method : str
        ``"batch"`` (one vectorised evaluation) or ``"rebuild"`` (one build per what-if).
    """
    iso3 = resolve_country(result.dataset, country)
    edits = list(edits)
    if not edits:
        return np.array([]), np.array([]), "batch"
    out = _batch(result, iso3, edits)
    if out is not None:
        return out[0], out[1], "batch"
    scores, ranks = [], []
    idx = result.index_code
    for code, value in edits:
        after = whatif(result, iso3, {code: value})
        ok = iso3 in after.scores.index
        scores.append(after.scores.at[iso3, idx] if ok else np.nan)
        ranks.append(after.ranks.at[iso3, idx] if ok else np.nan)
    return np.array(scores, dtype=float), np.array(ranks, dtype=float), "rebuild"


# -- levers -----------------------------------------------------------------------------
def levers(result, country, target="region_top_quartile", top: int | None = 5) -> pd.DataFrame:
    """The indicators that would raise a country's composite most if it reached a peer's value (C10).

    Parameters
    ----------
    result : Result
    country : str
        ISO2 or ISO3 code or name.
    target : str or list of str, default="region_top_quartile"
        ``region_top_quartile``, ``income_group_median``, ``next_income_group_median``,
        ``peer:ISO3``, or several of them.
    top : int or None, default=5
        The most levers per target (exposures are all shown); None: every lever.

    Returns
    -------
    DataFrame
        One row per lever (``kind`` = ``"lever"``, largest gain first, per target), then
        the data gaps (``kind`` = ``"data_gap"``: indicators the country has no value for,
        with the gain a value at the target would bring; filling a gap is data work, not
        a policy, so gaps are not ranked among the levers), then the exposures
        (``kind`` = ``"exposure"``): ``target``, ``indicator``, ``name``,
        ``dimension``, ``unit``, ``value`` (the current raw value), ``target_value``,
        ``change`` (target minus current), ``peer`` and ``peer_name`` (who has the target
        value), ``score_before``, ``score_after``, ``gain`` (composite), ``rank_before``,
        ``rank_after``, ``rank_gain`` (places up), ``description``. ``attrs``: ``country``,
        ``name``, ``score``, ``rank``, ``n``, ``targets`` (each target's peer group),
        ``method`` (``batch`` or ``rebuild``), ``rebuilds``, ``not_levers`` (every indicator
        marked as no lever, with the country's value, whether or not a target is above it).

    Raises
    ------
    UnknownCountryError
    SpecError
        An unknown target.

    Notes
    -----
    A gain is that of one indicator moved alone (the others as they are); gains of
    several levers do not add up exactly, since normalisation bounds and weights interact.
    """
    ds = result.dataset
    iso3 = resolve_country(ds, country)
    targets = [target] if isinstance(target, str) else list(target)
    idx = result.index_code
    scored = iso3 in result.scores.index and not np.isnan(result.scores.at[iso3, idx])
    base_score = float(result.scores.at[iso3, idx]) if scored else math.nan
    base_rank = float(result.ranks.at[iso3, idx]) if scored else math.nan
    flags = lever_flags(ds)
    ind = ds.indicators
    parents = dict(ind["parent"])
    plans, groups = [], {}
    for t in targets:
        tv = targets_for(result, iso3, t)
        groups[t] = tv.attrs.get("group")
        for code, row in tv.iterrows():
            plans.append((t, code, float(row["target_value"]), row["peer"]))
    scores, ranks, method = evaluate_whatifs(result, iso3, [(c, v) for _, c, v, _ in plans])
    names = ds.countries["name"]
    rows = []
    current = ds.values.loc[iso3] if iso3 in ds.values.index else pd.Series(np.nan, index=ind.index)
    for (t, code, value, peer), s, r in zip(plans, scores, ranks):
        cur = float(current[code])
        unit = str(ind.at[code, "unit"] or "")
        name = ind.at[code, "name"] or code
        per = f" (per {ind.at[code, 'denominator']})" if "denominator" in ind and ind.at[code, "denominator"] else ""
        rows.append({
            "kind": "exposure" if not flags[code] else ("data_gap" if math.isnan(cur) else "lever"), "target": t, "indicator": code, "name": name,
            "dimension": parents[code], "unit": unit, "value": cur, "target_value": value,
            "change": value - cur if not math.isnan(cur) else math.nan, "peer": peer,
            "peer_name": names.get(peer, peer), "score_before": base_score, "score_after": float(s),
            "gain": float(s) - base_score, "rank_before": base_rank, "rank_after": float(r),
            "rank_gain": base_rank - float(r),
            "description": f"{name} from {format_value(cur) if not math.isnan(cur) else 'no data'} to {format_value(value)} {unit}{per}, as {names.get(peer, peer)} has",
        })
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    lev = frame[frame["kind"] == "lever"]
    lev = lev[~(lev["gain"] <= 0)]  # a lever that does not raise the composite is not shown (NaN kept: unscored)
    lev = lev.sort_values(["gain", "rank_gain"], ascending=False, kind="stable")
    if top:
        lev = lev.groupby("target", sort=False).head(top)
    lev = pd.concat([lev[lev["target"] == t] for t in targets]) if len(lev) else lev
    gaps = frame[(frame["kind"] == "data_gap") & ~(frame["gain"] <= 0)]
    gaps = gaps.sort_values("gain", ascending=False, kind="stable")
    exp = frame[frame["kind"] == "exposure"].sort_values("gain", ascending=False, kind="stable")
    parts = [part for part in (lev, gaps, exp) if len(part)]
    out = pd.concat(parts, ignore_index=True) if parts else lev.reset_index(drop=True)
    out.attrs.update({"country": iso3, "name": names.get(iso3, iso3), "score": base_score, "rank": base_rank,
                      "n": int(result.scores[idx].notna().sum()), "targets": groups, "method": method,
                      "rebuilds": len(plans),
                      "not_levers": [{"indicator": c, "name": ind.at[c, "name"] or c, "unit": ind.at[c, "unit"],
                                      "value": float(current[c])} for c in ind.index[~flags.reindex(ind.index)]]})
    return out


def levers_payload(result, country, target="region_top_quartile", top: int | None = 5) -> dict:
    """The JSON of ``readiness levers``: the country, targets, levers, exposures, common keys."""
    frame = levers(result, country, target=target, top=top)
    a = frame.attrs
    return {"country": a["country"], "name": a["name"], "score": a["score"], "rank": a["rank"], "n": a["n"],
            "targets": [{"target": t, "group": g} for t, g in a["targets"].items()],
            "levers": frame[frame["kind"] == "lever"], "data_gaps": frame[frame["kind"] == "data_gap"],
            "exposures": frame[frame["kind"] == "exposure"],
            "not_levers": a["not_levers"],
            **common_keys(result.dataset, result.spec, result=result)}
