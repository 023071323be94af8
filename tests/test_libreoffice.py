"""A spreadsheet application opens what we write: LibreOffice converts the template and the export.

Marked ``libreoffice``; skipped when ``soffice`` is not on PATH. One ``soffice`` run
converts every sheet of three workbooks to CSV (LibreOffice writes numbers with 15
significant digits, so values are compared to that precision; openpyxl checks the bits
in test_export_workbook.py).
"""

import csv
import shutil
import subprocess

import numpy as np
import pytest

import readiness
from readiness.io.export import write_export
from readiness.io.template import write_template

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not on PATH")]

# comma, double quote, UTF-8, from line 1, ..., values not "as shown" (full), every sheet (-1)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    from readiness.io.tables import from_tables
    from tests.conftest import tiny_tables

    root = tmp_path_factory.mktemp("lo")
    ds = readiness.load_dataset()
    result = readiness.build(ds)
    write_template(root / "ke.xlsx", ds, ["KE"])
    write_export(result, root / "results.xlsx")
    t = tiny_tables()
    t["Countries"]["name"] = ["=1+1", "+SUM(1,2)", "@A1", "-3"]
    write_export(readiness.build(from_tables(t, label="tiny")), root / "tiny.xlsx", uncertainty=False)
    out = root / "csv"
    run = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{root / 'profile'}", "--headless", "--convert-to", CSV_FILTER,
         "--outdir", str(out), str(root / "ke.xlsx"), str(root / "results.xlsx"), str(root / "tiny.xlsx")],
        capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    return out, ds, result


def test_template_opens_with_its_values(converted):
    out, ds, _ = converted
    header, rows = _read(out / "ke-Data.csv")
    assert header == ["country", "name", *ds.values.columns] and len(rows) == 1
    assert rows[0][:2] == ["KEN", "Kenya"]
    got = np.array([float(v) if v else np.nan for v in rows[0][2:]])
    np.testing.assert_allclose(got, ds.values.loc["KEN"].to_numpy(), rtol=1e-14)
    assert np.isnan(got).sum() == ds.values.loc["KEN"].isna().sum()
    header, rows = _read(out / "ke-Provenance.csv")
    assert header == ["country", "indicator", "year", "source", "note"]
    assert len(rows) == ds.values.loc["KEN"].notna().sum() and {r[0] for r in rows} == {"KEN"}
    header, rows = _read(out / "ke-Settings.csv")
    assert rows == [["coverage_min", "0.6"]]
    assert (out / "ke-Instructions.csv").exists() and (out / "ke-Indicators.csv").exists()


def test_export_opens_with_its_values(converted):
    out, _, result = converted
    names = sorted(p.name for p in out.glob("results-*.csv"))
    assert names == sorted(f"results-{s}.csv" for s in ("About", "Index", "Indicators", "Explain", "Not scored",
                                                        "Provenance", "Sources"))
    header, rows = _read(out / "results-Index.csv")
    order = result.index_scores.index
    assert [r[1] for r in rows] == list(order)
    got = np.array([float(r[header.index("score")]) for r in rows])
    np.testing.assert_allclose(got, result.scores.loc[order, "index"].to_numpy(), rtol=1e-14)
    assert [int(r[0]) for r in rows] == list(result.ranks.loc[order, "index"].astype(int))
    header, rows = _read(out / "results-Indicators.csv")
    assert len(rows) == result.dataset.values.size
    raw = np.array([float(r[header.index("raw")]) if r[header.index("raw")] else np.nan for r in rows])
    np.testing.assert_allclose(raw, result.dataset.values.to_numpy().ravel(), rtol=1e-14)
    about = dict(r[:2] for r in _read(out / "results-About.csv")[1])
    assert about["data fingerprint"] == result.fingerprint()


def test_formula_text_stays_text(converted):
    out = converted[0]
    header, rows = _read(out / "tiny-Index.csv")
    names = [r[header.index("name")] for r in rows]
    assert sorted(names) == sorted(["'=1+1", "'+SUM(1,2)", "'@A1", "'-3"])  # shown as written, never computed
