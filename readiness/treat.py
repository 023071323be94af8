"""Outlier treatment: winsorisation, then a log transform if that is not enough.

OECD/JRC Handbook (2008), section 3 (outliers); matches COINr's ``Treat()`` with its
default specification (``f1 = "winsorise"``, ``f2 = "log_CT"``,
``f_pass = "check_SkewKurt"``).

An indicator passes when |skew| < ``skew_max`` or kurtosis < ``kurt_max`` (the
bias-corrected sample statistics of Excel's SKEW and KURT, e1071 type 2). A failing
indicator has its highest tied set of values (lowest, when the skew is negative) set
to the next value, one set at a time, re-checking after each, until it passes or
``winsor_max`` points are winsorised. If it still fails, the winsorisation is
undone and ``log(x - min + 0.01 (max - min))`` is applied to the original values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import check_table
from .errors import SpecError

__all__ = ["skew", "kurt", "passes", "winsorise", "treat_column", "treat", "OUTLIER_METHODS", "treatment_table"]

OUTLIER_METHODS = ("coinr", "none")


def skew(x):
    """Bias-corrected sample skewness of the non-missing values (Excel SKEW).

    >>> round(float(skew(np.array([1.0, 2.0, 3.0, 10.0]))), 6)
    1.763633
    """
    return _skew_kurt_columns(np.asarray(x, dtype=float).reshape(-1, 1))[0][0]


def kurt(x):
    """Bias-corrected sample excess kurtosis of the non-missing values (Excel KURT).

    >>> round(float(kurt(np.array([1.0, 2.0, 3.0, 10.0]))), 6)
    3.228
    """
    return _skew_kurt_columns(np.asarray(x, dtype=float).reshape(-1, 1))[1][0]


def passes(x, *, skew_max=2.0, kurt_max=3.5):
    """True when |skew| < skew_max or kurtosis < kurt_max (COINr ``check_SkewKurt``).

    An indicator with too few values or no spread for the statistics passes.
    """
    (s,), (k,) = _skew_kurt_columns(np.asarray(x, dtype=float).reshape(-1, 1))
    return _passes(s, k, skew_max, kurt_max)


def _passes(sk, ku, skew_max, kurt_max) -> bool:
    """COINr's rule on given statistics; too few values or no spread for them passes."""
    return bool(np.isnan(sk) or np.isnan(ku) or abs(sk) < skew_max or ku < kurt_max)


def _stats(v):
    """(skew, kurt) of a vector without NaN: :func:`_skew_kurt_columns`'s formulas for one column, used
    where one column is recomputed (the winsorisation loop, the statistics after treatment). Skew needs
    3 values, kurtosis 4, and both a spread."""
    n = v.size
    if n < 3:
        return np.nan, np.nan
    with np.errstate(invalid="ignore", over="ignore"):  # infinite values: NaN statistics (they pass)
        d = v - v.mean()
        d2 = d * d
        m2 = d2.sum()
        if m2 == 0:
            return np.nan, np.nan
        sk = np.sqrt(n) * (d2 * d).sum() / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        if n < 4:
            return sk, np.nan
        r = n * (d2 * d2).sum() / m2**2
        return sk, ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))


def winsorise(x, *, winsor_max=5, skew_max=2.0, kurt_max=3.5):
    """Winsorise ``x`` as COINr's ``winsorise()`` does; return (values, n_points, high, low).

    ``high`` and ``low`` are boolean masks of the points set to the next value.
    The count of points follows COINr: the size of the last winsorised set at each
    end, which includes the points winsorised before (they are tied with the max).
    """
    x = np.array(x, dtype=float)
    present = ~np.isnan(x)
    v = x[present]
    high_v = np.zeros(v.shape, dtype=bool)
    low_v = np.zeros(v.shape, dtype=bool)
    nwin = 0
    sk, ku = _stats(v)
    passing = _passes(sk, ku, skew_max, kurt_max)
    while not passing and (winsor_max is None or nwin < winsor_max):
        if sk >= 0:
            top = v == v.max()
            if top.all():
                break
            v[top] = v[~top].max()
            high_v = top
        else:
            bottom = v == v.min()
            if bottom.all():
                break
            v[bottom] = v[~bottom].min()
            low_v = bottom
        nwin = int(high_v.sum() + low_v.sum())
        sk, ku = _stats(v)
        passing = _passes(sk, ku, skew_max, kurt_max)
    x[present] = v
    high = np.zeros(x.shape, dtype=bool)
    low = np.zeros(x.shape, dtype=bool)
    high[present] = high_v
    low[present] = low_v
    return x, nwin, high, low


