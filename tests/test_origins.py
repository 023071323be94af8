"""readiness.origins (C7): coverage by model origin, languages and hosted compute of the default dataset."""

import pandas as pd
import pytest

import readiness
from readiness import origins


@pytest.fixture(scope="module")
def ds():
    return readiness.load_dataset()


def test_origin_coverage_kenya_and_india(ds):
    ken = origins.origin_coverage(ds, "KEN")
    ind = origins.origin_coverage(ds, "India")
    assert set(ken) == set(origins.ORIGIN_KEYS) | {"single_origin_country"}
    # Kenya: Swahili (66 %) is served by Qwen3 (China), BLOOM (France), Aya-101 (Canada), InkubaLM
    # (South Africa) but by no US family; US models reach only English speakers (19 %) and others
    assert ken["United States"] < 66.0 <= min(ken["China"], ken["Europe"], ken["other"])
    assert ken["at_least_two_origins"] >= 66.0
    assert ken["single_origin_country"] is None
    # India: Hindi (41 %) is covered by US families; every value is a percentage
    assert 41.0 <= ind["United States"] <= 100.0
    assert all(0.0 <= ind[k] <= 100.0 for k in origins.ORIGIN_KEYS)


def test_origin_coverage_matches_the_indicator(ds):
    # at_least_two_origins is the model_origin_diversity indicator of the dataset
    for c in ("KEN", "IND", "ZAF", "NGA", "CHE"):
        cov = origins.origin_coverage(ds, c)
        assert cov["at_least_two_origins"] == pytest.approx(ds.values.at[c, "model_origin_diversity"], abs=1e-4)


def test_languages_lists_families_and_origins(ds):
    t = origins.languages(ds, "KEN")
    assert list(t.columns) == ["language", "name", "share", "families", "origins"]
    assert t.iloc[0]["language"] == "sw" and t.iloc[0]["share"] == 66.0
    assert "Qwen3" in t.iloc[0]["families"]
    assert (t["share"].diff().dropna() <= 0).all()  # largest first


def test_hosted_compute_has_status_and_ownership(ds):
    t = origins.hosted_compute(ds, "ARE")
    assert {"owner", "owner_country", "ownership", "status", "h100e", "scored"} <= set(t.columns)
    assert "Planned" in set(t["status"])
    assert (t.loc[t["status"] == "Planned", "scored"] == "no").all()
    assert "domestic" in set(t["ownership"])
    assert origins.hosted_compute(ds, "KEN").empty


def test_none_for_other_datasets(ds):
    other = readiness.Dataset(values=ds.values.iloc[:5], indicators=ds.indicators, structure=ds.structure,
                              countries=ds.countries.iloc[:5], label="my.xlsx", version="1") \
        if hasattr(readiness, "Dataset") else None
    if other is None:
        from readiness.dataset import Dataset
        other = Dataset(values=ds.values.iloc[:5], indicators=ds.indicators, structure=ds.structure,
                        countries=ds.countries.iloc[:5], label="my.xlsx", version="1")
    assert origins.origin_coverage(other, "KEN") is None
    assert origins.languages(other, "KEN") is None
    assert origins.hosted_compute(other, "KEN") is None


def test_none_for_unknown_country(ds):
    assert origins.origin_coverage(ds, "Atlantis") is None
    assert origins.origin_coverage(None, "KEN") == origins.origin_coverage(ds, "KEN")
