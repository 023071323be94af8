"""Open-model localisation indicators: the language join.

For every economy, how much of its population can use open-weight LLMs in a language
it speaks, and from how many developer countries. Three indicators (:data:`INDICATORS`),
built by joining Unicode CLDR territory-language population shares with the published
language lists of open-weight LLM families (``_LLM_LISTS``, each tagged with its
developer's country in :data:`ORIGINS`) through one crosswalk of language codes
(``language_codes.py``; every code of the shipped sources in ``indicators/crosswalk.csv``).

- ``open_llm_population``: share speaking at least one covered language, estimated by
  :func:`union_share` (independence estimate between the largest share and the capped sum);
- ``model_origin_diversity``: the same over languages covered by families from two or more
  developer countries;
- ``hf_models_speaker_weighted``: speaker-weighted geometric mean of Hugging Face models.

:func:`origin_tables` gives the coverage by origin group and the per-language table shipped
for ``readiness.origins``. An economy absent from CLDR, or whose CLDR shares (one per key)
sum below ``SPARSE_SHARE_TOTAL`` = 50 %, is a gap (Chad). ``XKX`` -> CLDR ``XK``; ``CHI`` ->
CLDR ``JE`` + ``GG``, shares population-weighted (CLDR 40 populations). Inputs are read only
from ``sources_dir`` (normally ``indicators/sources/``). See ``indicators/README_languages.md``
for the estimator, the crosswalk rules, sources, licences and limits.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import re
import sys
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
import pycountry



def _sibling(name: str):
    """indicators/<name>.py as readiness.indicators.<name>, or from the file next to this one."""
    try:
        return importlib.import_module(f"readiness.indicators.{name}")
    except ModuleNotFoundError as exc:  # a source checkout run as a script
        if exc.name not in ("readiness.indicators", f"readiness.indicators.{name}"):
            raise
    key = f"_readiness_indicators_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module  # its dataclasses look themselves up here
        spec.loader.exec_module(module)
    return sys.modules[key]


_codes_module = _sibling("language_codes")
SourceError = _codes_module.SourceError
Crosswalk = _codes_module.Crosswalk
load_crosswalk = _codes_module.load_crosswalk
read_table, parse_number = _codes_module.read_table, _codes_module.parse_number
describe_code, alpha2_of = _codes_module.describe_code, _codes_module.alpha2_of
NOT_A_LANGUAGE, DECISIONS, RETIRED, MACRO_FILE = (_codes_module.NOT_A_LANGUAGE, _codes_module.DECISIONS,
                                                  _codes_module.RETIRED, _codes_module.MACRO_FILE)
_DEFAULT_SOURCES = Path(__file__).resolve().parent / "sources"

_meta = _sibling("language_meta")
INDICATORS, SOURCES = _meta.INDICATORS, _meta.SOURCES
ORIGINS, ORIGIN_GROUPS, origin_group = _meta.ORIGINS, _meta.ORIGIN_GROUPS, _meta.origin_group

__all__ = [
    "INDICATORS",
    "SOURCES",
    "SPARSE_SHARE_TOTAL",
    "SourceError",
    "Crosswalk",
    "load_crosswalk",
    "coverage_share",
    "union_share",
    "origin_tables",
    "ORIGINS",
    "origin_group",
    "speaker_weighted_models",
    "crosswalk_table",
    "language_indicators",
]

SPARSE_SHARE_TOTAL = 50.0
"""An economy whose CLDR language shares sum below this (percent) is a gap."""

_CLDR = "cldr_territory_languages/territory_languages_babel2.19_cldr49.csv"
_CLDR40 = "cldr_territory_languages/territory_info_language_data1.4.0_cldr40.csv"
_HF = "hf_language_model_stats/by_language_stats.csv"
_GOLDFISH = "hf_language_model_stats/goldfish_data_info.tsv"
_MLS = "model_language_support/"

# (file, code column, family name or None when a `model` column names it).
# Every open-weight LLM family whose language list is published in
# model_language_support, whether the list says "officially supported" (Llama,
# Aya, SEA-LION, Mistral, Falcon, Granite, Jais, InkubaLM, Sarvam) or "seen in
# training" (Qwen3's 119 languages and dialects, BLOOM/ROOTS): both tiers say
# the developer released the model for those languages. Open-weight = weights
# downloadable by anyone, whatever the licence (unrestricted, restricted use,
# non-commercial), as in Epoch AI's three "Open weights" categories. Not an
# LLM: IndicTrans2, NLLB-200 (translation), Whisper (speech recognition).
_LLM_LISTS = (
    (_MLS + "llama3.1_supported_languages.csv", "iso639_1", "Llama 3.1"),
    (_MLS + "mt5_mc4_aya101_languages.csv", "bcp47_code", "Aya-101"),
    (_MLS + "aya23_aya_expanse_23_languages.csv", "iso639_3", "Aya 23 / Aya Expanse"),
    (_MLS + "sea_lion_languages.csv", "iso639_3", "SEA-LION v1/v3"),
    (_MLS + "qwen3_119_languages.csv", "iso639_3", "Qwen3"),
    (_MLS + "bloom_roots_46_languages.csv", "iso639_3", "BLOOM"),
    (_MLS + "other_open_models_languages.csv", "iso639_3", None),
)

_MT_LIST = (_MLS + "nllb200_flores200_languages.csv", "iso639_3", "NLLB-200")
_ASR_LIST = (_MLS + "whisper_languages_openai-whisper-20250625.csv", "iso639_1_or_code", "Whisper")


# World Bank economy codes that are not ISO 3166-1 alpha-3 -> CLDR territories.
_WB_TERRITORIES = {"XKX": ("XK",), "CHI": ("GG", "JE")}



def _keyed_shares(territory_shares: Mapping[str, float], crosswalk: Crosswalk) -> dict[str, float]:
    """Map CLDR tag -> share to key -> share, keeping the larger share for a repeated key."""
    out: dict[str, float] = {}
    for tag, share in territory_shares.items():
        key = crosswalk.key(tag)
        share = float(share)
        if not 0.0 <= share <= 100.0:
            raise ValueError(f"share of {tag!r} is {share:g}; expected a percentage in [0, 100].")
        out[key] = max(out.get(key, 0.0), share)
    return out


def _max_covered(shares: Mapping[str, float], keys: frozenset[str] | set[str]) -> tuple[float, str | None]:
    """Largest share among covered keys (0 and None if none), ties broken by key."""
    best, arg = 0.0, None
    for key in sorted(shares):
        if key in keys and (arg is None or shares[key] > best):
            best, arg = shares[key], key
    return min(best, 100.0), arg


def union_share(shares: Mapping[str, float], keys) -> tuple[float, float, float]:
    """Share speaking at least one covered language: (estimate, lower bound, upper bound).

    Parameters
    ----------
    shares : mapping of str to float
        Match key -> percent of the population speaking it (CLDR shares overlap).
    keys : collection of str
        The covered match keys.

    Returns
    -------
    tuple of float
        ``estimate = 100 (1 - prod(1 - s_i / 100))`` over the covered shares (speakers of
        different languages treated as independent), ``low = max s_i`` (at least the
        largest group speaks a covered language) and ``high = min(100, sum s_i)`` (no more
        than all of them together, if nobody spoke two). The estimate always lies in
        ``[low, high]``; all three are 0 when no language is covered.

    Examples
    --------
    >>> union_share({"de": 60.0, "fr": 20.0, "it": 10.0}, {"de", "fr"})
    (68.0, 60.0, 80.0)
    >>> union_share({"sw": 66.0}, set())
    (0.0, 0.0, 0.0)
    """
    covered = np.array([shares[k] for k in sorted(shares) if k in keys], dtype=float)
    if covered.size == 0:
        return 0.0, 0.0, 0.0
    low = float(covered.max())
    high = float(min(100.0, covered.sum()))
    estimate = float(100.0 * (1.0 - np.prod(1.0 - covered / 100.0)))
    return min(max(estimate, low), high), low, high


def _weighted_models(shares: Mapping[str, float], n_models: Mapping[str, float]) -> float:
    """expm1 of the share-weighted mean of log1p(models); NaN when all shares are 0."""
    keys = sorted(shares)
    w = np.array([shares[k] for k in keys], dtype=float)
    if w.sum() <= 0:
        return math.nan
    logs = np.log1p(np.array([n_models.get(k, 0.0) for k in keys], dtype=float))
    return float(np.expm1(np.dot(w, logs) / w.sum()))


# --------------------------------------------------------------------------- public


def coverage_share(
    territory_shares: Mapping[str, float],
    supported_codes: Iterable[str],
    *,
    crosswalk: Crosswalk | None = None,
) -> float:
    """Share of one territory's population speaking a supported language.

    Parameters
    ----------
    territory_shares : mapping of str to float
        CLDR language tag -> percent of the population speaking it.
    supported_codes : iterable of str
        The languages a model supports, in any code the crosswalk knows.
    crosswalk : Crosswalk, default=None
        None loads the crosswalk shipped next to this module.

    Returns
    -------
    float
        The largest share among covered languages, in [0, 100]; 0 if none.

    Raises
    ------
    ValueError
        For an unknown language code or a share outside [0, 100].

    Notes
    -----
    Shares overlap, so the largest covered share is used: a lower bound on the
    share speaking at least one covered language.

    Examples
    --------
    >>> kenya = {"sw": 66.0, "en": 19.0, "ki": 17.0}
    >>> coverage_share(kenya, ["swh", "eng"])
    66.0
    >>> coverage_share(kenya, ["en", "fr"])
    19.0
    >>> coverage_share(kenya, ["yo"])
    0.0
    """
    cw = crosswalk or load_crosswalk()
    keys = {cw.key(c) for c in supported_codes}
    return _max_covered(_keyed_shares(territory_shares, cw), keys)[0]


def speaker_weighted_models(
    territory_shares: Mapping[str, float],
    n_models: Mapping[str, float],
    *,
    crosswalk: Crosswalk | None = None,
) -> float:
    """Speaker-weighted number of models in one territory's languages.

    Parameters
    ----------
    territory_shares : mapping of str to float
        CLDR language tag -> percent of the population speaking it.
    n_models : mapping of str to float
        Language code -> number of models; codes with the same key keep the
        largest count; a language not listed has 0.
    crosswalk : Crosswalk, default=None
        None loads the crosswalk shipped next to this module.

    Returns
    -------
    float
        ``expm1(sum(s_i * log1p(n_i)) / sum(s_i))``; NaN if every share is 0.

    Examples
    --------
    >>> round(speaker_weighted_models({"sw": 50.0, "en": 50.0}, {"swa": 99, "eng": 9999}), 6)
    999.0
    """
    cw = crosswalk or load_crosswalk()
    counts: dict[str, float] = {}
    for code, n in n_models.items():
        key = cw.key(code)
        counts[key] = max(counts.get(key, 0.0), float(n))
    return _weighted_models(_keyed_shares(territory_shares, cw), counts)


def _model_list(
    sources_dir: Path, cw: Crosswalk, relpath: str, column: str, model: str | None
) -> dict[str, set[str]]:
    """Read one model language list: model name -> set of keys."""
    columns = [column] if model else ["model", column]
    frame, path = read_table(sources_dir, relpath, columns)
    out: dict[str, set[str]] = {}
    for i, row in enumerate(frame.to_dict("records")):
        code = row[column]
        resolved = cw.resolve(code)
        if resolved is None:
            raise SourceError(f"{path}, line {i + 2}: unknown language code {code!r} in column {column!r}.")
        name = model or row["model"]
        if not name.strip():
            raise SourceError(f"{path}, line {i + 2}: empty model name.")
        out.setdefault(name, set()).add(resolved[0])
    return out


def _cldr(sources_dir: Path, cw: Crosswalk) -> dict[str, dict[str, float]]:
    """Territory -> key -> share from the CLDR 49 file."""
    frame, path = read_table(sources_dir, _CLDR, ["territory_iso2", "language", "population_percent"])
    out: dict[str, dict[str, float]] = {}
    seen: set[tuple[str, str]] = set()
    for i, (terr, tag, pct) in enumerate(
        zip(frame["territory_iso2"], frame["language"], frame["population_percent"])
    ):
        line = i + 2
        if not re.fullmatch(r"[A-Z]{2}", terr):
            raise SourceError(
                f"{path}, line {line}: unknown territory code {terr!r}; expected a 2-letter ISO 3166 / CLDR region code."
            )
        resolved = cw.resolve(tag)
        if resolved is None:
            raise SourceError(f"{path}, line {line}: unknown language code {tag!r} in column 'language'.")
        if (terr, tag) in seen:
            raise SourceError(f"{path}, line {line}: {terr} {tag} appears twice.")
        seen.add((terr, tag))
        share = parse_number(path, line, "population_percent", pct, low=0.0, high=100.0)
        if resolved[0] in NOT_A_LANGUAGE:
            continue
        shares = out.setdefault(terr, {})
        shares[resolved[0]] = max(shares.get(resolved[0], 0.0), share)
    return out


def _populations(sources_dir: Path, territories: Iterable[str]) -> dict[str, float]:
    """Territory populations from the CLDR 40 territoryInfo file."""
    frame, path = read_table(sources_dir, _CLDR40, ["territory_iso2", "territory_population"])
    wanted = set(territories)
    out: dict[str, float] = {}
    for i, (terr, pop) in enumerate(zip(frame["territory_iso2"], frame["territory_population"])):
        if terr in wanted and terr not in out:
            out[terr] = parse_number(path, i + 2, "territory_population", pop, low=0.0, high=math.inf)
    return out


def _hf_counts(sources_dir: Path, cw: Crosswalk) -> dict[str, float]:
    """Key -> Hugging Face models tagged with it (largest count among codes of one key)."""
    frame, path = read_table(sources_dir, _HF, ["language", "n_models"])
    out: dict[str, float] = {}
    for i, (code, n) in enumerate(zip(frame["language"], frame["n_models"])):
        resolved = cw.resolve(code)
        if resolved is None:
            raise SourceError(f"{path}, line {i + 2}: unknown language code {code!r} in column 'language'.")
        count = parse_number(path, i + 2, "n_models", n, low=0.0, high=math.inf)
        out[resolved[0]] = max(out.get(resolved[0], 0.0), count)
    return out


def _territories(iso3: str) -> tuple[str, ...]:
    """CLDR territories of a World Bank / ISO3 economy code."""
    if iso3 in _WB_TERRITORIES:
        return _WB_TERRITORIES[iso3]
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        raise ValueError(f"unknown country code {iso3!r}; expected an ISO 3166-1 alpha-3 code or XKX / CHI.")
    return (country.alpha_2,)


def _merge(parts: list[dict[str, float]], weights: list[float]) -> dict[str, float]:
    """Population-weighted mean share per key across territories (absent = 0)."""
    total = sum(weights)
    keys = sorted(set().union(*parts))
    return {k: sum(w * p.get(k, 0.0) for p, w in zip(parts, weights)) / total for k in keys}


def crosswalk_table(sources_dir: Path | None = None) -> pd.DataFrame:
    """Every language code of the shipped sources with its match key.

    Parameters
    ----------
    sources_dir : pathlib.Path, default=None
        The sources folder; None means the ``sources/`` folder next to this module.

    Returns
    -------
    pandas.DataFrame
        One row per distinct code, sorted: ``code`` (as written in a source;
        for Goldfish, the language part of ``lang``), ``found_in`` (source
        files), the code's ``iso639_3``, ``name`` and ``scope`` (individual,
        macrolanguage, collective, special, retired), ``macrolanguage`` (ISO
        639-3 code of the macrolanguage it belongs to, from the IANA registry),
        ``match_key`` (equal keys match), ``rule`` (how the key was reached)
        and ``note`` (the reason for a project decision or a retired code).
        ``indicators/crosswalk.csv`` is this table.

    Raises
    ------
    SourceError
        As :func:`language_indicators`.
    """
    sources_dir = Path(sources_dir or _DEFAULT_SOURCES)
    cw = load_crosswalk(sources_dir)
    macro_frame, _ = read_table(sources_dir, MACRO_FILE, ["subtag", "macrolanguage"])
    macro = dict(zip(macro_frame["subtag"], macro_frame["macrolanguage"]))
    files: list[tuple[str, str, str]] = [(_CLDR, "language", ",")]
    files += [(f, c, ",") for f, c, _ in (*_LLM_LISTS, _MT_LIST, _ASR_LIST)]
    files += [(_HF, "language", ","), (_GOLDFISH, "lang", "\t")]
    found: dict[str, set[str]] = {}
    for relpath, column, sep in files:
        frame, path = read_table(sources_dir, relpath, [column], sep=sep)
        for i, code in enumerate(frame[column]):
            if relpath == _GOLDFISH:
                code = code.split("_")[0]
            if cw.resolve(code) is None:
                raise SourceError(
                    f"{path}, line {i + 2}: unknown language code {code!r} in column {column!r}."
                )
            found.setdefault(code, set()).add(Path(relpath).name)
    rows = []
    for code in sorted(found):
        key, rule = cw.resolve(code)
        lang = re.split(r"[_-]", code)[0].lower()
        iso3, name, scope = describe_code(lang)
        if not iso3:  # a non-ISO code such as Whisper's 'jw': describe its key
            name, scope = describe_code(key)[1:]
        member_of = macro.get(alpha2_of(lang), "")
        decided = [d for d in DECISIONS if f"decision {d}->" in rule]
        note = DECISIONS[decided[0]][1] if decided else RETIRED.get(key, "")
        rows.append(
            {
                "code": code,
                "found_in": ";".join(sorted(found[code])),
                "iso639_3": iso3,
                "name": name,
                "scope": scope,
                "macrolanguage": describe_code(member_of)[0] if member_of else "",
                "match_key": key,
                "rule": rule,
                "note": note,
            }
        )
    columns = ["code", "found_in", "iso639_3", "name", "scope", "macrolanguage", "match_key", "rule", "note"]
    return pd.DataFrame(rows, columns=columns)


def language_indicators(sources_dir: Path, countries: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compute the open-model localisation indicators for a list of economies.

    Parameters
    ----------
    sources_dir : pathlib.Path
        The sources folder (``indicators/sources/``); only files under it are read.
    countries : list of str
        ISO 3166-1 alpha-3 codes, plus the World Bank's ``XKX`` (Kosovo) and
        ``CHI`` (Channel Islands).

    Returns
    -------
    values : pandas.DataFrame
        Index ``country`` (sorted ``countries``), one float column per code of
        :data:`INDICATORS`, in that order; shares in percent (0-100); NaN is a gap.
    provenance : pandas.DataFrame
        Columns ``country, indicator, year, source, note``: one row per
        non-missing value, sorted by country and indicator.

    Raises
    ------
    SourceError
        If a source file is missing, has changed columns, or holds an unknown
        code or a bad number (the message names the file and line).
    ValueError
        If ``countries`` holds an unknown or repeated code.

    Notes
    -----
    See the module docstring for the crosswalk, the max rule and the gaps.
    """
    sources_dir = Path(sources_dir)
    if len(set(countries)) != len(countries):
        dup = sorted({c for c in countries if countries.count(c) > 1})
        raise ValueError(f"countries repeats {', '.join(dup)}.")
    territories = {c: _territories(c) for c in countries}

    cw = load_crosswalk(sources_dir)
    cldr = _cldr(sources_dir, cw)
    families = _families(sources_dir, cw)
    llm = set().union(*families.values())
    served = _served_by(families)
    diverse = {k for k, origins in served.items() if len(origins) >= 2}
    hf = _hf_counts(sources_dir, cw)
    shares_by = _country_shares(sources_dir, cldr, territories)

    codes = [ind["code"] for ind in INDICATORS]
    meta = {ind["code"]: ind for ind in INDICATORS}
    values = pd.DataFrame(
        np.nan, index=pd.Index(sorted(countries), name="country"), columns=codes, dtype=float
    )
    prov: list[dict] = []
    for country in sorted(countries):
        if country not in shares_by:
            continue
        shares, prefix = shares_by[country]
        for code, keys in (("open_llm_population", llm), ("model_origin_diversity", diverse)):
            est, low, high = union_share(shares, keys)
            values.loc[country, code] = round(est, 4)
            top = sorted((k for k in shares if k in keys), key=lambda k: (-shares[k], k))[:3]
            note = (f"independence estimate {est:.4g}% (bounds {low:.4g}-{high:.4g}%) over "
                    f"{sum(1 for k in shares if k in keys)} covered CLDR languages; largest: "
                    + ", ".join(f"{k} {shares[k]:g}%" for k in top)
                    if top else "no CLDR-listed language covered")
            prov.append({"country": country, "indicator": code, "note": prefix + note})
        values.loc[country, "hf_models_speaker_weighted"] = round(_weighted_models(shares, hf), 4)
        prov.append(
            {
                "country": country,
                "indicator": "hf_models_speaker_weighted",
                "note": prefix
                + f"weighted over {len(shares)} CLDR languages (shares sum to {sum(shares.values()):.4g}%)",
            }
        )
    provenance = pd.DataFrame(prov, columns=["country", "indicator", "note"])
    provenance["year"] = provenance["indicator"].map(lambda c: meta[c]["year"]).astype("int64")
    provenance["source"] = provenance["indicator"].map(lambda c: meta[c]["source"])
    provenance = provenance[["country", "indicator", "year", "source", "note"]]
    provenance = provenance.sort_values(["country", "indicator"], kind="stable").reset_index(drop=True)
    return values, provenance


