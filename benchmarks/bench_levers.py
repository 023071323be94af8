"""Benchmark: levers' exact what-if rebuilds, batched, against a plain build() loop.

Cases (default data unless said):
  batch, all indicators x 3 targets   one country's what-ifs, every indicator set to the 25th,
                                      50th and 75th percentile of its raw values (~3 x indicators
                                      rebuilds), by readiness.analysis.levers.evaluate_whatifs
  levers KE, 3 targets                the whole readiness.levers() call (targets, batch, table)
  explain KE / compare KE NG UG       against one build()
  ASEM, all indicators x 3 targets    the COINr example (group-mean imputation, 4 levels)
The baseline is the same what-ifs done one at a time with readiness.whatif (a full build()
each). Both give the same composites (checked here to 1e-9, ranks exactly).

Run: python benchmarks/bench_levers.py    (prints one line per case)
"""

from __future__ import annotations

import pathlib
import statistics
import time
import tracemalloc

import numpy as np

import readiness
from readiness.analysis.explain import compare_countries, explain
from readiness.analysis.levers import TARGETS, evaluate_whatifs, levers
from readiness.analysis.whatif import whatif
from readiness.io.load import load_dataset

ROOT = pathlib.Path(__file__).resolve().parents[1]


def timed(fn, k=5):
    fn()  # warm-up
    times = []
    for _ in range(k):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def peak(fn):
    tracemalloc.start()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 1e6


def edits_for(result, country):
    """Every indicator at the 25th, 50th and 75th percentile of its raw values."""
    ds = result.dataset
    out = []
    for q in (0.25, 0.5, 0.75):
        for code in ds.indicators.index:
            out.append((code, float(ds.values[code].quantile(q))))
    return out


def loop(result, country, edits):
    iso3 = result.dataset.countries.index[result.dataset.countries.index == country][0]
    scores, ranks = [], []
    for code, value in edits:
        after = whatif(result, iso3, {code: value})
        scores.append(after.scores.at[iso3, result.index_code])
        ranks.append(after.ranks.at[iso3, result.index_code])
    return np.array(scores), np.array(ranks)


def case(label, result, country, k=5):
    edits = edits_for(result, country)
    fast = timed(lambda: evaluate_whatifs(result, country, edits), k)
    slow = timed(lambda: loop(result, country, edits), max(1, k // 2))
    s, r, method = evaluate_whatifs(result, country, edits)
    s0, r0 = loop(result, country, edits)
    assert np.allclose(s, s0, rtol=0, atol=1e-9) and np.array_equal(r, r0), "batch != build loop"
    mem = peak(lambda: evaluate_whatifs(result, country, edits))
    print(f"{label:38s} {len(edits):4d} rebuilds  {fast * 1e3:8.1f} ms ({method})  build() loop "
          f"{slow * 1e3:8.1f} ms  ratio {slow / fast:5.1f}x  peak {mem:.1f} MB")


def main():
    ds = readiness.load_dataset()
    result = readiness.build(ds)
    build_time = timed(lambda: readiness.build(ds))
    print(f"{'build() default data':38s} {'':14s}  {build_time * 1e3:8.1f} ms")
    case("batch, all indicators x 3 targets, KEN", result, "KEN")
    case("batch, all indicators x 3 targets, DEU", result, "DEU")
    t = timed(lambda: levers(result, "KE", target=list(TARGETS), top=None))
    n = levers(result, "KE", target=list(TARGETS), top=None).attrs["rebuilds"]
    print(f"{'levers KE, 3 targets (whole call)':38s} {n:4d} rebuilds  {t * 1e3:8.1f} ms")
    t = timed(lambda: explain(result, "KE"))
    print(f"{'explain KE':38s} {'':14s}  {t * 1e3:8.1f} ms  ({t / build_time:.0%} of a build)")
    t = timed(lambda: compare_countries(result, ["KE", "NG", "UG"]))
    print(f"{'compare KE NG UG':38s} {'':14s}  {t * 1e3:8.1f} ms  ({t / build_time:.0%} of a build)")
    asem = readiness.build(load_dataset(ROOT / "tests" / "conformance" / "asem.xlsx"))
    case("ASEM (COINr example), all x 3, CHE", asem, "CHE", k=3)


if __name__ == "__main__":
    main()
