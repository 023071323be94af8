import numpy as np
import pandas as pd
import pytest

from readiness.impute import IMPUTATIONS, impute
from readiness.treat import kurt, passes, skew, treat


def test_skew_kurt_equal_pandas_bias_corrected():
    x = np.array([1.0, 2.0, 2.5, 3.0, 7.0, 30.0, np.nan])
    s = pd.Series(x)
    assert skew(x) == pytest.approx(s.skew(), rel=1e-12)
    assert kurt(x) == pytest.approx(s.kurt(), rel=1e-12)


def test_winsorise_top_point_to_next_value():
    x = np.array([[float(v)] for v in [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]])
    assert not passes(x[:, 0])
    y, (d,) = treat(x)
    assert d.n_winsorised == 1 and not d.logged and d.passed_after
    assert y[-1, 0] == 9.0 and (y[:-1] == x[:-1]).all()


def test_negative_skew_winsorises_low_end():
    x = np.array([[float(v)] for v in [-100, 1, 2, 3, 4, 5, 6, 7, 8, 9]])
    y, (d,) = treat(x)
    assert y[0, 0] == 1.0 and d.low[0] and not d.high.any()


def test_log_fallback_when_winsorisation_is_not_enough():
    x = np.array([[v] for v in [1.0] * 10 + [10.0, 100.0, 1000.0, 10000.0]])
    y, (d,) = treat(x, winsor_max=1)
    assert d.logged
    lo, hi = 1.0, 10000.0
    np.testing.assert_allclose(y[:, 0], np.log(x[:, 0] - lo + 0.01 * (hi - lo)))


def test_treatment_none_is_identity():
    x = np.array([[1.0], [1000.0], [2.0], [3.0]])
    y, details = treat(x, method="none")
    assert details == [] and (y == x).all()


X = np.array([[1.0, np.nan], [3.0, 4.0], [np.nan, 8.0], [5.0, 6.0]])


@pytest.mark.parametrize("method", IMPUTATIONS.names)
def test_observed_cells_untouched(method):
    out, mask = impute(X, method=method, groups=["a", "a", "b", "b"])
    observed = ~np.isnan(X)
    np.testing.assert_array_equal(out[observed], X[observed])
    np.testing.assert_array_equal(mask, np.isnan(X) & ~np.isnan(out))


def test_hand_computed_imputations():
    np.testing.assert_allclose(impute(X, method="mean")[0], [[1, 6], [3, 4], [3, 8], [5, 6]])
    np.testing.assert_allclose(impute(X, method="median")[0], [[1, 6], [3, 4], [3, 8], [5, 6]])
    # group a = rows 0,1; group b = rows 2,3
    np.testing.assert_allclose(impute(X, method="group_mean", groups=["a", "a", "b", "b"])[0],
                               [[1, 4], [3, 4], [5, 8], [5, 6]])
    # a group with no country labelled stays missing
    out, _ = impute(X, method="group_median", groups=["a", "a", "", "b"])
    assert np.isnan(out[2, 0])


def test_user_errors_are_readiness_errors(tiny):
    import readiness
    from readiness.errors import InputError, MethodError, SpecError

    with pytest.raises(SpecError, match="one group label per country"):
        impute(X, method="group_mean")  # before: a bare ValueError
    with pytest.raises(SpecError, match="got 3 labels for 4 countries"):
        impute(X, method="group_mean", groups=["a", "a", "b"])
    with pytest.raises(InputError, match="needs numbers"):
        impute(np.array([["1", "x"]], dtype=object), method="mean")
    with pytest.raises(SpecError, match="outliers must be one of"):
        treat(X, method="winsor")  # before: silently the COINr rule
    with pytest.raises(SpecError, match=r"unknown setting 'normalisaton'.*did you mean 'normalisation'"):
        readiness.build(tiny, normalisaton="zscore")  # before: TypeError from dataclasses
    with pytest.raises(SpecError, match="spec must be a readiness.Spec"):
        readiness.build(tiny, {"normalisation": "zscore"})
    with pytest.raises(InputError, match="build needs a Dataset"):
        readiness.build("data.xlsx")
    assert issubclass(MethodError, ValueError)


def test_missing_denominator_column_is_an_input_error():
    from readiness.denominate import denominate
    from readiness.errors import InputError

    v = pd.DataFrame({"gpu": [10.0, 4.0]}, index=["AAA", "BBB"])
    meta = pd.DataFrame({"denominator": ["population"], "scale": [1.0]}, index=["gpu"])
    with pytest.raises(InputError, match="'gpu' has the denominator 'population', which is not a column"):
        denominate(v, meta, pd.DataFrame({"gdp": [1.0, 2.0]}, index=["AAA", "BBB"]))  # before: KeyError
