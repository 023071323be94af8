"""build(dataset, spec) -> Result: the whole method pipeline, every stage kept.

The order is COINr's: denominate (and transform) -> impute -> screen -> treat ->
normalise -> aggregate -> rank. Only this module wires the step modules together.

``build(dataset, spec, reuse=previous)`` is COINr's ``Regen``: it recomputes from the
first stage a change affects. A setting maps to the first step it affects (see
:data:`FIRST_STEP`); changed values recompute only their own indicators in the
per-indicator steps (denominate, transform, imputation by column, treatment,
normalisation), while screening, the cross-indicator imputations (``knn``,
``iterative``), aggregation and ranks are recomputed whole. The Result is identical,
bit for bit, to a fresh build (property-tested): every per-indicator statistic is
computed over that indicator's values alone.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .aggregate import TreePlan, aggregate_level, aggregate_tree
from .denominate import denominate, transform
from .errors import InputError, MethodError, SpecError
from .impute import impute, impute_dimensions, peer_groups
from .normalise import no_range_indicators, no_range_message, normalise, normalise_params
from .rank import rank_descending
from .screen import completeness_reasons, coverage_of, coverage_reasons, missing_dimensions
from .spec import Spec
from .treat import treat, treatment_table
from .weight import effective_weights, node_weights
from ._validation import did_you_mean
from .threads import one_blas_thread

__all__ = ["build", "treat_stage", "Result", "STAGES", "FIRST_STEP"]

STAGES = ("raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated")
_STEPS = ("denominate", "impute", "screen", "treat", "normalise", "aggregate")

#: The first step each setting affects (0 = denominate ... 5 = aggregate); a setting not
#: listed (a new one) rebuilds everything. Screening is recomputed on every rebuild.
FIRST_STEP = {
    "denominate": 0, "transform": 0,
    "imputation": 1, "imputation_group": 1, "knn_neighbours": 1, "seed": 1,
    "coverage_min": 2, "screen_on": 2, "incomplete": 2,
    "outliers": 3, "winsor_max": 3, "skew_max": 3, "kurt_max": 3, "outlier_fallback": 3,
    "normalisation": 4, "normalisation_low": 4, "normalisation_high": 4, "zscore_mean": 4, "zscore_sd": 4,
    "goalpost_scale": 4, "target_cap": 4, "normalisation_by_indicator": 4,
    "weights": 5, "weights_override": 5, "aggregation": 5, "aggregation_by_level": 5,
    "aggregate_coverage_min": 5, "generalised_mean_p": 5, "nonpositive": 5,
}
_CROSS_COLUMN_IMPUTATIONS = ("knn", "iterative")
_LOG_COLUMNS = ["step", "country", "indicator", "action", "detail", "value"]


@dataclass(frozen=True)
class Result:
    """Everything one build produced.

    Attributes
    ----------
    dataset : Dataset
    spec : Spec
    stages : dict of DataFrame
        ``raw``, ``denominated``, ``imputed``, ``screened``, ``treated``,
        ``normalised`` (country x indicator) and ``aggregated`` (country x every
        node: normalised indicators, then aggregates by level), as in COINr's
        ``coin$Data``.
    scores : DataFrame
        Country x node: the aggregated stage, for scored countries.
    ranks : DataFrame
        Ranks of ``scores`` per node (1 = best, ties share the best rank).
    imputed : DataFrame of bool
        True where a value was imputed (scored countries).
    coverage : Series
        Share of indicators observed, per country (all countries).
    not_scored : DataFrame
        Countries not scored, with ``coverage`` and ``reason`` (too little data, or,
        under ``incomplete = "not_scored"``, no score for some dimension).
    treatment : DataFrame
        Per indicator: skew and kurtosis before and after, points winsorised, log applied.
    weights : Series
        Node weights used; ``effective`` the indicators' effective weights.
    log : DataFrame
        What each step did: ``step``, ``country``, ``indicator``, ``action``, ``detail``
        and ``value`` (the imputed value of an imputed cell, else NaN).
    imputed_dimensions : DataFrame of bool
        Scored country x dimension: True where the dimension's score is not from the
        country's data: imputed (``incomplete = "impute"``) or absent, the index then
        averaging the other dimensions (``"partial"``). All False under ``"not_scored"``.
    """

    dataset: object
    spec: Spec
    stages: dict
    scores: pd.DataFrame
    ranks: pd.DataFrame
    imputed: pd.DataFrame
    coverage: pd.Series
    not_scored: pd.DataFrame
    treatment: pd.DataFrame
    weights: pd.Series
    effective: pd.Series
    log: pd.DataFrame
    levels: dict = field(default_factory=dict)
    imputed_dimensions: pd.DataFrame = field(default_factory=pd.DataFrame)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def index_code(self) -> str:
        return self.dataset.index_code

    @property
    def index_scores(self) -> pd.Series:
        """The composite score of every scored country, best first."""
        s = self.scores[self.index_code]
        return s.sort_values(ascending=False, kind="stable")

    def level(self, level: int) -> list[str]:
        """The node codes at a level (1 = indicators)."""
        return [c for c in self.scores.columns if self.levels[c] == level]

    def fingerprint(self) -> str:
        """Hash of the input data and every setting: equal fingerprints, equal numbers.

        Computed once per result (a result is not changed after ``build()``).
        """
        if "fingerprint" not in self._memo:
            self._memo["fingerprint"] = fingerprint(self.dataset, self.spec, data=self.dataset_fingerprint())
        return self._memo["fingerprint"]

    def dataset_fingerprint(self) -> str:
        """``self.dataset.fingerprint()``, computed once per result."""
        if "dataset_fingerprint" not in self._memo:
            self._memo["dataset_fingerprint"] = self.dataset.fingerprint()
        return self._memo["dataset_fingerprint"]

    def __repr__(self) -> str:
        return (f"Result({len(self.scores)} countries scored, {len(self.not_scored)} not scored, "
                f"index {self.index_code!r}, fingerprint {self.fingerprint()})")


def fingerprint(dataset, spec: Spec, *, data: str | None = None) -> str:
    """SHA-256 (16 hex digits) of the dataset's values and framework and of every setting.

    ``data``: ``dataset.fingerprint()`` when the caller has it already.
    """
    import hashlib

    payload = (data or dataset.fingerprint()) + json.dumps(spec.to_dict(), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _frame(array, index, columns):
    return pd.DataFrame(array, index=index, columns=columns, copy=False)


def _check_arguments(dataset, spec, settings, reuse):
    """A Dataset, a Spec (or None) and known setting names, else a readiness error (never a TypeError)."""
    from .dataset import Dataset

    if not isinstance(dataset, Dataset):
        raise InputError(f"build needs a Dataset (from readiness.load_dataset or from_tables); got "
                         f"{type(dataset).__name__}")
    if spec is not None and not isinstance(spec, Spec):
        raise SpecError(f"spec must be a readiness.Spec (or None for the dataset's own settings); got "
                        f"{type(spec).__name__}")
    if reuse is not None and not isinstance(reuse, Result):
        raise SpecError(f"reuse must be a Result from an earlier build; got {type(reuse).__name__}")
    names = [f.name for f in dataclasses.fields(Spec)]
    for name in settings:
        if name not in names:
            raise SpecError(f"unknown setting {name!r}{did_you_mean(name, names)}; settings are: {', '.join(names)}")


def _check_spec_against(dataset, spec):
    """Settings that name indicators or levels must name ones this framework has."""
    for code in spec.normalisation_by_indicator:
        if code not in dataset.indicators.index:
            raise SpecError(f"normalisation_by_indicator names {code!r}, which is not an indicator of this "
                            f"dataset{did_you_mean(code, list(dataset.indicators.index))}")
    levels = sorted(set(dataset.levels.values()) - {1})
    for level in spec.aggregation_by_level:
        if level not in levels:
            raise SpecError(f"aggregation_by_level names level {level}; this framework aggregates at levels "
                            f"{', '.join(map(str, levels))}")


def _check_finite(norm, columns, index, spec):
    """An infinite normalised score is meaningless: name the indicators, countries and method."""
    inf = np.isinf(norm)
    if not inf.any():
        return
    cols = np.flatnonzero(inf.any(axis=0))
    codes = [columns[j] for j in cols]
    countries = list(index[inf[:, cols[0]]])
    method = dict(spec.normalisation_by_indicator).get(codes[0], spec.normalisation)
    raise MethodError(
        f"normalisation {method!r} gives infinite scores for {', '.join(codes)} (e.g. {codes[0]} for "
        f"{', '.join(countries[:5])}{' ...' if len(countries) > 5 else ''}); choose another normalisation for "
        "it, or check its values and metadata (targets, goalposts)"
    )


def _why_no_index_score(dataset, spec, norm, columns, weights) -> str:
    """The real reason no country has an index score (missing scores, zero weights, the coverage rule)."""
    head = f"no country has an index score ({norm.shape[0]} countries, {norm.shape[1]} indicators): "
    empty = [c for c, e in zip(columns, np.isnan(norm).all(axis=0)) if e]
    if len(empty) == len(columns):
        return head + ("every normalised score is missing; check that the indicators vary across countries "
                       "(a constant indicator has no range)")
    if not (effective_weights(dataset, weights) > 0).any():
        return head + "every indicator's effective weight is 0; check the weights and weights_override"
    return head + (f"no country has at least {spec.aggregate_coverage_min:.0%} of the children of every aggregate "
                   "(aggregate_coverage_min)" + (f"; indicators without any score: {', '.join(empty)}" if empty else "")
                   + "; add data or lower aggregate_coverage_min")


def _changed_columns(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Columns where any cell differs in bits (NaN equals NaN; -0.0 differs from 0.0)."""
    same = ((old == new) & (np.signbit(old) == np.signbit(new))) | (np.isnan(old) & np.isnan(new))
    return np.flatnonzero(~same.all(axis=0))


