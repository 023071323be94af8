"""The one table of settings (readiness.settings) and everything it drives: Spec, files, --set, docs."""

import dataclasses
import math
import pickle
from pathlib import Path

import numpy as np
import pytest

import readiness
from readiness import Spec, SpecError
from readiness.aggregate import AGGREGATIONS
from readiness.impute import IMPUTATIONS
from readiness.normalise import NORMALISATIONS
from readiness.settings import (
    DEFAULTS, SETTINGS, check_setting, check_settings, parse_setting, settings_markdown, settings_table,
)
from readiness.treat import OUTLIER_METHODS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


# -- the table ----------------------------------------------------------------------------------


def test_the_table_is_every_spec_field_with_the_spec_defaults():
    fields = [f.name for f in dataclasses.fields(Spec)]
    assert sorted(SETTINGS) == sorted(fields)
    assert Spec().to_dict() == {name: DEFAULTS[name] for name in fields}


@pytest.mark.parametrize("name, names", [
    ("imputation", lambda: IMPUTATIONS.names),
    ("normalisation", lambda: NORMALISATIONS.names),
    ("aggregation", lambda: AGGREGATIONS.names),
    ("outliers", lambda: list(OUTLIER_METHODS)),
])
def test_choices_are_the_registry_names(name, names):
    assert SETTINGS[name].rule.names() == names()
    assert settings_table().set_index("name").loc[name, "allowed"] == ", ".join(names())


def test_table_settings_take_their_choices_from_the_registries_too():
    assert SETTINGS["normalisation_by_indicator"].rule.value.names() == NORMALISATIONS.names
    assert SETTINGS["aggregation_by_level"].rule.value.names() == AGGREGATIONS.names


def test_a_method_registered_later_is_valid_at_once(monkeypatch):
    with pytest.raises(SpecError, match="aggregation must be one of"):
        Spec(aggregation="test_mean")
    monkeypatch.setitem(AGGREGATIONS._kernels, "test_mean", lambda x, w, **_: x)
    assert Spec(aggregation="test_mean").aggregation == "test_mean"
    assert Spec(aggregation_by_level={3: "test_mean"}).aggregation_by_level[3] == "test_mean"


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_default_passes_its_own_check(name):
    assert check_setting(name, DEFAULTS[name]) == DEFAULTS[name]


@pytest.mark.parametrize("name", list(SETTINGS))
def test_a_value_of_the_wrong_type_fails_naming_the_setting(name):
    with pytest.raises(SpecError) as exc:
        Spec(**{name: ["wrong"]})
    (line,) = exc.value.problems
    assert line.startswith(f"{name} must be ") and line.endswith("got ['wrong']")


def test_incomplete_is_a_setting_with_three_choices():
    assert Spec().incomplete == "not_scored"
    assert Spec(incomplete="partial").incomplete == "partial"
    assert SETTINGS["incomplete"].rule.names() == ["not_scored", "impute", "partial"]
    with pytest.raises(SpecError, match="incomplete must be one of 'not_scored', 'impute', 'partial'; "
                                        "got 'partal'; did you mean 'partial'"):
        Spec(incomplete="partal")


# -- Spec: every field through the table ---------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"skew_max": "x"}, "skew_max must be a finite number >= 0; got 'x'"),
    ({"coverage_min": "x"}, "coverage_min must be a finite number between 0 and 1; got 'x'"),
    ({"knn_neighbours": 2.5}, "knn_neighbours must be a whole number >= 1; got 2.5"),
    ({"denominate": "maybe"}, "denominate must be true or false; got 'maybe'"),
    ({"normalisation": None}, "normalisation must be one of 'borda', .*; got None"),
    ({"weights_override": {"a1": "heavy"}}, r"weights_override.a1 must be a finite number >= 0; got 'heavy'"),
    ({"imputation_group": "  "}, "imputation_group must be a non-empty text"),
])
def test_wrong_types_are_spec_errors_naming_the_field(kwargs, message):
    with pytest.raises(SpecError, match=message):
        Spec(**kwargs)


