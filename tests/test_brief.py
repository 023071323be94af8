"""Country briefs (issue 13): page counts, the same numbers as `readiness score`, the annex,
any framework, hostile names, reproducible bytes, the command line."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("weasyprint")
pypdf = pytest.importorskip("pypdf")

import readiness  # noqa: E402
from readiness.briefs import brief, brief_uncertainty  # noqa: E402
from readiness.briefs.context import value_text  # noqa: E402
from readiness.briefs.render import AssetFetcher, assets  # noqa: E402
from readiness.serialise import display  # noqa: E402


def _pdf(data: bytes):
    return pypdf.PdfReader(io.BytesIO(data))


def _text(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in _pdf(data).pages)


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    """The default build and its default uncertainty analysis (cached in a private folder)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("READINESS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    result = readiness.build(readiness.load_dataset())
    ua = brief_uncertainty(result)
    yield result, ua
    mp.undo()


@pytest.fixture(scope="module")
def kenya(default):
    result, ua = default
    return brief(result, "KE", ua=ua)


def _three_dimensions(names=None, n=12, seed=3):
    """A small synthetic workbook: three dimensions of three indicators, some gaps."""
    from readiness.io.tables import from_tables

    rng = np.random.default_rng(seed)
    codes = [f"{d}{i}" for d in "xyz" for i in (1, 2, 3)]
    countries = [f"C{i:02d}" for i in range(n)]
    data = pd.DataFrame(rng.uniform(1, 100, size=(n, len(codes))).round(3), columns=codes)
    data.iloc[0, 1] = np.nan
    data.iloc[1, 4] = np.nan
    data.insert(0, "country", countries)
    names = names or {}
    indicators = pd.DataFrame({
        "code": codes, "name": [names.get(c, f"Indicator {c}") for c in codes],
        "parent": [c[0].upper() for c in codes], "direction": [1] * 9, "weight": [1] * 9,
        "unit": [names.get("unit", "points")] * 9, "source": ["synthetic"] * 9, "licence": ["CC0"] * 9,
        "year": [2024] * 9})
    structure = pd.DataFrame({"code": ["X", "Y", "Z", "IDX"], "name": ["Ex", "Why", "Zed", "Index"],
                              "parent": ["IDX", "IDX", "IDX", ""], "weight": [1, 1, 1, 1]})
    country_names = [names.get(c, f"Country {c}") for c in countries]
    regions = [names.get("region", "North") if i % 2 else "South" for i in range(n)]
    cframe = pd.DataFrame({"country": countries, "name": country_names, "region": regions,
                           "income_group": ["High" if i % 3 else "Low" for i in range(n)]})
    return from_tables({"Data": data, "Indicators": indicators, "Structure": structure, "Countries": cframe},
                       label="synthetic", version="2024.1")


# -- page counts ------------------------------------------------------------------------------


def _stress_countries(result):
    """Scored countries that stress the layout: the longest name, the most gaps, the most languages."""
    ds = result.dataset
    scored = list(result.scores.index)
    names = ds.countries.loc[scored, "name"].str.len()
    gaps = ds.values.loc[scored].isna().sum(axis=1)
    picks = [names.idxmax(), gaps.idxmax()]
    from readiness import origins

    tables = {c: origins.languages(ds, c) for c in scored}
    counts = {c: 0 if t is None else len(t) for c, t in tables.items()}
    picks.append(max(counts, key=counts.get))
    return list(dict.fromkeys(picks))


def test_scored_briefs_have_two_to_four_pages(default, kenya):
    result, ua = default
    assert 2 <= len(_pdf(kenya).pages) <= 4
    for country in _stress_countries(result) + ["CIV"]:
        data = brief(result, country, ua=ua)
        pages = len(_pdf(data).pages)
        assert 2 <= pages <= 4, (country, pages)
        name = result.dataset.countries.at[country, "name"]
        assert name.replace("'", "’").split()[0] in _text(data).replace("'", "’"), name   # "Côte" etc.


def test_not_scored_country_gets_one_page_saying_why(default):
    result, ua = default
    country = result.not_scored.index[0]
    data = brief(result, country, ua=ua)
    assert len(_pdf(data).pages) == 1
    text = _text(data)
    assert "is not scored" in text and "What data would make it scored" in text


# -- the same numbers as `readiness score` --------------------------------------------------


def test_text_carries_the_numbers_of_score_json(default, kenya):
    from click.testing import CliRunner

    from readiness.cli.main import cli

    out = CliRunner().invoke(cli, ["score", "--country", "KE", "--format", "json"])
    assert out.exit_code == 0, out.output
    prof = json.loads(out.output)
    text = _text(kenya)
    assert display(prof["score"], "composite") in text
    assert f"Rank {prof['rank']} of {prof['n']}" in text
    unc = prof["uncertainty"]
    assert f"Rank interval (5-95%): {unc['q05']}-{unc['q95']}" in text
    for d in prof["dimensions"]:
        pattern = re.escape(d["name"]) + r"\s+" + re.escape(display(d["score"], "score")) + r"\s+" + \
            re.escape(f"{d['rank']} / ")
        assert re.search(pattern, text), d


def test_annex_has_every_value_and_year(default, kenya):
    result, _ = default
    ds = result.dataset
    prov = ds.provenance[ds.provenance["country"] == "KEN"].set_index("indicator")["year"]
    text = _text(kenya)
    annex = text[text.index("Data annex"):]
    for code in ds.indicators.index:
        value = ds.values.at["KEN", code]
        year = prov.get(code, ds.indicators.at[code, "year"])
        token = f"{value_text(value)} {int(year)}"
        assert token in annex, (code, token)


def test_value_text_rule():
    assert [value_text(v) for v in (0.0, 3.0, 0.12345, 40.812, 1234.6, float("nan"))] == \
        ["0", "3", "0.1235", "40.81", "1,235", "–"]


# -- any framework ---------------------------------------------------------------------------


def test_asem_brief(asem_path):
    result = readiness.build(readiness.load_dataset(asem_path))
    data = brief(result, "CHE")
    assert 2 <= len(_pdf(data).pages) <= 4
    text = _text(data)
    assert display(result.scores.at["CHE", result.index_code], "composite") in text
    assert "Not available for this dataset" in text     # no origins or export-control tables


def test_three_dimension_workbook_brief():
    result = readiness.build(_three_dimensions())
    data = brief(result, "C03")
    assert 2 <= len(_pdf(data).pages) <= 4
    text = _text(data)
    for code, name in (("X", "Ex"), ("Y", "Why"), ("Z", "Zed")):
        assert re.search(name + r"\s+" + re.escape(display(result.scores.at["C03", code], "score")), text), name


# -- security -------------------------------------------------------------------------------


HOSTILE = {
    "C03": "<script>alert('x')</script>",
    "x1": '<img src="http://example.com/track.png">',
    "x2": "url(file:///etc/passwd)",
    "y1": "N" * 10_000,
    "region": '<link rel="stylesheet" href="http://example.com/x.css">',
    "unit": "<style>@import url(http://example.com/a.css);</style>",
}


def test_hostile_names_fetch_nothing_and_render_as_text():
    result = readiness.build(_three_dimensions(HOSTILE))
    fetcher = AssetFetcher()
    data = brief(result, "C03", fetcher=fetcher)
    root = assets().resolve().as_uri()
    assert fetcher.refused == []
    assert fetcher.calls and all(url.startswith(root) for url in fetcher.calls)
    assert 2 <= len(_pdf(data).pages) <= 4
    assert "<script>alert" in _text(data)          # shown as text
    page = brief(result, "C03", fmt="html").decode()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert '<img src="http' not in page and "<style>@import" not in page
    assert "N" * 200 not in page                   # the 10,000-character name is cut


def test_fetcher_refuses_everything_but_assets():
    fetcher = AssetFetcher()
    for url in ("http://example.com/x.css", "file:///etc/passwd", "data:text/css,body{}",
                (assets() / ".." / "briefs" / "__init__.py").resolve().as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4
    assert fetcher.fetch((assets() / "fonts" / "DejaVuSans.ttf").as_uri()).read()[:4] == b"\x00\x01\x00\x00"


# -- reproducible, accessible ---------------------------------------------------------------


def test_same_inputs_same_bytes(default, kenya):
    result, ua = default
    assert brief(result, "KE", ua=ua) == kenya


def test_tagged_pdf_with_language_title_and_fonts(default, kenya):
    result, _ = default
    reader = _pdf(kenya)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert reader.metadata.title == "Kenya: sovereign AI readiness brief"
    assert reader.metadata.author
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages
             for f in p["/Resources"].get("/Font", {}).values()}
    assert fonts and all("DejaVu" in f for f in fonts)


def test_html_is_self_contained_with_alt_text(default):
    result, ua = default
    page = brief(result, "KE", ua=ua, fmt="html").decode()
    assert page.count("<svg") >= 3 and page.count("<title>") >= 4
    assert 'aria-label="' in page and "src=\"http" not in page and "<link" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))                                   # several charts, no shared id
    assert set(re.findall(r'(?:href="#|url\(#)([^")]+)', page)) <= set(ids)


