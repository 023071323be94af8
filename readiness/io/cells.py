"""Cell-level helpers shared by the table, workbook and trade readers.

A number in a text cell is plain ASCII: an optional sign, digits with an optional
decimal point, an optional exponent (``12``, ``-0.5``, ``1e5``). Digits of other
scripts (``"١٢"``, ``"३४"``), digit-group underscores (``"1_000"``), ``inf`` and
``nan`` are text, not numbers. A date or a boolean in a numeric cell is reported as
such, never read as a number.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

__all__ = ["col_letter", "cell_ref", "blank", "number", "text", "describe", "numbers", "MAX_PROBLEMS",
           "capped", "decimals"]

#: Errors shown at most; the rest are counted.
MAX_PROBLEMS = 50

_NUMBER = re.compile(r"[ \t]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*")


def col_letter(j: int) -> str:
    """Excel column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_ref(df: pd.DataFrame, row_pos: int, column: str) -> str:
    """A1 reference of a body cell (header is row 1)."""
    return f"{col_letter(df.columns.get_loc(column))}{row_pos + 2}"


def blank(v) -> bool:
    """True for an empty cell (None, NaN or only spaces)."""
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


def describe(v) -> str:
    """What a cell holds, for an error message ("text 'n/a'", "the date 2024-01-05", "TRUE")."""
    from ..errors import shorten

    if isinstance(v, bool):
        return f"the boolean {'TRUE' if v else 'FALSE'}"
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        return f"the date {v}" if not isinstance(v, (_dt.time, _dt.timedelta)) else f"the time {v}"
    if isinstance(v, (float, int, np.floating, np.integer)):
        return repr(float(v))
    return f"text {shorten(str(v))}"


def number(v):
    """(float, ok): parse a cell as a number; blank is NaN.

    >>> number("12"), number("1_000")[1], number("\u0661\u0662")[1], number(True)[1], number("inf")[1]
    ((12.0, True), False, False, False, False)
    """
    if blank(v):
        return np.nan, True
    if isinstance(v, bool):
        return np.nan, False
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
    elif isinstance(v, str) and _NUMBER.fullmatch(v):
        f = float(v)
    else:
        return np.nan, False
    return (f, True) if np.isfinite(f) else (np.nan, False)


