import warnings
import numpy as np
import pandas as pd
import pytest

from readiness.normalise import NORMALISATIONS, normalise

X = np.array([[1.0, 10.0], [2.0, 30.0], [4.0, np.nan], [3.0, 20.0]])
META = pd.DataFrame({"direction": [1, -1], "target": [3.0, 15.0], "goalpost_low": [0.0, 10.0],
                     "goalpost_high": [5.0, 30.0]}, index=["a", "b"])


# Hand-computed expectations. Column b has direction -1: it is negated first -> [-10, -30, nan, -20].
EXPECTED = {
    # (x - min) / (max - min) * 100: a -> [0, 1/3, 1, 2/3] * 100; b: min -30, max -10 -> [100, 0, nan, 50]
    "minmax": [[0, 100], [100 / 3, 0], [100, np.nan], [200 / 3, 50]],
    # mean a = 2.5, sd = sqrt(5/3); b: mean -20, sd 10
    "zscore": [[-1.5 / np.sqrt(5 / 3), 1.0], [-0.5 / np.sqrt(5 / 3), -1.0], [1.5 / np.sqrt(5 / 3), np.nan],
               [0.5 / np.sqrt(5 / 3), 0.0]],
    "rank": [[1, 3], [2, 1], [4, np.nan], [3, 2]],
    "borda": [[0, 2], [1, 0], [3, np.nan], [2, 1]],
    # (rank - 1) / (n - 1): a n=4, b n=3
    "percentile_rank": [[0, 1], [1 / 3, 0], [1, np.nan], [2 / 3, 0.5]],
    # x / max: a max 4; b is given direction +1 for this method (see META_FOR): max 30
    "fraction_of_max": [[0.25, 1 / 3], [0.5, 1], [1, np.nan], [0.75, 2 / 3]],
    # 1 - (max - x) / (max - min)
    "distance_to_max": [[0, 1], [1 / 3, 0], [1, np.nan], [2 / 3, 0.5]],
    # (x - min) / (target*dir - min): a target 3 -> (x-1)/2; b target -15: (x+30)/15
    "distance_to_target": [[0, 20 / 15], [0.5, 0], [1.5, np.nan], [1, 10 / 15]],
    # (x - lo)/(hi - lo) clipped * 100; b: lo=-10, hi=-30 -> (x+10)/(-20)
    "goalposts": [[20, 0], [40, 100], [80, np.nan], [60, 50]],
}
# fraction_of_max refuses b's direction -1 (its maximum after direction, -10, is <= 0)
META_FOR = {"fraction_of_max": META.assign(direction=[1, 1])}


def test_every_registered_normalisation_has_a_hand_computed_case():
    assert set(EXPECTED) == set(NORMALISATIONS.names)


