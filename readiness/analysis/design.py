"""Designs: the replicates x unit-sample matrix an uncertainty analysis evaluates.

SALib's first verb: :func:`draw` samples a :class:`~readiness.analysis.space.Space`
(independent uniform draws, or Saltelli's cross-sampled Sobol' scheme exactly as
SALib's ``sample.sobol`` builds it) and :func:`grid` enumerates every combination of
discrete alternatives. A :class:`Design` records its own layout (``n``, columns,
groups, alternatives), so what evaluates or analyses it never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SpecError
from .._validation import did_you_mean
from .memory import check_fits
from .space import Space, check_n, check_seed

__all__ = ["Design", "draw", "grid", "framework_plan", "aggregation_levels", "weight_nodes", "decode_weights"]


@dataclass(frozen=True, eq=False)
class Design:
    """Replicates x unit-sample columns, with the layout that ties them to the inputs.

    Attributes
    ----------
    space : Space
    method : {"ua", "sobol", "grid"}
        ``ua``: independent uniform draws, one row per replicate; ``sobol``: Saltelli's
        scheme (SALib ``sample.sobol`` with ``calc_second_order=False``), ``n`` blocks of
        ``len(inputs) + 2`` rows (A, A with input k from B for each input, B); ``grid``:
        every combination of the discrete alternatives once.
    n : int
        Replicates (``ua``), base samples (``sobol``) or combinations (``grid``).
    seed : int or None
        The seed given (None when a Generator or nothing was given).
    columns : tuple of str
        One per unit column: an input name, ``aggregation.<level>`` or ``weights.<node>``.
    groups : tuple of str
        The input each column belongs to (a Sobol factor is a group of columns).
    unit : ndarray of shape (n_rows, n_columns)
        Values in [0, 1). A discrete column with k alternatives picks ``floor(u k)``.
    alternatives : dict
        ``{column: tuple of alternatives}`` for the discrete columns.
    framework : tuple of str or None
        The framework's nodes, when the layout depends on them (weights, drop).
    """

    space: Space
    method: str
    n: int
    seed: int | None
    columns: tuple
    groups: tuple
    unit: np.ndarray
    alternatives: dict
    framework: tuple | None = None

    @property
    def inputs(self) -> tuple:
        """The Sobol factors (column groups), in column order."""
        return tuple(dict.fromkeys(self.groups))

    @property
    def n_rows(self) -> int:
        """The number of replicates."""
        return self.unit.shape[0]

    def choice(self, column: str) -> np.ndarray:
        """The index of the alternative each replicate takes for a discrete column."""
        k = len(self.alternatives[column])
        j = self.columns.index(column)
        return np.minimum((self.unit[:, j] * k).astype(np.int64), k - 1)

    def block(self) -> np.ndarray:
        """The Saltelli block (base sample) each row belongs to (``sobol``), else the row itself."""
        rows = np.arange(self.n_rows)
        return rows // (len(self.inputs) + 2) if self.method == "sobol" else rows

    def __repr__(self) -> str:
        k = len(self.inputs)
        return (f"Design({self.method!r}: {self.n_rows} replicates of {k} input{'s' if k != 1 else ''} "
                f"({', '.join(self.inputs) or 'none'}), n={self.n})")


def framework_plan(dataset):
    """The dataset's aggregation plan (:class:`readiness.aggregate.TreePlan`)."""
    from ..aggregate import TreePlan

    return TreePlan(dataset)


