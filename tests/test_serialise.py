"""readiness.serialise: the one JSON and CSV path and the one display rule."""

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from readiness.serialise import display, dumps, json_ready, to_csv


def test_json_ready_cleans_nan_inf_numpy_and_ranks():
    obj = {"rank": np.float64(93.0), "nominal_rank": 4.0, "median_rank": 4.5, "score": np.float32(0.25),
           "q": float("nan"), "hi": float("inf"), "lo": -np.inf, "n": np.int64(3), "ok": np.bool_(True),
           "arr": np.array([1.0, np.nan]), "t": (1, 2), 7: "seven"}
    out = json_ready(obj)
    assert out == {"rank": 93, "nominal_rank": 4, "median_rank": 4.5, "score": 0.25, "q": None, "hi": None,
                   "lo": None, "n": 3, "ok": True, "arr": [1.0, None], "t": [1, 2], "7": "seven"}
    assert type(out["rank"]) is int and type(out["score"]) is float and type(out["n"]) is int


def test_a_dataframe_becomes_records_with_its_named_index():
    frame = pd.DataFrame({"rank": [1.0, 2.0], "score": [0.5, np.nan]}, index=pd.Index(["KEN", "NGA"], name="country"))
    assert json_ready(frame) == [{"country": "KEN", "rank": 1, "score": 0.5}, {"country": "NGA", "rank": 2,
                                                                              "score": None}]


def test_dumps_never_writes_nan_or_infinity():
    text = dumps({"a": float("inf"), "b": [float("nan"), -float("inf")]})
    assert json.loads(text) == {"a": None, "b": [None, None]}
    assert "Infinity" not in text and "NaN" not in text


def test_an_object_without_json_form_is_a_bug_not_silence():
    with pytest.raises(TypeError):
        json_ready({"x": object()})


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_json_keeps_every_float64_bit_for_bit(x):
    assert json.loads(dumps({"score": x}))["score"] == x


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=5))
def test_csv_floats_read_back_bit_for_bit(values):
    text = to_csv(pd.DataFrame({"score": values}))
    back = pd.read_csv(io.StringIO(text))["score"].to_numpy()
    assert np.array_equal(back, np.array(values, dtype=float))


@pytest.mark.parametrize("evil", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_formulas_in_every_text_field(evil):
    frame = pd.DataFrame({evil: [evil, "Kenya"], "score": [-1.5, 2.0]})
    text = to_csv(frame)
    back = pd.read_csv(io.StringIO(text))
    assert list(back.columns) == ["'" + evil, "score"]
    assert back.iloc[0, 0] == "'" + evil and back.iloc[1, 0] == "Kenya"
    assert back["score"].tolist() == [-1.5, 2.0]  # numbers are not text: left alone


def test_csv_missing_is_empty_and_input_untouched():
    frame = pd.DataFrame({"name": ["=x", None], "v": [np.nan, 1.0]})
    before = frame.copy()
    assert to_csv(frame) == "name,v\n'=x,\n,1.0\n"
    pd.testing.assert_frame_equal(frame, before)


def test_display_rule():
    assert display(33.349, "composite") == "33.35"
    assert display(33.349) == "33.3"
    assert display(-0.04) == "0.0" and display(-0.0) == "0.0" and display(-0.004, "composite") == "0.00"
    assert display(None) == "–" and display(float("nan")) == "–" and display(pd.NA) == "–"
    assert display(140.0, "rank") == "140" and display(0.1234, "sobol") == "0.123"
    assert not math.isnan(float(display(1e-9)))
