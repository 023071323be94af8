"""Rank statistics per unit and node, in memory linear in the number of units.

Quantiles, medians, means and rank-band probabilities of each (country, node) column
of the replicate ranks, computed a block of columns at a time from the sorted ranks:
exact (the replicate count the user chose, no binning or sketch), and never a
units x units array.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BANDS", "QUANTILES", "band_limits", "rank_stats"]

#: Rank bands whose probabilities are reported: name -> (side, size); a size below 1 is a share of countries.
BANDS = {"top_10": ("top", 10), "top_quartile": ("top", 0.25), "top_half": ("top", 0.5),
         "bottom_quartile": ("bottom", 0.25)}
#: The quantiles reported, by column name.
QUANTILES = {"q05": 0.05, "median_rank": 0.5, "q95": 0.95}
#: Rank values (float32) held in one block of sorted columns.
BLOCK_VALUES = 4_000_000


def band_limits(n_countries: int) -> dict:
    """Band name -> (side, limit): ``top`` holds ranks <= limit, ``bottom`` ranks > n - limit."""
    return {name: (side, size if size >= 1 else size * n_countries) for name, (side, size) in BANDS.items()}


def _block_stats(block, n_countries, limits):
    """Statistics of each column of ``block`` (replicates x columns, NaN = missing)."""
    nvalid = (~np.isnan(block)).sum(axis=0)
    s = np.sort(block, axis=0)  # NaN last
    out = {}
    cols = np.arange(block.shape[1])
    last = np.maximum(nvalid - 1, 0)
    none = nvalid == 0
    for name, q in QUANTILES.items():
        # type 7 (linear), as numpy's nanquantile: h = (n - 1) q between order statistics floor(h), floor(h) + 1
        h = last * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, last)
        x_lo = s[lo, cols].astype(np.float64)
        x_hi = s[hi, cols].astype(np.float64)
        out[name] = np.where(none, np.nan, x_lo + (h - lo) * (x_hi - x_lo))
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.where(none, np.nan, nvalid)
        out["mean_rank"] = np.nansum(block, axis=0, dtype=np.float64) / denom
        for name, (side, limit) in limits.items():
            hit = (block <= limit) if side == "top" else (block > n_countries - limit)
            hit &= block > 0
            out[f"p_{name}"] = hit.sum(axis=0) / denom
    return out


def rank_stats(ranks, valid, nominal, n_countries) -> dict:
    """Per (country, node) statistics of replicate ranks.

    Parameters
    ----------
    ranks : ndarray of shape (n_replicates, n_countries, n_nodes)
        Whole-number ranks (1 = best), NaN where missing.
    valid : ndarray of bool, shape (n_replicates,)
        The replicates to use.
    nominal : ndarray of shape (n_countries, n_nodes)
        The nominal ranks (passed through).
    n_countries : int
        The number of ranked countries (for the bands).

    Returns
    -------
    dict
        Arrays of shape (n_countries, n_nodes): ``nominal_rank``, ``mean_rank``,
        ``median_rank``, ``q05``, ``q95``, ``interval_width`` and ``p_<band>``.

    Notes
    -----
    Quantiles are linear (type 7, R's and numpy's default) over the valid, non-missing
    replicates. Memory: one block of about ``BLOCK_VALUES`` ranks at a time, plus the
    outputs: linear in the number of countries.

    Examples
    --------
    >>> r = np.array([[[1.0], [2.0]], [[2.0], [1.0]], [[1.0], [2.0]]])
    >>> s = rank_stats(r, np.ones(3, bool), np.array([[1.0], [2.0]]), 2)
    >>> s["median_rank"].ravel().tolist(), s["mean_rank"].ravel().round(3).tolist()
    ([1.0, 2.0], [1.333, 1.667])
    """
    shape = ranks.shape[1:]
    m = int(np.prod(shape))
    flat = ranks.reshape(ranks.shape[0], m)
    rows = np.flatnonzero(np.asarray(valid, dtype=bool))
    limits = band_limits(n_countries)
    names = list(QUANTILES) + ["mean_rank"] + [f"p_{b}" for b in limits]
    out = {name: np.empty(m) for name in names}
    width = max(1, BLOCK_VALUES // max(1, len(rows)))
    for start in range(0, m, width):
        stop = min(start + width, m)
        block = flat[rows, start:stop] if len(rows) < flat.shape[0] else flat[:, start:stop]
        for name, values in _block_stats(block, n_countries, limits).items():
            out[name][start:stop] = values
    result = {"nominal_rank": nominal, "mean_rank": out["mean_rank"].reshape(shape),
              "median_rank": out["median_rank"].reshape(shape), "q05": out["q05"].reshape(shape),
              "q95": out["q95"].reshape(shape)}
    result["interval_width"] = result["q95"] - result["q05"]
    result.update({f"p_{b}": out[f"p_{b}"].reshape(shape) for b in limits})
    return result
