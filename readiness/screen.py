"""Screening: countries with too little data are not scored, and are listed, never dropped silently.

Matches COINr's ``Screen(unit_screen = "byNA", dat_thresh = ...)``: a country is
kept when the share of its indicators with a value is at least ``coverage_min``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["coverage", "screen", "coverage_of", "coverage_reasons", "completeness_reason", "completeness_reasons",
           "missing_dimensions"]


def coverage(values: pd.DataFrame) -> pd.Series:
    """The share of indicators with a value, per country."""
    return values.notna().mean(axis=1).rename("coverage")


def screen(values: pd.DataFrame, *, coverage_min: float, measured_on: pd.DataFrame | None = None):
    """Split countries into kept and not scored.

    Parameters
    ----------
    values : DataFrame
        The data to keep rows of.
    coverage_min : float
        The least share of indicators a kept country has.
    measured_on : DataFrame, optional
        The data whose coverage decides (default: ``values``).

    Returns
    -------
    kept : DataFrame
    not_scored : DataFrame
        Indexed by country, with ``coverage`` and ``reason``.

    Examples
    --------
    >>> v = pd.DataFrame({"a": [1.0, np.nan], "b": [2.0, np.nan], "c": [3.0, 1.0]}, index=["X", "Y"])
    >>> kept, out = screen(v, coverage_min=0.5)
    >>> list(kept.index), out.loc["Y", "reason"]
    (['X'], 'not scored: coverage 33% (needs 50%)')
    """
    cov = coverage(values if measured_on is None else measured_on).reindex(values.index)
    low = cov < coverage_min - 1e-12
    not_scored = pd.DataFrame({"coverage": cov[low]})
    not_scored["reason"] = [f"not scored: coverage {c:.0%} (needs {coverage_min:.0%})" for c in cov[low]]
    not_scored.index.name = "country"
    return values.loc[~low], not_scored


def coverage_of(values: np.ndarray) -> np.ndarray:
    """The share of indicators with a value per row of an array (equal to :func:`coverage`)."""
    x = np.asarray(values, dtype=float)
    return (~np.isnan(x)).sum(axis=1) / x.shape[1] if x.shape[1] else np.zeros(x.shape[0])


def coverage_reasons(cov, coverage_min: float) -> list:
    """The reason a country below ``coverage_min`` is not scored, for each coverage given."""
    return [f"not scored: coverage {c:.0%} (needs {coverage_min:.0%})" for c in cov]


def completeness_reason(missing: list, counts: dict) -> str:
    """Why a country without a score for some dimensions is not scored (``incomplete = "not_scored"``).

    Parameters
    ----------
    missing : list of str
        The names of the dimensions without a score.
    counts : dict
        ``{name: (has, total, needs)}``: indicators with a value, indicators, and the
        least number that gives the dimension a score.

    Examples
    --------
    >>> completeness_reason(["Chips"], {"Chips": (1, 6, 3)})
    'not scored: no score for Chips (1 of 6 indicators; needs 3)'
    """
    parts = [f"{m} ({counts[m][0]} of {counts[m][1]} indicators; needs {counts[m][2]})" for m in missing]
    return "not scored: no score for " + ", ".join(parts)


def missing_dimensions(plan, values, wvec, coverage_min):
    """Which dimensions would get no score from the cells present: the aggregation's rules on presence alone.

    A parent has a score when a child with a non-zero weight has one and the share of its
    weighted children with one reaches ``aggregate_coverage_min`` (as ``aggregate_level``).
    """
    present = np.zeros((values.shape[0], len(plan.nodes)), dtype=bool)
    present[:, : plan.n_indicators] = ~np.isnan(values)
    for _, parents, children, onehot in plan.steps:
        member = (wvec[children][:, None] * onehot) > 0
        total = member.sum(axis=0)
        for j, parent in enumerate(parents):  # one aggregate at a time: counts of its children present
            count = present[:, children[member[:, j]]].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                present[:, parent] = (count > 0) & (count / total[j] >= coverage_min - 1e-12)
    return ~present[:, [plan.nodes.index(d) for d in plan.dimensions]]


def completeness_reasons(plan, names, values, missing, coverage_min) -> list:
    """The reason text per country not scored: each missing dimension, its indicators present and needed.

    ``plan`` is the framework's ``TreePlan``, ``names`` the dimensions' display names,
    ``values`` the countries' values (indicator order), ``missing`` one flag per dimension.
    "Needs" is ``aggregate_coverage_min`` of the dimension's indicators (at least one); for a
    dimension with sub-dimensions the rule applies to each part, so the count is a guide.
    """
    dims = [plan.nodes.index(d) for d in plan.dimensions]
    top = np.arange(plan.n_indicators)
    for _ in range(int(plan.levels.max())):  # climb each indicator to its dimension
        top = np.where(np.isin(top, dims) | (plan.parent_pos[top] < 0), top, plan.parent_pos[top])
    member = (top[:, None] == np.array(dims)[None, :]).astype(float)
    has = (~np.isnan(values)) @ member
    total = member.sum(axis=0)
    needs = np.maximum(1, np.ceil(coverage_min * total - 1e-9)).astype(int)
    out = []
    for h, m in zip(has, missing):  # one line per country not scored
        counts = {names[j]: (int(h[j]), int(total[j]), int(needs[j])) for j in np.flatnonzero(m)}
        out.append(completeness_reason(list(counts), counts))
    return out
