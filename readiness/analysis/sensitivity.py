"""Sensitivity analysis: which method choice drives the ranks.

OECD/JRC Handbook (2008), section 7; COINr's ``get_sensitivity(SA_type = "SA")``
(Sobol indices of the mean absolute rank shift) and ``remove_elements()`` (the rank
change when one element is removed).

:func:`analyze` takes a Sobol :class:`~readiness.analysis.design.Design` and its
:class:`~readiness.analysis.evaluation.Evaluation` and returns first-order and total-order
Sobol indices with bootstrap confidence intervals, for two outputs: the mean
absolute rank shift across countries and each country's own rank. The estimators
are SALib's (Saltelli et al. 2010 for S1, Jansen for ST, after the same
standardisation of the output), computed for every output at once in numpy; the
bootstrap draws the same resamples as SALib for the same integer seed, and sums
over a resample are one matrix product with a count matrix.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MethodError, SpecError
from ..serialise import json_ready
from .design import Design, draw, grid
from .engine import check_memory, evaluate
from .evaluation import Evaluation, default_seed
from .results import UncertaintyResult
from .space import DEFAULT_VARY, Space, check_seed
from ..threads import one_blas_thread

__all__ = ["sobol_indices", "analyze", "sensitivity", "remove_one", "SensitivityResult", "RemovalResult"]

_EPS = np.finfo(float).eps
_VAR_MIN = 1e-12  # a resample whose standardised output varies less than this is constant
_BLOCK_VALUES = 2_000_000  # outputs x rows standardised at a time


def _bootstrap_counts(n, r):
    """(num_resamples, n) matrix: how often each base sample is drawn in each resample."""
    n_res = r.shape[1]
    flat = r.T + (np.arange(n_res) * n)[:, None]
    return np.bincount(flat.ravel(), minlength=n_res * n).reshape(n_res, n).astype(float)


@one_blas_thread()
def _indices(Y, n, d, counts, z):
    """S1, S1_conf, ST, ST_conf of the columns of ``Y`` (n x (d + 2) rows), each of shape (d, k)."""
    k = Y.shape[1]
    num_resamples = counts.shape[0]
    mean, sd = Y.mean(axis=0), Y.std(axis=0)
    constant = ~(np.ptp(Y, axis=0) > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        Yn = np.where(constant, 0.0, (Y - mean) / np.where(constant, 1.0, sd))
    blocks = Yn.reshape(n, d + 2, k)
    A, AB, B = blocks[:, 0], blocks[:, 1:d + 1], blocks[:, -1]
    first = B[:, None, :] * (AB - A[:, None, :])              # (n, d, k)
    total = 0.5 * (A[:, None, :] - AB) ** 2
    var = np.var(np.concatenate([A, B]), axis=0)             # (k,)
    ok = ~constant & (var > _EPS)
    safe = np.where(ok, var, 1.0)
    S1 = np.where(ok, first.mean(axis=0) / safe, 0.0)
    ST = np.where(ok, total.mean(axis=0) / safe, 0.0)
    f1 = counts @ first.reshape(n, d * k) / n
    ft = counts @ total.reshape(n, d * k) / n
    m = counts @ (A + B) / (2 * n)
    e2 = counts @ (A * A + B * B) / (2 * n)
    var_b = e2 - m * m                                       # (num_resamples, k)
    ok_b = ok & (var_b > _VAR_MIN)
    safe_b = np.where(ok_b, var_b, 1.0)[:, None, :]
    s1_b = np.where(ok_b[:, None, :], f1.reshape(num_resamples, d, k) / safe_b, 0.0)
    st_b = np.where(ok_b[:, None, :], ft.reshape(num_resamples, d, k) / safe_b, 0.0)
    S1_conf = np.where(ok, z * s1_b.std(axis=0, ddof=1), 0.0)
    ST_conf = np.where(ok, z * st_b.std(axis=0, ddof=1), 0.0)
    return S1, S1_conf, ST, ST_conf


def sobol_indices(Y, d: int, *, num_resamples: int = 100, conf_level: float = 0.95, seed=None) -> dict:
    """First-order and total-order Sobol indices of outputs on a Saltelli design.

    Parameters
    ----------
    Y : array_like of shape (n x (d + 2),) or (n x (d + 2), k)
        Model outputs in the row order of SALib's ``sample.sobol(calc_second_order=False)``
        (and of :func:`readiness.analysis.design.draw` with ``method="sobol"``): per base
        sample, A, then A with input j from B for each j, then B.
    d : int
        The number of inputs (groups).
    num_resamples : int, default=100
    conf_level : float, default=0.95
    seed : int, numpy.random.Generator or None

    Returns
    -------
    dict
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf``: arrays of shape (d,) or (d, k).
        ``*_conf`` is the half-width of the normal-approximation interval
        (z times the bootstrap standard deviation), as SALib reports it.

    Notes
    -----
    Each output is standardised, ``(Y - mean) / sd``, as SALib does; then
    ``S1_j = mean(B (AB_j - A)) / var([A; B])`` and
    ``ST_j = mean((A - AB_j)^2) / (2 var([A; B]))``. An output that does not vary has
    every index (and interval) zero: no input explains any of its variance.
    With an integer seed the resamples are SALib's (``default_rng(seed).integers(n,
    size=(n, num_resamples))``), so SALib's ``analyze`` gives the same numbers (tested
    on the Ishigami function).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> u = rng.random((2000, 4))                    # A = u[:, :2], B = u[:, 2:]
    >>> rows = np.stack([u[:, :2], np.c_[u[:, 2], u[:, 1]], np.c_[u[:, 0], u[:, 3]], u[:, 2:]], axis=1)
    >>> Y = (rows[..., 0] + 0.5 * rows[..., 1]).ravel()          # Var shares 0.8 and 0.2
    >>> S = sobol_indices(Y, 2, seed=1)
    >>> np.round(S["S1"], 1).tolist(), np.round(S["ST"], 1).tolist()
    ([0.8, 0.2], [0.8, 0.2])
    """
    from statistics import NormalDist

    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise SpecError(f"d (the number of inputs) must be a whole number >= 1; got {d!r}")
    if not 0 < conf_level < 1:
        raise SpecError(f"conf_level must be between 0 and 1; got {conf_level!r}")
    if isinstance(num_resamples, bool) or not isinstance(num_resamples, (int, np.integer)) or num_resamples < 2:
        raise SpecError(f"num_resamples must be a whole number >= 2; got {num_resamples!r}")
    # Y may also be a tuple of 2-D arrays (groups of output columns, e.g. float32 ranks, each
    # standardised a block at a time in float64) so that no float64 copy of all outputs is made
    groups = list(Y) if isinstance(Y, tuple) else [np.asarray(Y)]
    one = not isinstance(Y, tuple) and groups[0].ndim == 1
    groups = [g if np.issubdtype(g.dtype, np.floating) else g.astype(float) for g in groups]
    groups = [g.reshape(len(g), -1) for g in groups]
    rows = len(groups[0])
    if rows % (d + 2) or any(len(g) != rows for g in groups):
        raise SpecError(f"a Sobol design of {d} inputs has n x {d + 2} rows; got {rows} outputs")
    n = rows // (d + 2)
    step = max(1, _BLOCK_VALUES // max(1, rows))
    if any(np.isnan(g[:, j:j + step]).any() for g in groups for j in range(0, g.shape[1], step)):  # a block at a time
        raise SpecError("the outputs contain NaN; drop the blocks of replicates that could not run first")
    rng = check_seed(seed)
    r = rng.integers(n, size=(n, num_resamples))
    counts = _bootstrap_counts(n, r)                         # (num_resamples, n)
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)  # scipy.stats.norm.ppf within 1e-15, without scipy
    # outputs are independent: a block of columns at a time keeps memory bounded
    width = max(1, _BLOCK_VALUES // rows)
    parts = [_indices(g[:, j:j + width].astype(float), n, d, counts, z)
             for g in groups for j in range(0, g.shape[1], width)]
    S1, S1_conf, ST, ST_conf = (np.concatenate([p[i] for p in parts], axis=-1) for i in range(4))
    out = {"S1": S1, "S1_conf": S1_conf, "ST": ST, "ST_conf": ST_conf}
    return {key: v[:, 0] for key, v in out.items()} if one else out


def _frame(S, index):
    """The Sobol table of estimates ``S`` (arrays by key) over ``index`` (input names or an Index)."""
    if not isinstance(index, pd.Index):
        index = pd.Index(list(index), name="input")
    return pd.DataFrame({
        "S1": S["S1"], "S1_low": S["S1"] - S["S1_conf"], "S1_high": S["S1"] + S["S1_conf"],
        "ST": S["ST"], "ST_low": S["ST"] - S["ST_conf"], "ST_high": S["ST"] + S["ST_conf"],
    }, index=index)


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Sobol indices of the mean absolute rank shift and of each country's rank.

    Attributes
    ----------
    sobol : DataFrame
        Indexed by ``input``: ``S1``, ``S1_low``, ``S1_high``, ``ST``, ``ST_low``,
        ``ST_high`` for the mean absolute rank shift of the index (COINr's output).
    by_country : DataFrame
        The same columns for each country's own index rank, indexed by
        (``country``, ``input``).
    inputs : tuple of str
    n : int
        Base samples in the design; ``n_used`` were analysed, ``n_dropped`` blocks
        were dropped because one of their replicates was skipped.
    conf_level, num_resamples, seed
    uncertainty : UncertaintyResult or None
        The rank intervals from the same replicates (set by :func:`sensitivity`).

    Notes
    -----
    ``*_low`` and ``*_high`` are the estimate minus and plus SALib's ``*_conf``
    (z times the bootstrap standard deviation). Sums of S1 below 1 mean interactions;
    ST - S1 is an input's share through interactions.
    """

    sobol: pd.DataFrame
    by_country: pd.DataFrame
    inputs: tuple
    n: int
    n_used: int
    n_dropped: int
    conf_level: float
    num_resamples: int
    seed: int | None
    uncertainty: UncertaintyResult | None = None

    def to_dict(self) -> dict:
        """JSON-ready: the uncertainty analysis (``countries`` ...) plus ``sobol`` and ``sobol_by_country``."""
        out = self.uncertainty.to_dict() if self.uncertainty is not None else {}
        out.update({
            "analysis": "sensitivity", "inputs": list(self.inputs),
            "sobol_output": "mean absolute rank shift of the index",
            "conf_level": self.conf_level, "num_resamples": self.num_resamples,
            "blocks_used": self.n_used, "blocks_dropped": self.n_dropped,
            "sobol": self.sobol.reset_index(), "sobol_by_country": self.by_country.reset_index(),
        })
        return json_ready(out)

    def to_frames(self) -> dict:
        """Sheet name -> DataFrame, for a workbook: Countries, Sobol, Sobol by country, then the rest."""
        ua = self.uncertainty.to_frames() if self.uncertainty is not None else {}
        frames = {"Countries": ua.pop("Countries")} if "Countries" in ua else {}
        frames["Sobol"] = self.sobol.reset_index()
        frames["Sobol by country"] = self.by_country.reset_index()
        frames.update(ua)
        return frames

    def __repr__(self) -> str:
        return f"SensitivityResult({len(self.inputs)} inputs, n={self.n_used}):\n{self.sobol.round(3).to_string()}"


