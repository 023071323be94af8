"""``readiness audit``: the statistical audit of the index, flags first.

Argument parsing and rendering only; the audit is :func:`readiness.analysis.audit.audit`.
The table view shows what a reviewer must act on (the flags), then Cronbach's alpha,
the principal components per group, the indicators' statistics and the aggregates'
effective weights; ``--format json`` and ``--out FILE.xlsx`` carry every table in full.
"""

from __future__ import annotations

from pathlib import Path

import click

from .errors import command
from .options import data_options, format_option
from .render import emit, footer, new_table, num, text

__all__ = ["audit", "SHEETS"]

#: Table name -> workbook sheet name.
SHEETS = {
    "flags": "Flags", "alpha": "Cronbach alpha", "stats_raw": "Statistics raw",
    "stats_normalised": "Statistics normalised", "availability": "Availability",
    "availability_by_group": "Availability by group", "pair_flags": "Pair flags",
    "parent_correlations": "Parent correlations", "correlations": "Correlations",
    "pca_variance": "PCA variance", "pca_loadings": "PCA loadings", "pca_weights": "PCA weights",
    "pca_dimensions": "PCA dimensions", "effective_weights": "Effective weights",
}


def _flags_table(con, flags):
    if flags.empty:
        con.print("No flags: nothing for a reviewer to act on.")
        return
    table = new_table(title=f"Flags: {len(flags)} findings to review", title_justify="left",
                      caption="Data flags on the raw data, outliers after treatment. Pairs: within a level-2 "
                              "group, r > 0.9 or < -0.4. With the parent, ancestors, index: weak < 0.3, "
                              "negative < 0, redundant > 0.9", caption_justify="left")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Subject", overflow="fold", ratio=1)
    table.add_column("Detail", overflow="fold", ratio=2)
    for kind, subject, detail, _ in flags.itertuples(index=False):
        table.add_row(text(kind), text(subject), text(detail))
    con.print(table)


def _alpha_table(con, alpha, dataset):
    table = new_table(title="Cronbach's alpha (below 0.7: low internal consistency)", title_justify="left")
    table.add_column("Aggregate", overflow="ellipsis", ratio=1, no_wrap=True)
    for col in ("Level", "Items", "Alpha"):
        table.add_column(col, justify="right", no_wrap=True)
    for node, level, over, n, a in alpha.itertuples(index=False):
        table.add_row(f"{text(dataset.node_name(node))} ({text(node)})", str(level), f"{n} {over}",
                      num(a, "change"))
    con.print(table)


def _pca_table(con, pca):
    v = pca.variance
    table = new_table(title="Principal components per group", title_justify="left",
                      caption="Share of variance of PC1 and PC1+PC2", caption_justify="left")
    table.add_column("Group", no_wrap=True, overflow="ellipsis", ratio=1)
    for col in ("Items", "Rows", "PC1", "PC1+2"):
        table.add_column(col, justify="right", no_wrap=True)
    for group, rows in v.groupby("group", sort=False):
        cum = rows["cum_var"].to_numpy()
        table.add_row(text(group), str(len(rows)), str(pca.rows_used[group]), num(cum[0], "share"),
                      num(cum[1] if len(cum) > 1 else float("nan"), "share"))
    con.print(table)


def _stats_table(con, stats):
    table = new_table(title="Indicators, raw data", title_justify="left",
                      caption="Avail: share of countries with a value. Flags (COINr's): A availability < 0.65, "
                              "Z non-zero < 0.5, U unique < 0.5 (of all countries), O |skew| > 2 and kurtosis > 3.5",
                      caption_justify="left")
    table.add_column("Indicator", no_wrap=True, overflow="ellipsis", max_width=22)
    for col in ("Avail", "Min", "Max", "Skew", "Kurt", "Flags"):
        table.add_column(col, justify="right", no_wrap=True)
    names = (("flag_available", "A"), ("flag_nonzero", "Z"), ("flag_unique", "U"), ("flag_skew_kurtosis", "O"))
    for code, r in stats.iterrows():
        flags = "".join(label for col, label in names if r[col])
        table.add_row(text(code), num(r["share_available"], "share"), _short(r["min"]), _short(r["max"]),
                      num(r["skew"], "change"), num(r["kurtosis"], "change"), flags)
    con.print(table)


