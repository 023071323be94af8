"""Imputation of missing values.

OECD/JRC Handbook (2008), section 2; matches COINr's ``Impute()`` with
``i_mean``, ``i_median``, ``i_mean_grp`` and ``i_median_grp``; KNN and iterative
imputation come from scikit-learn (imported only when chosen).

Every kernel takes a (country, indicator) float array and returns one of the same
shape with observed cells unchanged. A group method fills a cell with the mean or
median of the same indicator within the country's group; a cell whose group has no
observed value (or whose country has no group) stays missing.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._registry import Registry
from ._validation import check_table
from .errors import MethodError, SpecError

__all__ = ["IMPUTATIONS", "impute", "impute_dimensions", "peer_groups", "MIN_PEERS"]

IMPUTATIONS = Registry("imputation")


def _fill(x, stat):
    return np.where(np.isnan(x), stat, x)


def _column_stat(x, func):
    """func over countries, each column summed alone (contiguous), so that a column's statistic
    does not depend on the other columns computed with it (bit for bit)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(np.ascontiguousarray(x.T), axis=1)[None, :]


def _sklearn(method):
    try:
        import sklearn  # noqa: F401  (only to check it is installed)
    except ImportError:
        raise MethodError(f"imputation {method!r} needs scikit-learn, which is not installed; "
                          "install it (pip install scikit-learn) or choose another imputation") from None


@IMPUTATIONS.register("none")
def _none(x, **_):
    """Leave gaps as gaps."""
    return x.copy()


@IMPUTATIONS.register("mean")
def _mean(x, **_):
    """The indicator's mean over all countries."""
    return _fill(x, _column_stat(x, np.nanmean))


@IMPUTATIONS.register("median")
def _median(x, **_):
    """The indicator's median over all countries."""
    return _fill(x, _column_stat(x, np.nanmedian))


