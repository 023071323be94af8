"""``readiness sensitivity``: rank intervals and Sobol indices from the command line.

Argument parsing and rendering only; the analysis is :func:`readiness.sensitivity.sensitivity`
and :func:`readiness.uncertainty.uncertainty`.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import click

from .._validation import ReadinessError
from ..analysis.uncertainty import DEFAULT_VARY, INPUTS

__all__ = ["sensitivity", "UserError"]


class UserError(click.ClickException):
    """A user's mistake: ``Error: ...`` on stderr (one line per problem), exit status 2."""

    exit_code = 2

    def __init__(self, message, problems=None):
        super().__init__(message)
        self.problems = list(problems or [message])

    def show(self, file=None):
        for line in self.problems:
            click.echo(f"Error: {line}", err=True)


def _user_error(exc):
    """Raise ``exc`` as a UserError, or as it is under ``readiness --debug``."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().params.get("debug"):
        raise exc
    raise UserError(str(exc), exc.problems) from None


def _seed(text):
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise UserError(f"--seed must be an integer; got {text!r}") from None


def _names(text):
    return None if text is None else tuple(t.strip() for t in text.split(",") if t.strip())


@contextmanager
def _progress_bar():
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("replicates"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = None

        def update(done, total):
            nonlocal task
            if task is None:
                task = progress.add_task("replicates", total=total)
            progress.update(task, completed=done)

        yield update


def _fmt(v, digits=1):
    return "" if v is None or v != v else f"{v:.{digits}f}"


def _render_table(ua, sa, top):
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    design = "Sobol design" if ua.method == "sobol" else "Monte Carlo"
    seed = f", seed {ua.seed}" if ua.seed is not None else ""
    console.print(f"Rank uncertainty of {ua.index_code!r}: {ua.n_replicates:,} replicates ({design}, n = {ua.n}"
                  f"{seed})")
    console.print(f"Inputs varied: {', '.join(ua.space.varied) or 'none'}")
    if ua.n_shifted or ua.n_skipped:
        console.print(f"Scores <= 0 under a geometric or harmonic mean: {ua.n_shifted:,} replicates shifted, "
                      f"{ua.n_skipped:,} skipped")
    rows = ua.widest(top) if top else ua.countries.sort_values("nominal_rank", kind="stable")
    title = f"The {len(rows)} widest 5-95% rank intervals" if top else "Rank intervals"
    table = Table(title=title, title_justify="left")
    for col, justify in (("Country", "left"), ("Name", "left"), ("Nominal", "right"), ("Median", "right"),
                         ("Mean", "right"), ("5%", "right"), ("95%", "right"), ("P(top 10)", "right"),
                         ("P(top quartile)", "right")):
        table.add_column(col, justify=justify)
    for country, r in rows.iterrows():
        table.add_row(country, str(r["name"]), _fmt(r["nominal_rank"], 0), _fmt(r["median_rank"]),
                      _fmt(r["mean_rank"]), _fmt(r["q05"]), _fmt(r["q95"]), _fmt(r["p_top_10"], 2),
                      _fmt(r["p_top_quartile"], 2))
    console.print(table)
    if sa is not None:
        pct = f"{sa.conf_level:.0%}"
        dropped = f"; {sa.n_dropped} of {sa.n} blocks dropped (skipped replicates)" if sa.n_dropped else ""
        table = Table(title="Sobol indices of the mean absolute rank shift", title_justify="left",
                      caption=f"S1 first order, ST total order, {pct} bootstrap intervals{dropped}",
                      caption_justify="left")
        for col in ("Input", "S1", f"S1 {pct}", "ST", f"ST {pct}"):
            table.add_column(col, justify="left" if col == "Input" else "right")
        for name, r in sa.sobol.iterrows():
            table.add_row(name, f"{r['S1']:.3f}", f"{r['S1_low']:.3f} to {r['S1_high']:.3f}", f"{r['ST']:.3f}",
                          f"{r['ST_low']:.3f} to {r['ST_high']:.3f}")
        console.print(table)


def _render_removal(removal, fmt, top, dataset, spec):
    if fmt == "json":
        from ..pipeline import fingerprint

        payload = removal.to_dict()
        payload.update(dataset=dataset.label, version=dataset.version or None,
                       data_fingerprint=fingerprint(dataset, spec), settings=spec.to_dict())
        click.echo(json.dumps(payload, indent=2, allow_nan=False))
        return
    if fmt == "csv":
        click.echo(removal.rank_change.to_csv(), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console() if Console().is_terminal else Console(width=120)
    what = "indicator" if removal.level == 1 else f"level-{removal.level} element"
    console.print(f"Removing one {what} at a time: {len(removal.mean_abs_change)} removals, "
                  f"{len(removal.nominal)} countries")
    table = Table(title="Mean absolute rank change, largest first", title_justify="left")
    for col, justify in (("Removed", "left"), ("Name", "left"), ("Mean |rank change|", "right"),
                         ("Largest rise", "right"), ("Largest fall", "right")):
        table.add_column(col, justify=justify)
    order = removal.mean_abs_change.sort_values(ascending=False, kind="stable")
    for code, value in (order.head(top) if top else order).items():
        change = removal.rank_change[code]
        table.add_row(code, dataset.node_name(code), _fmt(value, 2), _fmt(-change.min(), 0), _fmt(change.max(), 0))
    console.print(table)


def _about(dataset, spec, extra):
    """What reproduces the results: package and data versions, fingerprints, every setting."""
    from .. import __version__
    from ..pipeline import fingerprint

    about = {"readiness": __version__, "dataset": dataset.label, "dataset version": dataset.version or "",
             "data_fingerprint": fingerprint(dataset, spec), **extra}
    about.update({f"setting {k}": v for k, v in spec.to_dict().items()})
    return about


@click.command("sensitivity")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=None,
              help="Workbook (.xlsx) or folder of CSV files; default: the embedded dataset.")
@click.option("--settings", type=click.Path(exists=True, dir_okay=False),
              help="Nominal settings file (.toml, or .csv with setting,value).")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Change one nominal setting, e.g. --set imputation=group_median (repeatable).")
@click.option("--vary", default=",".join(DEFAULT_VARY), show_default=True,
              help=f"Inputs to vary, comma-separated: {', '.join(INPUTS)}.")
@click.option("--n", "n", type=int, default=None,
              help="Replicates (ua; default 1000) or Sobol base samples (sobol; default 256, "
                   "runs n x (inputs + 2) replicates).")
@click.option("--seed", default=None, help="Integer seed; default: the settings' seed (0), so runs repeat exactly.")
@click.option("--method", type=click.Choice(["ua", "sobol", "remove"]), default="sobol", show_default=True,
              help="ua: rank intervals only; sobol: rank intervals and Sobol indices; remove: the rank changes "
                   "when each element of --drop-level is removed in turn (deterministic).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
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
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Threads evaluating replicates.")
@click.option("--no-cache", is_flag=True, help="Do not keep the result for `readiness score`.")
def sensitivity(data, settings, overrides, vary, n, seed, method, fmt, out, normalisations, aggregations, aggregation_levels,
                imputations, winsor, weights_dist, weight_noise, weight_levels, drop_level, nonpositive, top,
                workers, no_cache):
    """How fragile are the ranks? Rank intervals per country and Sobol indices per input.

    Example: readiness sensitivity --data index.xlsx --vary weights,normalisation --n 200 --seed 1
    """
    from ..api import resolve_spec
    from ..io.load import load_dataset
    from ..io.writer import write_workbook
    from ..analysis.sensitivity import sensitivity as run_sensitivity
    from ..analysis.uncertainty import Space, save_cache, uncertainty

    try:
        seed = _seed(seed)
        options = {"normalisation": _names(normalisations), "aggregation": _names(aggregations),
                   "aggregation_levels": _names(aggregation_levels), "imputation": _names(imputations),
                   "treatment": _names(winsor), "weights": weights_dist, "weights_noise": weight_noise,
                   "weights_levels": _names(weight_levels), "drop": drop_level, "nonpositive": nonpositive}
        names = _names(vary) or ()
        space = None if method == "remove" else \
            Space.from_names(names, **{k: v for k, v in options.items() if v is not None})
        dataset = load_dataset(data)
        spec = resolve_spec(dataset, settings, overrides)
        kwargs = {"seed": seed, "workers": workers}
        if n is not None:
            kwargs["n"] = n
        if method == "remove":
            from ..analysis.sensitivity import remove_one

            removal = remove_one(dataset, spec, level=drop_level or 1)
            if out is not None:
                write_workbook(removal.to_frames(), out, inputs=(data, settings),
                            about=_about(dataset, spec, {"analysis": "remove_one", "level": removal.level}))
    except ReadinessError as exc:
        _user_error(exc)
    if method == "remove":
        return _render_removal(removal, fmt, top, dataset, spec)
    try:
        with _progress_bar() as progress:
            if method == "sobol":
                sa = run_sensitivity(dataset, spec, space, progress=progress, **kwargs)
                ua = sa.uncertainty
            else:
                sa = None
                ua = uncertainty(dataset, spec, space, method="ua", progress=progress, **kwargs)
        if not no_cache:
            save_cache(ua.nominal, ua)
        report = sa if sa is not None else ua
        if out is not None:
            write_workbook(report.to_frames(), out, inputs=(data, settings),
                        about=_about(dataset, spec, {"analysis": method, "n": ua.n, "replicates": ua.n_replicates,
                                                     "seed": ua.seed, "inputs varied": ", ".join(ua.space.varied)}))
    except ReadinessError as exc:
        _user_error(exc)
    if fmt == "json":
        payload = report.to_dict()
        payload.setdefault("dataset", dataset.label)
        payload.setdefault("version", dataset.version or None)
        click.echo(json.dumps(payload, indent=2, allow_nan=False))
    elif fmt == "csv":
        click.echo(ua.countries.to_csv(), nl=False)
    else:
        _render_table(ua, sa, top)
