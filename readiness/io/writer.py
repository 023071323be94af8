"""Writing results: Excel workbooks, atomically, exactly, with formula injection neutralised.

Every text cell written from data (country names, indicator names, notes) that starts
with a character Excel reads as a formula (``= + - @``, tab, carriage return) is
prefixed with an apostrophe, so opening the file runs nothing. Control characters that
XML cannot hold are replaced by U+FFFD.

Numbers are written exactly: a float is stored as the shortest decimal that reads back
as the same float64 (``repr``), so any finite float64 round-trips bit for bit through
:func:`write_workbook` and the reader (openpyxl alone writes 16 significant digits).
Two documented exceptions: ``-0.0`` is written as ``0`` (Excel has no negative zero),
and NaN and infinities are written as empty cells. Subnormal numbers (below
2.2250738585072014e-308 in magnitude) round-trip through ``readiness`` but Excel itself
shows them as 0.

A workbook is first written to a temporary file beside the target (created with the
permissions the user's umask gives, like any new file) and then moved over it, so a
reader never sees half a file; a target that is one of the run's input files is refused.
"""

from __future__ import annotations

import math
import os
import re
import secrets
from numbers import Integral, Real
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem

__all__ = ["replace_atomically", "neutralise", "exact_number", "set_cell", "save_atomically", "write_workbook"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise(value):
    """Text that Excel would run as a formula, made inert with a leading apostrophe.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("Kenya"), neutralise(-3)
    ('\\'=HYPERLINK("http://x")', 'Kenya', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def exact_number(value) -> str | None:
    """The text of ``<v>`` that reads back as exactly ``value``; None for NaN and infinities.

    >>> exact_number(0.1 + 0.2), exact_number(-0.0), exact_number(2**60), exact_number(float("inf"))
    ('0.30000000000000004', '0', '1152921504606846976', None)
    """
    if isinstance(value, Integral):
        return str(int(value))
    x = float(value)
    if not math.isfinite(x):
        return None
    if x == 0.0:
        return "0"
    return repr(x)


def set_cell(cell, value) -> None:
    """Put ``value`` in an openpyxl cell: numbers exactly, text neutralised and XML-safe.

    Booleans stay booleans; NaN and infinities leave the cell empty. After this call a
    numeric cell's ``value`` is the decimal text it will be saved as (its ``data_type``
    is ``"n"``), so the saved file holds the exact number.
    """
    if value is None or isinstance(value, bool):
        cell.value = value
        return
    if isinstance(value, Real):  # int, float, numpy numbers
        text = exact_number(value)
        cell.value = text
        if text is not None:
            cell.data_type = "n"
        return
    if not isinstance(value, str):
        value = str(value)
    cell.value = neutralise(_XML_ILLEGAL.sub("\ufffd", value))


def _check_target(path: Path, inputs) -> None:
    if not path.parent.exists():
        raise InputError(Problem(str(path), None, f"a folder that does not exist ({path.parent})",
                                 "an existing folder to write the file in"))
    if path.suffix.lower() != ".xlsx":
        raise InputError(Problem(str(path), None, f"the extension {path.suffix!r}", "a file name ending in .xlsx"))
    for item in inputs:
        if item is None:
            continue
        item = Path(item)
        if item.exists() and path.exists() and os.path.samefile(item, path):
            raise InputError(Problem(str(path), None, "the same file as an input of this run",
                                     "a new file name: inputs are never written over"))


def replace_atomically(path, fill, *, suffix: str = ".tmp") -> Path:
    """Write ``path`` through a temporary file beside it: ``fill(tmp)`` writes it, then it is renamed.

    The temporary file is created with mode 0666 minus the umask (what any new file gets)
    under a name no reader looks for; on any failure it is removed and ``path`` is left
    as it was.
    """
    path = Path(path)
    tmp = path.parent / f".{path.stem}.{secrets.token_hex(6)}{suffix}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.close(fd)
    try:
        fill(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def save_atomically(workbook, path, *, inputs=()) -> Path:
    """Save an openpyxl ``workbook`` to ``path`` atomically, never over one of ``inputs``.

    See :func:`replace_atomically`.
    """
    path = Path(path)
    _check_target(path, inputs)
    return replace_atomically(path, workbook.save, suffix=".tmp.xlsx")


def _frame_rows(df: pd.DataFrame):
    keep_index = df.index.name is not None or any(n is not None for n in (df.index.names or []))
    out = df.reset_index() if keep_index else df
    yield [str(c) for c in out.columns]
    yield from out.itertuples(index=False, name=None)


def write_workbook(frames: dict, path, *, inputs=(), about: dict | None = None) -> Path:
    """Write ``{sheet name: DataFrame}`` to an .xlsx file, atomically and exactly.

    Parameters
    ----------
    frames : dict
        Sheet name (cut to 31 characters) -> DataFrame (its index is written if named).
    path : str or Path
    inputs : iterable of paths
        The run's input files: writing over one of them is refused.
    about : dict, optional
        ``{key: value}`` written first as an ``About`` sheet: the settings, seeds and
        data fingerprint that reproduce the results.

    Returns
    -------
    Path

    Notes
    -----
    Floats are written so that they read back bit for bit (see the module notes).
    """
    import openpyxl

    path = Path(path)
    _check_target(path, inputs)
    sheets = {}
    if about:
        sheets["About"] = pd.DataFrame({"key": list(about), "value": [str(v) for v in about.values()]})
    sheets.update(frames)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(str(name)[:31])
        for i, row in enumerate(_frame_rows(df), start=1):
            for j, value in enumerate(row, start=1):
                if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
                    continue
                set_cell(ws.cell(row=i, column=j), value)
    return save_atomically(wb, path, inputs=inputs)
