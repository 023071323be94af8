"""``readiness validate``, ``indicators`` and ``sources``: what is in the data."""

from __future__ import annotations

import click

from .errors import command
from .options import Inputs, data_options, dataset_option, format_option
from .render import emit, footer, new_table, num, plain, text, wrapped

__all__ = ["validate", "indicators", "sources"]


@command("validate")
@data_options
@format_option
def validate(inputs, fmt):
    """Check a workbook and report every problem at once, with sheet and cell.

    Lists the countries that will not be scored under the settings, exactly as
    `readiness rank` leaves them out (it builds the index to find them).

    Example: readiness validate --data my_country.xlsx
    """
    import pandas as pd

    from .. import api

    report = api.validation_report(inputs.result())
    frame = pd.DataFrame(report["not_scored"], columns=["country", "name", "coverage", "reason"])
    emit(fmt, payload=report, frame=frame, table=lambda con: _validation(report))


def _validation(report):
    click.echo(f"OK: {report['countries']} countries, {report['indicators']} indicators, "
               f"{report['aggregates']} aggregates; {report['missing_values']} missing values.")
    rows = report["not_scored"]
    if not rows:
        click.echo(f"All {report['scored']} countries will be scored.")
        return
    click.echo(f"{report['scored']} countries will be scored; {len(rows)} will not:")
    for r in rows:
        click.echo(wrapped(f"  {r['country']} {plain(r['name'])}: {plain(r['reason'])}", indent="    "))


@command("indicators")
@dataset_option
@format_option
def indicators(data, fmt):
    """List the indicator framework: code, name, direction, year and countries covered.

    Units, sources and licences are in --format csv or json (and `readiness sources`).

    Example: readiness indicators --format csv
    """
    from .. import api

    ds = Inputs(data=data).dataset()
    table = api.indicator_list(ds)
    payload = api.dataset_payload(ds, "indicators", table)
    emit(fmt, payload=payload, frame=table, table=lambda con: _indicators(con, ds, table))


def _indicators(con, ds, table):
    codes = [text(c) for c in table["code"]] + [text(d) for d in table["dimension"]]
    code_width = max(map(len, codes + ["Code"]))
    n_width = max(len(str(n)) for n in list(table["countries"]) + ["N"])
    # one line per indicator: the name (and unit) takes what the other columns leave, cut with an ellipsis
    name_width = max(12, con.width - code_width - 3 - 4 - n_width - 14)
    t = new_table()
    t.add_column("Code", no_wrap=True)
    t.add_column("Name (unit)", no_wrap=True, overflow="ellipsis", width=name_width)
    t.add_column("Dir", justify="right", no_wrap=True)
    t.add_column("Year", justify="right", no_wrap=True)
    t.add_column("N", justify="right", no_wrap=True)
    for dim, rows in table.groupby("dimension", sort=False):
        t.add_section()
        t.add_row(f"[bold]{text(dim)}[/bold]", f"[bold]{text(ds.node_name(dim))}[/bold]", "", "", "")
        for r in rows.to_dict("records"):
            unit = f" ({text(r['unit'])})" if plain(r["unit"]) else ""
            t.add_row(text(r["code"]), f"{text(r['name'])}{unit}", f"{r['direction']:+d}", text(r["year"]),
                      num(r["countries"], "rank"))
    con.print(t)
    version = f" {text(ds.version)}" if ds.version else ""
    footer(con, f"{len(table)} indicators, {ds.values.shape[0]} countries · data {text(ds.label)}{version} · "
                f"dataset fingerprint {ds.fingerprint()}")


@command("sources")
@dataset_option
@format_option
def sources(data, fmt):
    """Print the attributions a publication using these data must carry.

    Example: readiness sources
    """
    from .. import api

    ds = Inputs(data=data).dataset()
    table = api.attributions(ds)
    payload = api.dataset_payload(ds, "sources", table)
    emit(fmt, payload=payload, frame=table, table=lambda con: _sources(ds, table))


def _sources(ds, table):
    for r in table.to_dict("records"):
        click.echo(wrapped(f"- {plain(r['citation'] or r['name'] or r['source'])}"))
        details = " · ".join(plain(x) for x in (r["publisher"], r["licence"], r["url"]) if x)
        if details:
            click.echo(wrapped(f"  {details}", indent="    "))
    version = f" {plain(ds.version)}" if ds.version else ""
    click.echo(wrapped(f"Data: {plain(ds.label)}{version} · dataset fingerprint {ds.fingerprint()}"))
