import openpyxl
import pandas as pd
import pytest

from readiness import InputError
from readiness.io.writer import write_workbook


def test_text_that_looks_like_a_formula_is_written_inert(tmp_path):
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://evil\")", "+1+1", "Kenya", "-x"], "score": [1.0, -2.0, 3, 4]})
    path = write_workbook({"T": frame}, tmp_path / "out.xlsx", about={"seed": 1})
    wb = openpyxl.load_workbook(path)
    values = [c.value for c in wb["T"]["A"]][1:]
    assert values == ["'=HYPERLINK(\"http://evil\")", "'+1+1", "Kenya", "'-x"]
    assert all(c.data_type != "f" for row in wb["T"].iter_rows() for c in row)
    assert [c.value for c in wb["T"]["B"]][1:] == [1, -2, 3, 4]  # numbers stay numbers
    assert wb.sheetnames == ["About", "T"]


def test_inputs_are_never_written_over(tmp_path):
    src = tmp_path / "in.xlsx"
    write_workbook({"T": pd.DataFrame({"a": [1]})}, src)
    before = src.read_bytes()
    with pytest.raises(InputError, match="the same file as an input of this run"):
        write_workbook({"T": pd.DataFrame({"a": [2]})}, src, inputs=[src])
    assert src.read_bytes() == before


def test_missing_folder_is_a_clear_error_and_nothing_is_left_behind(tmp_path):
    with pytest.raises(InputError, match="a folder that does not exist"):
        write_workbook({"T": pd.DataFrame()}, tmp_path / "nope" / "x.xlsx")
    write_workbook({"T": pd.DataFrame({"a": [1]})}, tmp_path / "x.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]  # no temporary file left


# -- exact numbers and permissions (issue 7) ------------------------------------------------------

import math  # noqa: E402
import os  # noqa: E402
import struct  # noqa: E402

import numpy as np  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402

from readiness.io.cells import number  # noqa: E402
from readiness.io.workbook import read_tables  # noqa: E402


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _read_back(path, column="x"):
    frame = read_tables(path)["Data"]
    return [number(v)[0] for v in frame[column]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=40))
def test_any_finite_float64_round_trips_bit_for_bit(tmp_path_factory, xs):
    path = tmp_path_factory.mktemp("rt") / "floats.xlsx"
    write_workbook({"Data": pd.DataFrame({"x": xs})}, path)
    back = _read_back(path)
    # -0.0 is written as 0 (Excel has no negative zero); everything else keeps its bits
    expected = [0.0 if x == 0.0 else x for x in xs]
    assert [_bits(b) for b in back] == [_bits(e) for e in expected]


def test_extreme_floats_round_trip(tmp_path):
    xs = [1e308, -1e308, np.finfo(float).max, 5e-324, -5e-324, 2.2250738585072014e-308, 0.1 + 0.2,
          1 / 3, np.float64(2.0) ** 60, -0.0, 123456789.12345679]
    path = write_workbook({"Data": pd.DataFrame({"x": xs})}, tmp_path / "x.xlsx")
    back = _read_back(path)
    assert [_bits(b) for b in back] == [_bits(0.0 if x == 0 else float(x)) for x in xs]
    assert not math.copysign(1.0, back[xs.index(-0.0)]) < 0


def test_non_finite_floats_are_empty_cells_and_ints_stay_exact(tmp_path):
    frame = pd.DataFrame({"x": pd.Series([np.nan, np.inf, -np.inf, 2 ** 53 + 1], dtype=object)})
    path = write_workbook({"T": frame}, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path)["T"]
    assert [c.value for c in ws["A"]][1:] == [None, None, None, 2 ** 53 + 1]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_output_permissions_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = write_workbook({"T": pd.DataFrame({"a": [1]})}, tmp_path / "x.xlsx")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == mode


def test_control_characters_in_text_do_not_break_the_workbook(tmp_path):
    frame = pd.DataFrame({"name": ["Ken\x1bya\x00", "ok"]})
    path = write_workbook({"T": frame}, tmp_path / "x.xlsx")
    assert [c.value for c in openpyxl.load_workbook(path)["T"]["A"]][1:] == ["Ken\ufffdya\ufffd", "ok"]
