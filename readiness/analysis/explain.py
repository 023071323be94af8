"""Why a country scores as it does: every indicator's value, score and contribution; countries side by side.

:func:`explain` answers "why is Kenya's compute 22.5?": for each indicator, the raw
value with unit, year and source, whether it was observed, imputed or missing, the
treated value if outlier treatment changed it, the normalised score, its rank, the
region and income-group medians, the indicator's *effective weight for that country*
and its *contribution* to the composite. :func:`compare_countries` puts countries side
by side at the index, dimension and indicator levels.

Effective weight (per country)
    At each level a node's weight is renormalised over the siblings the country has a
    value for (as aggregation does), and the effective weight of an indicator is the
    product of these shares up the tree. A gap, or a dimension left without a score by
    ``aggregate_coverage_min``, gets 0 and its siblings carry its weight.
Contribution: the decomposition used (exact in every case)
    * arithmetic mean at every level: ``weight x score``; the contributions add up to the
      composite (to rounding, 1e-9).
    * geometric mean at every level: the log-contribution ``weight x ln(score)``; they add
      up to ``ln(composite)``.
    * anything else (harmonic, generalised or mixed means): the composite is split down
      the tree in proportion to each child's term in its parent's power mean,
      ``w_c x_c^p / sum_j w_j x_j^p`` (p = 1 arithmetic, -1 harmonic, the setting for the
      generalised mean; a geometric level splits by weight); the contributions add up to
      the composite.
    ``DataFrame.attrs["decomposition"]`` names the one used and ``attrs["total"]`` the
    value the contributions add up to.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from ..lookup import resolve_country
from ..errors import UnknownCountryError
from ..serialise import common_keys
from .levers import format_value, lever_flags  # noqa: F401  (re-exported)

__all__ = ["explain", "explain_payload", "contributions", "country_weights", "compare_countries",
           "compare_payload", "COLUMNS", "lever_flags", "format_value",
           "missing_for_scoring"]

#: The columns of :func:`explain`, in order (a stable contract: add, never rename).
COLUMNS = ("indicator", "name", "dimension", "parent", "unit", "year", "source", "value", "status",
           "treated", "treatment", "score", "rank", "n", "region_median", "income_group_median",
           "weight", "contribution", "lever")


# -- the tree, per country --------------------------------------------------------------
def _methods(result) -> dict:
    """{level: aggregation method} for every aggregated level."""
    spec = result.spec
    levels = sorted({lv for lv in result.levels.values() if lv > 1})
    return {lv: spec.aggregation_by_level.get(lv, spec.aggregation) for lv in levels}


def _shares(result, scores: pd.DataFrame, *, term: bool):
    """Per country, each node's share of its parent: weight (or power-mean term) over present siblings.

    Returns (node codes, ndarray of shape (n_countries, n_nodes)).
    """
    ds = result.dataset
    parents = ds.parents
    nodes = [c for c in scores.columns if c in parents]
    w = result.weights.reindex(nodes).to_numpy(dtype=float)
    x = scores[nodes].to_numpy(dtype=float)
    present = ~np.isnan(x) & (w > 0)
    part = np.where(present, w, 0.0)
    if term:
        methods, levels, p = _methods(result), result.levels, result.spec.generalised_mean_p
        for j, code in enumerate(nodes):
            method = methods[levels[parents[code]]]
            power = {"arithmetic": 1.0, "harmonic": -1.0, "geometric": 0.0,
                     "generalised_mean": p}.get(method, 1.0)
            if power != 0.0:
                with np.errstate(invalid="ignore", divide="ignore"):
                    part[:, j] = np.where(present[:, j], w[j] * np.power(x[:, j], power), 0.0)
    parent_of = np.array([parents[c] for c in nodes], dtype=object)
    groups = {parent: i for i, parent in enumerate(dict.fromkeys(parent_of))}
    onehot = np.zeros((len(nodes), len(groups)))
    onehot[np.arange(len(nodes)), [groups[p] for p in parent_of]] = 1.0
    total = (part @ onehot) @ onehot.T  # each node's siblings' sum, per country
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total != 0, part / np.where(total != 0, total, 1.0), 0.0)
    return nodes, share


def _down_the_tree(result, nodes, share) -> np.ndarray:
    """Product of the shares from each indicator up to the index, per country (country x indicator)."""
    ds = result.dataset
    parents = ds.parents
    pos = {c: i for i, c in enumerate(nodes)}
    paths = []
    for code in ds.indicators.index:
        path, node = [], code
        while node in parents:
            path.append(pos[node])
            node = parents[node]
        paths.append(path)
    depth = max(len(p) for p in paths)
    one = len(nodes)  # a column of ones pads the shorter paths
    index = np.array([p + [one] * (depth - len(p)) for p in paths])
    padded = np.concatenate([share, np.ones((share.shape[0], 1))], axis=1)
    return padded[:, index].prod(axis=-1)


def _rows(result, countries):
    return result.scores if countries is None else result.scores.loc[list(countries)]


def country_weights(result, countries=None) -> pd.DataFrame:
    """Each indicator's effective weight for each scored country (country x indicator).

    The product, up the tree, of the node's weight over the weights of the siblings the
    country has a value for. For a country with an index score the weights add up to 1.
    ``countries`` limits the rows (default: every scored country).
    """
    scores = _rows(result, countries)
    weights = _down_the_tree(result, *_shares(result, scores, term=False))
    return pd.DataFrame(weights, index=scores.index, columns=list(result.dataset.indicators.index))


def _decomposition(result) -> str:
    methods = set(_methods(result).values())
    if methods == {"arithmetic"}:
        return "arithmetic"
    if methods == {"geometric"}:
        return "geometric"
    return "power_shares"


def contributions(result, countries=None, *, weights: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each indicator's contribution to each scored country's composite (country x indicator).

    See the module docstring for the decomposition: ``weight x score`` under arithmetic
    means (they add up to the composite), ``weight x ln(score)`` under geometric means
    (they add up to ln(composite)), otherwise power-mean shares of the composite.
    ``weights``, if given, are :func:`country_weights` for the same rows (saves computing them).
    """
    kind = _decomposition(result)
    ind = list(result.dataset.indicators.index)
    scores = _rows(result, countries)
    x = scores[ind].to_numpy(dtype=float)
    if kind == "power_shares":
        share = _down_the_tree(result, *_shares(result, scores, term=True))
        total = scores[result.index_code].to_numpy(dtype=float)[:, None]
        values = share * total
    else:
        weight = (country_weights(result, countries) if weights is None else weights).to_numpy()
        if kind == "geometric":
            with np.errstate(divide="ignore", invalid="ignore"):
                x = np.log(x)
        values = np.where(weight > 0, weight * np.where(np.isnan(x), 0.0, x), 0.0)
    values = np.where(np.isnan(scores[[result.index_code]].to_numpy()), np.nan, values)
    return pd.DataFrame(values, index=scores.index, columns=ind)


