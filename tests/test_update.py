"""--update: a national update file replaces exactly the cells it changes, and says so."""

import datetime as dt
import hashlib
import json

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

import readiness
from readiness import InputError
from readiness.cli.main import cli
from readiness.io.template import write_template
from readiness.io.update import USER_SUPPLIED, apply_update, updated_cells, updated_indicators

EDITS = {"internet_users": 48.5, "fixed_broadband": 2.25, "rd_expenditure": 0.8}


@pytest.fixture(scope="module")
def default():
    return readiness.load_dataset()


@pytest.fixture(scope="module")
def ke_template(tmp_path_factory, default):
    return write_template(tmp_path_factory.mktemp("upd") / "ke.xlsx", default, ["KE"])


def _edit(src, dst, values=None, *, year=2025, source="knbs_2026", provenance=True, data_cells=None,
          prov_cells=None):
    """Copy the KE template with some Data values (and their Provenance rows) changed."""
    wb = openpyxl.load_workbook(src)
    data = wb["Data"]
    prov = wb["Provenance"] if "Provenance" in wb.sheetnames else None
    header = [c.value for c in data[1]]
    for code, value in (values or {}).items():
        data.cell(2, header.index(code) + 1).value = value
    if provenance and prov is not None:
        for row in prov.iter_rows(min_row=2):
            if row[1].value in (values or {}):
                row[2].value, row[3].value, row[4].value = year, source, "KNBS Economic Survey 2026"
    for ref, value in (data_cells or {}).items():
        data[ref] = value
    for ref, value in (prov_cells or {}).items():
        prov[ref] = value
    wb.save(dst)
    return dst


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_untouched_template_changes_nothing(ke_template, default):
    assert apply_update(default, ke_template) is default


def test_three_edited_values_change_exactly_those_cells(ke_template, default, tmp_path):
    path = _edit(ke_template, tmp_path / "kenya.xlsx", EDITS)
    before = _digest(path)
    mine = apply_update(default, path)
    old, new = default.values, mine.values
    changed = ~((old == new) | (old.isna() & new.isna()))
    assert sorted(changed.stack()[lambda s: s].index) == sorted(("KEN", c) for c in EDITS)
    assert all(new.at["KEN", c] == v for c, v in EDITS.items())
    # provenance says so: the three cells, user-supplied, with the file and cell
    cells = updated_cells(mine)
    assert sorted(cells["indicator"]) == sorted(EDITS)
    assert set(cells["updated"].str.split().str[0]) == {"kenya.xlsx"}
    assert sorted(cells["updated"].str.split().str[1]) == ["Data!C2", "Data!D2", "Data!T2"]
    assert updated_indicators(mine, "KEN") == sorted(EDITS)
    rows = mine.provenance.set_index(["country", "indicator"])
    for code in EDITS:
        row = rows.loc[("KEN", code)]
        assert (row["year"], row["source"]) == ("2025", "knbs_2026")
        assert row["note"] == f"{USER_SUPPLIED}: KNBS Economic Survey 2026"
    # every other provenance row is the default's
    assert len(mine.provenance) == len(default.provenance)
    assert (rows["updated"] != "").sum() == 3
    # the fingerprint changes (label and version are kept), the input is untouched
    assert mine.fingerprint() != default.fingerprint()
    assert (mine.label, mine.version) == (default.label, default.version)
    assert _digest(path) == before
    # and Kenya's score moves
    a, b = readiness.build(default), readiness.build(mine)
    assert a.scores.at["KEN", "index"] != b.scores.at["KEN", "index"]
    assert a.fingerprint() != b.fingerprint()


def test_a_new_year_alone_marks_the_value_updated(ke_template, default, tmp_path):
    path = _edit(ke_template, tmp_path / "year.xlsx",
                 {"internet_users": float(default.values.at["KEN", "internet_users"])}, year=2026)
    mine = apply_update(default, path)
    assert updated_indicators(mine, "KEN") == ["internet_users"]
    assert np.array_equal(mine.values.to_numpy(), default.values.to_numpy(), equal_nan=True)


def _cell(ke_template, code):
    header = [c.value for c in openpyxl.load_workbook(ke_template)["Data"][1]]
    return openpyxl.utils.get_column_letter(header.index(code) + 1)


