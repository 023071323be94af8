"""COINr conformance of the statistical audit on COINr's ASEM example, to 1e-9.

References in asem/audit_reference/ are COINr 1.1.14's own outputs (MIT licence,
asem/audit_reference/LICENSE): get_stats on the raw data, get_data_avail, get_cronbach,
get_PCA's variances and get_eff_weights. Where COINr's outputs are not stored here
(correlations and their flags, loadings and PCA weights, optimised weights, Copeland),
the test computes COINr's documented definition independently (pandas, numpy
eigen-decomposition, a direct transcription of the R function) and compares.

Known COINr quirks (we follow the documented definition and say so here):

* get_stats: ``Frc.NonZero`` and ``Frc.Unique`` divide by the values present, but the
  ``Flag.NonZero`` and ``Flag.Unique`` flags divide by all rows (missing counts against
  the indicator). We reproduce both exactly (the flag columns are checked below).
* get_corr_flags: documented as reporting each pair once (upper triangle), but the code
  lengthens the full matrix, so each pair appears twice, and after its two ``merge``
  calls the columns labelled ``Ind1``/``Ind2`` hold the second and first indicator (rows
  sorted by the second). It also rounds to 3 decimals. We list each pair once, first
  indicator earlier in the framework, full precision.
* get_opt_weights: the reported ``Obtained`` correlations are those of the *last*
  objective evaluation of the optimiser (not necessarily at the returned weights), and
  they come in ``merge`` order (sorted codes) while ``Desired`` and ``OptWeight`` are in
  weight-table order. We report correlations before and after, recomputed at the
  weights, by node.
* get_PCA: the sign of a component is arbitrary (LAPACK's); loadings are compared up to
  the sign of each component.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import readiness
from readiness.analysis.audit import audit, optimise_weights
from readiness.analysis.weights_opt import nelder_mead

HERE = Path(__file__).parent
REF = HERE / "asem" / "audit_reference"


@pytest.fixture(scope="module")
def result():
    return readiness.build(readiness.load_dataset(HERE / "asem.xlsx"))


@pytest.fixture(scope="module")
def report(result):
    return audit(result)


def _ref(name):
    return pd.read_csv(REF / f"{name}.csv")


STATS = {"Min": "min", "Max": "max", "Mean": "mean", "Median": "median", "Std": "sd", "Skew": "skew",
         "Kurt": "kurtosis", "N.Avail": "n_available", "N.NonZero": "n_nonzero", "N.Unique": "n_unique",
         "N.Same": "n_same", "Frc.Avail": "share_available", "Frc.NonZero": "share_nonzero",
         "Frc.Unique": "share_unique", "Frc.Same": "share_same"}
FLAGS = {"Flag.Avail": "flag_available", "Flag.NonZero": "flag_nonzero", "Flag.Unique": "flag_unique",
         "Flag.SkewKurt": "flag_skew_kurtosis"}


@pytest.mark.parametrize("coinr, ours", list(STATS.items()), ids=list(STATS))
def test_stats_raw(report, coinr, ours):
    ref = _ref("E_stats_raw").set_index("iCode")
    got = report.stats("raw").loc[ref.index, ours].to_numpy(float)
    expected = ref[coinr].to_numpy(float)
    # Mean of values up to 1e5: compare relative to the magnitude as well as absolutely
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("coinr, ours", list(FLAGS.items()), ids=list(FLAGS))
def test_stats_flags(report, coinr, ours):
    ref = _ref("E_stats_raw").set_index("iCode")
    flagged = ref[coinr] != "ok"
    assert (report.stats("raw").loc[ref.index, ours] == flagged).all()


def test_stats_thresholds_are_arguments(report):
    strict = report.stats("raw", t_unq=0.0, t_skew=100.0)
    assert not strict["flag_unique"].any() and not strict["flag_skew_kurtosis"].any()


def test_availability(report):
    ref = _ref("C_data_avail_raw_summary").set_index("uCode")
    ours = report.availability("raw").loc[ref.index]
    cols = {"N_missing": "n_missing", "N_zero": "n_zero", "N_miss_or_zero": "n_missing_or_zero",
            "Dat_Avail": "share_available", "Non_Zero": "share_nonzero"}
    for coinr, col in cols.items():
        np.testing.assert_allclose(ours[col].to_numpy(float), ref[coinr].to_numpy(float), rtol=0, atol=1e-12)


def test_availability_by_group_is_share_of_descendant_indicators(report, result):
    by = report.availability_by_group("raw")
    raw = result.stages["raw"]
    for node in ("Physical", "Conn", "Sust"):
        kids = report.descendants(node, 1)
        np.testing.assert_allclose(by[node], raw[kids].notna().mean(axis=1), atol=1e-15)
    assert "Index" not in by.columns  # COINr's ByGroup stops below the top level


def test_cronbach(report):
    ref = _ref("G_cronbach")
    for group, level, alpha in ref.itertuples(index=False):
        assert abs(report.cronbach(group, level) - alpha) < 1e-9, group


def test_pca_variance(report):
    ref = _ref("H_pca_L2_variance")
    pca = report.pca(2, by_groups=False)
    np.testing.assert_allclose(pca.variance["sdev"], ref["sdev"], atol=1e-9)
    np.testing.assert_allclose(pca.variance["prop_var"], ref["prop_var"], atol=1e-9)
    assert list(pca.variance["component"]) == list(ref["PC"])


@pytest.mark.parametrize("level, by_groups", [(1, True), (2, False), (2, True)])
def test_pca_loadings_are_eigenvectors_of_the_correlation_matrix(report, result, level, by_groups):
    pca = report.pca(level, by_groups=by_groups)
    data = result.stages["aggregated"]
    for group, rows in pca.loadings.groupby("group", sort=False):
        x = data[list(rows["node"])].dropna()
        vals, vecs = np.linalg.eigh(np.corrcoef(x.to_numpy().T))
        vals, vecs = vals[::-1], vecs[:, ::-1]
        k = len(rows)
        load = rows[[f"PC{i + 1}" for i in range(k)]].to_numpy(float)
        signs = np.sign((load * vecs).sum(axis=0))
        np.testing.assert_allclose(load, vecs * signs, atol=1e-9)
        sd = pca.variance.loc[pca.variance["group"] == group, "sdev"].to_numpy()
        np.testing.assert_allclose(sd ** 2, vals, atol=1e-9)
        w = pca.weights[pca.weights["group"] == group]
        np.testing.assert_allclose(w["coinr"].to_numpy(), load[:, 0], atol=0)  # COINr: PC1 loadings as they are
        assert abs(w["handbook"].sum() - 1) < 1e-12 and (w["handbook"] >= 0).all()


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_correlations_pairwise_complete(report, result, method):
    ours = report.correlations("raw", method)
    expected = result.stages["raw"].corr(method=method)  # pandas: pairwise-complete, as R's cor
    np.testing.assert_allclose(ours.to_numpy(), expected.to_numpy(), atol=1e-9)


@pytest.mark.parametrize("kind, threshold, level", [("high", 0.75, 2), ("high", 0.9, 2), ("low", -0.4, 2),
                                                    ("high", 0.5, 3)])
def test_correlation_flags(report, result, kind, threshold, level):
    flags = report.correlation_flags(threshold, kind=kind, level=level)
    corr = result.stages["normalised"].corr()
    ds = result.dataset
    expected = set()
    codes = list(ds.indicators.index)
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            r = corr.at[a, b]
            if ds.ancestor_at(a, level) == ds.ancestor_at(b, level) and (r > threshold if kind == "high"
                                                                         else r < threshold):
                expected.add((ds.ancestor_at(a, level), a, b))
    assert set(map(tuple, flags[["group", "indicator_1", "indicator_2"]].to_numpy())) == expected
    for g, a, b, r in flags.itertuples(index=False):
        assert abs(r - corr.at[a, b]) < 1e-9


def test_parent_correlations(report, result):
    pc = report.parent_correlations()
    corr = result.stages["aggregated"].corr()
    assert len(pc) == sum(len(report.ancestors(c)) for c in result.stages["aggregated"].columns)
    for node, level, anc, rel, r, flag in pc.itertuples(index=False):
        assert abs(r - corr.at[node, anc]) < 1e-9
        assert flag == ("negative" if r < 0 else "weak" if r < 0.3 else "redundant" if r > 0.9 else "")
    ship = pc[pc["node"] == "Ship"].set_index("ancestor")
    assert list(ship["relation"]) == ["parent", "ancestor", "index"]


def test_effective_weights(report):
    ref = _ref("I_effective_weights").set_index("iCode")
    ours = report.effective_weights().loc[ref.index]
    np.testing.assert_allclose(ours["effective_weight"], ref["EffWeight"], rtol=0, atol=1e-12)
    assert (ours["level"] == ref["Level"]).all()
    np.testing.assert_allclose(ours["weight"], ref["Weight"], atol=0)


def test_nelder_mead_is_r_optim():
    # R's documented example: optim(c(-1.2, 1), fr) on Rosenbrock's function gives par
    # 1.000260 1.000506, value 8.825241e-08, 195 function evaluations (R's nmmin).
    def fr(x):
        return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2

    x, value, evaluations, code = nelder_mead(fr, [-1.2, 1.0], reltol=np.sqrt(np.finfo(float).eps))
    np.testing.assert_allclose(x, [1.000260, 1.000506], atol=5e-7)
    assert abs(value - 8.825241e-08) < 5e-14
    assert evaluations == 195 and code == 0


def test_optimise_weights_balances_level_3(result):
    opt = optimise_weights(result, 3)  # COINr's vignette: get_opt_weights(coin, itarg = "equal", Level = 3)
    t = opt.table
    assert abs(t["weight"].sum() - 1) < 1e-12
    assert opt.objective <= opt.objective_before
    before = np.abs(t["share_before"] - t["target"]).sum()
    after = np.abs(t["share_after"] - t["target"]).sum()
    assert after < before
    # the correlations after are those of a build with the optimised weights
    rebuilt = readiness.build(result.dataset, result.spec.replace(weights_override=dict(opt.weights[t.index])))
    corr = rebuilt.stages["aggregated"].corr()
    np.testing.assert_allclose(t["correlation_after"], corr.loc[t.index, "Index"], atol=1e-9)


def test_optimise_weights_refuses_insignificant_start(result):
    # Environ and SusEcFin correlate with the index at p > 0.05: COINr's objective is NA at
    # the start and R's optim stops ("function cannot be evaluated at initial parameters").
    with pytest.raises(readiness.MethodError, match="not significant"):
        optimise_weights(result, 2)
    opt = optimise_weights(result, 2, pval=0)
    assert opt.table.shape[0] == 8


def coinr_copeland(x, w):
    """COINr 1.1.14's a_copeland, transcribed: outranking matrix (upper triangle computed,
    lower = 1 - upper), entries > 0.5 -> 1, < 0.5 -> -1, 0.5 -> 0, row sums. Weights scaled
    to sum to one over all children; a missing comparison contributes nothing."""
    x = np.asarray(x, float)
    w = np.asarray(w, float) / np.nansum(w)
    gt = x[:, None, :] > x[None, :, :]
    eq = x[:, None, :] == x[None, :, :]
    share = (gt * w).sum(-1) + (eq * w).sum(-1) / 2
    up = np.triu(np.ones((len(x), len(x)), bool), 1)
    orm = np.where(up, share, 0.0)
    orm = orm + np.where(up.T, 1 - orm.T, 0.0)
    sign = np.sign(orm - 0.5)
    np.fill_diagonal(sign, 0)
    return sign.sum(axis=1)


def test_coinr_copeland_transcription_matches_coinr_unit_test():
    # COINr's tests/testthat/test-aggregate.R: X with columns 1:4, c(3:1, 5), c(2, 3, 1, 4)
    x = np.array([[1, 3, 2], [2, 2, 3], [3, 1, 1], [4, 5, 4]], float)
    assert list(coinr_copeland(x, np.ones(3))) == [-1, 1, -3, 3]
    assert list(coinr_copeland(np.array([[1.0, 2.0], [2.0, 1.0]]), np.ones(2))) == [0, 0]


def test_copeland_aggregation_matches_coinr(result):
    spec = result.spec.replace(aggregation="copeland", aggregate_coverage_min=0)
    r = readiness.build(result.dataset, spec)
    agg = r.stages["aggregated"]
    for node in ("Physical", "Instit", "Conn", "Index"):
        kids = result.dataset.children(node)
        expected = coinr_copeland(agg[kids].to_numpy(), r.weights[kids].to_numpy())
        np.testing.assert_allclose(agg[node].to_numpy(), expected, atol=1e-9)
