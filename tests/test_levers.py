"""levers: peer targets, exact gains (equal to a what-if for every lever), exposures apart."""

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

import readiness
from readiness.analysis.levers import TARGETS, evaluate_whatifs, levers, targets_for
from readiness.analysis.whatif import whatif
from readiness.io.tables import from_tables

from .conftest import tiny_tables




def _check_against_whatif(result, frame):
    iso3, idx = frame.attrs["country"], result.index_code
    assert len(frame)
    for row in frame.to_dict("records"):
        after = whatif(result, iso3, {row["indicator"]: row["target_value"]})
        assert row["score_after"] == pytest.approx(after.scores.at[iso3, idx], abs=1e-9), row["indicator"]
        assert row["rank_after"] == after.ranks.at[iso3, idx], row["indicator"]
        assert row["gain"] == pytest.approx(after.scores.at[iso3, idx] - result.scores.at[iso3, idx], abs=1e-9)
        assert row["rank_gain"] == result.ranks.at[iso3, idx] - after.ranks.at[iso3, idx]


def test_every_lever_gain_equals_a_whatif_at_its_target(default_result):
    frame = levers(default_result, "KE", target=list(TARGETS))  # the levers shown: the top 5 per target
    assert frame.attrs["method"] == "batch" and len(frame) >= 10
    _check_against_whatif(default_result, frame)


def test_every_lever_gain_equals_a_whatif_on_asem(asem_result):
    # group-mean imputation and four levels: the batch redoes the imputation column by column
    frame = levers(asem_result, "IND", target=["region_top_quartile", "peer:CHE"], top=4)
    assert frame.attrs["method"] == "batch"
    assert set(frame["target"]) == {"region_top_quartile", "peer:CHE"}
    _check_against_whatif(asem_result, frame)


def test_evaluate_whatifs_batch_equals_rebuilds_for_values_up_and_down(default_result):
    ds = default_result.dataset
    edits = [(c, float(ds.values[c].quantile(q))) for c in ds.indicators.index[::4] for q in (0.1, 0.9)]
    scores, ranks, method = evaluate_whatifs(default_result, "KEN", edits)
    assert method == "batch"
    for (code, value), s, r in zip(edits, scores, ranks):
        after = whatif(default_result, "KEN", {code: value})
        assert s == pytest.approx(after.scores.at["KEN", "index"], abs=1e-9)
        assert r == after.ranks.at["KEN", "index"]


def test_falls_back_to_rebuilds_for_a_not_scored_country():
    tables = tiny_tables()
    tables["Data"].loc[3, ["a1", "b2"]] = np.nan  # DDD: 2 of 4, not scored
    result = readiness.build(from_tables(tables, label="t"))
    scores, ranks, method = evaluate_whatifs(result, "DDD", [("a1", 2.5)])
    assert method == "rebuild"
    after = whatif(result, "DDD", {"a1": 2.5})
    assert scores[0] == after.scores.at["DDD", "I"] and ranks[0] == after.ranks.at["DDD", "I"]


def test_targets_are_values_a_named_peer_has(default_result):
    ds = default_result.dataset
    region = ds.countries.at["KEN", "region"]
    members = ds.countries.index[(ds.countries["region"] == region) & (ds.countries.index != "KEN")]
    targets = targets_for(default_result, "KE", "region_top_quartile")
    assert len(targets)
    for code, row in targets.iterrows():
        assert row["peer"] in members
        assert ds.values.at[row["peer"], code] == row["target_value"]  # no denominator: the peer's own value
        d = ds.indicators.at[code, "direction"]
        col = ds.values.loc[members, code].dropna() * d
        k = math.ceil(len(col) / 4)
        assert d * row["target_value"] == col.sort_values(ascending=False).iloc[k - 1]
        mine = ds.values.at["KEN", code]
        assert np.isnan(mine) or d * mine < d * row["target_value"]


