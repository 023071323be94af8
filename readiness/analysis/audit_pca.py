"""Principal components per group, COINr's PC1 weights and the Handbook's varimax factor weights.

:func:`prcomp` is R's ``stats::prcomp(x, center = TRUE, scale. = TRUE)`` on the rows
without a missing value (COINr's ``get_PCA`` drops them with ``na.omit``): the
singular value decomposition of the standardised data (sd with divisor n - 1), the
standard deviations of the components ``d / sqrt(n - 1)``, the loadings (``rotation``)
and the proportion of variance of each component.

Two sets of weights come out of it, and they differ:

* COINr's (``get_PCA``): the first component's loadings as they are (they may be
  negative, and the sign of a component is arbitrary).
* The OECD/JRC Handbook's (2008, section 6.1, steps 1 to 4): keep the components with
  eigenvalue > 1 that explain more than 10% of the variance each (and at least the
  first), rotate their loadings (eigenvectors times sqrt(eigenvalue)) by varimax (R's
  ``stats::varimax``, Kaiser-normalised), scale the squared loadings of each factor to
  sum to one, give each indicator the factor where its scaled squared loading is
  largest, weight each factor by its share of the rotated variance, and scale the
  weights to sum to one. These are always non-negative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["prcomp", "varimax", "handbook_weights", "group_pca", "PCAResult"]


@dataclass(frozen=True)
class PCAResult:
    """Principal components of the nodes at one level, per group.

    Attributes
    ----------
    level : int
    variance : DataFrame
        ``group``, ``component`` (PC1...), ``sdev``, ``prop_var``, ``cum_var``.
    loadings : DataFrame
        ``group``, ``node``, then one column per component (PC1...): prcomp's rotation.
    weights : DataFrame
        ``group``, ``node``, ``coinr`` (COINr's weights: the PC1 loadings as they are),
        ``handbook`` (the Handbook's varimax factor weights, summing to one per group)
        and ``factors`` (factors the Handbook's rule kept).
    rows_used : Series
        Rows (countries) without a missing value, per group.
    """

    level: int
    variance: pd.DataFrame
    loadings: pd.DataFrame
    weights: pd.DataFrame
    rows_used: pd.Series


def prcomp(x):
    """R's ``prcomp(na.omit(x), center = TRUE, scale. = TRUE)``.

    Parameters
    ----------
    x : ndarray of shape (n_rows, k)

    Returns
    -------
    dict
        ``sdev`` (k,), ``rotation`` (k, k: columns are components), ``prop_var`` (k,),
        ``n`` (rows used) and ``dropped`` (rows with a missing value).
    """
    x = np.asarray(x, dtype=float)
    keep = ~np.isnan(x).any(axis=1)
    z = x[keep]
    n = z.shape[0]
    k = x.shape[1]
    if n < 2 or k < 1:
        nan = np.full(k, np.nan)
        return {"sdev": nan, "rotation": np.full((k, k), np.nan), "prop_var": nan, "n": n,
                "dropped": int((~keep).sum())}
    z = z - z.mean(axis=0)
    sd = np.sqrt((z * z).sum(axis=0) / (n - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = z / sd
    if not np.isfinite(z).all():  # a constant column: prcomp refuses to rescale it
        nan = np.full(k, np.nan)
        return {"sdev": nan, "rotation": np.full((k, k), np.nan), "prop_var": nan, "n": n,
                "dropped": int((~keep).sum())}
    _, d, vt = np.linalg.svd(z, full_matrices=False)
    sdev = d / np.sqrt(max(1, n - 1))
    rotation = np.full((k, k), np.nan)
    rotation[:, : vt.shape[0]] = vt.T
    sdev = np.concatenate([sdev, np.zeros(k - len(sdev))]) if len(sdev) < k else sdev
    var = sdev ** 2
    return {"sdev": sdev, "rotation": rotation, "prop_var": var / var.sum(), "n": n, "dropped": int((~keep).sum())}


def varimax(loadings, *, normalize=True, eps=1e-5, max_iter=1000):
    """R's ``stats::varimax``: the orthogonal rotation maximising the variance of squared loadings.

    Returns the rotated loadings and the rotation matrix.
    """
    x = np.asarray(loadings, dtype=float)
    p, nc = x.shape
    if nc < 2:
        return x.copy(), np.eye(nc)
    sc = np.sqrt((x * x).sum(axis=1)) if normalize else np.ones(p)
    x = x / sc[:, None]
    tt = np.eye(nc)
    d = 0.0
    for _ in range(max_iter):  # iterations of the rotation (not rows)
        z = x @ tt
        b = x.T @ (z ** 3 - z * ((z * z).sum(axis=0) / p))
        u, s, vt = np.linalg.svd(b)
        tt = u @ vt
        d_past, d = d, s.sum()
        if d < d_past * (1 + eps):
            break
    z = (x @ tt) * sc[:, None]
    return z, tt


def handbook_weights(x, pc=None):
    """OECD/JRC Handbook (2008) factor-analysis weights of the columns of ``x`` (sum to one).

    Parameters
    ----------
    x : ndarray of shape (n_rows, k)
    pc : dict, optional
        ``prcomp(x)`` when already computed.

    Returns
    -------
    weights : ndarray of shape (k,)
    factors : int
        Factors retained.
    """
    pc = prcomp(x) if pc is None else pc
    k = np.asarray(x).shape[1]
    eig = pc["sdev"] ** 2
    if k < 2 or not np.isfinite(eig).all():
        return np.full(k, np.nan), 0
    keep = (eig > 1) & (pc["prop_var"] > 0.10)
    keep[0] = True
    m = int(keep.sum())
    loads = pc["rotation"][:, keep] * np.sqrt(eig[keep])
    rotated, _ = varimax(loads)
    sq = rotated ** 2
    scaled = sq / sq.sum(axis=0)
    factor_share = sq.sum(axis=0) / sq.sum()
    best = scaled.argmax(axis=1)
    w = scaled[np.arange(k), best] * factor_share[best]
    return w / w.sum(), m


def group_pca(values, groups, columns, level) -> PCAResult:
    """:func:`prcomp` and both kinds of weights for each group of columns of ``values``.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns)
    groups : dict
        Group name -> member codes (in order).
    columns : dict
        Group name -> the members' column positions in ``values``.
    level : int
        Recorded in the result.
    """
    var_rows, load_rows, w_rows, used = [], [], [], {}
    for group, members in groups.items():  # one PCA per group (groups, not countries)
        x = values[:, columns[group]]
        pc = prcomp(x)
        names = [f"PC{i + 1}" for i in range(len(members))]
        cum = np.cumsum(pc["prop_var"])
        var_rows += [(group, nm, s, p, c) for nm, s, p, c in zip(names, pc["sdev"], pc["prop_var"], cum)]
        load_rows += [(group, m, *pc["rotation"][i]) for i, m in enumerate(members)]
        hb, nf = handbook_weights(x, pc) if len(members) > 1 else (np.array([1.0]), 1)
        w_rows += [(group, m, pc["rotation"][i, 0], hb[i], nf) for i, m in enumerate(members)]
        used[group] = pc["n"]
    width = max(len(m) for m in groups.values())
    pcs = [f"PC{i + 1}" for i in range(width)]
    loadings = pd.DataFrame([r + (np.nan,) * (2 + width - len(r)) for r in load_rows],
                            columns=["group", "node", *pcs])
    return PCAResult(
        level=level,
        variance=pd.DataFrame(var_rows, columns=["group", "component", "sdev", "prop_var", "cum_var"]),
        loadings=loadings,
        weights=pd.DataFrame(w_rows, columns=["group", "node", "coinr", "handbook", "factors"]),
        rows_used=pd.Series(used, name="rows_used"),
    )
