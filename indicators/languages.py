"""Open-model localisation indicators: the language join.

For every economy, how much of its population can use open AI models in a
language they speak. Five indicators (see :data:`INDICATORS`), all built by
joining Unicode CLDR territory-language population shares with the language
lists of open models, through one crosswalk of language codes.

Inputs (all under ``sources_dir``, normally ``indicators/sources/``)
------------------------------------------------------------------
``cldr_territory_languages/territory_languages_babel2.19_cldr49.csv``
    Share of each territory's population speaking each language (CLDR 49).
``cldr_territory_languages/territory_info_language_data1.4.0_cldr40.csv``
    Territory populations (CLDR 40); used only to merge Jersey and Guernsey
    into the World Bank's Channel Islands (``CHI``).
``model_language_support/*.csv``
    Language lists of open models (NLLB-200, Whisper, and the open-weight LLMs
    named in ``_LLM_LISTS``).
``hf_language_model_stats/by_language_stats.csv``, ``goldfish_data_info.tsv``
    Hugging Face models per language (Arnett & Chang 2025) and text available
    per language (Goldfish, Chang et al. 2024).
``language_codes/cldr49_language_aliases.csv``
    CLDR 49 language aliases (macrolanguage, legacy, overlong and
    bibliographic codes), from babel 2.19.0.
``language_codes/iana_macrolanguages.csv``
    ISO 639-3 macrolanguage membership from the IANA Language Subtag Registry;
    used only to document the crosswalk (:func:`crosswalk_table`).

The crosswalk (one match key per code)
--------------------------------------
Every code met in any source, a CLDR tag (``sw``, ``zh_Hant``, ``ha_Arab``,
``nan``), an ISO 639-1 code (``sw``), an ISO 639-3 individual code (``swh``)
or macrolanguage code (``swa``), or a FLORES-style code's language part, is
reduced to a *match key*; a model covers a CLDR row when their keys are equal.

1. Take the language subtag: drop script and region (``zh_Hant`` -> ``zh``,
   ``ha_Arab`` -> ``ha``, ``swh_latn`` -> ``swh``). Coverage is counted per
   language, not per script (see Known limits).
2. Follow CLDR's own language aliases until none applies. They turn ISO 639-3
   and bibliographic codes into the 2-letter code (``eng`` -> ``en``), a
   macrolanguage's dominant individual language into the macrolanguage code
   CLDR uses for it (``swh`` -> ``sw``, ``arb`` -> ``ar``, ``cmn`` -> ``zh``,
   ``pes`` -> ``fa``, ``zsm`` -> ``ms``, ``ekk`` -> ``et``, ``uzn`` -> ``uz``),
   and merge codes CLDR treats as the same language (``prs`` (Dari) -> ``fa``,
   ``swc`` (Congo Swahili) -> ``sw``, ``tl``/``tgl`` -> ``fil``,
   ``twi`` -> ``ak``, ``sh``/``hbs`` -> ``sr``, ``jw`` -> ``jv``,
   ``nor`` -> ``no``, ``nob`` -> ``nb``).
3. Apply this project's one decision: ``no`` (Norwegian, macrolanguage) ->
   ``nb`` (Bokmål), the same "macrolanguage means its dominant standard" rule
   CLDR applies to ``ar``/``sw``/``zh``; Nynorsk (``nn``) stays separate.
4. The key must be an ISO 639 code known to pycountry (ISO 639-3, or an
   ISO 639-5 collective code such as ``kro``, ``smi``, ``nah``, ``btk``), or
   the retired code ``eml`` (Emiliano-Romagnolo, still used by the Hugging
   Face survey and Goldfish; it matches no CLDR row). Anything else is an
   unknown code and stops the build with :class:`SourceError`.

So a macrolanguage and its *dominant* individual language are one key, both
ways: a model listing ``swh`` covers CLDR ``sw``; a model listing ``ara``
covers CLDR ``ar``; a model listing ``zh`` covers CLDR ``zh`` and ``zh_Hant``.
Other members of a macrolanguage keep their own key: a model listing "Arabic"
does not cover CLDR's Moroccan (``ary``) or Egyptian (``arz``) Arabic rows, and
one listing "Chinese" does not cover Cantonese (``yue``), Min Nan (``nan``) or
Hakka (``hak``), because the model card claims neither. Serbian, Croatian and
Bosnian (``sr``, ``hr``, ``bs``) are distinct keys. ``indicators/crosswalk.csv``
lists every code of the shipped sources with its key (:func:`crosswalk_table`).

Combination rule
----------------
CLDR shares overlap (people speak several languages), so they are not added.
A territory's share covered by a set of languages is the **largest** CLDR
share among its covered languages: at least that many people speak a covered
language, so the value is a safe lower bound on the true union (at most the
sum). Shares are checked to lie in [0, 100], so the result does too. Rows of
one territory with the same key (``sr`` and ``sr_Latn``) count once, with the
larger share. A territory with no covered language scores 0.

Kenya (CLDR: ``sw`` 66 %, ``en`` 19 %, ``ki`` 17 %, ...): every list here
covers Swahili, so all three coverage shares are 66.

Economies and gaps
------------------
World Bank codes map to CLDR territories through ISO 3166 (pycountry), except
``XKX`` (Kosovo) -> CLDR ``XK`` and ``CHI`` (Channel Islands) -> CLDR ``JE``
and ``GG`` merged: each language's share is the population-weighted mean of
its Jersey and Guernsey shares (populations from CLDR 40). An economy absent
from CLDR, or whose CLDR shares (one per key) sum to less than
``SPARSE_SHARE_TOTAL`` = 50 %, is a gap (NaN) in all five indicators: CLDR
then describes under half its people (among the 218 World Bank economies this
is Chad, 30 %). Rows tagged ``und`` (undetermined, e.g. Antarctica) name no
language and are ignored. Gaps are not filled here; the pipeline imputes and flags them.

Known limits
------------
Scripts are ignored: a model listed for Punjabi (Gurmukhi) counts for CLDR
``pa_Arab``, and Uzbek for ``uz_Arab``. Under the max rule this matters only
where such a row is a country's largest covered share. Model lists say what a
vendor supports, not how well.

See ``indicators/README_languages.md`` for sources, licences and choices.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
import pycountry

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

_DEFAULT_SOURCES = Path(__file__).resolve().parent / "sources"

_CLDR = "cldr_territory_languages/territory_languages_babel2.19_cldr49.csv"
_CLDR40 = "cldr_territory_languages/territory_info_language_data1.4.0_cldr40.csv"
_ALIASES = "language_codes/cldr49_language_aliases.csv"
_MACRO = "language_codes/iana_macrolanguages.csv"
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

# Developer's country of origin (headquarters of the releasing organisation), by
# family name; a family missing here stops the build.
ORIGINS = {
    "Llama 3.1": "United States",          # Meta
    "Llama 4 (Meta)": "United States",
    "Granite 3.3 (IBM)": "United States",
    "Aya-101": "Canada",                   # Cohere For AI (Cohere Labs), Toronto
    "Aya 23 / Aya Expanse": "Canada",
    "SEA-LION v1/v3": "Singapore",         # AI Singapore
    "Qwen3": "China",                      # Alibaba Cloud (Qwen team)
    "BLOOM": "France",                     # BigScience, trained on France's Jean Zay (GENCI/IDRIS)
    "Mixtral 8x7B / 8x22B (Mistral AI)": "France",
    "Mistral Large 2 (2407)": "France",
    "Mistral Small 3 (24B-Instruct-2501)": "France",
    "Ministral 8B (2410)": "France",
    "Falcon-H1 (TII)": "United Arab Emirates",
    "Jais family (Inception/G42)": "United Arab Emirates",
    "InkubaLM-0.4B (Lelapa AI)": "South Africa",
    "Sarvam-1 (Sarvam AI)": "India",
}
"""Open-weight LLM family -> developer's country of origin."""