def _reuse_plan(prev, dataset, spec):
    """(first step to recompute whole, indicator columns whose values changed) for build(reuse=prev)."""
    if prev is None or "details" not in prev._memo:
        return 0, None
    old = prev.dataset
    if old is not dataset:
        same = (old.values.index.equals(dataset.values.index) and old.values.columns.equals(dataset.values.columns)
                and all(getattr(old, t) is getattr(dataset, t) or getattr(old, t).equals(getattr(dataset, t))
                        for t in ("indicators", "structure", "countries")))
        if not same:
            return 0, None
    a, b = prev.spec.to_dict(), spec.to_dict()
    start = min([FIRST_STEP.get(k, 0) for k in set(a) | set(b) if a.get(k) != b.get(k)], default=len(_STEPS))
    if old is dataset:
        return start, np.array([], dtype=int)
    return start, _changed_columns(old.values.to_numpy(dtype=float), dataset.values.to_numpy(dtype=float))


def _redo(step, start, cols):
    """None: recompute every column at this step; else the columns to recompute (maybe none)."""
    return None if cols is None or step >= start else cols


@one_blas_thread()
def build(dataset, spec: Spec | None = None, *, reuse: Result | None = None, **settings) -> Result:
    """Build the index: every step of the pipeline on ``dataset`` with the choices in ``spec``.

    Parameters
    ----------
    dataset : Dataset
    spec : Spec, optional
        Default: the dataset's own Settings sheet if it has one, else ``Spec()``.
    reuse : Result, optional
        An earlier build of the same framework (its values and settings may differ):
        only what the differences can reach is recomputed, and the Result is identical
        bit for bit to ``build(dataset, spec)``. The what-if levers and the
        sensitivity variants use it.
    **settings
        Fields of :class:`Spec` to change, e.g. ``normalisation="zscore"``.

    Returns
    -------
    Result

    Raises
    ------
    SpecError
        A setting that is not valid.
    MethodError
        A method these data cannot take (a geometric mean over zeros, a log of a negative).
    """
    _check_arguments(dataset, spec, settings, reuse)
    if spec is None:
        spec = Spec.for_dataset(dataset)
    if settings:
        spec = spec.replace(**settings)
    _check_spec_against(dataset, spec)
    start, changed = _reuse_plan(reuse, dataset, spec)
    if changed is not None and start >= len(_STEPS) and not len(changed):
        return dataclasses.replace(reuse, dataset=dataset, spec=spec)
    memo = reuse._memo if changed is not None else {}
    stages = reuse.stages if changed is not None else {}
    ind = dataset.indicators
    raw = dataset.values
    countries, columns = raw.index, raw.columns

    # 0. denominate and transform (per indicator)
    cols = _redo(0, start, changed)
    den = _step_denominate(raw, ind, dataset, spec, cols, stages)
    # 1. impute (per indicator, unless the method uses other indicators)
    cols = _redo(1, start, changed)
    if cols is not None and len(cols) and spec.imputation in _CROSS_COLUMN_IMPUTATIONS:
        cols = None
    imp = _step_impute(den, dataset, spec, cols, stages)
    imp_mask = np.isnan(den) & ~np.isnan(imp)
    # 2. screen: coverage, and completeness under incomplete = "not_scored" (always recomputed)
    plan = memo["plan"] if "plan" in memo else TreePlan(dataset)
    weights = node_weights(dataset, spec)
    wvec = weights.reindex(plan.nodes).to_numpy()
    cov = coverage_of(den)
    kept, not_scored = _step_screen(dataset, spec, den, imp, cov, plan, wvec)
    if "kept" in memo and not np.array_equal(memo["kept"], kept):
        changed = None  # another set of countries: every statistic over countries changes
    rows = np.flatnonzero(kept)
    # 3. treat (per indicator)
    cols = _redo(3, start, changed)
    every = len(rows) == imp.shape[0]  # every country kept: the screened stage is the imputed one (no copy)
    screened = _splice(stages.get("screened"), imp if every else imp[rows], cols, lambda c: imp[np.ix_(rows, c)])
    treated, details = _step_treat(screened, spec, cols, stages, memo)
    # 4. normalise (per indicator)
    cols = _redo(4, start, changed)
    norm = _step_normalise(treated, ind, spec, cols, stages)
    _check_finite(norm, columns, countries[rows], spec)
    # 5. aggregate and rank (whole)
    agg, dim_flags = _step_aggregate(dataset, spec, norm, plan, wvec, countries[rows])
    if np.isnan(agg[:, plan.nodes.index(plan.index_code)]).all():
        raise MethodError(_why_no_index_score(dataset, spec, norm, columns, weights))

    kept_index = countries[rows]
    scores = _frame(agg, kept_index, pd.Index(plan.nodes, name="node"))
    scores.index.name = "country"
    ranks = _frame(rank_descending(agg), scores.index, scores.columns)
    dims = plan.dimensions
    flags = _frame(dim_flags, scores.index, pd.Index(dims, name="dimension"))
    same_weights = changed is not None and start > 5 or (changed is not None and reuse.weights.equals(weights))
    effective = reuse.effective if same_weights else effective_weights(dataset, weights)
    log = _log(dataset, spec, den, imp, imp_mask, not_scored, kept_index, details, treated, norm, flags)
    return Result(
        dataset=dataset, spec=spec,
        stages={"raw": raw, "denominated": _frame(den, countries, columns), "imputed": _frame(imp, countries, columns),
                "screened": _frame(screened, kept_index, columns), "treated": _frame(treated, kept_index, columns),
                "normalised": _frame(norm, kept_index, columns), "aggregated": scores},
        scores=scores, ranks=ranks, imputed=_frame(imp_mask[rows], kept_index, columns), coverage=pd.Series(
            cov, index=countries, name="coverage"), not_scored=not_scored, treatment=treatment_table(columns, details),
        weights=weights, effective=effective, log=log,
        levels={c: int(lv) for c, lv in zip(plan.nodes, plan.levels)}, imputed_dimensions=flags,
        _memo={"details": details, "kept": kept, "plan": plan},
    )


