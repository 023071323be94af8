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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SpecError
from .._validation import did_you_mean
from .audit_pca import handbook_weights, prcomp
from .audit_stats import column_stats, corr_pvalues, cronbach_alpha, pairwise_corr
from .weights_opt import OptimisedWeights, optimise_weights

__all__ = ["audit", "AuditResult", "PCAResult", "optimise_weights", "OptimisedWeights", "THRESHOLDS"]

#: Flag thresholds (COINr's defaults where COINr has one).
THRESHOLDS = {
    "t_avail": 0.65, "t_zero": 0.5, "t_unq": 0.5, "t_skew": 2.0, "t_kurt": 3.5,  # get_stats
    "pair_high": 0.9, "pair_low": -0.4,  # get_corr_flags (0.9 COINr's default; -0.4 its vignette's)
    "parent_low": 0.3, "parent_high": 0.9,  # indicator vs parent/ancestor/index
    "alpha_low": 0.7,  # Cronbach's alpha, the usual rule of thumb
}

_METHODS = ("pearson", "spearman")


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


class AuditResult:
    """The statistical audit of one :class:`readiness.Result` (tables computed on first use).

    Parameters
    ----------
    result : Result
    thresholds : dict, optional
        Overrides of :data:`THRESHOLDS`.
    method : {"pearson", "spearman"}, default="pearson"
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
        parents = dict(self.dataset.indicators["parent"])
        parents.update({c: p for c, p in self.dataset.structure["parent"].items() if p})
        self.parents = parents
        self._memo = {}

    # -- the tree ----------------------------------------------------------------------
    def _frame(self, stage):
        stages = self.result.stages
        if stage not in stages:
            raise SpecError(f"unknown stage {stage!r}{did_you_mean(str(stage), list(stages))}; stages are: "
                            f"{', '.join(stages)}")
        return stages[stage]

    def ancestors(self, node) -> list:
        """The node's parent, grandparent ... up to the index."""
        key = ("ancestors", node)
        if key not in self._memo:
            out, up = [], node
            while up in self.parents:
                up = self.parents[up]
                out.append(up)
            self._memo[key] = out
        return list(self._memo[key])

    def descendants(self, node, level) -> list:
        """The nodes at ``level`` under ``node`` (framework order)."""
        order = list(self.dataset.indicators.index) + list(self.dataset.structure.index)
        return [c for c in order if self.levels.get(c) == level and node in self.ancestors(c)]

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

        Over pairwise-complete countries, as COINr's ``get_corr``. ``pval`` > 0 blanks
        the correlations whose p-value exceeds it (COINr's default is 0.05; ours is 0,
        keep all). The p-value is the t-test of R's ``cor.test`` for Pearson; for
        Spearman the same t approximation is used (R's ``cor.test`` computes an exact
        p-value for small samples without ties), so Spearman blanks can differ from
        COINr's near the threshold.
        """
        method = method or self.method
        if method not in _METHODS:
            raise SpecError(f"correlation method must be one of {', '.join(_METHODS)}; got {method!r}")
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
        codes = [c for c in corr.index if self.levels.get(c) == 1]
        r = corr.loc[codes, codes].to_numpy()
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
        frame = self._data_for(level, stage)
        pos = frame.columns.get_indexer(items)
        return cronbach_alpha(frame.to_numpy(dtype=float)[:, pos])

    def cronbach_table(self) -> pd.DataFrame:
        """Alpha of every aggregate over its indicators, and over its children when they are aggregates.

        Columns ``node``, ``level``, ``over`` (``indicators`` or ``children``), ``items``
        (how many) and ``alpha``; groups of fewer than two items are left out. Over
        children, the data are the aggregated scores (COINr's level-2 call on
        ``Aggregated``); a framework whose branches have different depths is handled the
        same way (children, whatever their level).
        """
        rows = []
        order = list(self.dataset.indicators.index) + list(self.dataset.structure.index)
        norm = self._frame("normalised")
        agg = self._frame("aggregated")
        for node in self.dataset.structure.index:
            indicators = self.descendants(node, 1)
            if len(indicators) > 1:
                x = norm.to_numpy(dtype=float)[:, norm.columns.get_indexer(indicators)]
                rows.append((node, self.levels[node], "indicators", len(indicators), cronbach_alpha(x)))
            children = [c for c in order if self.parents.get(c) == node and self.levels[c] > 1]
            if len(children) > 1:
                x = agg.to_numpy(dtype=float)[:, agg.columns.get_indexer(children)]
                rows.append((node, self.levels[node], "children", len(children), cronbach_alpha(x)))
        return pd.DataFrame(rows, columns=["node", "level", "over", "items", "alpha"])

    def pca(self, level=1, *, by_groups=True, stage=None) -> PCAResult:
        """Principal components of the nodes at ``level``, per parent group (COINr's ``get_PCA``).

        ``by_groups=False`` runs one PCA over the whole level (group ``"All"``). Rows
        with a missing value are dropped, as COINr does. See
        :mod:`readiness.analysis.audit_pca` for the two kinds of weights.
        """
        self._check_level(level, top=False)
        frame = self._data_for(level, stage)
        codes = [c for c in frame.columns if self.levels.get(c) == level]
        if by_groups:
            groups = {}
            for c in codes:
                groups.setdefault(self._ancestor_at(self.parents[c], level + 1), []).append(c)
        else:
            groups = {"All": codes}
        var_rows, load_rows, w_rows, used = [], [], [], {}
        for group, members in groups.items():  # one PCA per group (groups, not countries)
            x = frame[members].to_numpy(dtype=float)
            pc = prcomp(x)
            names = [f"PC{i + 1}" for i in range(len(members))]
            cum = np.cumsum(pc["prop_var"])
            var_rows += [(group, nm, s, p, c) for nm, s, p, c in zip(names, pc["sdev"], pc["prop_var"], cum)]
            load_rows += [(group, m, *pc["rotation"][i]) for i, m in enumerate(members)]
            hb, nf = handbook_weights(x) if len(members) > 1 else (np.array([1.0]), 1)
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

    # -- weights -------------------------------------------------------------------------
    def effective_weights(self) -> pd.DataFrame:
        """Every node's weight and effective weight in the index (COINr's ``get_eff_weights``).

        Weights are made to sum to one among siblings, then multiplied down from the
        index (effective weight 1). Columns ``level``, ``parent``, ``weight``,
        ``effective_weight``.
        """
        w = self.result.weights.astype(float)
        codes = list(self.dataset.indicators.index) + list(self.dataset.structure.index)
        parent = pd.Series({c: self.parents.get(c, "") for c in codes})
        raw = w.reindex(codes)
        totals = raw.groupby(parent).transform("sum")
        rel = (raw / totals.where(totals != 0)).fillna(0.0)
        eff = {}
        for c in sorted(codes, key=lambda c: -self.levels[c]):  # top-down over the tree's nodes
            eff[c] = rel[c] * (eff[self.parents[c]] if c in self.parents else 1.0)
        return pd.DataFrame({"level": [self.levels[c] for c in codes], "parent": parent.to_numpy(),
                             "weight": raw.to_numpy(), "effective_weight": [eff[c] for c in codes]},
                            index=pd.Index(codes, name="code"))

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
        if "flags" in self._memo:
            return self._memo["flags"]
        rows = []
        st = self.stats("raw")
        for code in st.index[st["flag_available"]]:
            value = float(st.at[code, "share_available"])
            rows.append(("sparse", code, f"available for {value:.2f} of countries", value))
        # COINr's zero and unique flags divide by all countries, so a sparse indicator trips
        # them too; here they need the share among the values present to be low as well.
        for col, kind, what, share, t in (("flag_nonzero", "zeros", "non-zero", "share_nonzero", "t_zero"),
                                          ("flag_unique", "few values", "distinct", "share_unique", "t_unq")):
            for code in st.index[st[col] & (st[share] < self.thresholds[t])]:
                value = float(st.at[code, share])
                rows.append((kind, code, f"{value:.2f} of values present {what}", value))
        tr = self.stats("treated")
        for code in tr.index[tr["flag_skew_kurtosis"]]:
            rows.append(("outliers", code, f"skew {tr.at[code, 'skew']:.2f}, kurtosis {tr.at[code, 'kurtosis']:.2f} "
                                           "after treatment", float(tr.at[code, "skew"])))
        for kind in ("high", "low"):
            pairs = self.correlation_flags(kind=kind)
            label = "near-duplicates" if kind == "high" else "opposed pair"
            for g, a, b, r in pairs.itertuples(index=False):
                rows.append((label, f"{a} & {b}", f"r = {r:.2f} within {g}", float(r)))
        pc = self.parent_correlations()
        pc = pc[pc["flag"] != ""]
        labels = {"negative": "negative correlation", "weak": "weak correlation", "redundant": "redundant"}
        for (node, flag), rows_ in pc.groupby(["node", "flag"], sort=False):
            parts = [f"{r:.2f} with {anc}" + (" (parent)" if rel == "parent" else "")
                     for anc, rel, r in zip(rows_["ancestor"], rows_["relation"], rows_["correlation"])]
            value = rows_["correlation"].max() if flag == "redundant" else rows_["correlation"].min()
            rows.append((labels[flag], node, "r = " + ", ".join(parts), float(value)))
        alpha = self.cronbach_table()
        low = alpha[(alpha["over"] == "indicators") & (alpha["alpha"] < self.thresholds["alpha_low"])]
        for node, _, _, k, a in low.itertuples(index=False):
            rows.append(("low alpha", node, f"alpha {a:.2f} over its {k} indicators", float(a)))
        out = pd.DataFrame(rows, columns=["kind", "subject", "detail", "value"])
        self._memo["flags"] = out
        return out

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
        alpha = {d: self.cronbach(d, 1) for d in self.dataset.dimensions}
        flagged = {}
        indicators = set(self.dataset.indicators.index)
        for kind, subject, *_ in self.flags().itertuples(index=False):
            for code in subject.split(" & "):
                if code in indicators:
                    flagged.setdefault(code, [])
                    if kind not in flagged[code]:
                        flagged[code].append(kind)
        dims = self.dataset.dimensions
        x = self._frame("aggregated")[dims].to_numpy(dtype=float)
        share = float(prcomp(x)["prop_var"][0]) if len(dims) > 1 else float("nan")
        return {"alpha": alpha, "flagged": flagged, "n_flags": len(self.flags()), "pc1_share": share}

    def tables(self) -> dict:
        """Every table of the audit by name (the workbook's sheets, the JSON's keys)."""
        pca, dims = self.pca(1), self.dataset.dimensions
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
    method : {"pearson", "spearman"}, default="pearson"
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