def log_ct(x):
    """COINr's ``log_CT``: log(x - min + 0.01 (max - min))."""
    x = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(x), np.nanmax(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x - lo + 0.01 * (hi - lo))


@dataclass(frozen=True)
class ColumnTreatment:
    """What the treatment did to one indicator."""

    skew_before: float
    kurt_before: float
    passed_before: bool
    n_winsorised: int
    skew_after: float
    kurt_after: float
    passed_after: bool
    logged: bool
    high: np.ndarray
    low: np.ndarray


def treat_column(x, *, winsor_max=5, skew_max=2.0, kurt_max=3.5, fallback="log", _stats0=None):
    """Treat one indicator; return (treated values, :class:`ColumnTreatment`)."""
    x = np.asarray(x, dtype=float)

    def stats(v):
        return _stats(v[~np.isnan(v)])

    s0, k0 = stats(x) if _stats0 is None else _stats0
    none = np.zeros(x.shape, dtype=bool)
    if _passes(s0, k0, skew_max, kurt_max):
        return x.copy(), ColumnTreatment(s0, k0, True, 0, s0, k0, True, False, none, none)
    y, nwin, high, low = winsorise(x, winsor_max=winsor_max, skew_max=skew_max, kurt_max=kurt_max)
    s1, k1 = stats(y)
    logged = False
    if not _passes(s1, k1, skew_max, kurt_max) and fallback == "log":
        y = log_ct(x)
        high = low = none
        logged = True
        s1, k1 = stats(y)
    return y, ColumnTreatment(s0, k0, False, nwin, s1, k1, _passes(s1, k1, skew_max, kurt_max), logged, high, low)


