"""Sobol indices (against SALib and against brute-force enumeration) and remove-one analysis."""

import warnings

import numpy as np
import pandas as pd
import pytest

import readiness
from readiness import MethodError, SpecError
from readiness.io.tables import from_tables
from readiness.analysis.sensitivity import analyze, remove_one, sensitivity, sobol_indices
from readiness.analysis.uncertainty import DEFAULT_VARY, Space, draw, evaluate, grid


@pytest.fixture(scope="module")
def asem(asem_path):
    return readiness.load_dataset(asem_path)


@pytest.fixture(scope="module")
def six():
    """Six countries, four indicators (weights 1, 2, 1, 1; one negative direction) in two dimensions."""
    rng = np.random.default_rng(42)
    countries = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]
    data = pd.DataFrame(rng.lognormal(size=(6, 4)), columns=["a1", "a2", "b1", "b2"])
    data.insert(0, "country", countries)
    indicators = pd.DataFrame({"code": ["a1", "a2", "b1", "b2"], "parent": ["A", "A", "B", "B"],
                               "direction": [1, 1, 1, -1], "weight": [1, 2, 1, 1]})
    structure = pd.DataFrame({"code": ["A", "B", "I"], "parent": ["I", "I", ""], "weight": [1.0, 1.0, 1.0]})
    return from_tables({"Data": data, "Indicators": indicators, "Structure": structure,
                        "Countries": pd.DataFrame({"country": countries})}, label="six")


def _salib(problem, Y, seed):
    from SALib.analyze import sobol as salib_sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return salib_sobol.analyze(problem, Y, calc_second_order=False, num_resamples=100, seed=seed)


# -- the estimator ------------------------------------------------------------------------


