"""Writing results: Excel workbooks, atomically, with formula injection neutralised.

Every text cell written from data (country names, indicator names, notes) that starts
with a character Excel reads as a formula (``= + - @``, tab, carriage return) is
prefixed with an apostrophe, so opening the file runs nothing. A workbook is first
written to a temporary file beside the target and then moved over it, so a reader
never sees half a file; a target that is one of the run's input files is refused.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .._validation import InputError, Problem

__all__ = ["neutralise", "write_workbook"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that Excel would run as a formula, made inert with a leading apostrophe.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("Kenya"), neutralise(-3)
    ('\\'=HYPERLINK("http://x")', 'Kenya', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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


def write_workbook(frames: dict, path, *, inputs=(), about: dict | None = None) -> Path:
    """Write ``{sheet name: DataFrame}`` to an .xlsx file, atomically.

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
    """
    path = Path(path)
    _check_target(path, inputs)
    sheets = {}
    if about:
        sheets["About"] = pd.DataFrame({"key": list(about), "value": [str(v) for v in about.values()]})
    sheets.update(frames)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix=f".{path.stem}.", dir=path.parent)
    os.close(fd)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in sheets.items():
                keep_index = df.index.name is not None or any(n is not None for n in (df.index.names or []))
                out = df.reset_index() if keep_index else df
                out = out.map(neutralise)
                out.columns = [neutralise(str(c)) for c in out.columns]
                out.to_excel(writer, sheet_name=str(name)[:31], index=False)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