def _splice(prev_frame, full, cols, compute):
    """The stage's array: ``full`` when every column is recomputed, else the previous one with ``cols`` redone."""
    if cols is None:
        return np.array(full, dtype=float) if not isinstance(full, np.ndarray) else full
    out = prev_frame.to_numpy(dtype=float, copy=True)
    if len(cols):
        out[:, cols] = compute(cols)
    return out


def _step_denominate(raw, ind, dataset, spec, cols, stages):
    divide = spec.denominate and (ind["denominator"].reindex(raw.columns).fillna("") != "").any()
    kinds = ind["transform"].reindex(raw.columns)
    log = spec.transform and ((kinds != "none") & kinds.notna()).any()

    def run(values):  # nothing to divide or transform: the raw values themselves (no copy)
        den = denominate(values, ind, dataset.countries) if divide else values
        return (transform(den, ind) if log else den).to_numpy(dtype=float)

    if cols is None:
        return np.asarray(run(raw), dtype=float)
    return _splice(stages["denominated"], None, cols, lambda c: run(raw.iloc[:, c]))


def _step_impute(den, dataset, spec, cols, stages):
    groups = None
    if spec.imputation in ("group_mean", "group_median"):
        if spec.imputation_group not in dataset.countries.columns:
            raise SpecError(f"imputation_group {spec.imputation_group!r} is not a column of Countries"
                            f"{did_you_mean(spec.imputation_group, dataset.countries.columns)}")
        groups = dataset.countries[spec.imputation_group].reindex(dataset.values.index).to_numpy(dtype=object)

    def run(x):
        return impute(x, method=spec.imputation, groups=groups, n_neighbours=spec.knn_neighbours, seed=spec.seed)[0]

    if cols is None:
        return run(den)
    return _splice(stages["imputed"], None, cols, lambda c: run(den[:, c]))


