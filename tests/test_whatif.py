"""whatif: exact rebuilds with edited raw values; whatif_summary; the valid ranges of C8."""

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import readiness
from readiness.analysis.whatif import whatif, whatif_summary
from readiness.errors import InputError
from readiness.io.tables import from_tables
from readiness.ranges import check_values, range_rule, valid_range

from .conftest import tiny_tables




def _assert_identical(a, b):
    """Every stage, score, rank and table of two Results equal bit for bit (NaN where NaN)."""
    assert a.fingerprint() == b.fingerprint()
    for name in a.stages:
        pd.testing.assert_frame_equal(a.stages[name], b.stages[name], check_exact=True)
    for name in ("scores", "ranks", "imputed", "not_scored", "treatment", "log"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    pd.testing.assert_series_equal(a.coverage, b.coverage, check_exact=True)
    pd.testing.assert_series_equal(a.effective, b.effective, check_exact=True)


def _edited_build(result, country, values):
    """build() on a dataset whose values were edited by hand."""
    frame = result.dataset.values.copy()
    for code, value in values.items():
        frame.loc[country, code] = value
    return readiness.build(replace(result.dataset, values=frame), result.spec)


# -- exactness ----------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["asem", "default"])
def test_whatif_with_the_current_values_is_identical_bit_for_bit(which, asem_result, default_result):
    result = asem_result if which == "asem" else default_result
    country = "IND" if which == "asem" else "KEN"
    current = result.dataset.values.loc[country].dropna()
    after = whatif(result, country, current.to_dict())
    _assert_identical(after, result)


def _winsorised_indicator(result):
    """An indicator (without denominator) the build winsorised, not logged, and a country winsorised in it."""
    t = result.treatment
    plain = result.dataset.indicators["denominator"].reindex(t.index).fillna("") == ""
    codes = t.index[(t["winsorised"] > 0) & ~t["log"].astype(bool) & plain]
    assert len(codes), "the test needs an indicator that is winsorised"
    code = codes[0]
    log = result.log[(result.log["step"] == "treat") & (result.log["indicator"] == code)]
    return code, log["country"].iloc[0]


@pytest.mark.parametrize("which", ["asem", "default"])
def test_whatif_equals_build_on_a_hand_edited_dataset(which, asem_result, default_result):
    # the COINr example (group-mean imputation, 4 levels) winsorises 15 indicators: one of its top
    # outliers is brought back to the median, so that winsorisation stops or changes; the default data
    # (which may winsorise nothing) gets the new maximum only
    result = asem_result if which == "asem" else default_result
    ds = result.dataset
    country = "IND" if which == "asem" else "KEN"
    # 1. a new maximum of a plain indicator (no transform, unbounded above, passing): min-max bounds move
    plain = [c for c in ds.indicators.index
             if ds.indicators.at[c, "transform"] == "none" and math.isinf(valid_range(ds, c)[1])
             and result.treatment.at[c, "passed"] and ds.indicators.at[c, "direction"] == 1
             and not ds.indicators.at[c, "denominator"] and ds.values.at[country, c] == ds.values.at[country, c]]
    top_code = plain[0]
    new_max = float(ds.values[top_code].max()) * 1.5
    edits = {country: {top_code: new_max}}
    after = whatif(result, country, edits[country])
    if which == "asem":
        w_code, w_country = _winsorised_indicator(result)
        edits[w_country] = {w_code: float(ds.values.loc[result.scores.index, w_code].median())}
        after = whatif(after, w_country, edits[w_country])
    frame = ds.values.copy()
    for c, vals in edits.items():
        for code, value in vals.items():
            frame.loc[c, code] = value
    expected = readiness.build(replace(ds, values=frame), result.spec)
    _assert_identical(after, expected)
    # the edits did what the test claims: the bound moved, the treatment changed
    assert after.scores.at[country, top_code] == 100.0 and result.scores.at[country, top_code] < 100.0
    if which == "asem":
        def winsorised(r):
            log = r.log[(r.log["step"] == "treat") & (r.log["indicator"] == w_code)]
            return set(log["country"]), int(r.treatment.at[w_code, "winsorised"]), bool(r.treatment.at[w_code, "log"])

        assert w_country in winsorised(result)[0]
        assert winsorised(after) != winsorised(result)


@pytest.mark.parametrize("which", ["asem", "default"])
def test_whatif_that_triggers_winsorisation_equals_build(which, asem_result, default_result):
    result = asem_result if which == "asem" else default_result
    ds = result.dataset
    country = "IND" if which == "asem" else "KEN"
    passing = [c for c in ds.indicators.index
               if result.treatment.at[c, "passed"] and result.treatment.at[c, "winsorised"] == 0
               and ds.indicators.at[c, "transform"] == "none" and not ds.indicators.at[c, "denominator"]
               and math.isinf(valid_range(ds, c)[1]) and ds.indicators.at[c, "direction"] == 1]
    code = passing[0]
    huge = float(ds.values[code].max()) * 50
    after = whatif(result, country, {code: huge})
    assert after.treatment.at[code, "passed"] == False  # noqa: E712  (the outlier now fails the test)
    assert after.treatment.at[code, "winsorised"] > 0 or after.treatment.at[code, "log"]
    _assert_identical(after, _edited_build(result, country, {code: huge}))


def test_whatif_on_several_indicators_at_once_equals_build(tiny):
    result = readiness.build(tiny)
    after = whatif(result, "BBB", {"a1": 10.0, "b1": 0.0, "b2": 0.3})
    _assert_identical(after, _edited_build(result, "BBB", {"a1": 10.0, "b1": 0.0, "b2": 0.3}))
    assert after.scores.at["BBB", "a1"] == 100.0  # the new maximum


def test_whatif_does_not_modify_the_result(tiny):
    result = readiness.build(tiny)
    before = result.dataset.values.copy()
    whatif(result, "AAA", {"a1": 99.0})
    pd.testing.assert_frame_equal(result.dataset.values, before)


def test_whatif_can_make_a_country_scored():
    tables = tiny_tables()
    tables["Data"].loc[3, ["a1", "b2"]] = np.nan
    result = readiness.build(from_tables(tables, label="t"))
    assert "DDD" not in result.scores.index
    after = whatif(result, "DDD", {"a1": 2.5})
    assert "DDD" in after.scores.index


# -- ranges (C8) --------------------------------------------------------------------------
def _one(unit, values=(1.0, 1.0), transform="none"):
    ds = from_tables({
        "Data": pd.DataFrame({"country": ["AAA", "BBB"], "x": list(values)}),
        "Indicators": pd.DataFrame({"code": ["x"], "parent": ["D"], "direction": [1], "weight": [1], "unit": [unit],
                                    "transform": [transform]}),
        "Structure": pd.DataFrame({"code": ["D", "I"], "parent": ["I", ""], "weight": [1, 1]}),
        "Countries": pd.DataFrame({"country": ["AAA", "BBB"], "name": ["A", "B"]})}, label="one")
    return ds


@pytest.mark.parametrize("unit, expected", [
    ("% of population", (0.0, 100.0)),
    ("Percent", (0.0, 100.0)),
    ("% gross enrolment ratio", (0.0, math.inf)),
    ("annual % growth", (-math.inf, math.inf)),
    ("providers (0-8)", (0.0, 8.0)),
    ("HHI points (0-10,000)", (0.0, 10000.0)),
    ("Score 1-5", (1.0, 5.0)),
    ("(1 (yes)/0 (no))", (0.0, 1.0)),
    ("Score", (-math.inf, math.inf)),
    ("subscriptions per 100 people", (0.0, math.inf)),
    ("Million USD", (0.0, math.inf)),
    ("", (0.0, math.inf)),
])
def test_valid_range_from_the_unit(unit, expected):
    assert valid_range(_one(unit), "x") == expected


def test_valid_range_widens_a_bound_the_data_break():
    assert valid_range(_one("Percent", values=(-3.0, 140.0)), "x") == (-math.inf, math.inf)
    assert valid_range(_one("Percent", values=(-3.0, 40.0)), "x") == (-math.inf, 100.0)


def test_log_transform_makes_the_low_end_exclusive():
    ds = _one("servers per million people", values=(1.0, 5.0), transform="log")
    assert range_rule(ds, "x")["low_open"] is True
    with pytest.raises(InputError, match=r"x: found 0; expected a value in \(0, inf\)"):
        check_values(ds, {"x": 0})
    assert check_values(ds, {"x": "0.5"}) == {"x": 0.5}


def test_check_values_reports_every_problem_at_once():
    ds = _one("% of population")
    with pytest.raises(InputError) as err:
        check_values(ds, {"x": 120, "y": 1, "z": "abc"}, where="--value")
    assert err.value.problems == [
        "--value: x: found 120; expected a value in [0, 100] % of population (a percentage)",
        "--value: unknown indicator 'y'",
        "--value: unknown indicator 'z'",
    ]
    with pytest.raises(InputError, match="x: found 'abc'; expected a number"):
        check_values(ds, {"x": "abc"})
    with pytest.raises(InputError, match="expected a finite number"):
        check_values(ds, {"x": float("nan")})


def test_whatif_outside_the_valid_range_names_indicator_and_range(default_result):
    ds = default_result.dataset
    share = next(c for c in ds.indicators.index if valid_range(ds, c) == (0.0, 100.0))
    with pytest.raises(InputError, match=rf"^{share}: found 150; expected a value in \[0, 100\]"):
        whatif(default_result, "KE", {share: 150})
    count = next(c for c in ds.indicators.index if valid_range(ds, c)[0] == 0.0
                 and not range_rule(ds, c)["low_open"])
    with pytest.raises(InputError, match=rf"^{count}: found -1; expected a value in \[0, "):
        whatif(default_result, "KE", {count: -1})


# -- summary ------------------------------------------------------------------------------
def test_whatif_summary_hand_case(tiny):
    # before: composites AAA 20.83, BBB 37.5, CCC 75, DDD 66.67 (ranks 4, 3, 1, 2).
    # BBB gets a1 = 4, a2 = 40 (A = 100, tied best) and b2 = 1.0 (the new maximum: BBB's b2 = 100,
    # DDD's b2 falls from 66.67 to (0.75 - 0.5) / 0.5 = 50): BBB = (100 + (50 + 100) / 2) / 2 = 87.5,
    # DDD = (100 + (0 + 50) / 2) / 2 = 62.5; BBB goes from 3rd to 1st, past CCC and DDD.
    result = readiness.build(tiny)
    after = whatif(result, "BBB", {"a1": 4.0, "a2": 40.0, "b2": 1.0})
    s = whatif_summary(result, after, "BBB")
    assert [(c["indicator"], c["before"], c["after"]) for c in s["changes"]] == [
        ("a1", 2.0, 4.0), ("a2", 30.0, 40.0), ("b2", 0.25, 1.0)]
    assert s["score"]["before"] == pytest.approx(37.5) and s["score"]["after"] == pytest.approx(87.5)
    assert (s["rank"]["before"], s["rank"]["after"], s["rank"]["change"]) == (3.0, 1.0, -2.0)
    assert [o["country"] for o in s["overtaken"]] == ["CCC", "DDD"]
    assert s["overtaken_by"] == []
    assert after.scores.at["DDD", "I"] == pytest.approx(62.5)
    assert {"settings", "data_fingerprint", "dataset", "version"} <= set(s)
    assert s["data_fingerprint"] == after.fingerprint()


# -- CLI ----------------------------------------------------------------------------------
def _run(args):
    from readiness.cli.main import cli

    return CliRunner().invoke(cli, args, env={"COLUMNS": "80"})


def test_cli_whatif_table_and_json(default_result):
    ds = default_result.dataset
    code = next(c for c in ds.indicators.index if valid_range(ds, c) == (0.0, 100.0))
    out = _run(["whatif", "--country", "KE", "--value", f"{code}=99"])
    assert out.exit_code == 0, out.output
    assert "Composite" in out.output and max(len(line) for line in out.output.splitlines()[:8]) <= 80
    payload = json.loads(_run(["whatif", "-c", "KE", "--value", f"{code}=99", "--format", "json"]).output)
    assert payload["changes"][0]["indicator"] == code and payload["changes"][0]["after"] == 99
    assert {"settings", "data_fingerprint", "dataset", "version", "overtaken"} <= set(payload)


def test_cli_whatif_errors():
    out = _run(["whatif", "--country", "KE", "--value", "no_such_indicator=1"])
    assert out.exit_code == 2 and out.output.startswith("Error: --value: unknown indicator 'no_such_indicator'")
    out = _run(["whatif", "--country", "KE", "--value", "oops"])
    assert out.exit_code == 2 and "expected INDICATOR=VALUE" in out.output
