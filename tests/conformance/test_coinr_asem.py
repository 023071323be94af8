"""COINr conformance: every stage of COINr's ASEM example pipeline, to 1e-9, ranks exactly.

The reference CSVs in asem/reference/ are COINr's own outputs (MIT licence, asem/LICENSE)
for: denominate by the Denominator column, impute by group mean within EurAsia_group,
screen at 0.9 coverage, treat outliers with the default rule (at most 5 points),
min-max normalise to 0-100, arithmetic mean at every level.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import readiness

HERE = Path(__file__).parent
REF = HERE / "asem" / "reference"


@pytest.fixture(scope="module")
def result():
    return readiness.build(readiness.load_dataset(HERE / "asem.xlsx"))


def _ref(name):
    return pd.read_csv(REF / f"{name}.csv").set_index("uCode")


@pytest.mark.parametrize(
    "stage, file",
    [("raw", "A_Raw"), ("denominated", "A_Denominated"), ("imputed", "A_Imputed"),
     ("screened", "A_Screened"), ("treated", "A_Treated"), ("normalised", "A_Normalised"),
     ("aggregated", "A_Aggregated")],
)
def test_stage_matches_coinr(result, stage, file):
    expected = _ref(file)
    ours = result.stages[stage]
    assert sorted(ours.index) == sorted(expected.index)
    cols = [c for c in expected.columns if c not in ("uName", "Time") and expected[c].dtype != object]
    assert set(cols) <= set(ours.columns)
    np.testing.assert_allclose(ours.loc[expected.index, cols].to_numpy(float),
                               expected[cols].to_numpy(float), rtol=0, atol=1e-9)


def test_scores_and_ranks_match_coinr(result):
    scores = _ref("D_results_aggs_scores")
    ranks = _ref("D_results_aggs_ranks")
    nodes = [c for c in ranks.columns]
    np.testing.assert_allclose(result.scores.loc[scores.index, nodes].to_numpy(float),
                               scores[nodes].to_numpy(float), rtol=0, atol=1e-9)
    assert (result.ranks.loc[ranks.index, nodes].to_numpy() == ranks[nodes].to_numpy()).all()
    assert (result.ranks.loc[scores.index, "Index"].to_numpy() == scores["Rank"].to_numpy()).all()


def test_treatment_details_match_coinr(result):
    details = pd.read_csv(REF / "B_treat_details.csv").set_index("iCode")
    ours = result.treatment.loc[details.index]
    np.testing.assert_allclose(ours["skew"], details["check_SkewKurt0.Skew"], atol=1e-9)
    np.testing.assert_allclose(ours["kurtosis"], details["check_SkewKurt0.Kurt"], atol=1e-9)
    assert (ours["passed"] == details["check_SkewKurt0.Pass"]).all()
    failed = details["check_SkewKurt0.Pass"] == False  # noqa: E712
    assert (ours.loc[failed, "winsorised"] == details.loc[failed, "winsorise.nwin"]).all()
    np.testing.assert_allclose(ours.loc[failed, "skew_after"], details.loc[failed, "check_SkewKurt1.Skew"], atol=1e-9)


def test_treated_points_match_coinr(result):
    points = pd.read_csv(REF / "B_treat_points.csv", keep_default_na=False)
    treated = result.log[result.log["step"] == "treat"]
    order = sorted(result.stages["treated"].index)  # COINr lists points by sorted country code
    for code in points.columns:
        expected = {order[i] for i, v in enumerate(points[code]) if v}
        ours = set(treated.loc[treated["indicator"] == code, "country"])
        assert ours == expected, code


def test_switzerland_first(result):
    top = result.index_scores
    assert top.index[0] == "CHE"
    assert round(top.iloc[0], 2) == 68.38
