"""Tests for indicators/languages.py: the language join behind the localisation indicators."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from readiness.indicators import languages as L

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "indicators" / "sources"
WB_LIST = SOURCES / "wb_class" / "CLASS_FY2025_list_of_economies.csv"
CODES = [ind["code"] for ind in L.INDICATORS]
LANGUAGE_FOLDERS = [
    "cldr_territory_languages",
    "model_language_support",
    "hf_language_model_stats",
    "language_codes",
]
WHISPER = "model_language_support/whisper_languages_openai-whisper-20250625.csv"
CLDR = "cldr_territory_languages/territory_languages_babel2.19_cldr49.csv"

# Kenya in CLDR 49 (the 20 rows of territory KE), and Hugging Face models per language
# (by_language_stats.csv: swa 328, eng 75577, kik 104, luo 11, kam 8, mas 3, som 76,
# orm 67, arb 2103, pan 246, guj 277; the other Kenyan languages are absent, i.e. 0).
KENYA = {
    "sw": 66.0,
    "en": 19.0,
    "ki": 17.0,
    "luy": 11.0,
    "luo": 9.8,
    "kam": 7.6,
    "kln": 7.6,
    "guz": 4.9,
    "mer": 4.0,
    "mas": 1.6,
    "ebu": 1.5,
    "so": 1.3,
    "dav": 0.82,
    "teo": 0.74,
    "pko": 0.69,
    "om": 0.47,
    "saq": 0.46,
    "ar": 0.046,
    "pa": 0.017,
    "gu": 0.0086,
}
KENYA_MODELS = {
    "sw": 328,
    "en": 75577,
    "ki": 104,
    "luo": 11,
    "kam": 8,
    "mas": 3,
    "so": 76,
    "om": 67,
    "ar": 2103,
    "pa": 246,
    "gu": 277,
}


@pytest.fixture(scope="module")
def wb_codes() -> list[str]:
    if not WB_LIST.is_file():
        pytest.skip(f"{WB_LIST} not copied yet (the build helper copies wb_class/)")
    wb = pd.read_csv(WB_LIST, dtype=str, keep_default_na=False)
    return sorted(wb.loc[wb["Region"] != "", "Code"])


@pytest.fixture(scope="module")
def built(wb_codes):
    return L.language_indicators(SOURCES, wb_codes)


@pytest.fixture()
def sources_copy(tmp_path: Path) -> Path:
    """A private copy of the four source folders the module reads."""
    for folder in LANGUAGE_FOLDERS:
        shutil.copytree(SOURCES / folder, tmp_path / folder)
    return tmp_path


# ----------------------------------------------------------------- the max rule


def test_max_rule_takes_the_largest_covered_share_not_the_sum():
    shares = {"de": 70.0, "fr": 40.0, "it": 20.0}
    assert L.coverage_share(shares, ["fra", "ita"]) == 40.0  # max(40, 20), not 60
    assert L.coverage_share(shares, ["deu", "fra", "ita"]) == 70.0
    assert L.coverage_share(shares, ["ja"]) == 0.0  # nothing covered: 0, not a gap
    assert L.coverage_share(shares, []) == 0.0


def test_rows_with_the_same_key_count_once():
    # sr and sr_Latn are one language: weights sr 50, en 50, not sr 100, en 50.
    # expm1((log1p(9) + log1p(99)) / 2) = sqrt(10 * 100) - 1 = 30.6227766
    value = L.speaker_weighted_models({"sr": 50.0, "sr_Latn": 50.0, "en": 50.0}, {"srp": 9, "eng": 99})
    assert value == pytest.approx(math.sqrt(1000) - 1, rel=1e-12)


def test_speaker_weighting_counts_absent_languages_as_zero_models():
    # expm1((3 * log1p(0) + 1 * log1p(15)) / 4) = 16 ** 0.25 - 1 = 1
    assert L.speaker_weighted_models({"fr": 30.0, "br": 10.0}, {"bre": 15}) == pytest.approx(1.0, rel=1e-12)


def test_shares_outside_0_100_are_refused():
    with pytest.raises(ValueError, match="expected a percentage"):
        L.coverage_share({"en": 120.0}, ["en"])


# ----------------------------------------------------------------- Kenya


def test_kenya_rows_are_the_ones_typed_here():
    cldr = pd.read_csv(SOURCES / CLDR, dtype=str, keep_default_na=False)
    ke = cldr[cldr["territory_iso2"] == "KE"]
    assert dict(zip(ke["language"], ke["population_percent"].astype(float))) == KENYA


def test_kenya_open_llm_population_lies_within_its_bounds(built):
    values, provenance = built
    # Swahili 66 % (Aya-101, InkubaLM, Qwen3, BLOOM) is the largest covered share: the lower bound.
    value = values.loc["KEN", "open_llm_population"]
    assert 66.0 < value <= 100.0
    note = provenance.loc[(provenance["country"] == "KEN")
                          & (provenance["indicator"] == "open_llm_population"), "note"].iloc[0]
    assert "bounds 66-" in note and "sw 66%" in note


def test_union_share_hand_computed():
    # Switzerland-like: de 60, fr 20, it 10 (rm 0.5 uncovered): 1 - 0.4 x 0.8 x 0.9 = 0.712
    est, low, high = L.union_share({"de": 60.0, "fr": 20.0, "it": 10.0, "rm": 0.5}, {"de", "fr", "it"})
    assert est == pytest.approx(71.2) and low == 60.0 and high == 90.0
    # the cap: shares that sum above 100
    est, low, high = L.union_share({"en": 90.0, "hi": 80.0}, {"en", "hi"})
    assert est == pytest.approx(98.0) and low == 90.0 and high == 100.0
    assert L.union_share({"sw": 66.0}, set()) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("iso3, largest", [("IND", 41.0), ("ZAF", None), ("NGA", None), ("KEN", 66.0),
                                           ("CHE", None)])
def test_estimator_bounds_on_multilingual_countries(built, iso3, largest):
    values, provenance = built
    note = provenance.loc[(provenance["country"] == iso3)
                          & (provenance["indicator"] == "open_llm_population"), "note"].iloc[0]
    low, high = (float(x) for x in note.split("(bounds ")[1].split("%)")[0].split("-"))
    value = values.loc[iso3, "open_llm_population"]
    assert low <= value <= high <= 100.0
    if largest is not None:
        assert low == largest
    # the max rule of 2026.11 (the lower bound) understated every one of these
    assert value > low


def test_qwen3_is_included_and_tagged_chinese():
    assert L.ORIGINS["Qwen3"] == "China"
    assert any("qwen3" in f for f, _, _ in L._LLM_LISTS)
    origins, langs = L.origin_tables(SOURCES, ["KEN", "IND"])
    ken = origins.set_index("country").loc["KEN"]
    # Swahili is covered by Qwen3 (China) and Aya-101 (Canada), not by a US family
    assert ken["China"] >= 66.0 and ken["United States"] < 66.0
    sw = langs[(langs["country"] == "KEN") & (langs["language"] == "sw")].iloc[0]
    assert "Qwen3" in sw["families"] and "China" in sw["origins"]


def test_model_origin_diversity_never_exceeds_coverage(built):
    values, _ = built
    both = values.dropna()
    assert (both["model_origin_diversity"] <= both["open_llm_population"] + 1e-9).all()


def test_kenya_with_llama_31_alone_is_english_19():
    llama = pd.read_csv(SOURCES / "model_language_support/llama3.1_supported_languages.csv", dtype=str)
    # Llama 3.1: en de fr it pt hi es th. Of Kenya's languages only English (19) and Hindi (absent).
    assert L.coverage_share(KENYA, llama["iso639_1"]) == 19.0


def test_kenya_speaker_weighted_models(built):
    values, _ = built
    total = sum(KENYA.values())  # 154.6336
    mean_log = sum(share * math.log1p(KENYA_MODELS.get(lang, 0)) for lang, share in KENYA.items()) / total
    assert values.loc["KEN", "hf_models_speaker_weighted"] == pytest.approx(math.expm1(mean_log), abs=1e-4)
    assert values.loc["KEN", "hf_models_speaker_weighted"] == pytest.approx(109.0065, abs=1e-4)


# ----------------------------------------------------------------- the crosswalk


@pytest.mark.parametrize(
    "a, b",
    [
        ("swh", "sw"),
        ("swa", "sw"),
        ("swc", "sw"),  # Swahili: macrolanguage = swh; CLDR: swc = sw_CD
        ("arb", "ar"),
        ("ara", "ar"),  # Arabic: macrolanguage = Standard Arabic
        ("pes", "fa"),
        ("prs", "fa"),
        ("fas", "fa"),  # Persian: Iranian Persian and Dari (CLDR fa_AF)
        ("cmn", "zh"),
        ("zho", "zh"),
        ("zh_Hant", "zh"),
        ("zh_Hant", "cmn"),  # Chinese: Mandarin, any script
        ("zsm", "ms"),
        ("msa", "ms"),  # Malay
        ("no", "nb"),
        ("nor", "nb"),
        ("nob", "nb"),  # Norwegian = Bokmål (project decision)
        ("tgl", "fil"),
        ("tl", "fil"),  # Filipino / Tagalog (CLDR alias)
        ("sr_Latn", "sr"),
        ("srp", "sr"),
        ("hbs", "sr"),  # Serbian; CLDR: sh -> sr_Latn
        ("jw", "jv"),
        ("eng", "en"),
        ("ha_Arab", "ha"),
    ],
)
def test_same_language(a, b):
    cw = L.load_crosswalk(SOURCES)
    assert cw.key(a) == cw.key(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("yue", "zh"),
        ("nan", "zh"),
        ("hak", "zh"),  # other Chinese languages keep their own key
        ("arz", "ar"),
        ("ary", "ar"),  # Arabic varieties CLDR lists separately
        ("nn", "nb"),
        ("nn", "no"),  # Nynorsk is not Bokmål
        ("hr", "sr"),
        ("bs", "sr"),
        ("hr", "bs"),
        ("id", "ms"),  # Indonesian is a member of the Malay macrolanguage, not Malay
        ("pbt", "ps"),  # NLLB's Southern Pashto is not CLDR's ps (= pbu)
    ],
)
def test_different_language(a, b):
    cw = L.load_crosswalk(SOURCES)
    assert cw.key(a) != cw.key(b)


def test_macrolanguage_covers_its_dominant_language_both_ways():
    assert L.coverage_share({"sw": 66.0}, ["swh"]) == 66.0  # model lists swh, CLDR has sw
    assert L.coverage_share({"fa": 75.0}, ["pes"]) == 75.0
    assert L.coverage_share({"zh_Hant": 95.0, "yue": 90.0}, ["zh"]) == 95.0
    assert L.coverage_share({"zh_Hant": 95.0, "yue": 90.0}, ["yue"]) == 90.0
    assert L.coverage_share({"ary": 87.0, "ar": 62.0}, ["ara"]) == 62.0  # Arabic does not cover Darija
    assert L.coverage_share({"nb": 100.0, "nn": 25.0}, ["no"]) == 100.0
    assert L.coverage_share({"nn": 25.0}, ["no"]) == 0.0


def test_unknown_code_is_refused():
    cw = L.load_crosswalk(SOURCES)
    assert cw.resolve("xx") is None
    assert cw.resolve("sw-") is None
    with pytest.raises(ValueError, match="unknown language code 'xx'"):
        L.coverage_share({"xx": 10.0}, ["en"])


def test_crosswalk_csv_is_the_current_table():
    shipped = pd.read_csv(ROOT / "indicators" / "crosswalk.csv", dtype=str, keep_default_na=False)
    current = L.crosswalk_table(SOURCES).astype(str)
    pd.testing.assert_frame_equal(shipped, current, check_dtype=False)


# ----------------------------------------------------------------- the build


@pytest.mark.parametrize("code", CODES)
def test_each_indicator_covers_at_least_120_wb_economies(built, code):
    values, _ = built
    assert values[code].notna().sum() >= 120


def test_values_and_provenance_shape(built, wb_codes):
    values, provenance = built
    assert list(values.index) == wb_codes and values.index.name == "country"
    assert list(values.columns) == CODES
    shares = values[[c for c in CODES if c != "hf_models_speaker_weighted"]]
    assert ((shares >= 0) & (shares <= 100) | shares.isna()).all().all()
    assert list(provenance.columns) == ["country", "indicator", "year", "source", "note"]
    assert len(provenance) == int(values.notna().sum().sum())
    meta = {ind["code"]: ind for ind in L.INDICATORS}
    assert (provenance["source"] == provenance["indicator"].map(lambda c: meta[c]["source"])).all()
    assert (provenance["year"] == provenance["indicator"].map(lambda c: meta[c]["year"])).all()
    assert provenance.equals(provenance.sort_values(["country", "indicator"]).reset_index(drop=True))


def test_is_deterministic_and_order_free(wb_codes):
    a = L.language_indicators(SOURCES, wb_codes)
    b = L.language_indicators(SOURCES, list(reversed(wb_codes)))
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])


def test_sparse_cldr_territory_is_a_gap(built):
    values, provenance = built
    # Chad: CLDR lists ar 17 % and fr 13 %, 30 % in all (< 50 %): a gap in every indicator.
    assert values.loc["TCD"].isna().all()
    assert "TCD" not in set(provenance["country"])


def test_kosovo_and_channel_islands(built):
    values, provenance = built
    assert values.loc["XKX", "open_llm_population"] >= 92.0  # CLDR XK: sq 92 %
    # CHI: English in Jersey 95 % (pop. 103,387) and Guernsey 100 % (67,787), CLDR 40 populations.
    chi = (103387 * 95 + 67787 * 100) / (103387 + 67787)  # 96.98006...
    assert values.loc["CHI", "open_llm_population"] >= round(chi, 4)
    note = provenance.loc[
        (provenance["country"] == "CHI") & (provenance["indicator"] == "open_llm_population"), "note"
    ]
    assert note.str.contains("GG+JE", regex=False).all()


def test_rows_are_exactly_the_countries_asked_for():
    values, _ = L.language_indicators(SOURCES, ["KEN", "ATA", "NOR"])
    assert list(values.index) == ["ATA", "KEN", "NOR"]
    assert values.loc["ATA"].isna().all()  # Antarctica: CLDR has only 'und' (undetermined) 100 %
    assert values.loc[["KEN", "NOR"]].notna().all().all()


def test_unknown_or_repeated_country_is_refused():
    with pytest.raises(ValueError, match="unknown country code 'XXX'"):
        L.language_indicators(SOURCES, ["KEN", "XXX"])
    with pytest.raises(ValueError, match="repeats KEN"):
        L.language_indicators(SOURCES, ["KEN", "KEN"])


def test_metadata():
    required = {
        "code",
        "name",
        "parent",
        "direction",
        "weight",
        "unit",
        "transform",
        "source",
        "licence",
        "year",
        "description",
    }
    for ind in L.INDICATORS:
        assert set(ind) == required
        assert ind["parent"] == "localisation" and ind["transform"] in {"none", "log", "log1p"}
    assert {ind["source"] for ind in L.INDICATORS} <= {s["source"] for s in L.SOURCES}


# ----------------------------------------------------------------- bad input


def test_reads_only_sources_dir(sources_copy):
    values, provenance = L.language_indicators(sources_copy, ["KEN", "CHI", "XKX"])
    ref_values, ref_provenance = L.language_indicators(SOURCES, ["KEN", "CHI", "XKX"])
    pd.testing.assert_frame_equal(values, ref_values)
    pd.testing.assert_frame_equal(provenance, ref_provenance)


QWEN3 = "model_language_support/qwen3_119_languages.csv"


def test_missing_file_names_the_file(sources_copy):
    (sources_copy / QWEN3).unlink()
    with pytest.raises(
        L.SourceError, match=r"qwen3_119_languages\.csv: file not found"
    ):
        L.language_indicators(sources_copy, ["KEN"])


def test_changed_column_names_the_file_and_column(sources_copy):
    path = sources_copy / CLDR
    path.write_text(
        path.read_text(encoding="utf-8").replace("population_percent", "percent", 1), encoding="utf-8"
    )
    with pytest.raises(L.SourceError) as err:
        L.language_indicators(sources_copy, ["KEN"])
    assert str(err.value).startswith(f"{path}, line 1: column(s) 'population_percent' not found")


def test_unknown_code_names_the_file_and_line(sources_copy):
    path = sources_copy / QWEN3
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[4].startswith("German,Indo-European,deu,")  # line 5
    lines[4] = lines[4].replace(",deu,", ",xqq,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(L.SourceError) as err:
        L.language_indicators(sources_copy, ["KEN"])
    assert str(err.value) == f"{path}, line 5: unknown language code 'xqq' in column 'iso639_3'."


def test_unknown_code_in_cldr_names_the_line(sources_copy):
    path = sources_copy / CLDR
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if text.startswith("KE,sw,")) + 1
    lines[line - 1] = lines[line - 1].replace("KE,sw,", "KE,s1w,")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(L.SourceError, match=rf"cldr49\.csv, line {line}: unknown language code 's1w'"):
        L.language_indicators(sources_copy, ["KEN"])


def test_bad_number_names_the_line(sources_copy):
    path = sources_copy / CLDR
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if text.startswith("KE,en,")) + 1
    lines[line - 1] = "KE,en,n/a,official\n"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(L.SourceError, match=rf"line {line}: column 'population_percent' holds 'n/a'"):
        L.language_indicators(sources_copy, ["KEN"])


def test_missing_alias_table_names_the_file(sources_copy):
    (sources_copy / "language_codes" / "cldr49_language_aliases.csv").unlink()
    with pytest.raises(L.SourceError, match=r"cldr49_language_aliases\.csv: file not found"):
        L.language_indicators(sources_copy, ["KEN"])