EUROPE = frozenset({"France", "Germany", "United Kingdom", "Italy", "Spain", "Netherlands",
                    "Switzerland", "Sweden", "Finland", "Norway", "Denmark", "Poland", "Austria",
                    "Belgium", "Ireland", "Portugal", "Czechia", "Greece"})
ORIGIN_GROUPS = ("United States", "China", "Europe", "other")


def origin_group(country: str) -> str:
    """The reporting group of an origin country: United States, China, Europe or other.

    >>> origin_group("France"), origin_group("Canada"), origin_group("China")
    ('Europe', 'other', 'China')
    """
    if country in ("United States", "China"):
        return country
    return "Europe" if country in EUROPE else "other"


_MT_LIST = (_MLS + "nllb200_flores200_languages.csv", "iso639_3", "NLLB-200")
_ASR_LIST = (_MLS + "whisper_languages_openai-whisper-20250625.csv", "iso639_1_or_code", "Whisper")

_GOLDFISH_CATEGORIES = ("1000mb", "100mb", "10mb", "5mb", "dropped")
_AT_LEAST_100MB = frozenset({"1000mb", "100mb"})

# World Bank economy codes that are not ISO 3166-1 alpha-3 -> CLDR territories.
_WB_TERRITORIES = {"XKX": ("XK",), "CHI": ("GG", "JE")}

