"""What a reviewer must act on: the audit's findings as one table (``AuditResult.flags``).

Each finding comes from a table of :class:`readiness.analysis.audit.AuditResult`: COINr's
data flags on the raw data, outliers left after treatment, within-group pairs,
correlations with the parent, ancestors and index, and Cronbach's alpha per aggregate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .audit_stats import moments

__all__ = ["collect_flags"]


def collect_flags(report) -> pd.DataFrame:
    """The findings of an :class:`~readiness.analysis.audit.AuditResult`, one row each.

    Columns ``kind``, ``subject``, ``detail``, ``value``; see
    :meth:`AuditResult.flags <readiness.analysis.audit.AuditResult.flags>` for what is flagged.
    """
    rows = []
    th = report.thresholds
    st = report.stats("raw")
    codes = st.index.to_numpy()
    col = {c: st[c].to_numpy() for c in ("flag_available", "share_available", "flag_nonzero", "share_nonzero",
                                          "flag_unique", "share_unique")}
    for k in np.flatnonzero(col["flag_available"]):
        value = float(col["share_available"][k])
        rows.append(("sparse", codes[k], f"available for {value:.2f} of countries", value))
    # COINr's zero and unique flags divide by all countries, so a sparse indicator trips
    # them too; here they need the share among the values present to be low as well.
    for flag, kind, what, share, t in (("flag_nonzero", "zeros", "non-zero", "share_nonzero", "t_zero"),
                                       ("flag_unique", "few values", "distinct", "share_unique", "t_unq")):
        with np.errstate(invalid="ignore"):
            hit = col[flag] & (col[share] < th[t])
        for k in np.flatnonzero(hit):
            value = float(col[share][k])
            rows.append((kind, codes[k], f"{value:.2f} of values present {what}", value))
    treated = report.stage("treated")  # skew and kurtosis only: no sort, no median
    _, _, sk, ku = moments(treated.to_numpy(dtype=float))
    with np.errstate(invalid="ignore"):
        outliers = (np.abs(sk) > th["t_skew"]) & (ku > th["t_kurt"])
    for k in np.flatnonzero(outliers):
        rows.append(("outliers", treated.columns[k], f"skew {sk[k]:.2f}, kurtosis {ku[k]:.2f} after treatment",
                     float(sk[k])))
    for kind in ("high", "low"):
        pairs = report.correlation_flags(kind=kind)
        label = "near-duplicates" if kind == "high" else "opposed pair"
        for g, a, b, r in zip(*(pairs[c] for c in pairs.columns)):
            rows.append((label, f"{a} & {b}", f"r = {r:.2f} within {g}", float(r)))
    pc = report.parent_correlations()
    labels = {"negative": "negative correlation", "weak": "weak correlation", "redundant": "redundant"}
    found = {}  # (node, flag) -> [(ancestor, relation, r)], in order of first appearance
    for node, anc, rel, r, flag in zip(pc["node"], pc["ancestor"], pc["relation"], pc["correlation"],
                                       pc["flag"]):
        if flag:
            found.setdefault((node, flag), []).append((anc, rel, float(r)))
    for (node, flag), hits in found.items():
        parts = [f"{r:.2f} with {anc}" + (" (parent)" if rel == "parent" else "") for anc, rel, r in hits]
        value = max(r for *_, r in hits) if flag == "redundant" else min(r for *_, r in hits)
        rows.append((labels[flag], node, "r = " + ", ".join(parts), value))
    alpha = report.cronbach_table()
    for node, over, k, a in zip(alpha["node"], alpha["over"], alpha["items"], alpha["alpha"]):
        if over == "indicators" and a < th["alpha_low"]:
            rows.append(("low alpha", node, f"alpha {a:.2f} over its {k} indicators", float(a)))
    return pd.DataFrame(rows, columns=["kind", "subject", "detail", "value"])

