"""The Excel workbook: read a Dataset from it (template and export come later).

A workbook is untrusted input. openpyxl parses its XML through defusedxml (which
must be installed: it is a dependency), formulas are read as their cached values,
and every parser failure becomes an :class:`InputError` at this boundary. The file
is opened read-only and never written.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from ._validation import InputError, Problem
from .dataset import SHEETS, Dataset, from_tables

__all__ = ["read_workbook", "read_tables"]


def _root_cause(exc: BaseException) -> str:
    """The innermost exception's type and message (openpyxl wraps parser errors)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _sheet_frame(ws) -> pd.DataFrame | None:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    header = [("" if v is None else str(v).strip()) for v in rows[0]] + [""] * (width - len(rows[0]))
    while header and header[-1] == "":
        header.pop()
    body = [(r + [None] * (width - len(r)))[: len(header)] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


def read_tables(path) -> dict:
    """Read the known sheets of a workbook as ``{sheet: DataFrame of cell values}``."""
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    path = Path(path)
    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise InputError("defusedxml is not installed: refusing to parse an untrusted workbook")
    if not zipfile.is_zipfile(path):
        raise InputError(Problem(path.name, None, "a file that is not an .xlsx workbook",
                                 "an Excel workbook (.xlsx) or a folder of CSV files"))
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # any parser failure on a hostile or broken file is user input
        raise InputError(Problem(path.name, None, f"a workbook that cannot be read ({_root_cause(exc)})",
                                 "an Excel workbook (.xlsx)")) from None
    try:
        by_lower = {name.lower(): name for name in wb.sheetnames}
        tables = {}
        for sheet in SHEETS:
            real = by_lower.get(sheet.lower())
            if real is not None:
                tables[sheet] = _sheet_frame(wb[real])
        return tables
    except Exception as exc:
        raise InputError(Problem(path.name, None, f"a workbook that cannot be read ({_root_cause(exc)})",
                                 "an Excel workbook (.xlsx)")) from None
    finally:
        wb.close()


def read_workbook(path) -> Dataset:
    """Read and check a workbook in the format of ``docs/format.md``.

    Raises
    ------
    InputError
        With one line per problem, each naming the sheet and cell.
    """
    return from_tables(read_tables(path), label=str(path))