def _short(value):
    """A raw value in at most 8 characters (raw units vary from shares to billions)."""
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return num(None)
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-2):
        return f"{value:.2g}"
    return f"{value:.4g}"


def _weights_table(con, eff, dataset):
    rows = eff[eff["level"] > 1]
    table = new_table(title="Effective weights of the aggregates (share of the index)", title_justify="left")
    table.add_column("Aggregate", no_wrap=True, overflow="ellipsis", ratio=1)
    for col in ("Level", "Weight", "Effective"):
        table.add_column(col, justify="right", no_wrap=True)
    for code, r in rows.iterrows():
        table.add_row(f"{text(dataset.node_name(code))} ({text(code)})", str(r["level"]), f"{r['weight']:g}",
                      num(r["effective_weight"], "share"))
    con.print(table)


def _render(con, report, result):
    from ..api import settings_summary

    ds = result.dataset
    head = report.headline()
    con.print(f"Statistical audit of {text(repr(ds.index_code))}: {len(result.scores)} countries scored, "
              f"{len(ds.indicators)} indicators")
    _flags_table(con, report.flags())
    _alpha_table(con, report.cronbach_table(), ds)
    _pca_table(con, report.pca(1))
    if head["pc1_share"] == head["pc1_share"]:
        con.print(f"First principal component of the dimensions: {num(head['pc1_share'], 'share')} of their "
                  "variance")
    _stats_table(con, report.stats("raw"))
    _weights_table(con, report.effective_weights(), ds)
    con.print("Every table in full: --format json, or --out audit.xlsx")
    version = f" {text(ds.version)}" if ds.version else ""
    footer(con, f"Data: {text(ds.label)}{version} · {text(settings_summary(result.spec))} · fingerprint "
                f"{result.fingerprint()}")


def _about(result, method):
    from .. import __version__

    about = {"readiness": __version__, "analysis": "statistical audit (COINr 1.1.14 definitions)",
             "dataset": result.dataset.label, "dataset version": result.dataset.version or "",
             "data_fingerprint": result.fingerprint(), "correlation method": method}
    about.update({f"setting {k}": v for k, v in result.spec.to_dict().items()})
    return about


@command("audit")
@data_options
@click.option("--method", type=click.Choice(["pearson", "spearman"]), default="pearson", show_default=True,
              help="Correlation type for the correlation tables and flags.")
@format_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every table to this .xlsx workbook (one sheet per table, About first).")
def audit(inputs, method, fmt, out):
    """Statistical audit: sparse, skewed or redundant indicators, consistency, PCA, effective weights.

    Flags first (what a reviewer must act on), then the tables. Definitions and thresholds are
    COINr's (get_stats, get_corr_flags, get_cronbach, get_PCA, get_eff_weights).

    Example: readiness audit --data index.xlsx --out audit.xlsx
    """
    from ..analysis.audit import audit as run_audit
    from ..serialise import common_keys

    result = inputs.result()
    report = run_audit(result, method=method)
    tables = report.tables() if (out is not None or fmt == "json") else {"flags": report.flags()}
    if out is not None:
        from ..io.writer import write_workbook

        write_workbook({SHEETS[k]: v for k, v in tables.items()}, out, inputs=inputs.files,
                       about=_about(result, method))
    payload = None
    if fmt == "json":
        payload = {**common_keys(result.dataset, result.spec), "correlation_method": method,
                   "headline": report.headline(), **tables}
    emit(fmt, payload=payload, frame=tables["flags"], table=lambda con: _render(con, report, result))