def _step_screen(dataset, spec, den, imp, cov, plan, wvec):
    """(kept mask, not_scored frame): the coverage rule, then the completeness rule."""
    measured = cov if spec.screen_on == "observed" else coverage_of(imp)
    low = measured < spec.coverage_min - 1e-12
    countries = dataset.values.index
    if low.all():
        order = np.argsort(-cov, kind="stable")
        top = f" (the best is {countries[order[0]]} with {cov[order[0]]:.0%})" if len(cov) else ""
        raise MethodError(f"no country is scored: all {len(cov)} have a data coverage below coverage_min = "
                          f"{spec.coverage_min:.0%}{top}; add data or lower coverage_min")
    reasons = dict(zip(countries[low], coverage_reasons(measured[low], spec.coverage_min)))
    kept = ~low
    if getattr(spec, "incomplete", "not_scored") == "not_scored":
        missing = missing_dimensions(plan, imp if kept.all() else imp[kept], wvec, spec.aggregate_coverage_min)
        if missing.any():
            rows = np.flatnonzero(kept)[missing.any(axis=1)]
            reasons.update(zip(countries[rows], completeness_reasons(plan, [dataset.node_name(d) for d in plan.dimensions], imp[rows], missing[missing.any(1)], spec.aggregate_coverage_min)))
            kept[rows] = False
            if not kept.any():
                raise MethodError(f"no country is scored: none of the {int((~low).sum())} countries with enough data "
                                  "has a score for every dimension; add data, or set incomplete = 'partial' or "
                                  "'impute'")
    out = np.flatnonzero(~kept)
    not_scored = pd.DataFrame({"coverage": measured[out], "reason": [reasons[countries[r]] for r in out]},
                              index=pd.Index(countries[out], name="country"))
    return kept, not_scored


