"""Benchmark: uncertainty and Sobol sensitivity analysis on COINr's ASEM example (51 countries, 49 indicators).

The case of issue 4: winsorisation limit 1-5, normalisation min-max vs z-score, weights
+/-25% at levels 2-3, aggregation arithmetic vs geometric; Sobol with N = 200
(1,200 replicates) and N = 10,000 (60,000 replicates). Timed: the whole analysis,
``sensitivity(dataset, spec, space, n=N, seed=1)`` (draw, evaluate, Sobol indices of the
mean absolute rank shift and of every country's rank with bootstrap intervals, rank
intervals at every level).

Baselines:
- loop: a plain loop calling ``build()`` once per replicate (the replicate's Spec from
  ``Evaluation.spec_for``), timed on a sample of replicates and extrapolated;
- COINr (recorded): ``get_sensitivity`` rebuilds the index at about 0.1 s per replicate
  (the figure quoted in issue 4; not measured here).

Peak memory: the peak of traced allocations (tracemalloc, which sees numpy's buffers)
in a separate run, and the process's maximum resident set size at the end.

Run: ``python benchmarks/bench_sensitivity.py`` (prints one line per case).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import readiness
from readiness.analysis.sensitivity import sensitivity
from readiness.analysis.uncertainty import Space, draw, evaluate

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "conformance" / "asem.xlsx"
SEED = 1
COINR_SECONDS_PER_REPLICATE = 0.1  # recorded figure for COINr's get_sensitivity (issue 4)
LOOP_SAMPLE = 100                  # replicates timed in the build() loop
CASES = [  # (name, N, workers, timed runs)
    ("sobol N=200", 200, 1, 7),
    ("sobol N=10000", 10_000, 1, 3),
    ("sobol N=10000 2 workers", 10_000, 2, 3),
]


def space():
    return Space(treatment=(1, 2, 3, 4, 5), normalisation=("minmax", "zscore"), weights="uniform",
                 weights_noise=0.25, weights_levels=(2, 3), aggregation=("arithmetic", "geometric"))


def timed(func, runs, cpu=False):
    """Median wall seconds of ``runs`` calls (with ``cpu``: also the median process CPU seconds)."""
    times, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        func()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return (statistics.median(times), statistics.median(cpus)) if cpu else statistics.median(times)


def peak_traced(func):
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def loop_seconds_per_replicate(dataset):
    """A plain loop over build(), one call per replicate, on a sample of the N=200 design's replicates."""
    design = draw(space(), 200, seed=SEED, method="sobol", dataset=dataset)
    ev = evaluate(dataset, None, design, nodes="index")
    rows = range(0, design.n_rows, design.n_rows // LOOP_SAMPLE)[:LOOP_SAMPLE]
    specs = [ev.spec_for(r) for r in rows]

    def loop():
        for spec in specs:
            readiness.build(dataset, spec).ranks["Index"]

    return timed(loop, 3) / len(specs)


def main():
    dataset = readiness.load_dataset(DATA)
    sensitivity(dataset, None, space(), n=32, seed=SEED)  # warm-up: imports, caches
    per_rep = loop_seconds_per_replicate(dataset)
    print(f"# readiness sensitivity benchmark: ASEM example {dataset.values.shape[0]} countries x "
          f"{dataset.values.shape[1]} indicators; python {sys.version.split()[0]}")
    print(f"# loop baseline: build() per replicate = {per_rep * 1e3:.1f} ms (median of 3 loops over "
          f"{LOOP_SAMPLE} replicates), extrapolated; COINr baseline = {COINR_SECONDS_PER_REPLICATE} s per "
          "replicate (recorded figure, not measured)")
    print(f"# load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; CPU s: median process CPU time "
          "(all threads)")
    print(f"{'case':<26} {'replicates':>10} {'median s':>9} {'CPU s':>7} {'loop s':>9} {'ratio':>7} "
          f"{'COINr s':>8} {'ratio':>7} {'peak traced MB':>15}")
    for name, n, workers, runs in CASES:
        def job():
            return sensitivity(dataset, None, space(), n=n, seed=SEED, workers=workers)

        rows = n * (len(space().varied) + 2)
        median, cpu = timed(job, runs, cpu=True)
        peak = peak_traced(job) / 2**20
        loop = per_rep * rows
        coinr = COINR_SECONDS_PER_REPLICATE * rows
        print(f"{name:<26} {rows:>10,} {median:>9.3f} {cpu:>7.3f} {loop:>9.1f} {loop / median:>6.0f}x "
              f"{coinr:>8.0f} {coinr / median:>6.0f}x {peak:>15.0f}")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# process maximum resident set size: {maxrss:.0f} MB")


if __name__ == "__main__":
    main()
