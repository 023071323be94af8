import pytest

from readiness.countries import (
    ISO3_TO_ISO2, code_problem, country_name, display_names, resolve_units, suggest, to_iso3,
)
from readiness.errors import UnknownCountryError


@pytest.mark.parametrize("query, iso3", [
    ("KE", "KEN"), ("ken", "KEN"), ("Kenya", "KEN"), ("Democratic Republic of the Congo", "COD"),
    ("Congo, Dem. Rep.", "COD"), ("Korea, Rep.", "KOR"), ("Côte d’Ivoire", "CIV"), ("Ivory Coast", "CIV"),
    ("Russia", "RUS"), ("Türkiye", "TUR"), ("Turkey", "TUR"), ("XK", "XKX"), ("Channel Islands", "CHI"),
    ("Viet Nam", "VNM"), ("Lao PDR", "LAO"), ("UK", "GBR"), ("The Gambia", "GMB"), ("Gambia, The", "GMB"),
    ("the Bahamas", "BHS"), ("South Korea", "KOR"), ("Congo - Kinshasa", "COD"), ("Taiwan", "TWN"),
    ("Bosnia and Herzegovina", "BIH"), ("Bosnia & Herzegovina", "BIH"),
])
def test_names_codes_and_world_bank_spellings(query, iso3):
    assert to_iso3(query) == iso3


@pytest.mark.parametrize("query, listed", [
    ("Congo", "(COG Congo - Brazzaville, COD Congo - Kinshasa)"),
    ("Korea", "(KOR South Korea, PRK North Korea)"),
])
def test_ambiguous_names_are_an_error_listing_the_candidates(query, listed):
    with pytest.raises(UnknownCountryError) as exc:
        to_iso3(query)
    assert str(exc.value) == f"{query!r} fits more than one country {listed}; give the code"


def test_unknown_gives_none_and_only_close_suggestions():
    assert to_iso3("Atlantis") is None
    assert suggest("Kenia", {"KEN": "Kenya", "KOR": "Korea, Rep.", "BEL": "Belgium"}) == ["KEN Kenya"]
    assert suggest("Atlantis", {"ALB": "Albania", "ATG": "Antigua & Barbuda"}) == []
    assert suggest("Keny", {"KEN": "Kenya"}) == ["KEN Kenya"]


def test_display_names_are_cldr_short_and_neutral():
    assert [country_name(c) for c in ("TWN", "KOR", "HKG", "MAC", "PSE", "COD", "XKX")] == [
        "Taiwan", "South Korea", "Hong Kong", "Macao", "Palestine", "Congo - Kinshasa", "Kosovo"]
    assert display_names(["KEN", "KE-30"]) == ["Kenya", "KE-30"]


def test_the_embedded_iso_table_matches_pycountry():
    import pycountry

    assert {c.alpha_3: c.alpha_2 for c in pycountry.countries} == {
        k: v for k, v in ISO3_TO_ISO2.items() if k not in ("XKX", "CHI")}


@pytest.mark.parametrize("text, found", [
    ("\u041a\u0415N", "the Cyrillic letter '\u041a' (U+041A)"),
    ("\uff2b\uff25\uff2e", "the full-width or compatibility character '\uff2b' (U+FF2B)"),
    ("KEN\u200b", "the invisible or control character '\\u200b' (U+200B)"),
    ("KE\x1bN", "the control character '\\x1b' (U+001B)"),
])
def test_look_alike_codes_are_refused(text, found):
    assert code_problem(text) == found
    assert to_iso3(text) is None


def test_unit_codes_and_aliases_never_collide():
    codes, problems = resolve_units(["DRC", "COD", "KE-30", "DE21", "U0000001", "Kenya", "ke"])
    assert codes == ["DRC", "COD", "KE-30", "DE21", "U0000001", "KEN", "KEN"] and problems == {}
    units = {"DRC": "Unit DRC", "COD": "", "KE-30": "Baringo"}
    codes, problems = resolve_units(["DRC", "COD", "baringo", "Congo", "Narnia"], units)
    assert codes == ["DRC", "COD", "KE-30", None, None]
    assert problems == {3: "'Congo', which fits more than one country (COG Congo - Brazzaville, "
                           "COD Congo - Kinshasa)", 4: "'Narnia'"}
