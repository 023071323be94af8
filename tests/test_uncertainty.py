"""Uncertainty analysis: the Space, the designs, the vectorised engine against build(), the summary, the cache."""

import json
import tomllib
import warnings

import numpy as np
import pandas as pd
import pytest

import readiness
from readiness import MethodError, SpecError
from readiness.analysis.uncertainty import (
    DEFAULT_VARY, MIN_SOBOL_N, Space, UncertaintyResult, check_seed, draw, evaluate, grid, load_cached,
    rank_interval, save_cache, uncertainty,
)


@pytest.fixture(scope="module")
def asem(asem_path):
    return readiness.load_dataset(asem_path)


@pytest.fixture(scope="module")
def nominal(asem):
    return readiness.build(asem)


def _assert_same_as_build(dataset, ev, replicates):
    """The engine's ranks (every kept node) equal build()'s for these replicates, exactly."""
    for r in replicates:
        built = readiness.build(dataset, ev.spec_for(r))
        expected = built.ranks[list(ev.nodes)].to_numpy()
        assert np.array_equal(ev.ranks[r].astype(float), expected), (r, ev.params.iloc[r].to_dict())


# -- seeds and the Space ------------------------------------------------------------------


def test_same_seed_same_design_other_seed_other(asem):
    space = Space.from_names(DEFAULT_VARY)
    a = draw(space, 20, seed=7, method="sobol", dataset=asem)
    b = draw(space, 20, seed=7, method="sobol", dataset=asem)
    c = draw(space, 20, seed=8, method="sobol", dataset=asem)
    assert np.array_equal(a.unit, b.unit) and not np.array_equal(a.unit, c.unit)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert np.array_equal(draw(space, 5, seed=g1, dataset=asem).unit, draw(space, 5, seed=g2, dataset=asem).unit)


@pytest.mark.parametrize("seed", [1.5, "1", True, [1]])
def test_seed_must_be_an_integer(seed):
    with pytest.raises(SpecError, match="seed must be an integer"):
        check_seed(seed)


def test_unknown_input_names_the_choices_and_the_likely_one():
    with pytest.raises(SpecError) as exc:
        Space.from_names(["weights", "normalisaton"])
    assert str(exc.value) == ("unknown input 'normalisaton'; choose from imputation, treatment, normalisation, "
                              "weights, aggregation, drop; did you mean 'normalisation'?")


@pytest.mark.parametrize("field", ["normalisation", "aggregation", "imputation", "treatment"])
def test_an_empty_set_of_alternatives_is_refused(field):
    with pytest.raises(SpecError, match=f"the set of alternatives for {field} is empty"):
        Space(**{field: ()})


@pytest.mark.parametrize("kwargs, message", [
    ({"normalisation": ("minmx",)}, "normalisation must be one of .*got 'minmx'; did you mean 'minmax'"),
    ({"aggregation": ("geometrc",)}, "aggregation must be one of .*got 'geometrc'"),
    ({"treatment": (2, "some")}, "treatment alternatives are winsorisation limits"),
    ({"treatment": (2.5,)}, "treatment alternatives are winsorisation limits"),
    ({"weights": "normal"}, "weights must be 'uniform' or 'dirichlet'"),
    ({"weights": "uniform", "weights_noise": 1.0}, "weights_noise is the"),
    ({"drop": 0}, "drop is the level"),
    ({"nonpositive": "error"}, "nonpositive must be 'shift' or 'skip'"),
])
def test_bad_space_fields(kwargs, message):
    with pytest.raises(SpecError, match=message):
        Space(**kwargs)


def test_alternatives_for_an_input_not_varied_are_an_error():
    with pytest.raises(SpecError, match="alternatives were given for aggregation, but aggregation is not among"):
        Space.from_names(["weights"], aggregation=("geometric",))


def test_space_round_trips_through_dict_and_toml():
    space = Space.from_names(["treatment", "weights", "drop"], treatment=(1, 3, "off"), weights_levels=(2, 3),
                             drop=2)
    assert space.treatment == (1, 3, "none")
    assert Space.from_mapping(space.to_dict()) == space
    assert Space.from_mapping(tomllib.loads(space.to_toml())) == space
    assert json.loads(json.dumps(space.to_dict())) == space.to_dict()


# -- designs ------------------------------------------------------------------------------