def test_estimator_reproduces_salib_on_ishigami():
    from SALib.sample import sobol as salib_sample
    from SALib.test_functions import Ishigami

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    X = salib_sample.sample(problem, 1024, calc_second_order=False, seed=3)
    Y = Ishigami.evaluate(X)
    ref = _salib(problem, Y, seed=7)
    ours = sobol_indices(Y, 3, seed=7)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_allclose(ours[key], ref[key], rtol=1e-10, atol=1e-12, err_msg=key)
    # and both near the analytic values (a = 7, b = 0.1): S1 = .314, .442, 0; ST = .558, .442, .244
    np.testing.assert_allclose(ours["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(ours["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)


def test_many_outputs_at_once_equal_one_at_a_time():
    rng = np.random.default_rng(1)
    Y = rng.random((64 * 5, 4))
    together = sobol_indices(Y, 3, seed=2)
    for k in range(4):
        alone = sobol_indices(Y[:, k], 3, seed=2)
        for key in alone:
            np.testing.assert_allclose(together[key][:, k], alone[key], rtol=1e-12)


def test_estimator_input_checks():
    with pytest.raises(SpecError, match="has n x 5 rows; got 11"):
        sobol_indices(np.zeros(11), 3)
    with pytest.raises(SpecError, match="contain NaN"):
        sobol_indices(np.full(10, np.nan), 3)
    with pytest.raises(SpecError, match="conf_level"):
        sobol_indices(np.zeros(10), 3, conf_level=95)


def test_analyze_equals_salib_on_the_asem_rank_shift(asem):
    design = draw(Space.from_names(DEFAULT_VARY), 64, seed=1, method="sobol", dataset=asem)
    ev = evaluate(asem, None, design, nodes="index")
    ours = analyze(design, ev, seed=5).sobol
    problem = {"num_vars": len(design.columns), "names": list(design.columns), "groups": list(design.groups),
               "bounds": [[0, 1]] * len(design.columns)}
    ref = _salib(problem, ev.rank_shift(), seed=5)
    np.testing.assert_allclose(ours["S1"], ref["S1"], rtol=1e-10)
    np.testing.assert_allclose(ours["ST"], ref["ST"], rtol=1e-10)
    np.testing.assert_allclose(ours["S1_high"] - ours["S1"], ref["S1_conf"], rtol=1e-8)
    np.testing.assert_allclose(ours["ST"] - ours["ST_low"], ref["ST_conf"], rtol=1e-8)


# -- brute force --------------------------------------------------------------------------


def _exact_indices(design, Y):
    """Var(E[Y|Xi]) / Var(Y) and E[Var(Y|X~i)] / Var(Y) under the discrete uniform measure of a grid."""
    sizes = [len(design.alternatives[c]) for c in design.columns]
    cube = np.full(sizes, np.nan)
    cube[tuple(np.stack([design.choice(c) for c in design.columns]))] = Y
    assert not np.isnan(cube).any()
    var = cube.var()
    out = {}
    for i, c in enumerate(design.columns):
        others = tuple(j for j in range(len(sizes)) if j != i)
        out[c] = (cube.mean(axis=others).var() / var, cube.var(axis=i).mean() / var) if var > 0 else (0.0, 0.0)
    return out


def test_sobol_matches_brute_force_enumeration(six):
    """3 normalisations x 2 aggregations x (no drop or drop one of 4 indicators) = 30 combinations.

    The Sobol estimates with N = 4096 (20,480 replicates) are within 0.02 of the exact
    indices, for the mean absolute rank shift and for each country's rank.
    """
    space = Space(normalisation=("minmax", "zscore", "rank"), aggregation=("arithmetic", "geometric"), drop=1)
    g = grid(space, dataset=six)
    exact_ev = evaluate(six, None, g, nodes="index")
    exact = _exact_indices(g, exact_ev.rank_shift())
    assert exact["drop"][0] > 0.5 and exact["normalisation"][1] > 0.05  # not a degenerate case

    design = draw(space, 4096, seed=1, method="sobol", dataset=six)
    ev = evaluate(six, None, design, nodes="index")
    result = analyze(design, ev, seed=1)
    for name, (s1, st) in exact.items():
        assert abs(result.sobol.at[name, "S1"] - s1) < 0.02, name
        assert abs(result.sobol.at[name, "ST"] - st) < 0.02, name
    for k, country in enumerate(exact_ev.countries):
        per = _exact_indices(g, exact_ev.index_ranks[:, k].astype(float))
        for name, (s1, st) in per.items():
            assert abs(result.by_country.at[(country, name), "S1"] - s1) < 0.02, (country, name)
            assert abs(result.by_country.at[(country, name), "ST"] - st) < 0.02, (country, name)


def test_nothing_that_changes_the_ranks_gives_zero_indices(asem):
    """Inputs varied over a single alternative (the nominal choice): every index and interval is zero."""
    space = Space(treatment=(5,), normalisation=("minmax",), aggregation=("arithmetic",))
    result = sensitivity(asem, None, space, n=16, seed=1)
    assert (result.sobol.to_numpy() == 0).all() and (result.by_country.to_numpy() == 0).all()
    assert (result.uncertainty.countries["interval_width"] == 0).all()


def test_skipped_replicates_drop_their_blocks(asem):
    space = Space(normalisation=("minmax", "zscore"), aggregation=("arithmetic", "geometric"), nonpositive="skip")
    design = draw(space, 32, seed=2, method="sobol", dataset=asem)
    ev = evaluate(asem, None, design, nodes="index")
    result = analyze(design, ev, seed=2)
    bad_blocks = (~ev.valid).reshape(32, 4).any(axis=1).sum()
    assert 0 < bad_blocks < 32 and result.n_dropped == bad_blocks and result.n_used == 32 - bad_blocks
    assert np.isfinite(result.sobol.to_numpy()).all()


def test_all_blocks_skipped_is_a_method_error(asem):
    space = Space(normalisation=("zscore",), aggregation=("geometric",), nonpositive="skip")
    design = draw(space, 16, seed=2, method="sobol", dataset=asem)
    with pytest.raises(MethodError, match="only 0 of 16 Sobol blocks could run"):
        analyze(design, evaluate(asem, None, design, nodes="index"))


def test_analyze_needs_a_sobol_design_and_its_own_outputs(asem):
    ua = draw(Space(normalisation=("minmax", "zscore")), 8, seed=1)
    with pytest.raises(SpecError, match="needs a Sobol design"):
        analyze(ua, evaluate(asem, None, ua))
    a = draw(Space(normalisation=("minmax", "zscore")), 16, seed=1, method="sobol")
    b = draw(Space(normalisation=("minmax", "zscore")), 16, seed=2, method="sobol")
    with pytest.raises(SpecError, match="the Evaluation of this design"):
        analyze(a, evaluate(asem, None, b))


def test_sensitivity_is_reproducible_and_json_ready(asem):
    import json

    space = Space.from_names(DEFAULT_VARY)
    a = sensitivity(asem, None, space, n=16, seed=4)
    b = sensitivity(asem, None, space, n=16, seed=4)
    pd.testing.assert_frame_equal(a.sobol, b.sobol)
    pd.testing.assert_frame_equal(a.uncertainty.countries, b.uncertainty.countries)
    d = json.loads(json.dumps(a.to_dict(), allow_nan=False))
    assert [s["input"] for s in d["sobol"]] == ["treatment", "normalisation", "weights", "aggregation"]
    assert set(d["sobol"][0]) == {"input", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"}
    assert len(d["sobol_by_country"]) == 51 * 4 and len(d["countries"]) == 51
    assert d["seed"] == 4 and d["n"] == 16 and d["blocks_used"] == 16


# -- remove one ---------------------------------------------------------------------------


@pytest.mark.parametrize("level", [1, 2])
def test_remove_one_equals_build_with_a_zero_weight(six, level):
    result = remove_one(six, level=level)
    nominal = readiness.build(six)
    removed = list(result.ranks.columns)
    assert removed == (["a1", "a2", "b1", "b2"] if level == 1 else ["A", "B"])
    for code in removed:
        built = readiness.build(six, weights_override={code: 0})
        assert np.array_equal(result.ranks[code].to_numpy(), built.ranks["I"].to_numpy())
        change = built.ranks["I"] - nominal.ranks["I"]
        assert np.array_equal(result.rank_change[code].to_numpy(), change.to_numpy())
        assert result.mean_abs_change[code] == pytest.approx(change.abs().mean())


def test_remove_one_on_asem_dimensions(asem):
    result = remove_one(asem, level=2)
    assert result.rank_change.shape == (51, 8) and (result.mean_abs_change > 0).all()
    built = readiness.build(asem, weights_override={"Social": 0})
    assert np.array_equal(result.ranks["Social"].to_numpy(), built.ranks["Index"].to_numpy())
    with pytest.raises(SpecError, match="levels below the index are 1 to 3"):
        remove_one(asem, level=4)


def test_outputs_in_blocks_equal_outputs_at_once(monkeypatch):
    from readiness.analysis import sensitivity as module

    rng = np.random.default_rng(4)
    Y = rng.random((40 * 5, 9))
    whole = sobol_indices(Y, 3, seed=2)
    monkeypatch.setattr(module, "_BLOCK_VALUES", 2 * 200)  # two outputs at a time
    for key, value in sobol_indices(Y, 3, seed=2).items():
        np.testing.assert_allclose(value, whole[key], rtol=1e-12, atol=1e-15, err_msg=key)
