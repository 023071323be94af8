"""Normalisation: bring indicators onto a common scale.

OECD/JRC Handbook (2008), section 5; matches COINr's ``Normalise()`` and its
``n_minmax``, ``n_zscore``, ``n_rank``, ``n_borda``, ``n_prank``, ``n_fracmax``,
``n_dist2max``, ``n_dist2targ`` and ``n_goalposts`` kernels.

Every kernel takes a float array whose last two axes are (country, indicator),
broadcasts over any leading axes (replicates), works column by column over the
country axis, and leaves NaN as NaN. Direction is applied before the kernel, as in
COINr: the values are multiplied by the indicator's direction (+1/-1), so every
method sees "higher is better".
"""

from __future__ import annotations

import warnings

import numpy as np

from ._registry import Registry
from .rank import rank_ascending
from .errors import MethodError, ReadinessWarning, SpecError

__all__ = ["NORMALISATIONS", "normalise", "normalise_params", "no_range_indicators", "no_range_message"]

NORMALISATIONS = Registry("normalisation")


_BLOCK = 1 << 18  # values normalised per block (temporaries of 2 MB: reused, not page-faulted)


def _span(lo, hi):
    """Return hi - lo, with a zero range turned into NaN (COINr returns NaN scores)."""
    span = hi - lo
    return np.where(span == 0, np.nan, span)


