"""Benchmark: levers' exact what-if rebuilds, batched, against a plain build() loop.

Cases (default data unless said):
  batch, all indicators x 3 targets   one country's what-ifs, every indicator set to the 25th,
                                      50th and 75th percentile of its raw values (~3 x indicators
                                      rebuilds), by readiness.analysis.levers.evaluate_whatifs
  levers KE, 3 targets                the whole readiness.levers() call (targets, batch, table)
  explain KE / compare KE NG UG       against one build()
  ASEM, all indicators x 3 targets    the COINr example (group-mean imputation, 4 levels)
The baseline is the same what-ifs done one at a time by a plain build() on the edited
dataset; also shown, one readiness.whatif per what-if (build with reuse= where the pipeline
has it). All give the same composites (checked here to 1e-9, ranks exactly).

Run: python benchmarks/bench_levers.py    (prints one line per case)
"""

from __future__ import annotations

import pathlib
from dataclasses import replace
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


CPU = {}


def timed(fn, k=5):
    """Median wall time of k runs (after a warm-up); the median CPU time goes to CPU[fn]."""
    fn()  # warm-up
    times, cpu = [], []
    for _ in range(k):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    CPU["last"] = statistics.median(cpu)
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


def loop(result, country, edits, *, reuse=False):
    """The baseline: one build() per what-if (plain, or readiness.whatif's reuse path)."""
    scores, ranks = [], []
    for code, value in edits:
        if reuse:
            after = whatif(result, country, {code: value})
        else:
            values = result.dataset.values.copy()
            values.loc[country, code] = value
            after = readiness.build(replace(result.dataset, values=values), result.spec)
        scores.append(after.scores.at[country, result.index_code])
        ranks.append(after.ranks.at[country, result.index_code])
    return np.array(scores), np.array(ranks)


def case(label, result, country, k=5):
    edits = edits_for(result, country)
    fast = timed(lambda: evaluate_whatifs(result, country, edits), k)
    fast_cpu = CPU["last"]
    slow = timed(lambda: loop(result, country, edits), 1)
    slow_cpu = CPU["last"]
    reuse = timed(lambda: loop(result, country, edits, reuse=True), 1)
    s, r, method = evaluate_whatifs(result, country, edits)
    s0, r0 = loop(result, country, edits)
    assert np.allclose(s, s0, rtol=0, atol=1e-9) and np.array_equal(r, r0), "batch != build loop"
    mem = peak(lambda: evaluate_whatifs(result, country, edits))
    print(f"{label}: {len(edits)} what-ifs\n"
          f"    batch ({method}) {fast * 1e3:7.1f} ms wall, {fast_cpu * 1e3:7.1f} ms CPU, peak {mem:.1f} MB\n"
          f"    build() loop {slow * 1e3:8.1f} ms wall, {slow_cpu * 1e3:8.1f} ms CPU: {slow_cpu / fast_cpu:5.1f}x the "
          f"batch's CPU\n"
          f"    whatif loop (reuse) {reuse * 1e3:8.1f} ms wall, {CPU['last'] * 1e3:8.1f} ms CPU")


def main():
    ds = readiness.load_dataset()
    result = readiness.build(ds)
    build_time = timed(lambda: readiness.build(ds), 3)
    build_cpu = CPU["last"]
    print(f"build() default data: {build_time * 1e3:.1f} ms wall, {build_cpu * 1e3:.1f} ms CPU")
    case("batch, all indicators x 3 targets, KEN", result, "KEN")
    t = timed(lambda: levers(result, "KE", target=list(TARGETS), top=None))
    n = levers(result, "KE", target=list(TARGETS), top=None).attrs["rebuilds"]
    print(f"levers KE, 3 targets (whole call, {n} what-ifs): {t * 1e3:.1f} ms wall, {CPU['last'] * 1e3:.1f} ms CPU")
    for label, fn in (("explain KE", lambda: explain(result, "KE")),
                      ("compare KE NG UG", lambda: compare_countries(result, ["KE", "NG", "UG"]))):
        t = timed(fn, 10)
        print(f"{label}: {t * 1e3:.1f} ms wall, {CPU['last'] * 1e3:.1f} ms CPU "
              f"({CPU['last'] / build_cpu:.0%} of a build's CPU)")
    asem = readiness.build(load_dataset(ROOT / "tests" / "conformance" / "asem.xlsx"))
    case("ASEM (COINr example), all x 3, CHE", asem, "CHE", k=3)


if __name__ == "__main__":
    main()
