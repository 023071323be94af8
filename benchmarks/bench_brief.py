"""Benchmark the country briefs (issue 13): one brief in a cold process, where the time goes, and --all.

    python benchmarks/bench_brief.py            # cold process x3, breakdown x3, --all on 2 workers
    python benchmarks/bench_brief.py --quick    # no --all

Targets: one brief in a cold process under 3 s wall; `brief --all` (every country of the
default dataset, about 220 briefs) under 2 minutes on 2 cores. The uncertainty analysis is
cached between runs (as for users); the first cold run computes it. Prints one line per case:
case, size, median wall time, target, ratio to the target, and the CPU time of this process
and its children (on a shared machine wall time includes waiting for a core).

Before (2026-11-29, matplotlib charts, per-brief CSS and fonts), measured at load ~0.9:
cold brief -c KEN 5.2 s wall; breakdown (CPU) import 1.6, build 0.3, context 0.5, charts 0.5,
layout + PDF 2.2; --all --workers 2: ~221 s wall.
After (2026-11-30, hand-written SVG charts, shared stylesheet/fonts/tables), load ~0.5-1.5:
cold 2.96 s wall (3.08 s CPU); breakdown (CPU) import 1.01, build 0.15, context 0.11, charts
0.04, layout + PDF 1.42; --all --workers 2: 119.9 s wall, 213 s CPU.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNTRY = "KEN"


def _children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cold(k: int, out: Path):
    """Wall time of `readiness brief -c KEN` in a fresh process, k times (after one warm-up)."""
    cmd = [sys.executable, "-m", "readiness", "brief", "--country", COUNTRY, "-o", str(out / "KEN.pdf")]
    subprocess.run(cmd, check=True, capture_output=True)        # warm-up: disk cache, uncertainty cache
    walls, cpus = [], []
    for _ in range(k):
        c0, t0 = _children_cpu(), time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
        cpus.append(_children_cpu() - c0)
    return statistics.median(walls), statistics.median(cpus)


def breakdown(k: int):
    """Median seconds per stage of one brief, in one process: import, build, context, charts, layout+PDF."""
    code = f"""
import time, json
c = time.process_time
t0 = time.perf_counter(); p0 = c()
import readiness
from readiness.briefs import brief_uncertainty, charts_for, render
from readiness.briefs.context import context
import jinja2
render.load_weasyprint()
t1 = time.perf_counter(); p1 = c()
result = readiness.build(readiness.load_dataset())
ua = brief_uncertainty(result)
t2 = time.perf_counter(); p2 = c()
ctx = context(result, "{COUNTRY}", ua=ua)
t3 = time.perf_counter(); p3 = c()
charts = charts_for(ctx)
t4 = time.perf_counter(); p4 = c()
images = {{}}
doc = render.html(ctx, charts, images=images)
pdf = render.pdf(doc, images=images, date=render.document_date(result.dataset.version))
t5 = time.perf_counter(); p5 = c()
print(json.dumps({{"import": [t1 - t0, p1 - p0], "build + uncertainty (cached)": [t2 - t1, p2 - p1],
                  "context": [t3 - t2, p3 - p2], "charts": [t4 - t3, p4 - p3],
                  "layout + PDF": [t5 - t4, p5 - p4], "total": [t5 - t0, p5 - p0]}}))
"""
    import json

    runs = [json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                      text=True).stdout) for _ in range(k)]
    return {key: (statistics.median(r[key][0] for r in runs), statistics.median(r[key][1] for r in runs))
            for key in runs[0]}


def run_all(workers: int, out: Path):
    """Wall time of `readiness brief --all -o out --workers N` (uncertainty cached)."""
    cmd = [sys.executable, "-m", "readiness", "brief", "--all", "-o", str(out), "--workers", str(workers)]
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    return wall, _children_cpu() - c0, proc.stdout.strip().splitlines()[-1] if proc.stdout else proc.stderr[-300:]


def page_counts(folder: Path) -> str:
    """Pages of every brief written by --all: scored ones should have 2-4, not-scored ones 1."""
    import io

    import pypdf
    import readiness

    result = readiness.build(readiness.load_dataset())
    bad, counts = [], {}
    for pdf in sorted(folder.glob("*.pdf")):
        pages = len(pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages)
        counts[pages] = counts.get(pages, 0) + 1
        scored = pdf.stem in result.scores.index
        if (scored and not 2 <= pages <= 4) or (not scored and pages != 1):
            bad.append(f"{pdf.stem}:{pages}")
    return (f"page counts {dict(sorted(counts.items()))}; outside 2-4 (scored) or 1 (not scored): "
            f"{', '.join(bad) or 'none'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip --all")
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"# {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wall, cpu = cold(args.k, tmp)
        size = (tmp / "KEN.pdf").stat().st_size
        print(f"cold process, brief -c {COUNTRY} | 1 brief ({size / 1024:.0f} KB) | median {wall:.2f} s wall, "
              f"{cpu:.2f} s CPU | target 3 s | ratio {wall / 3:.2f}")
        parts = breakdown(args.k)
        print("breakdown, median s wall / CPU: " + ", ".join(f"{k} {w:.2f} / {c:.2f}" for k, (w, c) in parts.items()))
        if not args.quick:
            wall, cpu, line = run_all(args.workers, tmp / "briefs")
            n = len(list((tmp / "briefs").glob("*.pdf")))
            print(page_counts(tmp / "briefs"))
            print(f"brief --all --workers {args.workers} | {n} briefs | {wall:.1f} s wall, {cpu:.1f} s CPU "
                  f"({cpu / max(n, 1):.2f} s CPU per brief) | target 120 s | ratio {wall / 120:.2f} | {line}")
    print(f"# load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
