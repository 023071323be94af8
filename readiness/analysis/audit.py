"""The statistical audit of a built index: ``audit(result)`` -> :class:`AuditResult`.

The questions the JRC asks in its audits of composite indices, with COINr 1.1.14's
definitions and default thresholds (``get_stats``, ``get_data_avail``, ``get_corr``,
``get_corr_flags``, ``get_cronbach``, ``get_PCA``, ``get_eff_weights``):

* :meth:`AuditResult.stats`: which indicators are sparse, mostly zero, with few distinct
  values, skewed with heavy tails;
* :meth:`AuditResult.availability`, :meth:`AuditResult.availability_by_group`: which
  countries have little data, overall and per aggregate;
* :meth:`AuditResult.correlations`, :meth:`AuditResult.correlation_flags`,
  :meth:`AuditResult.parent_correlations`: which indicators correlate negatively or
  redundantly, inside their group and with their parent, ancestors and the index;
* :meth:`AuditResult.cronbach`: is each aggregate internally consistent;
* :meth:`AuditResult.pca`: does one component dominate each group, and the weights it
  would imply (COINr's and the OECD/JRC Handbook's);
* :meth:`AuditResult.effective_weights`: the share of the index each node really has.

:meth:`AuditResult.flags` collects what a reviewer must act on;
:meth:`AuditResult.headline` is the short summary a brief cites.
Weights chosen to balance correlations are :func:`optimise_weights` (in
:mod:`readiness.analysis.weights_opt`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import SpecError
from .._validation import did_you_mean
from .audit_flags import collect_flags
from .audit_pca import PCAResult, group_pca, prcomp
from .audit_stats import column_stats, corr_pvalues, cronbach_from_cov, pairwise_corr, pairwise_cov

__all__ = ["audit", "AuditResult", "PCAResult", "optimise_weights", "OptimisedWeights", "THRESHOLDS"]

#: Flag thresholds (COINr's defaults where COINr has one).
THRESHOLDS = {
    "t_avail": 0.65, "t_zero": 0.5, "t_unq": 0.5, "t_skew": 2.0, "t_kurt": 3.5,  # get_stats
    "pair_high": 0.9, "pair_low": -0.4,  # get_corr_flags (0.9 COINr's default; -0.4 its vignette's)
    "parent_low": 0.3, "parent_high": 0.9,  # indicator vs parent/ancestor/index
    "alpha_low": 0.7,  # Cronbach's alpha, the usual rule of thumb
}

_METHODS = ("pearson", "spearman", "kendall")  # COINr get_corr's cortype

# optimise_weights lives in weights_opt and is re-exported here, imported on first use
# (``readiness audit`` does not need it).
_LAZY = {"optimise_weights", "OptimisedWeights"}
if TYPE_CHECKING:
    from .weights_opt import OptimisedWeights, optimise_weights  # noqa: F401


def __getattr__(name):
    if name in _LAZY:
        from . import weights_opt

        return getattr(weights_opt, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class AuditResult:
    """The statistical audit of one :class:`readiness.Result`.

    Each table is computed on first use and kept: calling a method again returns the
    same object, so copy a table before changing it.

    Parameters
    ----------
    result : Result
    thresholds : dict, optional
        Overrides of :data:`THRESHOLDS`.
    method : {"pearson", "spearman", "kendall"}, default="pearson"
        The correlation type of every table and flag (unless a method says otherwise).
    """

    def __init__(self, result, thresholds=None, method="pearson"):
        if method not in _METHODS:
            raise SpecError(f"correlation method must be one of {', '.join(_METHODS)}; got {method!r}")
        self.method = method
        self.result = result
        self.dataset = result.dataset
        self.thresholds = {**THRESHOLDS, **(thresholds or {})}
        unknown = set(self.thresholds) - set(THRESHOLDS)
        if unknown:
            name = sorted(unknown)[0]
            raise SpecError(f"unknown audit threshold {name!r}{did_you_mean(name, list(THRESHOLDS))}; "
                            f"thresholds are: {', '.join(THRESHOLDS)}")
        self.levels = result.levels or self.dataset.levels
        self.parents = self.dataset.parents
        self._order = list(self.dataset.indicators.index) + list(self.dataset.structure.index)
        top = self.dataset.index_code
        self._dims = [c for c in self._order if self.parents.get(c) == top]  # Dataset.dimensions, without pandas
        self._ancestors = {c: self._walk_up(c) for c in self._order}
        self._memo = {}

    # -- the tree ----------------------------------------------------------------------
    def _frame(self, stage):
        stages = self.result.stages
        if stage not in stages:
            raise SpecError(f"unknown stage {stage!r}{did_you_mean(str(stage), list(stages))}; stages are: "
                            f"{', '.join(stages)}")
        return stages[stage]

    def stage(self, stage) -> pd.DataFrame:
        """The values of one stage of the result (countries x columns); SpecError naming the stages if unknown."""
        return self._frame(stage)

    def _walk_up(self, node) -> tuple:
        out, up = [], node
        while up in self.parents:
            up = self.parents[up]
            out.append(up)
        return tuple(out)

    def ancestors(self, node) -> list:
        """The node's parent, grandparent ... up to the index."""
        found = self._ancestors.get(node)
        return list(found if found is not None else self._walk_up(node))

    def descendants(self, node, level) -> list:
        """The nodes at ``level`` under ``node`` (framework order)."""
        return [c for c in self._order if self.levels.get(c) == level and node in self._ancestors[c]]

    def _memoised(self, key, make):
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def _check_level(self, level, *, top=True):
        levels = sorted(set(self.levels.values()))
        if level not in levels or (not top and level == levels[-1]):
            allowed = levels if top else levels[:-1]
            raise SpecError(f"level {level!r} is not a level of this framework; levels are "
                            f"{', '.join(map(str, allowed))}")

    # -- statistics --------------------------------------------------------------------
    def stats(self, stage="raw", **thresholds) -> pd.DataFrame:
        """COINr's ``get_stats`` for every column of a stage (indicators; aggregates too for ``aggregated``).

        Thresholds ``t_avail``, ``t_zero``, ``t_unq``, ``t_skew``, ``t_kurt`` default to
        :data:`THRESHOLDS`. One row per column; flags are booleans (True = flagged).
        """
        t = {k: self.thresholds[k] for k in ("t_avail", "t_zero", "t_unq", "t_skew", "t_kurt")}
        for k, v in thresholds.items():
            if k not in t:
                raise SpecError(f"unknown threshold {k!r} for stats{did_you_mean(k, list(t))}")
            t[k] = float(v)
        return self._memoised(("stats", stage, *t.values()), lambda: self._stats(stage, t))

    def _stats(self, stage, t):
        frame = self._frame(stage)
        out = pd.DataFrame(column_stats(frame.to_numpy(dtype=float), **t), index=frame.columns)
        out.index.name = "code"
        return out

    def availability(self, stage="raw") -> pd.DataFrame:
        """COINr's ``get_data_avail(...)$Summary`` over the stage's indicators, per country.

        Columns ``n_missing``, ``n_zero``, ``n_missing_or_zero``, ``share_available`` and
        ``share_nonzero`` (non-zero share of the values present).
        """
        frame = self._frame(stage)
        x = frame[[c for c in frame.columns if self.levels.get(c) == 1]].to_numpy(dtype=float)
        miss = np.isnan(x).sum(axis=1)
        zero = (x == 0).sum(axis=1)
        k = x.shape[1]
        with np.errstate(invalid="ignore", divide="ignore"):
            out = pd.DataFrame({"n_missing": miss, "n_zero": zero, "n_missing_or_zero": miss + zero,
                                "share_available": 1 - miss / k, "share_nonzero": 1 - zero / (k - miss)},
                               index=frame.index)
        out.index.name = "country"
        return out

    def availability_by_group(self, stage="raw") -> pd.DataFrame:
        """COINr's ``get_data_avail(...)$ByGroup``: per country, the share of each aggregate's indicators present."""
        frame = self._frame(stage)
        indicators = [c for c in frame.columns if self.levels.get(c) == 1]
        present = (~frame[indicators].isna()).to_numpy(dtype=float)
        nodes = [c for c in self.dataset.structure.index if self.levels[c] < max(self.levels.values())]
        member = np.array([[n in self.ancestors(i) for n in nodes] for i in indicators], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (present @ member) / member.sum(axis=0)
        out = pd.DataFrame(share, index=frame.index, columns=nodes)
        out.index.name = "country"
        return out

    # -- correlations ------------------------------------------------------------------
    def correlations(self, stage="aggregated", method=None, *, pval=0.0) -> pd.DataFrame:
        """Correlation matrix of a stage's columns (indicators and, for ``aggregated``, aggregates).

        Over pairwise-complete countries, as COINr's ``get_corr`` (R's ``cor``): Pearson's
        r, Spearman's rho or Kendall's tau-b. ``pval`` > 0 blanks the correlations whose
        p-value exceeds it (COINr's default is 0.05; ours is 0, keep all). The p-value is
        the t-test of R's ``cor.test`` for Pearson; for Spearman the same t approximation
        is used (R's ``cor.test`` computes an exact p-value for small samples without
        ties), so Spearman blanks can differ from COINr's near the threshold; Kendall has
        no p-values here (``pval`` must be 0).
        """
        method = method or self.method
        if method not in _METHODS:
            raise SpecError(f"correlation method must be one of {', '.join(_METHODS)}; got {method!r}")
        if pval > 0 and method == "kendall":
            raise SpecError("pval: p-values are computed for pearson and spearman correlations; "
                            f"use pval=0 with kendall (got pval={pval:g})")
        key = ("corr", stage, method, pval)
        if key not in self._memo:
            frame = self._frame(stage)
            r, n = pairwise_corr(frame.to_numpy(dtype=float), method=method)
            if pval > 0:
                r = np.where(corr_pvalues(r, n) > pval, np.nan, r)
            self._memo[key] = pd.DataFrame(r, index=frame.columns, columns=frame.columns)
        return self._memo[key]

    def correlation_flags(self, threshold=None, kind="high", level=2, *, stage="normalised",
                          method=None) -> pd.DataFrame:
        """COINr's ``get_corr_flags``: indicator pairs in the same level-``level`` group above (below) a threshold.

        Each pair once (first indicator earlier in the framework), columns ``group``,
        ``indicator_1``, ``indicator_2``, ``correlation`` (full precision).
        ``threshold`` defaults to 0.9 for ``kind="high"`` and -0.4 for ``"low"``.
        """
        if kind not in ("high", "low"):
            raise SpecError(f"kind must be 'high' or 'low'; got {kind!r}")
        self._check_level(level)
        if level < 2:
            raise SpecError("correlation_flags groups indicators by an aggregate: level must be 2 or more")
        if threshold is None:
            threshold = self.thresholds["pair_high" if kind == "high" else "pair_low"]
        corr = self.correlations(stage, method)
        pos = [k for k, c in enumerate(corr.index) if self.levels.get(c) == 1]
        codes = [corr.index[k] for k in pos]
        r = corr.to_numpy()[np.ix_(pos, pos)]
        group = np.array([self._ancestor_at(c, level) for c in codes], dtype=object)
        same = group[:, None] == group[None, :]
        upper = np.triu(np.ones_like(same), k=1)
        hit = (r > threshold) if kind == "high" else (r < threshold)
        i, j = np.nonzero(same & upper & hit & ~np.isnan(r))
        return pd.DataFrame({"group": group[i], "indicator_1": np.array(codes, dtype=object)[i],
                             "indicator_2": np.array(codes, dtype=object)[j], "correlation": r[i, j]})

    def _ancestor_at(self, node, level):
        for a in [node] + self.ancestors(node):
            if self.levels[a] >= level:
                return a
        return node

    def parent_correlations(self, stage="aggregated", method=None) -> pd.DataFrame:
        """Each node's correlation with its parent, every other ancestor and the index, with flags.

        Columns ``node``, ``level``, ``ancestor``, ``relation`` (``parent``, ``ancestor``,
        ``index``), ``correlation`` and ``flag``: ``negative`` (< 0), ``weak`` (below
        ``parent_low``, 0.3), ``redundant`` (above ``parent_high``, 0.9), else empty.
        COINr's ``get_corr(..., withparent = "family")`` gives the same correlations.
        """
        method = method or self.method
        return self._memoised(("parent_corr", stage, method), lambda: self._parent_correlations(stage, method))

    def _parent_correlations(self, stage, method):
        corr = self.correlations(stage, method)
        top = self.dataset.index_code
        rows = [(node, anc) for node in corr.index if node in self.parents for anc in self.ancestors(node)
                if anc in corr.columns]
        if not rows:
            return pd.DataFrame(columns=["node", "level", "ancestor", "relation", "correlation", "flag"])
        node, anc = map(np.array, zip(*rows))
        pos = {c: k for k, c in enumerate(corr.index)}
        r = corr.to_numpy()[[pos[c] for c in node], [pos[c] for c in anc]]
        parent = np.array([self.parents[c] for c in node], dtype=object)
        relation = np.where(parent == anc, "parent", np.where(anc == top, "index", "ancestor"))
        lo, hi = self.thresholds["parent_low"], self.thresholds["parent_high"]
        flag = np.select([r < 0, r < lo, r > hi], ["negative", "weak", "redundant"], "")
        flag = np.where(np.isnan(r), "", flag)
        return pd.DataFrame({"node": node, "level": [self.levels[c] for c in node], "ancestor": anc,
                             "relation": relation, "correlation": r, "flag": flag})

    # -- consistency ---------------------------------------------------------------------
    def _data_for(self, level, stage=None):
        return self._frame(stage or ("normalised" if level == 1 else "aggregated"))

    def cronbach(self, node=None, level=1, *, stage=None) -> float:
        """Cronbach's alpha of ``node``'s descendants at ``level`` (COINr's ``get_cronbach``).

        ``node`` defaults to the index; the data are the normalised indicators (level 1)
        or the aggregated scores (higher levels) unless ``stage`` says otherwise.
        """
        node = node or self.dataset.index_code
        if node not in self.levels:
            raise SpecError(f"unknown node {node!r}{did_you_mean(str(node), list(self.levels))}")
        self._check_level(level)
        items = self.descendants(node, level)
        if len(items) < 2:
            return float("nan")
        return self._alpha(stage or ("normalised" if level == 1 else "aggregated"), items)

    def _alpha(self, stage, items):
        """Alpha of ``items`` from the stage's pairwise covariance matrix (computed once per stage)."""
        cov, pos = self._memoised(("cov", stage), lambda: self._cov(stage))
        idx = [pos[c] for c in items]
        return cronbach_from_cov(cov[np.ix_(idx, idx)])

    def _cov(self, stage):
        frame = self._frame(stage)
        return pairwise_cov(frame.to_numpy(dtype=float)), {c: k for k, c in enumerate(frame.columns)}

    def cronbach_table(self) -> pd.DataFrame:
        """Alpha of every aggregate over its indicators, and over its children when they are aggregates.

        Columns ``node``, ``level``, ``over`` (``indicators`` or ``children``), ``items``
        (how many) and ``alpha``; groups of fewer than two items are left out. Over
        children, the data are the aggregated scores (COINr's level-2 call on
        ``Aggregated``); a framework whose branches have different depths is handled the
        same way (children, whatever their level).
        """
        return self._memoised("cronbach_table", self._cronbach_table)

    def _cronbach_table(self):
        rows = []
        for node in self.dataset.structure.index:  # one alpha per aggregate (aggregates, not countries)
            indicators = self.descendants(node, 1)
            if len(indicators) > 1:
                rows.append((node, self.levels[node], "indicators", len(indicators),
                             self._alpha("normalised", indicators)))
            children = [c for c in self._order if self.parents.get(c) == node and self.levels[c] > 1]
            if len(children) > 1:
                rows.append((node, self.levels[node], "children", len(children), self._alpha("aggregated", children)))
        return pd.DataFrame(rows, columns=["node", "level", "over", "items", "alpha"])

    def pca(self, level=1, *, by_groups=True, stage=None) -> PCAResult:
        """Principal components of the nodes at ``level``, per parent group (COINr's ``get_PCA``).

        ``by_groups=False`` runs one PCA over the whole level (group ``"All"``). Rows
        with a missing value are dropped, as COINr does. See
        :mod:`readiness.analysis.audit_pca` for the two kinds of weights.
        """
        self._check_level(level, top=False)
        return self._memoised(("pca", level, by_groups, stage), lambda: self._pca(level, by_groups, stage))

    def _pca(self, level, by_groups, stage):
        frame = self._data_for(level, stage)
        codes = [c for c in frame.columns if self.levels.get(c) == level]
        if by_groups:
            groups = {}
            for c in codes:
                groups.setdefault(self._ancestor_at(self.parents[c], level + 1), []).append(c)
        else:
            groups = {"All": codes}
        values = frame.to_numpy(dtype=float)
        columns = {g: frame.columns.get_indexer(m) for g, m in groups.items()}
        return group_pca(values, groups, columns, level)

    # -- weights -------------------------------------------------------------------------
    def effective_weights(self) -> pd.DataFrame:
        """Every node's weight and effective weight in the index (COINr's ``get_eff_weights``).

        Weights are made to sum to one among siblings, then multiplied down from the
        index (effective weight 1). Columns ``level``, ``parent``, ``weight``,
        ``effective_weight``.
        """
        return self._memoised("effective_weights", self._effective_weights)

    def _effective_weights(self):
        codes = self._order
        w = self.result.weights
        raw = np.array([float(w[c]) if c in w.index else np.nan for c in codes])
        parent = np.array([self.parents.get(c, "") for c in codes], dtype=object)
        _, group = np.unique(parent.astype(str), return_inverse=True)
        totals = np.bincount(group, weights=np.nan_to_num(raw))[group]  # sum over siblings, missing left out
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.nan_to_num(np.where(totals != 0, raw / totals, np.nan), nan=0.0)
        pos = {c: k for k, c in enumerate(codes)}
        eff = np.ones(len(codes))
        for k in sorted(range(len(codes)), key=lambda k: -self.levels[codes[k]]):  # top-down over the tree's nodes
            eff[k] = rel[k] * (eff[pos[parent[k]]] if parent[k] else 1.0)
        return pd.DataFrame({"level": [self.levels[c] for c in codes], "parent": parent, "weight": raw,
                             "effective_weight": eff}, index=pd.Index(codes, name="code"))

    # -- what to act on ------------------------------------------------------------------
    def flags(self) -> pd.DataFrame:
        """What a reviewer must act on, one row per finding: ``kind``, ``subject``, ``detail``, ``value``.

        Data (raw stage): availability, zeros, distinct values (COINr's flags, the
        zero and unique ones only when low among the values present); outliers left after
        treatment (treated stage); within-group pairs above 0.9 or below -0.4
        (normalised); nodes correlating negatively, weakly or redundantly with an
        ancestor (aggregated; one row per node and kind, listing the ancestors, value
        the extreme correlation); aggregates whose indicators have Cronbach's alpha
        below 0.7.
        """
        return self._memoised("flags", lambda: collect_flags(self))

    def headline(self) -> dict:
        """The audit in brief, for a report's method note.

        Returns
        -------
        dict
            ``alpha``: ``{dimension: Cronbach's alpha over its indicators}``;
            ``flagged``: ``{indicator: [kinds of flag]}`` for every indicator a flag
            names; ``n_flags``: the number of findings; ``pc1_share``: the share of
            variance of the first principal component of the dimensions.
        """
        alpha = {d: self.cronbach(d, 1) for d in self._dims}
        flagged = {}
        indicators = set(self.dataset.indicators.index)
        for kind, subject in zip(self.flags()["kind"], self.flags()["subject"]):
            for code in subject.split(" & "):
                if code in indicators:
                    flagged.setdefault(code, [])
                    if kind not in flagged[code]:
                        flagged[code].append(kind)
        return {"alpha": alpha, "flagged": flagged, "n_flags": len(self.flags()), "pc1_share": self.pc1_share()}

    def pc1_share(self) -> float:
        """The share of variance of the first principal component of the dimensions (NaN for one dimension)."""
        def share():
            dims = self._dims
            if len(dims) < 2:
                return float("nan")
            agg = self._frame("aggregated")
            x = agg.to_numpy(dtype=float)[:, agg.columns.get_indexer(dims)]
            return float(prcomp(x)["prop_var"][0])

        return self._memoised("pc1_share", share)

    def tables(self) -> dict:
        """Every table of the audit by name (the workbook's sheets, the JSON's keys)."""
        pca, dims = self.pca(1), self._dims
        top_pca = self.pca(self.levels[dims[0]], by_groups=False) if len({self.levels[d] for d in dims}) == 1 else None
        out = {
            "flags": self.flags(),
            "alpha": self.cronbach_table(),
            "stats_raw": self.stats("raw").reset_index(),
            "stats_normalised": self.stats("normalised").reset_index(),
            "availability": self.availability("raw").reset_index(),
            "availability_by_group": self.availability_by_group("raw").reset_index(),
            "pair_flags": pd.concat([self.correlation_flags(kind="high"), self.correlation_flags(kind="low")],
                                    ignore_index=True),
            "parent_correlations": self.parent_correlations(),
            "correlations": self.correlations().reset_index(names="code"),
            "pca_variance": pca.variance,
            "pca_loadings": pca.loadings,
            "pca_weights": pca.weights,
            "effective_weights": self.effective_weights().reset_index(),
        }
        if top_pca is not None:
            out["pca_dimensions"] = top_pca.variance
        return out


def audit(result, *, thresholds=None, method="pearson") -> AuditResult:
    """The statistical audit of a built index.

    Parameters
    ----------
    result : Result
        From :func:`readiness.build`.
    thresholds : dict, optional
        Overrides of :data:`THRESHOLDS`.
    method : {"pearson", "spearman", "kendall"}, default="pearson"
        The correlation type of the tables and flags.

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> import readiness
    >>> a = readiness.audit(readiness.build(readiness.load_dataset()))   # doctest: +SKIP
    >>> a.headline()["alpha"]                                              # doctest: +SKIP
    """
    from ..pipeline import Result

    if not isinstance(result, Result):
        raise SpecError(f"audit needs a Result from readiness.build; got {type(result).__name__}")
    return AuditResult(result, thresholds, method)
