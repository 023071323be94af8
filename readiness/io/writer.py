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

Workbooks are byte-reproducible: the same content gives the same bytes. The document's
created and modified dates and every zip entry's date are one fixed time (see
:func:`stamp`: ``SOURCE_DATE_EPOCH`` when it is set, else the first day of the dataset
version's month, else 2026-01-01 00:00 UTC), and the zip entries are written in a fixed
order (``[Content_Types].xml`` first), deflated at one fixed level, with fixed attributes.
"""

from __future__ import annotations

import io
import math
import os
import re
import secrets
import zipfile
from datetime import datetime, timezone
from numbers import Integral, Real
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem

__all__ = ["replace_atomically", "neutralise", "exact_number", "set_cell", "save_atomically", "write_workbook",
           "stamp", "reproducible_zip"]

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


def stamp(version: str | None = None) -> datetime:
    """The fixed time written into a workbook (UTC, naive), so identical inputs give identical bytes.

    ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention) when
    it is set; else the first day of the month of a dataset version such as
    ``"2026.12"``; else 2026-01-01 00:00. Times before 1980 (which a zip cannot hold)
    become 1980-01-01.

    >>> stamp("2026.12"), stamp("custom")
    (datetime.datetime(2026, 12, 1, 0, 0), datetime.datetime(2026, 1, 1, 0, 0))
    """
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env:
        if not env.isdigit() or len(env) > 11:
            raise InputError(Problem("SOURCE_DATE_EPOCH", None, repr(env),
                                     "a whole number of seconds since 1970-01-01 (or unset it)"))
        when = datetime.fromtimestamp(int(env), tz=timezone.utc).replace(tzinfo=None)
    else:
        m = re.match(r"\s*(\d{4})[.-](\d{1,2})\b", version or "")
        month = (int(m.group(1)), int(m.group(2))) if m and 1 <= int(m.group(2)) <= 12 else (2026, 1)
        when = datetime(*month, 1)
    return max(when, datetime(1980, 1, 1))


_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def reproducible_zip(data: bytes, when: datetime) -> bytes:
    """An .xlsx package (``data``) rewritten to depend only on its content and ``when``.

    The document properties' created and modified dates become ``when``; every entry
    gets the date ``when``, the same attributes and deflate level 6, and the entries
    keep their order with ``[Content_Types].xml`` first.
    """
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        names.sort(key=lambda n: n != "[Content_Types].xml")  # stable: the rest keep their order
        for name in names:
            part = zin.read(name)
            if name == "docProps/core.xml":
                part = _CORE_DATE.sub(lambda m: m.group(1) + iso + m.group(3), part)
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o600 << 16
            zout.writestr(info, part, compresslevel=6)
    return out.getvalue()


def save_atomically(workbook, path, *, inputs=(), version: str | None = None) -> Path:
    """Save an openpyxl ``workbook`` to ``path`` atomically and reproducibly, never over one of ``inputs``.

    ``version`` (the dataset version) dates the document when ``SOURCE_DATE_EPOCH`` is
    not set (see :func:`stamp`). See :func:`replace_atomically` and :func:`reproducible_zip`.
    """
    path = Path(path)
    _check_target(path, inputs)
    when = stamp(version)

    def fill(tmp):
        buf = io.BytesIO()
        workbook.save(buf)
        with open(tmp, "wb") as fh:  # the file replace_atomically made, with its permissions
            fh.write(reproducible_zip(buf.getvalue(), when))

    return replace_atomically(path, fill, suffix=".tmp.xlsx")


def _frame_rows(df: pd.DataFrame):
    keep_index = df.index.name is not None or any(n is not None for n in (df.index.names or []))
    out = df.reset_index() if keep_index else df
    yield [str(c) for c in out.columns]
    yield from out.itertuples(index=False, name=None)


def write_workbook(frames: dict, path, *, inputs=(), about: dict | None = None, version: str | None = None) -> Path:
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
    version : str, optional
        The dataset version, which dates the document (see :func:`stamp`).

    Returns
    -------
    Path

    Notes
    -----
    Floats are written so that they read back bit for bit, and the same frames give the
    same bytes (see the module notes).
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
    return save_atomically(wb, path, inputs=inputs, version=version)
