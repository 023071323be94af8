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


# --- treat() at scale equals COINr's loop, written here plainly, column by column ----------------------------

import readiness.treat as treat_module  # noqa: E402

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402


def _ref_stats(v):
    """Excel's SKEW and KURT of a vector without NaN (NaN: too few values or no spread)."""
    n = v.size
    if n < 3:
        return np.nan, np.nan
    with np.errstate(invalid="ignore", over="ignore"):  # infinite values: NaN statistics (they pass)
        d = v - v.mean()
        d2 = d * d
        m2 = d2.sum()
        if m2 == 0:
            return np.nan, np.nan
        sk = np.sqrt(n) * (d2 * d).sum() / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        if n < 4:
            return sk, np.nan
        r = n * (d2 * d2).sum() / m2**2
        return sk, ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))


def _ref_passes(sk, ku, skew_max, kurt_max):
    return bool(np.isnan(sk) or np.isnan(ku) or abs(sk) < skew_max or ku < kurt_max)


def _reference_column(x, winsor_max, skew_max, kurt_max, fallback):
    """COINr's Treat() on one column: winsorise the highest (lowest when skew < 0) tied set to the next
    value, re-check, until it passes or winsor_max points are done; else log(x - min + 0.01 (max - min))."""
    present = ~np.isnan(x)
    v = x[present].copy()
    high = np.zeros(v.size, dtype=bool)
    low = np.zeros(v.size, dtype=bool)
    nwin = 0
    sk, ku = _ref_stats(v)
    while not _ref_passes(sk, ku, skew_max, kurt_max) and (winsor_max is None or nwin < winsor_max):
        if sk >= 0:
            top = v == v.max()
            if top.all():
                break
            v[top] = v[~top].max()
            high = top
        else:
            bottom = v == v.min()
            if bottom.all():
                break
            v[bottom] = v[~bottom].min()
            low = bottom
        nwin = int(high.sum() + low.sum())
        sk, ku = _ref_stats(v)
    y = x.copy()
    y[present] = v
    logged = False
    if not _ref_passes(sk, ku, skew_max, kurt_max) and fallback == "log":
        lo, hi = np.nanmin(x), np.nanmax(x)
        y = np.log(x - lo + 0.01 * (hi - lo))
        high[:] = low[:] = False
        logged = True
        sk, ku = _ref_stats(y[present])
    full_high, full_low = np.zeros(x.shape, dtype=bool), np.zeros(x.shape, dtype=bool)
    full_high[present], full_low[present] = high, low
    return y, nwin, sk, ku, _ref_passes(sk, ku, skew_max, kurt_max), logged, full_high, full_low


