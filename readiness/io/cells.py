"""Cell-level helpers shared by the table, workbook and trade readers."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["col_letter", "cell_ref", "blank", "number", "text"]


def col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_ref(df: pd.DataFrame, row_pos: int, column: str) -> str:
    """A1 reference of a body cell (header is row 1)."""
    return f"{col_letter(list(df.columns).index(column))}{row_pos + 2}"


def blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


def number(v):
    """(float, ok): parse a cell as a number; blank is NaN."""
    if blank(v):
        return np.nan, True
    if isinstance(v, bool):
        return np.nan, False
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
    else:
        try:
            f = float(str(v).strip())
        except ValueError:
            return np.nan, False
    return (f, True) if np.isfinite(f) else (np.nan, False)


def text(v) -> str:
    if blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()
