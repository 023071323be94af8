"""Aggregation: combine children into their parent node, level by level.

OECD/JRC Handbook (2008), section 6; matches COINr's ``Aggregate()`` with its
``a_amean``, ``a_gmean``, ``a_hmean`` and ``a_genmean`` kernels.

A kernel takes the children's scores ``x`` of shape (..., n_countries, n_children)
and a weight matrix ``w`` of shape (..., n_children, n_parents) (column j holds the
weights of parent j's children, zero elsewhere) and returns (..., n_countries,
n_parents). Missing children are skipped and the weights renormalised over the
children a country has, as COINr does; a country with no child gets NaN.
Weights may carry leading replicate axes, so a whole block of weight draws is one
matrix product.

A non-finite child (an infinite normalised score, say) reaches only its own parent
(and that parent's ancestors): the matrix product runs over the finite terms, and
each parent with a non-finite term among its own weighted children gets the limit
of its mean (+inf, -inf, or NaN for mixed signs or an undefined term), never a
0 x inf from another parent's column.

``copeland`` is COINr 1.1.14's ``a_copeland``: for every pair of countries, the weight
of the children where one scores higher plus half the weight of the ties decides who
wins the pair; a country's score is its wins minus its losses over all other countries
(a non-compensatory aggregation: by how much a country leads on a child does not count).
"""

from __future__ import annotations

import numpy as np

from ._registry import Registry
from .errors import MethodError

__all__ = ["AGGREGATIONS", "NEEDS_POSITIVE", "aggregate_level", "aggregate_tree", "needs_positive",
           "positivity_violations", "TreePlan"]

AGGREGATIONS = Registry("aggregation")


def _present(x):
    mask = ~np.isnan(x)
    return mask, np.where(mask, x, 0.0)


def _weighted_sum(term, w):
    """term @ w, with a non-finite term reaching only the parents it is a (weighted) child of."""
    with np.errstate(invalid="ignore", over="ignore"):
        out = term @ w
    if np.isfinite(out).all():  # a non-finite term always leaves a non-finite product (inf x 0 is NaN)
        return out
    finite = np.isfinite(term)
    member = (w != 0).astype(float)
    with np.errstate(invalid="ignore"):
        out = np.where(finite, term, 0.0) @ w
    pos = (term == np.inf).astype(float) @ member > 0
    neg = (term == -np.inf).astype(float) @ member > 0
    undefined = np.isnan(term).astype(float) @ member > 0
    out = np.where(pos, np.inf, out)
    out = np.where(neg, -np.inf, out)
    return np.where(undefined | (pos & neg), np.nan, out)


def _mean_of(term, mask, w, mf=None):
    """sum_i w_i term_i / sum_i w_i over present children; NaN where none is present."""
    den = (mask.astype(float) if mf is None else mf) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        return _weighted_sum(term, w) / np.where(den > 0, den, np.nan)


@AGGREGATIONS.register("arithmetic")
def _arithmetic(x, w, *, mf=None, **_):
    """Weighted arithmetic mean sum(w x) / sum(w)."""
    mask, xf = _present(x)
    return _mean_of(xf, mask, w, mf)


