"""The command line, run in process: exact output, JSON contract, exit codes."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

import readiness
from readiness.analysis import uncertainty as _uncertainty
from readiness.cli import cli

DEFAULT_N = getattr(_uncertainty, "DEFAULT_N", 1000)  # replicates of the default analysis

JSON_KEYS = {"country", "name", "region", "income_group", "scored", "reason", "score", "rank", "n",
             "dimensions", "peers", "coverage", "settings", "data_fingerprint", "dataset", "version", "uncertainty",
             "localisation_origins", "imputed_dimensions", "incomplete"}


def run(*args, env=None):
    return CliRunner(env=env).invoke(cli, [str(a) for a in args])


def test_score_switzerland_on_coinr_example(asem_path):
    res = run("score", "--country", "CHE", "--data", asem_path)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "Switzerland (CHE) · Europe"
    assert lines[1] == "Composite score 68.38 · rank 1 of 51"
    assert "Connectivity" in res.stdout and "Sustainability" in res.stdout
    assert "Region median (Europe, 30 countries): 56.9" in res.stdout
    assert "Data coverage: 49 of 49 indicators present, 0 imputed" in res.stdout


def test_score_json_contract(asem_path):
    res = run("score", "--country", "ch", "--data", asem_path, "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == JSON_KEYS
    assert out["country"] == "CHE" and out["rank"] == 1 and out["n"] == 51
    assert round(out["score"], 2) == 68.38
    assert [d["code"] for d in out["dimensions"]] == ["Conn", "Sust"]
    assert set(out["dimensions"][0]) == {"code", "name", "score", "rank", "region_median", "income_group_median",
                                         "imputed"}
    assert out["imputed_dimensions"] == [] and out["incomplete"] == "not_scored"
    assert out["settings"]["imputation"] == "group_mean" and out["settings"]["coverage_min"] == 0.9
    assert out["peers"]["income_group"] == {"group": None, "median": None, "n": 0}
    assert len(out["data_fingerprint"]) == 16
    assert out["localisation_origins"] is None  # the ASEM workbook has no model-origin tables
    unc = out["uncertainty"]  # always the default seeded analysis
    assert unc["replicates"] == DEFAULT_N and unc["seed"] == 0 and unc["method"] == "ua"
    assert isinstance(unc["q05"], int) and unc["q05"] <= 1 <= unc["q95"]


def test_same_inputs_same_fingerprint_other_settings_other(asem_path):
    a = json.loads(run("score", "-c", "CHE", "--data", asem_path, "--format", "json").stdout)
    b = json.loads(run("score", "-c", "CHE", "--data", asem_path, "--format", "json").stdout)
    c = json.loads(run("score", "-c", "CHE", "--data", asem_path, "--format", "json",
                       "--set", "normalisation=zscore").stdout)
    assert a == b
    assert c["data_fingerprint"] != a["data_fingerprint"] and c["settings"]["normalisation"] == "zscore"


def test_unknown_country_suggests_and_exits_2(asem_path):
    res = run("score", "--country", "Swizerland", "--data", asem_path)
    assert res.exit_code == 2
    assert res.stderr == "Error: unknown country 'Swizerland'; did you mean CHE Switzerland?\n"
    assert res.stdout == ""


def test_bad_setting_exits_2(asem_path):
    res = run("score", "-c", "CHE", "--data", asem_path, "--set", "normalisation=minmx")
    assert res.exit_code == 2
    assert "did you mean 'minmax'?" in res.stderr and "Traceback" not in res.output


def test_rank_top_and_csv(asem_path):
    res = run("rank", "--top", "3", "--data", asem_path, "--format", "csv")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0] == "rank,country,name,score,Conn,Sust,imputed_dimensions"
    assert [ln.split(",")[1] for ln in lines[1:]] == ["CHE", "NLD", "DNK"]


def test_rank_by_dimension(asem_path):
    res = run("rank", "--level", "Sust", "--top", "1", "--data", asem_path, "--format", "json")
    out = json.loads(res.stdout)
    assert out["level"] == "Sust" and out["countries"][0]["country"] == "CHE"


def test_level_is_case_insensitive_and_help_says_where_the_codes_are(asem_path):
    upper = json.loads(run("rank", "--level", "Sust", "--data", asem_path, "--format", "json").stdout)
    lower = run("rank", "--level", "sust", "--data", asem_path, "--format", "json")
    assert lower.exit_code == 0, lower.output
    assert json.loads(lower.stdout) == upper
    bad = run("rank", "--level", "Sustain", "--data", asem_path)
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: unknown level or node 'Sustain'; choose one of ")
    assert "readiness indicators" in " ".join(run("rank", "--help").stdout.split())


def test_top_0_means_all_in_rank_and_in_sensitivity(asem_path):
    every = json.loads(run("rank", "--data", asem_path, "--format", "json").stdout)["countries"]
    zero = run("rank", "--top", "0", "--data", asem_path, "--format", "json")
    assert zero.exit_code == 0, zero.output
    assert json.loads(zero.stdout)["countries"] == every and len(every) == 51
    sens = run("sensitivity", "--data", asem_path, "--method", "ua", "--vary", "weights", "--n", 5, "--top", 0)
    assert sens.exit_code == 0, sens.output
    assert "Rank intervals" in sens.stdout and sens.stdout.count("(") >= 51


def test_composite_has_the_same_decimals_in_score_and_rank(asem_path):
    score_line = run("score", "-c", "CHE", "--data", asem_path).stdout.splitlines()[1]
    rank_row = next(ln for ln in run("rank", "--top", "1", "--data", asem_path).stdout.splitlines() if "(CHE)" in ln)
    assert "68.38" in score_line and "68.38" in rank_row


def test_score_does_not_import_heavy_packages(asem_path):
    code = ("import sys; from readiness.cli import cli; "
            f"cli(['score', '-c', 'CHE', '--data', r'{asem_path}'], standalone_mode=False); "
            "heavy = [m for m in ('weasyprint', 'matplotlib', 'sklearn', 'scipy', 'SALib') if m in sys.modules]; "
            "lazy = [m for m in ('readiness.cli.sensitivity', 'readiness.cli.rank', 'readiness.cli.data', "
            "'readiness.cli.brief', 'readiness.cli.audit', 'readiness.cli.excel') if m in sys.modules]; "
            "print('HEAVY', heavy, 'OTHER COMMANDS', lazy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("HEAVY [] OTHER COMMANDS []")


def test_python_m_readiness_lists_the_commands_whose_modules_exist():
    import importlib.util

    from readiness.cli.main import COMMANDS

    out = subprocess.run([sys.executable, "-m", "readiness", "--help"], capture_output=True, text=True,
                         check=True).stdout
    listed = {ln.split()[0] for ln in out.split("Commands:")[1].splitlines() if ln.strip()}
    expected = {name for name, target in COMMANDS.items()
                if importlib.util.find_spec(target.split(":")[0]) is not None}
    assert listed == expected and {"score", "rank", "sensitivity", "settings", "validate"} <= listed


def test_score_interval_is_the_default_analysis_whatever_ran_before(asem_path):
    first = json.loads(run("score", "-c", "LUX", "--data", asem_path, "--format", "json").stdout)["uncertainty"]
    sens = run("sensitivity", "--data", asem_path, "--vary", "weights,normalisation,aggregation,treatment",
               "--n", "16", "--seed", "1", "--format", "json")
    assert sens.exit_code == 0, sens.output
    after = json.loads(run("score", "-c", "LUX", "--data", asem_path, "--format", "json").stdout)["uncertainty"]
    assert after == first and first["replicates"] == DEFAULT_N
    assert first["inputs"] == ["treatment", "normalisation", "weights", "aggregation"]
    table = run("score", "-c", "LUX", "--data", asem_path).stdout
    assert f"Rank interval (5-95%): {first['q05']}-{first['q95']} over {DEFAULT_N:,} replicates" in table


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_score_prints_the_same_bytes_with_and_without_a_cache(asem_path, tmp_path, fmt):
    env = {"READINESS_CACHE_DIR": str(tmp_path / "empty"), "COLUMNS": "80"}
    cold = run("score", "-c", "KOR", "--data", asem_path, "--format", fmt, env=env)
    assert cold.exit_code == 0, cold.output
    assert any((tmp_path / "empty").rglob("*")), "the default analysis is cached"
    warm = run("score", "-c", "KOR", "--data", asem_path, "--format", fmt, env=env)
    assert warm.stdout == cold.stdout


def test_score_accepts_several_countries(asem_path):
    res = run("score", "-c", "CHE", "-c", "NLD", "--data", asem_path)
    assert res.exit_code == 0, res.output
    assert "Switzerland (CHE)" in res.stdout and "Netherlands (NLD)" in res.stdout
    out = json.loads(run("score", "-c", "CHE", "-c", "nl", "--data", asem_path, "--format", "json").stdout)
    assert [p["country"] for p in out["profiles"]] == ["CHE", "NLD"]
    assert {"settings", "data_fingerprint", "dataset", "version"} <= set(out)
    csv = run("score", "-c", "CHE", "-c", "NLD", "--data", asem_path, "--format", "csv").stdout.splitlines()
    assert csv[0] == "country,node,name,score,rank,n" and {ln.split(",")[0] for ln in csv[1:]} == {"CHE", "NLD"}


def _write_tables(folder, tables):
    folder.mkdir()
    for sheet, frame in tables.items():
        frame.to_csv(folder / f"{sheet.lower()}.csv", index=False)
    return folder


def test_names_cannot_send_control_characters_or_markup_to_the_terminal(tmp_path):
    from tests.conftest import tiny_tables

    tables = tiny_tables()
    tables["Countries"].loc[0, "name"] = "Aland\x1b[2J\x07"
    folder = _write_tables(tmp_path / "ctrl", tables)
    refused = run("score", "-c", "AAA", "--data", folder)
    assert refused.exit_code == 2
    assert refused.output.startswith("Error: countries.csv!B2: found the control character")
    tables["Countries"].loc[0, "name"] = "Aland[bold red]x[/]"
    folder = _write_tables(tmp_path / "markup", tables)
    res = run("score", "-c", "AAA", "--data", folder)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].startswith("Aland[bold red]x[/] (AAA)")
    ranked = run("rank", "--data", folder)
    assert "[bold red]x[/]" in ranked.stdout


def test_the_terminal_renderer_strips_control_and_bidi_characters():
    from readiness.cli.render import plain

    assert plain("Aland\x1b[2J\x07\u202e\tx") == "Aland[2J x"


def test_validate_and_sources_wrap_at_80_columns():
    for command in ("validate", "sources"):
        res = run(command, env={"COLUMNS": "80"})
        assert res.exit_code == 0, res.output
        # only an unbreakable word (a URL) may pass the width
        long = [ln for ln in res.stdout.splitlines() if len(ln) > 80]
        assert all(" " not in ln.strip().split(" ")[-1] and "://" in ln for ln in long), long


def test_indicators_fit_80_columns_in_few_lines():
    res = run("indicators", env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    n_indicators = len(readiness.load_dataset().indicators)
    assert max(map(len, lines)) <= 80
    assert len(lines) <= n_indicators + 15  # one line per indicator, a row per dimension, header and footer
    assert "fixed_broadband" in res.stdout and "Dir" in lines[0] and "Year" in lines[0]


def test_sensitivity_headers_are_whole_at_80_columns(asem_path):
    res = run("sensitivity", "--data", asem_path, "--vary", "normalisation,weights", "--n", 16, "--top", 5,
              env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    header = next(ln for ln in lines if "Country" in ln)
    assert [h.strip() for h in header.split("┃")] == ["Country", "Rank", "Mean", "5%", "50%", "95%", "P(≤10)",
                                                      "P(Q1)"]


DATA_OPTIONS = {"--data", "--settings", "--set", "--trade", "--update"}


@pytest.mark.parametrize("name", ["score", "rank", "validate", "sensitivity", "settings"])
def test_every_building_command_takes_the_same_data_options(name):
    command = cli.get_command(None, name)
    options = {opt for p in command.params for opt in p.opts}
    assert DATA_OPTIONS <= options


def test_sensitivity_takes_trade(asem_path):
    from readiness.cli.options import Inputs

    assert "--trade" in run("sensitivity", "--help").stdout
    assert Inputs(data=str(asem_path), trade=None).dataset().fingerprint() == \
        readiness.load_dataset(asem_path).fingerprint()


def test_update_without_the_update_reader_is_a_clean_error(asem_path, tmp_path, monkeypatch):
    monkeypatch.setitem(readiness._LAZY, "apply_update", "readiness.io.no_such_module:apply_update")
    monkeypatch.delitem(readiness.__dict__, "apply_update", raising=False)
    update = tmp_path / "update.csv"
    update.write_text("country,indicator,value\n")
    res = run("score", "-c", "CHE", "--data", asem_path, "--update", update)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.stderr.startswith(f"Error: --update {update}: national-update files cannot be applied")


def test_update_passes_the_file_to_apply_update(asem_path, tmp_path, monkeypatch):
    seen = []

    def fake(dataset, path):
        seen.append((dataset.label, str(path)))
        return dataset

    monkeypatch.setitem(readiness.__dict__, "apply_update", fake)
    update = tmp_path / "update.csv"
    update.write_text("x\n")
    res = run("rank", "--top", 1, "--data", asem_path, "--update", update, "--format", "csv")
    assert res.exit_code == 0, res.output
    assert seen == [(readiness.load_dataset(asem_path).label, str(update))]


COMMON = {"settings", "data_fingerprint", "dataset", "version"}


@pytest.mark.parametrize("args", [
    ["score", "-c", "CHE"], ["rank"], ["validate"], ["indicators"], ["sources"], ["settings"],
    ["sensitivity", "--method", "ua", "--vary", "weights", "--n", "5"],
    ["sensitivity", "--method", "remove"],
], ids=lambda a: " ".join(a[:3]))
def test_every_json_payload_carries_the_common_keys(asem_path, args):
    res = run(*args, "--data", asem_path, "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert COMMON <= set(out)
    assert len(out["data_fingerprint"]) == 16 and isinstance(out["settings"], dict)
    assert "Infinity" not in res.stdout and "NaN" not in res.stdout


def test_sensitivity_json_ranks_are_integers(asem_path):
    out = json.loads(run("sensitivity", "--data", asem_path, "--method", "ua", "--vary", "weights", "--n", 5,
                         "--format", "json").stdout)
    ranks = [c["nominal_rank"] for c in out["countries"]]
    assert all(type(r) is int for r in ranks) and sorted(ranks) == list(range(1, 52))
    assert out["data_fingerprint"] == out.get("fingerprint", out["data_fingerprint"])
    assert out["settings"] == out.get("spec", out["settings"])


def test_settings_lists_every_setting(asem_path):
    from readiness.settings import settings_table

    names = list(settings_table()["name"])
    table = run("settings", env={"COLUMNS": "80"})
    assert table.exit_code == 0, table.output
    assert all(f"  {n} = " in table.stdout for n in names)
    out = json.loads(run("settings", "--format", "json").stdout)
    assert [f["name"] for f in out["fields"]] == names
    assert {"name", "default", "allowed", "help"} <= set(out["fields"][0])
    csv = run("settings", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("name,") and len(csv) >= len(names) + 1
    changed = run("settings", "--set", "coverage_min=0.5").stdout
    assert "coverage_min = 0.66 · now 0.5" in changed


# -- validate agrees with build ----------------------------------------------------------


def _workbooks(asem_path, tmp_path):
    from tests.conftest import tiny_tables

    sparse = tiny_tables()
    sparse["Data"].loc[0, ["a1", "a2", "b1"]] = float("nan")  # AAA: 1 of 4 indicators
    return {"asem": str(asem_path), "default": None,
            "tiny": str(_write_tables(tmp_path / "tiny", tiny_tables())),
            "tiny_sparse": str(_write_tables(tmp_path / "sparse", sparse))}


@pytest.mark.parametrize("workbook", ["asem", "default", "tiny", "tiny_sparse"])
@pytest.mark.parametrize("overrides", [(), ("screen_on=imputed",), ("coverage_min=0.9",)])
def test_validate_lists_exactly_the_countries_build_leaves_out(asem_path, tmp_path, workbook, overrides):
    path = _workbooks(asem_path, tmp_path)[workbook]
    args = ["validate", "--format", "json"] + (["--data", path] if path else [])
    for o in overrides:
        args += ["--set", o]
    res = run(*args)
    assert res.exit_code == 0, res.output
    listed = [r["country"] for r in json.loads(res.stdout)["not_scored"]]
    ds = readiness.load_dataset(path)
    from readiness.api import resolve_spec

    built = readiness.build(ds, resolve_spec(ds, None, overrides))
    assert listed == list(built.not_scored.index)
    ranked = json.loads(run(*["rank", "--format", "json"] + args[3:]).stdout)["countries"]
    assert len(ranked) + len(listed) == len(ds.values)


def test_validate_on_asem_agrees_with_rank(asem_path):
    res = run("validate", "--data", asem_path)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == ["OK: 51 countries, 49 indicators, 11 aggregates; 63 missing values.",
                                       "All 51 countries will be scored."]


def test_csv_outputs_neutralise_formulas(tmp_path):
    from tests.conftest import tiny_tables

    tables = tiny_tables()
    tables["Countries"].loc[0, "name"] = "=HYPERLINK(\"http://x\")"
    folder = _write_tables(tmp_path / "evil", tables)
    out = run("rank", "--data", folder, "--format", "csv").stdout
    frame = pd.read_csv(__import__("io").StringIO(out))
    assert "'=HYPERLINK(\"http://x\")" in set(frame["name"])


# -- what other modules add to score and rank ---------------------------------------------


@pytest.fixture(scope="module")
def impute_run():
    """The default data with incomplete = impute: some countries' scores rest on imputed dimensions."""
    result = readiness.build(readiness.load_dataset(), incomplete="impute")
    flags = result.imputed_dimensions
    country = flags.index[flags.any(axis=1)][0]
    return result, country, list(flags.columns[flags.loc[country]])


