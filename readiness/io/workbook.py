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
  door to entity expansion attacks) is refused; a sheet's rows, the bulk of the
  file, are read by :mod:`readiness.io.sheet` in one vectorised pass that accepts
  only plain rows of cells (no declaration, comment or entity can hide there: any
  ``<!`` sends the whole part back through expat), cells with formulas or rich
  text are checked by expat one block at a time;
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

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..errors import InputError, Problem
from .cells import capped, col_letter
from .sheet import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, SheetCells, Unusual, hidden_and_merged, read_rows
from .tables import SHEETS, from_tables

__all__ = ["read_workbook", "read_tables", "MAX_ROWS", "MAX_COLUMNS", "MAX_CELLS", "MAX_UNPACKED"]

#: At most this many bytes unpacked, summed over the parts read (a zip bomb stops here).
MAX_UNPACKED = 400 * 2**20

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 8 * 2**20
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

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
        for block in _raw(zf, member, budget, name):
            parser.Parse(block, False)
            yield block
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise _fail(name, f"malformed XML in {member} ({exc})") from None


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


def _raw(zf, member, budget, name):
    """The bytes of ``member`` in chunks, counted against the budget."""
    try:
        with zf.open(member) as fh:
            while True:
                block = fh.read(_CHUNK)
                budget.take(len(block), member)
                if not block:
                    return
                yield block
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise _fail(name, f"a damaged or truncated zip ({type(exc).__name__}: {exc})") from None


def _stream(zf, member, acc, ctx) -> None:
    """Read a sheet part: head and tail through expat, the rows between by :func:`_rows`."""
    import xml.parsers.expat

    name, budget = ctx[0], ctx[1]
    parser = _parser(name, member)

    def outside(data, final=False):
        hidden_and_merged(data, acc)
        try:
            parser.Parse(data, final)
        except xml.parsers.expat.ExpatError:
            raise Unusual from None

    state, buf = "head", b""
    for block in _raw(zf, member, budget, name):
        buf += block
        if state == "head":
            i = buf.find(b"<sheetData")
            j = buf.find(b">", i) if i >= 0 else -1
            if j < 0:
                cut = buf.rfind(b">") + 1   # a '<sheetData' cut by the block boundary comes after it
                outside(buf[:cut])
                buf = buf[cut:]
                continue
            outside(buf[:j + 1])
            state = "tail" if buf[j - 1:j] == b"/" else "rows"
            buf = buf[j + 1:]
        if state == "rows":
            k = buf.find(b"</sheetData>")
            if k >= 0:
                read_rows(buf[:k], acc)
                if not acc.between_rows():
                    raise Unusual
                buf, state = buf[k:], "tail"
            else:
                cut = buf.rfind(b"</row>")
                cut = cut + 6 if cut >= 0 else (buf.rfind(b"</c>") + 4 if b"</c>" in buf else 0)
                if cut:
                    read_rows(buf[:cut], acc)
                    buf = buf[cut:]
                elif len(buf) > 64 * 2**20:  # no cell ends in 64 MB: not a sheet this reader reads
                    raise Unusual
                continue
        if state == "tail":
            cut = buf.rfind(b">") + 1
            outside(buf[:cut])
            buf = buf[cut:]
    if state == "rows":
        raise Unusual
    outside(buf, True)


def _read_sheet(zf, member, sheet, ctx):
    """(frame, problems) of one sheet: header row and body as cell values."""
    name, budget, strings, dates, epoch = ctx
    acc = SheetCells(sheet, strings, dates, epoch)
    try:
        _stream(zf, member, acc, ctx)
    except Unusual:
        for _ in _chunks(zf, member, _Budget(ctx[0]), ctx[0]):  # malformed XML is refused here, with expat's words
            pass
        raise InputError(Problem(sheet, None, "sheet XML this reader does not understand",
                                 "a workbook saved by Excel, LibreOffice or openpyxl")) from None
    return sheet_frame(acc)


def _cat(parts, dtype):
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def _as_objects(x, whole):
    out = x.astype(object)
    out[whole] = x[whole].astype(np.int64).astype(object)  # written as integers: ints, as openpyxl reads them
    return out


