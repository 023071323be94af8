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
    return _ranks(x, axis, sign=1.0)


def _ranks(x, axis, sign):
    """Min ranks of ``sign * x`` along ``axis``, a block of rows at a time (small temporaries:
    no page faults at scale, and no negated copy of the whole array)."""
    a = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    n = a.shape[-1]
    flat = a.reshape(-1, n) if a.size else a.reshape(0, n)
    ranks = np.empty(flat.shape, dtype=float)
    step = max(1, _BLOCK // max(1, n))
    if flat.ndim == 2 and flat.strides[0] < flat.strides[1] and flat.size > _BLOCK:
        # a (country, column) table: copy it transposed into the output a tile of countries at a
        # time (both sides stay in cache), then rank each block of columns in place
        tile = max(1, _BLOCK // (8 * max(1, flat.shape[0])))
        for j in range(0, n, tile):
            np.multiply(flat[:, j: j + tile], sign, out=ranks[:, j: j + tile])
        for i in range(0, flat.shape[0], step):
            ranks[i: i + step] = _min_ranks(ranks[i: i + step])
        return np.moveaxis(ranks.reshape(a.shape), -1, axis)
    for i in range(0, flat.shape[0], step):
        block = flat[i: i + step]
        buf = np.empty(block.shape)
        if sign < 0:
            np.negative(block, out=buf)
        else:
            np.copyto(buf, block)
        ranks[i: i + step] = _min_ranks(buf)
    return np.moveaxis(ranks.reshape(a.shape), -1, axis)


_BLOCK = 1 << 18  # values ranked per block (temporaries of 2 MB: reused, not page-faulted)


def _min_ranks_argsort(a):
    """Min ranks along the last axis of a C-contiguous 2-D block by argsort; NaN stays NaN."""
    # the default sort: the order within ties does not matter for min ranks, so no stable sort
    order = np.argsort(a, axis=-1)  # NaN sorts last
    s = np.take_along_axis(a, order, axis=-1)
    new = np.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]
    return _scatter_ranks(a, order, new)


def _scatter_ranks(a, order, new):
    """Each value's min rank from the sort order and the flags of where a run of ties starts."""
    first = np.where(new, np.arange(a.shape[-1]), 0)
    np.maximum.accumulate(first, axis=-1, out=first)
    ranks = np.empty(a.shape, dtype=float)
    np.put_along_axis(ranks, order, first + 1.0, axis=-1)
    ranks[np.isnan(a)] = np.nan
    return ranks


_SIGN = np.uint64(1 << 63)


def _min_ranks(a):
    """Min ranks along the last axis of a C-contiguous 2-D block; NaN stays NaN.

    One sort of unsigned 64-bit words instead of an argsort: each value becomes an
    order-preserving integer key (-0.0 as 0.0, NaN last) whose low bits are replaced by
    the value's position, so the sorted words give the order and the positions at once.
    Neighbours whose keys agree above those bits are put in order by their full keys.
    """
    k, n = a.shape
    if n < 2:
        return _min_ranks_argsort(a)
    bits = int(n - 1).bit_length()
    low = np.uint64((1 << bits) - 1)
    with np.errstate(invalid="ignore"):
        b = (a + 0.0).view(np.int64)  # -0.0 + 0.0 is 0.0: the two tie, as they compare equal
    key = b ^ ((b >> 63) & np.int64(0x7FFFFFFFFFFFFFFF))  # negative floats: the magnitude bits reversed
    key[np.isnan(a)] = np.iinfo(np.int64).max
    full = key.view(np.uint64) ^ _SIGN  # signed order -> unsigned order
    words = full & ~low
    words |= np.arange(n, dtype=np.uint64)
    words.sort(axis=-1)
    order = (words & low).astype(np.intp)
    words >>= np.uint64(bits)
    new = np.ones(a.shape, dtype=bool)
    np.not_equal(words[:, 1:], words[:, :-1], out=new[:, 1:])
    r, c = np.nonzero(~new[:, 1:])  # neighbours sharing the high bits: ties, or values close together
    if len(r):
        before, after = full[r, order[r, c]], full[r, order[r, c + 1]]
        bad = before > after
        if bad.any():
            # in the rows with such neighbours out of order, put each run sharing the high bits in
            # full-key order (a run's keys all lie between the neighbouring runs', so sorting all of a
            # row's members at once, into the same slots, orders each run)
            fix = np.isin(r, r[bad])
            rr, cc = r[fix], c[fix]
            slots = np.unique(np.concatenate([rr * n + cc, rr * n + cc + 1]))
            mr, ms = np.divmod(slots, n)
            members = order[mr, ms]
            order[mr, ms] = members[np.lexsort((full[mr, members], mr))]
            before[fix], after[fix] = full[rr, order[rr, cc]], full[rr, order[rr, cc + 1]]
        new[r, c + 1] = before != after
    return _scatter_ranks(a, order, new)


def rank_descending(scores, axis=-2):
    """Rank scores along ``axis`` (countries), highest first; ties share the best rank.

    Works on any leading (replicate) axes; NaN scores get NaN ranks.

    Examples
    --------
    >>> rank_descending(np.array([[3.0], [5.0], [3.0], [np.nan]])).ravel()
    array([ 2.,  1.,  2., nan])
    """
    return _ranks(scores, axis, sign=-1.0)
