"""The Excel workbook: read a Dataset from it.

A workbook is untrusted input, read by a small reader of our own on top of
``zipfile``, ``pyexpat`` and regular expressions (openpyxl is used only for its
date-format table):

- the package is checked before anything is parsed: a file that is not a zip (an
  ``.xls``, an encrypted workbook, a renamed file), an OpenDocument file, a truncated
  or damaged zip, two entries with one name, macros, links to other workbooks,
  embedded objects, or more than :data:`MAX_UNPACKED` bytes once unpacked are each
  refused with one message;
- every XML part read is checked by expat, and a document type declaration (the
  door to entity expansion attacks) is refused;
- a sheet's stored ``<dimension>`` is ignored: the cells themselves say how far the
  sheet goes, and more than :data:`MAX_ROWS` rows, :data:`MAX_COLUMNS` columns or
  :data:`MAX_CELLS` cells is refused as soon as it is seen, so time and memory stay
  bounded;
- formulas are read as the result Excel stored; one without a stored result, a
  merged cell or a hidden row or column in a table is an error naming its cell;
  dates and booleans are kept as such (and refused where a number is expected).

The file is opened read-only and never written.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..errors import InputError, Problem
from .cells import capped, col_letter
from .tables import SHEETS, from_tables

__all__ = ["read_workbook", "read_tables", "MAX_ROWS", "MAX_COLUMNS", "MAX_CELLS", "MAX_UNPACKED"]

#: The largest table read (a stray cell far away would otherwise expand into billions of empty cells).
MAX_ROWS = 100_000
MAX_COLUMNS = 2_000
MAX_CELLS = 6_000_000
#: At most this many bytes unpacked, summed over the parts read (a zip bomb stops here).
MAX_UNPACKED = 400 * 2**20

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 4 * 2**20
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# a cell: <c r="B2" s="1" t="s"><f>..</f><v>..</v><is>..</is></c>, r first (as every writer puts it)
_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>/]*)(?:/>|>(<f[^<]*(?:</f>)?)?(?:<v>([^<]*)</v>|<v\s*/>)?'
    rb"(?:<is>(.*?)</is>)?(?:<extLst>.*?</extLst>)?</c>)", re.S)
_ROW_HIDDEN = re.compile(rb'<row\b[^>]*?\br="([0-9]+)"[^>]*?\bhidden="(?:1|true)"')
_COL = re.compile(rb"<col\b[^>]*>")
_MERGE = re.compile(rb'<mergeCell\b[^>]*?ref="([^"]+)"')
_ATTR = re.compile(rb'\b(t|s)="([^"]*)"')
_T = re.compile(rb"<t\b[^>]*?(?:/>|>([^<]*)</t>)")
_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")


def _fail(name, found, expected="an Excel workbook (.xlsx)"):
    return InputError(Problem(name, None, found, expected))


# -- the package ----------------------------------------------------------------------------------


def _open_package(path: Path) -> zipfile.ZipFile:
    """The zip, after the checks that need no parsing."""
    name = path.name
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == _OLE2:
        with open(path, "rb") as fh:
            ole = fh.read(2**20)
        if "EncryptedPackage".encode("utf-16-le") in ole:
            raise _fail(name, "an encrypted (password-protected) workbook",
                        "a workbook without a password (save a copy without one)")
        raise _fail(name, "an Excel 97-2003 workbook (.xls) or another OLE file",
                    "an .xlsx workbook (save it as Excel Workbook .xlsx)")
    if not zipfile.is_zipfile(path):
        raise _fail(name, "a file that is not an .xlsx workbook", "an Excel workbook (.xlsx) or a folder of CSV files")
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise _fail(name, f"a damaged or truncated zip ({exc})") from None
    names = [i.filename for i in infos]
    seen = set()
    for n in names:
        if n.lower() in seen:
            raise _fail(name, f"two zip entries named {n!r} (a doctored file)", "each part of the workbook once")
        seen.add(n.lower())
    if "mimetype" in seen and b"opendocument" in zf.read("mimetype")[:100]:
        raise _fail(name, "an OpenDocument spreadsheet (.ods)", "an .xlsx workbook (save it as Excel Workbook .xlsx)")
    if "xl/workbook.xml" not in seen:
        raise _fail(name, "a zip file that is not an .xlsx workbook (no xl/workbook.xml)")
    for prefix, found, expected in (
        ("xl/vbaprojec", "a workbook with macros", "an .xlsx workbook without macros"),
        ("xl/externallinks/", "links to other workbooks", "a self-contained workbook (break the links, then save)"),
        ("xl/embeddings/", "embedded objects (OLE)", "a workbook without embedded objects"),
        ("xl/activex/", "ActiveX controls", "a workbook without controls"),
    ):
        hit = next((n for n in names if n.lower().startswith(prefix)), None)
        if hit:
            raise _fail(name, f"{found}: {hit}", expected)
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNPACKED:  # zipfile never inflates a part beyond its declared size
        raise _fail(name, f"a workbook that unpacks to {declared / 2**20:,.0f} MB",
                    f"at most {MAX_UNPACKED // 2**20} MB of sheet data (a compressed bomb is refused)")
    if any(i.flag_bits & 0x1 for i in infos):
        raise _fail(name, "encrypted zip entries", "a workbook without a password")
    return zf


class _Budget:
    """Bytes unpacked so far, against :data:`MAX_UNPACKED`."""

    def __init__(self, name):
        self.name, self.used = name, 0

    def take(self, n, part):
        self.used += n
        if self.used > MAX_UNPACKED:
            raise _fail(self.name, f"a workbook that unpacks to more than {MAX_UNPACKED // 2**20} MB (at {part})",
                        f"at most {MAX_UNPACKED // 2**20} MB of sheet data (a compressed bomb is refused)")


def _parser(name, part):
    import xml.parsers.expat

    p = xml.parsers.expat.ParserCreate()

    def doctype(*_):
        raise _fail(name, f"an XML document type declaration in {part} (entities are refused)",
                    "an Excel workbook (.xlsx) as Excel writes it")

    p.StartDoctypeDeclHandler = doctype
    p.EntityDeclHandler = doctype
    return p


def _chunks(zf, member, budget, name):
    """The bytes of ``member`` in chunks, checked by expat as they come."""
    import xml.parsers.expat

    parser = _parser(name, member)
    try:
        with zf.open(member) as fh:
            while True:
                block = fh.read(_CHUNK)
                budget.take(len(block), member)
                parser.Parse(block, not block)
                if not block:
                    return
                yield block
    except InputError:
        raise
    except xml.parsers.expat.ExpatError as exc:
        raise _fail(name, f"malformed XML in {member} ({exc})") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise _fail(name, f"a damaged or truncated zip ({type(exc).__name__}: {exc})") from None


def _xml(zf, member, budget, name):
    """A small XML part, checked, as an ElementTree element."""
    from defusedxml import ElementTree

    data = b"".join(_chunks(zf, member, budget, name))
    return ElementTree.fromstring(data)


def _sheet_paths(zf, budget, name) -> dict:
    """{sheet name: zip path}."""
    wb = _xml(zf, "xl/workbook.xml", budget, name)
    rels = {}
    if "xl/_rels/workbook.xml.rels" in zf.namelist():
        for r in _xml(zf, "xl/_rels/workbook.xml.rels", budget, name):
            target = r.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            rels[r.get("Id")] = target
    out = {}
    for s in wb.iter(f"{{{_MAIN}}}sheet"):
        out[s.get("name", "")] = rels.get(s.get(f"{{{_REL}}}id"), "")
    return out


def _shared_strings(zf, budget, name) -> list:
    member = next((n for n in zf.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if member is None:
        return []
    root = _xml(zf, member, budget, name)
    out = []
    for si in root.iter(f"{{{_MAIN}}}si"):
        parts = []
        for child in si:
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "t":
                parts.append(child.text or "")
            elif tag == "r":
                parts += [t.text or "" for t in child.iter(f"{{{_MAIN}}}t")]
        out.append("".join(parts))
    return out


def _date_styles(zf, budget, name) -> set:
    """Indices of the cell styles whose number format is a date or time."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    member = next((n for n in zf.namelist() if n.lower() == "xl/styles.xml"), None)
    if member is None:
        return set()
    root = _xml(zf, member, budget, name)
    custom = {int(f.get("numFmtId", -1)): f.get("formatCode", "") for f in root.iter(f"{{{_MAIN}}}numFmt")}
    xfs = root.find(f"{{{_MAIN}}}cellXfs")
    out = set()
    for i, xf in enumerate(xfs if xfs is not None else []):
        fmt = int(xf.get("numFmtId", 0) or 0)
        code = custom.get(fmt, BUILTIN_FORMATS.get(fmt, "General"))
        if is_date_format(code):
            out.add(i)
    return out