def analyze(design: Design, outputs: Evaluation, *, num_resamples: int = 100, conf_level: float = 0.95,
            seed=None) -> SensitivityResult:
    """Sobol indices of a Sobol design's evaluation.

    Parameters
    ----------
    design : Design
        From ``draw(..., method="sobol")``.
    outputs : Evaluation
        ``evaluate(dataset, spec, design)``.
    num_resamples : int, default=100
    conf_level : float, default=0.95
    seed : int, numpy.random.Generator or None
        For the bootstrap resamples.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    SpecError
        A design that is not a Sobol design, or outputs of another design.
    MethodError
        Fewer than two usable blocks after dropping skipped replicates.

    Notes
    -----
    A replicate skipped (``nonpositive="skip"``) takes its whole Saltelli block
    (A, the cross-sampled rows, B) out of the estimate: the estimators need all of a
    block. The blocks dropped are counted in the result.
    """
    if not isinstance(design, Design) or design.method != "sobol":
        raise SpecError("analyze needs a Sobol design: draw(space, n, method='sobol', ...)")
    if not isinstance(outputs, Evaluation) or outputs.design is not design:
        raise SpecError("analyze needs the Evaluation of this design: evaluate(dataset, spec, design)")
    d = len(design.inputs)
    size = d + 2
    valid_blocks = outputs.valid.reshape(design.n, size).all(axis=1)
    n_used = int(valid_blocks.sum())
    if n_used < 2:
        raise MethodError(f"only {n_used} of {design.n} Sobol blocks could run (the others have skipped "
                          "replicates); use nonpositive='shift' or alternatives that can run")
    rows = np.repeat(valid_blocks, size)
    ranks = outputs.index_ranks if rows.all() else outputs.index_ranks[rows]  # float32 until used, no copy
    Y = (outputs.rank_shift()[rows][:, None], ranks)
    S = sobol_indices(Y, d, num_resamples=num_resamples, conf_level=conf_level, seed=seed)
    sobol = _frame({k: v[:, 0] for k, v in S.items()}, design.inputs)
    index = pd.MultiIndex.from_product([list(outputs.countries), list(design.inputs)], names=["country", "input"])
    by_country = _frame({k: v[:, 1:].T.ravel() for k, v in S.items()}, index)
    return SensitivityResult(sobol=sobol, by_country=by_country, inputs=design.inputs, n=design.n, n_used=n_used,
                             n_dropped=design.n - n_used, conf_level=conf_level, num_resamples=num_resamples,
                             seed=seed if isinstance(seed, (int, np.integer)) else None)