def numbers(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Parse every cell of ``frame`` as :func:`number` does, a column at a time.

    Returns
    -------
    values : ndarray of float
        NaN where blank or bad.
    bad : ndarray of bool
        True where a cell is neither blank nor a finite number.
    """
    n, m = frame.shape
    values = np.full((n, m), np.nan)
    bad = np.zeros((n, m), dtype=bool)
    kinds = np.array([d.kind for d in frame.dtypes], dtype=object)
    block = np.flatnonzero(np.isin(kinds, ["f", "i", "u"]))   # number columns (not booleans): all at once
    if len(block):
        x = frame.iloc[:, block].to_numpy(dtype=float)
        values[:, block] = np.where(np.isfinite(x), x, np.nan)
        bad[:, block] = np.isinf(x)
    text_cols = []
    for j in np.flatnonzero(~np.isin(kinds, ["f", "i", "u"])).tolist():
        col = frame.iloc[:, j]
        kind = pd.api.types.infer_dtype(col, skipna=True)
        if kind in ("floating", "integer", "mixed-integer-float", "empty", "decimal"):
            x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
            values[:, j] = np.where(np.isfinite(x), x, np.nan)
            bad[:, j] = np.isinf(x)
        elif kind == "string":
            text_cols.append(j)
        else:
            parsed = [number(v) for v in col]  # mixed cells: one at a time
            values[:, j] = [v for v, _ in parsed]
            bad[:, j] = [not ok for _, ok in parsed]
    if text_cols:  # every text column at once, as one long column
        s = pd.Series(frame.iloc[:, text_cols].to_numpy(dtype=object).ravel(order="F"), dtype=object)
        is_blank = s.isna().to_numpy() | s.str.strip().eq("").to_numpy(dtype=bool, na_value=True)
        ok = s.str.fullmatch(_NUMBER).to_numpy(dtype=bool, na_value=False)
        x = pd.to_numeric(s.where(ok), errors="coerce").to_numpy(dtype=float)
        good = ok & np.isfinite(x)
        shape = (n, len(text_cols))
        values[:, text_cols] = np.where(good, x, np.nan).reshape(shape, order="F")
        bad[:, text_cols] = (~good & ~is_blank).reshape(shape, order="F")
    return values, bad


def text(v) -> str:
    """A cell as stripped text ("" for blank; 3.0 -> "3")."""
    if blank(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def capped(problems: list) -> list:
    """The first :data:`MAX_PROBLEMS` problems, then one line counting the rest."""
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    rest = len(problems) - MAX_PROBLEMS
    return list(problems[:MAX_PROBLEMS]) + [f"... and {rest:,} more problem{'s' if rest > 1 else ''} "
                                            f"(the first {MAX_PROBLEMS} are shown)"]


# -- numbers in XML bytes, many at once (the workbook reader) --------------------------------------

_DECIMAL = np.zeros(256, dtype=bool)
_DECIMAL[list(b"0123456789.eE+-")] = True
_DECIMAL_LINE = _DECIMAL.copy()
_DECIMAL_LINE[10] = True
_NOT_INT = np.zeros(256, dtype=bool)
_NOT_INT[list(b".eE")] = True
#: pandas before 3.1 rounds some long decimals 1 ulp off unless asked for the round-trip converter.
_PRECISION = {} if tuple(int(p) for p in pd.__version__.split(".")[:2] if p.isdigit()) >= (3, 1) else {
    "float_precision": "round_trip"}


def decimals(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse the decimal texts ``buf[starts[k]:ends[k]]`` (bytes as uint8) as float64, all at once.

    A text is parsed here when it is 1 to 20 characters of ``0-9 . e E + -`` (what Excel,
    LibreOffice and openpyxl write in a numeric cell); the rest are left to the caller.
    The conversion is correctly rounded (pandas' C parser), so a float written with
    ``repr`` reads back bit for bit.

    Returns
    -------
    values : ndarray of float
        NaN where not parsed.
    ok : ndarray of bool
        Parsed here.
    whole : ndarray of bool
        Written without a point or exponent (an integer, as openpyxl reads it). Such a
        text longer than 15 characters is left to the caller (the float might not be
        the exact integer).
    """
    import io

    lengths = ends - starts
    n = len(starts)
    values = np.full(n, np.nan)
    ok = (lengths >= 1) & (lengths <= 20)
    whole = np.zeros(n, dtype=bool)
    if not ok.all():
        idx = np.flatnonzero(ok)
        if not len(idx):
            return values, ok, whole
        s, ln = starts[idx], lengths[idx]
    else:
        idx, s, ln = np.arange(n), starts, lengths
    # each text and the byte after it (turned into a line end), gathered in one go
    first = np.cumsum(ln + 1) - (ln + 1)
    kind = np.int32 if len(buf) < 2**31 else np.int64
    step = np.ones(int(first[-1] + ln[-1] + 1), dtype=kind)
    step[0] = s[0]
    step[first[1:]] = s[1:] - s[:-1] - ln[:-1]
    out = buf[np.cumsum(step, dtype=kind)]
    out[first + ln] = 10
    bad = np.flatnonzero(~_DECIMAL_LINE[out])
    if len(bad):
        wrong = np.zeros(len(idx), dtype=bool)
        wrong[np.searchsorted(first, bad, side="right") - 1] = True
        ok[idx[wrong]] = False
        keep = np.repeat(~wrong, ln + 1)
        out, idx, ln = out[keep], idx[~wrong], ln[~wrong]
        if not len(idx):
            return values, ok, whole
        first = np.cumsum(ln + 1) - (ln + 1)
    data = out.tobytes()
    try:
        x = pd.read_csv(io.BytesIO(data), header=None, names=["x"], dtype=np.float64, engine="c",
                        na_filter=False, skip_blank_lines=False, **_PRECISION)["x"].to_numpy()
    except ValueError:  # some text of those characters is no number ("1-2", "e"): those are left
        col = pd.read_csv(io.BytesIO(data), header=None, names=["x"], dtype=str, engine="c", na_filter=False,
                          skip_blank_lines=False)["x"]
        x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    if len(x) != len(idx):
        ok[:] = False
        return values, ok, whole
    values[idx] = x
    integral = np.flatnonzero(x == np.floor(x))   # only these can be written as integers: look at their text
    point = np.ones(len(idx), dtype=bool)
    if len(integral):
        lines = np.repeat(integral, ln[integral])
        at = np.repeat(first[integral], ln[integral]) + (np.arange(len(lines)) - np.repeat(
            np.cumsum(ln[integral]) - ln[integral], ln[integral]))
        point[integral] = False
        point[lines[_NOT_INT[out[at]]]] = True
    whole[idx] = ~point
    ok[idx[np.isnan(x) | (~point & (ln > 15))]] = False  # long integers: exact ints are the caller's
    values[~ok] = np.nan
    whole &= ok
    return values, ok, whole
