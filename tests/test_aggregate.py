import numpy as np
import pandas as pd
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
    # Two countries, weights (1, 2, 1)/4. Row 0 vs row 1: a 20 > 10 (+1/4), b not comparable
    # (row 1 missing), c 40 < 90 (-1/4): equal shares, a tied pair, so 0 wins minus 0 losses each.
    "copeland": [0.0, 0.0],
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
    r = readiness.build(ds, outliers="none", coverage_min=0.5, incomplete="partial")
    assert np.isnan(r.scores.loc["AAA", "A"])
    assert r.scores.loc["AAA", "I"] == r.scores.loc["AAA", "B"]  # 1 of 2 dimensions: 50%, kept
    strict = readiness.build(ds, outliers="none", coverage_min=0.5, aggregate_coverage_min=0.6, incomplete="partial")
    assert np.isnan(strict.scores.loc["AAA", "I"]) and np.isnan(strict.ranks.loc["AAA", "I"])


def _two_dimension_tree():
    """Four indicators, two dimensions (A: a1, a2; B: b1, b2), one index."""
    from types import SimpleNamespace

    from readiness.aggregate import TreePlan

    ind = pd.DataFrame({"parent": ["A", "A", "B", "B"]}, index=["a1", "a2", "b1", "b2"])
    st = pd.DataFrame({"parent": ["I", "I", ""]}, index=["A", "B", "I"])
    ds = SimpleNamespace(indicators=ind, structure=st, levels={"a1": 1, "a2": 1, "b1": 1, "b2": 1, "A": 2, "B": 2,
                                                               "I": 3},
                         parents={"a1": "A", "a2": "A", "b1": "B", "b2": "B", "A": "I", "B": "I"})
    return TreePlan(ds)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
@pytest.mark.parametrize("method", ["arithmetic", "generalised_mean", "geometric", "harmonic"])
def test_an_infinite_child_affects_only_its_parent(bad, method):
    from readiness.aggregate import aggregate_tree

    plan = _two_dimension_tree()
    x = np.array([[10.0, 20.0, 30.0, 40.0], [50.0, 60.0, 70.0, 80.0]])
    x[0, 0] = bad
    if method in ("geometric", "harmonic") and bad < 0:
        pytest.skip("a negative score is refused by these means")
    out = aggregate_tree(x, np.ones(len(plan.nodes)), plan, methods={2: method, 3: "arithmetic"})
    clean = aggregate_tree(np.abs(np.nan_to_num(x, posinf=15.0, neginf=15.0)), np.ones(len(plan.nodes)), plan,
                           methods={2: method, 3: "arithmetic"})
    a, b, index = (plan.nodes.index(c) for c in "ABI")
    # B and the other country are untouched (before the fix: every aggregate of country 0 was NaN)
    assert out[0, b] == clean[0, b]
    np.testing.assert_array_equal(out[1], clean[1])
    # A is the limit of its mean, and the index follows it through A only
    if method == "harmonic":  # 1 / inf = 0 contributes nothing: the mean of (inf, 20) is 2 / (1/20) = 40
        assert out[0, a] == 40.0
    elif method == "generalised_mean" and bad < 0:  # (-inf) ** 0.5 is undefined: A is NaN, i.e. missing
        assert np.isnan(out[0, a]) and out[0, index] == out[0, b]
    else:
        assert out[0, a] == bad and out[0, index] == bad


def test_an_undefined_term_stays_in_its_parent():
    # a power mean with p = 0.5 of a negative score is undefined (NaN) in A only
    plan = _two_dimension_tree()
    from readiness.aggregate import aggregate_tree

    x = np.array([[-4.0, 20.0, 30.0, 40.0]])
    out = aggregate_tree(x, np.ones(len(plan.nodes)), plan, methods={2: "generalised_mean", 3: "arithmetic"})
    assert np.isnan(out[0, plan.nodes.index("A")])
    assert out[0, plan.nodes.index("B")] == pytest.approx(((30**0.5 + 40**0.5) / 2) ** 2)


def test_positivity_rule_is_public_and_per_block():
    from readiness.aggregate import needs_positive, positivity_violations

    x = np.stack([X, X - 30.0, X])  # the middle replicate has scores <= 0
    assert positivity_violations(x, "geometric").tolist() == [False, True, False]
    assert positivity_violations(x, "generalised_mean", p=-1.0).tolist() == [False, True, False]
    assert positivity_violations(x, "generalised_mean", p=0.5).tolist() == [False, False, False]
    assert positivity_violations(x, "copeland").tolist() == [False, False, False]
    assert needs_positive("harmonic") and not needs_positive("arithmetic")


def test_copeland_hand_computed_with_ties():
    # three countries, two children with weights 3 and 1
    x = np.array([[1.0, 5.0], [2.0, 5.0], [2.0, 1.0]])
    w = np.array([[3.0], [1.0]])
    # d(0,1) = 3*sign(1-2) + 1*sign(5-5) = -3: 1 beats 0
    # d(0,2) = -3 + 1 = -2: 2 beats 0;  d(1,2) = 0 + 1 = +1: 1 beats 2
    # wins minus losses: 0: -2; 1: +2; 2: +1 - 1 = 0
    out = aggregate_level(x, w, method="copeland")[:, 0]
    np.testing.assert_array_equal(out, [-2.0, 2.0, 0.0])
    assert out.sum() == 0.0  # every win is someone's loss