@pytest.mark.parametrize("name, value", [
    ("skew_max", math.nan), ("kurt_max", math.inf), ("coverage_min", math.nan),
    ("aggregate_coverage_min", math.inf), ("normalisation_low", -math.inf), ("normalisation_high", math.inf),
    ("zscore_mean", math.nan), ("zscore_sd", math.inf), ("goalpost_scale", math.inf),
    ("generalised_mean_p", math.nan), ("seed", math.inf), ("winsor_max", math.nan),
    ("skew_max", np.float64("nan")), ("skew_max", "nan"), ("kurt_max", "inf"), ("skew_max", "1e400"),
])
def test_nan_and_infinite_numbers_are_refused(name, value):
    with pytest.raises(SpecError, match=f"^{name} must be a (finite|whole) number"):
        Spec(**{name: value})


def test_infinite_weight_override_is_refused():
    with pytest.raises(SpecError, match="weights_override.a1 must be a finite number >= 0; got inf"):
        Spec(weights_override={"a1": math.inf})


@pytest.mark.parametrize("name", ["skew_max", "kurt_max"])
def test_negative_skew_and_kurtosis_limits_are_refused(name):
    with pytest.raises(SpecError, match=f"{name} must be a finite number >= 0; got -0.5"):
        Spec(**{name: -0.5})
    assert getattr(Spec(**{name: 0}), name) == 0.0


@pytest.mark.parametrize("seed", [-1, 1.5, True, 2**32, "x", None])
def test_seed_is_a_whole_number_from_0_to_2_32_minus_1(seed):
    with pytest.raises(SpecError, match=f"seed must be a whole number between 0 and {2**32 - 1}"):
        Spec(seed=seed)


@pytest.mark.parametrize("seed, expected", [(0, 0), (2**32 - 1, 2**32 - 1), (np.int64(7), 7), (3.0, 3), ("12", 12)])
def test_seed_accepts_whole_numbers_in_any_form(seed, expected):
    spec = Spec(seed=seed)
    assert spec.seed == expected and type(spec.seed) is int


def test_normalisation_high_must_be_finite_and_above_low():
    with pytest.raises(SpecError, match="normalisation_high must be a finite number; got inf"):
        Spec(normalisation_high=math.inf)
    with pytest.raises(SpecError, match="normalisation_high must be greater than normalisation_low; "
                                        "got normalisation_low = 100.0 and normalisation_high = 100.0"):
        Spec(normalisation_low=100)
    with pytest.raises(SpecError, match="normalisation_high must be greater"):
        Spec(normalisation_low=1, normalisation_high=-1)


@pytest.mark.parametrize("p", [1e308, -1e308, 101, 0, 1e-300, -0.001])
def test_generalised_mean_p_outside_its_interval_is_refused(p):
    with pytest.raises(SpecError, match=r"generalised_mean_p must be a finite number between -100 and -0.01 "
                                        r"or between 0.01 and 100"):
        Spec(generalised_mean_p=p)


@pytest.mark.parametrize("p", [100, 0.01, 2])
def test_generalised_mean_p_at_its_bounds_gives_an_index_score_to_every_country(tiny, p):
    r = readiness.build(tiny, outliers="none", aggregation="generalised_mean", generalised_mean_p=p)
    assert np.isfinite(r.index_scores).all() and len(r.index_scores) == 4


def test_huge_values_are_shortened_in_messages():
    huge = "x" * 100_000
    for kwargs in ({"imputation": huge}, {"skew_max": huge}, {"weights_override": {huge: 1}},
                   {"imputation_group": huge}):
        with pytest.raises(SpecError) as exc:
            Spec(**kwargs)
        assert len(str(exc.value)) < 400 and "(100002 chars)" in str(exc.value)
    with pytest.raises(SpecError) as exc:
        parse_setting("skew_max", "9" * 100_000)
    assert len(str(exc.value)) < 200
    with pytest.raises(SpecError) as exc:
        Spec.from_mapping({huge: 1})
    assert len(str(exc.value)) < 800


def test_every_bad_field_of_a_spec_is_reported_at_once():
    with pytest.raises(SpecError) as exc:
        Spec(skew_max=-1, seed=-1, normalisation="minmx")
    assert [p.split(" must")[0] for p in exc.value.problems] == ["skew_max", "normalisation", "seed"]