_DESCRIBE = {
    "arithmetic": "contribution = effective weight x normalised score; the contributions add up to the composite",
    "geometric": "contribution = effective weight x ln(normalised score) (log-contribution); they add up to "
                 "ln(composite)",
    "power_shares": "the composite split down the tree in proportion to each child's term in its parent's "
                    "mean (w x^p); the contributions add up to the composite",
}


# -- explain ----------------------------------------------------------------------------
def _provenance(dataset, country):
    prov = dataset.provenance
    years, sources = {}, {}
    if prov is not None and not prov.empty and {"country", "indicator"} <= set(prov.columns):
        sub = prov[prov["country"] == country]
        if "year" in sub:
            years = {k: v for k, v in zip(sub["indicator"], sub["year"]) if pd.notna(v) and v != ""}
        if "source" in sub:
            sources = {k: v for k, v in zip(sub["indicator"], sub["source"]) if pd.notna(v) and v != ""}
    return years, sources


def _dimension_of(dataset, parents):
    index = dataset.index_code
    out = {}
    for code in dataset.indicators.index:
        node = code
        while parents.get(node) and parents[node] != index:
            node = parents[node]
        out[code] = node
    return out


def _under(dataset, node) -> list:
    """The indicators below ``node`` (all of them for the index)."""
    if node is None or node == dataset.index_code:
        return list(dataset.indicators.index)
    if node in dataset.indicators.index:
        return [node]
    parents = dataset.parents
    keep = []
    for code in dataset.indicators.index:
        n = code
        while n in parents:
            n = parents[n]
            if n == node:
                keep.append(code)
                break
    return keep