def test_copeland_equals_coinrs_own_unit_test():
    # COINr's tests/testthat/test-aggregate.R: columns 1:4, c(3:1, 5), c(2, 3, 1, 4), equal weights
    x = np.array([[1, 3, 2], [2, 2, 3], [3, 1, 1], [4, 5, 4]], float)
    out = aggregate_level(x, np.ones((3, 1)), method="copeland")[:, 0]
    np.testing.assert_array_equal(out, [-1.0, 1.0, -3.0, 3.0])


def test_copeland_equals_the_pairwise_definition_and_broadcasts():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, size=(5, 7, 4)).astype(float)  # many ties
    x[rng.random(x.shape) < 0.2] = np.nan
    w = rng.random((5, 4, 2)) * (rng.random((4, 2)) < 0.7)
    w[0, :, 0] = [1.0, 0.0, 2.0, 1.0]
    out = aggregate_level(x, w, method="copeland")
    for r in range(5):
        np.testing.assert_array_equal(out[r], aggregate_level(x[r], w[r], method="copeland"))
        for j in range(2):
            share = w[r, :, j] / w[r, :, j].sum() if w[r, :, j].sum() > 0 else w[r, :, j]
            for i in range(7):
                if not (~np.isnan(x[r, i]) & (w[r, :, j] != 0)).any():
                    assert np.isnan(out[r, i, j])
                    continue
                total = 0
                for k in range(7):
                    if k != i:  # outranking share of i over k minus that of k over i, children both have
                        a, b = x[r, i], x[r, k]
                        mine = np.nansum(share * ((a > b) + 0.5 * (a == b)))
                        theirs = np.nansum(share * ((b > a) + 0.5 * (a == b)))
                        total += int(mine - theirs > 1e-12) - int(theirs - mine > 1e-12)
                # COINr fills its lower triangle as 1 - upper, which differs from this (documented)
                # definition only when a pair has missing values: we follow the definition.
                assert out[r, i, j] == total


def test_copeland_ignores_positive_monotone_rescaling():
    x = np.array([[1.0, 9.0], [4.0, 2.0], [3.0, 3.0], [np.nan, 7.0]])
    w = np.array([[2.0], [1.0]])
    np.testing.assert_array_equal(aggregate_level(x, w, method="copeland"),
                                  aggregate_level(np.exp(x) * 3, w, method="copeland"))


def test_copeland_in_build(tiny):
    import readiness

    r = readiness.build(tiny, outliers="none", coverage_min=0, aggregation_by_level={2: "copeland"})
    # A: a1 minmax [0, 1/3, 2/3, 1], a2 [0, 2/3, 1/3, 1], equal weights: AAA loses to all three (-3),
    # DDD beats all three (+3); BBB and CCC each win one child of their pair (a tie) and
    # beat AAA and lose to DDD: 0
    np.testing.assert_array_equal(r.scores["A"], [-3.0, 0.0, 0.0, 3.0])


def test_an_infinite_normalised_score_is_named_in_build(tiny, monkeypatch):
    import readiness
    from readiness.normalise import NORMALISATIONS

    def blow_up(x, **_):  # a kernel that divides by zero for a2 (before: "check the weights")
        out = x / np.nanmax(x, axis=-2, keepdims=True)
        out[..., 1] = np.where(x[..., 1] > 20, np.inf, out[..., 1])
        return out

    monkeypatch.setitem(NORMALISATIONS._kernels, "rank", blow_up)
    with pytest.raises(readiness.MethodError, match=r"'rank' gives infinite scores for a2 \(e.g. a2 for BBB, DDD\)"):
        readiness.build(tiny, outliers="none", coverage_min=0, normalisation="rank")


def test_no_index_score_names_the_weights_when_they_are_the_cause(tiny):
    import readiness

    with pytest.raises(readiness.MethodError, match="effective weight is 0"):
        readiness.build(tiny, outliers="none", coverage_min=0, weights_override={"A": 0, "B": 0})


@pytest.mark.parametrize("method", ["arithmetic", "geometric", "harmonic", "generalised_mean"])
def test_a_large_table_aggregated_in_blocks_of_countries_equals_one_pass(monkeypatch, method):
    import readiness.aggregate as aggregate_module

    rng = np.random.default_rng(2)
    x = rng.uniform(1.0, 100.0, size=(5000, 12))
    x[rng.random(x.shape) < 0.2] = np.nan
    w = np.zeros((12, 3))
    w[np.arange(12), np.arange(12) % 3] = rng.uniform(0.5, 2.0, size=12)
    whole = aggregate_level(x, w, method=method, coverage_min=0.5)
    monkeypatch.setattr(aggregate_module, "_BLOCK", 12 * 700)  # blocks of 1,024 countries (the least)
    blocks = aggregate_level(x, w, method=method, coverage_min=0.5)
    assert np.array_equal(whole.view(np.int64), blocks.view(np.int64))  # bit for bit, NaN where too few
    assert np.isnan(whole).any() and not np.isnan(whole).all()