def _columns(space, plan):
    """The unit columns of a space: (names, groups, alternatives, weight nodes)."""
    columns, groups, alternatives = [], [], {}
    agg_levels = [lv for lv, *_ in plan.steps] if plan is not None else []
    for name in space.varied:
        if name in ("imputation", "treatment", "normalisation"):
            columns.append(name)
            groups.append(name)
            alternatives[name] = getattr(space, name)
        elif name == "aggregation":
            levels = aggregation_levels(space, agg_levels) if plan is not None else []
            if space.aggregation_per_level and plan is None:
                raise SpecError("aggregation_per_level needs the dataset: pass dataset= to draw()")
            cols = [f"aggregation.{lv}" for lv in levels] if space.aggregation_per_level else ["aggregation"]
            for c in cols:
                columns.append(c)
                groups.append("aggregation")
                alternatives[c] = space.aggregation
        elif name == "drop":
            if plan is None:
                raise SpecError("dropping elements needs the dataset: pass dataset= to draw()")
            level = space.drop
            top = int(plan.levels.max())
            if level >= top:
                raise SpecError(f"drop = {level}: the framework's levels below the index are 1 to {top - 1}")
            columns.append("drop")
            groups.append("drop")
            alternatives["drop"] = ("none",) + tuple(c for c, lv in zip(plan.nodes, plan.levels) if lv == level)
        elif name == "weights":
            if plan is None:
                raise SpecError("perturbing weights needs the dataset: pass dataset= to draw()")
            for node in weight_nodes(space, plan):
                columns.append(f"weights.{node}")
                groups.append("weights")
    return tuple(columns), tuple(groups), alternatives


def aggregation_levels(space, agg_levels):
    """The levels (of ``agg_levels``) whose aggregation method varies."""
    if space.aggregation_levels is None:
        return agg_levels
    bad = [lv for lv in space.aggregation_levels if lv not in agg_levels]
    if bad:
        raise SpecError(f"aggregation_levels {bad}: the framework aggregates at levels "
                        f"{', '.join(map(str, agg_levels))}")
    return [lv for lv in agg_levels if lv in space.aggregation_levels]


def weight_nodes(space, plan):
    """The nodes whose weights vary, in plan order."""
    top = int(plan.levels.max())
    levels = space.weights_levels
    if levels is None:
        levels = tuple(range(2, top)) or (1,)
    bad = [lv for lv in levels if lv >= top]
    if bad:
        raise SpecError(f"weights_levels {bad}: weights can vary at levels 1 to {top - 1} (the index has no siblings)")
    return [c for c, lv in zip(plan.nodes, plan.levels) if lv in levels]


def _saltelli(base, groups):
    """Saltelli's cross-sampled matrix without second order, as SALib's ``sample.sobol`` builds it."""
    n, two_d = base.shape
    d = two_d // 2
    a, b = base[:, :d], base[:, d:]
    names = list(dict.fromkeys(groups))
    out = np.empty((n, len(names) + 2, d))
    out[:, 0] = a
    garr = np.asarray(groups, dtype=object)
    for k, g in enumerate(names):
        out[:, k + 1] = np.where(garr == g, b, a)
    out[:, -1] = b
    return out.reshape(n * (len(names) + 2), d)


def draw(space: Space, n: int, *, seed=None, method: str = "ua", dataset=None) -> Design:
    """Draw a design: ``n`` replicates (``ua``) or ``n`` Saltelli base samples (``sobol``).

    Parameters
    ----------
    space : Space
    n : int
        ``ua``: the number of replicates. ``sobol``: the number of base samples N; the
        design has N x (inputs + 2) rows (at least :data:`MIN_SOBOL_N`).
    seed : int, numpy.random.Generator or None, default=None
    method : {"ua", "sobol"}, default="ua"
    dataset : Dataset, optional
        Needed when weights vary, elements are dropped or the aggregation is drawn per
        level: the framework decides how many columns there are.

    Returns
    -------
    Design

    Raises
    ------
    SpecError
        An unknown method, a seed that is not an integer, ``n`` too small, a Sobol
        analysis with nothing varied.

    Notes
    -----
    ``sobol`` uses a scrambled Sobol' sequence of dimension 2D, split into A and B and
    cross-sampled exactly as SALib's ``sample.sobol(calc_second_order=False)`` does:
    with the same integer seed the unit sample equals SALib's for the same problem
    (columns and groups as in the Design; tested). The weights of all nodes form one group (one
    Sobol input), as do the per-level aggregation draws. The points come from
    :func:`readiness.analysis.sobol.sobol_points` (scipy's, bit for bit, without
    importing scipy.stats); ``n`` need not be a power of 2: that costs a little
    balance, not validity.

    Examples
    --------
    >>> d = draw(Space(normalisation=("minmax", "zscore")), 4, seed=1)
    >>> d
    Design('ua': 4 replicates of 1 input (normalisation), n=4)
    >>> d.choice("normalisation").tolist()
    [1, 1, 0, 1]
    """
    if not isinstance(space, Space):
        raise SpecError(f"space must be a Space; got {type(space).__name__}")
    if method not in ("ua", "sobol"):
        raise SpecError(f"method must be 'ua' or 'sobol'; got {method!r}{did_you_mean(str(method), ('ua', 'sobol'))}")
    n = check_n(n, method)
    rng = check_seed(seed)
    plan = framework_plan(dataset) if dataset is not None else None
    columns, groups, alternatives = _columns(space, plan)
    d = len(columns)
    rows = n if method == "ua" else n * (len(dict.fromkeys(groups)) + 2)
    per = 8.0 * max(d, 1) * (1 if method == "ua" else 2)
    check_fits(rows * per, what=f"a design of n = {n:,} ({rows:,} replicates)", per_unit=per * rows / n)
    if method == "ua":
        unit = rng.random((n, d))
    else:
        if d == 0:
            raise SpecError("a Sobol analysis needs at least one varied input; nothing varies in this Space")
        from .sobol import sobol_points

        # an integer seed is used as scipy's qmc.Sobol (and so SALib) uses it: the design equals SALib's
        base = sobol_points(2 * d, n, seed if isinstance(seed, (int, np.integer)) else rng)
        unit = _saltelli(base, groups)
    return Design(space=space, method=method, n=n, seed=seed if isinstance(seed, (int, np.integer)) else None,
                  columns=columns, groups=groups, unit=unit, alternatives=alternatives,
                  framework=tuple(plan.nodes) if plan is not None else None)


