"""``readiness explain``, ``compare``, ``whatif`` and ``levers``: why a country scores as it does, and what would move it.

Each command parses its options, makes one or two library calls
(:mod:`readiness.analysis.explain`, :mod:`~readiness.analysis.whatif`,
:mod:`~readiness.analysis.levers`) and renders the result; no method logic lives here.
"""

from __future__ import annotations

import click

from .errors import command
from .memo import memoised
from .options import country_option, data_options, format_option
from .render import emit, footer, new_table, num, text

__all__ = ["explain", "compare", "whatif", "levers"]


def _footer(con, result):
    from ..api import settings_summary

    ds = result.dataset
    version = f" {text(ds.version)}" if ds.version else ""
    footer(con, f"Data: {text(ds.label)}{version} · {text(settings_summary(result.spec))} · "
                f"fingerprint {result.fingerprint()}")


def _compact_table(*columns):
    """A table without separators (two spaces between columns), so that eight columns fit in 80."""
    table = new_table(box=None, pad_edge=False, padding=(0, 1))
    for name, justify, *rest in columns:
        table.add_column(name, justify=justify, no_wrap=True, overflow="ellipsis",
                         max_width=rest[0] if rest else None)
    return table


# -- explain ----------------------------------------------------------------------------
@command("explain")
@memoised
@country_option()
@click.option("--level", metavar="CODE", help="Only the indicators under this node (a dimension code, any case).")
@data_options
@format_option
def explain(country, level, inputs, fmt):
    """Why a country scores as it does: every indicator's value, score, rank and contribution.

    Contributions are the indicator's effective weight for the country (renormalised over
    the indicators it has) times its normalised score; under arithmetic means they add up
    to the composite.

    Example: readiness explain --country KE --level compute
    """
    from ..analysis.explain import explain as explain_rows, explain_payload

    result = inputs.result()
    payload = explain_payload(result, country, level=level)
    frame = explain_rows(result, country, level=level)
    emit(fmt, payload=payload, frame=frame, table=lambda con: _explain_table(con, result, frame))


def _explain_table(con, result, frame):
    from ..analysis.explain import format_value

    a = frame.attrs
    ds = result.dataset
    head = f"[bold]{text(a['name'])}[/bold] ({a['country']})"
    if a["scored"]:
        con.print(f"{head} · composite [bold]{num(a['score'], 'composite')}[/bold] · rank "
                  f"[bold]{num(a['rank'], 'rank')}[/bold] of {a['n']}")
    else:
        ns = a["not_scored"]
        con.print(f"{head} · {text(ns['reason'])}")
        dims = ", ".join(f"{ds.node_name(d)} {k}" for d, k in ns["dimensions_without_score"].items())
        con.print(f"{ns['needed']} more indicator(s) with data would make it scored (has {ns['present']} of "
                  f"{ns['indicators']}; needs {ns['coverage_min']:.0%} and a score in every dimension)")
        if dims:
            con.print(f"Of them, by dimension: {text(dims)}")
        con.print(f"Missing: {text(', '.join(ns['missing']))}")
    t = _compact_table(("Indicator", "left", 24), ("Value", "right", 9), ("Score", "right"), ("Rank", "right"),
                       ("Reg.", "right"), ("Inc.", "right"), ("Wt %", "right"), ("Contr.", "right"))
    notes = []
    group = "dimension" if a["level"] == result.index_code else "parent"
    for dim, rows in frame.groupby(group, sort=False):
        t.add_row(f"[bold]{text(ds.node_name(dim))}[/bold]", "", "", "", "", "", "", "")
        for r in rows.to_dict("records"):
            value = format_value(r["value"]) if r["status"] != "missing" else "–"
            if r["status"] == "imputed":
                value = "imputed"
            if r["treatment"]:
                value += "†"
                if r["treatment"] == "log":
                    notes.append(f"{r['indicator']}: log-treated (the whole indicator, COINr's fallback)")
                else:
                    notes.append(f"{r['indicator']}: {r['treatment']} to {format_value(r['treated'])}")
            t.add_row(text(r["indicator"]), value, num(r["score"]), num(r["rank"], "rank"),
                      num(r["region_median"], "median"), num(r["income_group_median"], "median"),
                      num(100 * r["weight"]), num(r["contribution"], "change"))
    con.print(t)
    if a["scored"]:
        total = "ln(composite)" if a["decomposition"] == "geometric" else "the composite"
        con.print(f"Contributions ({text(a['decomposition'])} mean) add up to {total}: "
                  f"{num(a['total'], 'change')}.")
        con.print("Reg., Inc.: the region's and income group's median scores.")
    for note in notes:
        con.print(f"† {text(note)}")
    con.print("[dim]Units, years and sources: --format csv or json.[/dim]")
    _footer(con, result)