def treat_stage(x, spec: Spec):
    """:func:`readiness.treat.treat` of ``x`` with ``spec``'s outlier settings: (values, details).

    The one call ``build()`` makes, shared with the replicate engine's treatment variants.
    """
    return treat(x, method=spec.outliers, winsor_max=spec.winsor_max, skew_max=spec.skew_max,
                 kurt_max=spec.kurt_max, fallback=spec.outlier_fallback)


def _step_treat(screened, spec, cols, stages, memo):
    def run(x):
        return treat_stage(x, spec)

    if cols is None:
        return run(screened)
    details = list(memo["details"])
    if not len(cols):
        return stages["treated"].to_numpy(dtype=float), details
    out = stages["treated"].to_numpy(dtype=float, copy=True)
    out[:, cols], new = run(screened[:, cols])
    if spec.outliers != "none":
        for j, d in zip(cols, new):
            details[j] = d
    return out, details


def _step_normalise(treated, ind, spec, cols, stages):
    params = normalise_params(spec)

    def run(x, meta):
        return normalise(x, meta, method=spec.normalisation, by_indicator=dict(spec.normalisation_by_indicator),
                         params=params, warn=False)

    if cols is None:
        return run(treated, ind)
    return _splice(stages["normalised"], None, cols, lambda c: run(treated[:, c], ind.iloc[c]))


