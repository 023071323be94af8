"""The brief's per-result tables (readiness.briefs.shared) and hand-written charts: the same
numbers as `readiness score`'s profile for every country, and charts that are well-formed,
escaped SVG."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

import readiness
from readiness.api import profile
from readiness.briefs import charts_for
from readiness.briefs.context import context
from readiness.briefs.shared import group_median, shared
from readiness.briefs.svg import Canvas, fit, num, text_width, ticks
from readiness.serialise import display


@pytest.fixture(scope="module")
def result():
    return readiness.build(readiness.load_dataset())


def test_headline_and_group_medians_match_profile_for_every_country(result):
    tables = shared(result)
    for iso3 in result.dataset.countries.index:
        prof = profile(result, iso3)
        ctx = context(result, iso3, levers=False)
        h = ctx["headline"]
        assert h["score_text"] == display(prof["score"], "composite"), iso3
        assert (h["rank"], h["n"]) == (prof["rank"], prof["n"]), iso3
        for col, key in (("region", "region"), ("income_group", "income_group")):
            peer = prof["peers"][col]
            assert h[f"{key}_median_text"] == display(peer["median"], "median"), (iso3, col)
            assert h[f"{key}_n"] == peer["n"], (iso3, col)
        for dim, pd_ in zip(ctx["dimensions"], prof["dimensions"]):
            assert dim["region_median"] == pd_["region_median"] or (dim["region_median"] is None and (
                pd_["region_median"] is None or math.isnan(pd_["region_median"]))), (iso3, dim["code"])
    assert shared(result) is tables            # computed once per result


def test_indicator_medians_are_the_medians_of_the_group_members(result):
    ds = result.dataset
    tables = shared(result)
    code = ds.indicators.index[0]
    for label in ds.countries["region"].dropna().unique()[:4]:
        members = ds.countries.index[ds.countries["region"] == label].intersection(result.scores.index)
        values = result.scores.loc[members, code].dropna()
        median, n = group_median(tables, "region", label, code)
        assert n == len(values)
        assert (median is None and n == 0) or median == float(values.median())
    assert group_median(tables, "region", "Atlantis", code) == (None, 0)
    assert group_median(tables, "region", float("nan"), code) == (None, 0)


def test_charts_are_well_formed_svg_without_hostile_markup(result):
    ctx = context(result, "KEN", levers=False)
    ctx["country"]["name"] = "<script>x</script> & \x01 'Kenya'"
    charts = charts_for(ctx)
    assert charts["page1"] and charts["page2"] and charts["origins"]
    for items in charts.values():
        for chart in items:
            root = ET.fromstring(chart["svg"])          # parses as XML: escaped, no control characters
            assert root.tag.endswith("svg") and root.get("role") == "img"
            assert root.find("{http://www.w3.org/2000/svg}title").text == " ".join(chart["alt"].replace("\x01", "").split())
            assert "<script" not in chart["svg"] and "matplotlib" not in chart["svg"]
            assert all(set(label) == {"text", "lines", "style"} for label in chart["labels"])
    assert any("<script>" in k["label"] for k in charts["page1"][0]["legend"])     # escaped by the template


def test_svg_helpers():
    assert [num(x) for x in (1.0, 2.5, -0.001, 12.345, 100)] == ["1", "2.5", "0", "12.35", "100"]
    assert ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert ticks(150.3, 108.2) == [110, 120, 130, 140, 150]
    assert ticks(0, 1050, 5) == [0, 250, 500, 750, 1000]
    assert text_width("ii", 10) < text_width("WW", 10)
    short = fit("A very long indicator name that does not fit", 7, 60)
    assert short.endswith("…") and text_width(short, 7) <= 60
    assert fit("Short", 7, 60) == "Short"
    cv = Canvas()
    cv.column(100, [10, 20, 30], ["a", "b", "c"], anchor="end", size=7)
    assert cv.labels[0]["lines"][2]["text"] == "c" and "line-height:10pt" in cv.labels[0]["style"]
