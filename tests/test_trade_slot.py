"""The trade-data slot: a user's bilateral extract fills the chip-concentration indicators."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

import readiness
from readiness.cli import cli
from readiness.io.tables import from_tables

from .conftest import tiny_tables

FLOWS = pd.DataFrame({"importer": ["AAA", "AAA", "AAA", "BBB", "BBB"],
                      "exporter": ["CHN", "ARE", "USA", "TWN", "HKG"],
                      "year": [2023] * 5, "value": [60.0, 30.0, 10.0, 50.0, 50.0]})


def _tables_with_chip_indicators():
    t = tiny_tables()
    t["Indicators"] = pd.concat([t["Indicators"], pd.DataFrame({
        "code": ["chip_supplier_hhi", "chip_cluster_share"], "name": ["HHI", "Cluster"],
        "parent": ["B", "B"], "direction": [-1, -1], "weight": [1, 1]})], ignore_index=True)
    t["Data"]["chip_supplier_hhi"] = [None, None, 1000.0, None]
    t["Data"]["chip_cluster_share"] = [None, None, 20.0, None]
    return t


def test_trade_sheet_fills_the_importers_it_covers():
    t = _tables_with_chip_indicators()
    t["Trade"] = FLOWS
    ds = from_tables(t)
    # AAA: shares .6, .3, .1 -> HHI = 10,000 (0.36 + 0.09 + 0.01) = 4,600; cluster (CHN) 60%
    assert ds.values.loc["AAA", "chip_supplier_hhi"] == pytest.approx(4600)
    assert ds.values.loc["AAA", "chip_cluster_share"] == pytest.approx(60)
    assert ds.values.loc["BBB", "chip_supplier_hhi"] == pytest.approx(5000)
    assert ds.values.loc["BBB", "chip_cluster_share"] == pytest.approx(100)
    # a country the extract does not cover keeps its Data value; a gap stays a gap
    assert ds.values.loc["CCC", "chip_supplier_hhi"] == 1000 and pd.isna(ds.values.loc["DDD", "chip_supplier_hhi"])
    notes = ds.provenance.set_index(["country", "indicator"])["note"]
    assert notes[("AAA", "chip_supplier_hhi")].startswith("computed from the Trade table (hhi")


def test_trade_csv_for_the_default_dataset(tmp_path):
    path = tmp_path / "comtrade.csv"
    FLOWS.assign(importer=["KEN", "KEN", "KEN", "NGA", "NGA"]).to_csv(path, index=False)
    ds = readiness.load_dataset(trade=path)
    assert ds.values.loc["KEN", "chip_supplier_hhi"] == pytest.approx(4600)
    res = CliRunner().invoke(cli, ["score", "-c", "KE", "--trade", str(path), "--format", "json"])
    out = json.loads(res.stdout)
    assert out["coverage"]["present"] == out["coverage"]["indicators"]


def test_bad_trade_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("importer,exporter,value\nKEN,CHN,1\n")
    res = CliRunner().invoke(cli, ["score", "-c", "KE", "--trade", str(path)])
    assert res.exit_code == 2
    assert res.stderr.startswith("Error: bad.csv: found no column 'year'")


def test_names_iso2_zero_totals_and_unknown_importers(tmp_path):
    t = _tables_with_chip_indicators()
    t["Countries"].loc[2, "name"] = "Cland"
    t["Trade"] = pd.DataFrame({"importer": ["AAA", "AAA", "CCC"], "exporter": ["China", "US", "CHN"],
                               "year": [2023, 2023, 2023], "value": [3.0, 1.0, 0.0]})
    ds = from_tables(t)
    # AAA given exporter names: shares .75 (CHN), .25 (USA)
    assert ds.values.loc["AAA", "chip_cluster_share"] == pytest.approx(75)
    # CCC's flows sum to zero: no shares, its Data value stays
    assert ds.values.loc["CCC", "chip_supplier_hhi"] == 1000
    t["Trade"] = pd.DataFrame({"importer": ["??"], "exporter": ["CHN"], "year": [2023], "value": [1.0]})
    with pytest.raises(readiness.InputError, match=r"Trade!A2: found '\?\?'; expected an ISO3 or ISO2 code"):
        from_tables(t)
    t["Trade"] = pd.DataFrame({"importer": ["KEN"], "exporter": ["CHN"], "year": [2023], "value": [1.0]})
    with pytest.warns(readiness.ReadinessWarning, match="not countries of the dataset, ignored: KEN"):
        from_tables(t)