_DECISIONS = {
    "no": (
        "nb",
        "Norwegian (macrolanguage) is taken to mean its dominant standard, Bokmål, "
        "as CLDR does for ar=arb, sw=swh, zh=cmn; Nynorsk (nn) stays separate",
    ),
}
_RETIRED = {
    "eml": "Emiliano-Romagnolo: retired ISO 639-3 code (not in pycountry); used by the "
    "Hugging Face survey and Goldfish; CLDR lists egl and rgn instead, so it matches "
    "no CLDR row",
}

# ISO 639 special codes that name no language: CLDR rows with them carry no information.
_NOT_A_LANGUAGE = frozenset({"und", "mul", "mis", "zxx"})

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")

_SRC_LLM = "cldr49_open_llm_languages"
_SRC_MT = "cldr49_nllb200"
_SRC_ASR = "cldr49_whisper"
_SRC_HF = "cldr49_hf_model_survey"
_SRC_TEXT = "cldr49_goldfish"

_CLDR_LICENCE = "Unicode License v3 (CLDR population shares)"

_LIC_LLM = _CLDR_LICENCE + "; model language lists are facts from vendor model cards and blogs"
_LIC_MT = _CLDR_LICENCE + "; FLORES-200 language table CC BY-SA 4.0"
_LIC_ASR = _CLDR_LICENCE + "; Whisper language list MIT"
_LIC_HF = _CLDR_LICENCE + "; aggregate counts, no licence file, cited (Arnett & Chang 2025)"
_LIC_TEXT = _CLDR_LICENCE + "; Goldfish data table, no licence file, cited (Chang et al. 2024)"
_SRC_ORIGINS = "cldr49_open_llm_origins"