def test_next_income_group_median_uses_the_next_group_up(default_result):
    ds = default_result.dataset
    targets = targets_for(default_result, "KE", "next_income_group_median")
    assert targets.attrs["group"] == "Upper middle income"
    assert (ds.countries.loc[targets["peer"], "income_group"] == "Upper middle income").all()
    top = ds.countries.index[ds.countries["income_group"] == "High income"][0]
    assert targets_for(default_result, top, "next_income_group_median").empty


def test_denominated_indicator_target_scales_by_the_countrys_own_denominator(asem_result):
    ds = asem_result.dataset
    code = next(c for c in ds.indicators.index if ds.indicators.at[c, "denominator"])
    den = ds.indicators.at[code, "denominator"]
    row = targets_for(asem_result, "IND", "peer:CHE")
    assert code in row.index
    per_peer = ds.values.at["CHE", code] / ds.countries.at["CHE", den]
    assert row.at[code, "target_value"] == pytest.approx(per_peer * ds.countries.at["IND", den], rel=1e-12)


def test_exposures_are_shown_apart_with_their_gain(tiny):
    ind = tiny.indicators.copy()
    ind["lever"] = ["yes", "no", "yes", "yes"]
    ds = replace(tiny, indicators=ind)
    result = readiness.build(ds)
    frame = levers(result, "AAA", target="peer:DDD", top=None)
    exp = frame[frame["kind"] == "exposure"]
    assert list(exp["indicator"]) == ["a2"]
    assert "a2" not in set(frame.loc[frame["kind"] == "lever", "indicator"])
    assert list(frame["kind"]) == sorted(frame["kind"], key=lambda k: k == "exposure")  # levers first
    _check_against_whatif(result, frame)


def test_data_gaps_are_shown_apart_from_levers(tiny):
    # AAA has no b2: reaching DDD's value there is a data gap to fill, not a policy lever
    values = tiny.values.copy()
    values.at["AAA", "b2"] = np.nan
    result = readiness.build(replace(tiny, values=values), coverage_min=0)
    frame = levers(result, "AAA", target="peer:DDD", top=None)
    assert "b2" not in set(frame.loc[frame["kind"] == "lever", "indicator"])
    gaps = frame[frame["kind"] == "data_gap"]
    assert list(gaps["indicator"]) == ["b2"] and math.isnan(gaps.iloc[0]["value"])
    order = {"lever": 0, "data_gap": 1, "exposure": 2}
    assert list(frame["kind"]) == sorted(frame["kind"], key=order.get)  # levers, then gaps, then exposures
    _check_against_whatif(result, frame)


def test_levers_are_sorted_by_gain_and_cut_to_top(default_result):
    frame = levers(default_result, "KE", target="income_group_median", top=3)
    lev = frame[frame["kind"] == "lever"]
    assert len(lev) <= 3 and (lev["gain"] > 0).all()
    assert list(lev["gain"]) == sorted(lev["gain"], reverse=True)
    row = lev.iloc[0]
    assert row["description"].endswith(f"as {row['peer_name']} has")


def test_unknown_target_is_a_spec_error(default_result):
    with pytest.raises(readiness.SpecError, match="unknown lever target 'region_top_quartil'.*did you mean"):
        levers(default_result, "KE", target="region_top_quartil")


# -- CLI ----------------------------------------------------------------------------------
def _run(args):
    from readiness.cli.main import cli

    return CliRunner().invoke(cli, args, env={"COLUMNS": "80"})


def test_cli_levers_table_and_json():
    out = _run(["levers", "--country", "KE", "--top", "3"])
    assert out.exit_code == 0, out.output
    assert "Levers to region top quartile" in out.output
    table = [line for line in out.output.splitlines() if "→" in line]
    assert table and max(len(line) for line in table) <= 80
    payload = json.loads(_run(["levers", "-c", "KE", "--target", "all", "--format", "json"]).output)
    assert [t["target"] for t in payload["targets"]] == list(TARGETS)
    assert {"settings", "data_fingerprint", "dataset", "version", "levers", "exposures"} <= set(payload)


def test_cli_levers_bad_target():
    out = _run(["levers", "--country", "KE", "--target", "moon"])
    assert out.exit_code == 2 and out.output.startswith("Error: unknown lever target 'moon'")