def _same(a, b):
    """Equal bit for bit (NaN equal to NaN)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def _assert_treat_equals_reference(x, winsor_max=5, skew_max=2.0, kurt_max=3.5, fallback="log"):
    y, details = treat(x, winsor_max=winsor_max, skew_max=skew_max, kurt_max=kurt_max, fallback=fallback)
    for j, d in enumerate(details):
        if d.passed_before:  # untouched: the statistics are the column-block ones (equal to 1e-12)
            assert _same(y[:, j], x[:, j]) and d.n_winsorised == 0 and not d.logged
            sk, ku = _ref_stats(x[~np.isnan(x[:, j]), j])
            np.testing.assert_allclose([d.skew_before, d.kurt_before], [sk, ku], rtol=1e-9, atol=1e-12)
            continue
        ry, nwin, sk, ku, ok, logged, high, low = _reference_column(x[:, j], winsor_max, skew_max, kurt_max, fallback)
        assert _same(y[:, j], ry), f"column {j}: treated values differ"
        assert (d.n_winsorised, d.logged, d.passed_after) == (nwin, logged, ok), f"column {j}"
        assert _same(d.skew_after, sk) and _same(d.kurt_after, ku), f"column {j}: statistics after differ"
        assert (d.high == high).all() and (d.low == low).all(), f"column {j}: winsorised points differ"


@settings(max_examples=120, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(4, 400), k=st.integers(1, 8),
       decimals=st.sampled_from([None, 0, 1]), nan_share=st.sampled_from([0.0, 0.05, 0.3]),
       winsor_max=st.sampled_from([0, 1, 2, 3, 5, 12, None]), fallback=st.sampled_from(["log", "none"]))
def test_treat_equals_the_plain_loop_on_skewed_data_with_outliers(seed, n, k, decimals, nan_share, winsor_max,
                                                                  fallback):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0.0, rng.uniform(0.2, 2.0, size=k), size=(n, k))
    spikes = rng.random((n, k)) < rng.uniform(0.0, 0.05)
    x[spikes] *= rng.uniform(5, 1e4, size=spikes.sum())  # outliers, some of them tied after rounding
    x *= np.where(rng.random(k) < 0.4, -1.0, 1.0)  # negative skew: the low end is winsorised
    if decimals is not None:
        x = np.round(x, decimals)  # ties, also among the extremes
    x[rng.random((n, k)) < nan_share] = np.nan
    _assert_treat_equals_reference(x, winsor_max=winsor_max, fallback=fallback)


@settings(max_examples=80, deadline=None)
@given(x=arrays(np.float64, st.tuples(st.integers(4, 40), st.integers(1, 4)),
                elements=st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, 1.0, 1e5, np.nan]))),
       winsor_max=st.sampled_from([1, 5, None]))
def test_treat_equals_the_plain_loop_on_arbitrary_values(x, winsor_max):
    _assert_treat_equals_reference(x, winsor_max=winsor_max)


def test_large_columns_and_long_runs_of_ties_equal_the_plain_loop():
    rng = np.random.default_rng(7)
    x = rng.lognormal(1.0, 1.2, size=(30_000, 4))
    x[:, 1] = np.round(x[:, 1], 1)
    x[:40, 2] = 1e4  # 40 tied maxima: the run is longer than the extreme values kept, so the loop decides
    x[:, 3] = -x[:, 3]
    x[rng.random(x.shape) < 0.05] = np.nan
    for winsor_max in (5, 50):
        _assert_treat_equals_reference(x, winsor_max=winsor_max)


def test_columns_the_sums_cannot_decide_take_the_loop(monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.lognormal(0.0, 1.5, size=(500, 6))
    x[:2, 0] = [0.0, -0.0]
    x[rng.random(x.shape) < 0.1] = np.nan
    fast = treat(x)
    calls = []
    loop = treat_module.treat_column
    monkeypatch.setattr(treat_module, "treat_column", lambda *a, **kw: calls.append(1) or loop(*a, **kw))
    monkeypatch.setattr(treat_module, "_REL_TOL", 1e6)  # no decision is sure: every failing column takes the loop
    slow = treat(x)
    assert len(calls) == sum(not d.passed_before for d in fast[1]) > 0
    assert _same(fast[0], slow[0])
    for a, b in zip(fast[1], slow[1]):
        assert (a.n_winsorised, a.logged, a.passed_after) == (b.n_winsorised, b.logged, b.passed_after)
        assert _same(a.skew_after, b.skew_after) and _same(a.kurt_after, b.kurt_after)
        assert (a.high == b.high).all() and (a.low == b.low).all()


@pytest.mark.parametrize("n", [4, 7, 8, 9, 129, 8193, 100_003])
def test_row_statistics_equal_the_one_column_ones_bit_for_bit(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((5, n)) ** 3
    x[rng.random(x.shape) < 0.1] = np.nan
    x[:, :4] = 1.0  # at least 4 values per row
    padded = np.concatenate([np.zeros((5, 1)), x], axis=1)
    sk, ku = treat_module._stats_rows(padded, ~np.isnan(x))
    for i in range(5):
        ref = _ref_stats(x[i][~np.isnan(x[i])])
        assert _same(sk[i], ref[0]) and _same(ku[i], ref[1])


@pytest.mark.parametrize("method,func", [("group_mean", np.nanmean), ("group_median", np.nanmedian)])
def test_group_imputation_fills_each_gap_with_its_group_statistic(monkeypatch, method, func):
    import readiness.impute as impute_module

    rng = np.random.default_rng(11)
    x = rng.lognormal(size=(300, 7))
    x[rng.random(x.shape) < 0.2] = np.nan
    x[:, 3] = np.nan  # no value at all: stays missing
    groups = rng.choice(["a", "b", "", "c"], size=300).astype(object)
    groups[groups == "c"] = None
    monkeypatch.setattr(impute_module, "_BLOCK", 600)  # two indicators per block: the blocks give the same numbers
    out, mask = impute(x, method=method, groups=groups)
    expected = x.copy()
    for g in ("a", "b"):
        rows = groups == g
        with np.errstate(all="ignore"):
            stat = np.array([func(x[rows, j]) if (~np.isnan(x[rows, j])).any() else np.nan for j in range(7)])
        fill = np.isnan(x) & rows[:, None]
        expected[fill] = np.broadcast_to(stat, x.shape)[fill]
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(mask, np.isnan(x) & ~np.isnan(expected))
    assert np.isnan(out[:, 3]).all() and np.isnan(out[(groups == "") | pd.isna(groups)]).sum() == np.isnan(
        x[(groups == "") | pd.isna(groups)]).sum()
