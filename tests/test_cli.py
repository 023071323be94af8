"""The command line, run in process: exact output, JSON contract, exit codes."""

import json
import math
import subprocess
import sys

from click.testing import CliRunner

from readiness.cli import cli

JSON_KEYS = {"country", "name", "region", "income_group", "scored", "reason", "score", "rank", "n",
             "dimensions", "peers", "coverage", "settings", "data_fingerprint", "dataset", "version", "uncertainty"}


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_score_switzerland_on_coinr_example(asem_path):
    res = run("score", "--country", "CHE", "--data", str(asem_path))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "Switzerland (CHE) · Europe"
    assert lines[1] == "Composite score 68.38 · rank 1 of 51"
    assert "Connectivity" in res.stdout and "Sustainability" in res.stdout
    assert "Region median (Europe, 30 countries): 56.9" in res.stdout
    assert "Data coverage: 49 of 49 indicators present, 0 imputed" in res.stdout


def test_score_json_contract(asem_path):
    res = run("score", "--country", "ch", "--data", str(asem_path), "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == JSON_KEYS
    assert out["country"] == "CHE" and out["rank"] == 1 and out["n"] == 51
    assert round(out["score"], 2) == 68.38
    assert [d["code"] for d in out["dimensions"]] == ["Conn", "Sust"]
    assert set(out["dimensions"][0]) == {"code", "name", "score", "rank", "region_median", "income_group_median"}
    assert out["settings"]["imputation"] == "group_mean" and out["settings"]["coverage_min"] == 0.9
    assert out["peers"]["income_group"] == {"group": None, "median": None, "n": 0}
    assert len(out["data_fingerprint"]) == 16
    assert out["uncertainty"] is None  # nothing cached, --uncertainty not given


def test_same_inputs_same_fingerprint_other_settings_other(asem_path):
    a = json.loads(run("score", "-c", "CHE", "--data", str(asem_path), "--format", "json").stdout)
    b = json.loads(run("score", "-c", "CHE", "--data", str(asem_path), "--format", "json").stdout)
    c = json.loads(run("score", "-c", "CHE", "--data", str(asem_path), "--format", "json",
                       "--set", "normalisation=zscore").stdout)
    assert a == b
    assert c["data_fingerprint"] != a["data_fingerprint"] and c["settings"]["normalisation"] == "zscore"


def test_unknown_country_suggests_and_exits_2(asem_path):
    res = run("score", "--country", "Swizerland", "--data", str(asem_path))
    assert res.exit_code == 2
    assert res.stderr == "Error: unknown country 'Swizerland'; did you mean CHE Switzerland?\n"
    assert res.stdout == ""


def test_bad_setting_exits_2(asem_path):
    res = run("score", "-c", "CHE", "--data", str(asem_path), "--set", "normalisation=minmx")
    assert res.exit_code == 2
    assert "did you mean 'minmax'?" in res.stderr


def test_rank_top_and_csv(asem_path):
    res = run("rank", "--top", "3", "--data", str(asem_path), "--format", "csv")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0] == "rank,country,name,score,Conn,Sust"
    assert [ln.split(",")[1] for ln in lines[1:]] == ["CHE", "NLD", "DNK"]


def test_rank_by_dimension(asem_path):
    res = run("rank", "--level", "Sust", "--top", "1", "--data", str(asem_path), "--format", "json")
    out = json.loads(res.stdout)
    assert out["level"] == "Sust" and out["countries"][0]["country"] == "CHE"


def test_score_does_not_import_heavy_packages(asem_path):
    code = ("import sys; from readiness.cli import cli; "
            f"cli(['score', '-c', 'CHE', '--data', r'{asem_path}'], standalone_mode=False); "
            "heavy = [m for m in ('weasyprint', 'matplotlib', 'sklearn', 'scipy', 'SALib') if m in sys.modules]; "
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("HEAVY []")


def test_score_shows_rank_interval_after_sensitivity(asem_path):
    res = run("score", "-c", "LUX", "--data", str(asem_path))
    assert "Rank interval" not in res.stdout
    sens = run("sensitivity", "--data", str(asem_path), "--vary", "weights,normalisation,aggregation,treatment",
               "--n", "16", "--seed", "1", "--format", "json")
    assert sens.exit_code == 0, sens.output
    row = next(c for c in json.loads(sens.stdout)["countries"] if c["country"] == "LUX")
    res = run("score", "-c", "LUX", "--data", str(asem_path), "--format", "json")
    unc = json.loads(res.stdout)["uncertainty"]
    assert (unc["q05"], unc["q95"]) == (math.floor(row["q05"]), math.ceil(row["q95"]))
    assert unc["replicates"] == 16 * 6 and unc["inputs"] == ["treatment", "normalisation", "weights", "aggregation"]
    table = run("score", "-c", "LUX", "--data", str(asem_path))
    assert f"Rank interval (5-95%): {unc['q05']}-{unc['q95']} over 96 replicates" in table.stdout


def test_score_uncertainty_flag_computes_and_caches(asem_path):
    first = json.loads(run("score", "-c", "CHE", "--data", str(asem_path), "--format", "json",
                           "--uncertainty").stdout)["uncertainty"]
    assert first["replicates"] == 1000 and first["seed"] == 0
    again = json.loads(run("score", "-c", "CHE", "--data", str(asem_path), "--format", "json").stdout)["uncertainty"]
    assert again == first
