"""`readiness sensitivity`, run in process on the command alone: output, JSON contract, files, exit codes."""

import hashlib
import json

import openpyxl
import pytest
from click.testing import CliRunner

import readiness
from readiness.cli.sensitivity import sensitivity
from readiness.analysis.uncertainty import load_cached

COUNTRY_KEYS = {"country", "name", "nominal_rank", "mean_rank", "median_rank", "q05", "q95", "interval_width",
                "p_top_10", "p_top_quartile", "p_top_half", "p_bottom_quartile"}
SOBOL_KEYS = {"input", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"}


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def run(*args):
    return CliRunner().invoke(sensitivity, [str(a) for a in args])


def test_json_carries_countries_and_sobol(asem_path):
    res = run("--data", asem_path, "--vary", "weights,normalisation,aggregation,treatment", "--n", 16,
              "--seed", 1, "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["analysis"] == "sensitivity" and out["method"] == "sobol" and out["n"] == 16 and out["seed"] == 1
    assert out["inputs"] == ["treatment", "normalisation", "weights", "aggregation"]
    assert len(out["countries"]) == 51 and set(out["countries"][0]) == COUNTRY_KEYS
    che = next(c for c in out["countries"] if c["country"] == "CHE")
    assert che["nominal_rank"] == 1 and che["q05"] <= che["median_rank"] <= che["q95"]
    assert [s["input"] for s in out["sobol"]] == out["inputs"] and set(out["sobol"][0]) == SOBOL_KEYS
    assert out["summary"]["replicates"] == 16 * 6 and len(out["data_fingerprint"]) == 16
    assert out["settings"]["imputation"] == "group_mean"
    assert out["dataset"] and "version" in out
    assert type(che["nominal_rank"]) is int


def test_same_seed_same_json(asem_path):
    args = ("--data", asem_path, "--vary", "normalisation,weights", "--n", 16, "--seed", 3, "--format", "json")
    assert run(*args).stdout == run(*args).stdout


def test_table_shows_the_widest_intervals_and_the_sobol_table(asem_path):
    res = run("--data", asem_path, "--vary", "normalisation,aggregation", "--n", 16, "--seed", 1, "--top", 5)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[:3] == ["Rank uncertainty of 'Index': 64 replicates (Sobol design, n = 16, seed 1)",
                         "Inputs varied: normalisation, aggregation",
                         "Scores <= 0 under a geometric or harmonic mean: 32 replicates shifted, 0 skipped"]
    assert "The 5 widest 5-95% rank intervals" in res.stdout
    assert "Sobol indices of the mean absolute rank shift" in res.stdout
    assert any(line.startswith(" normalisation ") for line in lines)


def test_ua_csv_lists_every_country(asem_path):
    res = run("--data", asem_path, "--vary", "weights", "--method", "ua", "--n", 20, "--seed", 2, "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = res.stdout.splitlines()
    assert rows[0].split(",")[:7] == ["country", "name", "nominal_rank", "mean_rank", "median_rank", "q05", "q95"]
    assert len(rows) == 52


def test_ua_json_has_no_sobol(asem_path):
    res = run("--data", asem_path, "--vary", "weights", "--method", "ua", "--n", 5, "--seed", 2, "--format", "json")
    out = json.loads(res.stdout)
    assert out["analysis"] == "uncertainty" and "sobol" not in out and out["n"] == 5


def test_out_writes_a_workbook_and_leaves_the_input_alone(asem_path, tmp_path):
    before = hashlib.sha256(asem_path.read_bytes()).hexdigest()
    target = tmp_path / "sa.xlsx"
    res = run("--data", asem_path, "--vary", "normalisation,treatment", "--n", 16, "--seed", 1, "--format", "json",
              "--out", target)
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(target, read_only=True)
    assert wb.sheetnames == ["About", "Countries", "Sobol", "Sobol by country", "Nodes", "Replicates", "Space"]
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert about["seed"] == "1" and about["analysis"] == "sobol" and len(about["data_fingerprint"]) == 16
    assert [c.value for c in next(wb["Sobol"].iter_rows(max_row=1))] == list(
        ["input", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "sa.xlsx"]
    assert hashlib.sha256(asem_path.read_bytes()).hexdigest() == before


def test_the_result_is_cached_for_score(asem_path, cache):
    res = run("--data", asem_path, "--vary", "weights", "--method", "ua", "--n", 8, "--seed", 2, "--format", "csv")
    assert res.exit_code == 0, res.output
    ua = load_cached(readiness.build(readiness.load_dataset(asem_path)))
    assert ua is not None and ua.n == 8 and ua.space.varied == ("weights",)
    assert run("--data", asem_path, "--vary", "weights", "--method", "ua", "--n", 9, "--seed", 2, "--format", "csv",
               "--no-cache").exit_code == 0
    assert load_cached(readiness.build(readiness.load_dataset(asem_path))).n == 8


@pytest.mark.parametrize("args, message", [
    (["--vary", "wieghts"], "Error: unknown input 'wieghts'; choose from imputation, treatment, normalisation, "
                            "weights, aggregation, drop; did you mean 'weights'?"),
    (["--vary", "normalisation", "--normalisations", ""], None),
    (["--n", "8"], "Error: a Sobol analysis needs n >= 16 base samples (it runs n x (inputs + 2) replicates); "
                   "got n = 8"),
    (["--seed", "1.5"], "Error: --seed: seed must be a whole number between 0 and 4294967295; got '1.5'"),
    (["--seed", "-1"], "Error: --seed: seed must be a whole number between 0 and 4294967295; got '-1'"),
    (["--vary", "weights", "--aggregations", "geometric"],
     "Error: alternatives were given for aggregation, but aggregation is not among the inputs varied (weights); "
     "add it to the inputs"),
    (["--vary", "", "--n", "16"], "Error: a Sobol analysis needs at least one varied input; nothing varies in "
                                  "this Space"),
])
def test_bad_input_exits_2_with_one_clear_line(asem_path, args, message):
    res = run("--data", asem_path, *args)
    assert res.exit_code == 2
    if message is None:  # wording owned by readiness.settings: one Error line naming the setting
        assert res.stderr.startswith("Error: ") and res.stderr.count("\n") == 1 and "normalisation" in res.stderr
    else:
        assert res.stderr == message + "\n"
    assert res.stdout == "" and "Traceback" not in res.output


def test_trade_and_update_are_accepted_like_every_building_command():
    options = {opt for p in sensitivity.params for opt in p.opts}
    assert {"--data", "--settings", "--set", "--trade", "--update"} <= options


def test_a_missing_data_file_is_a_usage_error(tmp_path):
    res = run("--data", tmp_path / "nope.xlsx")
    assert res.exit_code == 2 and "does not exist" in res.stderr


def test_remove_method_matches_build_with_a_zero_weight(asem_path):
    import readiness
    from readiness.cli import cli as main_cli

    res = CliRunner().invoke(main_cli, ["sensitivity", "--data", str(asem_path), "--method", "remove",
                                        "--drop-level", "2", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["analysis"] == "remove_one" and out["level"] == 2
    social = next(r for r in out["mean_abs_change"] if r["removed"] == "Social")
    ds = readiness.load_dataset(asem_path)
    base = readiness.build(ds)
    without = readiness.build(ds, base.spec.replace(weights_override={"Social": 0}))
    expected = (without.ranks["Index"] - base.ranks["Index"]).abs().mean()
    assert social["mean_abs_rank_change"] == pytest.approx(expected, abs=1e-12)