def _by_group(x, groups, func):
    if groups is None:
        raise SpecError("a group imputation (group_mean, group_median) needs one group label per country: "
                        "set imputation_group to a column of the Countries table")
    labels = np.asarray(groups, dtype=object).ravel()
    if len(labels) != x.shape[0]:
        raise SpecError(f"a group imputation needs one group label per country: got {len(labels)} labels "
                        f"for {x.shape[0]} countries")
    blank = pd.isna(labels) | (labels == "")
    codes, uniques = pd.factorize(np.where(blank, None, labels), use_na_sentinel=True)
    stats = np.full((len(uniques) + 1, x.shape[1]), np.nan)  # the last row: no group, stays missing
    xt = x.T  # (indicator, country): a group's values of a few indicators at a time, each row contiguous
    step = max(1, _BLOCK // max(1, x.shape[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for g in range(len(uniques)):
            members = np.flatnonzero(codes == g)
            for j in range(0, x.shape[1], step):
                stats[g, j: j + step] = func(np.ascontiguousarray(xt[j: j + step, members]), axis=1)
    out = np.array(x, dtype=float, order="K")
    r, c = np.nonzero(np.isnan(x))  # fill only the gaps
    out[r, c] = stats[np.where(codes < 0, len(uniques), codes)[r], c]
    return out


_BLOCK = 1 << 18  # values per block in the group statistics (temporaries of 2 MB)


@IMPUTATIONS.register("group_mean")
def _group_mean(x, *, groups=None, **_):
    """The indicator's mean within the country's group (COINr ``i_mean_grp``)."""
    return _by_group(x, groups, np.nanmean)


@IMPUTATIONS.register("group_median")
def _group_median(x, *, groups=None, **_):
    """The indicator's median within the country's group (COINr ``i_median_grp``)."""
    return _by_group(x, groups, np.nanmedian)


@IMPUTATIONS.register("knn")
def _knn(x, *, n_neighbours=5, **_):
    """scikit-learn's KNNImputer (nan-Euclidean distance, uniform weights)."""
    _sklearn("knn")
    from sklearn.impute import KNNImputer

    out = KNNImputer(n_neighbors=n_neighbours, keep_empty_features=True).fit_transform(x)
    return np.where(np.isnan(x), out, x)


@IMPUTATIONS.register("iterative")
def _iterative(x, *, seed=0, **_):
    """scikit-learn's IterativeImputer (Bayesian ridge, seeded)."""
    _sklearn("iterative")
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    imputer = IterativeImputer(random_state=seed, max_iter=25, keep_empty_features=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = imputer.fit_transform(x)
    return np.where(np.isnan(x), out, x)


def impute(values, *, method="none", groups=None, n_neighbours=5, seed=0):
    """Fill missing values of a (country, indicator) array.

    Parameters
    ----------
    values : ndarray of shape (n_countries, n_indicators)
    method : str, default="none"
        A name in :data:`IMPUTATIONS`.
    groups : sequence, optional
        One group label per country, for ``group_mean`` and ``group_median``.
    n_neighbours : int, default=5
        For ``knn``.
    seed : int, default=0
        For ``iterative``.

    Returns
    -------
    imputed : ndarray
        Observed cells are unchanged.
    mask : ndarray of bool
        True where a value was imputed.

    Raises
    ------
    InputError
        Values that are not numbers, or not a (country, indicator) table.
    SpecError
        An unknown method, or a group method without one label per country.
    MethodError
        ``knn`` or ``iterative`` without scikit-learn installed.

    Examples
    --------
    >>> x = np.array([[1.0, np.nan], [3.0, 4.0], [np.nan, 8.0]])
    >>> impute(x, method="group_mean", groups=["a", "a", "b"])[0]
    array([[ 1.,  4.],
           [ 3.,  4.],
           [nan,  8.]])
    """
    x = check_table(values, "imputation")
    kernel = IMPUTATIONS.get(method)
    out = kernel(x, groups=groups, n_neighbours=n_neighbours, seed=seed)
    return out, np.isnan(x) & ~np.isnan(out)


MIN_PEERS = 3


def impute_dimensions(scores, groupings, *, min_peers=MIN_PEERS):
    """Fill missing dimension scores with the median score of the country's peers on that dimension.

    Used by ``build`` when ``incomplete = "impute"``. Peers are tried from the narrowest
    grouping to the widest: the first grouping in which at least ``min_peers`` other
    countries of the country's group have a score for the dimension gives the median;
    when none has, the median over every country with a score is used.

    Parameters
    ----------
    scores : ndarray of shape (n_countries, n_dimensions)
        Dimension scores, NaN where missing.
    groupings : list of sequences
        Group labels per country, narrowest first (``build`` passes region and income
        group combined, then the income group). An empty or missing label has no peers.
    min_peers : int, default=3

    Returns
    -------
    filled : ndarray
        ``scores`` with the missing cells filled (observed cells unchanged).
    mask : ndarray of bool
        True where a score was imputed.

    Notes
    -----
    Why peers and not the country's own other dimensions: the dimensions measure
    different things (a country's chips score says little about its language coverage),
    while countries of the same region and income group share much of what drives each
    dimension. The median resists one outlying peer. Every filled cell is flagged
    (``Result.imputed_dimensions``), so no output presents it as measured.

    Examples
    --------
    >>> s = np.array([[10.0, 1.0], [20.0, 2.0], [30.0, 3.0], [40.0, np.nan], [50.0, 5.0]])
    >>> impute_dimensions(s, [["a", "a", "a", "a", "b"]])[0][:, 1].tolist()
    [1.0, 2.0, 3.0, 2.0, 5.0]
    """
    import pandas as pd

    x = np.asarray(scores, dtype=float)
    out = x.copy()
    todo = np.isnan(x)
    frame = pd.DataFrame(x)
    for labels in groupings:
        if not todo.any():
            break
        lab = pd.Series(np.asarray(labels, dtype=object)).replace("", None)
        grouped = frame.groupby(lab.to_numpy(), dropna=True)
        med = grouped.transform("median").reindex(frame.index).to_numpy(dtype=float)
        n = grouped.transform("count").reindex(frame.index).to_numpy(dtype=float)
        use = todo & (np.nan_to_num(n) >= min_peers) & ~np.isnan(med)
        out[use] = med[use]
        todo &= ~use
    if todo.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            overall = np.nanmedian(x, axis=0)
        fill = np.broadcast_to(overall, x.shape)
        use = todo & ~np.isnan(fill)
        out[use] = fill[use]
    return out, np.isnan(x) & ~np.isnan(out)


def peer_groups(table):
    """Peer groupings of the rows of a Countries table, narrowest first: region and income group, then income group."""
    out = []
    if "region" in table.columns and "income_group" in table.columns:
        region, income = table["region"].fillna("").astype(str), table["income_group"].fillna("").astype(str)
        out.append(np.where((region != "") & (income != ""), region + " | " + income, "").astype(object))
    if "income_group" in table.columns:
        out.append(table["income_group"].fillna("").astype(str).to_numpy(dtype=object))
    return out
