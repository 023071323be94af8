"""Benchmark: ``readiness audit`` from a cold start, and the audit's own work in process.

Cases:
  cold start, default data      ``readiness audit`` in a fresh interpreter (import, load, build,
                                audit, render), wall and CPU seconds, median of 5; target < 1 s.
                                Twice: with Python's bytecode cache (as an installed package runs)
                                and without it (PYTHONDONTWRITEBYTECODE=1: every module compiled
                                from source on every start)
  baseline                      ``readiness score -c <first scored country>`` the same way: what
                                any command pays before its own work (ratio audit / score)
  floor                         importing the CLI, pandas and numpy, which every command pays
  audit's own work, cold        in a fresh interpreter after load and build, CPU milliseconds of
                                each part: importing the audit, computing what the table view
                                shows, importing rich, rendering (the footer's fingerprint included)
  in process, default / ASEM    ``audit(result).tables()`` plus ``headline()`` on a built Result
                                (warm: the JSON and workbook outputs' work)
  optimise_weights ASEM level 3 COINr's balance optimisation (R's Nelder-Mead, tol 0.1)
  optimise_weights ASEM level 2 the same with pval = 0 (8 weights)

Kept answers are off (READINESS_NO_CACHE=1): every run computes. Wall time depends on how
busy the machine is (the load average is printed); CPU time (user + sys of the child) less so.
The recorded "before" figures: the same parts, same harness, on the same tree with the audit's
files (analysis/audit*.py, weights_opt.py, cli/audit.py) as of commit 27298ae, before the
speed work; 2026-11-30 00:10 UTC, medians of 9 (interleaved with the new code's), load
average 4.8 on 2 cores.

Run: python benchmarks/bench_audit.py
"""

from __future__ import annotations

import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import readiness
from readiness.analysis.audit import audit, optimise_weights

ROOT = pathlib.Path(__file__).resolve().parents[1]
ASEM = ROOT / "tests" / "conformance" / "asem.xlsx"
#: Before the speed work (the audit's files as of 27298ae): CPU ms, see the module docstring.
RECORDED = {"import audit": 5.9, "compute": 43.6, "import rich": 39.9, "render": 135.8}

# The audit's own work from a cold interpreter, part by part (printed as JSON: CPU seconds).
_PARTS = r"""
import io, json, time
marks = [("start", time.process_time())]
def mark(name):
    marks.append((name, time.process_time()))
from readiness.cli.options import Inputs
inputs = Inputs()
result = inputs.result()
mark("load and build")
from readiness.analysis.audit import audit
from readiness.cli import audit as command
mark("import audit")
report = audit(result)
report.flags(); report.pc1_share(); report.cronbach_table(); report.pca(1); report.stats("raw")
report.effective_weights()
mark("compute")
from readiness.cli.render import console
import rich.table
con = console()
con.file = io.StringIO()
mark("import rich")
command._render(con, report, result)
mark("render")
print(json.dumps({b[0]: b[1] - a[1] for a, b in zip(marks, marks[1:])}))
"""


def _env(bytecode):
    env = {**os.environ, "COLUMNS": "80", "READINESS_NO_CACHE": "1"}
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pathlib.Path(tempfile.gettempdir()) / "readiness-bench-pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def cold(args, k=5, *, command=None, bytecode=True):
    """Median wall and CPU seconds of ``python -m readiness <args>`` (or ``command``) in fresh processes."""
    cmd = command or [sys.executable, "-m", "readiness", *args]
    env = _env(bytecode)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)  # writes the bytecode cache
    walls, cpus = [], []
    for _ in range(k):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def own_parts(k=5):
    """Median CPU milliseconds of each part of the audit's own work, each in a fresh interpreter."""
    env = _env(True)
    runs = [json.loads(subprocess.run([sys.executable, "-c", _PARTS], check=True, capture_output=True, text=True,
                                      env=env).stdout) for _ in range(k + 1)][1:]
    return {name: 1000 * statistics.median(r[name] for r in runs) for name in runs[0]}


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
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores)")
    wall, cpu = cold(["audit"])
    nwall, ncpu = cold(["audit"], bytecode=False)
    bwall, bcpu = cold(["score", "-c", country])
    iwall, icpu = cold([], command=[sys.executable, "-c", "import readiness.cli.main, pandas, numpy"])
    print(f"cold start readiness audit (default data): {wall:.2f} s wall, {cpu:.2f} s CPU (target < 1 s)")
    print(f"  without bytecode cache:                   {nwall:.2f} s wall, {ncpu:.2f} s CPU")
    print(f"baseline readiness score -c {country}:      {bwall:.2f} s wall, {bcpu:.2f} s CPU; "
          f"ratio audit/score {wall / bwall:.2f} wall, {cpu / bcpu:.2f} CPU")
    print(f"floor: import readiness.cli.main, pandas, numpy: {iwall:.2f} s wall, {icpu:.2f} s CPU")
    parts = own_parts()
    own = sum(v for name, v in parts.items() if name != "load and build")
    before = sum(RECORDED.values())
    print(f"audit's own work, cold (CPU ms): {own:.0f} (recorded before: {before:.0f}, "
          f"ratio {own / before:.2f}); load and build {parts['load and build']:.0f}")
    for name, value in parts.items():
        if name != "load and build":
            print(f"  {name:12s} {value:6.1f}  (before {RECORDED[name]:5.1f})")
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
