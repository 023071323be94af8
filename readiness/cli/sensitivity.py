"""``readiness sensitivity``: rank intervals and Sobol indices from the command line.

Argument parsing and rendering only; the analyses are :func:`readiness.analysis.sensitivity.sensitivity`,
:func:`readiness.analysis.uncertainty.uncertainty` and :func:`readiness.analysis.sensitivity.remove_one`,
and the JSON is :func:`readiness.api.analysis_payload`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..analysis.inputs import DEFAULT_VARY, INPUTS
from .errors import UserError, command
from .memo import memoised
from .options import data_options, format_option
from .render import emit, new_table, num, progress_bar, text

__all__ = ["sensitivity"]


def _seed(text_value):
    if text_value is None:
        return None
    from ..settings import check_setting

    return check_setting("seed", text_value.strip(), where="--seed")


def _names(value):
    return None if value is None else tuple(t.strip() for t in value.split(",") if t.strip())


def _render_table(con, ua, sa, top):
    design = "Sobol design" if ua.method == "sobol" else "Monte Carlo"
    seed = f", seed {ua.seed}" if ua.seed is not None else ""
    con.print(f"Rank uncertainty of {text(repr(ua.index_code))}: {ua.n_replicates:,} replicates ({design}, "
              f"n = {ua.n}{seed})")
    con.print(f"Inputs varied: {', '.join(ua.space.varied) or 'none'}")
    if ua.n_shifted or ua.n_skipped:
        con.print(f"Scores <= 0 under a geometric or harmonic mean: {ua.n_shifted:,} replicates shifted, "
                  f"{ua.n_skipped:,} skipped")
    rows = ua.widest(top) if top else ua.countries.sort_values("nominal_rank", kind="stable")
    title = f"The {len(rows)} widest 5-95% rank intervals" if top else "Rank intervals"
    table = new_table(title=title, title_justify="left",
                      caption="Rank: nominal; 5%, 50%, 95%: percentiles of the rank over the replicates; "
                              "P(≤10), P(Q1): probability of the top 10 and of the top quartile",
                      caption_justify="left")
    table.add_column("Country", no_wrap=True, overflow="ellipsis", ratio=1, min_width=12)
    for col in ("Rank", "Mean", "5%", "50%", "95%", "P(≤10)", "P(Q1)"):
        table.add_column(col, justify="right", no_wrap=True)
    for country, r in rows.iterrows():
        table.add_row(f"{text(r['name'])} ({country})", num(r["nominal_rank"], "rank"),
                      num(r["mean_rank"], "rank_stat"), num(r["q05"], "rank_stat"),
                      num(r["median_rank"], "rank_stat"), num(r["q95"], "rank_stat"),
                      num(r["p_top_10"], "probability"), num(r["p_top_quartile"], "probability"))
    con.print(table)
    if sa is not None:
        pct = f"{sa.conf_level:.0%}"
        dropped = f"; {sa.n_dropped} of {sa.n} blocks dropped (skipped replicates)" if sa.n_dropped else ""
        table = new_table(title="Sobol indices of the mean absolute rank shift", title_justify="left",
                          caption=f"S1 first order, ST total order, {pct} bootstrap intervals{dropped}",
                          caption_justify="left")
        table.add_column("Input", no_wrap=True)
        for col in ("S1", f"S1 {pct}", "ST", f"ST {pct}"):
            table.add_column(col, justify="right", no_wrap=True)
        for name, r in sa.sobol.iterrows():
            table.add_row(text(name), num(r["S1"], "sobol"),
                          f"{num(r['S1_low'], 'sobol')} to {num(r['S1_high'], 'sobol')}", num(r["ST"], "sobol"),
                          f"{num(r['ST_low'], 'sobol')} to {num(r['ST_high'], 'sobol')}")
        con.print(table)


def _render_removal(con, removal, top, dataset):
    what = "indicator" if removal.level == 1 else f"level-{removal.level} element"
    con.print(f"Removing one {what} at a time: {len(removal.mean_abs_change)} removals, "
              f"{len(removal.nominal)} countries")
    table = new_table(title="Mean absolute rank change, largest first", title_justify="left",
                      caption="Rise, Fall: the largest move up and down of any country", caption_justify="left")
    table.add_column("Removed", no_wrap=True)
    table.add_column("Name", no_wrap=True, overflow="ellipsis", ratio=1)
    for col in ("Mean |change|", "Rise", "Fall"):
        table.add_column(col, justify="right", no_wrap=True)
    order = removal.mean_abs_change.sort_values(ascending=False, kind="stable")
    for code, value in (order.head(top) if top else order).items():
        change = removal.rank_change[code]
        table.add_row(text(code), text(dataset.node_name(code)), num(value, "change"), num(-change.min(), "rank"),
                      num(change.max(), "rank"))
    con.print(table)


def _about(dataset, spec, extra):
    """What reproduces the results: package and data versions, fingerprints, every setting."""
    from .. import __version__
    from ..pipeline import fingerprint

    about = {"readiness": __version__, "dataset": dataset.label, "dataset version": dataset.version or "",
             "data_fingerprint": fingerprint(dataset, spec), **extra}
    about.update({f"setting {k}": v for k, v in spec.to_dict().items()})
    return about


@command("sensitivity")
@memoised(unless=("out",))
@data_options
@click.option("--vary", default=",".join(DEFAULT_VARY), show_default=True,
              help=f"Inputs to vary, comma-separated: {', '.join(INPUTS)}.")
@click.option("--n", "n", type=int, default=None,
              help="Replicates (ua; default 1000) or Sobol base samples (sobol; default 256, "
                   "runs n x (inputs + 2) replicates).")
@click.option("--seed", default=None, help="Integer seed; default: the settings' seed (0), so runs repeat exactly.")
@click.option("--method", type=click.Choice(["ua", "sobol", "remove"]), default="sobol", show_default=True,
              help="ua: rank intervals only; sobol: rank intervals and Sobol indices; remove: the rank changes "
                   "when each element of --drop-level is removed in turn (deterministic).")
@format_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every table to this .xlsx workbook.")
@click.option("--normalisations", default=None, help="Normalisation alternatives (default minmax,zscore).")
@click.option("--aggregations", default=None, help="Aggregation alternatives (default arithmetic,geometric).")
@click.option("--aggregation-levels", default=None, help="Levels the aggregation varies at (default all).")
@click.option("--imputations", default=None, help="Imputation alternatives (default mean,median).")
@click.option("--winsor", default=None, help="Treatment alternatives: winsorisation limits and/or 'none' "
                                             "(default 1,2,3,4,5).")
@click.option("--weights-dist", type=click.Choice(["uniform", "dirichlet"]), default=None,
              help="How weights vary (default uniform).")
@click.option("--weight-noise", type=float, default=None, help="Uniform weights: +/- share (default 0.25).")
@click.option("--weight-levels", default=None, help="Levels whose weights vary (default: between indicators "
                                                   "and index).")
@click.option("--drop-level", type=int, default=None, help="drop: the level whose elements are dropped "
                                                          "one at a time (default 1 = indicators).")
@click.option("--nonpositive", type=click.Choice(["shift", "skip"]), default=None,
              help="A geometric mean over scores <= 0: shift the scores (default) or skip the replicate.")
@click.option("--top", type=click.IntRange(min=0), default=15, show_default=True,
              help="Table format: show the countries with the widest intervals (0 = all, by rank).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Local worker threads evaluating replicates (1 = one block after another).")
@click.option("--scheduler", default=None, metavar="dask://HOST:PORT",
              help="Evaluate replicates on this Dask scheduler (pip install 'readiness[distributed]'); "
                   "results identical to a local run.")
@click.option("--no-cache", is_flag=True, help="Do not keep the result (a later `readiness score` computes "
                                               "its own default analysis anyway).")
def sensitivity(inputs, vary, n, seed, method, fmt, out, normalisations, aggregations, aggregation_levels,
                imputations, winsor, weights_dist, weight_noise, weight_levels, drop_level, nonpositive, top,
                workers, scheduler, no_cache):
    """How fragile are the ranks? Rank intervals per country and Sobol indices per input.

    Example: readiness sensitivity --data index.xlsx --vary weights,normalisation --n 200 --seed 1
    """
    from .. import api
    from ..analysis.uncertainty import Space

    seed = _seed(seed)
    options = {"normalisation": _names(normalisations), "aggregation": _names(aggregations),
               "aggregation_levels": _names(aggregation_levels), "imputation": _names(imputations),
               "treatment": _names(winsor), "weights": weights_dist, "weights_noise": weight_noise,
               "weights_levels": _names(weight_levels), "drop": drop_level, "nonpositive": nonpositive}
    space = None if method == "remove" else \
        Space.from_names(_names(vary) or (), **{k: v for k, v in options.items() if v is not None})
    dataset, spec = inputs.dataset(), inputs.spec()
    if method == "remove":
        from ..analysis.sensitivity import remove_one

        report = remove_one(dataset, spec, level=drop_level or 1)
        _write(out, report, inputs, _about(dataset, spec, {"analysis": "remove_one", "level": report.level}))
        return emit(fmt, payload=api.analysis_payload(report, dataset, spec),
                    frame=report.rank_change.reset_index(),
                    table=lambda con: _render_removal(con, report, top, dataset))
    kwargs = {"seed": seed, "workers": workers, "scheduler": scheduler}
    if n is not None:
        kwargs["n"] = n
    with progress_bar() as progress:
        if method == "sobol":
            from ..analysis.sensitivity import sensitivity as run_sensitivity

            sa = run_sensitivity(dataset, spec, space, progress=progress, **kwargs)
            ua = sa.uncertainty
        else:
            from ..analysis.uncertainty import uncertainty

            sa = None
            ua = uncertainty(dataset, spec, space, method="ua", progress=progress, **kwargs)
    if not no_cache:
        from ..analysis.uncertainty import save_cache

        save_cache(ua.nominal, ua)
    report = sa if sa is not None else ua
    _write(out, report, inputs, _about(dataset, spec, {"analysis": method, "n": ua.n, "replicates": ua.n_replicates,
                                                       "seed": ua.seed, "inputs varied": ", ".join(ua.space.varied)}))
    emit(fmt, payload=api.analysis_payload(report, dataset, spec), frame=ua.countries.reset_index(),
         table=lambda con: _render_table(con, ua, sa, top))


def _write(out, report, inputs, about):
    if out is None:
        return
    from ..io.writer import write_workbook

    write_workbook(report.to_frames(), out, inputs=inputs.files, about=about)