def _step_aggregate(dataset, spec, norm, plan, wvec, kept_index):
    """Aggregate the tree; then the completeness rule's flags (and, for "impute", the imputed dimensions)."""
    methods = {level: spec.aggregation_by_level.get(level, spec.aggregation) for level, *_ in plan.steps}
    agg = aggregate_tree(norm, wvec, plan, methods=methods, p=spec.generalised_mean_p, nonpositive=spec.nonpositive,
                         coverage_min=spec.aggregate_coverage_min)
    dims = [plan.nodes.index(d) for d in plan.dimensions]
    missing = np.isnan(agg[:, dims])
    mode = getattr(spec, "incomplete", "not_scored")
    if mode == "impute" and missing.any():
        filled, _ = impute_dimensions(agg[:, dims], peer_groups(dataset.countries.reindex(kept_index)))
        agg[:, dims] = filled
        level, parents, children, onehot = plan.steps[-1]
        wmat = wvec[children][:, None] * onehot
        agg[:, parents] = aggregate_level(agg[:, children], wmat, method=methods[level], p=spec.generalised_mean_p,
                                          nonpositive=spec.nonpositive, children=[plan.nodes[c] for c in children],
                                          level=level, coverage_min=spec.aggregate_coverage_min)
    flags = missing if mode in ("impute", "partial") else np.zeros_like(missing)
    return agg, flags


def _log(dataset, spec, den, imp, imp_mask, not_scored, kept_index, details, treated, norm, flags):
    """What each step did, one row per action, built from arrays (no loop over cells)."""
    ind = dataset.indicators
    countries = dataset.values.index.to_numpy(dtype=object)
    columns = dataset.values.columns.to_numpy(dtype=object)
    parts = []

    def part(step, country, indicator, action, detail, value=None):
        country = np.asarray(country, dtype=object)
        k = len(country)
        parts.append((np.full(k, step, dtype=object), country, np.broadcast_to(np.asarray(indicator, dtype=object), (k,)),
                      np.broadcast_to(np.asarray(action, dtype=object), (k,)),
                      np.broadcast_to(np.asarray(detail, dtype=object), (k,)),
                      np.full(k, np.nan) if value is None else np.asarray(value, dtype=float)))

    if spec.denominate:
        codes = ind.index[ind["denominator"] != ""]
        part("denominate", [""] * len(codes), codes.to_numpy(dtype=object), "divided",
             np.array([f"by {ind.at[c, 'denominator']}" for c in codes], dtype=object))
    r, c = np.nonzero(imp_mask)
    part("impute", countries[r], columns[c], spec.imputation, "", imp[r, c])
    part("screen", not_scored.index.to_numpy(dtype=object), "", "not scored", not_scored["reason"].to_numpy(dtype=object))
    kept = kept_index.to_numpy(dtype=object)
    for code, d in zip(columns, details):
        if d.high.any():
            part("treat", kept[d.high], code, "winsorised high", "")
        if d.low.any():
            part("treat", kept[d.low], code, "winsorised low", "")
        if d.logged:
            part("treat", [""], code, "log", "log(x - min + 0.01 (max - min))")
    codes = no_range_indicators(norm, treated, ind)
    if codes:
        message = no_range_message(codes)
        warnings.warn(message, _warning_type(), stacklevel=3)
        part("normalise", [""], "", "warning", message)
    fr, fc = np.nonzero(flags.to_numpy())
    action = "imputed dimension" if getattr(spec, "incomplete", "") == "impute" else "dimension missing"
    part("aggregate", kept[fr], flags.columns.to_numpy(dtype=object)[fc], action, "")
    cols = [np.concatenate([p[i] for p in parts]) for i in range(6)]
    return pd.DataFrame(dict(zip(_LOG_COLUMNS, cols)))


def _warning_type():
    from .errors import ReadinessWarning

    return ReadinessWarning