@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_hand_computed(method):
    out = normalise(X, META_FOR.get(method, META), method=method)
    np.testing.assert_allclose(out, np.array(EXPECTED[method], dtype=float), rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore::readiness.errors.ReadinessWarning")  # X*2+1 puts a's min on its target
@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_common_checks(method):
    x = X.copy()
    meta = META_FOR.get(method, META)
    out = normalise(x, meta, method=method)
    assert out.shape == x.shape
    np.testing.assert_array_equal(x, X)  # input not mutated
    assert np.isnan(out[2, 1]) and np.isnan(out).sum() == 1  # NaN kept, nothing else NaN
    # a leading replicate axis gives the same as a loop over replicates
    stack = np.stack([X, X * 2 + 1, X[::-1]])
    batched = normalise(stack, meta, method=method)
    for r in range(3):
        np.testing.assert_array_equal(batched[r], normalise(stack[r], meta, method=method))


@pytest.mark.parametrize("method", ["minmax", "zscore", "rank", "percentile_rank", "distance_to_max", "borda"])
def test_direction_reverses_order(method):
    up = normalise(X[:, :1], META.iloc[:1], method=method)[:, 0]
    flipped = META.iloc[:1].assign(direction=-1)
    down = normalise(X[:, :1], flipped, method=method)[:, 0]
    assert list(np.argsort(up)) == list(np.argsort(-down))


def test_constant_indicator_gives_nan_and_warns():
    from readiness import ReadinessWarning

    with pytest.warns(ReadinessWarning, match="no range"):
        out = normalise(np.array([[2.0], [2.0], [2.0]]), META.iloc[:1], method="minmax")
    assert np.isnan(out).all()


def test_by_indicator_exception_and_range():
    out = normalise(X, META, method="minmax", by_indicator={"b": "rank"}, params={"low": 1, "high": 10})
    np.testing.assert_allclose(out[:, 0], [1, 4, 10, 7])
    np.testing.assert_array_equal(out[:, 1], [3, 1, np.nan, 2])


def test_missing_target_is_a_spec_error():
    from readiness import SpecError

    with pytest.raises(SpecError, match="target"):
        normalise(X, META.assign(target=np.nan), method="distance_to_target")


def test_fraction_of_max_refuses_a_maximum_not_above_zero():
    from readiness import MethodError

    # b has direction -1 and positive data: after direction its maximum is -10, so x / max would
    # reverse its order (COINr gives [1, 3, NA, 2]); an all-zero column would give NaN/inf
    with pytest.raises(MethodError, match=r"fraction_of_max.*<= 0 for b \(e.g. b \(lower is better\): maximum -10\)"
                                          r".*another normalisation.*shift"):
        normalise(X, META, method="fraction_of_max")
    zero = np.array([[0.0], [0.0], [np.nan]])
    with pytest.raises(MethodError, match="for a"):
        normalise(zero, META.iloc[:1], method="fraction_of_max")
    # only the indicators that use it are checked; a replicate axis is checked as a whole
    normalise(X, META, method="minmax", by_indicator={"a": "fraction_of_max"})
    with pytest.raises(MethodError):
        normalise(np.stack([X, -X]), META_FOR["fraction_of_max"], method="fraction_of_max")


def test_fraction_of_max_refused_in_build_on_lower_is_better(tiny):
    import readiness

    with pytest.raises(readiness.MethodError, match="b1"):
        readiness.build(tiny, normalisation="fraction_of_max", outliers="none", coverage_min=0)


def test_zscore_of_a_column_does_not_depend_on_its_neighbours():
    # the reuse of stages relies on a column's normalisation being the same computed alone
    rng = np.random.default_rng(0)
    x = rng.lognormal(size=(101, 7)) * 1e3
    meta = pd.DataFrame({"direction": [1] * 7}, index=list("abcdefg"))
    whole = normalise(x, meta, method="zscore")
    for j in range(7):
        np.testing.assert_array_equal(whole[:, j], normalise(x[:, [j]], meta.iloc[[j]], method="zscore")[:, 0])


# --- ranks: one sort of packed integer keys equals counting the smaller values --------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

from readiness.rank import rank_ascending, rank_descending  # noqa: E402


def _brute_min_ranks(x):
    """1 + the number of smaller values in the column (NaN: NaN), column by column."""
    out = np.full(x.shape, np.nan)
    for j in range(x.shape[1]):
        col = x[:, j]
        ok = ~np.isnan(col)
        out[ok, j] = 1 + (col[ok][:, None] > col[ok][None, :]).sum(axis=1)
    return out


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 60), st.integers(1, 4)),
              elements=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                                 st.sampled_from([0.0, -0.0, 1.0, 1.0 + 2**-52, 1.0 - 2**-53, -1.0, np.nan]))))
def test_ranks_equal_counting_smaller_values(x):
    np.testing.assert_array_equal(rank_ascending(x), _brute_min_ranks(x))
    np.testing.assert_array_equal(rank_descending(x), _brute_min_ranks(-x))


def test_ranks_of_close_values_and_ties_in_long_columns():
    rng = np.random.default_rng(5)
    base = rng.random((3000, 3)) * 100
    x = np.concatenate([base, np.nextafter(base[:500], np.inf), base[:200]])  # near-ties beyond the packed bits
    x[rng.random(x.shape) < 0.05] = np.nan
    x[:50, 1] = -0.0
    x[50:80, 1] = 0.0
    np.testing.assert_array_equal(rank_ascending(x), _brute_min_ranks(x))
    np.testing.assert_array_equal(rank_descending(x, axis=0), _brute_min_ranks(-x))


@pytest.mark.parametrize("method", ["minmax", "zscore", "rank", "fraction_of_max"])
def test_a_whole_table_normalises_as_the_blocks_do(method):
    rng = np.random.default_rng(4)
    x = rng.lognormal(size=(2000, 9)) + 1.0
    x[rng.random(x.shape) < 0.1] = np.nan
    x[:, 2] = 5.0  # no range
    x[:, 5] = np.nan  # no value
    meta = pd.DataFrame({"direction": [1, -1, 1, -1, 1, 1, -1, 1, 1]}, index=[f"i{j}" for j in range(9)])
    if method == "fraction_of_max":
        meta["direction"] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = normalise(x, meta, method=method)
        blocks = normalise(x[None], meta, method=method)[0]  # a replicate axis: the column-block path
    assert np.array_equal(whole.view(np.int64), blocks.view(np.int64))


def test_ranks_of_a_large_table_equal_those_of_its_replicate_form():
    rng = np.random.default_rng(8)
    x = np.round(rng.normal(size=(20_000, 60)), 2)  # over a million values, many ties
    x[rng.random(x.shape) < 0.05] = np.nan
    np.testing.assert_array_equal(rank_descending(x), rank_descending(x[None])[0])
    np.testing.assert_array_equal(rank_ascending(x), rank_ascending(x[None])[0])
    np.testing.assert_array_equal(rank_ascending(x[:50]), _brute_min_ranks(x[:50]))
