"""readiness export: the results workbook reads back bit for bit, inert and safely written."""

import os
import stat

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import readiness
from readiness import InputError
from readiness.cli.main import cli
from readiness.io.export import MARKS, SHEETS, unit_format, write_export


@pytest.fixture(scope="module")
def result():
    return readiness.build(readiness.load_dataset())


@pytest.fixture(scope="module")
def book(result, tmp_path_factory):
    path = write_export(result, tmp_path_factory.mktemp("exp") / "results.xlsx", command="readiness export")
    return openpyxl.load_workbook(path)


def _frame(ws):
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    while header and header[-1] is None:
        header.pop()
    return pd.DataFrame([r[:len(header)] for r in rows[1:]], columns=header)


def _floats(series):
    return series.map(lambda v: np.nan if v is None else v).to_numpy(dtype=float)


def test_sheets_panes_filters(book):
    assert book.sheetnames == list(SHEETS) == ["About", "Index", "Indicators", "Explain", "Not scored",
                                               "Provenance", "Sources"]
    assert book["Index"].freeze_panes == "D2" and book["Index"].auto_filter.ref == "A1:O173"
    assert all(book[s].freeze_panes for s in SHEETS)
    assert len(book["Index"].conditional_formatting) >= 5  # colour scale on the composite and each dimension


def test_about_names_data_settings_and_command(book, result):
    about = dict(_frame(book["About"]).itertuples(index=False, name=None))
    assert about["data fingerprint"] == result.fingerprint()
    assert about["dataset version"] == "2026.12" and about["command"] == "readiness export"
    for name in result.spec.to_dict():
        assert f"setting: {name}" in about
    assert about["setting: coverage_min"] == 0.6 and about["setting: normalisation"] == "minmax"


def test_index_reads_back_bit_for_bit(book, result):
    from readiness.analysis.uncertainty import default_uncertainty

    index = _frame(book["Index"])
    order = result.index_scores.index
    assert list(index["country"]) == list(order)
    assert _floats(index["score"]).tobytes() == result.scores.loc[order, "index"].to_numpy().tobytes()
    for dim in ("compute", "chips", "talent", "localisation"):
        assert _floats(index[dim]).tobytes() == result.scores.loc[order, dim].to_numpy().tobytes()
        assert np.array_equal(_floats(index[f"{dim}_rank"]), result.ranks.loc[order, dim].to_numpy())
    ua = default_uncertainty(result).countries.loc[order]
    assert np.array_equal(_floats(index["rank_5"]), np.floor(ua["q05"].to_numpy()))
    assert np.array_equal(_floats(index["rank_95"]), np.ceil(ua["q95"].to_numpy()))
    ke = index.set_index("country").loc["KEN"]
    prof = readiness.profile(result, "KE", uncertainty=True)
    assert (ke["rank"], ke["rank_5"], ke["rank_95"]) == (prof["rank"], prof["uncertainty"]["q05"],
                                                         prof["uncertainty"]["q95"])


def test_indicators_read_back_bit_for_bit(book, result):
    ind = _frame(book["Indicators"])
    ds = result.dataset
    assert len(ind) == ds.values.size
    raw = _floats(ind["raw"]).reshape(ds.values.shape)
    want = ds.values.to_numpy()
    gaps = np.isnan(want)
    assert raw[~gaps].tobytes() == want[~gaps].tobytes() and np.isnan(raw[gaps]).all()
    norm = pd.DataFrame(_floats(ind["normalised"]).reshape(ds.values.shape), index=ds.values.index,
                        columns=ds.values.columns)
    want = result.stages["normalised"].reindex(ds.values.index).to_numpy()
    gaps = np.isnan(want)
    assert norm.to_numpy()[~gaps].tobytes() == want[~gaps].tobytes() and np.isnan(norm.to_numpy()[gaps]).all()
    assert set(ind["status"]) == {"observed", "missing"}  # the default imputes nothing
    # number formats by unit
    ws = book["Indicators"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[2].value == "internet_users")
    assert row[6].number_format == unit_format("% of population") == "0.0"
    assert row[8].number_format == "0.00"


def test_explain_and_not_scored(book, result):
    from readiness.analysis.explain import contributions

    ex = _frame(book["Explain"]).set_index("country")
    con = contributions(result).loc[ex.index]
    got = ex[list(con.columns)].apply(_floats).to_numpy()
    assert got.tobytes() == con.to_numpy().tobytes()
    ns = _frame(book["Not scored"])
    assert list(ns["country"]) == list(result.not_scored.index)
    assert list(ns["reason"]) == list(result.not_scored["reason"])


def _tiny_update(path, rows):
    """A hand-written update file: Data (country, a1, b2) and Provenance rows."""
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    data.append(["country", "a1", "b2"])
    for row in rows:
        data.append(row)
    prov = wb.create_sheet("Provenance")
    prov.append(["country", "indicator", "year", "source", "note"])
    prov.append(["AAA", "a1", 2025, "nso_2026", "national survey"])
    prov.append(["Bland", "b2", 2024, "nso_2026", None])
    wb.save(path)
    return path


