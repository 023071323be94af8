"""Column statistics, pairwise correlations and Cronbach's alpha, vectorised over columns.

The definitions are COINr 1.1.14's (``get_stats``, ``get_corr``, ``get_cronbach``), which
are R's: sample standard deviation (n - 1), the bias-corrected skewness and excess
kurtosis of Excel's SKEW and KURT, correlations and covariances over pairwise-complete
observations (R's ``use = "pairwise.complete.obs"``), Spearman's rho as Pearson's on
average ranks re-ranked over each pair's complete cases.

Every function takes a 2-D float array (rows: countries, columns: indicators or nodes,
NaN missing) and works on whole columns: no loop over rows.
"""

from __future__ import annotations

import numpy as np

__all__ = ["column_stats", "moments", "pairwise_corr", "pairwise_cov", "corr_pvalues", "cronbach_alpha",
           "cronbach_from_cov", "average_ranks"]


def _moments(x, mask, n):
    """Mean, sample sd, skew and excess kurtosis of each column over its present values."""
    xf = np.where(mask, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = xf.sum(axis=0) / n
        d = np.where(mask, x - mean, 0.0)
        m2 = (d * d).sum(axis=0)
        sd = np.sqrt(m2 / (n - 1))
        z = d / sd
        s3 = (z ** 3).sum(axis=0)
        s4 = (z ** 4).sum(axis=0)
        skew = n / ((n - 1) * (n - 2)) * s3
        kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * s4 - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
    sd = np.where(n > 1, sd, np.nan)
    skew = np.where(n > 2, skew, np.nan)
    kurt = np.where(n > 3, kurt, np.nan)
    return mean, sd, skew, kurt


def _sorted(x, mask):
    """Each column sorted with its present values first (missing as +inf, last)."""
    return np.sort(np.where(mask, x, np.inf), axis=0)


def _runs(s, n):
    """Number of distinct values and size of the largest tied set, per column of sorted ``s``."""
    n_rows, k = s.shape
    rows = np.arange(n_rows)[:, None]
    present = rows < n[None, :]
    starts = present & np.vstack([np.ones((1, k), bool), s[1:] != s[:-1]])
    n_unique = starts.sum(axis=0)
    flat = np.flatnonzero(starts.T.ravel())  # column-major positions of run starts
    col, row = flat // n_rows, flat % n_rows
    nxt_col = np.append(col[1:], -1)
    nxt_row = np.append(row[1:], 0)
    end = np.where(nxt_col == col, nxt_row, n[col])
    n_same = np.zeros(k, dtype=int)
    np.maximum.at(n_same, col, end - row)
    return n_unique, n_same


def _median(s, n):
    """Median of each column of sorted ``s`` over its first ``n`` values (NaN when none)."""
    if s.shape[0] == 0:
        return np.full(s.shape[1], np.nan)
    cols = np.arange(s.shape[1])
    lo = s[np.maximum((n - 1) // 2, 0), cols]  # the two middle values (the same one when n is odd)
    hi = s[np.minimum(n // 2, s.shape[0] - 1), cols]
    with np.errstate(invalid="ignore"):
        return np.where(n > 0, (lo + hi) / 2.0, np.nan)


def moments(x):
    """Mean, sample sd, skew and excess kurtosis of each column of ``x`` over its present values.

    The statistics of :func:`column_stats` alone (no sort), for when only these are needed.

    Returns
    -------
    mean, sd, skew, kurtosis : ndarray of shape (k,)
    """
    x = np.asarray(x, dtype=float)
    mask = ~np.isnan(x)
    return _moments(x, mask, mask.sum(axis=0))


def column_stats(x, *, t_skew=2.0, t_kurt=3.5, t_avail=0.65, t_zero=0.5, t_unq=0.5) -> dict:
    """COINr's ``get_stats`` for every column of ``x``, as a dict of 1-D arrays.

    Keys: ``min``, ``max``, ``mean``, ``median``, ``sd``, ``skew``, ``kurtosis``,
    ``n_available``, ``n_nonzero``, ``n_unique``, ``n_same``, ``share_available``,
    ``share_nonzero``, ``share_unique``, ``share_same`` and the flags (True = flagged)
    ``flag_available`` (share available < ``t_avail``), ``flag_nonzero``,
    ``flag_unique`` and ``flag_skew_kurtosis`` (|skew| > ``t_skew`` and kurtosis >
    ``t_kurt``).

    Notes
    -----
    As in COINr, the shares of non-zero, unique and same values are over the values
    present, but the non-zero and unique *flags* divide by the number of rows (missing
    values count against an indicator). A column with fewer than 2 (3, 4) values has no
    sd (skew, kurtosis).
    """
    x = np.asarray(x, dtype=float)
    n_rows = x.shape[0]
    mask = ~np.isnan(x)
    n = mask.sum(axis=0)
    mean, sd, sk, ku = _moments(x, mask, n)
    has = n > 0
    s = _sorted(x, mask)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(has, s[0], np.nan) if n_rows else np.full(x.shape[1], np.nan)
        hi = np.where(has, s[np.maximum(n - 1, 0), np.arange(x.shape[1])], np.nan) if n_rows else lo
        med = _median(s, n)
        nonzero = (mask & (x != 0)).sum(axis=0)
        n_unique, n_same = _runs(s, n)
        out = {
            "min": lo, "max": hi, "mean": mean, "median": med, "sd": sd, "skew": sk, "kurtosis": ku,
            "n_available": n, "n_nonzero": nonzero, "n_unique": n_unique, "n_same": n_same,
            "share_available": n / n_rows, "share_nonzero": nonzero / n, "share_unique": n_unique / n,
            "share_same": n_same / n,
            "flag_available": n / n_rows < t_avail,
            "flag_nonzero": nonzero / n_rows < t_zero,
            "flag_unique": n_unique / n_rows < t_unq,
            "flag_skew_kurtosis": (np.abs(sk) > t_skew) & (ku > t_kurt),
        }
    return out


def average_ranks(x):
    """Average ranks (1 = smallest, ties share their mean rank) of each column's present values; NaN stays."""
    x = np.asarray(x, dtype=float)
    mask = ~np.isnan(x)
    n_rows, k = x.shape
    order = np.argsort(np.where(mask, x, np.inf), axis=0, kind="stable")
    s = np.take_along_axis(x, order, axis=0)
    rows = np.arange(n_rows)[:, None]
    present = rows < mask.sum(axis=0)[None, :]
    differs = s[1:] != s[:-1]
    starts = present & np.vstack([np.ones((1, k), bool), differs])
    ends = present & (np.vstack([differs, np.ones((1, k), bool)]) | ~np.vstack([present[1:], np.zeros((1, k), bool)]))
    first = np.maximum.accumulate(np.where(starts, rows, 0), axis=0)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, rows, n_rows), axis=0), axis=0), axis=0)
    ranks_sorted = np.where(present, (first + last) / 2.0 + 1.0, np.nan)
    out = np.empty_like(ranks_sorted)
    np.put_along_axis(out, order, ranks_sorted, axis=0)
    return out


def _sums(a, b, ma, mb):
    """Pairwise-complete n, sums and cross products of the columns of a and b."""
    af, bf = np.where(ma, a, 0.0), np.where(mb, b, 0.0)
    fa, fb = ma.astype(float), mb.astype(float)
    n = fa.T @ fb
    sa = af.T @ fb
    sb = fa.T @ bf
    saa = (af * af).T @ fb
    sbb = fa.T @ (bf * bf)
    sab = af.T @ bf
    return n, sa, sb, saa, sbb, sab


def _shift(x, mask):
    """Columns shifted by their mean and divided by their spread: the same correlations, less cancellation."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = mask.sum(axis=0)
        mean = np.where(mask, x, 0.0).sum(axis=0) / np.where(n > 0, n, 1)
        d = np.where(mask, x - mean, 0.0)
        scale = np.sqrt((d * d).sum(axis=0) / np.where(n > 0, n, 1))
        scale = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
    return d / scale, scale


def pairwise_cov(x, y=None):
    """R's ``cov(x, y, use = "pairwise.complete.obs")``: divisor n_ij - 1 over each pair's complete rows."""
    x = np.asarray(x, dtype=float)
    y = x if y is None else np.asarray(y, dtype=float)
    mx, my = ~np.isnan(x), ~np.isnan(y)
    xs, sx = _shift(x, mx)
    ys, sy = _shift(y, my)
    n, sa, sb, _, _, sab = _sums(xs, ys, mx, my)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sab - sa * sb / n) / (n - 1)
    cov = np.where(n > 1, cov, np.nan)
    return cov * sx[:, None] * sy[None, :]


def _pearson(x, y):
    mx, my = ~np.isnan(x), ~np.isnan(y)
    xs, _ = _shift(x, mx)
    ys, _ = _shift(y, my)
    n, sa, sb, saa, sbb, sab = _sums(xs, ys, mx, my)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sab - sa * sb / n
        vx = saa - sa * sa / n
        vy = sbb - sb * sb / n
        r = cov / np.sqrt(vx * vy)
    r = np.where((n > 1) & (vx > 0) & (vy > 0), np.clip(r, -1.0, 1.0), np.nan)
    return r, n


#: Row pairs in one block of :func:`_kendall`, times columns (about 32 MB per float array).
_BLOCK = 4_000_000


def _kendall(x, y):
    """Kendall's tau-b over pairwise-complete rows, as R's ``cor(method = "kendall")``.

    For columns i of x and j of y, over the rows present in both: the sum of
    sign(x_a - x_b) sign(y_a - y_b) over pairs of rows, divided by the square roots of the
    numbers of pairs untied in x and untied in y (R's ``sum / (sqrt(xsd) * sqrt(ysd))``).
    The sums over all row pairs are products of the sign arrays, a block of rows at a
    time, by ``einsum`` (these tall products are where a multi-threaded BLAS stalls on a
    busy machine; the sums are of small integers, exact in float64).
    """
    n_rows, k = x.shape
    m = y.shape[1]
    mx, my = ~np.isnan(x), ~np.isnan(y)
    n = mx.T.astype(float) @ my.astype(float)
    xf, yf = np.where(mx, x, 0.0), np.where(my, y, 0.0)
    s, tx, ty = np.zeros((k, m)), np.zeros((k, m)), np.zeros((k, m))
    step = max(1, _BLOCK // max(1, n_rows * max(k, m)))

    def signs(v, mask, a):
        both = (mask[a, None, :] & mask[None, :, :]).astype(float)  # both rows present
        sign = np.sign(v[a, None, :] - v[None, :, :]) * both  # 0: tied or missing
        return sign.reshape(-1, v.shape[1]), both.reshape(-1, v.shape[1])

    for a0 in range(0, n_rows, step):  # blocks of rows (memory), each against every row: never one row at a time
        a = slice(a0, a0 + step)
        sx, cx = signs(xf, mx, a)
        sy, cy = signs(yf, my, a)
        s += np.einsum("pi,pj->ij", sx, sy)
        tx += np.einsum("pi,pj->ij", np.abs(sx), cy)  # pairs untied in x among the rows present in both
        ty += np.einsum("pi,pj->ij", cx, np.abs(sy))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = s / (np.sqrt(tx) * np.sqrt(ty))  # each pair counted twice (a, b and b, a): the 2s cancel
    return np.where((n > 1) & (tx > 0) & (ty > 0), np.clip(r, -1.0, 1.0), np.nan), n


def _spearman_pairwise(x, y):
    """Spearman's rho of every pair of columns, each pair ranked over the rows present in both.

    The average rank of row a of column i among the rows b present in both i and j is
    sum_b [x_bi < x_ai] + [x_bi = x_ai] / 2 over those b, plus 1/2: for all pairs at once,
    a product of the (row a, row b) comparison array of each column with the other
    columns' presence, a block of rows a at a time; then Pearson's r of the two rank
    columns over the rows present in both, from sums.
    """
    n_rows, k = x.shape
    m = y.shape[1]
    mx, my = ~np.isnan(x), ~np.isnan(y)
    fx, fy = mx.astype(float), my.astype(float)
    sums = np.zeros((6, k, m))  # n, sum x, sum y, sum x^2, sum y^2, sum xy
    step = max(1, _BLOCK // max(1, n_rows * max(k, m)))

    def below(v, mask, a):
        """(row a, row b, column): 1 if v_b < v_a, 1/2 if equal, for present rows b."""
        d = v[None, :, :] - v[a, None, :]
        with np.errstate(invalid="ignore"):
            return ((d < 0) + 0.5 * (d == 0)) * mask[None, :, :]

    for a0 in range(0, n_rows, step):  # blocks of rows (memory), each against every row: never one row at a time
        a = slice(a0, a0 + step)
        rx = np.einsum("abi,bj->aij", below(x, mx, a), fy) + 0.5  # rank of x_ai among rows present in i and j
        ry = np.einsum("abj,bi->aij", below(y, my, a), fx) + 0.5
        both = fx[a, :, None] * fy[a, None, :]
        rx, ry = rx * both, ry * both
        sums += np.stack([both.sum(axis=0), rx.sum(axis=0), ry.sum(axis=0), (rx * rx).sum(axis=0),
                          (ry * ry).sum(axis=0), (rx * ry).sum(axis=0)])
    n, sx, sy, sxx, syy, sxy = sums
    with np.errstate(invalid="ignore", divide="ignore"):
        vx, vy = sxx - sx * sx / n, syy - sy * sy / n
        r = (sxy - sx * sy / n) / np.sqrt(vx * vy)
    return np.where((n > 1) & (vx > 0) & (vy > 0), np.clip(r, -1.0, 1.0), np.nan)


def pairwise_corr(x, y=None, *, method="pearson"):
    """Correlations between the columns of ``x`` (and ``y``) over pairwise-complete rows.

    Parameters
    ----------
    x, y : ndarray of shape (n_rows, k), (n_rows, m)
    method : {"pearson", "spearman", "kendall"}

    Returns
    -------
    r : ndarray of shape (k, m)
    n : ndarray of shape (k, m)
        The number of complete rows of each pair.

    Notes
    -----
    Spearman's rho is Pearson's on average ranks. As in R, each pair is ranked over its
    own complete rows: pairs whose columns are missing in different rows are re-ranked
    over the rows present in both, all such pairs at once (see :func:`_spearman_pairwise`).
    Kendall's tau is R's
    tau-b (ties corrected), from the signs of all pairs of rows (see :func:`_kendall`).
    """
    x = np.asarray(x, dtype=float)
    same = y is None
    y = x if same else np.asarray(y, dtype=float)
    if method == "pearson":
        return _pearson(x, y)
    if method == "kendall":
        return _kendall(x, y)
    if method != "spearman":
        raise ValueError(f"method must be 'pearson', 'spearman' or 'kendall'; got {method!r}")
    r, n = _pearson(average_ranks(x), average_ranks(y))
    mx, my = ~np.isnan(x), ~np.isnan(y)
    differ = (mx.astype(int).T @ (~my).astype(int) + (~mx).astype(int).T @ my.astype(int)) > 0
    if differ.any():
        r = np.where(differ, _spearman_pairwise(x, y), r)
    return r, n


def corr_pvalues(r, n):
    """Two-sided p-values of correlations ``r`` over ``n`` pairs (R's ``cor.test``, Pearson t-test)."""
    from scipy.special import stdtr

    r = np.asarray(r, dtype=float)
    df = np.asarray(n, dtype=float) - 2
    with np.errstate(invalid="ignore", divide="ignore"):
        t = r * np.sqrt(df / (1 - r * r))
        p = 2 * stdtr(df, -np.abs(t))
    return np.where(np.abs(r) >= 1, 0.0, p)


def cronbach_alpha(x) -> float:
    """COINr's ``get_cronbach``: k^2 times the mean off-diagonal covariance over the sum of all covariances.

    Covariances over pairwise-complete rows (``use = "pairwise.complete.obs"``), a
    missing covariance left out of the sums. NaN for fewer than two columns.
    """
    x = np.asarray(x, dtype=float)
    if x.shape[1] < 2:
        return float("nan")
    return cronbach_from_cov(pairwise_cov(x))


def cronbach_from_cov(cov) -> float:
    """:func:`cronbach_alpha` from the items' covariance matrix (a block of a larger pairwise one).

    A pairwise-complete covariance depends on its two columns only, so the block of the
    matrix of all columns is the matrix of the items: one covariance matrix per stage
    serves every group.
    """
    cov = np.asarray(cov, dtype=float)
    k = cov.shape[0]
    if k < 2:
        return float("nan")
    total = np.nansum(cov)
    mean_off = (total - np.nansum(np.diag(cov))) / (k * (k - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(k * k * mean_off / total)
