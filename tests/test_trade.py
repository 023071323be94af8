"""Tests for readiness/trade.py: chip-supplier concentration from bilateral trade."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest

from readiness.io.trade import TradeError, chip_concentration, read_atlas_concentration


def _trade(rows):
    return pd.DataFrame(rows, columns=["importer", "exporter", "year", "value"])


def test_hand_computed_case():
    trade = _trade([
        # KEN 2022: CHN 20, USA 10; 2023: CHN 20, TWN 30, ROW 20  -> summed: CHN 40, TWN 30, ROW 20, USA 10
        ("KEN", "CHN", 2022, 20.0), ("KEN", "USA", 2022, 10.0),
        ("KEN", "CHN", 2023, 20.0), ("KEN", "TWN", 2023, 30.0), ("KEN", "ROW", 2023, 20.0),
        # UGA: KEN 3, UGA 5 (a re-import, dropped), DEU 1 -> KEN 0.75, DEU 0.25
        ("UGA", "KEN", 2023, 3.0), ("UGA", "UGA", 2023, 5.0), ("UGA", "DEU", 2023, 1.0),
    ])
    out = chip_concentration(trade)
    assert list(out.index) == ["KEN", "UGA"] and out.index.name == "country"
    assert list(out.columns) == ["top_supplier_share", "hhi", "cluster_share"]
    # KEN shares 0.4, 0.3, 0.2 (ROW), 0.1: top named supplier CHN 40 %
    # HHI = (0.16 + 0.09 + 0.04 + 0.01) x 10,000 = 3,000; cluster CHN + TWN = 70 %
    assert out.loc["KEN"].tolist() == pytest.approx([40.0, 3000.0, 70.0])
    # UGA: top 75 %, HHI = (0.5625 + 0.0625) x 10,000 = 6,250, cluster 0 %
    assert out.loc["UGA"].tolist() == pytest.approx([75.0, 6250.0, 0.0])


def test_year_selects_and_sums():
    trade = _trade([("KEN", "CHN", 2022, 20.0), ("KEN", "USA", 2022, 10.0),
                    ("KEN", "CHN", 2023, 20.0), ("KEN", "TWN", 2023, 30.0)])
    one = chip_concentration(trade, year=2022)
    # 2022 only: CHN 2/3, USA 1/3 -> HHI (4/9 + 1/9) x 10,000 = 5,555.6
    assert one.loc["KEN", "hhi"] == pytest.approx(50000 / 9)
    both = chip_concentration(trade, year=[2022, 2023])
    # CHN 40, TWN 30, USA 10 of 80: 0.5, 0.375, 0.125 -> top 50 %, cluster 87.5 %
    assert both.loc["KEN", "top_supplier_share"] == pytest.approx(50.0)
    assert both.loc["KEN", "cluster_share"] == pytest.approx(87.5)
    assert both.equals(chip_concentration(trade))


def test_custom_cluster_and_zero_imports():
    trade = _trade([("KEN", "CHN", 2023, 1.0), ("KEN", "USA", 2023, 3.0), ("UGA", "CHN", 2023, 0.0)])
    out = chip_concentration(trade, cluster=("USA",))
    assert out.loc["KEN", "cluster_share"] == pytest.approx(75.0)
    assert out.loc["UGA"].isna().all()


def test_input_is_not_mutated():
    trade = _trade([("ken", " chn", 2023, 1.0)])
    before = trade.copy()
    out = chip_concentration(trade)
    pd.testing.assert_frame_equal(trade, before)
    assert list(out.index) == ["KEN"]


def test_missing_column_is_named():
    trade = pd.DataFrame({"importer": ["KEN"], "exporter": ["CHN"], "year": [2023]})
    with pytest.raises(TradeError, match=r"no column 'value'") as err:
        chip_concentration(trade)
    assert isinstance(err.value, ValueError)


def test_bad_values_are_reported_with_their_cells():
    trade = _trade([("KEN", "CHN", 2023, "n/a"), ("KEN", "USA", 2023, -1.0), ("", "USA", 2023, 1.0)])
    with pytest.raises(TradeError) as err:
        chip_concentration(trade)
    assert err.value.problems == [
        "Trade!D2: found text 'n/a'; expected a finite number.",
        "Trade!D3: found -1.0; expected a value >= 0.",
        "Trade!A4: found an empty cell; expected an ISO3 code.",
    ]


def test_no_flows_in_the_year_asked_for():
    with pytest.raises(TradeError, match="no flows in the year"):
        chip_concentration(_trade([("KEN", "CHN", 2023, 1.0)]), year=2020)


ATLAS = ("importer,year,top1_share,hhi_row_as_one_supplier,twn_chn_hkg_share,importer_is_aggregate\n"
         "NGA,2021-2023avg,0.5605,0.3344,0.5757,0\n"
         "NGA,2023,0.6,0.4,0.6,0\n"
         "ROW,2021-2023avg,0.1068,0.0628,0.2373,1\n")


def test_read_atlas_in_chip_concentration_units():
    out = read_atlas_concentration(io.StringIO(ATLAS))
    assert list(out.index) == ["NGA"]
    assert out.loc["NGA"].tolist() == [56.05, 3344.0, 57.57]
    assert read_atlas_concentration(io.StringIO(ATLAS), period="2023").loc["NGA", "hhi"] == 4000.0


def test_read_atlas_errors_name_file_and_line(tmp_path):
    with pytest.raises(TradeError, match="file not found"):
        read_atlas_concentration(tmp_path / "nope.csv")
    bad = tmp_path / "atlas.csv"
    bad.write_text(ATLAS.replace("0.3344", "x"), encoding="utf-8")
    with pytest.raises(TradeError, match=r"atlas\.csv, line 2: found 'x' in column 'hhi_row_as_one_supplier'"):
        read_atlas_concentration(bad)
    bad.write_text(ATLAS.replace("twn_chn_hkg_share", "cluster"), encoding="utf-8")
    with pytest.raises(TradeError, match=r"line 1 \(header\): missing column\(s\) 'twn_chn_hkg_share'"):
        read_atlas_concentration(bad)


def test_atlas_table_agrees_with_its_bilateral_flows():
    """The shipped derived table, recomputed from the Atlas bilateral flows (not shipped).

    Skipped where /work/shared is absent (users have only the derived table).
    """
    from pathlib import Path

    folder = Path("/work/shared/data/atlas_chip_bilateral_50")
    if not (folder / "chips_bilateral_2021_2023.csv").is_file():
        pytest.skip("the Atlas bilateral file is not shipped")
    flows = pd.read_csv(folder / "chips_bilateral_2021_2023.csv", keep_default_na=False)
    ours = chip_concentration(flows.rename(columns={"value_usd_bn": "value"}))
    root = Path(__file__).resolve().parents[1]
    theirs = read_atlas_concentration(
        root / "indicators/sources/atlas_chip_bilateral_50/chip_import_concentration_2021_2023.csv")
    diff = (ours.loc[theirs.index] - theirs).abs()
    # the table has 4 decimals of the 0-1 share: 0.005 points of percent, 0.5 HHI points
    assert diff["top_supplier_share"].max() <= 0.0051 and diff["cluster_share"].max() <= 0.0051
    assert diff["hhi"].max() <= 0.51
    assert not math.isnan(ours.loc["KOR", "hhi"])


@pytest.mark.parametrize("value, found", [("inf", "text 'inf'"), ("1_000", "text '1_000'"), (True, "the boolean TRUE"),
                                          ("\u0661\u0662", "text '\u0661\u0662'")])
def test_infinite_and_odd_values_are_refused(value, found):
    trade = _trade([("KEN", "CHN", 2023, 1.0), ("KEN", "USA", 2023, value)])
    with pytest.raises(TradeError) as err:
        chip_concentration(trade)
    assert err.value.problems == [f"Trade!D3: found {found}; expected a finite number."]


def test_two_huge_flows_give_honest_shares():
    # 1e308 + 1e308 overflows to inf: shares must not become NaN (a "perfect" score after imputation)
    out = chip_concentration(_trade([("KEN", "CHN", 2023, 1e308), ("KEN", "USA", 2023, 1e308)]))
    assert out.loc["KEN"].tolist() == [50.0, 5000.0, 50.0]


def test_api_misuse_is_a_trade_error_not_a_type_error():
    with pytest.raises(TradeError, match="found list; expected a table"):
        chip_concentration([("KEN", "CHN", 2023, 1.0)])
    with pytest.raises(TradeError, match="year must be None"):
        chip_concentration(_trade([("KEN", "CHN", 2023, 1.0)]), year="2023")


def test_look_alike_importer_codes_are_named():
    trade = _trade([("\u041a\u0415N", "CHN", 2023, 1.0), ("Congo", "CHN", 2023, 1.0)])
    with pytest.raises(TradeError) as err:
        chip_concentration(trade)
    assert err.value.problems == [
        "Trade!A2: found '\u041a\u0415N' with the Cyrillic letter '\u041a' (U+041A); expected an ISO3 or ISO2 code "
        "or a country name.",
        "Trade!A3: found 'Congo', which fits more than one country (COG Congo - Brazzaville, COD Congo - Kinshasa); "
        "expected an ISO3 or ISO2 code or a country name."]
