"""Report (never tune): how the composite correlates with the IMF AI Preparedness Index.

``python benchmarks/validity.py PATH/TO/imf_aipi_2023_and_ms_ai_diffusion_2026q1.csv``

The IMF file is a validation reference only (IMF terms): it is read from where the
caller keeps it and never copied into the package. Prints the Spearman correlation of
the default composite (default settings) with the IMF AIPI 2023 and with the Microsoft
AI diffusion share, overall and partial on log GDP per capita (Spearman partial
correlation: Pearson correlation of the rank residuals after regressing both ranks
on the rank of log GDP per capita).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy import stats

import readiness


def partial_spearman(x, y, z):
    rx, ry, rz = (pd.Series(v).rank().to_numpy() for v in (x, y, z))
    design = np.column_stack([np.ones_like(rz), rz])
    res_x = rx - design @ np.linalg.lstsq(design, rx, rcond=None)[0]
    res_y = ry - design @ np.linalg.lstsq(design, ry, rcond=None)[0]
    return stats.pearsonr(res_x, res_y)[0]


def main(path):
    ref = pd.read_csv(path, keep_default_na=False, na_values=[""]).set_index("iso3")
    ds = readiness.load_dataset()
    result = readiness.build(ds)
    comp = result.scores[result.index_code]
    gdp = np.log(pd.to_numeric(ds.countries["gdp_per_capita"], errors="coerce"))
    print(f"readiness {readiness.__version__}, dataset {ds.version}, fingerprint {result.fingerprint()}")
    for col, label in (("imf_aipi_2023", "IMF AI Preparedness Index 2023"),
                       ("ms_ai_diffusion_pct_2026q1", "Microsoft AI diffusion 2026Q1")):
        frame = pd.DataFrame({"c": comp, "r": ref[col], "g": gdp}).dropna()
        rho = stats.spearmanr(frame["c"], frame["r"])[0]
        part = partial_spearman(frame["c"], frame["r"], frame["g"])
        rho_gdp = stats.spearmanr(frame["g"], frame["r"])[0]
        print(f"{label}: n = {len(frame)}, Spearman rho = {rho:.3f}, partial on log GDP per capita = {part:.3f} "
              f"(log GDP per capita alone: rho = {rho_gdp:.3f})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         "../shared/data/validation_reference/imf_aipi_2023_and_ms_ai_diffusion_2026q1.csv")
