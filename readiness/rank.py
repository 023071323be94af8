"""Ranks: descending, ties take the best (lowest) rank, missing stays missing.

Matches COINr's ``rank(-x, ties.method = "min", na.last = "keep")``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rank_descending"]


def rank_descending(scores, axis=-2):
    """Rank scores along ``axis`` (countries), highest first; ties share the best rank.

    Works on any leading (replicate) axes; NaN scores get NaN ranks.

    Examples
    --------
    >>> rank_descending(np.array([[3.0], [5.0], [3.0], [np.nan]])).ravel()
    array([ 2.,  1.,  2., nan])
    """
    from scipy.stats import rankdata

    x = np.asarray(scores, dtype=float)
    return rankdata(-x, method="min", axis=axis, nan_policy="omit")