def test_text_is_coerced_and_choices_ignore_case():
    spec = Spec(normalisation=" MinMax ", target_cap="yes", winsor_max=5.0, coverage_min="0.5",
                aggregation_by_level="2=geometric; 3=harmonic")
    assert (spec.normalisation, spec.target_cap, spec.winsor_max, spec.coverage_min) == ("minmax", True, 5, 0.5)
    assert type(spec.winsor_max) is int and dict(spec.aggregation_by_level) == {2: "geometric", 3: "harmonic"}
    assert Spec(denominate=np.bool_(False), transform=0).to_dict()["denominate"] is False


# -- check_setting / check_settings / parse_setting ----------------------------------------------


def test_parse_setting_coerces_set_strings():
    assert parse_setting("skew_max", " 2.5 ") == 2.5
    assert parse_setting("target_cap", "no") is False
    assert parse_setting("aggregation_by_level", "2=geometric") == {2: "geometric"}
    assert parse_setting("aggregation_by_level.2", "geometric") == "geometric"
    with pytest.raises(SpecError, match="^--set seed: seed must be a whole number .*; got '-1'$"):
        parse_setting("seed", "-1")
    with pytest.raises(SpecError, match="^--set normalization: unknown setting 'normalization'; "
                                        "did you mean 'normalisation'"):
        parse_setting("normalization", "zscore")


def test_check_settings_names_sheet_cells_for_every_problem():
    mapping = {"imputation": "avg", "normalization": "zscore", "coverage_min": 0.5, "skew_max": math.nan,
               "aggregation_by_level.two": "geometric"}
    where = {"imputation": ("Settings!A2", "Settings!B2"), "normalization": ("Settings!A3", "Settings!B3"),
             "coverage_min": "Settings!B4", "skew_max": "Settings!B5", "aggregation_by_level.two": "Settings!B6"}
    with pytest.raises(SpecError) as exc:
        check_settings(mapping, where=where)
    assert [p.split(": ")[0] for p in exc.value.problems] == [
        "Settings!B2", "Settings!A3", "Settings!B5", "Settings!B6"]
    assert exc.value.problems[0].startswith("Settings!B2: imputation must be one of 'group_mean'")
    assert exc.value.problems[3] == ("Settings!B6: aggregation_by_level keys are levels (a whole number >= 2); "
                                     "got 'two'")
    assert check_settings({"coverage_min": "0.5", "aggregation_by_level.2": "geometric"}) == {
        "coverage_min": 0.5, "aggregation_by_level": {2: "geometric"}}


def test_spec_errors_keep_their_problems_through_pickle():
    err = SpecError(["a.csv row 2: one", "a.csv row 3: two"])
    back = pickle.loads(pickle.dumps(err))
    assert back.problems == err.problems and str(back) == "a.csv row 2: one\na.csv row 3: two"


# -- settings files ---------------------------------------------------------------------------


