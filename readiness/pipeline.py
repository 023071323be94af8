"""build(dataset, spec) -> Result: the whole method pipeline, every stage kept.

The order is COINr's: denominate (and transform) -> impute -> screen -> treat ->
normalise -> aggregate -> rank. Only this module wires the step modules together.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .aggregate import TreePlan, aggregate_tree
from .denominate import denominate, transform
from .impute import impute
from .normalise import normalise, normalise_params
from .rank import rank_descending
from .screen import coverage, screen
from ._validation import MethodError
from .spec import Spec
from .treat import treat
from .weight import effective_weights, node_weights

__all__ = ["build", "Result", "STAGES"]

STAGES = ("raw", "denominated", "imputed", "screened", "treated", "normalised", "aggregated")


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
        Countries screened out, with ``coverage`` and ``reason``.
    treatment : DataFrame
        Per indicator: skew and kurtosis before and after, points winsorised, log applied.
    weights : Series
        Node weights used; ``effective`` the indicators' effective weights.
    log : DataFrame
        What each step did: ``step``, ``country``, ``indicator``, ``action``, ``detail``.
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
        """Hash of the input data and every setting: equal fingerprints, equal numbers."""
        return fingerprint(self.dataset, self.spec)

    def __repr__(self) -> str:
        return (f"Result({len(self.scores)} countries scored, {len(self.not_scored)} not scored, "
                f"index {self.index_code!r}, fingerprint {self.fingerprint()})")


def fingerprint(dataset, spec: Spec) -> str:
    """SHA-256 (16 hex digits) of the dataset's values and framework and of every setting."""
    import hashlib

    payload = dataset.fingerprint() + json.dumps(spec.to_dict(), sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _frame(array, like):
    return pd.DataFrame(array, index=like.index, columns=like.columns)


def _check_spec_against(dataset, spec):
    """Settings that name indicators or levels must name ones this framework has."""
    from ._validation import SpecError, did_you_mean

    for code in spec.normalisation_by_indicator:
        if code not in dataset.indicators.index:
            raise SpecError(f"normalisation_by_indicator names {code!r}, which is not an indicator of this "
                            f"dataset{did_you_mean(code, list(dataset.indicators.index))}")
    levels = sorted(set(dataset.levels.values()) - {1})
    for level in spec.aggregation_by_level:
        if level not in levels:
            raise SpecError(f"aggregation_by_level names level {level}; this framework aggregates at levels "
                            f"{', '.join(map(str, levels))}")


def _check_arguments(dataset, spec, settings):
    """A Dataset, a Spec (or None) and known setting names, else a readiness error (never a TypeError)."""
    import dataclasses

    from .dataset import Dataset
    from .errors import InputError, SpecError
    from ._validation import did_you_mean

    if not isinstance(dataset, Dataset):
        raise InputError(f"build needs a Dataset (from readiness.load_dataset or from_tables); got "
                         f"{type(dataset).__name__}")
    if spec is not None and not isinstance(spec, Spec):
        raise SpecError(f"spec must be a readiness.Spec (or None for the dataset's own settings); got "
                        f"{type(spec).__name__}")
    names = [f.name for f in dataclasses.fields(Spec)]
    for name in settings:
        if name not in names:
            raise SpecError(f"unknown setting {name!r}{did_you_mean(name, names)}; settings are: {', '.join(names)}")


def _check_finite(normalised, spec):
    """An infinite normalised score is meaningless: name the indicators, countries and method."""
    inf = np.isinf(normalised.to_numpy())
    if not inf.any():
        return
    cols = np.flatnonzero(inf.any(axis=0))
    codes = [normalised.columns[j] for j in cols]
    first = codes[0]
    countries = list(normalised.index[inf[:, cols[0]]])
    method = dict(spec.normalisation_by_indicator).get(first, spec.normalisation)
    raise MethodError(
        f"normalisation {method!r} gives infinite scores for {', '.join(codes)} (e.g. {first} for "
        f"{', '.join(countries[:5])}{' ...' if len(countries) > 5 else ''}); choose another normalisation for "
        "it, or check its values and metadata (targets, goalposts)"
    )


def _why_no_index_score(dataset, spec, normalised, weights, plan) -> str:
    """The real reason no country has an index score (missing scores, zero weights, the coverage rule)."""
    head = f"no country has an index score ({len(normalised)} countries, {len(normalised.columns)} indicators): "
    empty = list(normalised.columns[normalised.isna().all()])
    if len(empty) == len(normalised.columns):
        return head + ("every normalised score is missing; check that the indicators vary across countries "
                       "(a constant indicator has no range)")
    eff = effective_weights(dataset, weights)
    if not (eff > 0).any():
        return head + "every indicator's effective weight is 0; check the weights and weights_override"
    return head + (f"no country has at least {spec.aggregate_coverage_min:.0%} of the children of every aggregate "
                   "(aggregate_coverage_min)" + (f"; indicators without any score: {', '.join(empty)}" if empty else "")
                   + "; add data or lower aggregate_coverage_min")


def build(dataset, spec: Spec | None = None, **settings) -> Result:
    """Build the index: every step of the pipeline on ``dataset`` with the choices in ``spec``.

    Parameters
    ----------
    dataset : Dataset
    spec : Spec, optional
        Default: the dataset's own Settings sheet if it has one, else ``Spec()``.
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
    _check_arguments(dataset, spec, settings)
    if spec is None:
        spec = Spec.for_dataset(dataset)
    if settings:
        spec = spec.replace(**settings)
    _check_spec_against(dataset, spec)
    log: list[tuple] = []
    ind = dataset.indicators
    raw = dataset.values

    den = denominate(raw, ind, dataset.countries) if spec.denominate else raw.copy()
    if spec.transform:
        den = transform(den, ind)
    for code in ind.index[(ind["denominator"] != "") & spec.denominate]:
        log.append(("denominate", "", code, "divided", f"by {ind.at[code, 'denominator']}"))

    groups = None
    if spec.imputation in ("group_mean", "group_median"):
        if spec.imputation_group not in dataset.countries.columns:
            from ._validation import SpecError, did_you_mean

            raise SpecError(f"imputation_group {spec.imputation_group!r} is not a column of Countries"
                            f"{did_you_mean(spec.imputation_group, dataset.countries.columns)}")
        groups = dataset.countries[spec.imputation_group].reindex(den.index).to_numpy(dtype=object)
    imp_arr, imp_mask = impute(den.to_numpy(), method=spec.imputation, groups=groups,
                               n_neighbours=spec.knn_neighbours, seed=spec.seed)
    imputed = _frame(imp_arr, den)
    imputed_mask = _frame(imp_mask, den)
    for c, i in zip(*np.nonzero(imp_mask)):
        log.append(("impute", den.index[c], den.columns[i], spec.imputation, f"{imp_arr[c, i]:.6g}"))

    cov = coverage(den)
    kept, not_scored = screen(imputed, coverage_min=spec.coverage_min,
                              measured_on=den if spec.screen_on == "observed" else imputed)
    for country, row in not_scored.iterrows():
        log.append(("screen", country, "", "not scored", row["reason"]))
    if kept.empty:
        best = cov.sort_values(ascending=False)
        top = f" (the best is {best.index[0]} with {best.iloc[0]:.0%})" if len(best) else ""
        raise MethodError(f"no country is scored: all {len(cov)} have a data coverage below coverage_min = "
                          f"{spec.coverage_min:.0%}{top}; add data or lower coverage_min")

    treated_arr, details = treat(kept.to_numpy(), method=spec.outliers, winsor_max=spec.winsor_max,
                                 skew_max=spec.skew_max, kurt_max=spec.kurt_max,
                                 fallback=spec.outlier_fallback)
    treated = _frame(treated_arr, kept)
    rows = []
    for code, d in zip(kept.columns, details):
        rows.append({"indicator": code, "skew": d.skew_before, "kurtosis": d.kurt_before,
                     "passed": d.passed_before, "winsorised": d.n_winsorised, "log": d.logged,
                     "skew_after": d.skew_after, "kurtosis_after": d.kurt_after, "passed_after": d.passed_after})
        for country in kept.index[d.high]:
            log.append(("treat", country, code, "winsorised high", ""))
        for country in kept.index[d.low]:
            log.append(("treat", country, code, "winsorised low", ""))
        if d.logged:
            log.append(("treat", "", code, "log", "log(x - min + 0.01 (max - min))"))
    treatment = pd.DataFrame(rows, columns=["indicator", "skew", "kurtosis", "passed", "winsorised", "log",
                                            "skew_after", "kurtosis_after", "passed_after"]).set_index("indicator")

    params = normalise_params(spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        norm_arr = normalise(treated.to_numpy(), ind, method=spec.normalisation,
                             by_indicator=dict(spec.normalisation_by_indicator), params=params)
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=2)
        log.append(("normalise", "", "", "warning", str(w.message)))
    normalised = _frame(norm_arr, treated)
    _check_finite(normalised, spec)

    plan = TreePlan(dataset)
    weights = node_weights(dataset, spec)
    methods = {level: spec.aggregation_by_level.get(level, spec.aggregation) for level, *_ in plan.steps}
    agg = aggregate_tree(norm_arr, weights.reindex(plan.nodes).to_numpy(), plan, methods=methods,
                         p=spec.generalised_mean_p, nonpositive=spec.nonpositive,
                         coverage_min=spec.aggregate_coverage_min)
    scores = pd.DataFrame(agg, index=kept.index, columns=plan.nodes)
    scores.index.name = "country"
    scores.columns.name = "node"
    ranks = pd.DataFrame(rank_descending(agg), index=scores.index, columns=plan.nodes)
    if scores[dataset.index_code].isna().all():
        raise MethodError(_why_no_index_score(dataset, spec, normalised, weights, plan))

    stages = {"raw": raw, "denominated": den, "imputed": imputed, "screened": kept, "treated": treated,
              "normalised": normalised, "aggregated": scores}
    log_df = pd.DataFrame(log, columns=["step", "country", "indicator", "action", "detail"])
    return Result(
        dataset=dataset, spec=spec, stages=stages, scores=scores, ranks=ranks,
        imputed=imputed_mask.loc[kept.index], coverage=cov, not_scored=not_scored, treatment=treatment,
        weights=weights, effective=effective_weights(dataset, weights), log=log_df,
        levels={c: int(lv) for c, lv in zip(plan.nodes, plan.levels)},
    )