def test_score_and_rank_mark_imputed_dimensions(impute_run):
    result, country, dims = impute_run
    out = json.loads(run("score", "-c", country, "--set", "incomplete=impute", "--format", "json").stdout)
    assert out["imputed_dimensions"] == dims and out["incomplete"] == "impute"
    assert [d["code"] for d in out["dimensions"] if d["imputed"]] == dims
    table = run("score", "-c", country, "--set", "incomplete=impute").stdout
    assert "* imputed dimension" in table
    ranked = json.loads(run("rank", "--set", "incomplete=impute", "--format", "json").stdout)["countries"]
    marked = {r["country"]: r["imputed_dimensions"] for r in ranked if r["imputed_dimensions"]}
    flags = result.imputed_dimensions
    assert marked == {c: list(flags.columns[flags.loc[c]]) for c in flags.index[flags.any(axis=1)]}
    rows = run("rank", "--set", "incomplete=impute", env={"COLUMNS": "120"}).stdout
    assert f"({country}) *" in rows
    plain_rank = json.loads(run("rank", "--format", "json").stdout)["countries"]
    assert not any(r["imputed_dimensions"] for r in plain_rank)  # the default rule scores only complete countries


def test_score_detail_adds_the_explain_rows(asem_path):
    out = json.loads(run("score", "-c", "CHE", "--data", asem_path, "--format", "json", "--detail").stdout)
    expected = readiness.explain(readiness.build(readiness.load_dataset(asem_path)), "CHE")
    assert [r["indicator"] for r in out["detail"]] == list(expected["indicator"])
    assert sum(r["contribution"] for r in out["detail"]) == pytest.approx(out["score"], abs=1e-9)
    assert "detail" not in json.loads(run("score", "-c", "CHE", "--data", asem_path, "--format", "json").stdout)


