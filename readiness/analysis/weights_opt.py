"""Weights that balance the nodes' correlations with the index: ``optimise_weights``.

COINr 1.1.14's ``get_opt_weights(coin, itarg, dset = "Aggregated", Level, optype =
"balance")``, a linear version of Becker et al. (2017), *Ecological Indicators* 80:
choose the weights of the nodes at one level so that their correlations with the index,
scaled to sum to one, are as close as possible to a target (equal by default).

The objective, for weights ``w`` at the level (scaled to sum to one over the level, the
other levels' weights unchanged), is ``log(mean((target - c / sum(c))^2))``, where ``c``
are the Pearson (or Spearman) correlations of the level's nodes with the index after
aggregating with ``w``; a correlation not significant at ``pval`` (COINr: 0.05) is
missing and makes the objective infinite. It is minimised by R's Nelder-Mead
(``optim``'s ``nmmin``: reflection 1, contraction 0.5, expansion 2, relative tolerance
``tol``, at most ``maxiter`` evaluations), started at the target, reproduced step for
step so that the weights are COINr's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MethodError, SpecError
from .._validation import did_you_mean
from .audit_stats import corr_pvalues, pairwise_corr

__all__ = ["optimise_weights", "OptimisedWeights", "nelder_mead"]

_BIG = 1.0e35


def nelder_mead(fn, x0, *, reltol=1e-8, abstol=-np.inf, maxit=500, alpha=1.0, beta=0.5, gamma=2.0):
    """R's ``optim(method = "Nelder-Mead")`` (the C routine ``nmmin``), step for step.

    Returns
    -------
    x : ndarray
        The best vertex.
    value : float
    evaluations : int
    code : int
        0 converged, 1 ``maxit`` reached, 10 the simplex degenerated.
    """
    b = np.array(x0, dtype=float)
    n = len(b)
    f = fn(b.copy())
    if not np.isfinite(f):
        raise ValueError("the objective cannot be evaluated at the initial weights")
    funcount = 1
    convtol = reltol * (abs(f) + reltol)
    n1 = n + 1
    p = np.zeros((n + 1, n + 2))  # rows 0..n-1 coordinates, row n values; columns vertices (+ centroid)
    p[n, 0] = f
    p[:n, 0] = b
    big_l = 1
    size = 0.0
    step = max(0.1 * np.abs(b).max(initial=0.0), 0.0)
    if step == 0.0:
        step = 0.1
    for j in range(2, n1 + 1):
        p[:n, j - 1] = b
        trystep = step
        while p[j - 2, j - 1] == b[j - 2]:
            p[j - 2, j - 1] = b[j - 2] + trystep
            trystep *= 10
        size += trystep
    oldsize = size
    calcvert = True
    code = 0
    while True:
        if calcvert:
            for j in range(n1):
                if j + 1 != big_l:
                    b = p[:n, j].copy()
                    f = fn(b.copy())
                    f = f if np.isfinite(f) else _BIG
                    funcount += 1
                    p[n, j] = f
            calcvert = False
        vl = p[n, big_l - 1]
        vh = vl
        h = big_l
        for j in range(1, n1 + 1):
            if j != big_l:
                f = p[n, j - 1]
                if f < vl:
                    big_l, vl = j, f
                if f > vh:
                    h, vh = j, f
        if vh <= vl + convtol or vl <= abstol:
            break
        temp = -p[:n, h - 1] + p[:n, :n1].sum(axis=1)
        p[:n, n1] = temp / n
        b = (1.0 + alpha) * p[:n, n1] - alpha * p[:n, h - 1]
        f = fn(b.copy())
        f = f if np.isfinite(f) else _BIG
        funcount += 1
        vr = f
        if vr < vl:
            p[n, n1] = f
            new = gamma * b + (1 - gamma) * p[:n, n1]
            p[:n, n1] = b
            b = new
            f = fn(b.copy())
            f = f if np.isfinite(f) else _BIG
            funcount += 1
            if f < vr:
                p[:n, h - 1] = b
                p[n, h - 1] = f
            else:
                p[:n, h - 1] = p[:n, n1]
                p[n, h - 1] = vr
        else:
            if vr < vh:
                p[:n, h - 1] = b
                p[n, h - 1] = vr
            b = (1 - beta) * p[:n, h - 1] + beta * p[:n, n1]
            f = fn(b.copy())
            f = f if np.isfinite(f) else _BIG
            funcount += 1
            if f < p[n, h - 1]:
                p[:n, h - 1] = b
                p[n, h - 1] = f
            elif vr >= vh:
                calcvert = True
                size = 0.0
                for j in range(n1):
                    if j + 1 != big_l:
                        p[:n, j] = beta * (p[:n, j] - p[:n, big_l - 1]) + p[:n, big_l - 1]
                        size += np.abs(p[:n, j] - p[:n, big_l - 1]).sum()
                if size < oldsize:
                    oldsize = size
                else:
                    code = 10
                    break
        if funcount > maxit:
            break
    if funcount > maxit:
        code = 1
    return p[:n, big_l - 1].copy(), float(p[n, big_l - 1]), funcount, code


@dataclass(frozen=True)
class OptimisedWeights:
    """The result of :func:`optimise_weights`.

    Attributes
    ----------
    level : int
    table : DataFrame
        Per node at the level: ``target`` (scaled to sum to one), ``weight_before`` and
        ``weight`` (scaled to sum to one over the level), ``correlation_before`` and
        ``correlation_after`` (with the index), ``share_before`` and ``share_after``
        (the correlations scaled to sum to one, which the target is compared with).
    weights : Series
        Every node's weight with the level's replaced: pass it as ``weights_override``
        to :func:`readiness.build` (``spec.replace(weights_override=...)``).
    objective_before, objective : float
    evaluations : int
    converged : bool
    """

    level: int
    table: pd.DataFrame
    weights: pd.Series
    objective_before: float
    objective: float
    evaluations: int
    converged: bool


def _aggregator(result):
    from ..aggregate import TreePlan, aggregate_tree

    dataset, spec = result.dataset, result.spec
    plan = TreePlan(dataset)
    norm = result.stages["normalised"][list(dataset.indicators.index)].to_numpy(dtype=float)
    methods = {level: spec.aggregation_by_level.get(level, spec.aggregation) for level, *_ in plan.steps}

    def run(wvec):
        return aggregate_tree(norm, wvec, plan, methods=methods, p=spec.generalised_mean_p,
                              nonpositive=spec.nonpositive, coverage_min=spec.aggregate_coverage_min)

    return plan, run


def optimise_weights(result, level=2, target="equal", *, method="pearson", pval=0.05, tol=0.1,
                     maxiter=500) -> OptimisedWeights:
    """Weights at ``level`` that balance the nodes' correlations with the index (COINr ``optype = "balance"``).

    Parameters
    ----------
    result : Result
    level : int, default=2
        A level below the index (1 = indicators).
    target : "equal" or Series, default="equal"
        Relative importance of each node at the level (a Series indexed by node code);
        scaled to sum to one.
    method : {"pearson", "spearman"}
    pval : float, default=0.05
        COINr's significance rule (0 turns it off).
    tol, maxiter : float, int
        ``optim``'s ``reltol`` and ``maxit`` (COINr's defaults 0.1 and 500).

    Returns
    -------
    OptimisedWeights
    """
    from ..pipeline import Result

    if not isinstance(result, Result):
        raise SpecError(f"optimise_weights needs a Result from readiness.build; got {type(result).__name__}")
    levels = result.levels or result.dataset.levels
    top = max(levels.values())
    if level not in set(levels.values()) or level == top:
        raise SpecError(f"level must be a level below the index ({', '.join(map(str, range(1, top)))}); got {level!r}")
    if method not in ("pearson", "spearman"):
        raise SpecError(f"method must be 'pearson' or 'spearman'; got {method!r}")
    plan, run = _aggregator(result)
    codes = [c for c in plan.nodes if levels[c] == level]
    if isinstance(target, str):
        if target != "equal":
            raise SpecError(f"target must be 'equal' or a Series of importances by node; got {target!r}")
        itarg = np.ones(len(codes))
    else:
        target = pd.Series(target, dtype=float)
        extra = [c for c in target.index if c not in codes]
        if extra:
            raise SpecError(f"target names {extra[0]!r}, which is not a node at level {level}"
                            f"{did_you_mean(str(extra[0]), codes)}")
        missing = [c for c in codes if c not in target.index]
        if missing:
            raise SpecError(f"target has no value for {', '.join(missing)} (level {level} needs one per node)")
        itarg = target.reindex(codes).to_numpy(dtype=float)
        if not np.isfinite(itarg).all() or (itarg < 0).any() or itarg.sum() <= 0:
            raise SpecError("target importances must be finite, non-negative and not all zero")
    itarg = itarg / itarg.sum()
    w0 = result.weights.reindex(plan.nodes).to_numpy(dtype=float)
    pos = np.array([plan.nodes.index(c) for c in codes])
    index_pos = plan.nodes.index(result.dataset.index_code)

    def correlations(w):
        wvec = w0.copy()
        wvec[pos] = w / w.sum()
        scores = run(wvec)
        r, n = pairwise_corr(scores[:, pos], scores[:, [index_pos]], method=method)
        r = r[:, 0]
        if pval > 0:
            r = np.where(corr_pvalues(r, n[:, 0]) > pval, np.nan, r)
        return r

    def objective(w):
        r = correlations(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(np.log(np.sum((itarg - r / r.sum()) ** 2) / len(r)))

    start = correlations(itarg)
    if np.isnan(start).any():
        bad = [c for c, r in zip(codes, start) if np.isnan(r)]
        raise MethodError(
            f"the correlation with the index of {', '.join(bad)} is not significant at pval = {pval:g} (or is "
            "undefined), so the balance objective cannot be evaluated at the starting weights (COINr's optim stops "
            "here too); pass pval=0 to keep every correlation")
    x, value, evaluations, code = nelder_mead(objective, itarg, reltol=tol, maxit=maxiter)
    wopt = x / x.sum()
    before_w = w0[pos] / w0[pos].sum()
    r0, r1 = correlations(before_w), correlations(wopt)
    table = pd.DataFrame({"target": itarg, "weight_before": before_w, "weight": wopt, "correlation_before": r0,
                          "correlation_after": r1, "share_before": r0 / r0.sum(), "share_after": r1 / r1.sum()},
                         index=pd.Index(codes, name="code"))
    weights = result.weights.astype(float).copy()
    weights[codes] = wopt
    return OptimisedWeights(level=level, table=table, weights=weights, objective_before=objective(before_w),
                            objective=value, evaluations=evaluations, converged=code == 0)