def sensitivity(dataset, spec=None, space: Space | None = None, *, n: int = 256, seed=None,
                num_resamples: int = 100, conf_level: float = 0.95, chunk: int | None = None, workers: int = 1,
                scheduler: str | None = None, progress=None) -> SensitivityResult:
    """Draw a Sobol design, evaluate it, and return Sobol indices and rank intervals.

    Parameters
    ----------
    dataset : Dataset
    spec : Spec, optional
        The nominal choices; default as in :func:`readiness.build`.
    space : Space, optional
        Default: ``Space.from_names(DEFAULT_VARY)``.
    n : int, default=256
        Base samples: the analysis runs n x (inputs + 2) replicates.
    seed : int, numpy.random.Generator or None
        None: the nominal Spec's ``seed`` (0 unless set). An integer seeds the design and the bootstrap exactly as SALib's
        ``sample.sobol(problem, n, seed=seed)`` and ``analyze(problem, Y, seed=seed)``
        would (so the numbers can be reproduced with SALib); a Generator is one stream
        passed down to both.
    num_resamples, conf_level
        As in :func:`analyze`.
    chunk, workers, scheduler, progress
        As in :func:`readiness.analysis.engine.evaluate`.

    Returns
    -------
    SensitivityResult
        With ``uncertainty`` set: the rank intervals from the same replicates.

    Raises
    ------
    SpecError
        A bad space, n or seed; an analysis that would not fit in memory (said before
        anything is allocated, with the largest n that fits).
    """
    space = Space.from_names(DEFAULT_VARY) if space is None else space
    if isinstance(n, int) and not isinstance(n, bool) and isinstance(space, Space):
        check_memory(dataset, space, n, "sobol")
    # an integer seed seeds the design and the bootstrap as SALib's sample and analyze
    # would; a Generator (or None) is one stream passed down to both
    seed = default_seed(dataset, spec, seed)
    rng = seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else check_seed(seed)
    design = draw(space, n, seed=rng, method="sobol", dataset=dataset)
    ev = evaluate(dataset, spec, design, chunk=chunk, workers=workers, scheduler=scheduler, progress=progress)
    result = analyze(design, ev, num_resamples=num_resamples, conf_level=conf_level, seed=rng)
    return dataclasses.replace(result, seed=design.seed, uncertainty=UncertaintyResult.from_evaluation(ev))