def treat(values, *, method="coinr", winsor_max=5, skew_max=2.0, kurt_max=3.5, fallback="log"):
    """Treat every indicator (column) of ``values`` for outliers.

    Parameters
    ----------
    values : ndarray of shape (n_countries, n_indicators)
    method : {"coinr", "none"}, default="coinr"
    winsor_max : int or None, default=5
        The most points to winsorise per indicator (None: no limit).
    skew_max, kurt_max : float, default=2.0, 3.5
        The pass thresholds.
    fallback : {"log", "none"}, default="log"
        What to do when winsorisation is not enough.

    Returns
    -------
    treated : ndarray
    details : list of ColumnTreatment (empty when ``method="none"``)

    Notes
    -----
    The result is :func:`treat_column`'s on each column, bit for bit, computed for many
    columns at once: each failing column's extreme values are found once (a partial sort),
    COINr's loop is replayed on them from sums of the deviations' powers (which points go
    next, whether the indicator then passes), and the statistics of the final values are
    computed once, as :func:`treat_column` computes them. A column where a replayed
    statistic is too close to a threshold to decide in floating point, or whose ties run
    past the extreme values kept, goes through :func:`treat_column` itself.

    Examples
    --------
    >>> x = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [100.0]])
    >>> y, (d,) = treat(x, winsor_max=2)
    >>> y.ravel().tolist(), d.n_winsorised, d.passed_after
    ([1.0, 2.0, 3.0, 4.0, 5.0, 5.0], 1, True)
    """
    if method not in OUTLIER_METHODS:
        raise SpecError(f"outliers must be one of {', '.join(map(repr, OUTLIER_METHODS))}; got {method!r}")
    if fallback not in ("log", "none"):
        raise SpecError(f"outlier_fallback must be 'log' or 'none'; got {fallback!r}")
    x = check_table(values, "outlier treatment")
    if method == "none":
        return x.copy(), []
    out = x.copy(order="K")  # the layout of the input: a plain copy, not a transposition
    s0, k0 = _skew_kurt_columns(x)
    none = np.zeros(x.shape[0], dtype=bool)
    details = [ColumnTreatment(a, b, True, 0, a, b, True, False, none, none) for a, b in zip(s0, k0)]
    failing = np.flatnonzero(~_passes_array(s0, k0, skew_max, kurt_max))
    rules = dict(winsor_max=winsor_max, skew_max=skew_max, kurt_max=kurt_max, fallback=fallback)
    slow = []
    step = max(1, _BLOCK // max(1, x.shape[0]))
    for i in range(0, len(failing), step):  # blocks of failing columns, each block at once
        cols = failing[i: i + step]
        slow.extend(_treat_block(x, out, cols, s0, k0, details, none, rules))
    for j in slow:  # a decision too close to call from the sums: COINr's loop as written
        out[:, j], details[j] = treat_column(x[:, j], **rules, _stats0=(s0[j], k0[j]))
    return out, details


def _passes_array(sk, ku, skew_max, kurt_max):
    """:func:`_passes` on arrays of statistics."""
    with np.errstate(invalid="ignore"):
        return np.isnan(sk) | np.isnan(ku) | (np.abs(sk) < skew_max) | (ku < kurt_max)


_BLOCK = 1 << 20  # values per block of columns
_WINDOW_SLACK = 8  # extreme values kept per end beyond winsor_max + 1, for ties
_REL_TOL = 1e-10  # a replayed decision closer than this (times its conditioning) goes to treat_column


def _moments_block(xt):
    """n and the sums of d^2, d^3, d^4 (d = value - mean) of each row of a C-contiguous
    (column, country) block, missing values skipped."""
    present = ~np.isnan(xt)
    n = present.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, xt, 0.0).sum(axis=1) / n
        d = np.where(present, xt - mean[:, None], 0.0)
    d2 = d * d
    return n, d2.sum(axis=1), (d2 * d).sum(axis=1), (d2 * d2).sum(axis=1)


