"""readiness template: a fill-in workbook that reads back as the data it came from."""

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import readiness
from readiness.cli.main import cli
from readiness.io.template import write_template
from readiness.ranges import valid_range


@pytest.fixture(scope="module")
def default():
    return readiness.load_dataset()


@pytest.fixture(scope="module")
def full_template(tmp_path_factory, default):
    return write_template(tmp_path_factory.mktemp("tpl") / "template.xlsx", default)


def _validations(ws):
    """{cell range text: DataValidation} of a sheet."""
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def test_untouched_template_validates_clean(full_template):
    out = CliRunner().invoke(cli, ["validate", "--data", str(full_template)])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("OK: 218 countries, 22 indicators, 7 aggregates")
    assert "Error" not in out.output


def test_untouched_template_scores_exactly_like_the_default(full_template, default):
    mine = readiness.load_dataset(full_template)
    a, b = readiness.build(default), readiness.build(mine)
    assert mine.settings == {"coverage_min": 0.6} or float(mine.settings["coverage_min"]) == 0.6
    assert a.spec == b.spec
    for stage in a.stages:
        pd.testing.assert_frame_equal(a.stages[stage], b.stages[stage], check_exact=True)
    pd.testing.assert_frame_equal(a.scores, b.scores, check_exact=True)
    pd.testing.assert_frame_equal(a.ranks, b.ranks, check_exact=True)
    # bit for bit, not just equal
    assert a.scores.to_numpy().tobytes() == b.scores.to_numpy().tobytes()
    pd.testing.assert_frame_equal(a.not_scored, b.not_scored)
    assert a.fingerprint() == b.fingerprint()


def test_template_layout_validation_and_protection(full_template, default):
    wb = openpyxl.load_workbook(full_template)
    assert wb.sheetnames == ["Instructions", "Data", "Provenance", "Indicators", "Structure", "Countries",
                             "Settings", "Sources"]
    data = wb["Data"]
    header = [c.value for c in data[1]]
    assert header == ["country", "name", *default.values.columns]
    assert data.freeze_panes == "C2"
    assert data.max_row == 1 + len(default.values)
    for name in ("Indicators", "Structure"):
        assert wb[name].protection.sheet is True
        assert not wb[name].protection.password  # protected against accidents, not encrypted
    assert wb["Data"].protection.sheet is False
    dvs = _validations(data)
    # country codes from the Countries sheet
    country = next(dv for ref, dv in dvs.items() if ref.startswith("A2:"))
    assert country.type == "list" and country.formula1 == f"Countries!$A$2:$A${len(default.countries) + 1}"
    # a share: 0-100, from the valid range (C8)
    col = openpyxl.utils.get_column_letter(header.index("internet_users") + 1)
    share = next(dv for ref, dv in dvs.items() if ref.startswith(f"{col}2:"))
    assert valid_range(default, "internet_users") == (0.0, 100.0)
    assert (share.type, share.operator, share.formula1, share.formula2) == ("decimal", "between", "0", "100")
    # a count: >= 0
    col = openpyxl.utils.get_column_letter(header.index("ai_model_developers") + 1)
    count = next(dv for ref, dv in dvs.items() if ref.startswith(f"{col}2:"))
    assert (count.type, count.operator, count.formula1) == ("decimal", "greaterThanOrEqual", "0")
    # an input message on every indicator header
    prompts = {ref: dv.prompt for ref, dv in dvs.items() if dv.showInputMessage}
    assert "Unit: % of population" in prompts[openpyxl.utils.get_column_letter(header.index("internet_users") + 1)
                                                + "1"]
    assert len([r for r in prompts if r.endswith("1") and ":" not in r]) >= len(default.values.columns) + 1
    ind = wb["Indicators"]
    ind_header = [c.value for c in ind[1]]
    ivs = _validations(ind)
    d = openpyxl.utils.get_column_letter(ind_header.index("direction") + 1)
    w = openpyxl.utils.get_column_letter(ind_header.index("weight") + 1)
    assert next(dv for r, dv in ivs.items() if r.startswith(f"{d}2")).formula1 == '"1,-1"'
    weight = next(dv for r, dv in ivs.items() if r.startswith(f"{w}2"))
    assert (weight.operator, weight.formula1) == ("greaterThanOrEqual", "0")
    year = next(dv for r, dv in _validations(wb["Provenance"]).items() if r.startswith("C2"))
    assert (year.type, year.formula2) == ("whole", str(dt.date.today().year))
    assert wb["Instructions"]["A1"].value == "readiness data template"
    assert [c.value for c in wb["Settings"][2]] == ["coverage_min", 0.6]


def test_one_country_template_holds_its_values_and_provenance(tmp_path, default):
    path = write_template(tmp_path / "ke.xlsx", default, ["KE"])
    wb = openpyxl.load_workbook(path)
    rows = list(wb["Data"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][:2] == ("KEN", "Kenya")
    got = np.array([np.nan if v is None else v for v in rows[1][2:]], dtype=float)
    want = default.values.loc["KEN"].to_numpy()
    assert np.array_equal(got, want, equal_nan=True)
    prov = list(wb["Provenance"].iter_rows(min_row=2, values_only=True))
    expected = default.provenance[default.provenance["country"] == "KEN"]
    assert len(prov) == len(expected) == int(default.values.loc["KEN"].notna().sum())
    assert {r[0] for r in prov} == {"KEN"} and all(isinstance(r[2], int) for r in prov)


def test_blank_template_has_the_framework_but_no_values(tmp_path, default):
    path = write_template(tmp_path / "blank.xlsx", default, blank=True)
    wb = openpyxl.load_workbook(path)
    assert wb["Data"].max_row == 1 and wb["Provenance"].max_row == 1
    assert wb["Indicators"].max_row == 1 + len(default.indicators)
    out = CliRunner().invoke(cli, ["validate", "--data", str(path)])
    assert out.exit_code == 2 and "Error: Data: found no country rows" in out.output


def test_text_that_looks_like_a_formula_is_neutralised(tmp_path):
    from readiness.io.tables import from_tables
    from tests.conftest import tiny_tables

    t = tiny_tables()
    t["Countries"]["name"] = ["=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "-2"]
    t["Indicators"]["name"] = ["=1+1", "-x", "ok", "@x"]  # (tab and CR are refused by the reader)
    path = write_template(tmp_path / "t.xlsx", from_tables(t, label="tiny"))
    wb = openpyxl.load_workbook(path)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=cmd|' /C calc'!A0" in texts and "'=1+1" in texts and "'@x" in texts
    assert not [t for t in texts if t[0] in "=+-@\t\r"]
    assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)
    # the apostrophe stays part of the text when read back (docs/format.md, Cells)
    again = readiness.load_dataset(path)
    assert list(again.countries["name"]) == ["'=cmd|' /C calc'!A0", "'+1", "'@SUM(A1)", "'-2"]


def test_template_cli(tmp_path):
    out = CliRunner().invoke(cli, ["template", "--country", "KE", "-o", str(tmp_path / "ke.xlsx")])
    assert out.exit_code == 0, out.output
    assert "Data for 1 country x 22 indicators" in out.output
    assert f"--update {tmp_path / 'ke.xlsx'}" in out.output
    bad = CliRunner().invoke(cli, ["template", "--country", "XX", "-o", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2 and bad.output.startswith("Error: unknown country 'XX'")
    assert not (tmp_path / "x.xlsx").exists()