# -- one sheet ------------------------------------------------------------------------------------

_COLS = {}


def _col_index(letters: bytes) -> int:
    j = _COLS.get(letters)
    if j is None:
        j = 0
        for ch in letters:
            j = j * 26 + ch - 64
        j -= 1
        _COLS[letters] = j
    return j


def _text(blob: bytes) -> str:
    """The text of an inline string's runs."""
    return html.unescape("".join((m or b"").decode("utf-8") for m in _T.findall(blob)))


def _read_sheet(zf, member, sheet, ctx):
    """(frame, problems) of one sheet: header row and body as cell values."""
    name, budget, strings, dates, epoch = ctx
    rows, cols, vals = [], [], []
    problems = []
    hidden_rows, hidden_cols, merges = [], [], []
    tail = b""
    count = 0
    for block in _chunks(zf, member, budget, name):
        data = tail + block
        cut = data.rfind(b"</row>")
        cut = cut + 6 if cut >= 0 else max(data.rfind(b"</c>") + 4, data.rfind(b"/>") + 2, 0)
        part, tail = data[:cut], data[cut:]
        count += _scan(part, sheet, rows, cols, vals, problems, strings, dates, epoch)
        _hidden_and_merged(part, hidden_rows, hidden_cols, merges)
    count += _scan(tail, sheet, rows, cols, vals, problems, strings, dates, epoch)
    _hidden_and_merged(tail, hidden_rows, hidden_cols, merges)
    if not rows:
        return pd.DataFrame(), problems
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    nrows, ncols = int(r.max()) + 1, int(c.max()) + 1
    grid = np.full((nrows, ncols), None, dtype=object)
    grid[r, c] = v
    # trailing empty rows go
    last = nrows
    while last and not any(_filled(x) for x in grid[last - 1]):
        last -= 1
    if not last:
        return pd.DataFrame(), problems
    grid = grid[:last]
    header = [("" if x is None else str(x).strip()) for x in grid[0]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    for ref in merges:
        problems.append(Problem(sheet, ref.decode("ascii", "replace"), "merged cells",
                                "one value per cell (unmerge them)"))
    for row in hidden_rows:
        if row <= grid.shape[0]:
            problems.append(Problem(sheet, f"A{row}", "a hidden row", "every row of the table visible "
                                    "(unhide it, or delete it)"))
    for tag in hidden_cols:
        lo = int(re.search(rb'min="([0-9]+)"', tag).group(1)) if b"min=" in tag else 1
        if lo <= width:
            problems.append(Problem(sheet, f"{col_letter(lo - 1)}1", "a hidden column",
                                    "every column of the table visible (unhide it, or delete it)"))
    body = grid[1:, :width] if width else grid[1:, :0]
    return pd.DataFrame(body, columns=header, dtype=object), problems


def _hidden_and_merged(part, hidden_rows, hidden_cols, merges):
    if b'hidden="' in part:
        hidden_rows += [int(r) for r in _ROW_HIDDEN.findall(part)]
        hidden_cols += [c for c in _COL.findall(part) if re.search(rb'hidden="(?:1|true)"', c)]
    if b"<mergeCell " in part:
        merges += _MERGE.findall(part)


def _filled(x) -> bool:
    return x is not None and not (isinstance(x, str) and not x.strip())


def _scan(part, sheet, rows, cols, vals, problems, strings, dates, epoch) -> int:
    """Cells of one run of whole rows, appended as arrays; returns the number of cells."""
    found = _CELL.findall(part)
    if len(found) != part.count(b"<c ") + part.count(b"<c>") + part.count(b"<c/"):
        raise InputError(Problem(sheet, None, "sheet XML this reader does not understand",
                                 "a workbook saved by Excel, LibreOffice or openpyxl"))
    if not found:
        return 0
    r = np.fromiter((int(f[1]) for f in found), dtype=np.int64, count=len(found)) - 1
    letter_codes, letters = pd.factorize(pd.Series([f[0] for f in found], dtype=object))
    c = np.array([_col_index(x) for x in letters], dtype=np.int64)[letter_codes]
    if r.max() >= MAX_ROWS or c.max() >= MAX_COLUMNS:
        far = int(np.argmax((r >= MAX_ROWS) | (c >= MAX_COLUMNS)))
        raise InputError(Problem(sheet, None, f"a sheet that extends to cell {found[far][0].decode()}"
                                 f"{found[far][1].decode()}", f"at most {MAX_ROWS:,} rows and {MAX_COLUMNS:,} "
                                 "columns (delete stray cells far from the table, then save)"))
    total = sum(len(x) for x in rows) + len(found)
    if total > MAX_CELLS:
        raise InputError(Problem(sheet, None, f"more than {MAX_CELLS:,} cells", f"at most {MAX_CELLS:,} cells"))
    n = len(found)
    v = np.empty(n, dtype=object)
    codes, blobs = pd.factorize(pd.Series([f[2] for f in found], dtype=object))
    kinds = [dict(_ATTR.findall(b)) for b in blobs]
    kind_t = np.array([k.get(b"t", b"n") for k in kinds], dtype=object)[codes]
    is_date = np.array([int(k.get(b"s", b"0") or 0) in dates for k in kinds], dtype=bool)[codes]
    values = np.array([f[4] for f in found], dtype=object)
    plain = (kind_t == b"n") & ~is_date & (values != b"")
    idx = np.flatnonzero(plain)
    if len(idx):
        text = values[idx].astype(bytes)
        whole = ~(np.char.find(text, b".") >= 0) & ~(np.char.find(text, b"e") >= 0) & ~(np.char.find(text, b"E") >= 0)
        x = np.fromiter(map(float, values[idx]), dtype=float, count=len(idx))
        v[idx] = x
        if whole.any():  # written without a point or exponent: an int, as openpyxl reads it
            v[idx[whole]] = [int(t) for t in text[whole]]
    for k in np.flatnonzero(~plain):
        letters, digits, _, formula, value, inline = found[k]
        t = kind_t[k]
        if t == b"n":
            if value:
                x = float(value) if (b"." in value or b"e" in value or b"E" in value) else int(value)
                v[k] = _date(x, epoch)
            elif formula:
                problems.append(_uncached(sheet, letters, digits, formula))
        elif t == b"s":
            i = int(value) if value else -1
            v[k] = strings[i] if 0 <= i < len(strings) else None
        elif t == b"inlineStr":
            v[k] = _text(inline or b"")
        elif t in (b"str", b"e"):
            v[k] = html.unescape(value.decode("utf-8")) if value else None
            if not value and formula and t == b"str":
                problems.append(_uncached(sheet, letters, digits, formula))
        elif t == b"b":
            v[k] = value == b"1" if value else None
        elif t == b"d":
            v[k] = pd.Timestamp(value.decode()).to_pydatetime() if value else None
    rows.append(r)
    cols.append(c)
    vals.append(v)
    return len(found)


def _uncached(sheet, letters, digits, formula) -> Problem:
    return Problem(sheet, f"{letters.decode()}{digits.decode()}",
                   f"the formula {html.unescape(_formula(formula))[:40]!r} with no stored result",
                   "a value (open and save the workbook in Excel, or paste values only)")


def _formula(blob: bytes) -> str:
    m = re.search(rb">([^<]*)</f>", blob)
    return "=" + (m.group(1).decode("utf-8") if m else "")


def _date(x, epoch):
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(x, epoch)
    except (ValueError, OverflowError):
        return x


# -- the workbook ---------------------------------------------------------------------------------


def read_tables(path) -> dict:
    """Read the known sheets of a workbook as ``{sheet: DataFrame of cell values}``.

    Raises
    ------
    InputError
        The file is not a safe, readable .xlsx workbook, or a sheet has merged or
        hidden cells, formulas without stored results or cells beyond the limits.
    """
    path = Path(path)
    name = path.name
    try:
        zf = _open_package(path)
    except OSError as exc:
        raise _fail(name, f"a file that cannot be opened ({exc.strerror})") from None
    with zf:
        budget = _Budget(name)
        paths = _sheet_paths(zf, budget, name)
        from datetime import datetime

        wbxml = b"".join(_chunks(zf, "xl/workbook.xml", _Budget(name), name))
        epoch = datetime(1904, 1, 1) if re.search(rb'date1904="(?:1|true)"', wbxml) else datetime(1899, 12, 30)
        strings = _shared_strings(zf, budget, name)
        dates = _date_styles(zf, budget, name)
        members = {n.lower(): n for n in zf.namelist()}
        by_lower = {s.lower(): s for s in paths}
        tables, problems = {}, []
        for sheet in SHEETS:
            real = by_lower.get(sheet.lower())
            if real is None:
                continue
            member = members.get(paths[real].lower())
            if member is None:
                raise _fail(name, f"the sheet {real!r} without its part {paths[real]!r}")
            frame, found = _read_sheet(zf, member, sheet, (name, budget, strings, dates, epoch))
            tables[sheet] = frame
            problems += found
        if problems:
            raise InputError(capped(problems))
        return tables


def read_workbook(path) -> Dataset:
    """Read and check a workbook in the format of ``docs/format.md``.

    Raises
    ------
    InputError
        With one line per problem, each naming the sheet and cell.
    """
    return from_tables(read_tables(path), label=str(path))
