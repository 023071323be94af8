"""explain and compare_countries: per-indicator detail, exact contributions, countries side by side."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import readiness
from readiness.analysis.explain import (COLUMNS, compare_countries, contributions, country_weights, explain,
                                        explain_payload, lever_flags)
from readiness.errors import UnknownCountryError
from readiness.io.tables import from_tables

from .conftest import tiny_tables




def _tiny(cells):
    tables = tiny_tables()
    for (country, code), value in cells.items():
        tables["Data"].loc[tables["Data"]["country"] == country, code] = value
    return from_tables(tables, label="tiny")


# -- contributions ----------------------------------------------------------------------
@pytest.mark.parametrize("which", ["default", "asem"])
def test_contributions_sum_to_composite_for_every_scored_country(which, default_result, asem_result):
    result = default_result if which == "default" else asem_result
    total = contributions(result).sum(axis=1)
    composite = result.scores[result.index_code]
    scored = composite.notna()
    assert scored.sum() > 40
    np.testing.assert_allclose(total[scored], composite[scored], rtol=0, atol=1e-9)


@pytest.mark.parametrize("which", ["default", "asem"])
def test_effective_weights_sum_to_one_for_every_scored_country(which, default_result, asem_result):
    result = default_result if which == "default" else asem_result
    w = country_weights(result)
    scored = result.scores[result.index_code].notna()
    np.testing.assert_allclose(w[scored].sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_effective_weight_renormalised_over_present_indicators_hand_computed():
    # AAA lacks a2: in dimension A, a1 carries A's whole half; b1 and b2 a quarter each
    result = readiness.build(_tiny({("AAA", "a2"): np.nan}))
    w = country_weights(result).loc["AAA"]
    assert w.to_dict() == pytest.approx({"a1": 0.5, "a2": 0.0, "b1": 0.25, "b2": 0.25}, abs=1e-15)
    rows = explain(result, "AAA").set_index("indicator")
    # min-max over the 4 countries: a1 = [1,2,3,4] -> AAA 0; b1 (direction -1) over [5,5,1,9] -> (9-5)/8 = 50;
    # b2 [0.5,0.25,1,0.75] -> (0.5-0.25)/0.75 = 33.33
    assert rows.loc["a1", "score"] == 0.0
    assert rows.loc["b1", "contribution"] == pytest.approx(0.25 * 50.0)
    assert rows.loc["b2", "contribution"] == pytest.approx(0.25 * 100 / 3)
    assert rows.loc["a2", "status"] == "missing" and rows.loc["a2", "contribution"] == 0.0
    assert rows["contribution"].sum() == pytest.approx(result.scores.at["AAA", "I"], abs=1e-12)


def test_geometric_log_contributions_sum_to_log_composite(default_result):
    result = readiness.build(default_result.dataset, default_result.spec.replace(
        aggregation="geometric", normalisation_low=1.0))
    frame = explain(result, "KE")
    assert frame.attrs["decomposition"] == "geometric"
    assert frame["contribution"].sum() == pytest.approx(math.log(frame.attrs["score"]), abs=1e-9)
    total = contributions(result).sum(axis=1)
    np.testing.assert_allclose(total, np.log(result.scores[result.index_code]), atol=1e-9)


@pytest.mark.parametrize("settings", [{"aggregation": "harmonic", "normalisation_low": 1.0},
                                      {"aggregation": "generalised_mean", "generalised_mean_p": 2.0},
                                      {"aggregation_by_level": {2: "geometric"}, "normalisation_low": 1.0}])
def test_other_means_split_the_composite_exactly(settings, asem_result):
    result = readiness.build(asem_result.dataset, asem_result.spec.replace(**settings))
    total = contributions(result).sum(axis=1)
    np.testing.assert_allclose(total, result.scores[result.index_code], rtol=0, atol=1e-9)
    assert explain(result, "CHE").attrs["decomposition"] == "power_shares"


# -- explain ----------------------------------------------------------------------------
def test_explain_columns_are_the_stable_key_set(default_result):
    frame = explain(default_result, "KE")
    assert tuple(frame.columns) == COLUMNS
    assert list(frame["indicator"]) == list(default_result.dataset.indicators.index)
    assert set(frame["status"]) <= {"observed", "imputed", "missing"}


def test_explain_row_matches_the_result(default_result):
    result, ds = default_result, default_result.dataset
    frame = explain(result, "Kenya").set_index("indicator")
    code = ds.indicators.index[ds.values.loc["KEN"].notna().to_numpy()][0]
    assert frame.loc[code, "value"] == ds.values.at["KEN", code]
    assert frame.loc[code, "score"] == result.scores.at["KEN", code]
    assert frame.loc[code, "rank"] == result.ranks.at["KEN", code]
    region = ds.countries.index[(ds.countries["region"] == ds.countries.at["KEN", "region"])]
    assert frame.loc[code, "region_median"] == result.scores.loc[region.intersection(result.scores.index),
                                                                 code].median()


def test_explain_reports_winsorised_values_in_the_raw_unit(asem_path):
    # one huge value: COINr's rule winsorises it to the next value (10.0), reported as treated
    tables = tiny_tables()
    extra = pd.DataFrame({"country": [f"XA{chr(65 + i)}" for i in range(12)],
                          "a1": np.arange(12.0), "a2": np.arange(12.0), "b1": np.arange(12.0),
                          "b2": np.arange(12.0)})
    tables["Data"] = pd.concat([tables["Data"], extra], ignore_index=True)
    tables["Data"].loc[tables["Data"]["country"] == "XAL", "a1"] = 1000.0
    tables["Countries"] = pd.concat([tables["Countries"], pd.DataFrame(
        {"country": extra["country"], "name": extra["country"], "region": "R3", "income_group": "H"})])
    result = readiness.build(from_tables(tables, label="t"))
    row = explain(result, "XAL").set_index("indicator").loc["a1"]
    assert row["treatment"] == "winsorised high"
    assert row["treated"] == 10.0
    assert row["value"] == 1000.0


def test_explain_not_scored_country_says_what_is_missing_and_how_many_more():
    # DDD keeps 2 of 4 indicators: coverage 50% < 66%; it needs ceil(0.66 * 4) = 3, so one more
    result = readiness.build(_tiny({("DDD", "a1"): np.nan, ("DDD", "b2"): np.nan}))
    frame = explain(result, "DDD")
    info = frame.attrs["not_scored"]
    assert frame.attrs["scored"] is False
    assert info["missing"] == ["a1", "b2"]
    assert (info["present"], info["indicators"], info["needed"]) == (2, 4, 1)
    assert "coverage 50%" in info["reason"]
    assert frame["score"].isna().all() and frame["contribution"].isna().all()
    assert list(frame["status"]) == ["missing", "observed", "observed", "missing"]


def test_explain_not_scored_for_a_dimension_without_score_says_how_many_more():
    # coverage 2 of 4 passes coverage_min = 0.5, but dimension A has none of its 2 indicators; it needs
    # ceil(0.5 * 2) = 1 (aggregate_coverage_min 0.5), so one more indicator makes DDD scored
    result = readiness.build(_tiny({("DDD", "a1"): np.nan, ("DDD", "a2"): np.nan}), coverage_min=0.5)
    assert "DDD" not in result.scores.index
    info = explain(result, "DDD").attrs["not_scored"]
    assert info["dimensions_without_score"] == {"A": 1}
    assert info["needed"] == 1
    after = readiness.whatif(result, "DDD", {"a1": 2.5})
    assert "DDD" in after.scores.index


def test_explain_works_on_the_asem_framework(asem_result):
    frame = explain(asem_result, "CHE")
    assert set(frame["dimension"]) == {"Conn", "Sust"}
    assert len(set(frame["parent"])) == 8
    assert frame["contribution"].sum() == pytest.approx(asem_result.scores.at["CHE", "Index"], abs=1e-9)
    conn = explain(asem_result, "CHE", level="conn")  # any case
    assert set(conn["parent"]) == {"Physical", "ConEcFin", "Political", "Instit", "P2P"}


def test_explain_unknown_country_suggests(default_result):
    with pytest.raises(UnknownCountryError, match="did you mean"):
        explain(default_result, "Kenia")


def test_explain_payload_carries_the_common_keys(default_result):
    payload = explain_payload(default_result, "KE")
    assert {"settings", "data_fingerprint", "dataset", "version", "indicators", "decomposition"} <= set(payload)
    assert payload["data_fingerprint"] == default_result.fingerprint()


def test_lever_flags_from_column_or_export_control_rule(tiny):
    assert lever_flags(tiny).all()
    from dataclasses import replace

    ind = tiny.indicators.copy()
    ind["lever"] = ["yes", "no", "yes", "yes"]
    assert list(lever_flags(replace(tiny, indicators=ind))) == [True, False, True, True]


# -- compare ----------------------------------------------------------------------------
def test_compare_countries_side_by_side_with_gaps_to_the_best(default_result):
    frame = compare_countries(default_result, ["KE", "NG", "UG"])
    assert frame.attrs["countries"] == ["KEN", "NGA", "UGA"]
    assert frame.iloc[0]["node"] == default_result.index_code
    assert set(frame["node"]) == set(default_result.scores.columns)
    scores = default_result.scores.loc[["KEN", "NGA", "UGA"]]
    for row in frame.itertuples(index=False):
        r = row._asdict()
        best = scores[r["node"]].max()
        for c in ("KEN", "NGA", "UGA"):
            if not math.isnan(r[c]):
                assert r[f"{c}_gap"] == pytest.approx(r[c] - best, abs=1e-12)
                assert r[f"{c}_rank"] == default_result.ranks.at[c, r["node"]]
        if not math.isnan(best):
            assert scores.at[r["best"], r["node"]] == best


def test_compare_countries_peers(default_result):
    frame = compare_countries(default_result, ["KE"], peers="region")
    members = default_result.dataset.countries.index[default_result.dataset.countries["region"] == "Sub-Saharan Africa"]
    members = members.intersection(default_result.scores.index)
    assert frame.attrs["peers"]["n"] == len(members)
    assert frame.iloc[0]["peer_median"] == default_result.scores.loc[members, default_result.index_code].median()
    explicit = compare_countries(default_result, ["KE"], peers="GH,ZA")
    assert explicit.attrs["countries"] == ["KEN", "GHA", "ZAF"]
    with pytest.raises(readiness.SpecError, match="expected region, income_group or country codes"):
        compare_countries(default_result, ["KE"], peers="continent")


# -- CLI ----------------------------------------------------------------------------------
def _run(args):
    from readiness.cli.main import cli

    return CliRunner().invoke(cli, args, env={"COLUMNS": "80"})


def test_cli_explain_table_fits_80_columns():
    out = _run(["explain", "--country", "KE"])
    assert out.exit_code == 0, out.output
    assert "Kenya (KEN)" in out.output
    table = [line for line in out.output.splitlines() if line.startswith(("Indicator", "internet", "fixed"))]
    assert table and max(len(line) for line in table) <= 80


def test_cli_explain_json_and_csv(asem_path):
    out = _run(["explain", "--country", "CHE", "--data", str(asem_path), "--level", "Sust", "--format", "json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert {"settings", "data_fingerprint", "dataset", "version"} <= set(payload)
    assert set(payload["indicators"][0]) == set(COLUMNS)
    csv = _run(["explain", "--country", "CHE", "--data", str(asem_path), "--format", "csv"])
    assert csv.output.splitlines()[0] == ",".join(COLUMNS)


def test_cli_explain_unknown_country_is_a_user_error():
    out = _run(["explain", "--country", "Narnia"])
    assert out.exit_code == 2
    assert out.output.startswith("Error: unknown country 'Narnia'")


def test_cli_compare():
    out = _run(["compare", "KE", "NG", "UG", "--peers", "region"])
    assert out.exit_code == 0, out.output
    assert "KEN" in out.output and "Peers" in out.output
    payload = json.loads(_run(["compare", "KE", "NG", "--format", "json"]).output)
    assert [c["country"] for c in payload["countries"]] == ["KEN", "NGA"]
    assert {"settings", "data_fingerprint", "dataset", "version", "nodes"} <= set(payload)
