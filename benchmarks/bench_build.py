"""Time build() on the COINr example, a synthetic 200 x 40 dataset, build(reuse=) and 100,000 x 200 units.

Plain script, not a test: ``python benchmarks/bench_build.py [--large] [--reuse]``.
Prints one line per case: case, size, median over k runs, baseline median, ratio,
peak memory.

- ``--reuse``: on the default data, one indicator of one country changed (what the
  what-if levers do ~80 times per command): a fresh ``build`` against
  ``build(..., reuse=previous)``, results checked identical.
- ``--large``: ``build()`` at 100,000 units x 200 indicators (synthetic, seeded),
  time and peak resident memory, each in a fresh process. ``--code DIR`` runs the
  same case against another copy of the package (e.g. the code before a change).

Baselines:
- "pandas baseline": the same pipeline written plainly in pandas, column by column
  (groupby-mean imputation, apply() min-max, row-wise weighted means per node);
- "COINr (recorded)": about 110 ms per full build of the ASEM example on this
  machine class, as stated in the project's issue (R is not installed here).
"""

from __future__ import annotations

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
    """One timed build at scale in this process; prints seconds and peak RSS."""
    import resource

    ds = large(n_units, n_ind)
    spec = readiness.Spec(imputation="group_mean", coverage_min=0.5)
    t0, c0 = time.perf_counter(), time.process_time()
    r = readiness.build(ds, spec)
    t, c = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    print(f"{t:.2f} {peak:.2f} {float(r.index_scores.iloc[0])!r} {c:.2f}")


def bench_large(code=None, n_units=100_000, n_ind=200, label="build() large"):
    import os
    import subprocess

    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = str(code)
    out = subprocess.run([sys.executable, __file__, "--run-large", str(n_units), str(n_ind)], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    t, peak, top = float(out[0]), float(out[1]), out[2]
    cpu = f", CPU {float(out[3]):.2f} s" if len(out) > 3 else ""
    print(f"{label:<34}{f'{n_units}x{n_ind}':>12}{t:>10.2f}s{'':>11}{'':>8}{peak * 1024:>9.0f}  (top score {top}{cpu})")
    return t, peak


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
        bench_large(code, label="build() large" + (" (--code)" if code else ""))
    elif "--reuse" in args:
        bench_reuse()
    else:
        main()
        bench_reuse()
