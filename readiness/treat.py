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
    out = x.copy()
    s0, k0 = _skew_kurt_columns(x)
    ok = [_passes(a, b, skew_max, kurt_max) for a, b in zip(s0, k0)]
    none = np.zeros(x.shape[0], dtype=bool)
    details = []
    for j in range(x.shape[1]):
        if ok[j]:  # most indicators pass at once: no per-column work
            details.append(ColumnTreatment(s0[j], k0[j], True, 0, s0[j], k0[j], True, False, none, none))
            continue
        out[:, j], d = treat_column(
            x[:, j], winsor_max=winsor_max, skew_max=skew_max, kurt_max=kurt_max, fallback=fallback,
            _stats0=(s0[j], k0[j]),
        )
        details.append(d)
    return out, details


_BLOCK = 1 << 20  # values per block of columns in _skew_kurt_columns


def _skew_kurt_block(xt):
    """Skew and kurtosis of each row of a C-contiguous (column, country) block."""
    present = ~np.isnan(xt)
    n = present.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, xt, 0.0).sum(axis=1) / n
        d = np.where(present, xt - mean[:, None], 0.0)
        d2 = d * d
        m2 = d2.sum(axis=1)
        m2 = np.where(m2 == 0, np.nan, m2)
        g = np.sqrt(n) * (d2 * d).sum(axis=1) / m2**1.5
        sk = np.where(n >= 3, g * np.sqrt(n * (n - 1)) / (n - 2), np.nan)
        r = n * (d2 * d2).sum(axis=1) / m2**2
        ku = np.where(n >= 4, ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)), np.nan)
    return sk, ku


def _skew_kurt_columns(x):
    """Skew and kurtosis of every column at once (same formulas as :func:`skew`, :func:`kurt`).

    Each column is summed alone, over contiguous memory, so a column's statistics do not
    depend on the other columns or on the array's layout (``build(reuse=)`` relies on it);
    powers are products (``d * d * d``), which are exact where ``**`` on mixed-sign floats
    is slow.
    """
    x = np.asarray(x, dtype=float)
    k = x.shape[1]
    sk, ku = np.full(k, np.nan), np.full(k, np.nan)
    step = max(1, _BLOCK // max(1, x.shape[0]))  # a few columns at a time: small temporaries, no page faults
    for j in range(0, k, step):
        sk[j: j + step], ku[j: j + step] = _skew_kurt_block(np.ascontiguousarray(x[:, j: j + step].T))
    return sk, ku


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
