"""Country profiles and league tables: what the CLI, the briefs and notebooks show.

Every function takes a :class:`Result` and returns plain data (dicts, DataFrames);
the CLI only renders them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .errors import SpecError, UnknownCountryError
from .lookup import resolve_country, resolve_node  # noqa: F401  (re-exported)
from .serialise import common_keys, json_ready

__all__ = ["UnknownCountryError", "resolve_country", "resolve_node", "profile", "profiles", "league_table",
           "league_payload", "indicator_table", "indicator_list", "attributions", "dataset_payload",
           "validation_report", "analysis_payload", "rank_uncertainty", "resolve_spec", "settings_summary",
           "compare"]


def _peer_median(result, column, group_col, country):
    label = result.dataset.countries.at[country, group_col] if group_col in result.dataset.countries else ""
    if not label:
        return {"group": None, "median": None, "n": 0}
    members = result.dataset.countries.index[result.dataset.countries[group_col] == label]
    members = [m for m in members if m in result.scores.index]
    s = result.scores.loc[members, column].dropna()
    return {"group": label, "median": float(s.median()) if len(s) else None, "n": int(len(s))}


def profile(result, country, *, uncertainty: bool = False, detail: bool = False, progress=None) -> dict:
    """Everything ``readiness score`` shows about one country, as a JSON-ready dict.

    Parameters
    ----------
    result : Result
    country : str
        ISO2 or ISO3 code or name.
    uncertainty : bool, default=False
        Fill ``uncertainty`` with the country's rank interval under the default seeded
        uncertainty analysis (see :func:`rank_uncertainty`; computed when not cached).
    detail : bool, default=False
        Add ``detail``: the rows of :func:`readiness.explain` for the country.
    progress : callable, optional
        ``progress(done, total)`` while the uncertainty analysis runs.

    Returns
    -------
    dict
        Keys (a stable contract): ``country`` (ISO3), ``name``, ``region``, ``income_group``,
        ``scored``, ``reason``, ``score``, ``rank``, ``n``, ``dimensions`` (``code``,
        ``name``, ``score``, ``rank``, ``region_median``, ``income_group_median``),
        ``peers`` (``region`` and ``income_group``: ``group``, ``median``, ``n``),
        ``coverage`` (``indicators``, ``present``, ``imputed``, ``share``, ``imputed_indicators``,
        ``updated_indicators``: those whose value a national update file (``--update``) supplied;
        ``missing_indicators``: gaps left as gaps, whose weight the country's other indicators in
        the same dimension share), ``imputed_dimensions`` (the dimensions whose score is not
        from the country's data, see ``Result.imputed_dimensions``; each dimension also says
        ``imputed``), ``incomplete`` (the setting that decides what that means),
        ``uncertainty`` (None unless asked for),
        ``localisation_origins`` (share of the population served by open-weight models by
        developer origin; None when the data has no such table), ``settings``,
        ``data_fingerprint``, ``dataset``, ``version``; and ``detail`` when asked for.
    """
    from .io.update import updated_indicators
    from .origins import origin_coverage

    ds = result.dataset
    iso3 = resolve_country(ds, country)
    info = ds.countries.loc[iso3]
    idx = result.index_code
    scored = iso3 in result.scores.index
    n_ind = ds.values.shape[1]
    row = ds.values.loc[iso3] if iso3 in ds.values.index else pd.Series(np.nan, index=ds.values.columns)
    present = int(row.notna().sum())
    imputed_codes = list(result.imputed.columns[result.imputed.loc[iso3]]) if scored else []
    missing_codes = [c for c in row.index[row.isna()] if c not in imputed_codes]
    flagged = _flagged_dimensions(result).get(iso3, [])
    out = {
        "country": iso3,
        "name": info["name"],
        "region": info.get("region") or None,
        "income_group": info.get("income_group") or None,
        "scored": scored,
        "reason": None if scored else (result.not_scored.at[iso3, "reason"] if iso3 in result.not_scored.index
                                       else "no data"),
        "score": result.scores.at[iso3, idx] if scored else None,
        "rank": result.ranks.at[iso3, idx] if scored else None,
        "n": int(result.scores[idx].notna().sum()),
        "dimensions": [],
        "peers": {
            "region": _peer_median(result, idx, "region", iso3),
            "income_group": _peer_median(result, idx, "income_group", iso3),
        },
        "coverage": {"indicators": n_ind, "present": present, "imputed": len(imputed_codes),
                     "share": present / n_ind if n_ind else None,
                     "imputed_indicators": imputed_codes, "missing_indicators": missing_codes,
                     "updated_indicators": updated_indicators(ds, iso3)},
        "imputed_dimensions": flagged,
        "incomplete": getattr(result.spec, "incomplete", None),
        "uncertainty": rank_uncertainty(result, iso3, progress=progress) if uncertainty else None,
        "localisation_origins": origin_coverage(ds, iso3),
        **common_keys(ds, result.spec, result=result),
    }
    for code in ds.dimensions:
        out["dimensions"].append({
            "code": code,
            "name": ds.node_name(code),
            "score": result.scores.at[iso3, code] if scored else None,
            "rank": result.ranks.at[iso3, code] if scored else None,
            "region_median": _peer_median(result, code, "region", iso3)["median"],
            "income_group_median": _peer_median(result, code, "income_group", iso3)["median"],
            "imputed": code in flagged,
        })
    if detail:
        from .analysis.explain import explain

        out["detail"] = explain(result, iso3)
    return json_ready(out)


def _flagged_dimensions(result) -> dict:
    """Country -> the dimensions whose score is not from its data (``Result.imputed_dimensions``).

    Under ``incomplete = "impute"`` those dimensions were imputed; under ``"partial"`` they
    are absent and the index averages the others; under ``"not_scored"`` there are none.
    """
    flags = getattr(result, "imputed_dimensions", None)
    if flags is None or not len(flags):
        return {}
    hit = flags.to_numpy(dtype=bool)
    rows, cols = hit.nonzero()
    out = {}
    for r, c in zip(rows, cols):  # only the flagged cells (few), never every country
        out.setdefault(flags.index[r], []).append(flags.columns[c])
    return out


def profiles(result, countries, **options) -> dict:
    """Profiles of several countries (``readiness score -c KE -c NG``), JSON-ready.

    Keys: ``profiles`` (one :func:`profile` per country, in the order given, each once)
    and ``settings``, ``data_fingerprint``, ``dataset``, ``version``. ``options`` go to
    :func:`profile`.
    """
    codes = list(dict.fromkeys(resolve_country(result.dataset, c) for c in countries))
    return json_ready({"profiles": [profile(result, c, **options) for c in codes],
                       **common_keys(result.dataset, result.spec, result=result)})


def league_table(result, *, level=None, top=None) -> pd.DataFrame:
    """Countries ranked on one node (default: the index), best first.

    Parameters
    ----------
    result : Result
    level : str, optional
        A node code, any case (see :func:`resolve_node`); default the index.
    top : int, optional
        Only the first ``top`` rows; None or 0 means every scored country.

    Returns
    -------
    DataFrame
        Columns ``rank``, ``country``, ``name``, ``score``, then the node's children's scores,
        then ``imputed_dimensions`` (``;``-separated codes of the dimensions whose score is
        not from the country's data; empty for most).
    """
    ds = result.dataset
    node = resolve_node(result, level)
    order = result.scores[node].sort_values(ascending=False, kind="stable").dropna()
    table = pd.DataFrame({
        "rank": result.ranks.loc[order.index, node].astype(int),
        "country": order.index,
        "name": ds.countries.loc[order.index, "name"].to_numpy(),
        "score": order.to_numpy(),
    })
    for child in ds.children(node):
        if child in ds.structure.index:
            table[child] = result.scores.loc[order.index, child].to_numpy()
    flagged = _flagged_dimensions(result)
    table["imputed_dimensions"] = [";".join(flagged.get(c, [])) for c in order.index]
    table = table.reset_index(drop=True)
    return table.head(top) if top else table


def league_payload(result, *, level=None, top=None) -> dict:
    """``readiness rank --format json``: ``level``, ``n`` (countries scored on it), ``countries``
    (the :func:`league_table` records, ``imputed_dimensions`` as a list), ``incomplete`` and
    ``settings``, ``data_fingerprint``, ``dataset``, ``version``."""
    node = resolve_node(result, level)
    records = league_table(result, level=node, top=top).to_dict("records")
    for r in records:
        r["imputed_dimensions"] = [c for c in r["imputed_dimensions"].split(";") if c]
    return json_ready({"level": node, "n": int(result.scores[node].notna().sum()), "countries": records,
                       "incomplete": getattr(result.spec, "incomplete", None),
                       **common_keys(result.dataset, result.spec, result=result)})


def indicator_table(result, country) -> pd.DataFrame:
    """One row per indicator for a country: raw value, unit, year, source, score, rank, imputed."""
    ds = result.dataset
    iso3 = resolve_country(ds, country)
    ind = ds.indicators
    scored = iso3 in result.scores.index
    prov = ds.provenance
    years = {}
    if not prov.empty and {"country", "indicator", "year"} <= set(prov.columns):
        sub = prov[prov["country"] == iso3]
        years = dict(zip(sub["indicator"], sub["year"]))
    rows = []
    for code in ind.index:
        rows.append({
            "indicator": code, "name": ind.at[code, "name"], "dimension": ind.at[code, "parent"],
            "value": ds.values.at[iso3, code] if iso3 in ds.values.index else np.nan,
            "unit": ind.at[code, "unit"], "year": years.get(code, ind.at[code, "year"]),
            "source": ind.at[code, "source"], "licence": ind.at[code, "licence"],
            "score": result.scores.at[iso3, code] if scored else np.nan,
            "rank": result.ranks.at[iso3, code] if scored else np.nan,
            "imputed": bool(result.imputed.at[iso3, code]) if scored else False,
        })
    return pd.DataFrame(rows)


def resolve_spec(dataset, settings=None, overrides=None):
    """The Spec for a run: a settings file if given, else the dataset's Settings sheet, else defaults;
    then ``overrides`` (``{name: value}`` or ``["name=value", ...]``) on top."""
    from .spec import Spec, read_settings

    spec = read_settings(settings) if settings is not None else Spec.for_dataset(dataset)
    if overrides:
        if not isinstance(overrides, dict):
            pairs = {}
            for item in overrides:
                name, sep, value = str(item).partition("=")
                if not sep:
                    raise SpecError(f"--set takes name=value; got {item!r}")
                pairs[name.strip()] = value.strip()
            overrides = pairs
        merged = {**spec.to_dict(), **_flatten(spec, overrides)}
        spec = Spec.from_mapping(merged, source="--set")
    return spec


def _flatten(spec, overrides):
    out = {}
    for k, v in overrides.items():
        head, _, key = k.partition(".")
        if key:
            table = dict(getattr(spec, head, {}) or {})
            table.update(out.get(head, {}))
            table[key] = v
            out[head] = {str(a): b for a, b in table.items()}
        else:
            out[k] = v
    return out


def indicator_list(dataset) -> pd.DataFrame:
    """The framework, one row per indicator, with how many countries have a value."""
    ind = dataset.indicators
    return pd.DataFrame({
        "code": ind.index,
        "name": ind["name"].to_numpy(),
        "dimension": ind["parent"].to_numpy(),
        "direction": ind["direction"].astype(int).to_numpy(),
        "unit": ind["unit"].to_numpy(),
        "transform": ind["transform"].to_numpy(),
        "source": ind["source"].to_numpy(),
        "year": ind["year"].to_numpy(),
        "licence": ind["licence"].to_numpy(),
        "countries": dataset.values.notna().sum().reindex(ind.index).astype(int).to_numpy(),
    })


def attributions(dataset) -> pd.DataFrame:
    """The sources the dataset's indicators use, with the attribution a publication must carry."""
    used = []
    for field in dataset.indicators["source"]:
        for s in str(field).replace(";", ",").split(","):
            s = s.strip()
            if s and s not in used:
                used.append(s)
    src = dataset.sources
    cols = ["source", "name", "publisher", "url", "licence", "year", "citation"]
    if src.empty or "source" not in src.columns:
        return pd.DataFrame({"source": used}).reindex(columns=cols, fill_value="")
    src = src.copy()
    for c in cols:
        if c not in src.columns:
            src[c] = ""
    known = src.set_index("source")
    rows = [{"source": s, **{c: known.at[s, c] if s in known.index else "" for c in cols[1:]}} for s in used]
    return pd.DataFrame(rows, columns=cols)


def compare(a, b, *, node=None) -> pd.DataFrame:
    """How ranks and scores differ between two results (e.g. two Specs on the same data).

    Returns one row per country scored in either: ``rank_a``, ``rank_b``, ``rank_change``
    (b minus a; negative = moved up), ``score_a``, ``score_b``, sorted by the largest move.
    """
    node = node or a.index_code
    out = pd.DataFrame({"rank_a": a.ranks[node], "rank_b": b.ranks[node],
                        "score_a": a.scores[node], "score_b": b.scores[node]})
    out["rank_change"] = out["rank_b"] - out["rank_a"]
    out = out[["rank_a", "rank_b", "rank_change", "score_a", "score_b"]]
    return out.reindex(out["rank_change"].abs().sort_values(ascending=False, kind="stable").index)


def settings_summary(spec) -> str:
    """One line naming the settings that differ from the defaults (``defaults`` if none)."""
    changed = spec.changes()
    if not changed:
        return "default settings"
    parts = []
    for k, v in changed.items():
        if isinstance(v, dict):
            parts += [f"{k}.{kk}={vv}" for kk, vv in v.items()]
        else:
            parts.append(f"{k}={v}")
    return "settings: " + ", ".join(parts)


def dataset_payload(dataset, key: str, table) -> dict:
    """JSON for commands that describe a dataset (``indicators``, ``sources``).

    Keys: ``settings`` (the dataset's nominal settings), ``data_fingerprint`` (of the data
    with those settings, as ``score`` reports it), ``dataset``, ``version``,
    ``dataset_fingerprint`` (of the data alone), ``n_countries`` and ``key`` (the records).
    """
    from .spec import Spec

    return json_ready({**common_keys(dataset, Spec.for_dataset(dataset)),
                       "dataset_fingerprint": dataset.fingerprint(),
                       "n_countries": int(dataset.values.shape[0]), key: table})


def validation_report(result) -> dict:
    """What ``readiness validate`` reports: the data's size and the countries build() leaves unscored.

    The ``not_scored`` list is ``result.not_scored`` itself, so it always agrees with what
    :func:`readiness.build` scores under the same settings (coverage, screening rules and all).

    Returns
    -------
    dict
        ``countries``, ``indicators``, ``aggregates``, ``missing_values``, ``scored``,
        ``not_scored`` (records: ``country``, ``name``, ``coverage``, ``reason``) and
        ``settings``, ``data_fingerprint``, ``dataset``, ``version``.
    """
    ds = result.dataset
    ns = result.not_scored
    names = ds.countries["name"]
    rows = [{"country": c, "name": names.get(c, c),
             "coverage": ns.at[c, "coverage"] if "coverage" in ns.columns else result.coverage.get(c),
             "reason": ns.at[c, "reason"] if "reason" in ns.columns else None} for c in ns.index]
    return json_ready({
        "countries": int(ds.values.shape[0]), "indicators": int(ds.values.shape[1]),
        "aggregates": int(len(ds.structure)), "missing_values": int(ds.values.isna().sum().sum()),
        "scored": int(result.scores[result.index_code].notna().sum()), "not_scored": rows,
        **common_keys(ds, result.spec, result=result),
    })


def analysis_payload(report, dataset, spec) -> dict:
    """JSON of an analysis result (uncertainty, sensitivity, remove-one): its ``to_dict()`` with
    ``settings``, ``data_fingerprint``, ``dataset`` and ``version`` added, ranks as integers.

    The older ``spec`` and ``fingerprint`` keys of the analyses are kept (keys are never removed).
    """
    payload = dict(report.to_dict())
    payload.update(common_keys(dataset, spec))
    return json_ready(payload)


def rank_uncertainty(result, country, *, progress=None):
    """The country's 5-95% rank interval under the default seeded uncertainty analysis.

    Always the same analysis for the same data and settings (treatment, normalisation,
    weights and aggregation varied, seeded by the Spec), read from the cache when it is
    there and computed (then cached) when it is not, so the answer never depends on what
    ran before. Returns None for a country that is not scored.

    Returns
    -------
    dict or None
        ``q05``, ``q95`` (the 5th and 95th percentile ranks, rounded outwards to whole
        ranks), ``median``, ``replicates`` (the valid replicates it rests on), ``inputs``,
        ``method``, ``seed``.
    """
    from .analysis.uncertainty import default_uncertainty

    iso3 = resolve_country(result.dataset, country)
    if iso3 not in result.scores.index:
        return None
    ua = default_uncertainty(result, progress=progress)
    if iso3 not in ua.countries.index:
        return None
    from .analysis.uncertainty import rank_interval

    q05, q95 = rank_interval(ua, iso3)
    row = ua.countries.loc[iso3]
    # ranks are whole numbers: widen the interpolated percentiles outwards, never inwards
    return json_ready({"q05": int(math.floor(q05)), "q95": int(math.ceil(q95)), "median": row["median_rank"],
                       "replicates": int(ua.n_replicates - ua.n_skipped), "inputs": list(ua.space.varied),
                       "method": ua.method, "seed": ua.seed if isinstance(ua.seed, int) else None})
