"""Benchmark: loading large legitimate workbooks (issue 9), against openpyxl's read-only reader.

Cases (units x indicators): 1,000 x 100, 2,000 x 100, 10,000 x 500 (``--sizes`` for
others). Each workbook is written with openpyxl's write-only mode into a temporary
folder: a ``Data`` sheet of lognormal values with 5% gaps (seeded), unit codes
``U000001``..., indicators 40 to a dimension, every tenth lower-is-better, and the
``Indicators``, ``Structure`` and ``Countries`` sheets.

Each case is timed in a fresh process of its own (``--case``), so its memory figures
are its own:

- ``load_dataset(path)``: wall and CPU seconds (user + sys), best of ``--repeat``;
  of which ``read_tables`` (the XML reader) and ``from_tables`` (checks and the Dataset);
- peak memory: the process's maximum resident set size (``ru_maxrss``) after loading,
  and the peak of Python allocations during one more load under ``tracemalloc``;
- cells per second: cells of the Data sheet (units x (indicators + 1)) over the load's
  wall time;
- baseline: ``openpyxl.load_workbook(path, read_only=True)`` iterating every cell of the
  same sheets (``values_only=True``), timed the same way in the same process; the ratio
  is readiness' wall time over openpyxl's.

Run: ``python benchmarks/bench_workbook.py [--sizes 1000x100 2000x100 10000x500] [--repeat 3] [--dir DIR]``
(``--dir`` keeps the generated workbooks for a later run, e.g. of another version of the
code through ``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZES = ["1000x100", "2000x100", "10000x500"]
SEED = 1


def write_book(path: Path, units: int, n_ind: int, seed: int = SEED) -> Path:
    """A seeded synthetic workbook of ``units`` x ``n_ind``, written by openpyxl in write-only mode."""
    import openpyxl

    rng = np.random.default_rng(seed)
    values = rng.lognormal(size=(units, n_ind)).round(6)
    values[rng.random(values.shape) < 0.05] = np.nan
    codes = [f"U{i:06d}" for i in range(1, units + 1)]
    ind = [f"i{j:03d}" for j in range(n_ind)]
    per = 40 if n_ind >= 40 else 10
    dims = [f"D{j // per}" for j in range(n_ind)]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(["country"] + ind)
    for code, row in zip(codes, values.tolist()):
        ws.append([code] + [None if v != v else v for v in row])
    ws = wb.create_sheet("Indicators")
    ws.append(["code", "name", "parent", "direction", "weight"])
    for j, (code, dim) in enumerate(zip(ind, dims)):
        ws.append([code, f"Indicator {j}", dim, -1 if j % 10 == 9 else 1, 1])
    ws = wb.create_sheet("Structure")
    ws.append(["code", "name", "parent", "weight"])
    for dim in dict.fromkeys(dims):
        ws.append([dim, f"Dimension {dim}", "Index", 1])
    ws.append(["Index", "Index", None, 1])
    ws = wb.create_sheet("Countries")
    ws.append(["country", "name", "region", "income_group"])
    for i, code in enumerate(codes):
        ws.append([code, f"Unit {i + 1}", f"R{i % 7}", "H" if i % 2 else "L"])
    wb.save(path)
    return path


def _timed(func, repeat):
    """(best wall s, CPU s of that run, result)."""
    best = None
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        out = func()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if best is None or wall < best[0]:
            best = (wall, cpu, out)
    return best


def _openpyxl_cells(path):
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    wb.close()
    return n


def run_case(path: Path, units: int, n_ind: int, repeat: int, trace: bool):
    """One case in this process; prints one line of figures."""
    import tracemalloc

    from readiness.io.load import load_dataset
    from readiness.io.tables import from_tables
    from readiness.io.workbook import read_tables

    wall, cpu, ds = _timed(lambda: load_dataset(path), repeat)
    assert ds.values.shape == (units, n_ind), ds.values.shape
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    read_wall, _, tables = _timed(lambda: read_tables(path), 1)
    from_wall, _, _ = _timed(lambda: from_tables(tables, label=str(path)), 1)
    traced = float("nan")
    if trace:
        tracemalloc.start()
        load_dataset(path)
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    base_wall, base_cpu, _ = _timed(lambda: _openpyxl_cells(path), 1 if units * n_ind > 10**6 else repeat)
    cells = units * (n_ind + 1)
    print(f"{f'{units:,} x {n_ind}':>14} {path.stat().st_size / 2**20:7.1f} {wall:8.2f} {cpu:7.2f} {read_wall:7.2f} "
          f"{from_wall:7.2f} {rss:8.0f} {traced:8.0f} {cells / wall:11,.0f} {base_wall:9.2f} {base_cpu:7.2f} "
          f"{wall / base_wall:7.3f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=SIZES, metavar="UNITSxINDICATORS")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument("--dir", help="write the workbooks here and reuse them when present (default: a temporary "
                        "folder)")
    parser.add_argument("--case", nargs=3, metavar=("PATH", "UNITS", "INDICATORS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(Path(args.case[0]), int(args.case[1]), int(args.case[2]), args.repeat, not args.no_tracemalloc)
        return
    import os

    import readiness

    print(f"# readiness workbook load benchmark ({Path(readiness.__file__).parent}), python {sys.version.split()[0]}, "
          f"load average "
          f"{os.getloadavg()[0]:.2f}; seconds are wall (best of {args.repeat}) unless marked CPU; "
          "rss = peak resident MB of the case's process; traced = tracemalloc peak MB of one load; "
          "ratio = load_dataset wall / openpyxl read-only wall")
    print(f"{'units x ind':>14} {'MB':>7} {'load s':>8} {'CPU s':>7} {'read s':>7} {'from s':>7} {'rss MB':>8} "
          f"{'traced':>8} {'cells/s':>11} {'openpyxl':>9} {'CPU s':>7} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            units, n_ind = (int(x) for x in size.lower().split("x"))
            path = folder / f"bench_{units}x{n_ind}_seed{SEED}.xlsx"
            if not path.exists():
                write_book(path, units, n_ind)
            cmd = [sys.executable, __file__, "--case", str(path), str(units), str(n_ind), "--repeat", str(args.repeat)]
            if args.no_tracemalloc:
                cmd.append("--no-tracemalloc")
            subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