def test_a_share_above_100_is_an_error_naming_the_cell(ke_template, default, tmp_path):
    path = _edit(ke_template, tmp_path / "bad.xlsx", {"internet_users": 140})
    col = _cell(ke_template, "internet_users")
    with pytest.raises(InputError) as err:
        apply_update(default, path)
    assert err.value.problems == [f"bad.xlsx: Data!{col}2 (KEN): internet_users: found 140; expected a value in "
                                  "[0, 100] % of population (a percentage)"]


def test_a_negative_count_is_an_error(ke_template, default, tmp_path):
    path = _edit(ke_template, tmp_path / "neg.xlsx", {"ai_model_developers": -3})
    with pytest.raises(InputError, match=r"Data!\w+2 \(KEN\): ai_model_developers: found -3; expected a value in "
                                         r"\[0, inf\)"):
        apply_update(default, path)


def test_unknown_indicator_country_and_text_are_named(ke_template, default, tmp_path):
    wb = openpyxl.load_workbook(ke_template)
    n = wb["Data"].max_column
    letter = openpyxl.utils.get_column_letter(n + 1)
    path = _edit(ke_template, tmp_path / "bad.xlsx", data_cells={f"{letter}1": "internet_user", "A3": "ZZZ",
                                                                 "C3": 5, "D2": "2,5"})
    with pytest.raises(InputError) as err:
        apply_update(default, path)
    assert err.value.problems == [
        f"bad.xlsx: Data!{letter}1: found the column 'internet_user'; expected an indicator code of the dataset in "
        "use (did you mean 'internet_users'?).",
        "bad.xlsx: Data!A3: found 'ZZZ', not a unit of the dataset in use; expected a unit code of the dataset "
        "(an ISO3 or ISO2 code or a country name).",
        "bad.xlsx: Data!D2: found text '2,5'; expected a number or an empty cell."]


def test_a_future_year_is_an_error_naming_the_cell(ke_template, default, tmp_path):
    future = dt.date.today().year + 1
    path = _edit(ke_template, tmp_path / "future.xlsx", {"internet_users": 50.0}, year=future)
    with pytest.raises(InputError) as err:
        apply_update(default, path)
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith("future.xlsx: Provenance!C")
    assert f"found the year {future}, in the future" in err.value.problems[0]


def test_a_changed_value_needs_a_provenance_row(ke_template, default, tmp_path):
    wb = openpyxl.load_workbook(ke_template)
    wb.remove(wb["Provenance"])
    wb.save(tmp_path / "noprov.xlsx")
    path = _edit(tmp_path / "noprov.xlsx", tmp_path / "noprov2.xlsx", {"internet_users": 50.0}, provenance=False)
    with pytest.raises(InputError, match=r"noprov2.xlsx: Data!C2 \(KEN, internet_users\): a new value without a "
                                         r"Provenance row"):
        apply_update(default, path)


def test_score_with_update_shows_the_change(ke_template, default, tmp_path):
    path = _edit(ke_template, tmp_path / "kenya.xlsx", EDITS)
    before = _digest(path)
    runner = CliRunner()
    base = json.loads(runner.invoke(cli, ["score", "--country", "KE", "--format", "json"]).output)
    out = runner.invoke(cli, ["score", "--country", "KE", "--update", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    mine = json.loads(out.output)
    assert mine["score"] != base["score"]
    assert mine["data_fingerprint"] != base["data_fingerprint"]
    assert mine["localisation_origins"] == base["localisation_origins"] is not None  # still the default's context
    assert base["coverage"]["updated_indicators"] == []
    assert mine["coverage"]["updated_indicators"] == sorted(EDITS)
    table = runner.invoke(cli, ["score", "--country", "KE", "--update", str(path)], env={"COLUMNS": "200"})
    assert f"Updated by your --update file: {', '.join(sorted(EDITS))} " in table.output
    assert _digest(path) == before
    bad = _edit(ke_template, tmp_path / "bad.xlsx", {"internet_users": 140})
    out = runner.invoke(cli, ["score", "--country", "KE", "--update", str(bad)])
    assert out.exit_code == 2
    assert out.output.startswith("Error: bad.xlsx: Data!C2 (KEN): internet_users: found 140")
    assert "Traceback" not in out.output