def test_updated_and_imputed_cells_are_marked(tmp_path):
    from readiness.io.tables import from_tables
    from tests.conftest import tiny_tables

    t = tiny_tables()
    t["Data"]["a2"] = [10.0, None, 20.0, 40.0]
    ds = from_tables(t, label="tiny")
    upd = _tiny_update(tmp_path / "upd.xlsx", [["AAA", 1.5, None], ["Bland", None, 0.3]])
    mine = readiness.apply_update(ds, upd)
    result = readiness.build(mine, readiness.Spec(imputation="mean"))
    path = write_export(result, tmp_path / "out.xlsx", inputs=[upd], uncertainty=False)
    wb = openpyxl.load_workbook(path)
    ws = wb["Indicators"]
    header = [c.value for c in ws[1]]
    s, raw, imp = header.index("status"), header.index("raw"), header.index("imputed_value")
    rows = list(ws.iter_rows(min_row=2))
    marked = {(r[0].value, r[2].value): r for r in rows if r[s].value in ("updated", "imputed")}
    assert sorted(marked) == [("AAA", "a1"), ("BBB", "a2"), ("BBB", "b2")]
    assert marked[("AAA", "a1")][s].value == "updated" and marked[("AAA", "a1")][raw].value == 1.5
    assert marked[("AAA", "a1")][raw].fill.fgColor.rgb == "00" + MARKS["updated"][0]
    assert marked[("BBB", "a2")][s].value == "imputed"
    assert marked[("BBB", "a2")][imp].fill.fgColor.rgb == "00" + MARKS["imputed"][0]
    assert marked[("BBB", "a2")][imp].value == result.stages["imputed"].at["BBB", "a2"]
    assert "Legend" in header
    prov = _frame(wb["Provenance"])
    assert list(prov["updated"]) == ["upd.xlsx Data!B2", "upd.xlsx Data!C3"]
    assert list(prov["note"]) == ["user-supplied: national survey", "user-supplied"]


@pytest.fixture
def hostile(tmp_path):
    from readiness.io.tables import from_tables
    from tests.conftest import tiny_tables

    t = tiny_tables()
    t["Countries"]["name"] = ["=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2"]
    t["Indicators"]["name"] = ["=HYPERLINK(\"http://x\")", "-x", "ok", "@x"]
    t["Indicators"]["unit"] = ["=1", "%", "+", "models"]
    t["Data"]["a1"] = [0.1 + 0.2, 1e-300, 2.0 ** 60, 5e-324]
    return readiness.build(from_tables(t, label="=evil"))


def test_every_formula_string_is_neutralised(hostile, tmp_path):
    path = write_export(hostile, tmp_path / "x.xlsx", uncertainty=False, command="=calc")
    wb = openpyxl.load_workbook(path)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=cmd|' /C calc'!A0" in texts and "'=HYPERLINK(\"http://x\")" in texts and "'=evil" in texts
    assert not [t for t in texts if t[0] in "=+-@\t\r"]
    assert all(c.data_type != "f" for ws in wb for row in ws.iter_rows() for c in row)
    raw = _frame(wb["Indicators"])
    a1 = _floats(raw.loc[raw["indicator"] == "a1", "raw"])
    assert a1.tobytes() == np.array([0.1 + 0.2, 1e-300, 2.0 ** 60, 5e-324]).tobytes()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_permissions_follow_the_umask(hostile, tmp_path, umask):
    old = os.umask(umask)
    try:
        path = write_export(hostile, tmp_path / "x.xlsx", uncertainty=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]  # no temporary file left


def test_never_over_an_input(hostile, tmp_path):
    src = tmp_path / "in.xlsx"
    src.write_bytes(b"input")
    with pytest.raises(InputError, match="the same file as an input of this run"):
        write_export(hostile, src, inputs=[src], uncertainty=False)
    assert src.read_bytes() == b"input"


def test_export_cli(tmp_path):
    from readiness.io.writer import write_workbook
    from tests.conftest import tiny_tables

    data = write_workbook(tiny_tables(), tmp_path / "tiny.xlsx")
    upd = _tiny_update(tmp_path / "upd.xlsx", [["AAA", 1.5, None]])
    out = CliRunner().invoke(cli, ["export", "-o", str(tmp_path / "r.xlsx"), "--data", str(data), "--update",
                                   str(upd), "--set", "normalisation=zscore"])
    assert out.exit_code == 0, out.output
    assert "Sheets: About, Index, Indicators, Explain, Not scored, Provenance, Sources." in out.output
    about = dict(_frame(openpyxl.load_workbook(tmp_path / "r.xlsx")["About"]).itertuples(index=False, name=None))
    assert about["command"] == (f"readiness export -o {tmp_path / 'r.xlsx'} --data {data} --update {upd} "
                                "--set normalisation=zscore")
    assert about["dataset"] == str(data)
    assert about["updated cells"] == "AAA a1 (upd.xlsx Data!B2)"
    assert about["setting: normalisation"] == "zscore"
    bad = CliRunner().invoke(cli, ["export", "-o", str(tmp_path / "r.csv"), "--data", str(data)])
    assert bad.exit_code == 2 and bad.output.startswith("Error: ")
    bad = CliRunner().invoke(cli, ["export", "-o", str(upd), "--data", str(data), "--update", str(upd)])
    assert bad.exit_code == 2 and "the same file as an input of this run" in bad.output


