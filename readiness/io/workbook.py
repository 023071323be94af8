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

from ..errors import InputError, Problem
from .cells import capped
from ..dataset import Dataset
from .tables import SHEETS, from_tables

__all__ = ["read_workbook", "read_tables"]


def _root_cause(exc: BaseException) -> str:
    """The innermost exception's type and message (openpyxl wraps parser errors)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


#: The largest sheet read: a stray cell far away (say XFD1048576) would otherwise make
#: a tiny file expand into billions of empty cells.
MAX_ROWS = 100_000
MAX_COLUMNS = 2_000


def _bounds(ws, sheet, path):
    """(rows, columns) to read, after checking the sheet's declared size."""
    try:
        rows, cols = ws.max_row or 0, ws.max_column or 0
    except Exception:  # a broken <dimension> element
        rows, cols = MAX_ROWS, MAX_COLUMNS
    if rows > MAX_ROWS or cols > MAX_COLUMNS:
        from openpyxl.utils import get_column_letter

        raise InputError(Problem(sheet, None, f"a sheet that extends to cell {get_column_letter(cols)}{rows}",
                                 f"at most {MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns (delete stray cells "
                                 "far from the table, then save)"))
    return rows, cols


def _formula_cells(path, sheet_name, rows, cols):
    """{(row, col): formula} of the cells that hold a formula, read without evaluating anything."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
    try:
        ws = wb[sheet_name]
        found = {}
        for i, row in enumerate(ws.iter_rows(max_row=rows, max_col=cols, values_only=True)):
            for j, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    found[(i, j)] = v
        return found
    finally:
        wb.close()


def _sheet_frame(ws, rows_max=None, cols_max=None) -> pd.DataFrame | None:
    rows = [list(r) for r in ws.iter_rows(values_only=True, max_row=rows_max, max_col=cols_max)]
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
        tables, problems = {}, []
        for sheet in SHEETS:
            real = by_lower.get(sheet.lower())
            if real is None:
                continue
            rows, cols = _bounds(wb[real], sheet, path)
            frame = _sheet_frame(wb[real], rows, cols)
            tables[sheet] = frame
            if frame is not None and frame.isna().any().any():
                _uncached_formulas(path, real, sheet, rows, cols, frame, problems)
        if problems:
            raise InputError(capped(problems))
        return tables
    except InputError:
        raise
    except Exception as exc:
        raise InputError(Problem(path.name, None, f"a workbook that cannot be read ({_root_cause(exc)})",
                                 "an Excel workbook (.xlsx)")) from None
    finally:
        wb.close()


def _uncached_formulas(path, real, sheet, rows, cols, frame, problems):
    """A formula whose result was never stored (a file written by a script) reads as empty: say so."""
    from openpyxl.utils import get_column_letter

    for (i, j), formula in sorted(_formula_cells(path, real, rows, cols).items()):
        if i == 0 or j >= frame.shape[1] or i - 1 >= frame.shape[0]:
            continue
        if frame.iat[i - 1, j] is None:
            problems.append(Problem(sheet, f"{get_column_letter(j + 1)}{i + 1}",
                                    f"the formula {formula[:40]!r} with no stored result",
                                    "a value (open and save the workbook in Excel, or paste values only)"))


def read_workbook(path) -> Dataset:
    """Read and check a workbook in the format of ``docs/format.md``.

    Raises
    ------
    InputError
        With one line per problem, each naming the sheet and cell.
    """
    return from_tables(read_tables(path), label=str(path))