def _raw_equivalent(dataset, code, country, value):
    """A value on the pipeline's scale (after denominator and transform) back in the raw unit."""
    meta = dataset.indicators.loc[code]
    kind = str(meta.get("transform", "none") or "none")
    if kind == "log":
        value = math.exp(value)
    elif kind == "log1p":
        value = math.expm1(value)
    den = str(meta.get("denominator", "") or "")
    if den:
        d = pd.to_numeric(pd.Series([dataset.countries.at[country, den]]), errors="coerce").iloc[0]
        scale = float(meta.get("scale", 1.0) or 1.0) if pd.notna(meta.get("scale", np.nan)) else 1.0
        value = value * d / scale
    return value


def _meta(ind, column, codes, default) -> list:
    """A column of the Indicators table for ``codes`` (``default`` if the table lacks it)."""
    return ind[column].reindex(codes).tolist() if column in ind else [default] * len(codes)


def _group_medians(result, country, column, codes) -> np.ndarray:
    """The median normalised score of the scored countries in ``country``'s group, per indicator."""
    ds = result.dataset
    if column not in ds.countries.columns:
        return np.full(len(codes), np.nan)
    label = ds.countries.at[country, column]
    if not isinstance(label, str) or not label:
        return np.full(len(codes), np.nan)
    members = (ds.countries[column].reindex(result.scores.index) == label).to_numpy()
    block = result.scores[codes].to_numpy(dtype=float)[members]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no value in the group: NaN
        return np.nanmedian(block, axis=0) if len(block) else np.full(len(codes), np.nan)


def _cost(node, present, children, weights, share) -> int:
    """The fewest indicators to add under ``node`` for it to have a score (aggregate_coverage_min)."""
    kids = [c for c in children.get(node, []) if weights.get(c, 1.0) > 0]
    if not kids:
        return 0 if present.get(node, False) else 1
    costs = sorted(_cost(c, present, children, weights, share) for c in kids)
    k = max(1, math.ceil(round(share * len(kids) - 1e-9, 9)))
    return int(sum(costs[:k]))


def missing_for_scoring(result, country) -> dict:
    """Why ``country`` is not scored, and what it would take.

    Returns
    -------
    dict
        ``reason`` (the build's), ``missing`` (indicator codes without a value),
        ``present``, ``indicators``, ``coverage_min``, ``dimensions_without_score``
        (``{dimension: indicators to add for it to have a score}``, under
        ``incomplete = "not_scored"``) and ``needed``: the fewest more indicators with a
        value that would make the country scored (coverage and every dimension).
    """
    ds, spec = result.dataset, result.spec
    den = result.stages["denominated"]
    row = den.loc[country] if country in den.index else pd.Series(np.nan, index=ds.indicators.index)
    imp = result.stages["imputed"]
    filled = imp.loc[country] if country in imp.index else row
    n = len(row)
    present = int(row.notna().sum())
    required = math.ceil(round(spec.coverage_min * n - 1e-9, 9)) if n else 0
    reason = (result.not_scored.at[country, "reason"] if country in result.not_scored.index
              else ("no index score" if country in result.scores.index else "no data"))
    dims = {}
    if getattr(spec, "incomplete", "partial") == "not_scored":
        children = {}
        for child, parent in ds.parents.items():
            children.setdefault(parent, []).append(child)
        have = {c: bool(pd.notna(v)) for c, v in filled.items()}
        weights = result.weights.to_dict()
        for d in ds.dimensions:
            cost = _cost(d, have, children, weights, spec.aggregate_coverage_min)
            if cost:
                dims[d] = cost
    needed = max(required - present, sum(dims.values()), 0)
    return {"reason": reason, "missing": list(row.index[row.isna()]), "present": present, "indicators": n,
            "coverage_min": spec.coverage_min, "needed": int(needed), "dimensions_without_score": dims}


