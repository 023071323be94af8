"""Tests for indicators/build.py and the shipped default dataset (indicators/default/).

Kenya's values are checked against the raw files under indicators/sources/, read here
with the csv module (not with the build's own reader), so a slip in the build shows.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from readiness.indicators import build as B

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "indicators" / "sources"
SHIPPED = ROOT / "indicators" / "default"
DIMENSIONS = ("compute", "chips", "talent", "localisation")
# Indicators from exhaustive lists: absent = 0 (true zero), so coverage is not the test.
TRUE_ZERO = {"gpu_h100e_pm", "top500_rmax_pm", "cloud_providers", "ai_model_developers"}
# The trade slot: only the 50 importers of the Atlas extract have a value (issue 3, item 5).
TRADE_SLOT = {"chip_supplier_hhi", "chip_cluster_share"}
MY_FOLDERS = ("wb_class", "wdi", "owid_internet_users", "epoch_ai", "top500", "cloud_regions",
              "github_innovation_graph", "us_export_control_groups", "atlas_chip_bilateral_50", "supplement")


def _rows(rel):
    with open(SOURCES / rel, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def fresh():
    return B.build(SOURCES)


@pytest.fixture(scope="module")
def data(fresh):
    return fresh["data.csv"].set_index("country")


@pytest.fixture(scope="module")
def provenance(fresh):
    return fresh["provenance.csv"].set_index(["country", "indicator"])


@pytest.fixture()
def sources_copy(tmp_path):
    """A copy of the raw extracts this build reads (not the language folders)."""
    for folder in MY_FOLDERS:
        shutil.copytree(SOURCES / folder, tmp_path / folder)
    return tmp_path


def _population(iso3, year):
    for row in _rows("wdi/sp.pop.totl.csv"):
        if row["Country Code"] == iso3 and row["Year"] == str(year):
            return float(row["Value"])
    raise LookupError(iso3)


# -- Kenya against the raw files --------------------------------------------------------


def test_kenya_internet_users_equal_the_itu_file(data, provenance):
    rows = [r for r in _rows("owid_internet_users/share-of-individuals-using-the-internet.csv")
            if r["Code"] == "KEN"]
    latest = max(rows, key=lambda r: int(r["Year"]))
    # the file's latest Kenyan value is 40.8137 % for 2022 (not 2023: the copy has no 2023 row)
    assert (latest["Year"], latest["Individuals using the Internet (% of population)"]) == ("2022", "40.8137")
    assert data.at["KEN", "internet_users"] == "40.8137"
    assert provenance.loc[("KEN", "internet_users"), "year"] == "2022"


def test_kenya_github_developers_equal_the_github_file(data, provenance):
    row = [r for r in _rows("github_innovation_graph/developers.csv")
           if (r["iso2_code"], r["year"], r["quarter"]) == ("KE", "2025", "3")]
    assert [r["developers"] for r in row] == ["562773"]
    pop = _population("KEN", 2025)
    assert pop == 57532493
    # 562,773 / 57,532,493 x 1,000 = 9.78182885...
    assert float(data.at["KEN", "github_developers_pk"]) == pytest.approx(562773 / pop * 1000, rel=1e-11)
    assert "562773 developers in 2025Q3" in provenance.loc[("KEN", "github_developers_pk"), "note"]


def test_kenya_swahili_coverage_equals_the_cldr_share(data):
    sw = [r for r in _rows("cldr_territory_languages/territory_languages_babel2.19_cldr49.csv")
          if (r["territory_iso2"], r["language"]) == ("KE", "sw")]
    assert [r["population_percent"] for r in sw] == ["66.0"]
    # Swahili 66 %, English 19 %, Kikuyu 17 % (BLOOM), Somali 1.3 % (Aya-101) are covered:
    # 100 x (1 - 0.34 x 0.81 x 0.83 x 0.987) = 77.44; languages under 1 % add a little more
    value = float(data.at["KEN", "open_llm_population"])
    assert 100 * (1 - 0.34 * 0.81 * 0.83 * 0.987) <= value < 78.0


def test_kenya_wdi_values_equal_the_wdi_files(data, provenance):
    rows = [r for r in _rows("wdi/it.net.bbnd.p2.csv") if r["Country Code"] == "KEN"]
    latest = max(rows, key=lambda r: int(r["Year"]))
    assert float(data.at["KEN", "fixed_broadband"]) == pytest.approx(float(latest["Value"]), rel=1e-11)
    assert provenance.loc[("KEN", "fixed_broadband"), "year"] == latest["Year"]
    outages = [r for r in _rows("wdi/ic.elc.outg.zs.csv") if r["Country Code"] == "KEN"]
    latest = max(outages, key=lambda r: int(r["Year"]))
    assert float(data.at["KEN", "power_reliability"]) == pytest.approx(100 - float(latest["Value"]), rel=1e-11)


# -- reproducible and shipped -------------------------------------------------------------


def test_two_builds_are_byte_identical(fresh, tmp_path):
    a = B.write(fresh, tmp_path / "a")
    b = B.write(B.build(SOURCES), tmp_path / "b")
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(B.OUTPUT_FILES)
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert b"\r" not in (a / "data.csv").read_bytes()


def test_shipped_dataset_equals_a_fresh_build(fresh, tmp_path):
    out = B.write(fresh, tmp_path / "fresh")
    for name in B.OUTPUT_FILES:
        assert (SHIPPED / name).read_bytes() == (out / name).read_bytes(), (
            f"indicators/default/{name} is stale: run `python -m readiness.indicators.build`")


def test_check_command_reports_up_to_date_and_stale(tmp_path, capsys):
    assert B.main(["--check", "--out", str(SHIPPED), "--sources", str(SOURCES)]) == 0
    stale = tmp_path / "stale"
    shutil.copytree(SHIPPED, stale)
    (stale / "data.csv").write_text("country,name\n", encoding="utf-8")
    assert B.main(["--check", "--out", str(stale), "--sources", str(SOURCES)]) == 1
    assert "data.csv" in capsys.readouterr().err


# -- the framework -------------------------------------------------------------------------


def test_every_indicator_has_source_year_and_licence(fresh):
    ind = fresh["indicators.csv"]
    sources = set(fresh["sources.csv"]["source"])
    for _, row in ind.iterrows():
        assert row["source"] and row["licence"] and row["year"].isdigit(), row["code"]
        assert row["source"] in sources, row["code"]
    assert set(fresh["provenance.csv"]["source"]) <= sources
    assert list(fresh["sources.csv"].columns) == B.SOURCE_COLUMNS
    assert (fresh["sources.csv"][["licence", "url", "citation"]] != "").all().all()


def test_framework_has_enough_indicators_per_dimension(fresh):
    ind = fresh["indicators.csv"]
    assert list(ind.columns) == B.INDICATOR_COLUMNS
    assert len(ind) >= 20
    top = ind["parent"].replace({"connectivity_power": "compute", "hosted_compute": "compute"})
    counts = top.value_counts()
    for dim in DIMENSIONS:
        assert counts[dim] >= 4, dim
    # four per dimension even without the trade-slot indicators
    assert (top[~ind["code"].isin(TRADE_SLOT)].value_counts() >= 4).all()
    st = fresh["structure.csv"]
    assert list(st["code"]) == ["index", *DIMENSIONS, "connectivity_power", "hosted_compute"]
    assert list(st["parent"]) == ["", "index", "index", "index", "index", "compute", "compute"]
    # C9: the export-control standing is no policy lever; everything else is
    assert set(ind.loc[ind["lever"] == "no", "code"]) == {"export_control"}
    assert set(ind["lever"]) == {"yes", "no"}


def test_provenance_has_one_row_per_value(fresh, data):
    values = data.drop(columns="name")
    filled = int((values != "").to_numpy().sum())
    prov = fresh["provenance.csv"]
    assert len(prov) == filled
    assert not prov.duplicated(["country", "indicator"]).any()
    assert (prov["year"] != "").all() and (prov["source"] != "").all()


def test_coverage_is_at_least_120_economies(data):
    for code in data.columns.drop("name"):
        n = int((data[code] != "").sum())
        if code in TRADE_SLOT:
            assert n == 50, code
        elif code not in TRUE_ZERO:
            assert n >= 120, (code, n)


def test_true_zeros_are_zeros(data, provenance):
    listed = {r["iso3"] for r in _rows("top500/top500_202506_by_country.csv")}
    absent = [c for c in data.index if c not in listed]
    assert len(absent) > 150
    assert (data.loc[absent, "top500_rmax_pm"] == "0").all()
    assert provenance.loc[("KEN", "top500_rmax_pm"), "note"].startswith("true zero")
    for code in TRUE_ZERO:
        assert data.at["KEN", code] == "0", code
    models = {r["iso3"] for r in _rows("epoch_ai/notable_ai_models_by_country.csv")}
    assert (data.loc[[c for c in data.index if c not in models], "ai_model_developers"] == "0").all()
    usa = next(r for r in _rows("epoch_ai/notable_ai_models_by_country.csv") if r["iso3"] == "USA")
    assert float(data.at["USA", "ai_model_developers"]) == float(usa["notable_models_all_years"])


def test_gaps_stay_gaps(data):
    # Taiwan has no WDI series; the national supplement has no fixed-broadband figure: a gap
    assert data.at["TWN", "fixed_broadband"] == ""
    assert data.at["TWN", "electricity_access"] == ""
    assert data.at["TWN", "mht_manufacturing"] == ""
    # Indonesia's only listed GPU cluster has no H100e estimate: unknown, not zero
    assert data.at["IDN", "gpu_h100e_pm"] == ""
    # Bermuda is in no EAR country group
    assert data.at["BMU", "export_control"] == ""


def test_countries_are_all_world_bank_economies(fresh):
    c = fresh["countries.csv"].set_index("country")
    economies = [r["Code"] for r in _rows("wb_class/CLASS_FY2025_list_of_economies.csv") if r["Region"]]
    assert sorted(economies) == list(c.index) == list(fresh["data.csv"]["country"])
    assert len(c) == 218
    assert c.at["VEN", "income_group"] == ""
    assert c.at["KEN", "population"] == "57532493" and c.at["KEN", "population_year"] == "2025"
    assert {"XKX", "CHI"} <= set(c.index)


@pytest.mark.parametrize("iso3, level", [
    ("USA", 6), ("PRI", 6), ("IND", 5), ("ARE", 5), ("ISR", 4), ("TWN", 4), ("KEN", 3),
    ("KHM", 2), ("MAC", 1), ("CHN", 1), ("HKG", 1), ("RUS", 1), ("IRN", 0), ("CUB", 0),
])
def test_export_control_levels(data, iso3, level):
    assert data.at[iso3, "export_control"] == str(level)


def test_ai_diffusion_alternative_replaces_export_control():
    alt = B.build(SOURCES, export_control="ai_diffusion")
    codes = list(alt["indicators.csv"]["code"])
    assert "ai_diffusion_tier" in codes and "export_control" not in codes
    d = alt["data.csv"].set_index("country")["ai_diffusion_tier"]
    assert (d["USA"], d["KEN"], d["CHN"], d["CHI"]) == ("1", "2", "3", "2")


def test_the_default_loads_in_the_engine():
    from readiness.io.tables import read_csv_folder

    ds = read_csv_folder(SHIPPED)
    assert ds.values.shape == (218, len(ds.indicators))
    assert ds.values.at["KEN", "internet_users"] == pytest.approx(40.8137)


# -- bad input -----------------------------------------------------------------------------


def test_missing_source_file_names_the_file(sources_copy):
    (sources_copy / "wdi" / "se.ter.enrr.csv").unlink()
    with pytest.raises(B.SourceError, match=r"wdi/se\.ter\.enrr\.csv: file not found"):
        B.build(sources_copy)


def test_changed_column_names_file_and_header_line(sources_copy):
    path = sources_copy / "top500" / "top500_202506_by_country.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("rmax_tflops", "rmax_pflops", 1), encoding="utf-8")
    with pytest.raises(B.SourceError) as err:
        B.build(sources_copy)
    msg = str(err.value)
    assert "top500/top500_202506_by_country.csv, line 1 (header): missing column(s) 'rmax_tflops'" in msg


def test_unknown_country_code_names_file_and_line(sources_copy):
    path = sources_copy / "wdi" / "it.net.bbnd.p2.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines + ["Atlantis,XYZ,2023,5.0"]) + "\n", encoding="utf-8")
    dev = sources_copy / "github_innovation_graph" / "developers.csv"
    dev_lines = dev.read_text(encoding="utf-8").splitlines()
    dev.write_text("\n".join(dev_lines + ["1234,QQ,2025,3"]) + "\n", encoding="utf-8")
    with pytest.raises(B.SourceError) as err:
        B.build(sources_copy)
    problems = err.value.problems
    assert f"wdi/it.net.bbnd.p2.csv, line {len(lines) + 1}: unknown country code 'XYZ'" in "\n".join(problems)
    assert f"github_innovation_graph/developers.csv, line {len(dev_lines) + 1}: unknown country code 'QQ'" \
        in "\n".join(problems)


def test_value_that_is_not_a_number_names_file_and_line(sources_copy):
    path = sources_copy / "wdi" / "sp.pop.totl.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("Kenya,KEN,2025,"))
    lines[i] = "Kenya,KEN,2025,n/a"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(B.SourceError, match=rf"wdi/sp\.pop\.totl\.csv, line {i + 1}: found 'n/a'"):
        B.build(sources_copy)


# -- framework 2026.12: Taiwan supplement, every framework indicator sourced -----------------


def test_taiwan_values_come_from_the_supplement_with_url(data, provenance):
    supp = {(r["series"], r["year"]): r for r in _rows("supplement/national_supplement.csv")
            if r["country"] == "TWN"}
    assert float(data.at["TWN", "internet_users"]) == float(supp[("internet_users", "2025")]["value"])
    assert float(data.at["TWN", "rd_expenditure"]) == float(supp[("GB.XPD.RSDV.GD.ZS", "2024")]["value"])
    for code in ("internet_users", "rd_expenditure"):
        rec = provenance.loc[("TWN", code)]
        assert rec["source"] == "national_supplement"
        assert "https://" in rec["note"]
    # per-capita values divide by the supplement's population of the same year
    pop = float(supp[("SP.POP.TOTL", "2025")]["value"])
    dev = next(r for r in _rows("github_innovation_graph/developers.csv")
               if (r["iso2_code"], r["year"], r["quarter"]) == ("TW", "2025", "3"))
    assert float(data.at["TWN", "github_developers_pk"]) == pytest.approx(float(dev["developers"]) / pop * 1000,
                                                                         rel=1e-11)
    assert "national supplement" in provenance.loc[("TWN", "github_developers_pk"), "note"]


def test_supplement_never_overrides_the_wdi(sources_copy):
    path = sources_copy / "supplement" / "national_supplement.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines + ['KEN,SP.POP.TOTL,2025,1,"x",https://example.org,"x"']) + "\n",
                    encoding="utf-8")
    import readiness.indicators.build as build_module
    reader = build_module.Reader(sources_copy)
    ctx = build_module.Context(reader, build_module.load_world(reader))
    assert ctx.population[("KEN", 2025)] == 57532493
    assert ("KEN", "population", 2025) not in ctx.supplied


def test_supplement_needs_an_https_url(sources_copy):
    path = sources_copy / "supplement" / "national_supplement.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines + ['XKX,SP.POP.TOTL,2025,1,"x",not a url,"x"']) + "\n", encoding="utf-8")
    with pytest.raises(B.SourceError, match=rf"national_supplement.csv, line {len(lines) + 1}: url 'not a url'"):
        B.build(sources_copy)


def test_every_framework_indicator_has_provenance_rows(fresh):
    prov = fresh["provenance.csv"]
    for code in fresh["indicators.csv"]["code"]:
        assert (prov["indicator"] == code).sum() >= 50, code


def test_context_tables_are_written(fresh):
    hosted = fresh["hosted_compute.csv"]
    assert set(hosted["status"]) <= {"Existing", "Planned", "Decommissioned"}
    assert "Planned" in set(hosted["status"])
    assert (hosted.loc[hosted["status"] != "Existing", "scored"] == "no").all()
    assert set(hosted["ownership"]) == {"", "domestic", "foreign"}
    origins = fresh["origin_coverage.csv"].set_index("country")
    assert float(origins.at["KEN", "United States"]) < float(origins.at["KEN", "China"])


def test_taiwan_is_scored_on_every_dimension():
    import readiness

    ds = readiness.load_dataset()
    assert ds.settings == {"coverage_min": "0.6"}
    result = readiness.build(ds)
    assert "TWN" not in result.not_scored.index
    for node in ("compute", "chips", "talent", "localisation", result.index_code):
        assert result.scores.at["TWN", node] == result.scores.at["TWN", node], node  # not NaN
    # every scored country has every dimension (incomplete = "not_scored")
    scored = result.scores[result.scores[result.index_code].notna()]
    assert scored[["compute", "chips", "talent", "localisation"]].notna().all().all()