@AGGREGATIONS.register("geometric")
def _geometric(x, w, **_):
    """Weighted geometric mean exp(sum(w log x) / sum(w)); needs x > 0."""
    mask, xf = _present(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(mask, np.log(np.where(mask, xf, 1.0)), 0.0)
    return np.exp(_mean_of(logs, mask, w))


@AGGREGATIONS.register("harmonic")
def _harmonic(x, w, **_):
    """Weighted harmonic mean sum(w) / sum(w / x); needs x > 0."""
    mask, xf = _present(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(mask, 1.0 / np.where(mask, xf, 1.0), 0.0)
        return 1.0 / _mean_of(inv, mask, w)


@AGGREGATIONS.register("generalised_mean")
def _generalised_mean(x, w, *, p=0.5, **_):
    """Weighted power mean (sum(w x^p) / sum(w))^(1/p); needs x > 0 for p <= 0."""
    if p == 0:
        return _geometric(x, w)
    mask, xf = _present(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        powered = np.where(mask, np.power(np.where(mask, xf, 1.0), p), 0.0)
        return np.power(_mean_of(powered, mask, w), 1.0 / p)


_COPELAND_BLOCK_BYTES = 64 * 2**20  # memory for one block of pairwise comparisons


@AGGREGATIONS.register("copeland")
def _copeland(x, w, **_):
    """COINr 1.1.14's ``a_copeland``: pairwise wins minus losses over the weighted children.

    For a pair (i, j), ``d_ij = sum_c w_c sign(x_ic - x_jc)`` over the children both have
    (ties count half to each side, so this is the outranking share of i minus that of j).
    i wins the pair when ``d_ij > 0``, loses when ``d_ij < 0``, and the pair is a tie
    (0) when the shares are equal (to 1e-12 of the weights, so rounding in the sum does
    not decide it). A country's score is its wins minus its losses. A country with no
    child present gets NaN. Pairwise comparisons are (n x n x children) per block of
    replicates, so a block is sized to stay under 64 MB.
    """
    lead = np.broadcast_shapes(x.shape[:-2], w.shape[:-2])
    n, k = x.shape[-2:]
    p = w.shape[-1]
    xs = np.broadcast_to(x, lead + (n, k)).reshape(-1, n, k)
    ws = np.broadcast_to(w, lead + (k, p)).reshape(-1, k, p)
    out = np.empty((xs.shape[0], n, p))
    block = max(1, _COPELAND_BLOCK_BYTES // max(1, 8 * n * n * max(k, p)))
    for start in range(0, xs.shape[0], block):
        xb, wb = xs[start:start + block], ws[start:start + block]
        with np.errstate(invalid="ignore"):
            sign = np.nan_to_num(np.sign(xb[:, :, None, :] - xb[:, None, :, :]), nan=0.0)
        d = sign @ wb[:, None]                                   # (b, n, n, parents)
        tol = 1e-12 * np.abs(wb).sum(axis=-2)[:, None, None, :]
        out[start:start + block] = (d > tol).sum(axis=2) - (d < -tol).sum(axis=2)
    out = out.reshape(lead + (n, p))
    present = (~np.isnan(x)).astype(float) @ (w != 0).astype(float)
    return np.where(present > 0, out, np.nan)


NEEDS_POSITIVE = frozenset({"geometric", "harmonic"})


def needs_positive(method, p=0.5) -> bool:
    """True when ``method`` needs every score > 0 (geometric, harmonic, a power mean with p <= 0).

    >>> needs_positive("geometric"), needs_positive("generalised_mean", p=-1), needs_positive("arithmetic")
    (True, True, False)
    """
    return method in NEEDS_POSITIVE or (method == "generalised_mean" and p <= 0)


def positivity_violations(x, method, *, p=0.5):
    """Which blocks hold a score <= 0 that ``method`` cannot take: the one positivity rule.

    Parameters
    ----------
    x : ndarray of shape (..., n_countries, n_children)
        Children's scores; leading axes are replicates.
    method : str
        An aggregation name.
    p : float, default=0.5
        The exponent of ``generalised_mean``.

    Returns
    -------
    ndarray of bool, shape ``x.shape[:-2]``
        True where the (country x children) block has a score <= 0 and ``method``
        needs positive scores (:func:`needs_positive`); all False otherwise. NaN
        (missing) scores never count.

    Examples
    --------
    >>> x = np.array([[[1.0, 2.0]], [[0.0, 3.0]]])
    >>> positivity_violations(x, "geometric").tolist(), positivity_violations(x, "arithmetic").tolist()
    ([False, True], [False, False])
    """
    x = np.asarray(x, dtype=float)
    if not needs_positive(method, p):
        return np.zeros(x.shape[:-2], dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.any(x <= 0, axis=(-2, -1))


def aggregate_level(x, w, *, method="arithmetic", p=0.5, nonpositive="error", children=None,
                    level=None, coverage_min=0.0):
    """Aggregate one level of the framework.

    Parameters
    ----------
    x : ndarray of shape (..., n_countries, n_children)
        The children's scores.
    w : ndarray of shape (..., n_children, n_parents)
        Weight matrix; column j holds parent j's children's weights, zero elsewhere.
    method : str, default="arithmetic"
        A name in :data:`AGGREGATIONS`.
    p : float, default=0.5
        The exponent of ``generalised_mean``.
    nonpositive : {"error", "shift"}, default="error"
        What a geometric or harmonic mean does with scores <= 0: raise a
        :class:`MethodError` saying how to fix it, or shift every child column by
        ``1 - min`` so that its minimum is 1 (the COIN Tool's practice).
    children, level : optional
        Names used in the error message.
    coverage_min : float, default=0.0
        A parent whose country has a smaller share of its (weighted) children than this
        gets NaN instead of a score resting on too few values (COINr ``Aggregate``'s
        ``dat_thresh``). Children with weight 0 do not count.

    Returns
    -------
    ndarray of shape (..., n_countries, n_parents)

    Examples
    --------
    >>> x = np.array([[50.0, 100.0], [20.0, np.nan]])
    >>> w = np.array([[1.0], [3.0]])
    >>> aggregate_level(x, w)
    array([[87.5],
           [20. ]])
    >>> aggregate_level(x, w, method="geometric").round(4)
    array([[84.0896],
           [20.    ]])
    """
    kernel = AGGREGATIONS.get(method)
    x = np.asarray(x, dtype=float)
    if positivity_violations(x, method, p=p).any():
        if nonpositive == "shift":
            lo = np.nanmin(x, axis=-2, keepdims=True)
            x = np.where(lo <= 0, x - lo + 1.0, x)
        else:
            bad = np.argwhere(x <= 0)[0]
            name = children[bad[-1]] if children is not None else f"column {bad[-1]}"
            where = f" at level {level}" if level is not None else ""
            raise MethodError(
                f"the {method} mean{where} needs positive scores, but {name} has the value "
                f"{x[tuple(bad)]:g}; normalise to a positive range (e.g. normalisation_low = 1 "
                "with minmax), set nonpositive = 'shift' to shift such columns, or use "
                "the arithmetic mean"
            )
    w = np.asarray(w, dtype=float)
    rows = max(1024, _BLOCK // max(1, x.shape[-1]))
    if x.ndim == 2 and w.ndim == 2 and x.shape[0] > rows and method != "copeland":
        # a large table a block of countries at a time (each country's mean uses its own row only; the
        # products are the same, bit for bit): temporaries of a few MB instead of the table's size
        out = np.empty((x.shape[0], w.shape[1]))
        for i in range(0, x.shape[0], rows):
            out[i: i + rows] = _aggregate_rows(kernel, x[i: i + rows], w, p, coverage_min)
        return out
    return _aggregate_rows(kernel, x, w, p, coverage_min)


_BLOCK = 1 << 20  # values per block of countries in aggregate_level


def _aggregate_rows(kernel, x, w, p, coverage_min):
    """The kernel, then the coverage rule (a parent with too few of its children gets NaN)."""
    mf = (~np.isnan(x)).astype(float) if coverage_min > 0 else None
    out = kernel(x, w, p=p, mf=mf)
    if coverage_min > 0:
        member = (w > 0).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (mf @ member) / member.sum(axis=-2, keepdims=True)
        out = np.where(share < coverage_min - 1e-12, np.nan, out)
    return out


class TreePlan:
    """The order in which a framework's levels are aggregated, as index arrays.

    Nodes are numbered indicators first, then aggregates by level. For each level,
    ``steps`` holds (level, parent positions, child positions, one-hot child -> parent
    matrix), so the same plan serves one build or a block of replicates.
    """

    def __init__(self, dataset):
        levels = dataset.levels
        structure = list(dataset.structure.index)
        order = {c: i for i, c in enumerate(structure)}
        aggregates = sorted(structure, key=lambda c: (levels[c], order[c]))
        self.nodes = list(dataset.indicators.index) + aggregates
        self.n_indicators = len(dataset.indicators)
        pos = {c: i for i, c in enumerate(self.nodes)}
        parent = dataset.parents
        self.parent_pos = np.array([pos[parent[c]] if c in parent else -1 for c in self.nodes])
        self.levels = np.array([levels[c] for c in self.nodes])
        tops = [c for c in structure if c not in parent]
        self.index_code = tops[0] if tops else None
        #: the index's direct children, indicators first, in table order (as ``Dataset.dimensions``)
        self.dimensions = [c for c in self.nodes[: self.n_indicators] if parent.get(c) == self.index_code] + \
            [c for c in structure if parent.get(c) == self.index_code]
        self.steps = []
        for level in sorted({levels[c] for c in aggregates}):
            parents = np.array([pos[c] for c in aggregates if levels[c] == level])
            children = np.flatnonzero(np.isin(self.parent_pos, parents))
            onehot = (self.parent_pos[children][:, None] == parents[None, :]).astype(float)
            self.steps.append((level, parents, children, onehot))


def aggregate_tree(normalised, weights, plan, *, methods, p=0.5, nonpositive="error", coverage_min=0.0):
    """Aggregate normalised indicators up the whole tree.

    Parameters
    ----------
    normalised : ndarray of shape (..., n_countries, n_indicators)
    weights : ndarray of shape (..., n_nodes)
        Raw node weights in ``plan.nodes`` order (leading axes: replicates).
    plan : TreePlan
    methods : dict
        ``{level: method name}`` for every aggregated level.
    p, nonpositive, coverage_min
        As in :func:`aggregate_level`.

    Returns
    -------
    ndarray of shape (..., n_countries, n_nodes)
        Indicator scores followed by every aggregate's score.
    """
    x = np.asarray(normalised, dtype=float)
    w = np.asarray(weights, dtype=float)
    shape = x.shape[:-1] + (len(plan.nodes),)
    scores = np.full(shape, np.nan)
    scores[..., : plan.n_indicators] = x
    for level, parents, children, onehot in plan.steps:
        wmat = w[..., children][..., :, None] * onehot
        names = [plan.nodes[c] for c in children]
        run = np.array_equal(children, np.arange(children[0], children[0] + len(children))) if len(children) else False
        block = scores[..., children[0]: children[0] + len(children)] if run else scores[..., children]
        scores[..., parents] = aggregate_level(
            block, wmat, method=methods[level], p=p, nonpositive=nonpositive,
            children=names, level=level, coverage_min=coverage_min,
        )
    return scores
