"""What if a country's raw values were different? An exact rebuild, and what it changes.

:func:`whatif` replaces some of one country's raw values (in each indicator's own unit)
and rebuilds the whole index: denomination, imputation, screening, outlier treatment,
normalisation (whose bounds move if the new value is a new minimum or maximum),
aggregation and ranking. Nothing is approximated: the result equals ``build()`` on a
dataset edited by hand, and a what-if that sets the current values returns a Result
identical to the original. The rebuild reuses the stages of the previous result that
the change cannot affect (``build(..., reuse=)``).

:func:`whatif_summary` says what changed for the country: its composite and dimension
scores and ranks before and after, and the countries it overtook (or that overtook it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..lookup import resolve_country
from ..pipeline import build
from ..ranges import check_values
from ..serialise import common_keys

__all__ = ["whatif", "whatif_summary", "whatif_dataset", "rebuild", "summary_frame"]


def rebuild(result, dataset):
    """``build(dataset, result.spec)``, reusing ``result``'s unaffected stages."""
    return build(dataset, result.spec, reuse=result)


def whatif_dataset(result, country, values: dict, *, where: str | None = None):
    """The dataset of ``result`` with ``country``'s raw ``values`` replaced (checked against C8's ranges).

    Returns
    -------
    (Dataset, str)
        The edited dataset and the country's ISO3 code.
    """
    ds = result.dataset
    iso3 = resolve_country(ds, country)
    checked = check_values(ds, dict(values), where=where)
    frame = ds.values.copy()
    if iso3 not in frame.index:  # a country listed in Countries without a data row
        frame.loc[iso3] = np.nan
    for code, value in checked.items():
        frame.at[iso3, code] = value
    return ds.with_values(frame), iso3


def whatif(result, country, values: dict, *, where: str | None = None):
    """Rebuild the index with some of one country's raw values changed (C10).

    Parameters
    ----------
    result : Result
        The build to start from (its dataset and Spec are used).
    country : str
        ISO2 or ISO3 code or name.
    values : dict
        ``{indicator code: raw value}``, each in the indicator's own unit.
    where : str, optional
        Where the values came from, named in errors (``"--value"``).

    Returns
    -------
    Result
        Exactly ``build(edited dataset, result.spec)``.

    Raises
    ------
    UnknownCountryError
    InputError
        An unknown indicator, or a value outside what the indicator can take (named,
        with its valid range: see :mod:`readiness.ranges`); every problem at once.

    See Also
    --------
    whatif_summary, readiness.levers

    Examples
    --------
    >>> import readiness
    >>> result = readiness.build(readiness.load_dataset())           # doctest: +SKIP
    >>> after = readiness.whatif(result, "KE", {"fixed_broadband": 10})  # doctest: +SKIP
    >>> readiness.whatif_summary(result, after, "KE")["rank"]        # doctest: +SKIP
    """
    dataset, _ = whatif_dataset(result, country, values, where=where)
    return rebuild(result, dataset)


def _num(value):
    value = float(value)
    return None if np.isnan(value) else value


def _at(result, country, node, frame="scores"):
    table = getattr(result, frame)
    if country in table.index and node in table.columns:
        return _num(table.at[country, node])
    return None


def whatif_summary(before, after, country) -> dict:
    """What a what-if changed for ``country`` (C10).

    Parameters
    ----------
    before, after : Result
        The original build and the what-if's (:func:`whatif`).
    country : str

    Returns
    -------
    dict
        ``country``, ``name``, ``changes`` (``indicator``, ``unit``, ``before``, ``after``
        raw values that differ), ``score`` and ``rank`` (``before``, ``after``,
        ``change``), ``n`` (countries ranked after), ``dimensions`` (``code``, ``name``,
        ``score_before``, ``score_after``, ``rank_before``, ``rank_after``),
        ``overtaken`` (countries ranked above before and below after: ``country``,
        ``name``, ``score``), ``overtaken_by`` (the reverse), and the common keys
        ``settings``, ``data_fingerprint`` (of the what-if), ``dataset``, ``version``.
    """
    ds = after.dataset
    iso3 = resolve_country(ds, country)
    idx = after.index_code
    raw_b = before.dataset.values.reindex(index=[iso3]).iloc[0] if iso3 in before.dataset.values.index else None
    raw_a = ds.values.loc[iso3]
    changes = []
    for code in ds.indicators.index:
        b = np.nan if raw_b is None else float(raw_b[code])
        a = float(raw_a[code])
        if not (b == a or (np.isnan(a) and np.isnan(b))):
            changes.append({"indicator": code, "name": ds.node_name(code), "unit": ds.indicators.at[code, "unit"],
                            "before": _num(b), "after": _num(a)})

    def pair(node, frame):
        b, a = _at(before, iso3, node, frame), _at(after, iso3, node, frame)
        change = None if a is None or b is None else a - b
        return {"before": b, "after": a, "change": change}

    rb, ra = before.ranks[idx], after.ranks[idx]
    mine_b, mine_a = _at(before, iso3, idx, "ranks"), _at(after, iso3, idx, "ranks")
    common = rb.index.intersection(ra.index).drop(iso3, errors="ignore")
    overtaken, overtaken_by = [], []
    if mine_b is not None and mine_a is not None:
        above_before = rb[common] < mine_b
        below_after = ra[common] > mine_a
        passed = common[(above_before & below_after).to_numpy()]
        passing = common[((rb[common] > mine_b) & (ra[common] < mine_a)).to_numpy()]
        order = after.scores[idx]
        overtaken = [{"country": c, "name": ds.countries.at[c, "name"], "score": _num(order[c])}
                     for c in order[passed].sort_values(ascending=False).index]
        overtaken_by = [{"country": c, "name": ds.countries.at[c, "name"], "score": _num(order[c])}
                        for c in order[passing].sort_values(ascending=False).index]
    dims = []
    for code in ds.dimensions:
        s, r = pair(code, "scores"), pair(code, "ranks")
        dims.append({"code": code, "name": ds.node_name(code), "score_before": s["before"],
                     "score_after": s["after"], "rank_before": r["before"], "rank_after": r["after"]})
    def status(result):
        ok = iso3 in result.scores.index and not np.isnan(result.scores.at[iso3, idx])
        why = None if ok else (result.not_scored.at[iso3, "reason"] if iso3 in result.not_scored.index
                               else "no index score")
        return ok, why

    (ok_b, why_b), (ok_a, why_a) = status(before), status(after)
    return {"country": iso3, "name": ds.countries.at[iso3, "name"], "changes": changes,
            "scored": {"before": ok_b, "after": ok_a}, "reason": {"before": why_b, "after": why_a},
            "score": pair(idx, "scores"), "rank": pair(idx, "ranks"),
            "n": int(after.scores[idx].notna().sum()), "dimensions": dims,
            "overtaken": overtaken, "overtaken_by": overtaken_by,
            **common_keys(ds, after.spec)}


def summary_frame(summary) -> pd.DataFrame:
    """The summary as a table: the index and each dimension, before and after (for CSV)."""
    rows = [{"node": "index", "name": "Composite", "score_before": summary["score"]["before"],
             "score_after": summary["score"]["after"], "rank_before": summary["rank"]["before"],
             "rank_after": summary["rank"]["after"]}]
    rows += [{"node": d["code"], **{k: v for k, v in d.items() if k != "code"}} for d in summary["dimensions"]]
    frame = pd.DataFrame(rows)
    frame.insert(0, "country", summary["country"])
    return frame

