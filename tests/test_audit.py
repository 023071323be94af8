"""The statistical audit: hand-computed cases, independent implementations, the CLI.

COINr conformance on its ASEM example is in tests/conformance/test_audit_coinr.py.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import readiness
from readiness.analysis.audit import THRESHOLDS, AuditResult, audit, optimise_weights
from readiness.analysis.audit_pca import handbook_weights, prcomp, varimax
from readiness.analysis.audit_stats import (average_ranks, column_stats, cronbach_alpha, pairwise_corr,
                                            pairwise_cov)
from readiness.cli import cli
from readiness.cli.audit import SHEETS

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


# -- statistics ----------------------------------------------------------------------------
def test_column_stats_by_hand():
    x = np.array([[1.0, 0.0], [2.0, 0.0], [2.0, np.nan], [7.0, 3.0]])
    s = column_stats(x)
    assert list(s["n_available"]) == [4, 3] and list(s["n_nonzero"]) == [4, 1]
    assert list(s["n_unique"]) == [3, 2] and list(s["n_same"]) == [2, 2]
    assert s["median"][0] == 2.0 and s["mean"][0] == 3.0 and s["min"][1] == 0.0 and s["max"][1] == 3.0
    assert s["sd"][0] == pytest.approx(np.sqrt(((1 - 3) ** 2 + 1 + 1 + 16) / 3), abs=1e-15)
    # shares of the values present, but the zero/unique flags over all rows (COINr)
    assert s["share_nonzero"][1] == pytest.approx(1 / 3) and s["flag_nonzero"][1]
    assert s["share_available"][1] == 0.75 and not s["flag_available"][1]
    assert not s["flag_unique"][1]  # 2 distinct values of 4 rows: 0.5, not below
    one = column_stats(np.array([[5.0], [np.nan], [np.nan], [np.nan]]))
    assert one["share_unique"][0] == 1.0 and one["flag_unique"][0]  # 1 distinct value over 4 rows


def test_skew_and_kurtosis_are_excel_skew_and_kurt():
    from scipy.stats import kurtosis, skew

    rng = np.random.default_rng(3)
    x = rng.lognormal(size=(40, 5))
    x[::7, 2] = np.nan
    s = column_stats(x)
    for j in range(5):
        v = x[:, j][~np.isnan(x[:, j])]
        assert s["skew"][j] == pytest.approx(skew(v, bias=False), abs=1e-12)
        assert s["kurtosis"][j] == pytest.approx(kurtosis(v, bias=False), abs=1e-12)


def test_few_values_give_no_skew():
    s = column_stats(np.array([[1.0], [2.0], [np.nan]]))
    assert np.isnan(s["skew"][0]) and np.isnan(s["kurtosis"][0]) and s["sd"][0] == pytest.approx(np.sqrt(0.5))


def test_average_ranks_match_scipy():
    from scipy.stats import rankdata

    x = np.array([[3.0, 1.0], [1.0, np.nan], [3.0, 1.0], [2.0, 0.0], [np.nan, 5.0]])
    r = average_ranks(x)
    for j in range(2):
        ok = ~np.isnan(x[:, j])
        np.testing.assert_array_equal(r[ok, j], rankdata(x[ok, j]))
        assert np.isnan(r[~ok, j]).all()


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_pairwise_corr_matches_pandas(method):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(30, 6)) * [1, 10, 1e4, 1, 1, 1] + [0, 0, 1e6, 0, 0, 0]
    x[:, 3] = np.round(x[:, 3])  # ties
    x[rng.random(x.shape) < 0.15] = np.nan
    r, n = pairwise_corr(x, method=method)
    expected = pd.DataFrame(x).corr(method=method).to_numpy()
    np.testing.assert_allclose(r, expected, atol=1e-12)
    assert n[0, 1] == (~np.isnan(x[:, 0]) & ~np.isnan(x[:, 1])).sum()


def test_kendall_is_tau_b_by_hand():
    # x = 1 2 3 4, y = 1 3 2 4: of the 6 pairs of rows 5 agree and 1 disagrees: (5 - 1) / 6
    x = np.array([[1.0, 1.0], [2.0, 3.0], [3.0, 2.0], [4.0, 4.0]])
    assert pairwise_corr(x, method="kendall")[0][0, 1] == pytest.approx(4 / 6, abs=1e-15)
    # a tie in x (2, 2): 5 pairs agree, none disagree; 5 pairs untied in x, 6 in y: 5 / sqrt(5 * 6)
    # (tau-b, as R's cor); the row missing in x is left out of that pair only
    x = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [2.0, 3.0, 3.0], [3.0, 4.0, 4.0], [np.nan, 0.0, 5.0]])
    r, n = pairwise_corr(x, method="kendall")
    assert r[0, 1] == pytest.approx(5 / np.sqrt(30), abs=1e-15) and n[0, 1] == 4
    # columns 1 and 2 over all 5 rows: row 5 (0 in column 1, 5 in column 2) disagrees with the other 4
    assert r[1, 2] == pytest.approx((6 - 4) / 10, abs=1e-15) and r[2, 1] == r[1, 2]
    assert np.isnan(pairwise_corr(np.array([[1.0, 2.0], [1.0, 3.0]]), method="kendall")[0][0, 1])  # constant


def test_kendall_matches_scipy_pairwise_and_in_blocks(monkeypatch):
    from scipy.stats import kendalltau

    import readiness.analysis.audit_stats as audit_stats

    rng = np.random.default_rng(11)
    x = rng.normal(size=(25, 5))
    x[:, 2] = np.round(x[:, 2])  # ties
    x[rng.random(x.shape) < 0.2] = np.nan
    r, n = pairwise_corr(x, method="kendall")
    for i in range(5):
        for j in range(5):
            ok = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            assert r[i, j] == pytest.approx(kendalltau(x[ok, i], x[ok, j]).statistic, abs=1e-13)
            assert n[i, j] == ok.sum()
    monkeypatch.setattr(audit_stats, "_BLOCK", 40)  # a few rows per block: the same sums
    np.testing.assert_array_equal(pairwise_corr(x, method="kendall")[0], r)
    r_xy, _ = pairwise_corr(x[:, :2], x[:, 2:], method="kendall")
    np.testing.assert_array_equal(r_xy, r[:2, 2:])


def test_audit_kendall_correlations(asem):
    a = AuditResult(asem.result, method="kendall")
    agg = asem.result.stages["aggregated"]
    np.testing.assert_allclose(a.correlations().to_numpy(), agg.corr(method="kendall").to_numpy(), atol=1e-12)
    assert set(a.parent_correlations()["relation"]) == {"parent", "ancestor", "index"}


def test_spearman_reranks_each_pair_in_blocks_and_for_two_arrays(monkeypatch):
    import readiness.analysis.audit_stats as audit_stats

    rng = np.random.default_rng(5)
    x = np.round(rng.normal(size=(20, 4)) * 2)  # ties
    x[rng.random(x.shape) < 0.25] = np.nan
    r, _ = pairwise_corr(x, method="spearman")
    expected = pd.DataFrame(x).corr(method="spearman").to_numpy()  # each pair over its complete rows
    np.testing.assert_allclose(r, expected, atol=1e-13)
    monkeypatch.setattr(audit_stats, "_BLOCK", 30)  # a row or two per block: the same sums
    np.testing.assert_allclose(pairwise_corr(x, method="spearman")[0], r, atol=1e-15)
    np.testing.assert_allclose(pairwise_corr(x[:, :1], x[:, 1:], method="spearman")[0], r[:1, 1:], atol=1e-15)


def test_pairwise_cov_matches_pandas():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(25, 4))
    x[rng.random(x.shape) < 0.2] = np.nan
    np.testing.assert_allclose(pairwise_cov(x), pd.DataFrame(x).cov().to_numpy(), atol=1e-13)


def test_cronbach_by_hand():
    x = np.array([[1.0, 2.0, 4.0], [2.0, 2.0, 5.0], [3.0, 4.0, 5.0], [4.0, 5.0, 7.0]])
    k = 3
    var_items = x.var(axis=0, ddof=1).sum()
    var_total = x.sum(axis=1).var(ddof=1)
    assert cronbach_alpha(x) == pytest.approx(k / (k - 1) * (1 - var_items / var_total), abs=1e-14)
    same = np.repeat(x[:, :1], 4, axis=1)
    assert cronbach_alpha(same) == pytest.approx(1.0, abs=1e-14)
    assert np.isnan(cronbach_alpha(x[:, :1]))


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (12, 4), elements=st.floats(-1e3, 1e3, allow_nan=False)))
def test_correlations_are_symmetric_bounded_and_permutation_equivariant(x):
    r, _ = pairwise_corr(x)
    assert np.allclose(r, r.T, equal_nan=True)
    assert (np.abs(r[~np.isnan(r)]) <= 1).all()
    perm = [2, 0, 3, 1]
    r2, _ = pairwise_corr(x[:, perm])
    assert np.allclose(r2, r[np.ix_(perm, perm)], equal_nan=True)


# -- PCA -------------------------------------------------------------------------------------
def test_prcomp_matches_sklearn_on_standardised_data():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)) @ rng.normal(size=(4, 4))
    x[3, 1] = np.nan  # dropped, as na.omit
    pc = prcomp(x)
    z = x[~np.isnan(x).any(axis=1)]
    z = (z - z.mean(axis=0)) / z.std(axis=0, ddof=1)
    sk = PCA().fit(z)
    np.testing.assert_allclose(pc["prop_var"], sk.explained_variance_ratio_, atol=1e-12)
    np.testing.assert_allclose(pc["sdev"] ** 2, sk.explained_variance_, atol=1e-12)
    np.testing.assert_allclose(np.abs(pc["rotation"]), np.abs(sk.components_.T), atol=1e-10)
    assert pc["n"] == 49 and pc["dropped"] == 1


def test_varimax_is_an_orthogonal_rotation_keeping_communalities():
    rng = np.random.default_rng(5)
    load = rng.normal(size=(6, 2))
    rotated, tt = varimax(load)
    np.testing.assert_allclose(tt @ tt.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose((rotated ** 2).sum(axis=1), (load ** 2).sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(rotated, load @ tt, atol=1e-12)


def test_handbook_weights_sum_to_one_and_favour_the_common_factor():
    rng = np.random.default_rng(2)
    f = rng.normal(size=(200, 1))
    x = np.hstack([f + 0.1 * rng.normal(size=(200, 3)), rng.normal(size=(200, 1))])
    w, m = handbook_weights(x)
    assert abs(w.sum() - 1) < 1e-12 and (w >= 0).all() and m >= 1


# -- the audit object ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def asem():
    from tests.conftest import ASEM

    return audit(readiness.build(readiness.load_dataset(ASEM)))


@pytest.fixture
def tiny_audit(tiny):
    return audit(readiness.build(tiny))


def test_tiny_effective_weights_and_alpha(tiny):
    r = readiness.build(tiny, readiness.Spec(weights_override={"a1": 3.0, "B": 3.0}, coverage_min=0.0))
    eff = audit(r).effective_weights()
    assert eff.at["I", "effective_weight"] == 1.0
    assert eff.at["A", "effective_weight"] == pytest.approx(0.25) and eff.at["B", "effective_weight"] == 0.75
    assert eff.at["a1", "effective_weight"] == pytest.approx(0.25 * 0.75)
    ind = eff[eff["level"] == 1]["effective_weight"]
    assert ind.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(ind.to_numpy(), r.effective.reindex(ind.index).to_numpy(), atol=1e-15)


def test_tiny_audit_tables(tiny_audit):
    a = tiny_audit
    norm = a.result.stages["normalised"]
    assert a.cronbach("A", 1) == pytest.approx(cronbach_alpha(norm[["a1", "a2"]].to_numpy()))
    assert a.descendants("I", 1) == ["a1", "a2", "b1", "b2"] and a.ancestors("b2") == ["B", "I"]
    head = a.headline()
    assert set(head["alpha"]) == {"A", "B"} and set(head) == {"alpha", "flagged", "n_flags", "pc1_share"}
    assert head["n_flags"] == len(a.flags())
    assert list(a.flags().columns) == ["kind", "subject", "detail", "value"]
    for name, table in a.tables().items():
        assert isinstance(table, pd.DataFrame), name


def test_headline_names_flagged_indicators(asem):
    head = asem.headline()
    assert head["alpha"]["Conn"] == pytest.approx(asem.cronbach("Conn", 1))
    assert "TBTs" in head["flagged"] and "negative correlation" in head["flagged"]["TBTs"]
    low = asem.flags()[asem.flags()["kind"] == "low alpha"]
    assert set(low["subject"]) >= {"Instit", "SusEcFin"}  # alpha 0.28 and -0.38 (COINr's values)


def test_thresholds_change_the_flags(asem):
    loose = AuditResult(asem.result, thresholds={"parent_low": -1.0, "parent_high": 1.0, "alpha_low": -1.0,
                                                 "pair_high": 1.0, "pair_low": -1.0})
    kinds = set(loose.flags()["kind"])
    assert not kinds & {"weak correlation", "redundant", "low alpha", "near-duplicates", "opposed pair"}
    assert "negative correlation" in kinds  # negative stays negative
    assert THRESHOLDS["t_avail"] == 0.65


def test_cronbach_table_over_indicators_and_children(asem):
    t = asem.cronbach_table().set_index(["node", "over"])
    assert t.at[("Conn", "children"), "items"] == 5 and t.at[("Index", "children"), "items"] == 2
    assert t.at[("Index", "children"), "alpha"] == pytest.approx(asem.cronbach("Index", 3), abs=1e-15)
    assert t.at[("Instit", "indicators"), "alpha"] == pytest.approx(asem.cronbach("Instit", 1), abs=1e-15)
    assert ("Instit", "children") not in t.index


def test_default_dataset_audit_runs_on_a_mixed_depth_tree():
    r = readiness.build(readiness.load_dataset())
    a = audit(r)
    head = a.headline()
    assert list(head["alpha"]) == r.dataset.dimensions
    for dim in r.dataset.dimensions:
        assert len(a.descendants(dim, 1)) >= 1
    eff = a.effective_weights()
    assert eff.loc[r.dataset.dimensions, "effective_weight"].sum() == pytest.approx(1.0)
    assert eff[eff["level"] == 1]["effective_weight"].sum() == pytest.approx(1.0)
    pca = a.pca(1)
    assert set(pca.weights["node"]) == set(r.dataset.indicators.index)


@pytest.mark.parametrize("call, match", [
    (lambda a: a.stats("rwa"), "unknown stage 'rwa'.*raw"),
    (lambda a: a.stats("raw", t_skw=1), "unknown threshold"),
    (lambda a: a.correlations(method="kendal"), "pearson, spearman, kendall"),
    (lambda a: a.correlations(method="kendall", pval=0.05), "pval=0 with kendall"),
    (lambda a: a.correlation_flags(kind="middle"), "'high' or 'low'"),
    (lambda a: a.correlation_flags(level=9), "level 9"),
    (lambda a: a.cronbach("Nope"), "unknown node"),
    (lambda a: a.pca(4), "level 4"),
])
def test_bad_arguments_are_spec_errors(asem, call, match):
    with pytest.raises(readiness.SpecError, match=match):
        call(asem)


def test_audit_needs_a_result():
    with pytest.raises(readiness.SpecError, match="needs a Result"):
        audit("not a result")
    with pytest.raises(readiness.SpecError, match="needs a Result"):
        optimise_weights(None)


def test_optimise_weights_target_series_and_errors(asem):
    r = asem.result
    opt = optimise_weights(r, 3, pd.Series({"Conn": 1.0, "Sust": 3.0}))
    assert list(opt.table["target"]) == [0.25, 0.75]
    assert opt.table["share_after"]["Sust"] > opt.table["share_before"]["Sust"]
    with pytest.raises(readiness.SpecError, match="not a node at level 3"):
        optimise_weights(r, 3, pd.Series({"Conn": 1.0, "Sus": 1.0}))
    with pytest.raises(readiness.SpecError, match="no value for Sust"):
        optimise_weights(r, 3, pd.Series({"Conn": 1.0}))
    with pytest.raises(readiness.SpecError, match="level must be"):
        optimise_weights(r, 4)


def test_lazy_names():
    assert readiness.audit is audit and readiness.AuditResult is AuditResult
    assert readiness.optimise_weights is optimise_weights


# -- the command -------------------------------------------------------------------------------
def test_cli_table_flags_first_and_80_columns(asem_path):
    out = run("audit", "--data", asem_path, env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    text = out.stdout
    assert text.index("Flags:") < text.index("Cronbach's alpha") < text.index("Principal components") \
        < text.index("Indicators, raw data") < text.index("Effective weights")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "Institutional (Instit)" in text and "0.28" in text


def test_cli_json_and_csv(asem_path):
    out = run("audit", "--data", asem_path, "--format", "json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert {"settings", "data_fingerprint", "dataset", "version", "headline", "flags", "alpha"} <= set(payload)
    assert payload["headline"]["alpha"]["Sust"] == pytest.approx(0.6794642550917461, abs=1e-12)
    csv = run("audit", "--data", asem_path, "--format", "csv")
    assert csv.stdout.splitlines()[0] == "kind,subject,detail,value"


def test_cli_workbook(asem_path, tmp_path):
    import openpyxl

    path = tmp_path / "audit.xlsx"
    out = run("audit", "--data", asem_path, "--out", path, "--format", "json")
    assert out.exit_code == 0, out.output
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames[0] == "About"
    assert set(wb.sheetnames[1:]) <= set(SHEETS.values()) and "Flags" in wb.sheetnames
    ws = wb["Cronbach alpha"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("node", "level", "over", "items", "alpha")
    instit = next(r for r in rows if r[0] == "Instit")
    assert instit[4] == pytest.approx(0.28478931428577337, abs=1e-12)


def test_cli_kendall(asem_path):
    out = run("audit", "--data", asem_path, "--method", "kendall", "--format", "json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload["correlation_method"] == "kendall"


def test_cli_bad_setting_is_a_one_line_error(asem_path):
    out = run("audit", "--data", asem_path, "--set", "normalisation=minmx")
    assert out.exit_code == 2 and "Error:" in out.output and "Traceback" not in out.output


def test_audit_does_not_import_heavy_packages(asem_path):
    code = ("import sys; from readiness.cli import cli; "
            f"cli(['audit', '--data', r'{asem_path}'], standalone_mode=False); "
            "print('HEAVY', [m for m in ('weasyprint', 'matplotlib', 'sklearn', 'scipy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("HEAVY []")


def test_audit_table_on_the_default_data_imports_only_what_it_shows():
    # the default data are CSV files: no openpyxl unless --out; optimise_weights not needed
    code = ("import sys; from readiness.cli import cli; cli(['audit'], standalone_mode=False); "
            "print('HEAVY', [m for m in ('scipy', 'sklearn', 'openpyxl', 'readiness.analysis.weights_opt') "
            "if m in sys.modules])")
    env = {**os.environ, "READINESS_NO_CACHE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip().endswith("HEAVY []")
