"""What an evaluation returns: every replicate's ranks and what each replicate used.

:class:`Evaluation` is the contract between :func:`readiness.analysis.engine.evaluate`
(SALib's second verb) and the analyses that summarise it (rank statistics, Sobol
indices). It can rebuild the Spec of any replicate (:meth:`Evaluation.spec_for`), so
every engine number can be checked against :func:`readiness.build`.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..spec import Spec
from .design import Design

__all__ = ["Evaluation", "nominal_spec", "default_seed", "treatment_spec"]


def nominal_spec(dataset, spec=None):
    """The nominal Spec: ``spec``, else the dataset's Settings sheet, else the defaults (as build() does)."""
    return Spec.for_dataset(dataset) if spec is None else spec


def default_seed(dataset, spec, seed):
    """``seed``, or the nominal Spec's seed when None: every draw is seeded."""
    return nominal_spec(dataset, spec).seed if seed is None else seed


def treatment_spec(value) -> dict:
    """The Spec fields of a treatment alternative: a winsorisation limit, or ``"none"``."""
    if value == "none":
        return {"outliers": "none"}
    return {"outliers": "coinr", "winsor_max": int(value)}


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The ranks of every replicate of a design, and what each replicate used.

    Attributes
    ----------
    design : Design
    spec : Spec
        The nominal Spec.
    nominal : Result
        The nominal build.
    countries : Index
        The scored countries (the country axis).
    nodes : tuple of str
        The aggregate nodes whose ranks were kept (the node axis); the index is last.
    levels : tuple of int
        Their levels.
    ranks : ndarray of shape (n_rows, n_countries, n_nodes), float32
        Ranks per replicate (1 = best, ties share the best rank); NaN in skipped replicates.
        Built on first use when some nodes' ranks are kept once per upstream variant
        (see Notes); :meth:`node_ranks` and :attr:`index_ranks` read blocks without it.
    nominal_ranks : ndarray of shape (n_countries, n_nodes)
    valid : ndarray of bool, shape (n_rows,)
        False for replicates skipped (``nonpositive="skip"``).
    shifted : ndarray of bool, shape (n_rows,)
        True for replicates whose geometric/harmonic mean had scores shifted to be positive.
    params : DataFrame
        One row per replicate: the alternative each input took and every weight used
        (``weights.<node>``), ``valid`` and ``shifted``.

    Notes
    -----
    Memory: the ranks of a node of the first aggregation level depend only on the
    replicate's upstream variant and method when that level's weights do not vary, so
    they are kept once per (variant, method) pair with the pair of each replicate; only
    the other nodes (and always the index) are kept per replicate, node by node, so that
    :attr:`index_ranks` is one contiguous array.
    """

    design: Design
    spec: object
    nominal: object
    countries: pd.Index
    nodes: tuple
    levels: tuple
    _stored: np.ndarray = dataclasses.field(repr=False)
    nominal_ranks: np.ndarray
    valid: np.ndarray
    shifted: np.ndarray
    params: pd.DataFrame
    _choices: dict = dataclasses.field(repr=False, default_factory=dict)
    _weights: np.ndarray | None = dataclasses.field(repr=False, default=None)
    _weight_cols: tuple = dataclasses.field(repr=False, default=())
    # (node positions, ranks per (pair, country) of each such node, pair of each replicate), or None
    _by_pair: tuple | None = dataclasses.field(repr=False, default=None)
    _cache: dict = dataclasses.field(repr=False, default_factory=dict)

    def _stored_nodes(self) -> list:
        paired = self._by_pair[0] if self._by_pair is not None else ()
        return [j for j in range(len(self.nodes)) if j not in paired]

    @property
    def ranks(self) -> np.ndarray:
        """(n_rows, n_countries, n_nodes) float32 ranks of every kept node (built on first use)."""
        if self._by_pair is None:
            return self._stored.transpose(1, 2, 0)
        if "ranks" not in self._cache:
            full = np.empty((len(self.nodes),) + self._stored.shape[1:], dtype=np.float32)
            full[self._stored_nodes()] = self._stored
            positions, by_pair, pair = self._by_pair
            for m, j in enumerate(positions):
                np.take(by_pair[m], pair, axis=0, out=full[j])
            full[:, ~self.valid] = np.nan
            self._cache["ranks"] = full.transpose(1, 2, 0)
        return self._cache["ranks"]

    def node_ranks(self, j: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """(n_rows, stop - start) ranks of kept node ``j`` for countries ``start:stop`` (a view when stored)."""
        stop = self._stored.shape[2] if stop is None else stop
        if self._by_pair is not None and j in self._by_pair[0]:
            positions, by_pair, pair = self._by_pair
            block = by_pair[positions.index(j)][:, start:stop][pair]
            block[~self.valid] = np.nan
            return block
        return self._stored[self._stored_nodes().index(j), :, start:stop]

    @property
    def index_ranks(self) -> np.ndarray:
        """(n_rows, n_countries) ranks of the index (contiguous: the index's ranks are always stored, last)."""
        return self._stored[-1]

    def rank_shift(self) -> np.ndarray:
        """Per replicate: the mean over countries of |rank - nominal rank| of the index (COINr's output).

        Computed a block of replicates at a time (no replicates x countries float64 array).
        """
        nominal = self.nominal_ranks[:, -1]
        n_rows = len(self.valid)
        out = np.empty(n_rows)
        step = max(1, 4_000_000 // max(1, len(nominal)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for start in range(0, n_rows, step):
                diff = np.abs(self.index_ranks[start:start + step].astype(float) - nominal)
                out[start:start + step] = np.nanmean(diff, axis=1)
        out[~self.valid] = np.nan
        return out

    def spec_for(self, replicate: int):
        """The Spec that ``build()`` would need to produce replicate ``replicate``."""
        r = int(replicate)
        changes = {}
        c = self._choices
        if "imputation" in c:
            changes["imputation"] = c["imputation"][r]
        if "treatment" in c:
            changes.update(treatment_spec(c["treatment"][r]))
        if "normalisation" in c:
            changes["normalisation"] = c["normalisation"][r]
        if "aggregation" in c:
            by_level = dict(self.spec.aggregation_by_level)
            by_level.update({lv: m[r] for lv, m in c["aggregation"].items()})
            changes["aggregation_by_level"] = by_level
        overrides = dict(self.spec.weights_override)
        for j, node in enumerate(self._weight_cols):
            overrides[node] = float(self._weights[r, j])
        if overrides:
            changes["weights_override"] = overrides
        if self.design.space.nonpositive == "shift":
            changes["nonpositive"] = "shift"
        return self.spec.replace(**changes)
