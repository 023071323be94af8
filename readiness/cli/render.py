"""One renderer per output format, and the helpers tables on screen share.

A command hands :func:`emit` what it has: the JSON ``payload`` (built by a library
function), the ``frame`` for CSV, and a ``table`` function that draws the rich view on a
console. :data:`RENDERERS` maps each ``--format`` name to its renderer, so adding a
format means adding one function here (``format_option`` offers whatever is in the map).

Text from data (country and indicator names, notes) is shown through :func:`text`, which
drops control characters (a name cannot move the cursor, clear the screen or reverse the
text direction) and escapes rich markup. Numbers are rounded by
:func:`readiness.serialise.display` (the one display rule).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Callable

import click


__all__ = ["wrapped", "RENDERERS", "FORMATS", "emit", "console", "text", "plain", "new_table", "num", "footer",
           "progress_bar"]

# C0 and C1 controls, DEL, and the bidirectional overrides and isolates
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile("[\t\n]+")



def num(value, kind: str = "score") -> str:
    """``value`` rounded for display by :func:`readiness.serialise.display` (the one display rule)."""
    from ..serialise import display

    return display(value, kind)


def plain(value) -> str:
    """``value`` as one line of text safe for a terminal (no control characters)."""
    if value is None:
        return ""
    return _CONTROL.sub("", _SPACE.sub(" ", str(value)))


def wrapped(line: str, *, indent: str = "  ") -> str:
    """``line`` wrapped to the terminal's width (``COLUMNS``, else 80); continuation lines
    indented; long words such as URLs are never split."""
    import shutil
    import textwrap

    width = shutil.get_terminal_size((80, 24)).columns
    return textwrap.fill(line, width=max(40, width), subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)


def text(value) -> str:
    """:func:`plain` with rich markup escaped: for text from data inside rich output."""
    from rich.markup import escape

    return escape(plain(value))


def console():
    """A rich console for stdout: no soft wrapping, no syntax highlighting of numbers.

    Its width is the terminal's, or ``$COLUMNS``, or 80 when output is not a terminal.
    """
    from rich.console import Console

    return Console(soft_wrap=False, highlight=False)


def new_table(*columns, **options):
    """A rich table in the house style; ``columns`` are names or ``(name, justify)`` pairs."""
    from rich.table import Table

    options.setdefault("show_edge", False)
    options.setdefault("header_style", "bold")
    table = Table(**options)
    for col in columns:
        name, justify = (col, "left") if isinstance(col, str) else col
        table.add_column(name, justify=justify)
    return table


@contextmanager
def progress_bar(label: str = "replicates"):
    """A ``progress(done, total)`` callback drawing a bar on stderr, or None when stderr is not a terminal."""
    from rich.console import Console

    err = Console(stderr=True)
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                  transient=True) as bar:
        task = None

        def update(done, total):
            nonlocal task
            if task is None:
                task = bar.add_task(label, total=total)
            bar.update(task, completed=done)

        yield update


def footer(con, line: str) -> None:
    """A dim line under a table (the data, settings and fingerprint)."""
    con.print(f"[dim]{line}[/dim]")


def write(out: str) -> None:
    """Write ``out`` to stdout, and hand it to :mod:`readiness.cli.memo` (which may print it again)."""
    from .memo import record

    record(out)
    click.echo(out, nl=False, color=True)


def render_json(payload=None, frame=None, table=None):
    if payload is None:
        raise click.UsageError("this command has no JSON output")
    from ..serialise import dumps

    write(dumps(payload) + "\n")


def render_csv(payload=None, frame=None, table=None):
    if frame is None:
        raise click.UsageError("this command has no CSV output")
    from ..serialise import to_csv

    write(to_csv(frame))


def render_table(payload=None, frame=None, table=None):
    if table is None:
        raise click.UsageError("this command has no table output")
    con = console()
    with con.capture() as captured:
        table(con)
    write(captured.get())


#: ``--format`` name -> renderer(payload, frame, table).
RENDERERS: dict[str, Callable] = {"table": render_table, "json": render_json, "csv": render_csv}
FORMATS = tuple(RENDERERS)


def emit(fmt: str, *, payload=None, frame=None, table: Callable | None = None) -> None:
    """Write a command's output in format ``fmt``.

    Parameters
    ----------
    fmt : str
        A key of :data:`RENDERERS` (``table``, ``json`` or ``csv``).
    payload : dict, optional
        The JSON output (from a library function; serialised by :func:`readiness.serialise.dumps`).
    frame : DataFrame, optional
        The CSV output (written by :func:`readiness.serialise.to_csv`).
    table : callable, optional
        ``table(console)`` draws the rich view.
    """
    RENDERERS[fmt](payload=payload, frame=frame, table=table)
