"""Benchmark: build() and Sobol sensitivity at scale (issue 10), and a plain-numpy baseline on ASEM.

Cases (units x indicators): 200 x 40, 2,000 x 100, 20,000 x 200, 100,000 x 50. Synthetic
data: lognormal values with 5% gaps, every tenth indicator lower-is-better, indicators
grouped 40 to a dimension (at most 10 indicators per dimension below 40 indicators),
dimensions under one index; made with ``readiness.io.tables.from_tables``. Each case
runs in a fresh process (``--case``), so its peak resident memory is its own:

- build: ``readiness.build(dataset)``, timed once after loading;
- sensitivity: ``sensitivity(dataset, n=256, seed=1)`` with the default inputs
  (treatment, normalisation, weights, aggregation): 256 x 6 = 1,536 replicates.

Baseline (ASEM, 51 x 49, the same 1,536 replicates): a plain numpy version of the
same work: the treated variants from build(), the normalisation kernel per
variant, weights and both means as masked matrix products, ranks by argsort, the
quantiles by np.quantile and the Sobol indices by the same estimator; the ratio is
readiness' time over the plain version's (both median of 5, process CPU time, since
the machine is shared), and the ranks are checked equal.

Run: ``python benchmarks/bench_scale.py [--max-units N]`` (prints one line per case).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ASEM = HERE.parent / "tests" / "conformance" / "asem.xlsx"
SIZES = [(200, 40), (2_000, 100), (20_000, 200), (100_000, 50)]
N, SEED = 256, 1


def _codes(n):
    """Unit codes: ``U000001``... when the reader takes any code, else three letters (at most 17,576)."""
    import itertools
    import string

    from readiness.io.tables import from_tables

    probe = _tables(["U000001", "U000002", "U000003"], 2)
    try:
        from_tables(probe)
        return [f"U{i:06d}" for i in range(1, n + 1)]
    except Exception:  # noqa: BLE001 - the reader of the day refuses such codes
        if n > 26 ** 3:
            return None
        return ["".join(t) for t in itertools.islice(itertools.product(string.ascii_uppercase, repeat=3), n)]


def _tables(codes, n_ind, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.lognormal(size=(len(codes), n_ind))
    values[rng.random(values.shape) < 0.05] = np.nan
    ind = [f"i{j:03d}" for j in range(n_ind)]
    per = 40 if n_ind >= 40 else 10
    dims = [f"D{j // per}" for j in range(n_ind)]
    data = pd.DataFrame(values, columns=ind)
    data.insert(0, "country", codes)
    indicators = pd.DataFrame({"code": ind, "parent": dims, "direction": [-1 if j % 10 == 9 else 1
                                                                          for j in range(n_ind)], "weight": 1.0})
    uniq = list(dict.fromkeys(dims))
    structure = pd.DataFrame({"code": uniq + ["Index"], "parent": ["Index"] * len(uniq) + [""],
                              "weight": 1.0})
    return {"Data": data, "Indicators": indicators, "Structure": structure,
            "Countries": pd.DataFrame({"country": codes})}


def run_case(units, n_ind):
    """One case in this process: print 'units n_ind load_s build_s sens_s peak_MB' (or why not)."""
    import readiness
    from readiness.analysis.sensitivity import sensitivity
    from readiness.io.tables import from_tables

    codes = _codes(units)
    if codes is None:
        print(f"{units} {n_ind} skipped: the reader takes only 3-letter unit codes (at most 17,576 units)")
        return
    tables = _tables(codes, n_ind)
    t0 = time.perf_counter()
    dataset = from_tables(tables, label=f"synthetic {units}x{n_ind}")
    t1 = time.perf_counter()
    result = readiness.build(dataset)
    t2 = time.perf_counter()
    rss_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    c2 = time.process_time()
    sa = sensitivity(dataset, result.spec, n=N, seed=SEED)
    t3 = time.perf_counter()
    c3 = time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{units} {n_ind} {t1 - t0:.2f} {t2 - t1:.2f} {rss_build:.0f} {t3 - t2:.2f} {rss:.0f} "
          f"{sa.uncertainty.n_replicates} {c3 - c2:.2f}")


# -- the plain-numpy baseline on ASEM -------------------------------------------------------------


def _plain(dataset, design, treated, w0, plan):
    """The same replicates in plain numpy: ranks of every aggregate, intervals, Sobol indices."""
    from readiness.analysis.sensitivity import sobol_indices
    from readiness.normalise import normalise

    space = design.space
    t_i, n_i, a_i = design.choice("treatment"), design.choice("normalisation"), design.choice("aggregation")
    norm = {(t, m): normalise(treated[t], dataset.indicators, method=space.normalisation[m], warn=False)
            for t in range(len(space.treatment)) for m in range(len(space.normalisation))}
    x = np.stack([norm[(t, m)] for t, m in zip(t_i, n_i)])            # (R, C, I)
    cols = [j for j, g in enumerate(design.groups) if g == "weights"]
    pos = [plan.nodes.index(c[len("weights."):]) for c in (design.columns[j] for j in cols)]
    w = np.tile(w0, (design.n_rows, 1))
    w[:, pos] = w0[pos] * (1 + space.weights_noise * (2 * design.unit[:, cols] - 1))
    scores = np.full(x.shape[:2] + (len(plan.nodes),), np.nan)
    scores[..., : x.shape[2]] = x
    geo = a_i == 1
    np.seterr(divide="ignore", invalid="ignore")
    for _, parents, children, onehot in plan.steps:
        xs = scores[..., children]
        lo = np.nanmin(xs, axis=1, keepdims=True)
        shifted = np.where(geo[:, None, None] & (lo <= 0), xs - lo + 1, xs)
        mask = ~np.isnan(shifted)
        term = np.where(mask, np.where(geo[:, None, None], np.log(np.where(mask, shifted, 1)), shifted), 0)
        wm = w[:, children][:, :, None] * onehot
        mean = (term @ wm) / (mask @ wm)
        scores[..., parents] = np.where(geo[:, None, None], np.exp(mean), mean)
    agg = scores[..., plan.n_indicators:]
    order = np.argsort(np.argsort(-agg, axis=1, kind="stable"), axis=1, kind="stable")
    srt = np.take_along_axis(-agg, np.argsort(-agg, axis=1, kind="stable"), axis=1)
    first = np.where(np.diff(srt, axis=1, prepend=np.nan) != 0, np.arange(agg.shape[1])[None, :, None], 0)
    first = np.maximum.accumulate(first, axis=1)
    ranks = np.take_along_axis(first, order, axis=1) + 1.0
    np.quantile(ranks, (0.05, 0.5, 0.95), axis=0)
    index_ranks = ranks[..., plan.nodes.index(dataset.index_code) - plan.n_indicators]
    Y = np.column_stack([np.abs(index_ranks - index_ranks.mean(axis=0)).mean(axis=1), index_ranks])
    sobol_indices(Y, len(design.inputs), seed=SEED)
    return index_ranks


def baseline():
    import readiness
    from readiness.aggregate import TreePlan
    from readiness.analysis.sensitivity import sensitivity
    from readiness.analysis.uncertainty import DEFAULT_VARY, Space, draw, evaluate
    from readiness.weight import node_weights

    dataset = readiness.load_dataset(ASEM)
    spec = readiness.Spec.for_dataset(dataset)
    space = Space.from_names(DEFAULT_VARY, weights_levels=(2, 3))
    plan = TreePlan(dataset)
    w0 = node_weights(dataset, spec).reindex(plan.nodes).to_numpy(dtype=float)

    def ours():
        return sensitivity(dataset, spec, space, n=N, seed=SEED)

    def plain():
        design = draw(space, N, seed=SEED, method="sobol", dataset=dataset)
        treated = [readiness.build(dataset, spec.replace(outliers="coinr", winsor_max=t)).stages["treated"]
                   .to_numpy() for t in space.treatment]
        return design, _plain(dataset, design, treated, w0, plan)

    ours(), plain()  # warm up
    cpu = []
    for func in (ours, plain):
        times = []
        for _ in range(5):
            t0 = time.process_time()
            func()
            times.append(time.process_time() - t0)
        cpu.append(statistics.median(times))
    design, plain_ranks = plain()
    engine_ranks = evaluate(dataset, spec, design, nodes="index").index_ranks
    same = np.array_equal(engine_ranks.astype(float), plain_ranks)
    print(f"# ASEM {dataset.values.shape[0]} x {dataset.values.shape[1]}, {design.n_rows:,} replicates: "
          f"readiness {cpu[0]:.3f} s CPU, plain numpy {cpu[1]:.3f} s CPU, ratio {cpu[0] / cpu[1]:.2f}; "
          f"index ranks equal: {'yes' if same else 'NO'}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", nargs=2, type=int, metavar=("UNITS", "INDICATORS"))
    parser.add_argument("--max-units", type=int, default=100_000)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    if args.case:
        run_case(*args.case)
        return
    print(f"# readiness scale benchmark: Sobol N = {N} ({N * 6:,} replicates), python {sys.version.split()[0]}; "
          "wall seconds (CPU s: the sensitivity's process CPU time); peak = maximum resident set size of the case's process")
    print(f"{'units x indicators':>20} {'load s':>8} {'build s':>8} {'peak MB':>8} {'sensitivity s':>14} "
          f"{'CPU s':>8} {'peak MB':>8}")
    for units, n_ind in SIZES:
        if units > args.max_units:
            print(f"{f'{units:,} x {n_ind}':>20} not run (--max-units {args.max_units:,})")
            continue
        out = subprocess.run([sys.executable, __file__, "--case", str(units), str(n_ind)], capture_output=True,
                             text=True)
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        parts = line.split()
        if out.returncode != 0 or len(parts) < 7 or parts[2] == "skipped:":
            why = line.split(" ", 2)[2] if "skipped" in line else (out.stderr.strip().splitlines() or ["?"])[-1]
            print(f"{f'{units:,} x {n_ind}':>20} {why[:100]}")
            continue
        _, _, load, build, rss_b, sens, rss = parts[:7]
        cpu = float(parts[8]) if len(parts) > 8 else float("nan")
        print(f"{f'{units:,} x {n_ind}':>20} {float(load):>8.2f} {float(build):>8.2f} {float(rss_b):>8.0f} "
              f"{float(sens):>14.2f} {cpu:>8.2f} {float(rss):>8.0f}")
    if not args.no_baseline:
        baseline()


if __name__ == "__main__":
    main()