def sheet_frame(cells: SheetCells):
    """(frame, problems): the sheet as a DataFrame (row 1 the header), trailing empty rows dropped.

    Cells are objects (str, int, float, bool, datetime, None), except the number columns of
    the Data sheet (every column but ``country`` and ``name`` without text in it), which
    are float64 with NaN for an empty cell.
    """
    sheet, problems = cells.sheet, cells.problems
    if cells.right < 0:
        return pd.DataFrame(), problems
    if cells.order:   # cells out of order: is one written twice?
        u, counts = np.unique(np.concatenate(cells.order), return_counts=True)
        if (counts > 1).any():
            dup = int(u[counts > 1][0])
            problems.append(Problem(sheet, f"{col_letter(dup % MAX_COLUMNS)}{dup // MAX_COLUMNS + 1}",
                                    "two cells with this reference in the sheet's XML (a doctored file)",
                                    "each cell once"))
    orow, ocol, oval = _cat(cells.orow, np.int64), _cat(cells.ocol, np.int64), _cat(cells.oval, object)
    filled = np.fromiter((v is not None and not (isinstance(v, str) and not v.strip()) for v in oval), dtype=bool,
                         count=len(oval))
    last = max([int(x.max()) + 1 for x in cells.nr if len(x)] + [int(orow[filled].max()) + 1 if filled.any() else 0])
    if not last:
        return pd.DataFrame(), problems
    header = [""] * (cells.right + 1)
    for nr, nc, nx, nw in zip(cells.nr, cells.nc, cells.nx, cells.nw):
        top = nr == 0
        for j, v in zip(nc[top].tolist(), _as_objects(nx[top], nw[top])):
            header[j] = str(v).strip()
    top = orow == 0
    for j, v in zip(ocol[top].tolist(), oval[top]):
        header[j] = "" if v is None else str(v).strip()
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    problems += _hidden_problems(cells, last, width)
    rows = last - 1
    if rows * width > MAX_CELLS:
        raise InputError(Problem(sheet, None, f"a table of {rows:,} rows x {width:,} columns",
                                 f"at most {MAX_CELLS:,} cells (delete stray cells far from the table, then save)"))
    if not width:
        return pd.DataFrame(np.empty((rows, 0), dtype=object), columns=[]), problems
    obj = (orow >= 1) & (orow < last) & (ocol < width)
    floats = np.ones(width, dtype=bool) if sheet == "Data" and rows else np.zeros(width, dtype=bool)
    floats[ocol[obj]] = False
    floats &= ~np.isin(np.array(header, dtype=object), ["country", "name"])
    fcols, ocols = np.flatnonzero(floats), np.flatnonzero(~floats)
    place = np.zeros(width + 1, dtype=np.int64)            # column -> its place in its block (beyond: dropped)
    place[fcols], place[ocols], place[width] = np.arange(len(fcols)), np.arange(len(ocols)), -1
    fgrid = np.full((rows, len(fcols)), np.nan)
    grid = np.full((rows, len(ocols)), None, dtype=object)
    for nr, nc, nx, nw in zip(cells.nr, cells.nc, cells.nx, cells.nw):
        keep = (nr >= 1) & (nr < last) & (nc < width)
        if not keep.all():
            nr, nc, nx, nw = nr[keep], nc[keep], nx[keep], nw[keep]
        f = floats[nc]
        fgrid.ravel()[(nr[f] - 1) * len(fcols) + place[nc[f]]] = nx[f]
        o = ~f
        if o.any():
            grid[nr[o] - 1, place[nc[o]]] = _as_objects(nx[o], nw[o])
    grid[orow[obj] - 1, place[ocol[obj]]] = oval[obj]
    if not len(fcols):
        return pd.DataFrame(grid, columns=pd.Index(header, dtype=object), dtype=object), problems
    frame = pd.DataFrame(fgrid, columns=fcols.tolist(), copy=False)
    for k, j in enumerate(ocols.tolist()):   # object columns stay object (pandas would make text columns 'str')
        frame.insert(j, -1 - k, pd.Series(grid[:, k], dtype=object), allow_duplicates=True)
    frame.columns = pd.Index(header, dtype=object)
    return frame, problems


def _hidden_problems(cells, last, width):
    """Merged cells, and hidden rows and columns inside the table."""
    out = [Problem(cells.sheet, ref.decode("ascii", "replace"), "merged cells", "one value per cell (unmerge them)")
           for ref in cells.merges]
    out += [Problem(cells.sheet, f"A{row}", "a hidden row", "every row of the table visible (unhide it, or delete it)")
            for row in cells.hidden_rows if row <= last]
    for tag in cells.hidden_cols:
        lo = int(re.search(rb'min="([0-9]+)"', tag).group(1)) if b"min=" in tag else 1
        if lo <= width:
            out.append(Problem(cells.sheet, f"{col_letter(lo - 1)}1", "a hidden column",
                               "every column of the table visible (unhide it, or delete it)"))
    return out


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
