"""The result of an uncertainty analysis: rank intervals per country and node.

SALib's third verb for the rank distribution (``analyze`` for Sobol indices is in
:mod:`readiness.analysis.sensitivity`): :meth:`UncertaintyResult.from_evaluation`
summarises an :class:`~readiness.analysis.evaluation.Evaluation` with
:func:`~readiness.analysis.rankstats.rank_stats`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..serialise import json_ready
from .evaluation import Evaluation
from .rankstats import BANDS, node_rank_stats
from .space import Space

__all__ = ["UncertaintyResult", "BANDS"]


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Rank intervals per country, and what each replicate used.

    Attributes
    ----------
    countries : DataFrame
        Indexed by ``country``: ``name``, ``nominal_rank``, ``mean_rank``,
        ``median_rank``, ``q05``, ``q95`` (5th and 95th percentile rank),
        ``interval_width`` (q95 - q05) and ``p_<band>``: the probability of each rank
        band (:data:`BANDS`: top 10, top quartile, top half, bottom quartile), of the index.
    nodes : DataFrame
        The same statistics for every aggregate node, long: ``node``, ``level``,
        ``country`` and the columns above (without ``name``).
    replicates : DataFrame
        One row per replicate: what it used (see :class:`Evaluation`), ``valid``,
        ``shifted`` and ``rank_shift`` (mean |rank - nominal| over countries).
    ranks : DataFrame
        Replicate x country ranks of the index.
    space, spec, method, n, seed, fingerprint, index_code
        The analysis that produced it (``fingerprint``: of the data and settings).
    dataset, version : str
        The dataset's label and version.
    nominal : Result or None
        The nominal build (None when read back from the cache).
    n_replicates, n_skipped, n_shifted : int

    Notes
    -----
    Quantiles are linear (type 7, R's and numpy's default), over the valid replicates.
    A rank band "top quartile" holds ranks <= n/4 (n countries); "bottom quartile"
    ranks > 3n/4. In a Sobol design every row (A, B and the cross-sampled rows) is a
    draw from the input distribution, and all are used, as COINr does.
    """

    countries: pd.DataFrame
    nodes: pd.DataFrame
    replicates: pd.DataFrame
    ranks: pd.DataFrame
    space: Space
    spec: object
    method: str
    n: int
    seed: int | None
    fingerprint: str
    index_code: str
    n_replicates: int
    n_skipped: int
    n_shifted: int
    dataset: str = ""
    version: str = ""
    nominal: object = dataclasses.field(default=None, repr=False)

    @classmethod
    def from_evaluation(cls, ev: Evaluation) -> UncertaintyResult:
        """Summarise an :class:`Evaluation`."""
        nc = len(ev.countries)
        stats = node_rank_stats(ev.node_ranks, (len(ev.valid), nc, len(ev.nodes)), ev.valid, ev.nominal_ranks, nc)
        names = ev.nominal.dataset.countries["name"].reindex(ev.countries)
        k = len(ev.nodes) - 1
        countries = pd.DataFrame({"name": names.to_numpy()} | {c: v[:, k] for c, v in stats.items()},
                                 index=ev.countries.copy())
        countries.index.name = "country"
        # long: node by node, every country within a node
        nodes = pd.DataFrame({"node": np.repeat(np.array(ev.nodes, dtype=object), nc),
                              "level": np.repeat(np.array(ev.levels, dtype=np.int64), nc),
                              "country": np.tile(ev.countries.to_numpy(), len(ev.nodes))}
                             | {c: v.T.ravel() for c, v in stats.items()})
        reps = ev.params.copy()
        reps["rank_shift"] = ev.rank_shift()
        # the index's ranks as they are (the engine stores them contiguous): no copy
        idx_ranks = pd.DataFrame(ev.index_ranks, index=ev.params.index, columns=ev.countries.copy(), copy=False)
        d = ev.design
        return cls(countries=countries, nodes=nodes, replicates=reps, ranks=idx_ranks, space=d.space,
                   spec=ev.spec, method=d.method, n=d.n, seed=d.seed, fingerprint=ev.nominal.fingerprint(),
                   index_code=ev.nominal.index_code, n_replicates=d.n_rows, n_skipped=int((~ev.valid).sum()),
                   n_shifted=int(ev.shifted.sum()), dataset=ev.nominal.dataset.label,
                   version=ev.nominal.dataset.version or "", nominal=ev.nominal)

    def widest(self, k: int = 15) -> pd.DataFrame:
        """The ``k`` countries with the widest 5-95% rank interval (ties by nominal rank)."""
        return self.countries.sort_values(["interval_width", "nominal_rank"], ascending=[False, True],
                                          kind="stable").head(k)

    def summary(self) -> dict:
        """Counts and the distribution of the mean absolute rank shift."""
        s = self.replicates["rank_shift"].dropna()
        return json_ready({
            "replicates": self.n_replicates, "skipped": self.n_skipped, "shifted": self.n_shifted,
            "rank_shift_mean": s.mean() if len(s) else None,
            "rank_shift_q05": s.quantile(0.05) if len(s) else None,
            "rank_shift_q95": s.quantile(0.95) if len(s) else None,
        })

    def to_dict(self) -> dict:
        """JSON-ready: the analysis, ``countries`` and ``nodes`` as lists of records, and the keys every
        payload carries (``settings``, ``data_fingerprint``, ``dataset``, ``version``)."""
        return json_ready({
            "analysis": "uncertainty", "method": self.method, "n": self.n, "seed": self.seed,
            "index": self.index_code, "space": self.space.to_dict(), "inputs": list(self.space.varied),
            "summary": self.summary(), "countries": self.countries.reset_index(), "nodes": self.nodes,
            "settings": self.spec.to_dict(), "data_fingerprint": self.fingerprint, "dataset": self.dataset,
            "version": self.version or None,
        })

    def to_frames(self) -> dict:
        """Sheet name -> DataFrame, for a workbook."""
        return {"Countries": self.countries.reset_index(), "Nodes": self.nodes,
                "Replicates": self.replicates.reset_index(),
                "Space": pd.DataFrame(list(self.space.to_dict().items()), columns=["field", "value"]).astype(str)}

    def __repr__(self) -> str:
        return (f"UncertaintyResult({len(self.countries)} countries, {self.n_replicates} replicates "
                f"({self.n_skipped} skipped, {self.n_shifted} shifted), inputs {', '.join(self.space.varied) or 'none'})")