def test_sobol_design_layout_and_equality_with_salib(asem):
    from SALib.sample import sobol as salib_sobol

    d = draw(Space.from_names(DEFAULT_VARY), 32, seed=5, method="sobol", dataset=asem)
    # treatment, normalisation, 10 weights (levels 2 and 3), aggregation: 4 inputs, N (4 + 2) rows
    assert d.inputs == ("treatment", "normalisation", "weights", "aggregation")
    assert d.unit.shape == (32 * 6, 13) and d.n_rows == 192
    problem = {"num_vars": 13, "names": list(d.columns), "groups": list(d.groups), "bounds": [[0, 1]] * 13}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = salib_sobol.sample(problem, 32, calc_second_order=False, seed=5)
    assert np.array_equal(d.unit, expected)


def test_sobol_needs_enough_base_samples_and_an_input():
    with pytest.raises(SpecError, match=f"needs n >= {MIN_SOBOL_N} base samples"):
        draw(Space(normalisation=("minmax", "zscore")), MIN_SOBOL_N - 1, method="sobol")
    with pytest.raises(SpecError, match="at least one varied input"):
        draw(Space(), 64, method="sobol")
    with pytest.raises(SpecError, match="method must be 'ua' or 'sobol'"):
        draw(Space(), 4, method="sobl")
    with pytest.raises(SpecError, match="pass dataset= to draw"):
        draw(Space(weights="uniform"), 4)


def test_discrete_choices_are_uniform_over_alternatives():
    d = draw(Space(treatment=(1, 2, 3, 4, 5)), 20000, seed=2)
    shares = np.bincount(d.choice("treatment"), minlength=5) / 20000
    assert np.allclose(shares, 0.2, atol=0.01)


def test_grid_enumerates_every_combination():
    g = grid(Space(normalisation=("minmax", "zscore", "rank"), aggregation=("arithmetic", "geometric")))
    pairs = set(zip(g.choice("normalisation"), g.choice("aggregation")))
    assert g.n_rows == 6 and pairs == {(i, j) for i in range(3) for j in range(2)}
    with pytest.raises(SpecError, match="cannot enumerate"):
        grid(Space(weights="uniform"))


# -- the engine against build() -----------------------------------------------------------


def test_ranks_equal_build_bit_for_bit_with_every_input(asem):
    space = Space(imputation=("mean", "group_median"), treatment=(1, 3, "none"), normalisation=("minmax", "zscore",
                  "rank"), weights="uniform", weights_levels=(1, 2), aggregation=("arithmetic", "geometric"),
                  aggregation_per_level=True, drop=1)
    design = draw(space, 40, seed=11, dataset=asem)
    ev = evaluate(asem, None, design, chunk=7)
    assert ev.ranks.shape == (40, 51, 11) and ev.nodes[-1] == "Index"
    assert not np.isnan(ev.ranks).any() and ev.valid.all()
    _assert_same_as_build(asem, ev, range(0, 40, 5))


def test_ranks_equal_build_with_dirichlet_weights_and_skips(asem):
    space = Space(normalisation=("minmax", "zscore"), weights="dirichlet", weights_concentration=20,
                  aggregation=("arithmetic", "geometric"), aggregation_levels=(3, 4), nonpositive="skip")
    ev = evaluate(asem, None, draw(space, 30, seed=4, dataset=asem))
    # z-scores under a geometric mean at level 3 cannot run: those replicates are skipped, counted, NaN
    assert 0 < (~ev.valid).sum() < 30
    assert np.isnan(ev.ranks[~ev.valid]).all() and not np.isnan(ev.ranks[ev.valid]).any()
    _assert_same_as_build(asem, ev, np.flatnonzero(ev.valid)[:6])
    with pytest.raises(MethodError):
        readiness.build(asem, ev.spec_for(int(np.flatnonzero(~ev.valid)[0])).replace(nonpositive="error"))


def test_sobol_rows_equal_build(asem):
    design = draw(Space.from_names(DEFAULT_VARY), MIN_SOBOL_N, seed=1, method="sobol", dataset=asem)
    ev = evaluate(asem, None, design, nodes="index")
    assert ev.nodes == ("Index",) and ev.shifted.any()
    _assert_same_as_build(asem, ev, [0, 1, 2, 3, 4, 5, 50, 95])


def test_workers_and_chunks_do_not_change_the_numbers(asem):
    design = draw(Space.from_names(DEFAULT_VARY), 60, seed=3, dataset=asem)
    a = evaluate(asem, None, design)
    b = evaluate(asem, None, design, chunk=9, workers=2)
    assert np.array_equal(a.ranks, b.ranks) and np.array_equal(a.shifted, b.shifted)