# -- compare ----------------------------------------------------------------------------
@command("compare")
@memoised
@click.argument("countries", nargs=-1, required=True)
@click.option("--peers", metavar="GROUP|ISO3,...",
              help="region or income_group (adds the first country's group median), or more countries.")
@data_options
@format_option
def compare(countries, peers, inputs, fmt):
    """Countries side by side: index, dimensions and indicators, with ranks and gaps to the best.

    Example: readiness compare KE NG UG --peers region
    """
    from ..analysis.explain import compare_countries, compare_payload

    result = inputs.result()
    payload = compare_payload(result, list(countries), peers)
    frame = compare_countries(result, list(countries), peers)
    emit(fmt, payload=payload, frame=frame, table=lambda con: _compare_table(con, result, frame))


def _compare_table(con, result, frame):
    codes = frame.attrs["countries"]
    peers = frame.attrs.get("peers")
    cols = [("Node", "left", 22)]
    for c in codes:
        cols += [(c, "right"), ("gap", "right")]
    if peers:
        cols.append(("Peers", "right"))
    t = _compact_table(*cols)
    width = len(str(int(result.scores[result.index_code].notna().sum())))  # ranks padded: scores align
    for r in frame.to_dict("records"):
        kind = "composite" if r["level"] == max(frame["level"]) else "score"
        cells = []
        for c in codes:
            rank = num(r[c + "_rank"], "rank")
            cell = f"{num(r[c], kind)} {('#' + rank).rjust(width + 1)}" if r[c] == r[c] else "–"
            cells += [f"[bold]{cell}[/bold]" if r["best"] == c else cell,
                      "" if r["best"] == c else num(r[c + "_gap"], "score")]
        if peers:
            cells.append(num(r["peer_median"], "median"))
        label = text(r["node"]) if r["level"] == 1 else f"[bold]{text(r['node'])}[/bold]"
        t.add_row(label, *cells)
    con.print(t)
    n = int(result.scores[result.index_code].notna().sum())
    line = f"Score #rank (of {n}); gap: points behind the best of these (bold)."
    if peers:
        line += f" Peers: median of {text(peers['label'])} ({peers['n']})."
    con.print(line)
    _footer(con, result)


# -- whatif -----------------------------------------------------------------------------
def _pairs(items):
    out = {}
    for item in items:
        name, sep, value = str(item).partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected INDICATOR=VALUE, got {item!r}", param_hint="--value")
        out[name.strip()] = value.strip()
    return out


@command("whatif")
@memoised
@country_option()
@click.option("--value", "values", multiple=True, required=True, metavar="INDICATOR=VALUE",
              help="A raw value in the indicator's own unit, e.g. --value fixed_broadband=10 (repeatable).")
@data_options
@format_option
def whatif(country, values, inputs, fmt):
    """Rebuild the index with some of a country's values changed, and show what moves.

    The whole pipeline reruns (normalisation bounds and outlier treatment move if the new
    value moves them). A value outside what the indicator can take is an error.

    Example: readiness whatif --country KE --value fixed_broadband=10
    """
    from ..analysis.whatif import summary_frame, whatif as run_whatif, whatif_summary

    result = inputs.result()
    after = run_whatif(result, country, _pairs(values), where="--value")
    summary = whatif_summary(result, after, country)
    emit(fmt, payload=summary, frame=summary_frame(summary), table=lambda con: _whatif_table(con, after, summary))


def _whatif_table(con, after, s):
    from ..analysis.explain import format_value

    con.print(f"[bold]{text(s['name'])}[/bold] ({s['country']}): what if")
    for c in s["changes"]:
        con.print(f"  {text(c['indicator'])} = {format_value(c['after'])} (now {format_value(c['before'])}) "
                  f"{text(c['unit'])}")
    if not s["changes"]:
        con.print("  (every value as it is: nothing changes)")
    t = _compact_table(("", "left", 26), ("Score", "right"), ("→", "right"), ("Change", "right"),
                       ("Rank", "right"), ("→", "right"))
    t.add_row("[bold]Composite[/bold]", num(s["score"]["before"], "composite"), num(s["score"]["after"], "composite"),
              num(s["score"]["change"], "change"), num(s["rank"]["before"], "rank"), num(s["rank"]["after"], "rank"))
    for d in s["dimensions"]:
        change = None if d["score_after"] is None or d["score_before"] is None else d["score_after"] - d["score_before"]
        t.add_row(text(d["name"]), num(d["score_before"]), num(d["score_after"]), num(change, "change"),
                  num(d["rank_before"], "rank"), num(d["rank_after"], "rank"))
    con.print(t)
    for key, label in (("overtaken", "Overtakes"), ("overtaken_by", "Overtaken by")):
        if s[key]:
            names = ", ".join(f"{text(o['name'])} ({o['country']})" for o in s[key])
            con.print(f"{label} ({len(s[key])}): {names}")
    for key, label in (("before", "Before"), ("after", "After")):
        if s["reason"][key]:
            con.print(f"{label}: {text(s['reason'][key])}")
    if not s["overtaken"] and not s["overtaken_by"] and s["scored"]["before"] and s["scored"]["after"]:
        con.print("No change of place against any other country.")
    _footer(con, after)


