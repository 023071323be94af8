"""Bad workbooks get one clear message per problem, naming the sheet and cell; exit status 2."""

import hashlib

import pandas as pd

import openpyxl
import pytest
from click.testing import CliRunner

from readiness import InputError, load_dataset
from readiness.cli import cli

from .conftest import tiny_tables


def write(path, tables):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, df in tables.items():
        ws = wb.create_sheet(name)
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append(list(row))
    wb.save(path)
    return path


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_good_workbook_reads(tmp_path):
    ds = load_dataset(write(tmp_path / "ok.xlsx", tiny_tables()))
    assert ds.values.shape == (4, 4) and ds.index_code == "I"
    assert ds.levels == {"a1": 1, "a2": 1, "b1": 1, "b2": 1, "A": 2, "B": 2, "I": 3}


def broken(kind):
    t = {k: v.copy() for k, v in tiny_tables().items()}
    if kind == "text":
        t["Data"]["a2"] = t["Data"]["a2"].astype(object)
        t["Data"].loc[2, "a2"] = "n/a"
    elif kind == "duplicate":
        t["Data"].loc[3, "country"] = "BBB"
    elif kind == "unknown_code":
        t["Data"]["zz"] = 1.0
    elif kind == "direction":
        t["Indicators"].loc[1, "direction"] = 2
    elif kind == "weight":
        t["Indicators"].loc[3, "weight"] = -1
    elif kind == "sheet":
        del t["Structure"]
    return t