def test_annex_marks_values_from_a_national_update(default):
    from dataclasses import replace

    result, ua = default
    ds = result.dataset
    prov = ds.provenance.copy()
    prov["updated"] = ""
    code = ds.indicators.index[0]
    prov.loc[(prov["country"] == "KEN") & (prov["indicator"] == code), "updated"] = "kenya.xlsx Data!C2"
    mine = readiness.build(replace(ds, provenance=prov), result.spec)
    page = brief(mine, "KE", ua=ua, fmt="html").decode()
    assert page.count("(your update)") == 1
    assert "(your update)" not in brief(result, "KE", ua=ua, fmt="html").decode()


# -- command line ---------------------------------------------------------------------------


def test_cli_writes_the_brief_and_prints_its_path(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from readiness.cli.main import cli

    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(cli, ["brief", "--country", "KE", "--peers", "UGA,TZA,RWA", "--format", "html"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "KEN.html"
    page = (tmp_path / "KEN.html").read_text()
    assert "Peers' median" in page and "Uganda" in page


def test_cli_errors(tmp_path, asem_path):
    import shutil

    from click.testing import CliRunner

    from readiness.cli.main import cli

    runner = CliRunner()
    data = tmp_path / "asem.xlsx"
    shutil.copy(asem_path, data)
    before = data.read_bytes()
    out = runner.invoke(cli, ["brief", "-c", "CHE", "--data", str(data), "-o", str(data)])
    assert out.exit_code == 2 and "is one of the inputs" in out.output and data.read_bytes() == before
    out = runner.invoke(cli, ["brief"])
    assert out.exit_code == 2 and "give either --country or --all" in out.output
    out = runner.invoke(cli, ["brief", "--country", "Atlantis", "-o", str(tmp_path / "a.pdf")])
    assert out.exit_code == 2 and out.output.startswith("Error: unknown country 'Atlantis'")
    out = runner.invoke(cli, ["brief", "--all"])
    assert out.exit_code == 2 and "Error: --all needs the folder" in out.output
    out = runner.invoke(cli, ["brief", "-c", "KE", "--peers", "XYZ", "-o", str(tmp_path / "b.pdf")])
    assert out.exit_code == 2 and "Error:" in out.output and not (tmp_path / "b.pdf").exists()


def test_all_writes_every_brief_and_an_index(tmp_path):
    from readiness.briefs import brief_all

    result = readiness.build(_three_dimensions(n=6))
    summary = brief_all(result, tmp_path / "out", fmt="html", workers=2)
    assert summary["failed"] == {}
    assert sorted(summary["written"]) == list(result.dataset.countries.index)
    index = (tmp_path / "out" / "index.html").read_text()
    assert all(f'href="{name}"' in index for name in summary["written"].values())


def test_cli_brief_keeps_heavy_imports_out_of_the_cli():
    code = ("import sys, readiness.cli.main, readiness.cli.brief; "
            "bad = [m for m in ('weasyprint', 'matplotlib') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