def grid(space: Space, *, dataset=None) -> Design:
    """Every combination of the discrete alternatives, once each (a full factorial design).

    Used by :func:`readiness.sensitivity.remove_one` and to check Sobol estimates by
    brute force. Weights are continuous and cannot be enumerated.

    Examples
    --------
    >>> g = grid(Space(normalisation=("minmax", "zscore"), treatment=(1, "none")))
    >>> g.n_rows, g.choice("treatment").tolist(), g.choice("normalisation").tolist()
    (4, [0, 0, 1, 1], [0, 1, 0, 1])
    """
    if space.weights is not None:
        raise SpecError("weights are continuous: a grid design cannot enumerate them; use draw()")
    plan = framework_plan(dataset) if dataset is not None else None
    columns, groups, alternatives = _columns(space, plan)
    sizes = [len(alternatives[c]) for c in columns]
    idx = np.indices(sizes).reshape(len(sizes), -1).T if sizes else np.zeros((1, 0), dtype=int)
    unit = (idx + 0.5) / np.asarray(sizes if sizes else [1], dtype=float)[: idx.shape[1]]
    return Design(space=space, method="grid", n=len(unit), seed=None, columns=columns, groups=groups,
                  unit=unit.reshape(len(idx), len(columns)), alternatives=alternatives,
                  framework=tuple(plan.nodes) if plan is not None else None)


def decode_weights(design, plan, w0):
    """The perturbed raw weights: (node names, node positions, (n_rows, n_perturbed) values).

    ``w0`` holds the nominal raw weight of every node of ``plan``.
    """
    space = design.space
    cols = [j for j, g in enumerate(design.groups) if g == "weights"]
    nodes = [design.columns[j][len("weights."):] for j in cols]
    pos = [plan.nodes.index(nd) for nd in nodes]
    u = design.unit[:, cols]
    nominal = w0[pos]
    if space.weights == "uniform":
        return nodes, pos, nominal * (1.0 + space.weights_noise * (2.0 * u - 1.0))
    from scipy.special import gammaincinv  # scipy.stats.gamma.ppf(q, a) is gammaincinv(a, q)

    out = np.tile(nominal, (len(u), 1))
    parents = plan.parent_pos[pos]
    for p in np.unique(parents):
        sib = np.flatnonzero((parents == p) & (nominal > 0))
        if sib.size < 2:
            continue
        total = nominal[sib].sum()
        alpha = space.weights_concentration * nominal[sib] / total
        g = gammaincinv(alpha, np.clip(u[:, sib], 1e-12, 1 - 1e-12))
        out[:, sib] = g / g.sum(axis=1, keepdims=True) * total
    return nodes, pos, out