def _moments_columns(x):
    """:func:`_moments_block` of every column, as a (4, n_columns) array.

    Each column is summed alone, over contiguous memory, so a column's statistics do not
    depend on the other columns or on the array's layout (``build(reuse=)`` relies on it);
    powers are products (``d * d * d``), which are exact where ``**`` on mixed-sign floats
    is slow.
    """
    x = np.asarray(x, dtype=float)
    out = np.full((4, x.shape[1]), np.nan)
    step = max(1, _BLOCK // max(1, x.shape[0]))  # a few columns at a time: small temporaries, no page faults
    for j in range(0, x.shape[1], step):
        out[:, j: j + step] = _moments_block(np.ascontiguousarray(x[:, j: j + step].T))
    return out


def _skew_kurt_sums(n, m2, s3, s4):
    """Skew and kurtosis from the count and the sums of the deviations' powers (NaN: too few values, no spread)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        m2 = np.where(m2 == 0, np.nan, m2)
        g = np.sqrt(n) * s3 / m2**1.5
        sk = np.where(n >= 3, g * np.sqrt(n * (n - 1)) / (n - 2), np.nan)
        r = n * s4 / m2**2
        ku = np.where(n >= 4, ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)), np.nan)
    return sk, ku


def _skew_kurt_columns(x):
    """Skew and kurtosis of every column at once (same formulas as :func:`skew`, :func:`kurt`)."""
    return _skew_kurt_sums(*_moments_columns(x))


def _stats_rows(padded, present):
    """:func:`_stats` of each row's present values (at least 4), all rows at once, equal bit for bit.

    ``padded`` holds each row's values after a 0.0 (column 0). The rows' present values are
    laid end to end, each row after its 0.0: ``np.add.reduceat`` adds a segment's first
    element to the pairwise sum of the rest, so each segment sums as ``ndarray.sum()`` sums
    that row's values alone.
    """
    n = present.sum(axis=1)
    seg = n + 1
    starts = np.zeros(len(n), dtype=np.intp)
    np.cumsum(seg[:-1], out=starts[1:])
    keep = np.empty(padded.shape, dtype=bool)
    keep[:, 0] = True
    keep[:, 1:] = present
    flat = padded[keep]
    mean = np.add.reduceat(flat, starts) / n
    d = np.repeat(mean, seg)
    np.subtract(flat, d, out=d)
    d[starts] = 0.0
    d2 = np.multiply(d, d, out=flat)
    m2 = np.add.reduceat(d2, starts)
    s3 = np.add.reduceat(np.multiply(d2, d, out=d), starts)
    s4 = np.add.reduceat(np.multiply(d2, d2, out=d), starts)
    with np.errstate(invalid="ignore", divide="ignore"):  # _stats' expressions; float_power is its scalar **
        sk = np.sqrt(n) * s3 / np.float_power(m2, 1.5) * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * s4 / np.float_power(m2, 2.0)
        ku = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    flat_spread = m2 == 0
    return np.where(flat_spread, np.nan, sk), np.where(flat_spread, np.nan, ku)


def _extremes(xt, width):
    """The ``width`` largest present values of each row, descending, and the smallest, ascending
    (NaN where a row has fewer): two partial sorts, which put NaN last."""
    buf = np.negative(xt)
    buf.partition(width - 1, axis=1)
    top = np.negative(np.sort(buf[:, :width], axis=1))
    np.copyto(buf, xt)
    buf.partition(width - 1, axis=1)
    return top, np.sort(buf[:, :width], axis=1)


def _powers(d):
    """(4, ...): d, d^2, d^3, d^4 as products."""
    d2 = d * d
    return np.stack([d, d2, d2 * d, d2 * d2])


def _interior(xt, present, top, bottom):
    """What the extreme values leave: (centre, sums of (v - centre)^p and bounds of sums of |v - centre|^p,
    p = 1..4, over the values strictly between the windows' last values plus the values tied with those)."""
    t_hi, t_lo = top[:, -1:], bottom[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        upper, lower = xt >= t_hi, xt <= t_lo
        inner = present & ~upper & ~lower
        count = inner.sum(axis=1)
        centre = np.where(inner, xt, 0.0).sum(axis=1) / count
        d = np.where(inner, xt - centre[:, None], 0.0)
        d2 = d * d
        sums = np.stack([d.sum(axis=1), d2.sum(axis=1), (d2 * d).sum(axis=1), (d2 * d2).sum(axis=1)])
        bound = np.stack([np.sqrt(count * sums[1]), sums[1], np.sqrt(sums[1] * sums[3]), sums[3]])
        width = top.shape[1]
        for edge, tied in ((t_hi[:, 0], upper.sum(axis=1) - width), (t_lo[:, 0], lower.sum(axis=1) - width)):
            p = _powers(edge - centre)  # values tied with a window's last value, outside the window
            sums += tied * p
            bound += tied * np.abs(p)
    valid = (count > 0) & (t_lo[:, 0] < t_hi[:, 0])  # else the windows meet: the loop decides
    return centre, sums, bound, valid


def _replayed_stats(n, sums, bound, tol):
    """Skew and kurtosis from the sums of (v - c)^p, with error bounds from the sums of |v - c|^p.

    Returns (skew, kurt, skew error, kurt error, well conditioned): the central moments come
    from the binomial expansion about c; each error bound is ``tol`` times the same expansion
    in absolute values (how large the terms that cancelled were).
    """
    a1, a2, a3, a4 = sums
    b1, b2, b3, b4 = bound
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        dl = a1 / n
        ad = np.abs(dl)
        m2 = a2 - dl * a1
        m3 = a3 - 3 * dl * a2 + 3 * dl * dl * a1 - n * dl**3
        m4 = a4 - 4 * dl * a3 + 6 * dl * dl * a2 - 4 * dl**3 * a1 + n * dl**4
        e2 = tol * (b2 + 2 * ad * b1 + n * ad * ad + 2 * b1 * b1 / n)
        e3 = tol * (b3 + 3 * ad * b2 + 3 * ad * ad * b1 + n * ad**3 + 3 * b2 * b1 / n)
        e4 = tol * (b4 + 4 * ad * b3 + 6 * ad * ad * b2 + 4 * ad**3 * b1 + n * ad**4 + 4 * b3 * b1 / n)
        c_s = np.sqrt(n) * np.sqrt(n * (n - 1)) / (n - 2)
        sk = c_s * m3 / m2**1.5
        esk = c_s * (e3 + 1.5 * np.abs(m3) * e2 / m2) / m2**1.5 + tol * np.abs(sk)
        c_k = (n + 1) * (n - 1) / ((n - 2) * (n - 3))
        r = n * m4 / (m2 * m2)
        ku = c_k * (r - 3) + 6 * (n - 1) / ((n - 2) * (n - 3))
        eku = c_k * n * (e4 + 2 * np.abs(m4) * e2 / m2) / (m2 * m2) + tol * (np.abs(ku) + 1)
        good = (m2 > 1e3 * e2) & np.isfinite(sk) & np.isfinite(ku) & np.isfinite(esk) & np.isfinite(eku)
    return sk, ku, esk, eku, good


def _replay(top, bottom, whole, n, centre, fixed, limit, skew_max, kurt_max):
    """COINr's winsorisation loop, replayed on each column's extreme values, all columns at once.

    A state is (hp, lp): the hp largest values are set to ``top[hp]`` and the lp smallest to
    ``bottom[lp]``; a high step moves hp past the run of values tied with ``top[hp]``, a low
    step moves lp likewise. A state's statistics come from the sums of powers of deviations
    from ``centre``: ``fixed`` (the values the windows leave) plus the windows' values, clipped
    to the state's ends (``whole``: ``top`` holds every value, ``fixed`` none). Returns (hp,
    lp, passed, sure): sure is False where a decision was too close to call or ties ran past
    the window.
    """
    k, width = top.shape
    rows = np.arange(k)
    hp = np.zeros(k, dtype=np.intp)
    lp = np.zeros(k, dtype=np.intp)
    passed = np.zeros(k, dtype=bool)
    sure = np.ones(k, dtype=bool)
    active = np.ones(k, dtype=bool)
    for _ in range(2 * width + 2):
        high_v, low_v = top[rows, hp], bottom[rows, lp]
        s, b = fixed[0].copy(), fixed[1].copy()
        for window in (top,) if whole else (top, bottom):
            clipped = np.clip(window, low_v[:, None], high_v[:, None])
            p = _powers(np.where(np.isnan(clipped), 0.0, clipped - centre[:, None]))
            s += p.sum(axis=-1)
            b += np.abs(p).sum(axis=-1)
        sk, ku, esk, eku, good = _replayed_stats(n, s, b, _REL_TOL)
        ask = np.abs(sk)
        with np.errstate(invalid="ignore"):
            p_true = good & ((ask + esk < skew_max) | (ku + eku < kurt_max))
            p_false = good & (ask - esk > skew_max) & (ku - eku > kurt_max) & (ask > esk)
        sure &= ~(active & ~(p_true | p_false))
        passed = np.where(active, p_true, passed)
        go = active & sure & p_false & (hp + lp < limit) & (high_v != low_v)
        if not go.any():
            break
        for side, window, pos, past in ((sk >= 0, top, hp, np.less), (sk < 0, bottom, lp, np.greater)):
            r = np.flatnonzero(go & side)
            if len(r):
                beyond = past(window[r], window[r, pos[r]][:, None])  # past the run tied with the current end
                found = beyond.any(axis=1)
                sure[r[~found]] = False
                pos[r[found]] = beyond[found].argmax(axis=1)
        active = go & sure
    return hp, lp, passed, sure


def _treat_block(x, out, cols, s0, k0, details, none, rules):
    """Treat the failing columns ``cols`` together; fill ``out`` and ``details``; return the columns left to do."""
    xt = np.ascontiguousarray(x[:, cols].T)
    present = ~np.isnan(xt)
    winsor_max = rules["winsor_max"]
    width = (64 if winsor_max is None else winsor_max + 1) + _WINDOW_SLACK
    whole = xt.shape[1] <= 3 * width  # few countries: the windows hold every value
    top, bottom = _extremes(xt, xt.shape[1] if whole else width)
    n = present.sum(axis=1)
    if whole:
        with np.errstate(invalid="ignore"):
            centre = np.nanmean(top, axis=1) if top.shape[1] else np.zeros(len(cols))
        fixed, sure = np.zeros((2, 4, len(cols))), n > 0
    else:
        centre, sums, bound, sure = _interior(xt, present, top, bottom)
        fixed = np.stack([sums, bound])
    hp, lp, passed, replayed = _replay(top, bottom, whole, n, centre, fixed,
                                       np.inf if winsor_max is None else winsor_max, rules["skew_max"],
                                       rules["kurt_max"])
    sure &= replayed
    zero = np.flatnonzero((top == 0).any(axis=1) | (bottom == 0).any(axis=1))
    if len(zero):  # -0.0 beside 0.0: which of the two a winsorised point takes is np.max's choice
        z = xt[zero] == 0
        signed = np.signbit(xt[zero])
        sure[zero[(z & signed).any(axis=1) & (z & ~signed).any(axis=1)]] = False
    rows = np.arange(len(cols))
    high_v, low_v = top[rows, hp][:, None], bottom[rows, lp][:, None]
    logged = ~passed & (rules["fallback"] == "log")
    padded = np.empty((xt.shape[0], xt.shape[1] + 1))
    padded[:, 0] = 0.0
    final = padded[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        for kind in (logged, ~logged):
            r = slice(None) if kind.all() else np.flatnonzero(kind)
            if not kind.any():
                continue
            if kind is logged:  # log_ct of the original values
                lo, hi = bottom[r, :1], top[r, :1]
                final[r] = np.log(xt[r] - lo + 0.01 * (hi - lo))
            else:  # winsorised: each value clipped to the final ends (NaN stays NaN)
                final[r] = np.minimum(np.maximum(xt[r], low_v[r]), high_v[r])
    s1, k1 = _stats_rows(padded, present)
    ok = _passes_array(s1, k1, rules["skew_max"], rules["kurt_max"])
    sure &= logged | (ok == passed)  # the exact statistics of the final values confirm the replay
    done = np.flatnonzero(sure)
    out[:, cols[done]] = final[done].T
    for i in done:  # one record per column (the API's list of ColumnTreatment)
        j = cols[i]
        high = present[i] & (xt[i] > high_v[i]) if hp[i] and not logged[i] else none
        low = present[i] & (xt[i] < low_v[i]) if lp[i] and not logged[i] else none
        details[j] = ColumnTreatment(s0[j], k0[j], False, int(hp[i] + lp[i]), s1[i], k1[i], bool(ok[i]),
                                     bool(logged[i]), high, low)
    return list(cols[~sure])


def treatment_table(columns, details):
    """One row per indicator: skew and kurtosis before and after, points winsorised, log applied."""
    ds = list(details)
    table = pd.DataFrame({
        "skew": np.array([d.skew_before for d in ds], dtype=float),
        "kurtosis": np.array([d.kurt_before for d in ds], dtype=float),
        "passed": np.array([d.passed_before for d in ds], dtype=bool),
        "winsorised": np.array([d.n_winsorised for d in ds], dtype=np.int64),
        "log": np.array([d.logged for d in ds], dtype=bool),
        "skew_after": np.array([d.skew_after for d in ds], dtype=float),
        "kurtosis_after": np.array([d.kurt_after for d in ds], dtype=float),
        "passed_after": np.array([d.passed_after for d in ds], dtype=bool),
    }, index=pd.Index(list(columns)[: len(ds)], name="indicator"))
    return table
