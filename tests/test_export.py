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
