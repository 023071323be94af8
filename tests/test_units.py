"""Units beyond countries (issue 10): a 47-county Kenya-like workbook, end to end through the CLI."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from readiness import load_dataset
from readiness.cli import cli
from readiness.io.writer import write_workbook

COUNTIES = [f"KE-{i:02d}" for i in range(1, 48)]


def kenya_tables(seed=7):
    """47 counties (ISO 3166-2 KE-01 .. KE-47, parent KEN) x 6 indicators in 2 dimensions, seeded values."""
    rng = np.random.default_rng(seed)
    inds = ["fibre", "mobile", "schools", "graduates", "power", "clinics"]
    data = pd.DataFrame(rng.uniform(1, 100, size=(47, 6)).round(3), columns=inds)
    data.iloc[5, 2] = np.nan  # a gap, imputed
    data.insert(0, "country", COUNTIES)
    indicators = pd.DataFrame({"code": inds, "name": [i.title() for i in inds],
                               "parent": ["infra", "infra", "skills", "skills", "infra", "skills"],
                               "direction": 1, "weight": 1, "lever": ["yes"] * 5 + ["no"]})
    structure = pd.DataFrame({"code": ["infra", "skills", "index"], "name": ["Infrastructure", "Skills", "Index"],
                              "parent": ["index", "index", ""], "weight": 1})
    countries = pd.DataFrame({"country": COUNTIES, "name": [f"County {i}" for i in range(1, 48)],
                              "region": [["Coast", "North", "Rift", "Central"][i % 4] for i in range(47)],
                              "income_group": "", "parent": "KEN"})
    return {"Data": data, "Indicators": indicators, "Structure": structure, "Countries": countries}


@pytest.fixture(scope="module")
def kenya(tmp_path_factory):
    return write_workbook(kenya_tables(), tmp_path_factory.mktemp("ke") / "kenya_counties.xlsx")


def test_counties_load_with_their_codes_and_parent(kenya):
    ds = load_dataset(kenya)
    assert list(ds.values.index) == COUNTIES
    assert set(ds.countries["parent"]) == {"KEN"}
    assert ds.countries.at["KE-30", "name"] == "County 30"
    assert ds.indicators["lever"].tolist() == [True] * 5 + [False]


def test_validate_score_rank_and_sensitivity_through_the_cli(kenya):
    run = CliRunner()
    res = run.invoke(cli, ["validate", "--data", str(kenya)])
    assert res.exit_code == 0, res.output
    res = run.invoke(cli, ["score", "--country", "KE-30", "--data", str(kenya), "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["country"] == "KE-30" and out["name"] == "County 30"
    res = run.invoke(cli, ["rank", "--data", str(kenya), "--format", "json"])
    assert res.exit_code == 0, res.output
    ranked = json.loads(res.output)
    assert len(ranked["countries"]) == 47 and ranked["countries"][0]["rank"] == 1
    res = run.invoke(cli, ["sensitivity", "--data", str(kenya), "--method", "ua", "--n", "20", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.output)["countries"]) == 47


def test_a_county_name_resolves_and_an_unknown_one_is_named(kenya):
    run = CliRunner()
    res = run.invoke(cli, ["score", "--country", "County 30", "--data", str(kenya), "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.output)["country"] == "KE-30"
    res = run.invoke(cli, ["score", "--country", "KE-99", "--data", str(kenya)])
    assert res.exit_code == 2 and res.output.startswith("Error: ")
