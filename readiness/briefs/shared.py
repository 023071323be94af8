"""What every country's brief reads from one result, computed once per result (vectorised).

The medians of each region and income group for every node, the spread of every
indicator's scores over all countries, the number of countries with a score, the
dimension above each indicator, the attributions and the settings line are the same in
every brief of a result. :func:`shared` computes them once and keeps them while the result
lives; ``brief --all`` computes them before forking its workers, which inherit them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..api import attributions, settings_summary
from .text import clip, fingerprints

__all__ = ["shared", "dimension_of", "group_median", "QUANTILES"]

QUANTILES = (5, 25, 50, 75, 95)     # the indicator chart's whisker, box and median
GROUPS = ("region", "income_group")
_CACHE: dict = {}       # id(result) -> (result, tables); the entry holds the result, so its id is not reused


def dimension_of(dataset) -> dict:
    """{indicator: the dimension (child of the index) above it}."""
    parents = dataset.parents
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


def _group_tables(result, column):
    """(medians, counts): per group label, every node's median score and number of scored members with one.

    The same numbers as a median over ``result.scores.loc[members, node]`` with the members the
    scored countries whose ``column`` is the label (NaN skipped).
    """
    countries = result.dataset.countries
    if column not in countries.columns:
        return pd.DataFrame(columns=result.scores.columns), pd.DataFrame(columns=result.scores.columns)
    labels = countries[column].reindex(result.scores.index)
    keep = labels.notna() & (labels.astype(str) != "")
    grouped = result.scores[keep].groupby(labels[keep])
    return grouped.median(), grouped.count()


def group_median(tables, column, label, node):
    """``(median or None, n)`` of ``node`` over the group ``label`` of ``column`` (None and 0 without one)."""
    medians, counts = tables["groups"][column]
    if label is None or label != label or label == "" or label not in medians.index:
        return None, 0
    value = medians.at[label, node]
    return (None if value != value else float(value)), int(counts.at[label, node])


def _quantiles(scores) -> dict:
    """{indicator: the QUANTILES of its scores over all countries (rounded to 3 decimals first), or None}."""
    out = {}
    for code in scores.columns:
        values = scores[code].dropna().to_numpy(dtype=float).round(3)
        out[code] = np.percentile(values, QUANTILES).tolist() if values.size else None
    return out


def shared(result) -> dict:
    """The per-result tables of the briefs (see the module docstring), computed once per result object."""
    hit = _CACHE.get(id(result))
    if hit is not None and hit[0] is result:
        return hit[1]
    ds = result.dataset
    codes = list(ds.indicators.index)
    scores = result.scores.reindex(columns=codes)
    fingerprint, dataset_fingerprint = fingerprints(result)
    tables = {
        "groups": {col: _group_tables(result, col) for col in GROUPS},
        "quantiles": _quantiles(scores),
        "n_valid": {code: int(n) for code, n in scores.notna().sum().items()},
        "n_index": int(result.scores[result.index_code].notna().sum()),
        "dimension_of": dimension_of(ds),
        "attributions": [{k: clip(v, 400) for k, v in r.items()} for r in attributions(ds).to_dict("records")],
        "settings": settings_summary(result.spec),
        "fingerprint": fingerprint, "dataset_fingerprint": dataset_fingerprint,
    }
    if len(_CACHE) >= 8:
        _CACHE.clear()
    _CACHE[id(result)] = (result, tables)
    return tables