def _families(sources_dir: Path, cw: Crosswalk) -> dict[str, set[str]]:
    """Open-weight LLM family -> covered match keys; every family must have an origin."""
    families: dict[str, set[str]] = {}
    for relpath, column, model in _LLM_LISTS:
        for name, keys in _model_list(sources_dir, cw, relpath, column, model).items():
            families.setdefault(name, set()).update(keys)
    missing = sorted(set(families) - set(ORIGINS))
    if missing:
        raise SourceError(f"languages.py ORIGINS: no developer country for {', '.join(missing)}")
    return families


def _served_by(families: dict[str, set[str]]) -> dict[str, set[str]]:
    """Match key -> developer countries of the families that cover it."""
    out: dict[str, set[str]] = {}
    for name, keys in families.items():
        for k in keys:
            out.setdefault(k, set()).add(ORIGINS[name])
    return out


def _country_shares(sources_dir: Path, cldr, territories) -> dict[str, tuple[dict[str, float], str]]:
    """Economy -> (key -> CLDR share, provenance prefix); sparse or absent economies left out."""
    merged = [t for ts in territories.values() if len(ts) > 1 for t in ts]
    populations = _populations(sources_dir, merged) if merged else {}
    out = {}
    for country in sorted(territories):
        terrs = territories[country]
        if any(t not in cldr for t in terrs) or any(t not in populations for t in terrs if len(terrs) > 1):
            continue
        if len(terrs) > 1:
            shares = _merge([cldr[t] for t in terrs], [populations[t] for t in terrs])
            prefix = f"{country} = CLDR {'+'.join(terrs)}, shares population-weighted (CLDR 40 populations); "
        else:
            shares = cldr[terrs[0]]
            prefix = f"{country} = CLDR {terrs[0]}; " if country in _WB_TERRITORIES else ""
        if sum(shares.values()) < SPARSE_SHARE_TOTAL:
            continue
        out[country] = (shares, prefix)
    return out