INDICATORS = [
    {
        "code": "open_llm_population",
        "name": "Population speaking at least one language of an open-weight LLM",
        "parent": "localisation",
        "direction": 1,
        "weight": 1.0,
        "unit": "% of population",
        "transform": "none",
        "source": _SRC_LLM,
        "licence": _LIC_LLM,
        "year": 2025,
        "description": (
            "Estimated share of the population that speaks at least one language covered by "
            "an open-weight LLM family with a published language list (Llama 3.1, Llama 4, "
            "Aya-101, Aya 23/Expanse, SEA-LION, Qwen3, BLOOM, Mistral/Mixtral/Ministral, "
            "Falcon-H1, Granite 3.3, Jais, InkubaLM, Sarvam-1): 100 x (1 - prod(1 - s_i/100)) "
            "over the CLDR shares s_i of the covered languages (speakers of different languages "
            "treated as independent), which lies between the largest share (lower bound) and "
            "the capped sum (upper bound); both bounds are in provenance. Replaces the four "
            "max-rule coverage indicators of 2026.11 (LLM, MT, ASR, open text), which carried "
            "the same information."
        ),
    },
    {
        "code": "model_origin_diversity",
        "name": "Population whose languages open-weight LLMs from two or more origin countries serve",
        "parent": "localisation",
        "direction": 1,
        "weight": 1.0,
        "unit": "% of population",
        "transform": "none",
        "source": _SRC_ORIGINS,
        "licence": _LIC_LLM,
        "year": 2025,
        "description": (
            "As open_llm_population, counting only languages covered by open-weight LLM "
            "families from at least two different developer countries (languages.ORIGINS): "
            "the share of people who do not depend on one foreign supplier of models for their "
            "language."
        ),
    },
    {
        "code": "hf_models_speaker_weighted",
        "name": "Hugging Face models in the country's languages, weighted by speakers",
        "parent": "localisation",
        "direction": 1,
        "weight": 1.0,
        "unit": "models (speaker-weighted geometric mean of 1 + count, minus 1)",
        "transform": "log1p",
        "source": _SRC_HF,
        "licence": _LIC_HF,
        "year": 2025,
        "description": (
            "expm1 of the CLDR-share-weighted mean of log1p(Hugging Face models tagged "
            "with the language) over the country's CLDR languages; a language absent "
            "from the survey has 0 models. log1p recovers the weighted mean of logs."
        ),
    },
]
"""One dict per indicator, in the columns of the Indicators table."""

_CLDR_CITATION = (
    "Unicode CLDR 49, territory-language population data (supplementalData.xml "
    "territoryInfo), as shipped in babel 2.19.0"
)

SOURCES = [
    {
        "source": _SRC_LLM,
        "name": "CLDR population shares x officially supported languages of open-weight LLMs",
        "publisher": "Unicode CLDR; Meta, Cohere For AI, AI Singapore, Mistral AI, TII, IBM, "
        "Inception/G42, Lelapa AI, Sarvam AI",
        "url": "https://cldr.unicode.org/ ; model cards listed in "
        "indicators/sources/model_language_support/README.md",
        "licence": _LIC_LLM,
        "year": 2025,
        "citation": _CLDR_CITATION + "; model language lists as cited in "
        "indicators/sources/model_language_support/README.md",
    },
    {
        "source": _SRC_ORIGINS,
        "name": "CLDR population shares x open-weight LLM languages x developer country",
        "publisher": "Unicode CLDR; model developers as for cldr49_open_llm_languages",
        "url": "https://cldr.unicode.org/ ; indicators/languages.py ORIGINS",
        "licence": _LIC_LLM,
        "year": 2025,
        "citation": _CLDR_CITATION + "; model language lists as cited in "
        "indicators/sources/model_language_support/README.md; developer countries: "
        "headquarters of the releasing organisation (languages.ORIGINS)",
    },
    {
        "source": _SRC_MT,
        "name": "CLDR population shares x NLLB-200 languages (FLORES-200)",
        "publisher": "Unicode CLDR; Meta AI (NLLB Team)",
        "url": "https://github.com/facebookresearch/flores/blob/main/flores200/README.md",
        "licence": _LIC_MT,
        "year": 2022,
        "citation": _CLDR_CITATION + "; NLLB Team (2022), No Language Left Behind, FLORES-200 "
        "language table (commit a6c830c6)",
    },
    {
        "source": _SRC_ASR,
        "name": "CLDR population shares x Whisper languages",
        "publisher": "Unicode CLDR; OpenAI",
        "url": "https://pypi.org/project/openai-whisper/20250625/",
        "licence": _LIC_ASR,
        "year": 2025,
        "citation": _CLDR_CITATION + "; openai-whisper 20250625, whisper/tokenizer.py LANGUAGES",
    },
    {
        "source": _SRC_HF,
        "name": "CLDR population shares x Hugging Face models per language",
        "publisher": "Unicode CLDR; Arnett & Chang",
        "url": "https://huggingface.co/blog/catherinearnett/hf-model-survey",
        "licence": _LIC_HF,
        "year": 2025,
        "citation": _CLDR_CITATION + "; Arnett, C. and Chang, T. A. (2025), An Analysis of "
        "Multilingual Models on Hugging Face, Hugging Face Blog (data: GitHub "
        "catherinearnett/hf_model_survey, commit e3fb55b4)",
    },
    {
        "source": _SRC_TEXT,
        "name": "CLDR population shares x Goldfish text data per language",
        "publisher": "Unicode CLDR; Chang et al.",
        "url": "https://github.com/tylerachang/goldfish",
        "licence": _LIC_TEXT,
        "year": 2024,
        "citation": _CLDR_CITATION + "; Chang, T. A. et al. (2024), Goldfish: Monolingual "
        "Language Models for 350 Languages (goldfish_data_info.tsv)",
    },
]
"""One dict per source id used in :data:`INDICATORS`, in the columns of the Sources table."""


