"""Write the rank-change part of ``indicators/CHANGES.md``: every economy, old rank -> new rank.

Usage (from a source checkout)::

    python indicators/changes.py OLD_DATASET_FOLDER > /tmp/ranks.md

``OLD_DATASET_FOLDER`` holds the previous default dataset (2026.11), e.g. extracted with
``git show <commit>:indicators/default/<file>``. The previous version is scored as it was
published (``incomplete = "partial"``: countries averaged over the dimensions they have),
the new one with the default settings. Ranks are the pipeline's (1 = best). For each of the
20 largest moves the dimension whose score changed most is named, with the framework change
behind it.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

import readiness

DIMENSIONS = ("compute", "chips", "talent", "localisation")
WHY = {
    "compute": "compute is now the mean of connectivity and power and of hosted compute (equal halves), "
               "so 3 hosted-compute indicators weigh as much as 5 connectivity ones",
    "chips": "high-technology exports and IP receipts are now per person (were shares of small bases)",
    "talent": "Python developers and researchers per million dropped (redundant with GitHub developers and "
              "articles)",
    "localisation": "language coverage is now the population speaking any covered language (was the largest "
                    "single language), with Qwen3 and BLOOM counted; origin diversity added; notable models "
                    "of any access replace the open-weight count",
}


def _ranked(result) -> pd.DataFrame:
    idx = result.index_code
    s = result.scores
    out = s[list(DIMENSIONS) + [idx]].copy()
    out["rank"] = s[idx].rank(ascending=False, method="min")
    return out


def rank_changes(old_folder) -> tuple[pd.DataFrame, list[str]]:
    """(table of every economy, markdown lines of the 20 largest moves explained)."""
    old_ds = readiness.load_dataset(old_folder)
    new_ds = readiness.load_dataset()
    old = _ranked(readiness.build(old_ds, readiness.Spec(incomplete="partial")))
    new_result = readiness.build(new_ds)
    new = _ranked(new_result)
    names = new_ds.countries["name"]
    rows = []
    for c in sorted(set(old.index) | set(new.index)):
        o = old["rank"].get(c, np.nan)
        n = new["rank"].get(c, np.nan)
        reason = new_result.not_scored["reason"].get(c, "") if np.isnan(n) else ""
        rows.append({"country": c, "name": names.get(c, c), "old": o, "new": n,
                     "move": (o - n) if not (np.isnan(o) or np.isnan(n)) else np.nan, "note": reason})
    table = pd.DataFrame(rows)
    moved = table.dropna(subset=["move"]).assign(size=lambda t: t["move"].abs())
    pct_old = old.loc[old["rank"].notna(), list(DIMENSIONS)].rank(pct=True)
    pct_new = new.loc[new["rank"].notna(), list(DIMENSIONS)].rank(pct=True)
    top = moved.sort_values(["size", "country"], ascending=[False, True], kind="stable").head(20)
    lines = []
    for r in top.itertuples(index=False):
        d_old, d_new = old.loc[r.country, list(DIMENSIONS)], new.loc[r.country, list(DIMENSIONS)]
        # the dimension whose standing (percentile among scored economies) moved most in the
        # direction of the overall move: scores shift for everyone, standings do not
        shift = (pct_new.loc[r.country] - pct_old.loc[r.country]) * np.sign(r.move)
        missing_before = [d for d in DIMENSIONS if pd.isna(d_old[d])]
        main = shift.idxmax() if shift.notna().any() else None
        parts = ", ".join(f"{d} {d_old[d]:.1f}->{d_new[d]:.1f}" for d in DIMENSIONS
                          if pd.notna(d_old[d]) and pd.notna(d_new[d]))
        why = WHY.get(main, "")
        if missing_before:
            why = (f"was averaged over {4 - len(missing_before)} dimensions in 2026.11 (no "
                   f"{', '.join(missing_before)} score); " + why)
        standing = ", ".join(f"{d} {100 * pct_old.at[r.country, d]:.0f}->{100 * pct_new.at[r.country, d]:.0f}"
                             for d in DIMENSIONS if pd.notna(pct_old.at[r.country, d])
                             and pd.notna(pct_new.at[r.country, d]))
        lines.append(f"- **{r.name}** ({r.country}) {int(r.old)} -> {int(r.new)} ({int(r.move):+d}): "
                     f"driven by {main}: {why}. Dimension scores {parts}; percentile standing {standing}.")
    return table, lines


def markdown(old_folder) -> str:
    table, lines = rank_changes(old_folder)
    out = ["### The 20 largest moves, explained", "", *lines, "",
           "### Every economy: rank in 2026.11 (as published) and in 2026.12", "",
           "| code | economy | 2026.11 | 2026.12 | move | not scored because |", "|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        fmt = (lambda x: "-" if np.isnan(x) else str(int(x)))
        move = "" if np.isnan(r.move) else f"{int(r.move):+d}"
        out.append(f"| {r.country} | {r.name} | {fmt(r.old)} | {fmt(r.new)} | {move} | {r.note} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown(sys.argv[1]))
