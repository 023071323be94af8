import pytest

from readiness.countries import suggest, to_iso3


@pytest.mark.parametrize("query, iso3", [
    ("KE", "KEN"), ("ken", "KEN"), ("Kenya", "KEN"), ("Democratic Republic of the Congo", "COD"),
    ("Congo, Dem. Rep.", "COD"), ("Korea, Rep.", "KOR"), ("Côte d’Ivoire", "CIV"), ("Ivory Coast", "CIV"),
    ("Russia", "RUS"), ("Türkiye", "TUR"), ("Turkey", "TUR"), ("XK", "XKX"), ("Channel Islands", "CHI"),
    ("Viet Nam", "VNM"), ("Lao PDR", "LAO"), ("UK", "GBR"),
])
def test_names_codes_and_world_bank_spellings(query, iso3):
    assert to_iso3(query) == iso3


def test_unknown_gives_none_and_close_suggestions():
    assert to_iso3("Atlantis") is None
    assert suggest("Kenia", {"KEN": "Kenya", "KOR": "Korea, Rep.", "BEL": "Belgium"}) == ["KEN Kenya"]