def test_parameters_record_what_each_replicate_used(asem):
    space = Space(treatment=(2, "none"), weights="uniform", drop=2)
    ev = evaluate(asem, None, draw(space, 12, seed=9, dataset=asem))
    p = ev.params
    assert list(p.columns[:2]) == ["treatment", "drop"] and p.index.name == "replicate"
    for r in range(12):
        spec = ev.spec_for(r)
        if p.at[r, "treatment"] == "none":
            assert spec.outliers == "none"
        else:
            assert spec.winsor_max == int(p.at[r, "treatment"])
        for node, w in spec.weights_override.items():
            assert p.at[r, f"weights.{node}"] == w
        if p.at[r, "drop"] != "none":
            assert spec.weights_override[p.at[r, "drop"]] == 0.0
    # weights move within +/- 25% of nominal (1.0), except dropped nodes
    w = p.filter(like="weights.").to_numpy()
    assert ((w == 0) | ((w >= 0.75) & (w <= 1.25))).all()


def test_imputation_that_changes_who_is_scored_is_refused(asem):
    with pytest.raises(MethodError, match="imputation 'none' scores other countries than the nominal build"):
        evaluate(asem, None, draw(Space(imputation=("none",)), 2, seed=1))


def test_design_for_another_framework_is_refused(asem, tiny):
    design = draw(Space(weights="uniform"), 3, seed=1, dataset=tiny)
    with pytest.raises(SpecError, match="drawn for another framework"):
        evaluate(asem, None, design)


# -- the summary --------------------------------------------------------------------------


def test_nothing_varied_gives_zero_width_intervals(asem, nominal):
    ua = uncertainty(asem, None, Space(), n=25, seed=1)
    c = ua.countries
    assert (c["interval_width"] == 0).all() and (c["q05"] == c["nominal_rank"]).all()
    assert (c["median_rank"] == c["nominal_rank"]).all() and (c["mean_rank"] == c["nominal_rank"]).all()
    assert (ua.replicates["rank_shift"] == 0).all()
    assert c["nominal_rank"].equals(nominal.ranks["Index"].rename("nominal_rank").astype(float))
    assert c.loc["CHE", "p_top_10"] == 1.0 and c.loc["CHE", "p_bottom_quartile"] == 0.0
    nodes = ua.nodes
    assert set(nodes["node"]) == set(nominal.scores.columns[49:]) and (nodes["interval_width"] == 0).all()


def test_summary_statistics_match_numpy(asem):
    ua = uncertainty(asem, None, Space.from_names(DEFAULT_VARY), n=80, seed=2)
    ranks = ua.ranks.to_numpy(dtype=float)
    c = ua.countries
    assert np.allclose(c["q05"], np.quantile(ranks, 0.05, axis=0))
    assert np.allclose(c["q95"], np.quantile(ranks, 0.95, axis=0))
    assert np.allclose(c["median_rank"], np.median(ranks, axis=0))
    assert np.allclose(c["mean_rank"], ranks.mean(axis=0))
    assert np.allclose(c["p_top_quartile"], (ranks <= 51 / 4).mean(axis=0))
    assert np.allclose(c["p_bottom_quartile"], (ranks > 51 - 51 / 4).mean(axis=0))
    assert (c["q05"] <= c["median_rank"]).all() and (c["median_rank"] <= c["q95"]).all()
    assert ua.n_shifted > 0 and ua.n_skipped == 0 and c["interval_width"].max() > 0


def test_to_dict_is_json_ready(asem):
    ua = uncertainty(asem, None, Space(normalisation=("minmax", "zscore")), n=10, seed=1)
    d = json.loads(json.dumps(ua.to_dict(), allow_nan=False))
    assert d["inputs"] == ["normalisation"] and d["n"] == 10 and d["seed"] == 1
    assert {"country", "name", "nominal_rank", "mean_rank", "median_rank", "q05", "q95", "p_top_10"} <= set(
        d["countries"][0])
    assert len(d["countries"]) == 51 and d["summary"]["replicates"] == 10


# -- the cache ----------------------------------------------------------------------------