def _nanmin(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmin(x, axis=-2, keepdims=True)


def _nanmax(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(x, axis=-2, keepdims=True)


def _ranks_min(x):
    """Ascending ranks along the country axis, ties take the lowest rank, NaN stays NaN."""
    return rank_ascending(x, axis=-2)


@NORMALISATIONS.register("minmax")
def _minmax(x, *, low=0.0, high=100.0, **_):
    """(x - min) / (max - min) * (high - low) + low; a constant indicator gives NaN (COINr)."""
    lo = _nanmin(x)
    return (x - lo) / _span(lo, _nanmax(x)) * (high - low) + low


def _by_column(func, x, **kw):
    """``func`` over the country axis, each column summed alone (contiguous), so that a column's
    result does not depend on which other columns are computed with it (bit for bit)."""
    xt = np.ascontiguousarray(np.swapaxes(x, -1, -2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.swapaxes(func(xt, axis=-1, keepdims=True, **kw), -1, -2)


@NORMALISATIONS.register("zscore")
def _zscore(x, *, mean=0.0, sd=1.0, **_):
    """(x - mean(x)) / sd(x) * sd + mean, with the sample standard deviation (n - 1)."""
    mu = _by_column(np.nanmean, x)
    sigma = _by_column(np.nanstd, x, ddof=1)
    return (x - mu) / np.where(sigma == 0, np.nan, sigma) * sd + mean


@NORMALISATIONS.register("rank")
def _rank(x, **_):
    """Ascending rank, ties take the lowest rank (COINr ``n_rank``)."""
    return _ranks_min(x)


@NORMALISATIONS.register("borda")
def _borda(x, **_):
    """Ascending rank minus one (COINr ``n_borda``)."""
    return _ranks_min(x) - 1.0


@NORMALISATIONS.register("percentile_rank")
def _percentile_rank(x, **_):
    """(rank - 1) / (n - 1) with n the number of non-missing values (COINr ``n_prank``)."""
    n = np.sum(~np.isnan(x), axis=-2, keepdims=True)
    return (_ranks_min(x) - 1.0) / np.where(n > 1, n - 1, np.nan)


@NORMALISATIONS.register("fraction_of_max")
def _fraction_of_max(x, **_):
    """x / max(x) (COINr ``n_fracmax``)."""
    return x / _nanmax(x)


@NORMALISATIONS.register("distance_to_max")
def _distance_to_max(x, **_):
    """1 - (max - x) / (max - min) (COINr ``n_dist2max``)."""
    lo, hi = _nanmin(x), _nanmax(x)
    return 1.0 - (hi - x) / _span(lo, hi)


@NORMALISATIONS.register("distance_to_target")
def _distance_to_target(x, *, target, cap=False, **_):
    """(x - min) / (target - min), ``target`` already multiplied by the direction (COINr)."""
    lo = _nanmin(x)
    y = (x - lo) / _span(lo, target)
    return np.minimum(y, 1.0) if cap else y


@NORMALISATIONS.register("goalposts")
def _goalposts(x, *, goalpost_low, goalpost_high, direction, scale=100.0, **_):
    """(x - low) / (high - low), truncated to [0, 1], times ``scale``; reversed for direction -1.

    ``x`` arrives multiplied by its direction; as in COINr's ``n_goalposts`` with
    parameters from the metadata, the goalposts are multiplied by the direction too.
    """
    lo = goalpost_low * direction
    hi = goalpost_high * direction
    y = (x - lo) / (hi - lo)
    return np.clip(y, 0.0, 1.0) * scale


def normalise_params(spec) -> dict:
    """The kernel keyword arguments a Spec sets (range, z-score moments, target cap, goalpost scale)."""
    return {"low": spec.normalisation_low, "high": spec.normalisation_high, "mean": spec.zscore_mean,
            "sd": spec.zscore_sd, "cap": spec.target_cap, "scale": spec.goalpost_scale}


def _params_for(method, spec_params, meta, columns):
    """Per-indicator parameter arrays for the methods that take them from the metadata."""
    direction = meta["direction"].to_numpy(dtype=float)[columns]
    params = dict(spec_params)
    if method == "distance_to_target":
        target = meta["target"].to_numpy(dtype=float)[columns]
        missing = np.isnan(target)
        if missing.any():
            codes = list(meta.index[columns][missing])
            raise SpecError(
                "normalisation 'distance_to_target' needs a target for every indicator; "
                f"Indicators.target is empty for {', '.join(codes)}"
            )
        params["target"] = target * direction
    if method == "goalposts":
        low = meta["goalpost_low"].to_numpy(dtype=float)[columns]
        high = meta["goalpost_high"].to_numpy(dtype=float)[columns]
        missing = np.isnan(low) | np.isnan(high)
        if missing.any():
            codes = list(meta.index[columns][missing])
            raise SpecError(
                "normalisation 'goalposts' needs goalpost_low and goalpost_high for every "
                f"indicator; they are empty for {', '.join(codes)}"
            )
        params.update(goalpost_low=low, goalpost_high=high, direction=direction)
    return params


def _check_fraction_of_max(x, meta, cols):
    """fraction_of_max divides by the maximum after direction: refuse a maximum <= 0."""
    top = _nanmax(x)
    bad = np.any((top <= 0).reshape(-1, top.shape[-1]), axis=0)
    if not bad.any():
        return
    codes = list(meta.index[cols][bad])
    direction = meta["direction"].to_numpy(dtype=float)[cols][bad]
    first = top.reshape(-1, top.shape[-1])[:, bad].min(axis=0)[0]
    lower = " (lower is better)" if direction[0] < 0 else ""
    raise MethodError(
        f"normalisation 'fraction_of_max' divides by the indicator's maximum after its direction is applied, "
        f"which is <= 0 for {', '.join(codes)} (e.g. {codes[0]}{lower}: maximum {first:g}); its scores would "
        "be infinite or in reverse order. Use another normalisation for it (e.g. "
        f"normalisation_by_indicator = {{{codes[0]} = 'minmax'}}), or shift its data so that the maximum after "
        "direction is positive"
    )


def no_range_indicators(normalised, values, meta) -> list:
    """The indicators whose normalised scores are all missing although they have values (no range)."""
    out = np.asarray(normalised)
    values = np.asarray(values, dtype=float)
    k = out.shape[-1]
    cols = np.arange(k)
    if out.shape[-2]:  # only a column whose first score is missing though its value is not can qualify
        first = np.isnan(out[..., 0, :]) & ~np.isnan(values[..., 0, :])
        cols = np.flatnonzero(np.any(first.reshape(-1, k), axis=0))
    if not len(cols):
        return []
    const = np.all(np.isnan(out[..., cols]) & ~np.isnan(values[..., cols]), axis=-2)
    return list(meta.index[cols[np.any(const.reshape(-1, len(cols)), axis=0)]])


def no_range_message(codes) -> str:
    """The warning for indicators without a range (see :func:`normalise`)."""
    return (f"indicator(s) {', '.join(codes)} have no range (all values equal, or a target equal to the minimum): "
            "their normalised scores are missing and aggregation skips them")


def normalise(values, meta, *, method="minmax", by_indicator=None, params=None, warn=True):
    """Normalise every indicator, after applying its direction.

    Parameters
    ----------
    values : ndarray of shape (..., n_countries, n_indicators)
        Treated values; leading axes are replicates.
    meta : pandas.DataFrame
        Indicator metadata indexed by code in column order, with ``direction`` and,
        where the method needs them, ``target``, ``goalpost_low``, ``goalpost_high``.
    method : str, default="minmax"
        A name in :data:`NORMALISATIONS`.
    by_indicator : dict, optional
        ``{code: method}`` exceptions to ``method``.
    params : dict, optional
        Keyword arguments of the kernels (``low``, ``high``, ``mean``, ``sd``, ``cap``, ``scale``).
    warn : bool, default=True
        Warn about indicators without a range (see Notes).

    Returns
    -------
    ndarray
        Same shape as ``values``; NaN where the input is NaN.

    Raises
    ------
    SpecError
        A method that needs metadata (target, goalposts) an indicator lacks.
    MethodError
        ``fraction_of_max`` on an indicator whose maximum after its direction is
        <= 0 (every lower-is-better indicator with non-negative data): the scores
        would be infinite or reversed.

    Notes
    -----
    A constant indicator has no range: min-max and distance-to-max give NaN for it,
    as COINr does, and a :class:`ReadinessWarning` names it. The aggregation then
    skips it (weights are renormalised over non-missing values).

    Examples
    --------
    >>> import pandas as pd
    >>> meta = pd.DataFrame({"direction": [1, -1]}, index=["a", "b"])
    >>> x = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 40.0]])
    >>> normalise(x, meta)
    array([[  0.        , 100.        ],
           [ 50.        ,  66.66666667],
           [100.        ,   0.        ]])
    """
    raw = np.asarray(values, dtype=float)
    direction = meta["direction"].to_numpy(dtype=float)
    params = dict(params or {})
    by_indicator = dict(by_indicator or {})
    methods = np.array([by_indicator.get(code, method) for code in meta.index], dtype=object)
    names = list(dict.fromkeys(methods))
    if raw.ndim == 2 and names == ["minmax"] and np.all(np.abs(direction) == 1):
        return _finish(_minmax_by_rows(raw, direction, **params), raw, meta, warn)
    if raw.ndim == 2 and len(names) == 1:  # one method for every indicator: one pass over the whole table
        kernel = NORMALISATIONS.get(names[0])
        directed = raw * direction
        if names[0] == "fraction_of_max":
            _check_fraction_of_max(directed, meta, np.arange(len(direction)))
        with np.errstate(invalid="ignore", divide="ignore"):
            out = kernel(directed, **_params_for(names[0], params, meta, np.arange(len(direction))))
        del directed
        names = []
    else:
        out = np.empty_like(raw)  # every column is written below (each has a method)
    # several methods, or replicates: a few indicators at a time (every kernel works column by
    # column, so blocks give the same numbers, with small temporaries)
    step = max(1, _BLOCK // max(1, raw[..., :1].size))
    for name in names:
        cols = np.flatnonzero(methods == name)
        kernel = NORMALISATIONS.get(name)
        if name == "fraction_of_max":
            _check_fraction_of_max(raw[..., cols] * direction[cols], meta, cols)
        for i in range(0, len(cols), step):
            c = cols[i: i + step]
            sl = slice(int(c[0]), int(c[-1]) + 1) if c[-1] - c[0] == len(c) - 1 else c
            kw = _params_for(name, params, meta, c)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[..., sl] = kernel(raw[..., sl] * direction[sl], **kw)
    return _finish(out, raw, meta, warn)


def _finish(out, raw, meta, warn):
    """Warn about indicators without a range (see :func:`normalise`); return ``out``."""
    if warn:
        codes = no_range_indicators(out, raw, meta)
        if codes:
            warnings.warn(no_range_message(codes), ReadinessWarning, stacklevel=3)
    return out


def _minmax_by_rows(raw, direction, *, low=0.0, high=100.0, **_):
    """:func:`_minmax` of ``raw * direction`` (direction +1 or -1), a block of countries at a time.

    The bounds come first, from the raw columns (the minimum after a direction of -1 is minus the
    maximum, exactly); then each block is the kernel's arithmetic on contiguous rows, so the
    numbers are the kernel's, bit for bit, without strided column blocks or table-size temporaries.
    """
    lo_raw, hi_raw = _nanmin(raw), _nanmax(raw)
    up = direction > 0
    lo = np.where(up, lo_raw, -hi_raw)
    span = _span(lo, np.where(up, hi_raw, -lo_raw))
    out = np.empty(raw.shape)  # C order: the aggregation reads rows
    rows = max(1, _BLOCK // max(1, raw.shape[-1]))
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(0, raw.shape[0], rows):
            out[i: i + rows] = (raw[i: i + rows] * direction - lo) / span * (high - low) + low
    return out