def explain(result, country, *, level=None) -> pd.DataFrame:
    """Every indicator's part in a country's score (C10).

    Parameters
    ----------
    result : Result
    country : str
        ISO2 or ISO3 code or name.
    level : str, optional
        A node code (a dimension, or any aggregate): only the indicators under it.

    Returns
    -------
    DataFrame
        One row per indicator, columns :data:`COLUMNS`: ``indicator``, ``name``,
        ``dimension`` (the index's child above it), ``parent``, ``unit``, ``year``,
        ``source`` (the value's own where the provenance table has it), ``value`` (raw),
        ``status`` (``observed``, ``imputed``, ``missing``), ``treated`` (the value after
        outlier treatment, in the raw unit, where treatment changed it; NaN otherwise),
        ``treatment`` (``winsorised high``/``low``, ``log``, or empty), ``score`` (the
        normalised score), ``rank`` (among the ``n`` scored countries with a score),
        ``region_median`` and ``income_group_median`` (of the normalised score),
        ``weight`` (the effective weight for this country), ``contribution``, ``lever``.
        ``attrs`` holds ``country``, ``name``, ``scored``, ``score``, ``rank``, ``n``,
        ``decomposition`` (and its ``decomposition_text``), ``total`` (what the
        contributions add up to) and, for a country without an index score,
        ``not_scored`` (:func:`missing_for_scoring`).

    Raises
    ------
    UnknownCountryError
    SpecError
        An unknown ``level``.

    See Also
    --------
    compare_countries, readiness.whatif, readiness.levers
    """
    ds = result.dataset
    iso3 = resolve_country(ds, country)
    idx = result.index_code
    scored = iso3 in result.scores.index and not np.isnan(result.scores.at[iso3, idx])
    codes = list(ds.indicators.index)
    if level is not None:
        from ..lookup import resolve_node

        codes = _under(ds, resolve_node(result, level))
    parents = ds.parents
    dims = _dimension_of(ds, parents)
    years, sources = _provenance(ds, iso3)
    ind = ds.indicators
    raw = ds.values.loc[iso3] if iso3 in ds.values.index else pd.Series(np.nan, index=ind.index)
    den = result.stages["denominated"]
    den_row = den.loc[iso3] if iso3 in den.index else pd.Series(np.nan, index=ind.index)
    kept = iso3 in result.scores.index
    imputed = result.imputed.loc[iso3] if kept else pd.Series(False, index=ind.index)
    status = np.where(den_row.reindex(codes).notna(), "observed",
                      np.where(imputed.reindex(codes).fillna(False).astype(bool), "imputed", "missing"))
    treated = pd.Series(np.nan, index=codes)
    treatment = pd.Series("", index=codes, dtype=object)
    if kept:
        before, after = result.stages["imputed"].loc[iso3], result.stages["treated"].loc[iso3]
        logged = result.treatment["log"] if "log" in result.treatment else pd.Series(False, index=ind.index)
        for code in codes:
            if bool(logged.get(code, False)):
                treatment[code] = "log"
            elif before[code] != after[code] and not (np.isnan(before[code]) and np.isnan(after[code])):
                treatment[code] = "winsorised high" if after[code] < before[code] else "winsorised low"
                treated[code] = _raw_equivalent(ds, code, iso3, after[code])
    n_ranked = result.scores[codes].notna().sum()
    if kept:
        score = result.scores.loc[iso3, codes]
        rank = result.ranks.loc[iso3, codes]
        weights = country_weights(result, [iso3]) if scored else None
        weight = weights.loc[iso3, codes] if scored else pd.Series(np.nan, index=codes)
        contrib = (contributions(result, [iso3], weights=weights).loc[iso3, codes] if scored
                   else pd.Series(np.nan, index=codes))
    else:
        score = rank = weight = contrib = pd.Series(np.nan, index=codes)
    frame = pd.DataFrame({
        "indicator": codes,
        "name": [n or c for n, c in zip(ind["name"].reindex(codes).fillna(""), codes)],
        "dimension": [dims[c] for c in codes],
        "parent": [parents[c] for c in codes],
        "unit": _meta(ind, "unit", codes, ""),
        "year": [years.get(c, y) for c, y in zip(codes, _meta(ind, "year", codes, None))],
        "source": [sources.get(c, v) for c, v in zip(codes, _meta(ind, "source", codes, ""))],
        "value": raw.reindex(codes).to_numpy(dtype=float),
        "status": status,
        "treated": treated.to_numpy(dtype=float),
        "treatment": treatment.to_numpy(dtype=object),
        "score": score.to_numpy(dtype=float),
        "rank": rank.to_numpy(dtype=float),
        "n": n_ranked.to_numpy(dtype=int),
        "region_median": _group_medians(result, iso3, "region", codes),
        "income_group_median": _group_medians(result, iso3, "income_group", codes),
        "weight": weight.to_numpy(dtype=float),
        "contribution": contrib.to_numpy(dtype=float),
        "lever": lever_flags(ds).reindex(codes).to_numpy(dtype=bool),
    }, columns=list(COLUMNS))
    kind = _decomposition(result)
    total = float(result.scores.at[iso3, idx]) if scored else math.nan
    frame.attrs.update({
        "country": iso3, "name": ds.countries.at[iso3, "name"], "scored": bool(scored),
        "score": total, "rank": float(result.ranks.at[iso3, idx]) if scored else math.nan,
        "n": int(result.scores[idx].notna().sum()), "level": level or idx,
        "decomposition": kind, "decomposition_text": _DESCRIBE[kind],
        "total": math.log(total) if kind == "geometric" and scored else total,
    })
    if not scored:
        frame.attrs["not_scored"] = missing_for_scoring(result, iso3)
    return frame


