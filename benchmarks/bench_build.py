"""Time build() on the COINr example, a synthetic 200 x 40 dataset, build(reuse=) and 100,000 x 200 units.

Plain script, not a test: ``python benchmarks/bench_build.py [--large] [--reuse]``.
Prints one line per case: case, size, median over k runs, baseline median, ratio,
peak memory.

- ``--reuse``: on the default data, one indicator of one country changed (what the
  what-if levers do ~80 times per command): a fresh ``build`` against
  ``build(..., reuse=previous)``, results checked identical.
- ``--large``: ``build()`` at 12,500, 25,000, 50,000 and 100,000 units x 200
  indicators (synthetic, seeded), each in a fresh process: wall time, CPU time
  (user + system: on a shared machine the wall time includes waiting for a core),
  peak resident memory, CPU time per million cells and its ratio to the previous
  size's (1.0: linear in cells). ``--code DIR`` runs the same cases against another
  copy of the package (e.g. the code before a change: ``git archive`` it to DIR).

Baselines:
- "pandas baseline": the same pipeline written plainly in pandas, column by column
  (groupby-mean imputation, apply() min-max, row-wise weighted means per node);
- "COINr (recorded)": about 110 ms per full build of the ASEM example on this
  machine class, as stated in the project's issue (R is not installed here).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

import readiness
from readiness.io.tables import from_tables

ROOT = Path(__file__).resolve().parents[1]
K = 30
COINR_MS = 110.0


def timed(func, k=K):
    func()  # warm-up
    times = []
    for _ in range(k):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak


def synthetic(n_countries=200, n_ind=40, n_dims=4, seed=0):
    rng = np.random.default_rng(seed)
    codes = [f"x{j:02d}" for j in range(n_ind)]
    vals = rng.lognormal(mean=1.0, sigma=1.0, size=(n_countries, n_ind))
    vals[rng.random(vals.shape) < 0.05] = np.nan
    iso = [f"Q{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(n_countries)]
    data = pd.DataFrame(vals, columns=codes)
    data.insert(0, "country", iso)
    dims = [f"D{d}" for d in range(n_dims)]
    ind = pd.DataFrame({"code": codes, "parent": [dims[j % n_dims] for j in range(n_ind)],
                        "direction": 1, "weight": 1.0})
    st = pd.DataFrame({"code": dims + ["I"], "parent": ["I"] * n_dims + [""], "weight": 1.0})
    countries = pd.DataFrame({"country": iso, "income_group": [("H", "M", "L")[i % 3] for i in range(n_countries)]})
    return from_tables({"Data": data, "Indicators": ind, "Structure": st, "Countries": countries})


def pandas_baseline(ds, spec):
    """The same pipeline, written the plain pandas way (no COINr outlier rule: a lower bound)."""
    x = ds.values.copy()
    for code in x.columns:
        den = ds.indicators.at[code, "denominator"]
        if den:
            x[code] = x[code] / ds.countries[den]
    if spec.imputation.startswith("group"):
        g = ds.countries[spec.imputation_group].reindex(x.index)
        x = x.groupby(g).transform(lambda c: c.fillna(c.mean()))
    x = x * ds.indicators["direction"]
    x = x.apply(lambda c: (c - c.min()) / (c.max() - c.min()) * 100)
    scores = x.copy()
    parents = pd.concat([ds.indicators["parent"], ds.structure["parent"]])
    weights = pd.concat([ds.indicators["weight"], ds.structure["weight"]])
    for level in sorted(set(ds.levels.values()) - {1}):
        for node in [n for n, lv in ds.levels.items() if lv == level]:
            kids = [k for k in parents.index if parents[k] == node]
            w = weights[kids]
            scores[node] = scores[kids].apply(lambda r: np.nansum(r * w) / w[r.notna()].sum(), axis=1)
    return scores[ds.index_code].rank(ascending=False, method="min")


def large(n_units=100_000, n_ind=200, n_dims=8, seed=0):
    """A synthetic Dataset built from arrays (unit codes U000001...; ``from_tables`` is not the subject)."""
    from readiness.dataset import Dataset

    rng = np.random.default_rng(seed)
    codes = [f"x{j:03d}" for j in range(n_ind)]
    vals = rng.lognormal(mean=1.0, sigma=1.0, size=(n_units, n_ind))
    vals[:, ::7] = rng.standard_normal((n_units, len(range(0, n_ind, 7))))  # some mixed-sign indicators
    vals[rng.random(vals.shape) < 0.05] = np.nan
    units = pd.Index([f"U{i:06d}" for i in range(n_units)], name="country")
    values = pd.DataFrame(vals, index=units, columns=pd.Index(codes, name="indicator"))
    dims = [f"D{d}" for d in range(n_dims)]
    empty = [""] * n_ind
    ind = pd.DataFrame({"name": codes, "parent": [dims[j % n_dims] for j in range(n_ind)],
                        "direction": [(1.0, -1.0)[j % 5 == 4] for j in range(n_ind)], "weight": 1.0, "unit": empty,
                        "transform": "none", "denominator": empty, "scale": 1.0, "target": np.nan,
                        "goalpost_low": np.nan, "goalpost_high": np.nan, "source": empty, "licence": empty,
                        "year": empty, "description": empty}, index=pd.Index(codes, name="code"))
    st = pd.DataFrame({"name": dims + ["Index"], "parent": ["I"] * n_dims + [""], "weight": 1.0},
                      index=pd.Index(dims + ["I"], name="code"))
    countries = pd.DataFrame({"name": list(units), "region": "R", "income_group": [("H", "M", "L")[i % 3]
                                                                                  for i in range(n_units)]},
                             index=units)
    return Dataset(values=values, indicators=ind, structure=st, countries=countries, label="large")


def run_large(n_units, n_ind):
    """One timed build at scale in this process; prints wall seconds, peak RSS (GiB), top score, CPU seconds."""
    import resource

    ds = large(n_units, n_ind)
    spec = readiness.Spec(imputation="group_mean", coverage_min=0.5)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    r = readiness.build(ds, spec)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    c = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    peak = r1.ru_maxrss / 2**20  # KiB -> GiB
    print(f"{t:.2f} {peak:.2f} {float(r.index_scores.iloc[0])!r} {c:.2f}")


SIZES = ((12_500, 200), (25_000, 200), (50_000, 200), (100_000, 200))


def bench_large(code=None, sizes=SIZES, label="build() large"):
    """Each size in a fresh process; one line per size, then the growth in CPU time per cell."""
    import os
    import subprocess

    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = str(code)
    print(f"{'case':<24}{'size':>12}{'wall':>9}{'CPU':>9}{'peak MB':>9}{'CPU us/cell':>13}{'vs previous':>13}")
    previous = None
    for n_units, n_ind in sizes:
        out = subprocess.run([sys.executable, __file__, "--run-large", str(n_units), str(n_ind)], env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        t, peak, cpu = float(out[0]), float(out[1]), float(out[3])
        per_cell = cpu / (n_units * n_ind) * 1e6
        growth = f"{per_cell / previous:>12.2f}x" if previous else f"{'':>13}"
        print(f"{label:<24}{f'{n_units}x{n_ind}':>12}{t:>8.2f}s{cpu:>8.2f}s{peak * 1024:>9.0f}{per_cell:>13.3f}{growth}"
              f"  (top score {out[2]})")
        previous = per_cell


def bench_reuse(k=K):
    ds = readiness.load_dataset()
    spec = readiness.Spec.for_dataset(ds)
    base = readiness.build(ds, spec)
    country = base.index_scores.index[len(base.index_scores) // 2]
    code = ds.values.columns[ds.values.loc[country].notna().to_numpy()][0]
    values = ds.values.copy()
    values.loc[country, code] = values.loc[country, code] * 1.5 + 1.0
    edited = ds.with_values(values)
    fresh = readiness.build(edited, spec)
    reused = readiness.build(edited, spec, reuse=base)
    assert fresh.scores.equals(reused.scores) and fresh.log.equals(reused.log)
    t, peak = timed(lambda: readiness.build(edited, spec), k)
    tr, peak_r = timed(lambda: readiness.build(edited, spec, reuse=base), k)
    size = f"{ds.values.shape[0]}x{ds.values.shape[1]}"
    print(f"{'build(reuse=) one cell changed':<34}{size:>12}{tr * 1e3:>9.1f}ms{t * 1e3:>9.1f}ms{t / tr:>7.1f}x"
          f"{peak_r / 2**20:>9.1f}")
    print(f"{'  80 what-if builds, fresh/reuse':<34}{size:>12}{80 * tr:>10.2f}s{80 * t:>10.2f}s")


def main():
    asem = readiness.load_dataset(ROOT / "tests" / "conformance" / "asem.xlsx")
    asem_spec = readiness.api.resolve_spec(asem) if hasattr(readiness, "api") else None
    from readiness import api

    asem_spec = api.resolve_spec(asem)
    synth = synthetic()
    synth_spec = readiness.Spec(imputation="group_mean", coverage_min=0.5)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}; median of {K} runs")
    print(f"{'case':<34}{'size':>12}{'median':>11}{'baseline':>11}{'ratio':>8}{'peak MB':>9}")
    for name, ds, spec in (("COINr ASEM example", asem, asem_spec), ("synthetic", synth, synth_spec)):
        t, peak = timed(lambda: readiness.build(ds, spec))
        tb, _ = timed(lambda: pandas_baseline(ds, spec), k=5)
        size = f"{ds.values.shape[0]}x{ds.values.shape[1]}"
        print(f"{'build() ' + name:<34}{size:>12}{t * 1e3:>9.1f}ms{tb * 1e3:>9.1f}ms{tb / t:>7.1f}x"
              f"{peak / 2**20:>9.1f}")
        if name.startswith("COINr"):
            print(f"{'  vs COINr (recorded, R)':<34}{size:>12}{t * 1e3:>9.1f}ms{COINR_MS:>9.1f}ms"
                  f"{COINR_MS / (t * 1e3):>7.1f}x{'':>9}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--run-large"]:
        run_large(int(args[1]), int(args[2]))
    elif "--large" in args:
        code = args[args.index("--code") + 1] if "--code" in args else None
        print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        bench_large(code, label="build()" + (" (--code)" if code else ""))
    elif "--reuse" in args:
        bench_reuse()
    else:
        main()
        bench_reuse()
