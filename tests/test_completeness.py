"""The completeness rule (Spec.incomplete): a country missing a dimension is not scored, imputed, or partial."""

import numpy as np
import pytest

import readiness
from readiness.impute import impute_dimensions


@pytest.fixture
def gappy(tiny):
    values = tiny.values.copy()
    values.loc["AAA", ["a1", "a2"]] = np.nan  # AAA has no indicator of dimension A
    return tiny.with_values(values)


def _build(ds, **kw):
    return readiness.build(ds, outliers="none", coverage_min=0, **kw)


def test_not_scored_by_default_with_the_reason(gappy):
    r = _build(gappy)
    assert readiness.Spec().incomplete == "not_scored"
    assert list(r.scores.index) == ["BBB", "CCC", "DDD"]
    assert r.not_scored.loc["AAA", "reason"] == "not scored: no score for Dim A (0 of 2 indicators; needs 1)"
    # AAA is left out before treatment and normalisation, as a screened-out country is
    assert list(r.stages["normalised"].index) == ["BBB", "CCC", "DDD"]
    # a1 over BBB..DDD = [2, 3, 4] -> [0, 50, 100]; a2 = [30, 20, 40] -> [50, 0, 100]
    np.testing.assert_allclose(r.scores["A"], [25, 25, 100])
    assert r.ranks["I"].notna().all() and sorted(r.ranks["I"]) == [1, 2, 3]
    assert not r.imputed_dimensions.to_numpy().any()
    assert list(r.imputed_dimensions.columns) == ["A", "B"]


def test_partial_is_the_old_average_over_what_remains_and_is_flagged(gappy):
    r = _build(gappy, incomplete="partial")
    assert "AAA" in r.scores.index and r.not_scored.empty
    assert np.isnan(r.scores.at["AAA", "A"]) and r.scores.at["AAA", "I"] == r.scores.at["AAA", "B"]
    flags = r.imputed_dimensions
    assert flags.at["AAA", "A"] and flags.to_numpy().sum() == 1
    row = r.log[(r.log.step == "aggregate")]
    assert list(zip(row.country, row.indicator, row.action)) == [("AAA", "A", "dimension missing")]


def test_impute_fills_the_dimension_from_peers_and_flags_it(gappy):
    r = _build(gappy, incomplete="impute")
    # no region or income group has 3 other countries with an A score: the median over all scored
    # countries: A = [nan, 25, 25, 100] -> 25
    assert r.scores.at["AAA", "A"] == 25.0
    # B for AAA: b1 (direction -1) [5,5,1,9] -> 50; b2 [0.5,0.25,1,0.75] -> 100/3; B = (50 + 100/3) / 2
    b = (50 + 100 / 3) / 2
    assert r.scores.at["AAA", "B"] == pytest.approx(b)
    assert r.scores.at["AAA", "I"] == pytest.approx((25 + b) / 2)
    assert r.imputed_dimensions.at["AAA", "A"] and r.imputed_dimensions.to_numpy().sum() == 1
    row = r.log[r.log.step == "aggregate"]
    assert list(zip(row.country, row.indicator, row.action)) == [("AAA", "A", "imputed dimension")]
    # the other countries' scores equal the partial build's (AAA's imputed score moves no one else's data)
    partial = _build(gappy, incomplete="partial")
    np.testing.assert_array_equal(r.scores.drop("AAA"), partial.scores.drop("AAA"))


def test_peer_median_hand_computed():
    s = np.array([[10.0, 1.0], [20.0, 2.0], [30.0, 4.0], [40.0, np.nan], [50.0, 9.0], [60.0, 100.0]])
    narrow = ["x", "x", "x", "x", "y", "y"]  # x peers of row 3 on column 1: 1, 2, 4 -> median 2
    filled, mask = impute_dimensions(s, [narrow])
    assert filled[3, 1] == 2.0 and mask.sum() == 1
    # too few peers in the narrow group: the wider one, then everyone
    filled, _ = impute_dimensions(s, [["a", "b", "c", "a", "d", "e"], narrow])
    assert filled[3, 1] == 2.0
    filled, _ = impute_dimensions(s, [["a", "b", "c", "a", "d", "e"]])
    assert filled[3, 1] == 4.0  # median of 1, 2, 4, 9, 100
    np.testing.assert_array_equal(np.delete(filled, 3, axis=0), np.delete(s, 3, axis=0))


def test_reason_counts_indicators_and_the_share_needed(gappy):
    values = gappy.values.copy()
    values.loc["BBB", ["b1"]] = np.nan
    r = _build(gappy.with_values(values), aggregate_coverage_min=0.75)
    # B has 2 indicators; 75% of 2 -> needs 2; BBB has 1
    assert r.not_scored.loc["BBB", "reason"] == "not scored: no score for Dim B (1 of 2 indicators; needs 2)"


def test_no_country_complete_is_a_clear_error(tiny):
    values = tiny.values.copy()
    values.loc[:, ["a1", "a2"]] = np.nan
    with pytest.raises(readiness.MethodError, match="incomplete = 'partial'"):
        _build(tiny.with_values(values))


@pytest.mark.parametrize("path", ["asem"])
def test_every_scored_country_has_every_dimension(path, asem_path):
    ds = readiness.load_dataset(asem_path)
    values = ds.values.copy()
    dim = ds.dimensions[0]
    codes = [c for c in ds.indicators.index if ds.ancestor_at(c, ds.levels[dim]) == dim]
    values.loc[values.index[:3], codes] = np.nan
    r = readiness.build(ds.with_values(values), aggregate_coverage_min=0.5, imputation="none", coverage_min=0.5)
    assert r.scores[ds.dimensions].notna().all().all()
    assert set(values.index[:3]) <= set(r.not_scored.index)
