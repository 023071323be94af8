"""``readiness brief``: a country's PDF (or HTML) brief, or every country's with ``--all``.

WeasyPrint is imported by :mod:`readiness.briefs` only when the
command runs.
"""

from __future__ import annotations

import contextlib

from pathlib import Path

import click

from ..errors import SpecError
from .errors import command
from .options import data_options
from .render import progress_bar

__all__ = ["brief"]


def _peers(text):
    return [p.strip() for p in str(text).split(",") if p.strip()] if text else []


@command("brief")
@click.option("--country", "-c", help="ISO2 or ISO3 code or name, e.g. KE, KEN or Kenya.")
@click.option("--all", "all_countries", is_flag=True, help="Every country in the dataset, into the folder -o.")
@click.option("--output", "-o", type=click.Path(dir_okay=True, writable=True),
              help="File to write (default: ISO3.pdf here); with --all, the folder.")
@click.option("--peers", metavar="CODES", help="Comma-separated peers whose median is shown, e.g. UGA,TZA,RWA.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf", show_default=True,
              help="PDF (tagged, A4) or one self-contained HTML file.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --all: worker processes.")
@data_options
def brief(country, all_countries, output, peers, fmt, workers, inputs):
    """A two-to-four-page brief on a country: scores, rank interval, charts, levers and the data annex.

    Writes ISO3.pdf in the current folder (or the file given with -o; an existing file is
    replaced atomically) and prints its path. --all writes every country's brief and an
    index.html into the folder given with -o, and prints a summary line.

    Example: readiness brief --country KE --peers UGA,TZA,RWA
    """
    if all_countries == bool(country):
        raise click.UsageError("give either --country or --all")
    _not_an_input(output, inputs.files)
    if all_countries:
        return _all(inputs.result(), output, fmt, _peers(peers), workers)
    from ..briefs.ahead import RenderAhead

    with RenderAhead() if fmt == "pdf" else contextlib.nullcontext() as ahead:
        _one(country, output, peers, fmt, inputs, ahead)


def _one(country, output, peers, fmt, inputs, ahead):
    result = inputs.result()
    from ..api import resolve_country
    from ..briefs import brief_uncertainty, write_brief

    iso3 = resolve_country(result.dataset, country)
    path = Path(output) if output else Path(f"{iso3}.{fmt}")
    if path.is_dir():
        path = path / f"{iso3}.{fmt}"
    ua = None
    if iso3 in result.scores.index:
        with progress_bar("uncertainty replicates") as progress:
            ua = brief_uncertainty(result, progress=progress)
    write_brief(result, iso3, path, fmt=fmt, peers=_peers(peers), ua=ua, inputs=inputs.files,
                render_pdf=ahead.pdf if ahead is not None else None)
    click.echo(str(path))


def _not_an_input(output, files):
    """Refuse, before any work, an output that names one of the input files."""
    import os

    if output and Path(output).is_file():
        for src in files:
            if Path(src).exists() and os.path.samefile(src, output):
                raise SpecError(f"the output {output} is one of the inputs of this run; choose a new file name")


def _all(result, output, fmt, peers, workers):
    from ..briefs import brief_all

    if not output:
        raise SpecError("--all needs the folder to write into: -o FOLDER")
    with progress_bar("briefs") as progress:
        summary = brief_all(result, output, fmt=fmt, peers=peers, workers=workers, progress=progress)
    failed = summary["failed"]
    click.echo(f"{len(summary['written'])} briefs written to {output}, {len(failed)} failed; index: "
               f"{summary['index']}")
    for iso3, reason in failed.items():
        click.echo(f"  {iso3}: {reason}", err=True)
    if failed:
        raise SystemExit(1)
