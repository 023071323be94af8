"""The ``readiness`` command line: argument parsing, one or two API calls, rendering.

No method logic lives here. Any :class:`ReadinessError` becomes ``Error: ...`` on
stderr with exit status 2; ``--debug`` shows the traceback too. Heavy packages
(WeasyPrint, matplotlib, scikit-learn) are imported only inside the commands that
need them.
"""

from __future__ import annotations

import io
import json
import math

import click

from .._validation import ReadinessError

EXIT_USER_ERROR = 2


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings from the library as one 'Warning: ...' line on stderr (no source path)."""
    click.echo(f"Warning: {message}", err=True)


class _Group(click.Group):
    """A click group that turns user errors into ``Error: ...`` and exit status 2."""

    def invoke(self, ctx):
        import warnings

        if not ctx.params.get("debug"):
            warnings.showwarning = _show_warning
        try:
            return super().invoke(ctx)
        except ReadinessError as exc:
            if ctx.params.get("debug"):
                raise
            for line in exc.problems:
                click.echo(f"Error: {line}", err=True)
            ctx.exit(EXIT_USER_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for user errors too.")
@click.version_option(package_name="readiness")
def cli(debug):
    """Sovereign AI readiness: score, rank and stress-test countries' readiness to build and run AI.

    Example: readiness score --country KE
    """


def data_options(func):
    """--data, --settings and --set, spelt alike by every command."""
    func = click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
                        help="Change one setting, e.g. --set normalisation=zscore (repeatable).")(func)
    func = click.option("--settings", type=click.Path(exists=True, dir_okay=False),
                        help="Settings file (.toml, or .csv with setting,value).")(func)
    func = click.option("--trade", type=click.Path(exists=True, dir_okay=False),
                        help="Bilateral chip-trade CSV (importer, exporter, year, value): chip concentration "
                             "is computed from it.")(func)
    func = click.option("--data", type=click.Path(exists=True),
                        help="Workbook (.xlsx) or folder of CSV files; default: the embedded dataset.")(func)
    return func


def format_option(func):
    return click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                        show_default=True, help="Output format.")(func)


def _build(data, settings, overrides, trade=None):
    from .. import api
    from ..io.load import load_dataset
    from ..pipeline import build

    dataset = load_dataset(data, trade=trade)
    spec = api.resolve_spec(dataset, settings, overrides)
    return build(dataset, spec)


def _json(obj):
    def clean(o):
        if isinstance(o, float) and math.isnan(o):
            return None
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [clean(v) for v in o]
        if hasattr(o, "item"):
            return clean(o.item())
        return o

    click.echo(json.dumps(clean(obj), indent=2, ensure_ascii=False))


def _csv(frame):
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    click.echo(buf.getvalue(), nl=False)


def _fmt(x, digits=1):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _console():
    from rich.console import Console

    return Console(soft_wrap=False, highlight=False)


@cli.command()
@click.option("--country", "-c", required=True, help="ISO2 or ISO3 code or name, e.g. KE, KEN or Kenya.")
@click.option("--uncertainty", "with_uncertainty", is_flag=True,
              help="Run the default uncertainty analysis if none is cached, to show the 5-95% rank interval.")
@data_options
@format_option
def score(country, with_uncertainty, data, trade, settings, overrides, fmt):
    """A country's composite score and rank, each dimension's, and its peers' medians.

    The 5-95% rank interval is shown when `readiness sensitivity` has been run on the same
    data and settings, or with --uncertainty.

    Example: readiness score --country KE --format json
    """
    from .. import api

    result = _build(data, settings, overrides, trade)
    prof = api.profile(result, country)
    prof["uncertainty"] = api.rank_uncertainty(result, country, compute=with_uncertainty)
    if fmt == "json":
        return _json(prof)
    if fmt == "csv":
        import pandas as pd

        rows = [{"node": "index", "name": "Composite", "score": prof["score"], "rank": prof["rank"]}]
        rows += [{"node": d["code"], "name": d["name"], "score": d["score"], "rank": d["rank"]}
                 for d in prof["dimensions"]]
        frame = pd.DataFrame(rows)
        frame.insert(0, "country", prof["country"])
        frame["n"] = prof["n"]
        return _csv(frame)
    _render_profile(prof)


def _render_profile(prof):
    from rich.table import Table

    con = _console()
    bits = [b for b in (prof["region"], prof["income_group"]) if b]
    con.print(f"[bold]{prof['name']}[/bold] ({prof['country']})" + (" · " + " · ".join(bits) if bits else ""))
    if not prof["scored"]:
        con.print(f"{prof['reason']}")
    else:
        con.print(f"Composite score [bold]{_fmt(prof['score'], 2)}[/bold] · rank [bold]{prof['rank']}[/bold] "
                  f"of {prof['n']}")
        unc = prof.get("uncertainty")
        if unc:
            con.print(f"Rank interval (5-95%): {unc['q05']}-{unc['q95']} over {unc['replicates']} replicates "
                      f"varying {', '.join(unc['inputs'] or [])}")
    table = Table(show_edge=False, header_style="bold")
    for col, just in (("Dimension", "left"), ("Score", "right"), ("Rank", "right"),
                      ("Region median", "right"), ("Income-group median", "right")):
        table.add_column(col, justify=just)
    for d in prof["dimensions"]:
        table.add_row(d["name"], _fmt(d["score"]), str(d["rank"] or "–"), _fmt(d["region_median"]),
                      _fmt(d["income_group_median"]))
    con.print(table)
    peers = prof["peers"]
    for key, label in (("region", "Region"), ("income_group", "Income group")):
        p = peers[key]
        if p["group"]:
            con.print(f"{label} median ({p['group']}, {p['n']} countries): {_fmt(p['median'])}")
    cov = prof["coverage"]
    con.print(f"Data coverage: {cov['present']} of {cov['indicators']} indicators present, "
              f"{cov['imputed']} imputed" + (f" ({', '.join(cov['imputed_indicators'])})" if cov["imputed"] else ""))
    if cov["missing_indicators"]:
        con.print(f"Missing, not imputed (the rest of their dimension carries their weight): "
                  f"{', '.join(cov['missing_indicators'])}")
    version = f" {prof['version']}" if prof["version"] else ""
    from ..api import settings_summary
    from ..spec import Spec

    con.print(f"[dim]Data: {prof['dataset']}{version} · {settings_summary(Spec.from_mapping(prof['settings']))} · "
              f"fingerprint {prof['data_fingerprint']}[/dim]")


@cli.command()
@click.option("--top", type=click.IntRange(min=1), help="Show only the first N countries.")
@click.option("--level", help="Rank on this node (a dimension code) instead of the index.")
@data_options
@format_option
def rank(top, level, data, trade, settings, overrides, fmt):
    """The league table, best first.

    Example: readiness rank --top 20
    """
    from .. import api

    result = _build(data, settings, overrides, trade)
    table = api.league_table(result, level=level, top=top)
    if fmt == "json":
        return _json({"level": level or result.index_code, "n": int(result.scores[level or result.index_code]
                                                                    .notna().sum()),
                      "countries": table.to_dict("records"), "settings": result.spec.to_dict(),
                      "data_fingerprint": result.fingerprint()})
    if fmt == "csv":
        return _csv(table)
    from rich.table import Table

    t = Table(show_edge=False, header_style="bold")
    t.add_column("Rank", justify="right")
    t.add_column("Country", no_wrap=True, overflow="ellipsis", max_width=30)
    t.add_column("Score", justify="right")
    extra = [c for c in table.columns if c not in ("rank", "country", "name", "score")]
    for c in extra:  # dimension codes keep the table within 80 columns; names are in `readiness indicators`
        t.add_column(c, justify="right")
    for row in table.itertuples(index=False):
        r = row._asdict()
        t.add_row(str(r["rank"]), f"{r['name']} ({r['country']})", _fmt(r["score"]),
                  *[_fmt(r[c]) for c in extra])
    con = _console()
    con.print(t)
    if len(result.not_scored):
        con.print(f"[dim]{len(result.not_scored)} countries not scored (coverage below "
                  f"{result.spec.coverage_min:.0%}); see `readiness validate`.[/dim]")
    from ..api import settings_summary

    con.print(f"[dim]{settings_summary(result.spec)} · fingerprint {result.fingerprint()}[/dim]")


@cli.command()
@data_options
def validate(data, trade, settings, overrides):
    """Check a workbook and report every problem at once, with sheet and cell.

    Lists the countries that will not be scored (coverage below the settings' coverage_min).

    Example: readiness validate --data my_country.xlsx
    """
    from .. import api
    from ..io.load import load_dataset
    from ..screen import coverage

    ds = load_dataset(data, trade=trade)
    spec = api.resolve_spec(ds, settings, overrides)
    cov = coverage(ds.values)
    click.echo(f"OK: {ds.values.shape[0]} countries, {ds.values.shape[1]} indicators, "
               f"{len(ds.structure)} aggregates; {int(ds.values.isna().sum().sum())} missing values.")
    low = cov[cov < spec.coverage_min - 1e-12].sort_values()
    if len(low):
        click.echo(f"{len(low)} countries will not be scored (coverage below {spec.coverage_min:.0%}):")
    for c, v in low.items():
        click.echo(f"  {c} {ds.countries.at[c, 'name']}: coverage {v:.0%}")


@cli.command()
@click.option("--data", type=click.Path(exists=True), help="Workbook (.xlsx) or folder of CSV files.")
@format_option
def indicators(data, fmt):
    """List the indicator framework: code, dimension, unit, source, year, licence, countries covered.

    Example: readiness indicators --format csv
    """
    from .. import api
    from ..io.load import load_dataset

    ds = load_dataset(data)
    table = api.indicator_list(ds)
    if fmt == "json":
        return _json({"dataset": ds.label, "version": ds.version or None, "dataset_fingerprint": ds.fingerprint(),
                      "n_countries": int(ds.values.shape[0]), "indicators": table.to_dict("records")})
    if fmt == "csv":
        return _csv(table)
    from rich.table import Table

    t = Table(show_edge=False, header_style="bold")
    t.add_column("Code", no_wrap=True)
    t.add_column("Name · unit", ratio=3)
    t.add_column("Dir", justify="right")
    t.add_column("Source · licence", ratio=2)
    t.add_column("Year", justify="right")
    t.add_column("N", justify="right")
    for dim, rows in table.groupby("dimension", sort=False):
        t.add_row(f"[bold]{ds.node_name(dim)}[/bold]", "", "", "", "", "")
        for r in rows.to_dict("records"):
            licence = str(r["licence"]).split(";")[0].split(":")[0]  # full text in --format csv/json
            t.add_row(r["code"], f"{r['name']} · {r['unit']}", f"{r['direction']:+d}", f"{r['source']} · {licence}",
                      str(r["year"]), str(r["countries"]))
    con = _console()
    con.print(t)
    version = f" {ds.version}" if ds.version else ""
    con.print(f"[dim]{len(table)} indicators, {ds.values.shape[0]} countries · data {ds.label}{version} · "
              f"dataset fingerprint {ds.fingerprint()}[/dim]")


@cli.command()
@click.option("--data", type=click.Path(exists=True), help="Workbook (.xlsx) or folder of CSV files.")
@format_option
def sources(data, fmt):
    """Print the attributions a publication using these data must carry.

    Example: readiness sources
    """
    from .. import api
    from ..io.load import load_dataset

    ds = load_dataset(data)
    table = api.attributions(ds)
    if fmt == "json":
        return _json({"dataset": ds.label, "version": ds.version or None, "dataset_fingerprint": ds.fingerprint(),
                      "sources": table.to_dict("records")})
    if fmt == "csv":
        return _csv(table)
    for r in table.to_dict("records"):
        click.echo(f"- {r['citation'] or r['name'] or r['source']}")
        details = " · ".join(str(x) for x in (r["publisher"], r["licence"], r["url"]) if x)
        if details:
            click.echo(f"  {details}")
    version = f" {ds.version}" if ds.version else ""
    click.echo(f"Data: {ds.label}{version} · dataset fingerprint {ds.fingerprint()}")


from .sensitivity import sensitivity as _sensitivity  # noqa: E402

cli.add_command(_sensitivity)


def main():  # pragma: no cover - the console script
    cli(prog_name="readiness")


if __name__ == "__main__":  # pragma: no cover
    main()
