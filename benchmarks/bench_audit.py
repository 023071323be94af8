"""Benchmark: ``readiness audit`` from a cold start, and the audit's own work in process.

Cases:
  cold start, default data      ``readiness audit`` in a fresh interpreter (import, load, build,
                                audit, render), wall and CPU seconds, median of 5; target < 1 s
  floor                         importing the CLI and pandas, which every command pays
  baseline                      ``readiness score -c <first scored country>`` the same way: what
                                any command pays before its own work (ratio audit / score)
  in process, default / ASEM    ``audit(result).tables()`` plus ``headline()`` on a built Result
  optimise_weights ASEM level 3 COINr's balance optimisation (R's Nelder-Mead, tol 0.1)
  optimise_weights ASEM level 2 the same with pval = 0 (8 weights)

Wall time depends on how busy the machine is (the CPU time, user + sys of the child, less so).

Run: python benchmarks/bench_audit.py
"""

from __future__ import annotations

import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time

import readiness
from readiness.analysis.audit import audit, optimise_weights

ROOT = pathlib.Path(__file__).resolve().parents[1]
ASEM = ROOT / "tests" / "conformance" / "asem.xlsx"


def cold(args, k=5, *, command=None):
    """Median wall and CPU seconds of ``python -m readiness <args>`` (or ``command``) in fresh processes."""
    walls, cpus = [], []
    for _ in range(k):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(command or [sys.executable, "-m", "readiness", *args], check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "80"})
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def timed(fn, k=5):
    fn()
    times = []
    for _ in range(k):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    result = readiness.build(readiness.load_dataset())
    country = result.index_scores.index[0]
    wall, cpu = cold(["audit"])
    bwall, bcpu = cold(["score", "-c", country])
    iwall, icpu = cold([], command=[sys.executable, "-c", "import readiness.cli.main, pandas"])
    print(f"cold start readiness audit (default data): {wall:.2f} s wall, {cpu:.2f} s CPU (target < 1 s)")
    print(f"baseline readiness score -c {country}:      {bwall:.2f} s wall, {bcpu:.2f} s CPU; "
          f"ratio audit/score {wall / bwall:.2f} wall, {cpu / bcpu:.2f} CPU")
    print(f"floor: python -c 'import readiness.cli.main, pandas': {iwall:.2f} s wall, {icpu:.2f} s CPU; audit's "
          f"own share {cpu - icpu:.2f} s CPU")
    asem = readiness.build(readiness.load_dataset(ASEM))
    for name, res in (("default", result), ("ASEM", asem)):
        t = timed(lambda: (audit(res).tables(), audit(res).headline()))
        print(f"in process, {name:7s} audit tables + headline: {t * 1000:.0f} ms "
              f"({res.scores.shape[0]} countries x {res.scores.shape[1]} nodes)")
    t3 = timed(lambda: optimise_weights(asem, 3), k=3)
    t2 = timed(lambda: optimise_weights(asem, 2, pval=0), k=3)
    o2 = optimise_weights(asem, 2, pval=0)
    print(f"optimise_weights ASEM level 3: {t3 * 1000:.0f} ms; level 2 (pval=0): {t2 * 1000:.0f} ms, "
          f"{o2.evaluations} evaluations")


if __name__ == "__main__":
    main()
