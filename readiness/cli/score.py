"""``readiness score``: one or more countries' composite and dimension scores, ranks and peers."""

from __future__ import annotations

import click

from .errors import command
from .memo import memoised
from .options import country_option, data_options, format_option
from .render import emit, footer, new_table, num, progress_bar, text

__all__ = ["score"]

ORIGINS = ("United States", "China", "Europe", "other")


def _incomplete_note(mode):
    if mode == "impute":
        return "imputed dimension: no data of its own, estimated from peers (incomplete = impute)"
    return "dimension without a score: the composite averages the others (incomplete = partial)"


@command("score")
@memoised
@country_option(multiple=True)
@click.option("--detail", is_flag=True,
              help="JSON: add `detail`, one row per indicator (as `readiness explain` shows).")
@click.option("--uncertainty", "with_uncertainty", is_flag=True, hidden=True,
              help="Kept for old scripts: the rank interval is now always shown.")
@data_options
@format_option
def score(country, detail, with_uncertainty, inputs, fmt):
    """A country's composite score and rank, each dimension's, and its peers' medians.

    The 5-95% rank interval comes from the default seeded uncertainty analysis of the same
    data and settings (computed once, then cached): the same command always prints the
    same thing. Several --country options show several countries.

    Example: readiness score --country KE --format json
    """
    from .. import api

    result = inputs.result()
    with progress_bar() as progress:
        if len(country) == 1:
            payload = api.profile(result, country[0], uncertainty=True, detail=detail, progress=progress)
            shown = [payload]
        else:
            payload = api.profiles(result, country, uncertainty=True, detail=detail, progress=progress)
            shown = payload["profiles"]
    emit(fmt, payload=payload, frame=_frame(shown), table=lambda con: _tables(con, shown))


def _frame(profiles):
    """CSV rows: the composite and each dimension of every country shown."""
    import pandas as pd

    rows = []
    for prof in profiles:
        base = {"country": prof["country"]}
        rows.append({**base, "node": "index", "name": "Composite", "score": prof["score"], "rank": prof["rank"],
                     "n": prof["n"]})
        rows += [{**base, "node": d["code"], "name": d["name"], "score": d["score"], "rank": d["rank"],
                  "n": prof["n"]} for d in prof["dimensions"]]
    frame = pd.DataFrame(rows, columns=["country", "node", "name", "score", "rank", "n"])
    frame["rank"] = frame["rank"].astype("Int64")
    return frame


def _tables(con, profiles):
    for i, prof in enumerate(profiles):
        if i:
            con.print()
        _profile(con, prof)


def _profile(con, prof):
    from ..api import settings_summary
    from ..spec import Spec

    bits = [text(b) for b in (prof["region"], prof["income_group"]) if b]
    con.print(f"[bold]{text(prof['name'])}[/bold] ({prof['country']})" + (" · " + " · ".join(bits) if bits else ""))
    if not prof["scored"]:
        con.print(text(prof["reason"]))
    else:
        con.print(f"Composite score [bold]{num(prof['score'], 'composite')}[/bold] · rank [bold]{prof['rank']}"
                  f"[/bold] of {prof['n']}")
        unc = prof.get("uncertainty")
        if unc:
            con.print(f"Rank interval (5-95%): {unc['q05']}-{unc['q95']} over {unc['replicates']:,} replicates")
            con.print(f"[dim]  varying {', '.join(unc['inputs'] or [])}[/dim]")
    table = new_table("Dimension", ("Score", "right"), ("Rank", "right"), ("Region median", "right"),
                      ("Income-group median", "right"))
    for d in prof["dimensions"]:
        mark = " *" if d.get("imputed") else ""
        table.add_row(text(d["name"]) + mark, num(d["score"]), num(d["rank"], "rank"),
                      num(d["region_median"], "median"), num(d["income_group_median"], "median"))
    con.print(table)
    if prof.get("imputed_dimensions"):
        con.print(f"* {_incomplete_note(prof.get('incomplete'))}")
    for key, label in (("region", "Region"), ("income_group", "Income group")):
        p = prof["peers"][key]
        if p["group"]:
            con.print(f"{label} median ({text(p['group'])}, {p['n']} countries): {num(p['median'], 'median')}")
    cov = prof["coverage"]
    imputed = f" ({', '.join(cov['imputed_indicators'])})" if cov["imputed"] else ""
    con.print(f"Data coverage: {cov['present']} of {cov['indicators']} indicators present, "
              f"{cov['imputed']} imputed{imputed}")
    if cov.get("updated_indicators"):
        con.print(f"Updated by your --update file: {text(', '.join(cov['updated_indicators']))} "
                  "(values, years and sources in its Provenance)")
    if cov["missing_indicators"]:
        con.print(f"Missing, not imputed (the rest of their dimension carries their weight): "
                  f"{', '.join(cov['missing_indicators'])}")
    origins = prof.get("localisation_origins")
    if origins:
        shares = ", ".join(f"{text(k)} {num(origins[k], 'percent')}%" for k in ORIGINS if origins.get(k) is not None)
        con.print(f"Population served by open-weight models, by developer origin: {shares}")
        if origins.get("at_least_two_origins") is not None:
            single = origins.get("single_origin_country")
            con.print(f"Served by models of at least two origins: {num(origins['at_least_two_origins'], 'percent')}%"
                      + (f" (one origin only: {text(single)})" if single else ""))
    if "detail" in prof:
        con.print(f"Detail by indicator: `readiness explain --country {prof['country']}` (or --format json).")
    version = f" {text(prof['version'])}" if prof["version"] else ""
    footer(con, f"Data: {text(prof['dataset'])}{version} · "
                f"{text(settings_summary(Spec.from_mapping(prof['settings'])))} · fingerprint "
                f"{prof['data_fingerprint']}")
