"""Ranks: descending, ties take the best (lowest) rank, missing stays missing.

Matches COINr's ``rank(-x, ties.method = "min", na.last = "keep")``. Plain numpy
(a sort along the axis), so that it broadcasts over replicates and keeps scipy off
the start-up path of the command line.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rank_ascending", "rank_descending"]


def rank_ascending(x, axis=-2):
    """Rank along ``axis``, lowest first; ties share the lowest rank; NaN gets NaN.

    Equal to ``scipy.stats.rankdata(x, method="min", axis=axis, nan_policy="omit")``.

    Examples
    --------
    >>> rank_ascending(np.array([[3.0], [1.0], [3.0], [np.nan], [2.0]])).ravel()
    array([ 3.,  1.,  3., nan,  2.])
    """
    a = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    n = a.shape[-1]
    flat = a.reshape(-1, n) if a.size else a.reshape(0, n)
    ranks = np.empty(flat.shape, dtype=float)
    step = max(1, _BLOCK // max(1, n))  # blocks of rows: small temporaries (no page faults at scale)
    for i in range(0, flat.shape[0], step):
        ranks[i: i + step] = _min_ranks(np.ascontiguousarray(flat[i: i + step]))
    return np.moveaxis(ranks.reshape(a.shape), -1, axis)


_BLOCK = 1 << 20  # values ranked per block


def _min_ranks(a):
    """Min ranks along the last axis of a C-contiguous 2-D block; NaN stays NaN."""
    n = a.shape[-1]
    # the default sort: the order within ties does not matter for min ranks, so no stable sort
    order = np.argsort(a, axis=-1)  # NaN sorts last
    s = np.take_along_axis(a, order, axis=-1)
    new = np.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    first = np.where(new, np.arange(n), 0)
    np.maximum.accumulate(first, axis=-1, out=first)
    ranks = np.empty(a.shape, dtype=float)
    np.put_along_axis(ranks, order, first + 1.0, axis=-1)
    ranks[np.isnan(a)] = np.nan
    return ranks


def rank_descending(scores, axis=-2):
    """Rank scores along ``axis`` (countries), highest first; ties share the best rank.

    Works on any leading (replicate) axes; NaN scores get NaN ranks.

    Examples
    --------
    >>> rank_descending(np.array([[3.0], [5.0], [3.0], [np.nan]])).ravel()
    array([ 2.,  1.,  2., nan])
    """
    return rank_ascending(-np.asarray(scores, dtype=float), axis=axis)