def test_score_reports_model_origin_coverage_on_the_default_data():
    from readiness.origins import origin_coverage

    out = json.loads(run("score", "-c", "KE", "--format", "json").stdout)
    assert out["localisation_origins"] == origin_coverage(readiness.load_dataset(), "KEN")
    assert out["localisation_origins"] is not None
    table = run("score", "-c", "KE", env={"COLUMNS": "80"}).stdout
    assert "Population served by open-weight models, by developer origin: United States" in table


def test_debug_keeps_the_traceback_of_a_user_error(asem_path):
    from readiness.errors import UnknownCountryError

    res = run("--debug", "score", "-c", "XYZ", "--data", asem_path)
    assert isinstance(res.exception, UnknownCountryError)


def test_rank_and_validate_json_keys_are_a_contract(asem_path):
    ranked = json.loads(run("rank", "--top", 2, "--data", asem_path, "--format", "json").stdout)
    assert set(ranked) == {"level", "n", "countries", "incomplete"} | COMMON
    assert set(ranked["countries"][0]) == {"rank", "country", "name", "score", "Conn", "Sust", "imputed_dimensions"}
    assert type(ranked["countries"][0]["rank"]) is int
    report = json.loads(run("validate", "--data", asem_path, "--format", "json").stdout)
    assert set(report) == {"countries", "indicators", "aggregates", "missing_values", "scored", "not_scored"} | COMMON