def test_cache_round_trip(asem, nominal, tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    assert load_cached(nominal) is None
    space = Space(normalisation=("minmax", "zscore"))
    ua = uncertainty(asem, None, space, n=12, seed=3)
    path = save_cache(nominal, ua)
    assert path is not None and path.is_relative_to(tmp_path)
    back = load_cached(nominal)
    assert isinstance(back, UncertaintyResult) and back.space == space and back.n == 12 and back.seed == 3
    pd.testing.assert_frame_equal(back.countries, ua.countries, check_dtype=False)
    assert np.array_equal(back.ranks.to_numpy(), ua.ranks.to_numpy())
    assert load_cached(nominal, space=space, n=12, seed=3, method="ua") is not None
    assert load_cached(nominal, n=13) is None
    assert rank_interval(back, "CHE") == rank_interval(ua, "CHE")
    other = readiness.build(asem, nominal.spec.replace(normalisation="zscore"))
    assert load_cached(other) is None
    with pytest.raises(SpecError, match="other data or settings"):
        save_cache(other, ua)
    with pytest.raises(SpecError, match="not a scored country"):
        rank_interval(ua, "XXX")


def test_unwritable_cache_only_warns(asem, nominal, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("READINESS_CACHE_DIR", str(blocker))
    ua = uncertainty(asem, None, Space(), n=2, seed=1)
    with pytest.warns(readiness.ReadinessWarning, match="could not cache"):
        assert save_cache(nominal, ua) is None


# -- memory -------------------------------------------------------------------------------


def test_a_run_that_does_not_fit_is_refused_before_allocating(asem, monkeypatch):
    import re

    from readiness.analysis import memory
    from readiness.analysis.engine import check_memory
    from readiness.analysis.sensitivity import sensitivity

    monkeypatch.setattr(memory, "available_memory", lambda: 2**30)
    with pytest.raises(SpecError) as exc:
        sensitivity(asem, None, n=1_000_000_000_000)
    message = str(exc.value)
    assert re.fullmatch(r"an analysis with n = 1,000,000,000,000 \(6,000,000,000,000 replicates\) would need about "
                        r"[\d.]+ PiB of memory, but about 1\.0 GiB is available; at most n = [\d,]+ fits", message)
    fits = int(message.rsplit("n = ", 1)[1].split()[0].replace(",", ""))
    space = Space.from_names(DEFAULT_VARY)
    check_memory(asem, space, fits, "sobol")  # what it offers does fit
    with pytest.raises(SpecError):
        check_memory(asem, space, fits + 1, "sobol")
    with pytest.raises(SpecError, match=r"^an analysis with n = 1,000,000,000,000 would need"):
        uncertainty(asem, None, n=1_000_000_000_000)
    with pytest.raises(SpecError, match="a design of n = "):
        draw(Space(normalisation=("minmax", "zscore")), 10**12)


def test_bands_and_ranks_in_json_are_integers_where_whole(asem):
    ua = uncertainty(asem, None, Space(normalisation=("minmax", "zscore")), n=10, seed=1)
    d = ua.to_dict()
    che = next(r for r in d["countries"] if r["country"] == "CHE")
    assert isinstance(che["nominal_rank"], int) and che["nominal_rank"] == 1
    assert {"settings", "data_fingerprint", "dataset", "version"} <= set(d)
    assert "spec" not in d and "fingerprint" not in d and len(d["data_fingerprint"]) == 16


# -- Sobol' points without scipy.stats ------------------------------------------------------


@pytest.mark.parametrize("d, n", [(1, 1), (2, 5), (8, 200), (12, 1000), (40, 64)])
@pytest.mark.parametrize("seed", [0, 7, "generator"])
def test_sobol_points_equal_scipy_bit_for_bit(d, n, seed):
    from scipy.stats import qmc

    from readiness.analysis.sobol import sobol_points

    ours_seed = np.random.default_rng(3) if seed == "generator" else seed
    their_seed = np.random.default_rng(3) if seed == "generator" else seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = qmc.Sobol(d=d, scramble=True, seed=their_seed).random(n)
    assert np.array_equal(sobol_points(d, n, ours_seed), expected)
    if seed == "generator":  # the caller's stream moves on as scipy's would
        assert np.array_equal(ours_seed.random(4), their_seed.random(4))


def test_a_sobol_analysis_does_not_import_scipy_stats(asem_path):
    import subprocess
    import sys

    code = ("import sys, readiness; from readiness.analysis.sensitivity import sensitivity; "
            f"sensitivity(readiness.load_dataset({str(asem_path)!r}), n=16, seed=1); "
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
