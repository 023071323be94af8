"""Uncertainty analysis: how fragile each country's rank is to the method choices.

OECD/JRC Handbook (2008), section 7 (uncertainty and sensitivity analysis); the same
question as COINr's ``get_sensitivity(SA_type = "UA")``, answered without rebuilding
the index once per replicate.

Three verbs, as in SALib, one module each: :func:`~readiness.analysis.design.draw`
turns a :class:`~readiness.analysis.space.Space` into a design;
:func:`~readiness.analysis.engine.evaluate` computes every replicate's ranks in one
vectorised pass; :class:`~readiness.analysis.results.UncertaintyResult` summarises
them per country (:mod:`~readiness.analysis.rankstats`). This module wires them
(:func:`uncertainty`), gives the default analysis that ``readiness score`` shows
(:func:`default_uncertainty`), and re-exports the public names for callers. The
variance decomposition of the same replicates is in
:mod:`readiness.analysis.sensitivity`; the cache in :mod:`readiness.analysis.cache`.
"""

from __future__ import annotations

import dataclasses

from .._validation import did_you_mean
from ..errors import SpecError
from .cache import cache_dir, load_cached, save_cache
from .design import Design, draw, grid
from .engine import check_memory, evaluate
from .evaluation import Evaluation, default_seed, nominal_spec
from .rankstats import BANDS
from .results import UncertaintyResult
from .space import DEFAULT_VARY, INPUTS, MIN_SOBOL_N, Space, check_seed

__all__ = [
    "INPUTS", "DEFAULT_VARY", "BANDS", "MIN_SOBOL_N", "DEFAULT_N", "Space", "Design", "Evaluation",
    "UncertaintyResult", "check_seed", "draw", "grid", "evaluate", "uncertainty", "default_uncertainty",
    "cache_dir", "save_cache", "load_cached", "rank_interval", "nominal_spec", "default_seed",
]

#: Replicates of the default analysis (:func:`default_uncertainty`).
DEFAULT_N = 500


def uncertainty(dataset, spec=None, space: Space | None = None, *, n: int = 1000, seed=None, method: str = "ua",
                chunk: int | None = None, workers: int = 1, scheduler: str | None = None, progress=None
                ) -> UncertaintyResult:
    """Draw, evaluate and summarise: the rank interval of every country.

    Parameters
    ----------
    dataset : Dataset
    spec : Spec, optional
        The nominal choices; default as in :func:`readiness.build`.
    space : Space, optional
        Default: ``Space.from_names(DEFAULT_VARY)`` (treatment, normalisation, weights,
        aggregation, each with its default alternatives).
    n : int, default=1000
    seed : int, numpy.random.Generator or None
        None: the nominal Spec's ``seed`` (0 unless set), so a run is always reproducible.
    method : {"ua", "sobol"}, default="ua"
    chunk, workers, scheduler, progress
        As in :func:`~readiness.analysis.engine.evaluate`.

    Returns
    -------
    UncertaintyResult

    Raises
    ------
    SpecError
        A bad space, n or seed; an analysis that would not fit in memory (said before
        anything is allocated, with the largest n that fits).

    See Also
    --------
    readiness.analysis.sensitivity.sensitivity : the same replicates with Sobol indices.
    """
    space = Space.from_names(DEFAULT_VARY) if space is None else space
    if isinstance(n, int) and not isinstance(n, bool) and isinstance(space, Space):
        check_memory(dataset, space, n, method)
    design = draw(space, n, seed=default_seed(dataset, spec, seed), method=method, dataset=dataset)
    ev = evaluate(dataset, spec, design, chunk=chunk, workers=workers, scheduler=scheduler, progress=progress)
    return UncertaintyResult.from_evaluation(ev)


def default_uncertainty(result, *, progress=None) -> UncertaintyResult:
    """The default seeded analysis of ``result``'s data and settings, from the cache or computed.

    ``readiness score`` shows its rank interval, and briefs quote it: DEFAULT_N (500)
    Monte Carlo replicates varying :data:`DEFAULT_VARY` with their default
    alternatives, seeded with the Spec's ``seed``. The numbers are the same whether
    they come from the cache or are computed (and then cached): the cache only saves
    time.

    Parameters
    ----------
    result : Result
        The nominal build.
    progress : callable, optional
        ``progress(done, total)`` while computing.

    Returns
    -------
    UncertaintyResult
        ``n_replicates`` replicates (``n_replicates - n_skipped`` used).

    Notes
    -----
    Why 500: the 5th and 95th percentile ranks rest on 25 replicates in each tail,
    enough for a stable interval, and the analysis takes a fraction of a second on the
    default data (about 0.2 s on 2 cores), so ``score`` can compute it when it is not
    cached.
    """
    space = Space.from_names(DEFAULT_VARY)
    seed = result.spec.seed
    ua = load_cached(result, space=space, n=DEFAULT_N, seed=seed, method="ua")
    if ua is None:
        ua = uncertainty(result.dataset, result.spec, space, n=DEFAULT_N, seed=seed, method="ua", progress=progress)
        save_cache(result, ua)
    return dataclasses.replace(ua, nominal=result)


def rank_interval(ua: UncertaintyResult, country: str) -> tuple[int, int] | tuple[float, float]:
    """The (5th, 95th) percentile rank of ``country`` in the index (integers when whole).

    Raises
    ------
    SpecError
        A country that is not scored.
    """
    if country not in ua.countries.index:
        raise SpecError(f"{country!r} is not a scored country{did_you_mean(country, ua.countries.index)}")
    row = ua.countries.loc[country]
    lo, hi = float(row["q05"]), float(row["q95"])
    return tuple(int(v) if v.is_integer() else v for v in (lo, hi))
