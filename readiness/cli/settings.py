"""``readiness settings``: every setting, its default, what it accepts and what it does."""

from __future__ import annotations

from .errors import command
from .options import data_options, format_option
from .render import emit, footer, text

__all__ = ["settings"]


@command("settings")
@data_options
@format_option
def settings(inputs, fmt):
    """List every setting with its default, allowed values or range, and help.

    Change one with --set NAME=VALUE on any command, or many in a --settings file.
    With --data, --settings or --set, the table also shows the values in effect.

    Example: readiness settings --format csv
    """
    from ..serialise import common_keys
    from ..settings import settings_table

    table = settings_table()
    spec = inputs.spec()
    payload = {"fields": table, **common_keys(inputs.dataset(), spec)}
    emit(fmt, payload=payload, frame=table, table=lambda con: _table(con, table, spec))


def _table(con, table, spec):
    from rich.padding import Padding

    from ..api import settings_summary

    changed = spec.changes()
    for group, rows in table.groupby("group", sort=False):
        con.print(f"[bold]{text(group)}[/bold]")
        for r in rows.to_dict("records"):
            now = f" · now {text(_show(changed[r['name']]))}" if r["name"] in changed else ""
            con.print(Padding(f"[bold]{text(r['name'])}[/bold] = {text(r['default'])}{now} · "
                              f"{text(r['allowed'])}", (0, 0, 0, 2), expand=False))
            con.print(Padding(text(r["help"]), (0, 0, 0, 6), expand=False))
    footer(con, f"{len(table)} settings · {text(settings_summary(spec))} · "
                "set one with --set NAME=VALUE, many with --settings FILE")


def _show(value):
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
