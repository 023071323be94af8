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
    # x / max: a max 4; b max -10 -> -10/-10=1, -30/-10=3, -20/-10=2
    "fraction_of_max": [[0.25, 1], [0.5, 3], [1, np.nan], [0.75, 2]],
    # 1 - (max - x) / (max - min)
    "distance_to_max": [[0, 1], [1 / 3, 0], [1, np.nan], [2 / 3, 0.5]],
    # (x - min) / (target*dir - min): a target 3 -> (x-1)/2; b target -15: (x+30)/15
    "distance_to_target": [[0, 20 / 15], [0.5, 0], [1.5, np.nan], [1, 10 / 15]],
    # (x - lo)/(hi - lo) clipped * 100; b: lo=-10, hi=-30 -> (x+10)/(-20)
    "goalposts": [[20, 0], [40, 100], [80, np.nan], [60, 50]],
}


def test_every_registered_normalisation_has_a_hand_computed_case():
    assert set(EXPECTED) == set(NORMALISATIONS.names)


@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_hand_computed(method):
    out = normalise(X, META, method=method)
    np.testing.assert_allclose(out, np.array(EXPECTED[method], dtype=float), rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore::readiness._validation.ReadinessWarning")  # X*2+1 puts a's min on its target
@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_common_checks(method):
    x = X.copy()
    out = normalise(x, META, method=method)
    assert out.shape == x.shape
    np.testing.assert_array_equal(x, X)  # input not mutated
    assert np.isnan(out[2, 1]) and np.isnan(out).sum() == 1  # NaN kept, nothing else NaN
    # a leading replicate axis gives the same as a loop over replicates
    stack = np.stack([X, X * 2 + 1, X[::-1]])
    batched = normalise(stack, META, method=method)
    for r in range(3):
        np.testing.assert_array_equal(batched[r], normalise(stack[r], META, method=method))


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
