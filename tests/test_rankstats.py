"""Rank statistics in memory linear in units: exact, and equal to the histogram method they replace."""

import numpy as np
import pytest

import readiness
from readiness.analysis import rankstats
from readiness.analysis.rankstats import BANDS, band_limits, rank_stats
from readiness.analysis.uncertainty import DEFAULT_VARY, Space, draw, evaluate


def _histogram_stats(ranks, valid, nominal, n):
    """The previous implementation (units x units rank histograms per node), kept as the reference."""
    shape = ranks.shape[1:]
    m = int(np.prod(shape))
    bins = n + 1
    block = ranks[valid].reshape(-1, m)
    present = ~np.isnan(block)
    vals = np.where(present, block, 0).astype(np.int64) + np.arange(m) * bins
    counts = np.bincount(vals[present], minlength=m * bins).reshape(m, bins)
    cum = np.cumsum(counts, axis=1)
    nvalid = cum[:, -1]
    qs = []
    for q in (0.05, 0.5, 0.95):
        h = np.maximum(nvalid - 1, 0) * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(nvalid - 1, 0))
        x_lo = (cum <= lo[:, None]).sum(axis=1)
        x_hi = (cum <= hi[:, None]).sum(axis=1)
        qs.append(np.where(nvalid > 0, x_lo + (h - lo) * (x_hi - x_lo), np.nan))
    values = np.arange(bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.where(nvalid > 0, nvalid, np.nan)
        out = {"nominal_rank": nominal, "mean_rank": ((counts @ values) / denom).reshape(shape),
               "median_rank": qs[1].reshape(shape), "q05": qs[0].reshape(shape), "q95": qs[2].reshape(shape),
               "interval_width": (qs[2] - qs[0]).reshape(shape)}
        for name, (side, limit) in band_limits(n).items():
            hit = ((values <= limit) if side == "top" else (values > n - limit)) & (values > 0)
            out[f"p_{name}"] = ((counts @ hit) / denom).reshape(shape)
    return out


def _assert_identical(a, b):
    assert set(a) == set(b)
    for key in a:
        assert np.array_equal(np.asarray(a[key]), np.asarray(b[key]), equal_nan=True), key


def test_small_case_by_hand():
    # one country, one node, ranks 1, 3, 2, 4, NaN (missing) over five replicates of 4 countries
    r = np.array([1, 3, 2, 4, np.nan], dtype=np.float32).reshape(5, 1, 1)
    s = rank_stats(r, np.ones(5, bool), np.array([[2.0]]), 4)
    # sorted 1 2 3 4: median (type 7) at h = 1.5 -> 2.5; q05 at h = 0.15 -> 1.15; q95 at 2.85 -> 3.85
    assert s["median_rank"][0, 0] == 2.5 and np.isclose(s["q05"][0, 0], 1.15) and np.isclose(s["q95"][0, 0], 3.85)
    assert s["mean_rank"][0, 0] == 2.5
    # top quartile of 4 countries = rank 1: one of four valid replicates
    assert s["p_top_quartile"][0, 0] == 0.25 and s["p_bottom_quartile"][0, 0] == 0.25
    assert s["p_top_10"][0, 0] == 1.0


def test_equal_to_numpy_on_random_ranks_with_gaps_and_invalid_replicates():
    rng = np.random.default_rng(0)
    ranks = rng.integers(1, 8, size=(37, 5, 3)).astype(np.float32)
    ranks[rng.random(ranks.shape) < 0.2] = np.nan
    valid = rng.random(37) > 0.1
    s = rank_stats(ranks, valid, np.zeros((5, 3)), 7)
    use = ranks[valid].astype(float)
    q = np.nanquantile(use, (0.05, 0.5, 0.95), axis=0)
    assert np.allclose(s["q05"], q[0]) and np.allclose(s["median_rank"], q[1]) and np.allclose(s["q95"], q[2])
    assert np.allclose(s["mean_rank"], np.nanmean(use, axis=0))
    n_ok = (~np.isnan(use)).sum(axis=0)
    assert np.allclose(s["p_top_half"], (use <= 3.5).sum(axis=0) / n_ok)
    _assert_identical(s, _histogram_stats(ranks, valid, np.zeros((5, 3)), 7))


def test_blocks_do_not_change_the_numbers(monkeypatch):
    rng = np.random.default_rng(1)
    ranks = rng.integers(1, 30, size=(50, 29, 4)).astype(np.float32)
    whole = rank_stats(ranks, np.ones(50, bool), np.zeros((29, 4)), 29)
    monkeypatch.setattr(rankstats, "BLOCK_VALUES", 7 * 50)  # blocks of 7 columns
    _assert_identical(rank_stats(ranks, np.ones(50, bool), np.zeros((29, 4)), 29), whole)


def test_every_band_is_reported():
    s = rank_stats(np.ones((2, 3, 1), np.float32), np.ones(2, bool), np.ones((3, 1)), 3)
    assert {f"p_{b}" for b in BANDS} <= set(s)


@pytest.mark.parametrize("which", ["asem", "default"])
def test_equal_to_the_histogram_method_on_real_data(which, asem_path):
    dataset = readiness.load_dataset(asem_path if which == "asem" else None)
    design = draw(Space.from_names(DEFAULT_VARY), 300, seed=5, dataset=dataset)
    ev = evaluate(dataset, None, design)
    n = len(ev.countries)
    _assert_identical(rank_stats(ev.ranks, ev.valid, ev.nominal_ranks, n),
                      _histogram_stats(ev.ranks, ev.valid, ev.nominal_ranks, n))


def test_counting_and_sorting_give_identical_numbers(monkeypatch):
    # fewer possible ranks than replicates: ranks are counted; the sort is the reference
    rng = np.random.default_rng(3)
    cases = []
    for trial in range(60):
        reps, nc = int(rng.integers(20, 300)), int(rng.integers(1, 15))
        n = nc + int(rng.integers(0, 4))
        r = rng.integers(1, n + 1, size=(reps, nc, 2)).astype(np.float32)
        r[rng.random(r.shape) < 0.3 * rng.random()] = np.nan
        r[:, 0, 0] = np.nan if trial % 5 == 0 else r[:, 0, 0]
        r[0, -1, 1] = (0.0, 1.5, -2.0, r[0, -1, 1])[trial % 4]  # not ranks: the sort takes these blocks
        cases.append((r, rng.random(reps) > 0.2, n))
    counted = [rank_stats(r, v, np.zeros(r.shape[1:]), n) for r, v, n in cases]
    monkeypatch.setattr(rankstats, "_counted_stats", lambda *args: None)
    for (r, v, n), c in zip(cases, counted):
        _assert_identical(c, rank_stats(r, v, np.zeros(r.shape[1:]), n))