class SourceError(ValueError):
    """A raw source file is missing, has changed columns or holds a bad value.

    The message names the file and, for a bad value, its line (the header is line 1).
    """


# --------------------------------------------------------------------------- helpers


def _read(
    sources_dir: Path, relpath: str, columns: Iterable[str], *, sep: str = ","
) -> tuple[pd.DataFrame, Path]:
    """Read one source file as text, checking that it exists and has the expected columns."""
    path = Path(sources_dir) / relpath
    if not path.is_file():
        raise SourceError(
            f"{path}: file not found; the language indicators need it (see {Path(relpath).parent}/README.md)."
        )
    try:
        frame = pd.read_csv(
            path, sep=sep, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot be read as {'TSV' if sep == chr(9) else 'CSV'}: {exc}") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceError(
            f"{path}, line 1: column(s) {', '.join(repr(c) for c in missing)} not found; "
            f"found {', '.join(repr(c) for c in frame.columns)}. The file's columns have changed."
        )
    blank = frame.index[(frame == "").all(axis=1)]
    if len(blank):
        raise SourceError(f"{path}, line {blank[0] + 2}: empty row.")
    return frame, path


def _number(path: Path, line: int, column: str, text: str, *, low: float, high: float) -> float:
    """Parse a number in [low, high], or raise SourceError naming the file and line."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (low <= value <= high):
        raise SourceError(
            f"{path}, line {line}: column {column!r} holds {text!r}; expected a number in [{low:g}, {high:g}]."
        )
    return value


def _is_iso639(code: str) -> bool:
    """True for an ISO 639-1/-3 or ISO 639-5 code known to pycountry."""
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code) is not None
    return (
        pycountry.languages.get(alpha_3=code) is not None
        or pycountry.language_families.get(alpha_3=code) is not None
    )


def _describe(code: str) -> tuple[str, str, str]:
    """ISO 639-3 code, name and scope of an ISO 639 code ('' for a code pycountry lacks)."""
    if code in _RETIRED:
        return code, _RETIRED[code].split(":")[0], "retired"
    rec = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if rec is not None:
        scope = {"I": "individual", "M": "macrolanguage", "S": "special"}.get(getattr(rec, "scope", ""), "")
        return rec.alpha_3, rec.name, scope
    fam = pycountry.language_families.get(alpha_3=code) if len(code) == 3 else None
    return (fam.alpha_3, fam.name, "collective") if fam is not None else ("", "", "")


def _describe_alpha2(code: str) -> str:
    """The shortest ISO 639 form of a code (the IANA registry's subtag)."""
    rec = pycountry.languages.get(alpha_3=code) if len(code) == 3 else None
    return getattr(rec, "alpha_2", code) if rec is not None else code


@dataclass(frozen=True)
class Crosswalk:
    """Reduce language codes to match keys (see the module docstring).

    Parameters
    ----------
    aliases : mapping of str to str
        CLDR language aliases, alias -> replacement tag (e.g. ``swh`` -> ``sw``).
    """

    aliases: Mapping[str, str] = field(repr=False)

    def resolve(self, code: str) -> tuple[str, str] | None:
        """Return ``(key, rule)`` for a code, or None if it is not a known language code."""
        code = code.strip()
        if not _TAG.match(code):
            return None
        parts = re.split(r"[_-]", code)
        lang = parts[0].lower()
        steps: list[str] = [f"subtag {'_'.join(parts[1:])} dropped"] if len(parts) > 1 else []
        seen: set[str] = set()
        while lang in self.aliases and lang not in seen:
            seen.add(lang)
            new = re.split(r"[_-]", self.aliases[lang])[0].lower()
            steps.append(f"CLDR alias {lang}->{self.aliases[lang]}")
            lang = new
        if lang in _DECISIONS:
            steps.append(f"decision {lang}->{_DECISIONS[lang][0]}")
            lang = _DECISIONS[lang][0]
        if lang in _RETIRED:
            steps.append("retired ISO 639-3 code, kept as its own key")
        elif not _is_iso639(lang):
            return None
        return lang, "; ".join(steps) if steps else "ISO 639 code"

    def key(self, code: str) -> str:
        """Return the match key of a code; raise ValueError for an unknown code."""
        resolved = self.resolve(code)
        if resolved is None:
            raise ValueError(
                f"unknown language code {code!r}: not an ISO 639 code, a CLDR alias or a documented exception."
            )
        return resolved[0]


@functools.lru_cache(maxsize=8)
def _load_crosswalk(sources_dir: str) -> Crosswalk:
    frame, path = _read(Path(sources_dir), _ALIASES, ["alias", "replacement"])
    aliases: dict[str, str] = {}
    for i, (alias, replacement) in enumerate(zip(frame["alias"], frame["replacement"])):
        if not _TAG.match(alias) or not _TAG.match(replacement):
            raise SourceError(
                f"{path}, line {i + 2}: {alias!r} -> {replacement!r} is not a pair of language tags."
            )
        if alias in aliases:
            raise SourceError(f"{path}, line {i + 2}: alias {alias!r} appears twice.")
        aliases[alias] = replacement
    return Crosswalk(aliases)


def load_crosswalk(sources_dir: Path | None = None) -> Crosswalk:
    """Load the language-code crosswalk from ``sources_dir/language_codes/``.

    Parameters
    ----------
    sources_dir : pathlib.Path, default=None
        The sources folder; None means the ``sources/`` folder next to this module.

    Returns
    -------
    Crosswalk

    Raises
    ------
    SourceError
        If the alias file is missing, has changed columns or holds a bad row.

    Examples
    --------
    >>> cw = load_crosswalk()
    >>> [cw.key(c) for c in ["swh", "swa", "sw", "zh_Hant", "cmn", "pes", "prs", "tgl", "no"]]
    ['sw', 'sw', 'sw', 'zh', 'zh', 'fa', 'fa', 'fil', 'nb']
    """
    return _load_crosswalk(str(Path(sources_dir or _DEFAULT_SOURCES).resolve()))


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
    frame, path = _read(sources_dir, relpath, columns)
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
    frame, path = _read(sources_dir, _CLDR, ["territory_iso2", "language", "population_percent"])
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
        share = _number(path, line, "population_percent", pct, low=0.0, high=100.0)
        if resolved[0] in _NOT_A_LANGUAGE:
            continue
        shares = out.setdefault(terr, {})
        shares[resolved[0]] = max(shares.get(resolved[0], 0.0), share)
    return out


def _populations(sources_dir: Path, territories: Iterable[str]) -> dict[str, float]:
    """Territory populations from the CLDR 40 territoryInfo file."""
    frame, path = _read(sources_dir, _CLDR40, ["territory_iso2", "territory_population"])
    wanted = set(territories)
    out: dict[str, float] = {}
    for i, (terr, pop) in enumerate(zip(frame["territory_iso2"], frame["territory_population"])):
        if terr in wanted and terr not in out:
            out[terr] = _number(path, i + 2, "territory_population", pop, low=0.0, high=math.inf)
    return out


def _hf_counts(sources_dir: Path, cw: Crosswalk) -> dict[str, float]:
    """Key -> Hugging Face models tagged with it (largest count among codes of one key)."""
    frame, path = _read(sources_dir, _HF, ["language", "n_models"])
    out: dict[str, float] = {}
    for i, (code, n) in enumerate(zip(frame["language"], frame["n_models"])):
        resolved = cw.resolve(code)
        if resolved is None:
            raise SourceError(f"{path}, line {i + 2}: unknown language code {code!r} in column 'language'.")
        count = _number(path, i + 2, "n_models", n, low=0.0, high=math.inf)
        out[resolved[0]] = max(out.get(resolved[0], 0.0), count)
    return out


def _text_keys(sources_dir: Path, cw: Crosswalk) -> set[str]:
    """Keys with a Goldfish corpus of at least 100 MB in some script."""
    frame, path = _read(sources_dir, _GOLDFISH, ["lang", "category"], sep="\t")
    out: set[str] = set()
    for i, (code, category) in enumerate(zip(frame["lang"], frame["category"])):
        resolved = cw.resolve(code)
        if resolved is None:
            raise SourceError(f"{path}, line {i + 2}: unknown language code {code!r} in column 'lang'.")
        if category not in _GOLDFISH_CATEGORIES:
            raise SourceError(
                f"{path}, line {i + 2}: column 'category' holds {category!r}; expected one of {', '.join(_GOLDFISH_CATEGORIES)}."
            )
        if category in _AT_LEAST_100MB:
            out.add(resolved[0])
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
    macro_frame, _ = _read(sources_dir, _MACRO, ["subtag", "macrolanguage"])
    macro = dict(zip(macro_frame["subtag"], macro_frame["macrolanguage"]))
    files: list[tuple[str, str, str]] = [(_CLDR, "language", ",")]
    files += [(f, c, ",") for f, c, _ in (*_LLM_LISTS, _MT_LIST, _ASR_LIST)]
    files += [(_HF, "language", ","), (_GOLDFISH, "lang", "\t")]
    found: dict[str, set[str]] = {}
    for relpath, column, sep in files:
        frame, path = _read(sources_dir, relpath, [column], sep=sep)
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
        iso3, name, scope = _describe(lang)
        if not iso3:  # a non-ISO code such as Whisper's 'jw': describe its key
            name, scope = _describe(key)[1:]
        member_of = macro.get(_describe_alpha2(lang), "")
        decided = [d for d in _DECISIONS if f"decision {d}->" in rule]
        note = _DECISIONS[decided[0]][1] if decided else _RETIRED.get(key, "")
        rows.append(
            {
                "code": code,
                "found_in": ";".join(sorted(found[code])),
                "iso639_3": iso3,
                "name": name,
                "scope": scope,
                "macrolanguage": _describe(member_of)[0] if member_of else "",
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
                "country": country, "language": k, "name": _describe(k)[1] or k,
                "share": round(shares[k], 4), "families": "; ".join(fams),
                "origins": "; ".join(sorted({ORIGINS[f] for f in fams})),
            })
    origins = pd.DataFrame(rows, columns=["country", *by_group, "single_origin_country"])
    languages = pd.DataFrame(lang_rows, columns=["country", "language", "name", "share", "families", "origins"])
    return origins, languages
