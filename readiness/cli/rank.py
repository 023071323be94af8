"""``readiness rank``: the league table."""

from __future__ import annotations

import click

from .errors import command
from .memo import memoised
from .options import data_options, format_option
from .render import emit, footer, new_table, num, text

__all__ = ["rank"]


@command("rank")
@memoised
@click.option("--top", type=click.IntRange(min=0), default=0,
              help="Show only the first N countries (0, the default: all).")
@click.option("--level", metavar="CODE",
              help="Rank on this node instead of the index: a dimension code, any case (the codes are the "
                   "table's column headers, and `readiness indicators` lists them).")
@data_options
@format_option
def rank(top, level, inputs, fmt):
    """The league table, best first.

    Example: readiness rank --top 20
    """
    from .. import api

    result = inputs.result()
    payload = api.league_payload(result, level=level, top=top)
    table = api.league_table(result, level=payload["level"], top=top)
    emit(fmt, payload=payload, frame=table, table=lambda con: _table(con, result, table, payload["level"]))


def _table(con, result, table, node):
    from ..api import settings_summary

    kind = "composite" if node == result.index_code else "score"
    t = new_table(("Rank", "right"))
    t.add_column("Country", no_wrap=True, overflow="ellipsis", max_width=30)
    t.add_column("Score", justify="right")
    extra = [c for c in table.columns if c not in ("rank", "country", "name", "score", "imputed_dimensions")]
    for c in extra:  # dimension codes keep the table within 80 columns; names are in `readiness indicators`
        t.add_column(text(c), justify="right")
    flagged = 0
    for r in table.to_dict("records"):
        imputed = set(filter(None, r["imputed_dimensions"].split(";")))
        flagged += bool(imputed)
        t.add_row(num(r["rank"], "rank"), f"{text(r['name'])} ({r['country']})" + (" *" if imputed else ""),
                  num(r["score"], kind), *[num(r[c]) + ("*" if c in imputed else "") for c in extra])
    con.print(t)
    if flagged:
        how = ("imputed from peers" if result.spec.incomplete == "impute"
               else "missing, the composite averaging the others")
        con.print(f"* {flagged} countries shown rest on dimensions {how} (incomplete = {result.spec.incomplete}); "
                  "the starred columns are those dimensions.")
    if len(result.not_scored):
        footer(con, f"{len(result.not_scored)} countries not scored; `readiness validate` lists them and why.")
    footer(con, f"{text(settings_summary(result.spec))} · fingerprint {result.fingerprint()}")