def explain_payload(result, country, *, level=None) -> dict:
    """The JSON of ``readiness explain``: the country, its composite, the rows, and the common keys."""
    frame = explain(result, country, level=level)
    a = frame.attrs
    return {"country": a["country"], "name": a["name"], "scored": a["scored"], "score": a["score"],
            "rank": a["rank"], "n": a["n"], "level": a["level"], "decomposition": a["decomposition"],
            "decomposition_text": a["decomposition_text"], "total": a["total"],
            "not_scored": a.get("not_scored"), "indicators": frame,
            **common_keys(result.dataset, result.spec)}


# -- compare ----------------------------------------------------------------------------
def _node_order(result) -> list:
    """Index, then aggregates from the top down, then indicators (framework order)."""
    levels = result.levels
    aggs = [c for c in result.scores.columns if levels[c] > 1]
    aggs = sorted(aggs, key=lambda c: -levels[c])
    return aggs + [c for c in result.scores.columns if levels[c] == 1]


def _peer_group(result, focus, peers):
    """(label, member countries) of a peer group for ``peers`` = region / income_group / None."""
    ds = result.dataset
    if peers not in ds.countries.columns:
        from ..errors import SpecError
        from .._validation import did_you_mean

        raise SpecError(f"--peers {peers!r}: expected region, income_group or country codes"
                        f"{did_you_mean(str(peers), ['region', 'income_group'])}")
    label = ds.countries.at[focus, peers]
    members = ds.countries.index[ds.countries[peers] == label].intersection(result.scores.index)
    return label, list(members)


