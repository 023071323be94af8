"""Weights: from the framework, equal, or overridden; effective weights reported.

OECD/JRC Handbook (2008), section 6. A node's weight is relative to its siblings:
at aggregation the weights of a country's present children are renormalised to sum
to one (COINr's ``a_amean`` does the same), so dropping a node is a weight of 0.
"""

from __future__ import annotations

import pandas as pd

from ._validation import did_you_mean
from .errors import SpecError

__all__ = ["node_weights", "effective_weights", "normalise_siblings"]


def node_weights(dataset, spec) -> pd.Series:
    """The raw weight of every node (indicators and aggregates), per the Spec.

    ``weights="framework"`` takes the ``weight`` columns, ``"equal"`` sets every
    weight to 1; ``weights_override`` then replaces single nodes' weights.
    """
    w = pd.concat([dataset.indicators["weight"], dataset.structure["weight"]]).astype(float)
    if spec.weights == "equal":
        w[:] = 1.0
    for code, value in spec.weights_override.items():
        if code not in w.index:
            raise SpecError(f"weights_override names {code!r}, which is not in the framework"
                            f"{did_you_mean(code, list(w.index))}")
        w[code] = float(value)
    return w.rename("weight")


def normalise_siblings(weights: pd.Series, parents: pd.Series) -> pd.Series:
    """Scale weights so that each parent's children sum to one (all-zero groups stay zero).

    >>> w = pd.Series({"a": 1.0, "b": 3.0, "c": 2.0})
    >>> normalise_siblings(w, pd.Series({"a": "X", "b": "X", "c": "Y"})).tolist()
    [0.25, 0.75, 1.0]
    """
    totals = weights.groupby(parents).transform("sum")
    return (weights / totals.where(totals > 0)).fillna(0.0)


def effective_weights(dataset, weights: pd.Series) -> pd.Series:
    """Each indicator's share of the index: the product of sibling-normalised weights up the tree.

    The effective weights of the indicators sum to one (when no branch is all zero).
    """
    parent_s = pd.concat([dataset.indicators["parent"], dataset.structure["parent"]])
    rel = normalise_siblings(weights, parent_s).to_dict()
    parents = parent_s.to_dict()
    out = {}
    for code in dataset.indicators.index:
        share, node = 1.0, code
        while parents.get(node):
            share *= rel[node]
            node = parents[node]
        out[code] = share
    return pd.Series(out, name="effective_weight")
