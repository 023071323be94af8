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
from .memo import memoised
from .options import data_options, format_option
from .render import emit, footer, new_table, num, plain, text

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


def _table(con, columns, rows, **options):
    """Print a house-style table of plain-text ``rows``.

    ``columns`` are ``(header, options)`` pairs for ``Table.add_column``. Cells are
    :class:`rich.text.Text` (data text is never read as markup, nothing to escape), and
    each no-wrap column gets its width here, from its longest cell, as rich would measure
    it: rich then measures only the columns that wrap (measuring every cell is most of a
    table's rendering time).
    """
    from rich.cells import cell_len
    from rich.text import Text

    table = new_table(title_justify="left", caption_justify="left", **options)
    for k, (header, opts) in enumerate(columns):
        if opts.get("no_wrap") and "ratio" not in opts:
            width = max([cell_len(header)] + [cell_len(r[k]) for r in rows])
            opts = {**opts, "width": min(width, opts.get("max_width") or width)}
        table.add_column(header, **opts)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    con.print(table)


def _flags_table(con, flags):
    if flags.empty:
        con.print("No flags: nothing for a reviewer to act on.")
        return
    rows = [(plain(kind), plain(subject), plain(detail)) for kind, subject, detail in
            zip(flags["kind"], flags["subject"], flags["detail"])]
    _table(con, [("Kind", {"no_wrap": True}), ("Subject", {"overflow": "fold", "ratio": 1}),
                 ("Detail", {"overflow": "fold", "ratio": 2})], rows,
           title=f"Flags: {len(flags)} findings to review",
           caption="Data flags on the raw data, outliers after treatment. Pairs: within a level-2 group, r > 0.9 "
                   "or < -0.4. With the parent, ancestors, index: weak < 0.3, negative < 0, redundant > 0.9")


_RIGHT = {"justify": "right", "no_wrap": True}


def _name(dataset, code):
    return f"{plain(dataset.node_name(code))} ({plain(code)})"


def _alpha_table(con, alpha, dataset):
    rows = [(_name(dataset, node), str(level), f"{n} {over}", num(a, "change"))
            for node, level, over, n, a in zip(*(alpha[c] for c in ("node", "level", "over", "items", "alpha")))]
    _table(con, [("Aggregate", {"overflow": "ellipsis", "ratio": 1, "no_wrap": True}), ("Level", _RIGHT),
                 ("Items", _RIGHT), ("Alpha", _RIGHT)], rows,
           title="Cronbach's alpha (below 0.7: low internal consistency)")


def _pca_table(con, pca):
    v = pca.variance
    groups = list(dict.fromkeys(v["group"]))  # in order of appearance
    cum = {g: [] for g in groups}
    for g, c in zip(v["group"], v["cum_var"]):
        cum[g].append(c)
    rows = [(plain(g), str(len(cum[g])), str(pca.rows_used[g]), num(cum[g][0], "share"),
             num(cum[g][1] if len(cum[g]) > 1 else float("nan"), "share")) for g in groups]
    _table(con, [("Group", {"no_wrap": True, "overflow": "ellipsis", "ratio": 1})]
           + [(col, _RIGHT) for col in ("Items", "Rows", "PC1", "PC1+2")], rows,
           title="Principal components per group", caption="Share of variance of PC1 and PC1+PC2")


_STAT_FLAGS = (("flag_available", "A"), ("flag_nonzero", "Z"), ("flag_unique", "U"), ("flag_skew_kurtosis", "O"))


def _stats_table(con, stats):
    flags = ["".join(label for (_, label), on in zip(_STAT_FLAGS, row) if on) for row in
             zip(*(stats[col].to_numpy() for col, _ in _STAT_FLAGS))]
    rows = [(plain(code), num(avail, "share"), _short(lo), _short(hi), num(sk, "change"), num(ku, "change"), f)
            for code, avail, lo, hi, sk, ku, f in zip(stats.index, stats["share_available"], stats["min"],
                                                      stats["max"], stats["skew"], stats["kurtosis"], flags)]
    _table(con, [("Indicator", {"no_wrap": True, "overflow": "ellipsis", "max_width": 22})]
           + [(col, _RIGHT) for col in ("Avail", "Min", "Max", "Skew", "Kurt", "Flags")], rows,
           title="Indicators, raw data",
           caption="Avail: share of countries with a value. Flags (COINr's): A availability < 0.65, "
                   "Z non-zero < 0.5, U unique < 0.5 (of all countries), O |skew| > 2 and kurtosis > 3.5")


def _short(value):
    """A raw value in at most 9 characters (raw units vary from shares to billions)."""
    if value is None or value != value:
        return num(None)
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-2):
        return f"{value:.2g}"
    return f"{value:.4g}"


def _weights_table(con, eff, dataset):
    rows = [(_name(dataset, code), str(level), f"{w:g}", num(e, "share"))
            for code, level, w, e in zip(eff.index, eff["level"], eff["weight"], eff["effective_weight"]) if level > 1]
    _table(con, [("Aggregate", {"no_wrap": True, "overflow": "ellipsis", "ratio": 1})]
           + [(col, _RIGHT) for col in ("Level", "Weight", "Effective")], rows,
           title="Effective weights of the aggregates (share of the index)")


def _render(con, report, result):
    from ..api import settings_summary

    ds = result.dataset
    con.print(f"Statistical audit of {text(repr(ds.index_code))}: {len(result.scores)} countries scored, "
              f"{len(ds.indicators)} indicators")
    _flags_table(con, report.flags())
    _alpha_table(con, report.cronbach_table(), ds)
    _pca_table(con, report.pca(1))
    share = report.pc1_share()
    if share == share:
        con.print(f"First principal component of the dimensions: {num(share, 'share')} of their variance")
    _stats_table(con, report.stats("raw"))
    _weights_table(con, report.effective_weights(), ds)
    con.print("Every table in full: --format json, or --out audit.xlsx")
    version = f" {text(ds.version)}" if ds.version else ""
    footer(con, f"Data: {text(ds.label)}{version} · {text(settings_summary(result.spec))} · fingerprint "
                f"{result.fingerprint()}")


def _about(result, method, fingerprint):
    from .. import __version__

    about = {"readiness": __version__, "analysis": "statistical audit (COINr 1.1.14 definitions)",
             "dataset": result.dataset.label, "dataset version": result.dataset.version or "",
             "data_fingerprint": fingerprint, "correlation method": method}
    about.update({f"setting {k}": v for k, v in result.spec.to_dict().items()})
    return about


@command("audit")
@memoised(unless=("out",))
@data_options
@click.option("--method", type=click.Choice(["pearson", "spearman", "kendall"]), default="pearson",
              show_default=True,
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

    result = inputs.result()
    report = run_audit(result, method=method)
    full = out is not None or fmt == "json"  # the table view and CSV need only some tables
    tables = report.tables() if full else {"flags": report.flags()}
    keys = None
    if full:
        from ..serialise import common_keys

        keys = common_keys(result.dataset, result.spec, result=result)
    if out is not None:
        from ..io.writer import write_workbook

        write_workbook({SHEETS[k]: v for k, v in tables.items()}, out, inputs=inputs.files,
                       about=_about(result, method, keys["data_fingerprint"]))
    payload = None
    if fmt == "json":
        payload = {**keys, "correlation_method": method, "headline": report.headline(), **tables}
    emit(fmt, payload=payload, frame=tables["flags"], table=lambda con: _render(con, report, result))
