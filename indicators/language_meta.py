"""What the language indicators are: their Indicators rows, their Sources rows, the model origins.

Metadata only (no computation): :data:`INDICATORS` and :data:`SOURCES` in the columns of the
Indicators and Sources tables, and :data:`ORIGINS`, the developer's country of every open-weight
LLM family counted by ``languages.py``.
"""

from __future__ import annotations

__all__ = ["INDICATORS", "SOURCES", "ORIGINS", "EUROPE", "ORIGIN_GROUPS", "origin_group",
           "SRC_LLM", "SRC_ORIGINS", "SRC_HF"]

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


SRC_LLM = "cldr49_open_llm_languages"
SRC_MT = "cldr49_nllb200"
SRC_ASR = "cldr49_whisper"
SRC_HF = "cldr49_hf_model_survey"
SRC_TEXT = "cldr49_goldfish"

_CLDR_LICENCE = "Unicode License v3 (CLDR population shares)"

_LIC_LLM = _CLDR_LICENCE + "; model language lists are facts from vendor model cards and blogs"
_LIC_MT = _CLDR_LICENCE + "; FLORES-200 language table CC BY-SA 4.0"
_LIC_ASR = _CLDR_LICENCE + "; Whisper language list MIT"
_LIC_HF = _CLDR_LICENCE + "; aggregate counts, no licence file, cited (Arnett & Chang 2025)"
_LIC_TEXT = _CLDR_LICENCE + "; Goldfish data table, no licence file, cited (Chang et al. 2024)"
SRC_ORIGINS = "cldr49_open_llm_origins"

INDICATORS = [
    {
        "code": "open_llm_population",
        "name": "Population speaking at least one language of an open-weight LLM",
        "parent": "localisation",
        "direction": 1,
        "weight": 1.0,
        "unit": "% of population",
        "transform": "none",
        "source": SRC_LLM,
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
        "source": SRC_ORIGINS,
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
        "source": SRC_HF,
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
        "source": SRC_LLM,
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
        "source": SRC_ORIGINS,
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
        "source": SRC_MT,
        "name": "CLDR population shares x NLLB-200 languages (FLORES-200)",
        "publisher": "Unicode CLDR; Meta AI (NLLB Team)",
        "url": "https://github.com/facebookresearch/flores/blob/main/flores200/README.md",
        "licence": _LIC_MT,
        "year": 2022,
        "citation": _CLDR_CITATION + "; NLLB Team (2022), No Language Left Behind, FLORES-200 "
        "language table (commit a6c830c6)",
    },
    {
        "source": SRC_ASR,
        "name": "CLDR population shares x Whisper languages",
        "publisher": "Unicode CLDR; OpenAI",
        "url": "https://pypi.org/project/openai-whisper/20250625/",
        "licence": _LIC_ASR,
        "year": 2025,
        "citation": _CLDR_CITATION + "; openai-whisper 20250625, whisper/tokenizer.py LANGUAGES",
    },
    {
        "source": SRC_HF,
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
        "source": SRC_TEXT,
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