def origin_tables(sources_dir: Path, countries: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Coverage of each economy's population by open-weight LLMs, by developer origin.

    Parameters
    ----------
    sources_dir : pathlib.Path
        The sources folder.
    countries : list of str
        Economy codes, as for :func:`language_indicators`.

    Returns
    -------
    origins : pandas.DataFrame
        One row per economy: ``country``, then for each of ``United States``, ``China``,
        ``Europe``, ``other`` and ``at_least_two_origins`` the estimated percent of the
        population speaking a language that models of that origin group cover (the
        estimator of :func:`union_share`), and ``single_origin_country`` (the one developer
        country serving the economy's covered languages when there is only one, else empty).
    languages : pandas.DataFrame
        One row per economy and CLDR language with a share of at least 1 %: ``country``,
        ``language`` (match key), ``name``, ``share`` (percent), ``families`` and
        ``origins`` (developer countries, ``;``-separated; empty = no open-weight LLM).
    """
    sources_dir = Path(sources_dir)
    territories = {c: _territories(c) for c in countries}
    cw = load_crosswalk(sources_dir)
    cldr = _cldr(sources_dir, cw)
    families = _families(sources_dir, cw)
    served = _served_by(families)
    by_group = {g: {k for k, o in served.items() if any(origin_group(x) == g for x in o)} for g in ORIGIN_GROUPS}
    by_group["at_least_two_origins"] = {k for k, o in served.items() if len(o) >= 2}
    rows, lang_rows = [], []
    for country, (shares, _) in _country_shares(sources_dir, cldr, territories).items():
        row = {"country": country}
        for g, keys in by_group.items():
            row[g] = round(union_share(shares, keys)[0], 4)
        origins = set().union(*(served.get(k, set()) for k in shares)) if shares else set()
        row["single_origin_country"] = next(iter(origins)) if len(origins) == 1 else ""
        rows.append(row)
        for k in sorted(shares, key=lambda k: (-shares[k], k)):
            if shares[k] < 1.0:
                continue
            fams = sorted(f for f, keys in families.items() if k in keys)
            lang_rows.append({
                "country": country, "language": k, "name": describe_code(k)[1] or k,
                "share": round(shares[k], 4), "families": "; ".join(fams),
                "origins": "; ".join(sorted({ORIGINS[f] for f in fams})),
            })
    origins = pd.DataFrame(rows, columns=["country", *by_group, "single_origin_country"])
    languages = pd.DataFrame(lang_rows, columns=["country", "language", "name", "share", "families", "origins"])
    return origins, languages
