"""``readiness template`` and ``readiness export``: Excel in and out (see docs/excel.md)."""

from __future__ import annotations

import shlex

import click

from .errors import command
from .options import data_options, dataset_option

__all__ = ["template", "export"]


@command("template")
@click.option("-o", "--output", default="template.xlsx", show_default=True, type=click.Path(dir_okay=False),
              help="The workbook to write (.xlsx).")
@click.option("--country", "-c", "country", multiple=True,
              help="Prefill Data for this country only (ISO2 or ISO3 code or name; repeatable). Default: all.")
@click.option("--blank", is_flag=True, help="Leave Data and Provenance empty (framework and countries kept).")
@dataset_option
def template(output, country, blank, data):
    """Write a workbook to fill in: Instructions, Data, Provenance and the framework.

    Untouched, it scores exactly like the data it came from. For one country it is the
    file to edit and pass back with --update.

    Example: readiness template --country KE -o kenya.xlsx
    """
    from ..io.load import load_dataset
    from ..io.template import write_template

    dataset = load_dataset(data)
    path = write_template(output, dataset, country or None, blank=blank, inputs=[data] if data else ())
    n = 0 if blank else (len(country) if country else len(dataset.values))
    what = "empty Data" if blank else f"Data for {n} countr{'y' if n == 1 else 'ies'}"
    click.echo(f"Wrote {path}: {what} x {dataset.values.shape[1]} indicators.")
    click.echo("Also: Instructions, Provenance, the framework (protected), Countries, Settings.")
    if country and not blank:
        click.echo("Edit values, and their year and source in Provenance, then:")
        click.echo(f"  readiness score --country {shlex.quote(country[0])} --update {shlex.quote(str(path))}")


def _command_line(inputs, output) -> str:
    words = ["readiness", "export", "-o", str(output)]
    for flag, value in (("--data", inputs.data), ("--settings", inputs.settings), ("--trade", inputs.trade),
                        ("--update", inputs.update)):
        if value is not None:
            words += [flag, str(value)]
    for item in inputs.overrides:
        words += ["--set", item]
    return shlex.join(words)


@command("export")
@click.option("-o", "--output", default="results.xlsx", show_default=True, type=click.Path(dir_okay=False),
              help="The workbook to write (.xlsx); never one of the inputs.")
@data_options
def export(output, inputs):
    """Write the results to one workbook: About, Index, Indicators, Explain, Not scored, Provenance, Sources.

    Example: readiness export --update kenya.xlsx -o results.xlsx
    """
    from ..io.export import SHEETS, write_export

    result = inputs.result()
    path = write_export(result, output, inputs=inputs.files, command=_command_line(inputs, output))
    scored = int(result.scores[result.index_code].notna().sum())
    click.echo(f"Wrote {path}: {scored} countries scored, {len(result.not_scored)} not.")
    click.echo(f"Sheets: {', '.join(SHEETS)}.")