@dataclass(frozen=True, eq=False)
class RemovalResult:
    """Rank changes when each element of a level is removed in turn.

    Attributes
    ----------
    level : int
    rank_change : DataFrame
        Country x removed element: rank without the element minus nominal rank
        (positive = the country falls).
    mean_abs_change : Series
        Per removed element: the mean over countries of |rank change|.
    ranks : DataFrame
        Country x removed element: the index rank without the element.
    nominal : Series
        The nominal index rank.
    """

    level: int
    rank_change: pd.DataFrame
    mean_abs_change: pd.Series
    ranks: pd.DataFrame
    nominal: pd.Series

    def to_frames(self) -> dict:
        """Sheet name -> DataFrame, for a workbook."""
        return {"Mean rank change": self.mean_abs_change.reset_index(),
                "Rank change": self.rank_change.reset_index()}

    def to_dict(self) -> dict:
        return json_ready({
            "analysis": "remove_one", "level": self.level,
            "mean_abs_change": [{"removed": k, "mean_abs_rank_change": v} for k, v in self.mean_abs_change.items()],
            "rank_change": self.rank_change.reset_index(),
        })


def remove_one(dataset, spec=None, *, level: int = 1, chunk: int | None = None) -> RemovalResult:
    """Remove each indicator (``level=1``) or each node of a level in turn; report the rank changes.

    Removing is a weight of 0 for the element (its siblings' weights are renormalised),
    as ``Spec(weights_override={code: 0})`` does; every removal is evaluated in one
    vectorised pass.

    Parameters
    ----------
    dataset : Dataset
    spec : Spec, optional
    level : int, default=1
        1 = indicators, 2 = the nodes that aggregate indicators, ... (below the index).

    Returns
    -------
    RemovalResult
    """
    design = grid(Space(drop=level), dataset=dataset)
    ev = evaluate(dataset, spec, design, nodes="index", chunk=chunk)
    removed = list(design.alternatives["drop"][1:])
    order = design.choice("drop")
    ranks = np.full((len(ev.countries), len(removed)), np.nan)
    for row, alt in enumerate(order):
        if alt > 0:
            ranks[:, alt - 1] = ev.index_ranks[row]
    cols = pd.Index(removed, name="removed")
    ranks_df = pd.DataFrame(ranks, index=ev.countries.copy(), columns=cols)
    nominal = pd.Series(ev.nominal_ranks[:, -1], index=ev.countries.copy(), name="nominal_rank")
    change = ranks_df.sub(nominal, axis=0)
    mean_abs = change.abs().mean(axis=0).rename("mean_abs_rank_change")
    return RemovalResult(level=level, rank_change=change, mean_abs_change=mean_abs, ranks=ranks_df, nominal=nominal)