def compare_countries(result, countries, peers=None) -> pd.DataFrame:
    """Countries side by side at the index, dimension and indicator levels (C10).

    Not to be confused with :func:`readiness.compare`, which compares two Results.

    Parameters
    ----------
    result : Result
    countries : list of str
        ISO2/ISO3 codes or names; the first is the focus for a peer group.
    peers : str or list of str, optional
        ``"region"`` or ``"income_group"``: add the median of the first country's group
        (column ``peer_median``); a list of codes (or one comma-separated string): add
        those countries to the comparison.

    Returns
    -------
    DataFrame
        One row per node (index first, then aggregates from the top down, then
        indicators): ``node``, ``level``, ``name``; for each country ``C``: ``C`` (the
        score), ``C_rank`` (its rank among all scored countries) and ``C_gap`` (its score
        minus the best score of the countries compared: 0 for the best, negative
        otherwise); ``best`` (the ISO3 of the best); ``peer_median`` when ``peers`` names
        a group (``attrs["peers"]`` names it).

    Raises
    ------
    UnknownCountryError
    SpecError
        An unknown peer group.
    """
    ds = result.dataset
    if isinstance(countries, str):
        countries = [countries]
    codes = list(dict.fromkeys(resolve_country(ds, c) for c in countries))
    group = None
    if isinstance(peers, str) and peers in ("region", "income_group"):
        group = peers
    elif peers:
        items = peers.split(",") if isinstance(peers, str) else list(peers)
        try:
            extra = [resolve_country(ds, str(p).strip()) for p in items if str(p).strip()]
        except UnknownCountryError as exc:
            if isinstance(peers, str) and "," not in peers:
                from ..errors import SpecError

                raise SpecError(f"peers {peers!r}: expected region, income_group or country codes ({exc})") from None
            raise
        codes += [c for c in extra if c not in codes]
    if not codes:
        raise UnknownCountryError("name at least one country to compare")
    nodes = _node_order(result)
    scores = result.scores.reindex(codes)[nodes]
    ranks = result.ranks.reindex(codes)[nodes]
    frame = pd.DataFrame({"node": nodes, "level": [result.levels[n] for n in nodes],
                          "name": [ds.node_name(n) for n in nodes]})
    best = scores.max(axis=0, skipna=True)
    for c in codes:
        frame[c] = scores.loc[c].to_numpy(dtype=float)
        frame[f"{c}_rank"] = ranks.loc[c].to_numpy(dtype=float)
        frame[f"{c}_gap"] = (scores.loc[c] - best).to_numpy(dtype=float)
    filled = scores.fillna(-np.inf)
    frame["best"] = np.where(best.notna().to_numpy(), filled.idxmax(axis=0).reindex(nodes).to_numpy(), None)
    frame.attrs["countries"] = codes
    if group:
        label, members = _peer_group(result, codes[0], group)
        frame["peer_median"] = result.scores.loc[members, nodes].median().to_numpy(dtype=float)
        frame.attrs["peers"] = {"group": group, "label": label, "n": len(members)}
    return frame


def compare_payload(result, countries, peers=None) -> dict:
    """The JSON of ``readiness compare``: countries, peers, rows and the common keys."""
    frame = compare_countries(result, countries, peers)
    ds = result.dataset
    return {"countries": [{"country": c, "name": ds.countries.at[c, "name"]} for c in frame.attrs["countries"]],
            "peers": frame.attrs.get("peers"), "n": int(result.scores[result.index_code].notna().sum()),
            "nodes": frame, **common_keys(ds, result.spec)}
