"""Print the gates of issue 11 for a dataset (default: the shipped default dataset).

``python benchmarks/gates.py [--data FOLDER] [--reference PATH/TO/imf_aipi_2023_and_ms_ai_diffusion_2026q1.csv]``

Reports, never tunes. Everything is computed on the pipeline's result with the default
settings (``readiness.build(dataset)``), over the countries that receive an index score:

- scored count; how many of them have every dimension (the top-level children of the
  index) scored; whether Taiwan (TWN) is among them;
- for each indicator, the Pearson correlation of its normalised value with its own
  dimension (the top-level node above it) and with its direct parent when that is a
  sub-dimension, pairwise complete; flagged when under 0.3;
- pairs of indicators of one dimension correlating above 0.92;
- per dimension: standardised Cronbach's alpha ``k r / (1 + (k - 1) r)`` from the mean
  pairwise correlation ``r`` of its indicators (pairwise complete, so indicators with few
  values such as the trade slot still count), and the first principal component's share
  of the variance (largest eigenvalue of the same correlation matrix / k);
- economies under one million people in the top 10 of any dimension;
- Spearman correlation of the index with the IMF AI Preparedness Index 2023 and the
  Microsoft AI diffusion share 2026Q1, and the partial Spearman correlation controlling
  for log GDP per capita (as in ``benchmarks/validity.py``). The references are read from
  where the caller keeps them (IMF terms: validation only) and are checks, never targets.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import readiness

REFERENCE = Path(__file__).resolve().parents[2] / "shared/data/validation_reference/" \
    "imf_aipi_2023_and_ms_ai_diffusion_2026q1.csv"
SMALL = 1_000_000


def partial_spearman(x, y, z) -> float:
    """Pearson correlation of the rank residuals of x and y after regressing each on rank(z)."""
    rx, ry, rz = (pd.Series(np.asarray(v, dtype=float)).rank().to_numpy() for v in (x, y, z))
    design = np.column_stack([np.ones_like(rz), rz])
    res_x = rx - design @ np.linalg.lstsq(design, rx, rcond=None)[0]
    res_y = ry - design @ np.linalg.lstsq(design, ry, rcond=None)[0]
    return float(np.corrcoef(res_x, res_y)[0, 1])


def _tree(structure: pd.DataFrame, indicators: pd.DataFrame, index_code: str):
    """Map every indicator to (top-level dimension, direct parent)."""
    parent = dict(structure["parent"])
    parent.update(dict(indicators["parent"]))
    dims = [c for c, p in structure["parent"].items() if p == index_code]
    top = {}
    for code in indicators.index:
        node = code
        while parent.get(node) and parent[node] != index_code:
            node = parent[node]
        top[code] = node
    return dims, top, parent


def gates(data=None, reference=REFERENCE) -> list[str]:
    """The gate report as lines of text."""
    ds = readiness.load_dataset(data) if data else readiness.load_dataset()
    result = readiness.build(ds)
    scores = result.scores
    idx = result.index_code
    dims, top, parent = _tree(ds.structure, ds.indicators, idx)
    scored = scores.index[scores[idx].notna()]
    s = scores.loc[scored]
    changes = result.spec.changes() if hasattr(result.spec, "changes") else {}
    shown = ", ".join(f"{k} = {v}" for k, v in sorted(changes.items())) or "none"
    out = [f"dataset {ds.version}, fingerprint {result.fingerprint()}; settings: the dataset's nominal ones "
           f"(changed from the package defaults: {shown}; incomplete = "
           f"{getattr(result.spec, 'incomplete', 'n/a: the old behaviour, partial')})"]

    complete = s[dims].notna().all(axis=1)
    missing = s.loc[~complete, dims].isna().sum(axis=1)
    out.append(f"scored: {len(s)} of {len(scores)}; with every dimension: {int(complete.sum())}; "
               f"lacking one: {int((missing == 1).sum())}, two: {int((missing == 2).sum())}, "
               f"three+: {int((missing >= 3).sum())}")
    twn = "TWN" in scored
    twn_dims = ", ".join(f"{d} {s.at['TWN', d]:.1f}" if twn and pd.notna(s.at["TWN", d]) else f"{d} -"
                         for d in dims) if twn else ""
    why = ""
    if not twn and "TWN" in result.not_scored.index:
        why = f" ({result.not_scored.at['TWN', 'reason']})"
    out.append(f"Taiwan (TWN) scored: {'yes' if twn else 'no'}{why}"
               + (f"; complete: {'yes' if complete.get('TWN', False) else 'no'} ({twn_dims})" if twn else ""))
    reasons = result.not_scored["reason"].str.replace(r"\d+%", "x%", regex=True).str.replace(
        r"\(\d+ of \d+ indicators; needs \d+\)", "", regex=True).str.strip().value_counts()
    out.append("not scored, by reason: " + "; ".join(f"{r} {n}" for r, n in reasons.items()))

    out.append("")
    out.append("item-dimension correlations (Pearson, normalised values, scored countries; * = under 0.3)")
    inds = [c for c in ds.indicators.index if c in s.columns]
    for d in dims:
        members = [c for c in inds if top[c] == d]
        for c in members:
            r = s[c].corr(s[d])
            rest = [m for m in members if m != c]
            rest_mean = s[rest].mean(axis=1) if rest else None
            r_rest = s[c].corr(rest_mean) if rest else float("nan")
            p = parent[c]
            sub = f", with {p} {s[c].corr(s[p]):.2f}" if p != d and p in s.columns else ""
            flag = " *" if not r >= 0.3 else ""
            out.append(f"  {d:12s} {c:28s} n={s[c].notna().sum():3d}  r={r:5.2f}  "
                       f"r(rest)={r_rest:5.2f}{sub}{flag}")

    out.append("")
    out.append("within-dimension pairs above 0.92 (Pearson, pairwise complete)")
    n_pairs = 0
    for d in dims:
        members = [c for c in inds if top[c] == d]
        corr = s[members].corr(min_periods=10)
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if corr.at[a, b] > 0.92:
                    n_pairs += 1
                    out.append(f"  {d}: {a} ~ {b}: {corr.at[a, b]:.3f}")
    if not n_pairs:
        out.append("  none")

    out.append("")
    out.append("dimension  k  Cronbach alpha (standardised)  first-component share  eigenvalues > 1")
    for d in dims:
        members = [c for c in inds if top[c] == d]
        corr = s[members].corr(min_periods=10).to_numpy()
        k = len(members)
        rbar = corr[np.triu_indices(k, 1)].mean() if k > 1 else 1.0
        alpha = k * rbar / (1 + (k - 1) * rbar) if k > 1 else float("nan")
        eig = np.sort(np.linalg.eigvalsh(np.nan_to_num(corr, nan=0.0)))[::-1]
        out.append(f"  {d:12s} {k:2d}  {alpha:5.2f}  {eig[0] / k:5.2f}  {int((eig > 1).sum())}")

    out.append("")
    out.append(f"economies under {SMALL:,} people in a dimension's top 10")
    pop = pd.to_numeric(ds.countries.get("population"), errors="coerce") if "population" in ds.countries \
        else pd.Series(dtype=float)
    hits = 0
    for d in dims:
        top10 = s[d].dropna().sort_values(ascending=False, kind="stable").index[:10]
        for rank, c in enumerate(top10, 1):
            if pop.get(c, np.nan) < SMALL:
                hits += 1
                out.append(f"  {d}: {c} rank {rank} (population {pop[c]:,.0f}, score {s.at[c, d]:.1f})")
    if not hits:
        out.append("  none")

    out.append("")
    ref_path = Path(reference)
    if not ref_path.is_file():
        out.append(f"validity references: {ref_path} not found; skipped")
        return out
    ref = pd.read_csv(ref_path, keep_default_na=False, na_values=[""]).set_index("iso3")
    gdp = np.log(pd.to_numeric(ds.countries["gdp_per_capita"], errors="coerce"))
    out.append("validity checks (Spearman; never targets)")
    for col, label in (("imf_aipi_2023", "IMF AI Preparedness Index 2023"),
                       ("ms_ai_diffusion_pct_2026q1", "Microsoft AI diffusion 2026Q1")):
        frame = pd.DataFrame({"c": s[idx], "r": ref[col], "g": gdp}).dropna()
        rho = frame["c"].rank().corr(frame["r"].rank())
        part = partial_spearman(frame["c"], frame["r"], frame["g"])
        rho_gdp = frame["g"].rank().corr(frame["r"].rank())
        out.append(f"  {label}: n = {len(frame)}, rho = {rho:.3f}, partial on log GDP pc = {part:.3f} "
                   f"(log GDP pc alone: {rho_gdp:.3f})")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="dataset folder (default: the shipped default dataset)")
    parser.add_argument("--reference", default=str(REFERENCE), help="IMF/Microsoft reference CSV")
    args = parser.parse_args(argv)
    print("\n".join(gates(args.data, args.reference)))


if __name__ == "__main__":
    main()