EXPECTED = {
    "text": "Data!C4: found text 'n/a'; expected a number or an empty cell.",
    "duplicate": "Data!A5: found BBB a second time (first in row 3); expected each unit once.",
    "unknown_code": "Data!F1: found the column 'zz'; expected an indicator code defined in the Indicators sheet.",
    "direction": "Indicators!D3: found 2; expected 1 or -1.",
    "weight": "Indicators!E5: found -1; expected a number >= 0.",
    "sheet": "Structure: found no such sheet; expected a sheet named 'Structure' (see docs/format.md).",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_problem_is_named_with_sheet_and_cell(tmp_path, kind):
    path = write(tmp_path / f"{kind}.xlsx", broken(kind))
    with pytest.raises(InputError) as info:
        load_dataset(path)
    assert info.value.problems == [EXPECTED[kind]]


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_cli_reports_problem_exit_2_and_leaves_input_alone(tmp_path, kind):
    path = write(tmp_path / f"{kind}.xlsx", broken(kind))
    before = sha(path)
    res = CliRunner().invoke(cli, ["score", "--country", "AAA", "--data", str(path)])
    assert res.exit_code == 2
    assert res.stderr == f"Error: {EXPECTED[kind]}\n"
    assert "Traceback" not in res.output
    assert sha(path) == before


def test_every_problem_reported_at_once(tmp_path):
    t = broken("text")
    t["Indicators"].loc[1, "direction"] = 0
    t["Indicators"].loc[3, "weight"] = -2
    with pytest.raises(InputError) as info:
        load_dataset(write(tmp_path / "many.xlsx", t))
    assert len(info.value.problems) == 3


def test_not_an_xlsx(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("country,a1\nKEN,1\n")
    res = CliRunner().invoke(cli, ["score", "-c", "KEN", "--data", str(path)])
    assert res.exit_code == 2
    assert res.stderr == ("Error: fake.xlsx: found a file that is not an .xlsx workbook; expected an Excel "
                          "workbook (.xlsx) or a folder of CSV files.\n")


def test_hostile_xml_is_refused(tmp_path):
    """A workbook whose XML declares entities (billion laughs) is refused, not expanded."""
    import zipfile

    src = write(tmp_path / "ok.xlsx", tiny_tables())
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bomb, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>' + data
            zout.writestr(item, data)
    with pytest.raises(InputError) as info:
        load_dataset(bomb)
    assert info.value.problems == ["bomb.xlsx: found an XML document type declaration in xl/workbook.xml "
                                   "(entities are refused); expected an Excel workbook (.xlsx) as Excel writes it."]


def test_csv_folder_names_the_file(tmp_path):
    for name, df in broken("text").items():
        df.to_csv(tmp_path / f"{name.lower()}.csv", index=False)
    with pytest.raises(InputError) as info:
        load_dataset(tmp_path)
    assert info.value.problems == ["data.csv!C4: found text 'n/a'; expected a number or an empty cell."]


def _messages(tmp_path, tables, name="t.xlsx", extra=None):
    path = write(tmp_path / name, tables)
    if extra:
        wb = openpyxl.load_workbook(path)
        extra(wb)
        wb.save(path)
    with pytest.raises(InputError) as info:
        load_dataset(path)
    return info.value.problems


def test_infinity_is_not_a_number(tmp_path):
    t = tiny_tables()
    t["Data"]["a1"] = t["Data"]["a1"].astype(object)
    t["Data"].loc[0, "a1"] = "inf"
    assert _messages(tmp_path, t) == ["Data!B2: found text 'inf'; expected a number or an empty cell."]


def test_formula_without_stored_result_is_named(tmp_path):
    def formula(wb):
        wb["Data"]["C3"] = "=1+1"

    assert _messages(tmp_path, tiny_tables(), extra=formula) == [
        "Data!C3: found the formula '=1+1' with no stored result; expected a value (open and save the workbook "
        "in Excel, or paste values only)."]


def test_stray_far_cell_is_refused_before_reading(tmp_path):
    def far(wb):
        wb["Data"]["XFD1048576"] = 1

    (msg,) = _messages(tmp_path, tiny_tables(), extra=far)
    assert msg.startswith("Data: found a sheet that extends to cell XFD1048576; expected at most 100,000 rows")


def test_settings_errors_name_their_cells_and_blanks_are_unset(tmp_path):
    t = tiny_tables()
    t["Settings"] = pd.DataFrame({"setting": ["imputation", "normalization", "coverage_min", "winsor_max"],
                                  "value": ["avg", "zscore", 0.5, None]})
    problems = _messages(tmp_path, t)
    assert problems[0].startswith("Settings!B2: imputation must be one of 'group_mean', ")
    assert problems[0].endswith("got 'avg'")
    assert problems[1].startswith("Settings!A3: unknown setting 'normalization'; did you mean 'normalisation'")
    assert len(problems) == 2


def test_empty_settings_sheet_is_no_settings(tmp_path):
    t = tiny_tables()
    t["Settings"] = pd.DataFrame()
    ds = load_dataset(write(tmp_path / "s.xlsx", t))
    assert ds.settings == {}


def test_cells_follow_the_real_column_order(tmp_path):
    t = tiny_tables()
    t["Indicators"] = t["Indicators"][["code", "parent", "name", "direction", "weight"]]
    t["Indicators"].loc[2, "parent"] = "nope"
    assert _messages(tmp_path, t) == [
        "Indicators!B4: found the parent 'nope'; expected a node code defined in the Structure sheet."]


@pytest.mark.parametrize("value, shown", [("n/a", "'n/a'"), (0, "0")])
def test_bad_denominator_cells(tmp_path, value, shown):
    t = tiny_tables()
    t["Indicators"]["denominator"] = ["pop", "", "", ""]
    t["Countries"]["pop"] = pd.Series([1e6, value, 3e6, 4e6], dtype=object)
    assert _messages(tmp_path, t) == [
        f"Countries!E3: found {shown}; expected a number > 0 or an empty cell (the denominator 'pop' of 'a1')."]


def test_duplicate_column_and_empty_data(tmp_path):
    t = tiny_tables()
    t["Data"] = t["Data"].iloc[:0]
    assert _messages(tmp_path, t) == ["Data: found no country rows; expected one row per country below the header."]
    wb_t = tiny_tables()
    wb_t["Data"].columns = ["country", "a1", "a1", "b1", "b2"]
    assert _messages(tmp_path, wb_t, name="dup.xlsx") == [
        "Data!C1: found the column 'a1' a second time (first in B1); expected each column once."]


def test_empty_csv_file_is_named(tmp_path):
    for name, df in tiny_tables().items():
        df.to_csv(tmp_path / f"{name.lower()}.csv", index=False)
    (tmp_path / "structure.csv").write_text("")
    with pytest.raises(InputError) as info:
        load_dataset(tmp_path)
    assert info.value.problems == ["structure.csv: found an empty file; expected a header row and one row per entry."]


def test_nothing_scored_is_a_clear_error(tmp_path):
    import readiness

    ds = load_dataset(write(tmp_path / "ok.xlsx", tiny_tables()))
    with pytest.raises(readiness.MethodError, match="no country has an index score"):
        readiness.build(ds, weights_override={"A": 0, "B": 0})
    with pytest.raises(readiness.MethodError, match="no country is scored"):
        readiness.build(ds.with_values(ds.values.where(ds.values < 0)))


# -- issue 7 and 10: lever column, settings at once, units and parents -----------------------------

from readiness.io.tables import from_tables  # noqa: E402


def _problems(t):
    with pytest.raises(InputError) as info:
        from_tables(t)
    return info.value.problems


@pytest.mark.parametrize("cells, expected", [
    (["yes", "no", "", "No"], [True, False, True, False]),
    ([True, False, None, "y"], [True, False, True, True]),
])
def test_lever_column_is_kept_as_yes_or_no(cells, expected):
    t = tiny_tables()
    t["Indicators"]["lever"] = pd.Series(cells, dtype=object)
    assert from_tables(t).indicators["lever"].tolist() == expected
    assert from_tables(tiny_tables()).indicators["lever"].tolist() == [True] * 4  # absent: yes


def test_lever_other_values_name_their_cell():
    t = tiny_tables()
    t["Indicators"]["lever"] = ["yes", "maybe", "", 2]
    assert _problems(t) == ["Indicators!F3: found text 'maybe'; expected yes or no (empty means yes).",
                            "Indicators!F5: found 2.0; expected yes or no (empty means yes)."]


def test_every_settings_problem_at_once_with_sheet_cell_and_field():
    t = tiny_tables()
    t["Settings"] = pd.DataFrame({"setting": ["skew_max", "seed", "normalisation_high", "seed", "coverage_min"],
                                  "value": ["nan", -1, "inf", 3, "x"]})
    assert _problems(t) == [
        "Settings!A5: found the setting 'seed' a second time (first in A3); expected each setting once.",
        "Settings!B2: skew_max must be a finite number >= 0; got 'nan'",
        "Settings!B3: seed must be a whole number between 0 and 4294967295; got -1",
        "Settings!B4: normalisation_high must be a finite number; got 'inf'",
        "Settings!B6: coverage_min must be a finite number between 0 and 1; got 'x'",
    ]


@pytest.mark.parametrize("cell, found", [
    ("1_000", "text '1_000'"), ("\u0661\u0662", "text '\u0661\u0662'"), ("\u0969\u096a", "text '\u0969\u096a'"),
    ("inf", "text 'inf'"), (True, "the boolean TRUE"),
])
def test_only_plain_numbers_are_numbers(cell, found):
    t = tiny_tables()
    t["Data"]["a2"] = t["Data"]["a2"].astype(object)
    t["Data"].loc[1, "a2"] = cell
    assert _problems(t) == [f"Data!C3: found {found}; expected a number or an empty cell."]


def test_unit_codes_of_any_shape_and_aliases_never_collide():
    t = tiny_tables()
    codes = ["DRC", "COD", "KE-30", "U0000001_x"]
    t["Data"]["country"] = codes
    t["Countries"]["country"] = codes
    ds = from_tables(t)
    assert list(ds.values.index) == codes and list(ds.countries.index) == codes


def test_parent_column_resolves_countries_and_units():
    t = tiny_tables()
    t["Data"]["country"] = t["Countries"]["country"] = ["KEN", "KE-30", "KE-47", "KE-01"]
    t["Countries"]["parent"] = ["", "Kenya", "KEN", "ke-30"]
    ds = from_tables(t)
    assert ds.countries["parent"].tolist() == ["", "KEN", "KEN", "KE-30"]
    t["Countries"]["parent"] = ["", "KE-30", "Atlantis Region", ""]
    assert _problems(t) == [
        "Countries!E3: found KE-30, the unit itself; expected another unit or a country.",
        "Countries!E4: found 'Atlantis Region'; expected the code of the unit or country this unit belongs to."]


@pytest.mark.parametrize("code, found", [
    ("\u041a\u0415N", "'\u041a\u0415N' with the Cyrillic letter '\u041a' (U+041A)"),
    ("\uff2b\uff25\uff2e", "'\uff2b\uff25\uff2e' with the full-width or compatibility character '\uff2b' (U+FF2B)"),
    ("KEN\u200b", "'KEN\\u200b' with the invisible or control character '\\u200b' (U+200B)"),
    ("Congo", "'Congo', which fits more than one country (COG Congo - Brazzaville, COD Congo - Kinshasa)"),
    ("x" * 33, "'" + "x" * 33 + "'"),
])
def test_look_alike_ambiguous_and_overlong_codes_are_refused(code, found):
    t = tiny_tables()
    t["Countries"].loc[0, "country"] = code
    assert _problems(t)[0] == (f"Countries!A2: found {found}; expected an ISO3 or ISO2 code, a country name, "
                               "or a unit code (up to 32 letters, digits, - and _).")


def test_errors_are_capped_at_fifty_then_counted():
    t = tiny_tables()
    n = 120
    t["Data"] = pd.DataFrame({"country": [f"U{i:03d}" for i in range(n)], "a1": ["x"] * n, "a2": 1.0,
                              "b1": 1.0, "b2": 1.0})
    t["Countries"] = pd.DataFrame({"country": [f"U{i:03d}" for i in range(n)]})
    problems = _problems(t)
    assert len(problems) == 51 and problems[-1] == "... and 70 more problems (the first 50 are shown)"


def test_default_dataset_shows_cldr_names_and_workbooks_keep_theirs():
    ds = load_dataset()
    assert ds.countries.loc[["TWN", "KOR", "HKG"], "name"].tolist() == ["Taiwan", "South Korea", "Hong Kong"]
    t = tiny_tables()
    t["Data"]["country"] = t["Countries"]["country"] = ["TWN", "KOR", "KEN", "COD"]
    t["Countries"]["name"] = ["Taiwan, China", "", "Kenya", ""]
    assert from_tables(t).countries["name"].tolist() == ["Taiwan, China", "South Korea", "Kenya",
                                                         "Congo - Kinshasa"]


# -- the vectorised sheet reader (issue 9: large workbooks in seconds) -----------------------------

import re  # noqa: E402
import zipfile  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from readiness.io.workbook import read_tables  # noqa: E402


def _with_sheet(src, dst, sheet_xml_edit, part="xl/worksheets/sheet1.xml"):
    """A copy of workbook ``src`` whose ``part`` is passed through ``sheet_xml_edit(bytes) -> bytes``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item.filename, sheet_xml_edit(data) if item.filename == part else data)
    return dst


def _rows_xml(rows: bytes) -> callable:
    def edit(data):
        head, _, rest = data.partition(b"<sheetData>")
        _, _, tail = rest.partition(b"</sheetData>")
        return head + b"<sheetData>" + rows + b"</sheetData>" + tail
    return edit


def test_every_kind_of_cell_reads_as_before(tmp_path):
    """Numbers, shared and inline strings, rich text, booleans, errors, formulas with results, empty values."""
    rows = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>country</t></is></c><c r="B1" t="s"><v>0</v></c>'
            b'<c r="C1" t="inlineStr"><is><r><t>c</t></r><r><rPr><b/></rPr><t>3</t></r></is></c>'
            b'<c r="D1" t="inlineStr"><is><t>&amp;d</t></is></c><c r="E1" t="inlineStr"/></row>'
            b'<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>12</v></c><c r="C2" t="b"><v>1</v></c>'
            b'<c r="D2" t="e"><v>#N/A</v></c><c r="E2" s="0" t="n"><f>1+1</f><v>2.5</v></c></row>'
            b'<row r="4"><c r="A4" t="str"><f>"x"</f><v>x&lt;y</v></c><c r="B4"><v>-1.5E-3</v></c>'
            b'<c r="C4" t="b"><v>0</v></c><c r="D4"><v></v></c><c r="E4"><v>123456789012345678</v></c></row>')
    strings = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
               b'spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>b</t></si><si><t>KEN</t></si></sst>')
    src = write(tmp_path / "src.xlsx", {"Settings": pd.DataFrame({"x": [1]})})
    path = _with_sheet(src, tmp_path / "mid.xlsx", _rows_xml(rows))
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/sharedStrings.xml", strings)
    frame = read_tables(path)["Settings"]
    assert list(frame.columns) == ["country", "b", "c3", "&d"]
    assert frame.to_numpy().tolist() == [["KEN", 12, True, "#N/A"], [None, None, None, None],
                                         ["x<y", -0.0015, False, None]]
    assert type(frame.iat[0, 1]) is int


def test_white_space_between_tags_is_read_and_text_outside_values_is_not(tmp_path):
    src = write(tmp_path / "src.xlsx", tiny_tables())
    pretty = _with_sheet(src, tmp_path / "pretty.xlsx", lambda d: d.replace(b"<c ", b"\n   <c ")
                         .replace(b"<row ", b"\n <row "))
    assert load_dataset(pretty).values.equals(load_dataset(src).values)
    junk = _with_sheet(src, tmp_path / "junk.xlsx", lambda d: d.replace(b"</c>", b"</c>junk", 1))
    with pytest.raises(InputError) as info:
        load_dataset(junk)
    assert info.value.problems == ["Data: found sheet XML this reader does not understand; expected a workbook "
                                   "saved by Excel, LibreOffice or openpyxl."]


def test_a_doctored_second_cell_at_one_reference_is_refused(tmp_path):
    src = write(tmp_path / "src.xlsx", tiny_tables())
    path = _with_sheet(src, tmp_path / "twice.xlsx", lambda d: d.replace(
        b"</row>", b'<c r="B2" t="n"><v>1000000</v></c></row>', 2).replace(
        b'<c r="B2" t="n"><v>1000000</v></c></row>', b"</row>", 1))
    with pytest.raises(InputError) as info:
        load_dataset(path)
    assert info.value.problems == ["Data!B2: found two cells with this reference in the sheet's XML (a doctored "
                                   "file); expected each cell once."]


def test_a_damaged_number_cell_is_named_not_a_traceback(tmp_path):
    src = write(tmp_path / "src.xlsx", tiny_tables())
    path = _with_sheet(src, tmp_path / "nan.xlsx", lambda d: re.sub(rb'(<c r="C3"[^>]*><v>)[^<]*', rb"\1abc", d))
    with pytest.raises(InputError) as info:
        load_dataset(path)
    assert info.value.problems == ["Data!C3: found the value 'abc' in a number cell; expected a number (the file is "
                                   "damaged: open and save it in Excel)."]


def test_a_wide_header_and_one_far_cell_are_refused_before_the_grid(tmp_path):
    from readiness.io.cells import col_letter

    header = b"".join(b'<c r="%s1" t="inlineStr"><is><t>h%d</t></is></c>' % (col_letter(j).encode(), j)
                      for j in range(2000))
    rows = b'<row r="1">' + header + b'</row><row r="3500"><c r="A3500"><v>1</v></c></row>'
    path = _with_sheet(write(tmp_path / "src.xlsx", tiny_tables()), tmp_path / "far.xlsx", _rows_xml(rows))
    with pytest.raises(InputError) as info:
        read_tables(path)
    assert info.value.problems == ["Data: found a table of 3,499 rows x 2,000 columns; expected at most 6,000,000 "
                                   "cells (delete stray cells far from the table, then save)."]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15),
                                   st.floats(allow_nan=False, allow_infinity=False),
                                   st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                                           max_size=8).filter(lambda t: not t.startswith("="))),
                         min_size=3, max_size=3), min_size=1, max_size=12))
def test_cells_read_as_openpyxl_reads_them(tmp_path_factory, body):
    """Whatever openpyxl writes, in any mix, reads back as openpyxl itself reads it (Settings keeps objects)."""
    path = tmp_path_factory.mktemp("mix") / "mix.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Settings"
    ws.append(["a", "b", "c"])
    for row in body:
        ws.append(row)
    wb.save(path)
    expected = [list(r) for r in openpyxl.load_workbook(path, read_only=True)["Settings"].iter_rows(
        min_row=2, values_only=True)]
    while expected and all(v is None or (isinstance(v, str) and not v.strip()) for v in expected[-1]):
        expected.pop()
    frame = read_tables(path)["Settings"]
    got = [[None if v == "" else v for v in row] for row in frame.to_numpy().tolist()]  # openpyxl: "" is None
    assert got == [[v for v in row] + [None] * (3 - len(row)) for row in expected]
    assert [type(v) for row in got for v in row] == [type(v) for row in expected for v in row]


def test_hidden_row_is_named(tmp_path):
    src = write(tmp_path / "src.xlsx", tiny_tables())
    path = _with_sheet(src, tmp_path / "hidden.xlsx", lambda d: d.replace(b'<row r="3"', b'<row r="3" hidden="1"'))
    with pytest.raises(InputError) as info:
        load_dataset(path)
    assert info.value.problems == ["Data!A3: found a hidden row; expected every row of the table visible (unhide it, "
                                   "or delete it)."]


@pytest.mark.parametrize("chunk", [23, 64, 1000])
def test_blocks_cut_anywhere_read_the_same(tmp_path, monkeypatch, chunk):
    """The sheet XML is read in blocks cut after a row or a cell: tiny blocks cut rows, tags and markers anywhere."""
    import readiness.io.workbook as workbook

    t = tiny_tables()
    t["Data"]["a2"] = t["Data"]["a2"].astype(object)
    t["Data"].loc[1, "a2"] = "n/a"
    path = write(tmp_path / "t.xlsx", t)
    whole = read_tables(path)
    monkeypatch.setattr(workbook, "_CHUNK", chunk)
    cut = read_tables(path)
    assert list(cut) == list(whole)
    for name in whole:
        assert cut[name].equals(whole[name]), name
