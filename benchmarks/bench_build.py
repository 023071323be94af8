"""Time build() on the COINr example and on a synthetic 200-country, 40-indicator dataset.

Plain script, not a test: ``python benchmarks/bench_build.py``. Prints one line per
case: case, size, median over k runs, baseline median, ratio, peak memory.

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
    main()
