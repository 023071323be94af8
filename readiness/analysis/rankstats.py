"""Rank statistics per unit and node, in memory linear in the number of units.

Quantiles, medians, means and rank-band probabilities of each (country, node) column
of the replicate ranks, computed a block of columns at a time from the sorted ranks:
exact (the replicate count the user chose, no binning or sketch), and never a
units x units array.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BANDS", "QUANTILES", "band_limits", "rank_stats", "node_rank_stats"]

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


def _block_stats(bt, n_countries, limits):
    """Statistics of each row of ``bt`` (columns x replicates, C-contiguous, NaN = missing)."""
    nvalid = bt.shape[1] - np.isnan(bt).sum(axis=1)
    s = np.sort(bt, axis=1)  # NaN last
    out = {}
    cols = np.arange(bt.shape[0])
    last = np.maximum(nvalid - 1, 0)
    none = nvalid == 0
    for name, q in QUANTILES.items():
        # type 7 (linear), as numpy's nanquantile: h = (n - 1) q between order statistics floor(h), floor(h) + 1
        h = last * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, last)
        x_lo = s[cols, lo].astype(np.float64)
        x_hi = s[cols, hi].astype(np.float64)
        out[name] = np.where(none, np.nan, x_lo + (h - lo) * (x_hi - x_lo))
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.where(none, np.nan, nvalid)
        # whole-number ranks: their sum is exact in float64, in any order
        out["mean_rank"] = np.nansum(bt, axis=1, dtype=np.float64) / denom
        for name, (side, limit) in limits.items():
            hit = (bt <= limit) if side == "top" else (bt > n_countries - limit)
            hit &= bt > 0
            out[f"p_{name}"] = np.count_nonzero(hit, axis=1) / denom
    return out


def _counted_stats(block, n_countries, limits, top):
    """The statistics of each column of ``block`` (replicates x columns) from the count of each rank 1..top.

    Exact, and equal to :func:`_block_stats`, for whole-number ranks from 1 to ``top``
    (NaN = missing); None when the block holds anything else. Linear in the replicates
    (no sort): used when there are fewer possible ranks than replicates.
    """
    cols = block.shape[1]
    nb = top + 1
    nan = np.isnan(block)
    with np.errstate(invalid="ignore"):
        iv = block.astype(np.int64)
    iv[nan] = 0
    # whole numbers from 1 to top only (a 0 would be counted as missing): else the sort decides
    if iv.size and (iv.min() < 0 or iv.max() > top or not np.all((iv == block) | nan)
                    or np.count_nonzero(iv == 0) != nan.sum()):
        return None
    iv += np.arange(cols, dtype=np.int64) * nb
    counts = np.bincount(iv.ravel(), minlength=cols * nb).reshape(cols, nb)
    cum = np.cumsum(counts[:, 1:], axis=1)              # cum[:, k - 1]: how many ranks <= k
    nvalid = cum[:, -1]
    last = np.maximum(nvalid - 1, 0)
    none = nvalid == 0

    def order_stat(pos):  # the value at 0-based position ``pos`` of each sorted column
        return (1 + (cum <= pos[:, None]).sum(axis=1)).astype(np.float64)

    def at_most(k):  # how many ranks <= k (a whole number)
        k = int(k)
        return np.zeros(cols, dtype=np.int64) if k < 1 else cum[:, min(k, top) - 1]

    out = {}
    for name, q in QUANTILES.items():
        h = last * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, last)
        x_lo, x_hi = order_stat(lo), order_stat(hi)
        out[name] = np.where(none, np.nan, x_lo + (h - lo) * (x_hi - x_lo))
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.where(none, np.nan, nvalid)
        out["mean_rank"] = (counts[:, 1:] * np.arange(1, nb)).sum(axis=1) / denom
        for name, (side, limit) in limits.items():
            # whole-number ranks: r <= limit is r <= floor(limit); r > t is r > floor(t)
            hit = at_most(np.floor(limit)) if side == "top" else nvalid - at_most(np.floor(n_countries - limit))
            out[f"p_{name}"] = hit / denom
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
    replicates. With fewer possible ranks than replicates, each column's ranks are
    counted (linear time), else sorted; both are exact and give the same numbers.
    Memory: one block of about ``BLOCK_VALUES`` ranks of one node at a time
    (in any memory layout of ``ranks``: nothing is reshaped or copied whole), plus the
    outputs: linear in the number of countries.

    Examples
    --------
    >>> r = np.array([[[1.0], [2.0]], [[2.0], [1.0]], [[1.0], [2.0]]])
    >>> s = rank_stats(r, np.ones(3, bool), np.array([[1.0], [2.0]]), 2)
    >>> s["median_rank"].ravel().tolist(), s["mean_rank"].ravel().round(3).tolist()
    ([1.0, 2.0], [1.333, 1.667])
    """
    return node_rank_stats(lambda j, start, stop: ranks[:, start:stop, j], ranks.shape, valid, nominal, n_countries)


def node_rank_stats(block_of, shape, valid, nominal, n_countries) -> dict:
    """:func:`rank_stats` of ranks read a block at a time: ``block_of(j, start, stop)`` gives the
    (n_replicates, stop - start) ranks of node ``j`` for countries ``start:stop``; ``shape`` is
    (n_replicates, n_countries, n_nodes). No array of all the ranks is needed."""
    n_rep, nc, n_nodes = shape
    rows = np.flatnonzero(np.asarray(valid, dtype=bool))
    every = len(rows) == n_rep
    limits = band_limits(n_countries)
    names = list(QUANTILES) + ["mean_rank"] + [f"p_{b}" for b in limits]
    out = {name: np.empty((nc, n_nodes)) for name in names}
    width = max(1, BLOCK_VALUES // max(1, len(rows)))
    # fewer possible ranks than replicates: count each rank (linear) instead of sorting
    top = max(int(n_countries), nc)
    count = top + 1 <= len(rows)
    for j in range(n_nodes):  # node by node, a block of countries at a time: no copy of all ranks
        for start in range(0, nc, width):
            stop = min(start + width, nc)
            block = block_of(j, start, stop)
            block = block if every else block[rows]
            stats = _counted_stats(block, n_countries, limits, top) if count else None
            if stats is None:
                bt = np.ascontiguousarray(block.T, dtype=np.float32)  # replicates contiguous per column
                stats = _block_stats(bt, n_countries, limits)
            for name, values in stats.items():
                out[name][start:stop, j] = values
    result = {"nominal_rank": nominal, "mean_rank": out["mean_rank"], "median_rank": out["median_rank"],
              "q05": out["q05"], "q95": out["q95"]}
    result["interval_width"] = result["q95"] - result["q05"]
    result.update({f"p_{b}": out[f"p_{b}"] for b in limits})
    return result