def test_three_bad_settings_in_one_csv_file_give_three_errors_in_one_run(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("setting,value\nseed,-1\ncoverage_min,0.5\nskew_max,nan\nnormalisation,minmx\n")
    with pytest.raises(SpecError) as exc:
        readiness.read_settings(path)
    assert exc.value.problems == [
        "mine.csv row 2: seed must be a whole number between 0 and 4294967295; got '-1'",
        "mine.csv row 4: skew_max must be a finite number >= 0; got 'nan'",
        "mine.csv row 5: normalisation must be one of 'borda', 'distance_to_max', 'distance_to_target', "
        "'fraction_of_max', 'goalposts', 'minmax', 'percentile_rank', 'rank', 'zscore'; got 'minmx'; "
        "did you mean 'minmax'?",
    ]


def test_three_bad_settings_in_one_toml_file_give_three_errors_in_one_run(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('seed = -1\ncoverage_min = 0.5\nkurt_max = -3\n\n[aggregation_by_level]\n"2" = "geom"\n')
    with pytest.raises(SpecError) as exc:
        readiness.read_settings(path)
    assert [p.split(" must")[0] for p in exc.value.problems] == [
        "mine.toml line 1: seed", "mine.toml line 3: kurt_max", "mine.toml line 6: aggregation_by_level.2"]


def test_a_settings_file_reports_unknown_and_repeated_names_with_the_rest(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("setting,value\nnormalization,zscore\nseed,1\nnormalisation_high,-5\nseed,2\n"
                    "weights_override,a1=-1; a2=x\n")
    with pytest.raises(SpecError) as exc:
        readiness.read_settings(path)
    assert [p.split(": ")[0] for p in exc.value.problems] == [
        "s.csv row 2", "s.csv row 4", "s.csv row 5", "s.csv row 6", "s.csv row 6"]
    assert "normalisation_high must be greater than normalisation_low" in exc.value.problems[1]
    assert "'seed' is set a second time (s.csv row 3)" in exc.value.problems[2]


def test_blank_csv_values_leave_the_default(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("setting,value\ncoverage_min,\nincomplete,partial\n")
    assert readiness.read_settings(path) == Spec(incomplete="partial")


# -- the generated documentation --------------------------------------------------------------


def test_docs_settings_md_is_up_to_date():
    assert DOCS.read_text(encoding="utf-8") == settings_markdown(), (
        "docs/settings.md is out of date: python -c \"from readiness.settings import settings_markdown; "
        "open('docs/settings.md', 'w').write(settings_markdown())\"")


def test_settings_table_lists_every_setting_with_default_and_help():
    table = settings_table()
    assert list(table["name"]) == list(SETTINGS)
    assert {"name", "default", "allowed", "help"} <= set(table.columns)
    assert table["help"].str.len().gt(10).all()
    assert table.set_index("name").loc["seed", "default"] == "0"


def test_check_alternatives_checks_each_through_the_table_at_once():
    from readiness.settings import check_alternatives

    assert check_alternatives("aggregation", ["geometric", "Arithmetic", "geometric"]) == ("geometric", "arithmetic")
    assert check_alternatives("winsor_max", "1, 3; 5") == (1, 3, 5)
    with pytest.raises(SpecError) as exc:
        check_alternatives("normalisation", ["minmx", "zscore", "rnak"], where="space.toml")
    assert [p[:40] for p in exc.value.problems] == ["space.toml: normalisation must be one of"] * 2
    with pytest.raises(SpecError, match="the set of alternatives for imputation is empty"):
        check_alternatives("imputation", "")


def test_set_overrides_are_checked_through_the_table_all_at_once(tiny):
    from readiness.api import resolve_spec

    with pytest.raises(SpecError) as exc:
        resolve_spec(tiny, overrides=["skew_max=nan", "seed=-1", "generalised_mean_p=1e308", "normalisation_high=inf"])
    assert len(exc.value.problems) == 4
    assert all(p.startswith("--set") for p in exc.value.problems)
    spec = resolve_spec(tiny, overrides=["aggregation_by_level.2=geometric", "target_cap=yes", "incomplete=impute"])
    assert (dict(spec.aggregation_by_level), spec.target_cap, spec.incomplete) == ({2: "geometric"}, True, "impute")


@pytest.mark.parametrize("suffix", [".toml", ".csv"])
def test_a_missing_settings_file_is_a_spec_error(tmp_path, suffix):
    with pytest.raises(SpecError, match=f"^nothere{suffix}: cannot read the settings file"):
        readiness.read_settings(tmp_path / f"nothere{suffix}")


# -- any input: a coerced value that checks again to itself, or a SpecError (never another error) ------

from hypothesis import given, settings as hyp_settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ANY_VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                      st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=5), st.text(max_size=5),
                                                                          max_size=2))


@hyp_settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(SETTINGS)), value=ANY_VALUE)
def test_any_value_is_either_a_checked_value_or_a_spec_error(name, value):
    try:
        coerced = check_setting(name, value)
    except SpecError as exc:
        assert exc.problems and all(name in p and len(p) < 600 for p in exc.problems)
        return
    assert check_setting(name, coerced) == coerced
    if isinstance(coerced, float):
        assert math.isfinite(coerced)