# -- levers -----------------------------------------------------------------------------
@command("levers")
@memoised
@country_option()
@click.option("--target", "targets", multiple=True, metavar="TARGET",
              help="region_top_quartile (default), income_group_median, next_income_group_median, "
                   "peer:ISO3, or all (repeatable).")
@click.option("--top", type=click.IntRange(min=0), default=5, show_default=True,
              help="Levers shown per target (0: all).")
@data_options
@format_option
def levers(country, targets, top, inputs, fmt):
    """The indicators that would raise a country's score most, if it reached a peer's value.

    Each gain is an exact rebuild with that one indicator at the target. Indicators a
    policy cannot move (the framework's lever column) are shown apart, as exposures.

    Example: readiness levers --country KE --target income_group_median --top 5
    """
    from ..analysis.levers import TARGETS, levers as find_levers, levers_payload

    chosen = []
    for t in targets or ("region_top_quartile",):
        chosen += list(TARGETS) if t == "all" else [t]
    result = inputs.result()
    payload = levers_payload(result, country, target=chosen, top=top or None)
    frame = find_levers(result, country, target=chosen, top=top or None)
    emit(fmt, payload=payload, frame=frame, table=lambda con: _levers_table(con, result, frame))


def _levers_table(con, result, frame):
    from ..analysis.explain import format_value

    a = frame.attrs
    con.print(f"[bold]{text(a['name'])}[/bold] ({a['country']}) · composite {num(a['score'], 'composite')} · rank "
              f"{num(a['rank'], 'rank')} of {a['n']}")
    if a["score"] != a["score"]:
        con.print(f"Not scored, so no gain can be measured: `readiness explain --country {a['country']}` says "
                  "what data it lacks.")
        _footer(con, result)
        return
    for target, group in a["targets"].items():
        rows = frame[(frame["kind"] == "lever") & (frame["target"] == target)]
        con.print(f"\n[bold]Levers to {text(target.replace('_', ' '))}[/bold]"
                  + (f" ({text(group)})" if group else " (no such group)"))
        if rows.empty:
            con.print("  none: the country already does as well on every indicator, or there is no peer")
            continue
        t = _compact_table(("Indicator", "left", 24), ("Now", "right", 8), ("Target", "right", 8),
                           ("Peer", "left"), ("Gain", "right"), ("Rank", "right"))
        for r in rows.to_dict("records"):
            t.add_row(text(r["indicator"]), format_value(r["value"]), format_value(r["target_value"]), r["peer"],
                      "+" + num(r["gain"], "change"), f"{num(r['rank_before'], 'rank')}→{num(r['rank_after'], 'rank')}")
        con.print(t)
        con.print(f"  e.g. {text(rows.iloc[0]['description'])}")
    gaps = frame[frame["kind"] == "data_gap"]
    if len(gaps):
        con.print("\n[bold]Data gaps[/bold] (no value today; what a value at the target would do)")
        for r in gaps.drop_duplicates("indicator").to_dict("records"):
            con.print(f"  {text(r['indicator'])}: {format_value(r['target_value'])} as {r['peer']} has: "
                      f"+{num(r['gain'], 'change')} points")
    exp = frame[frame["kind"] == "exposure"]
    if a["not_levers"]:
        con.print("\n[bold]Exposures[/bold] (not policy levers, shown apart)")
        for r in exp.to_dict("records"):
            con.print(f"  {text(r['description'])}: {num(r['gain'], 'change')} points ({text(r['target'])})")
        shown = set(exp["indicator"])
        for r in a["not_levers"]:
            if r["indicator"] not in shown:
                con.print(f"  {text(r['name'])}: {format_value(r['value'])} {text(r['unit'])}, "
                          "at or above the target")
    con.print(f"[dim]Gain: composite points if that indicator alone reached the target; exact rebuilds "
              f"({a['rebuilds']}, {a['method']}).[/dim]")
    _footer(con, result)
