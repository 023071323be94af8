import numpy as np
import pytest

import readiness
from readiness import Spec, SpecError
from readiness.api import compare, league_table, profile, resolve_spec, settings_summary


def test_spec_round_trips_through_toml_and_csv(tmp_path):
    spec = Spec(imputation="group_median", aggregation_by_level={2: "geometric"}, normalisation_low=1,
                weights_override={"a1": 0.0}, coverage_min=0.5)
    (tmp_path / "s.toml").write_text(spec.to_toml())
    assert readiness.read_settings(tmp_path / "s.toml") == spec
    rows = ["setting,value"] + [f"{k},{v}" for k, v in spec.changes().items() if not isinstance(v, dict)]
    rows += ["aggregation_by_level.2,geometric", "weights_override.a1,0"]
    (tmp_path / "s.csv").write_text("\n".join(rows) + "\n")
    assert readiness.read_settings(tmp_path / "s.csv") == spec


@pytest.mark.parametrize("kwargs, message", [
    ({"imputation": "avg"}, "imputation must be one of 'group_mean', .*; got 'avg'"),
    ({"coverage_min": 1.5}, "coverage_min must be a finite number between 0 and 1; got 1.5"),
    ({"seed": "x"}, "seed must be a whole number between 0 and 4294967295; got 'x'"),
    ({"aggregation_by_level": {"two": "geometric"}}, r"aggregation_by_level keys are levels \(a whole number >= 2\)"),
    ({"weights": "pca2"}, "weights must be one of 'framework', 'equal'; got 'pca2'"),
])
def test_bad_settings_fail_on_creation(kwargs, message):
    with pytest.raises(SpecError, match=message):
        Spec(**kwargs)


def test_unknown_setting_name_suggests():
    with pytest.raises(SpecError, match="unknown setting 'normalization'; did you mean 'normalisation'"):
        Spec.from_mapping({"normalization": "zscore"})


def test_spec_is_immutable():
    spec = Spec()
    with pytest.raises(Exception):
        spec.normalisation = "zscore"
    assert spec.replace(normalisation="zscore").normalisation == "zscore" and spec.normalisation == "minmax"


def test_weight_zero_drops_an_indicator(tiny):
    base = readiness.build(tiny, outliers="none")
    dropped = readiness.build(tiny, outliers="none", weights_override={"a2": 0})
    # dimension A is now a1's min-max score alone
    np.testing.assert_allclose(dropped.scores["A"], base.stages["normalised"]["a1"])
    assert dropped.effective["a2"] == 0 and abs(dropped.effective.sum() - 1) < 1e-12


def test_profile_league_and_compare(tiny):
    r = readiness.build(tiny, outliers="none")
    # index: AAA (0 + 41.67)/2 = 20.83, BBB 37.5, CCC 75, DDD 66.67 (see test_aggregate)
    p = profile(r, "Dland")
    assert p["country"] == "DDD" and p["rank"] == 2 and p["n"] == 4
    assert p["peers"]["region"] == {"group": "R2", "median": float(np.median(r.scores.loc[["CCC", "DDD"], "I"])),
                                    "n": 2}
    table = league_table(r, top=2)
    assert list(table["country"]) == ["CCC", "DDD"]
    z = readiness.build(tiny, outliers="none", normalisation="rank")
    diff = compare(r, z)
    assert (diff["rank_change"] == diff["rank_b"] - diff["rank_a"]).all()


def test_overrides_on_top_of_dataset_settings(asem_path):
    ds = readiness.load_dataset(asem_path)
    spec = resolve_spec(ds, overrides=["normalisation=zscore", "aggregation_by_level.2=geometric"])
    assert spec.imputation == "group_mean" and spec.normalisation == "zscore"
    assert dict(spec.aggregation_by_level) == {2: "geometric"}
    assert settings_summary(Spec()) == "default settings"


def test_geometric_over_zscores_is_refused_clearly(asem_path):
    ds = readiness.load_dataset(asem_path)
    with pytest.raises(readiness.MethodError, match="needs positive scores"):
        readiness.build(ds, resolve_spec(ds, overrides=["normalisation=zscore", "aggregation=geometric"]))


def test_same_inputs_same_numbers(asem_path):
    ds = readiness.load_dataset(asem_path)
    a, b = readiness.build(ds), readiness.build(ds)
    assert a.fingerprint() == b.fingerprint()
    assert a.scores.equals(b.scores)
