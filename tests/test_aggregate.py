import numpy as np
import pytest

from readiness import MethodError
from readiness.aggregate import AGGREGATIONS, aggregate_level

X = np.array([[20.0, 80.0, 40.0], [10.0, np.nan, 90.0]])
W = np.array([[1.0], [2.0], [1.0]])

# Row 0: arithmetic (20 + 160 + 40) / 4 = 55; geometric exp((ln20 + 2 ln80 + ln40)/4) = (20*80^2*40)^(1/4);
# harmonic 4 / (1/20 + 2/80 + 1/40) = 4 / 0.1 = 40; power p=2: sqrt((400 + 2*6400 + 1600)/4)
# Row 1: b missing -> weights renormalised over (1, 1): arithmetic 50; geometric sqrt(900) = 30;
# harmonic 2 / (1/10 + 1/90) = 18; power p=2 sqrt((100 + 8100)/2)
EXPECTED = {
    "arithmetic": [55.0, 50.0],
    "geometric": [(20 * 80**2 * 40) ** 0.25, 30.0],
    "harmonic": [40.0, 18.0],
    "generalised_mean": [np.sqrt((400 + 2 * 6400 + 1600) / 4), np.sqrt((100 + 8100) / 2)],
}


def test_every_aggregation_has_a_case():
    assert set(EXPECTED) == set(AGGREGATIONS.names)


@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_hand_computed(method):
    out = aggregate_level(X, W, method=method, p=2.0)
    np.testing.assert_allclose(out[:, 0], EXPECTED[method], rtol=1e-12)


@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_replicate_axis_equals_loop(method):
    xs = np.stack([X, X + 5, X * 0.5])
    ws = np.stack([W, W[::-1], W * 3])
    batched = aggregate_level(xs, ws, method=method)
    for r in range(3):
        np.testing.assert_allclose(batched[r], aggregate_level(xs[r], ws[r], method=method), rtol=1e-14)


def test_all_missing_gives_nan():
    out = aggregate_level(np.array([[np.nan, np.nan, np.nan]]), W)
    assert np.isnan(out).all()


def test_geometric_refuses_zero_with_advice():
    x = X.copy()
    x[0, 0] = 0.0
    with pytest.raises(MethodError, match=r"needs positive scores, but b1 has the value 0.*normalisation_low"):
        aggregate_level(x, W, method="geometric", children=["b1", "b2", "b3"])


def test_geometric_shift_makes_min_one():
    x = np.array([[0.0, 4.0], [3.0, 4.0]])
    out = aggregate_level(x, np.array([[1.0], [1.0]]), method="geometric", nonpositive="shift")
    # column 0 shifted by +1 -> [1, 4]; column 1 positive, untouched
    np.testing.assert_allclose(out[:, 0], [2.0, 4.0])


def test_tree_aggregation_on_tiny(tiny):
    import readiness

    r = readiness.build(tiny, outliers="none", coverage_min=0)
    # a1 minmax: [0, 1/3, 2/3, 1]*100; a2: [0, 2/3, 1/3, 1]*100 -> A = [0, 50, 50, 100]
    np.testing.assert_allclose(r.scores["A"], [0, 50, 50, 100])
    # b1 direction -1: [5,5,1,9] -> -x -> minmax [0.5, 0.5, 1, 0]; b2 [1/3, 0, 1, 2/3] -> B
    np.testing.assert_allclose(r.scores["B"], [(50 + 100 / 3) / 2, 25, 100, 100 / 3])
    np.testing.assert_allclose(r.scores["I"], (r.scores["A"] + r.scores["B"]) / 2)
    assert list(r.ranks["A"]) == [4, 2, 2, 1]


def test_coverage_rule_needs_a_share_of_children():
    x = np.array([[10.0, np.nan, np.nan], [10.0, 20.0, np.nan], [np.nan, np.nan, 5.0]])
    w = np.array([[1.0], [1.0], [0.0]])  # the third child has weight 0: it does not count
    out = aggregate_level(x, w, coverage_min=0.5)[:, 0]
    # row 0: 1 of 2 weighted children (50%) -> kept; row 1: 2 of 2; row 2: 0 of 2 -> NaN
    np.testing.assert_allclose(out, [10.0, 15.0, np.nan])
    out = aggregate_level(x, w, coverage_min=0.75)[:, 0]
    np.testing.assert_allclose(out, [np.nan, 15.0, np.nan])


def test_coverage_rule_in_build(tiny):
    import readiness

    values = tiny.values.copy()
    values.loc["AAA", ["a1", "a2"]] = np.nan  # AAA has no A indicator, and 2 of 4 overall
    ds = tiny.with_values(values)
    r = readiness.build(ds, outliers="none", coverage_min=0.5)
    assert np.isnan(r.scores.loc["AAA", "A"])
    assert r.scores.loc["AAA", "I"] == r.scores.loc["AAA", "B"]  # 1 of 2 dimensions: 50%, kept
    strict = readiness.build(ds, outliers="none", coverage_min=0.5, aggregate_coverage_min=0.6)
    assert np.isnan(strict.scores.loc["AAA", "I"]) and np.isnan(strict.ranks.loc["AAA", "I"])