@pytest.mark.parametrize("args", [["rank"], ["score", "--country", "AAA"], ["explain", "--country", "AAA"],
                                  ["compare", "AAA", "BBB"], ["indicators"],
                                  ["sensitivity", "--n", "64"]], ids=lambda a: a[0])
def test_csv_output_is_neutralised_like_the_workbooks(tmp_path, args):
    import csv
    import io

    from readiness.io.writer import write_workbook
    from tests.conftest import tiny_tables

    t = tiny_tables()
    t["Countries"]["name"] = ["=cmd|' /C calc'!A0", "+1", "@x", "-2"]
    t["Indicators"]["name"] = ["=1+1", "-x", "ok", "@x"]
    t["Structure"]["name"] = ["=DimA", "@B", "Index"]
    data = write_workbook(t, tmp_path / "evil.xlsx")
    out = CliRunner().invoke(cli, [*args, "--data", str(data), "--format", "csv"])
    assert out.exit_code == 0, out.output
    fields = [f for row in csv.reader(io.StringIO(out.output)) for f in row]
    assert fields, out.output

    def number(f):
        try:
            float(f)
            return True
        except ValueError:
            return False

    assert not [f for f in fields if f[:1] in ("=", "+", "-", "@", "\t", "\r") and not number(f)]
    assert any(f.startswith("'") for f in fields)


# -- byte-reproducible workbooks (issue 9) ---------------------------------------------------------

def _sha(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dated(path, when):
    """Every zip entry and the document's created/modified dates are ``when``; the file opens in openpyxl."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        assert {i.date_time for i in z.infolist()} == {when.timetuple()[:6]}
        assert z.namelist()[0] == "[Content_Types].xml"
        core = z.read("docProps/core.xml").decode()
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f">{iso}</dcterms:created>" in core and f">{iso}</dcterms:modified>" in core
    props = openpyxl.load_workbook(path, read_only=True).properties
    assert props.created == props.modified == when


def _twice(make, path):
    """Two runs of ``make(path)`` a second apart (openpyxl and zipfile would stamp the clock): their two hashes."""
    import time

    make(path)
    first = _sha(path)
    time.sleep(1.1)
    make(path)
    return first, _sha(path)


WRITERS = {
    "template": lambda tmp, asem: ["template", "--country", "KE", "-o"],
    "export": lambda tmp, asem: ["export", "--data", str(asem), "-o"],
    "sensitivity": lambda tmp, asem: ["sensitivity", "--data", str(asem), "--vary", "normalisation", "--n", "16",
                                      "--seed", "1", "--no-cache", "--format", "json", "--out"],
    "audit": lambda tmp, asem: ["audit", "--data", str(asem), "--format", "json", "--out"],
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_written_workbook_is_byte_reproducible(writer, tmp_path, asem_path, monkeypatch):
    from datetime import datetime

    from readiness.io.writer import stamp

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    args = WRITERS[writer](tmp_path, asem_path)

    def make(path):
        res = CliRunner().invoke(cli, [*args, str(path)])
        assert res.exit_code == 0, res.output

    path = tmp_path / f"{writer}.xlsx"
    first, second = _twice(make, path)
    assert first == second
    version = readiness.load_dataset().version if writer == "template" else readiness.load_dataset(asem_path).version
    _dated(path, stamp(version if writer in ("template", "export") else None))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    make(path)
    _dated(path, datetime(2023, 11, 14, 22, 13, 20))
    assert _sha(path) != first


def test_stamp_follows_source_date_epoch_then_the_dataset_version(monkeypatch):
    from datetime import datetime

    from readiness.io.writer import stamp

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert stamp("2026.12") == datetime(2026, 12, 1) and stamp(None) == stamp("x") == datetime(2026, 1, 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert stamp("2026.12") == datetime(1980, 1, 1)  # a zip holds no earlier date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH: found 'yesterday'; expected a whole number"):
        stamp()


def test_reproducible_write_keeps_umask_permissions_and_atomicity(tmp_path):
    from readiness.io.writer import write_workbook

    old = os.umask(0o027)
    try:
        path = write_workbook({"T": pd.DataFrame({"a": [1.5]})}, tmp_path / "x.xlsx")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]
