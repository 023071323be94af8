"""The rows of a worksheet's XML, read with numpy over the bytes (used by :mod:`readiness.io.workbook`).

:func:`read_rows` reads a run of whole rows (or whole cells) from inside ``<sheetData>``
in one vectorised pass, with no Python step per cell:

- every tag is found (``<`` positions) and classified by its first four bytes; the
  nesting row > cell > value is checked on the sequence of tags, and text between
  tags is allowed only inside a value;
- a cell's reference (``<c r="B12"``, always its first attribute) gives its column
  from the letters and its row from the digits, checked against the row's ``r``;
- its other attributes (``t``, the type, and ``s``, the style: dates are numbers in a
  date style) are decoded once per distinct attribute text;
- numbers are converted all at once, correctly rounded (:func:`cells.decimals`),
  shared strings by index, booleans and simple inline strings in bulk.

A cell with more than that (a formula, a rich inline string, an extension, a text
result, a date, a number in an unusual spelling) is checked by expat and read alone by a
regular expression. Anything else raises :class:`Unusual`: the caller then passes the
whole part through expat, which tells malformed XML from XML this reader does not
understand.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .cells import col_letter, decimals

__all__ = ["Unusual", "SheetCells", "read_rows", "hidden_and_merged", "MAX_ROWS", "MAX_COLUMNS", "MAX_CELLS"]

#: The largest table read (a stray cell far away would otherwise expand into billions of empty cells).
MAX_ROWS = 100_000
MAX_COLUMNS = 2_000
MAX_CELLS = 6_000_000

# a cell: <c r="B2" s="1" t="s"><f>..</f><v>..</v><is>..</is></c>, r first (as every writer puts it)
_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>/]*)(?:/>|>(<f[^<]*(?:</f>)?)?(?:<v>([^<]*)</v>|<v\s*/>)?'
    rb"(?:<is>(.*?)</is>)?(?:<extLst>.*?</extLst>)?</c>)", re.S)
_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_R = re.compile(rb'<row\b[^>]*?\sr="([0-9]{1,7})"')
_ROW_HIDDEN = re.compile(rb'<row\b[^>]*?\br="([0-9]+)"[^>]*?\bhidden="(?:1|true)"')
_COL = re.compile(rb"<col\b[^>]*>")
_MERGE = re.compile(rb'<mergeCell\b[^>]*?ref="([^"]+)"')
_ATTR = re.compile(rb'\b(t|s)="([^"]*)"')
_T = re.compile(rb"<t\b[^>]*?(?:/>|>([^<]*)</t>)")

_ROW_O, _ROW_SC, _ROW_C, _C_O, _C_SC, _C_C, _V_O, _V_C, _V_SC, _INNER = range(10)
_NEXT = np.zeros((10, 10), dtype=bool)  # tag -> the tags that may follow it (the tag says where it is)
_NEXT[[_ROW_SC, _ROW_C], _ROW_O] = _NEXT[[_ROW_SC, _ROW_C], _ROW_SC] = True
for _k in (_ROW_O, _C_C, _C_SC):
    _NEXT[_k, [_C_O, _C_SC, _ROW_C]] = True
for _k in (_C_O, _V_C, _V_SC, _INNER):   # inside a cell: a value, other tags (read alone), or the cell's end
    _NEXT[_k, [_V_O, _V_SC, _INNER, _C_C]] = True
_NEXT[_V_O, _V_C] = True
_PAIRS = _NEXT.ravel()
_OPENS = np.zeros(10, dtype=bool)
_OPENS[[_C_O, _ROW_O]] = True
_INSIDE = np.zeros(10, dtype=bool)
_INSIDE[[_C_O, _V_O, _V_C, _V_SC, _INNER]] = True
_SPACE = np.zeros(256, dtype=bool)
_SPACE[list(b" \t\r\n")] = True
_SEP = np.zeros(256, dtype=bool)
_SEP[list(b" \t\r\n/>")] = True
_PAD = b"\0" * 32
_KINDS = {b"n": 0, b"s": 1, b"str": 2, b"b": 3, b"e": 4, b"inlineStr": 5, b"d": 6}
_N, _S, _STR, _B, _E, _INLINE, _D, _OTHER, _LONG = range(9)
_MASK = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [2**64 - 1], dtype=np.uint64)


def _u(text: bytes) -> int:
    return int.from_bytes(text.ljust(8, b"\0")[:8], "little")


_START_C = _u(b'<c r="')
_IS_T, _CLOSE_T, _CLOSE_IS = _u(b"<is><t>"), _u(b"</t>"), _u(b"</is>")


class Unusual(Exception):
    """The rows are not in the shape :func:`read_rows` reads: expat decides what they are."""


class SheetCells:
    """The cells of one sheet as they are read: positions, numbers and other values."""

    def __init__(self, sheet: str, strings: list, dates: set, epoch):
        self.sheet, self.strings, self.dates, self.epoch = sheet, strings, dates, epoch
        self.last, self.row, self.count = _ROW_C, 0, 0   # last structural tag; the row it is in (1-based)
        self.right, self.previous, self.order = -1, -1, []     # rightmost column; cell order (checked)
        self.nr, self.nc, self.nx, self.nw = [], [], [], []      # numbers: row, column, value, whole
        self.orow, self.ocol, self.oval = [], [], []             # everything else
        self.problems = []
        self.hidden_rows, self.hidden_cols, self.merges = [], [], []
        self.kinds = {}                                          # attribute text -> (type, is a date)

    def between_rows(self) -> bool:
        return self.last in (_ROW_C, _ROW_SC)

    def add(self, rows, cols, values):
        self.orow.append(np.asarray(rows, dtype=np.int64))
        self.ocol.append(np.asarray(cols, dtype=np.int64))
        self.oval.append(values)


def _views(buf: bytes):
    n = len(buf)
    a = np.frombuffer(buf, dtype=np.uint8)
    u4 = np.ndarray((n - 3,), dtype="<u4", buffer=buf, strides=(1,))
    u8 = np.ndarray((n - 7,), dtype="<u8", buffer=buf, strides=(1,))
    return a, u4, u8


_LUT = None                                   # the first three bytes of a tag (24 bits) -> its kind
_FOURTH = np.zeros(10, dtype=np.uint8)        # the byte each kind needs fourth (0: any)
_FOURTH[[_C_C, _V_C, _V_SC]] = 62
_WIDTH = np.full(10, -1, dtype=np.int64)      # fixed tag lengths (-1: found from the '>', or not needed)
_WIDTH[[_C_C, _V_O, _V_C, _V_SC, _ROW_C]] = [4, 3, 4, 4, 6]
_CHECKED = np.zeros(10, dtype=bool)            # tags after which only white space may come
_CHECKED[[_ROW_O, _ROW_SC, _ROW_C, _C_O, _C_SC, _C_C, _V_C, _V_SC]] = True


def _lut():
    global _LUT
    if _LUT is None:
        lut = np.full(2**24, _INNER, dtype=np.int8)
        for key, kind in ((b"<c ", _C_O), (b"</c", _C_C), (b"<v>", _V_O), (b"</v", _V_C), (b"<v/", _V_SC),
                          (b"<ro", _ROW_O), (b"</r", _ROW_C)):
            lut[int.from_bytes(key, "little")] = kind
        _LUT = lut
    return _LUT


def _classify(a, u4, n, lt):
    """(kind, end) of every tag: end is the position after its '>' (meaningless for tags inside cells read alone)."""
    k4 = u4[lt]
    kind = _lut()[k4 & np.uint32(0xFFFFFF)]
    fourth = _FOURTH[kind]
    wrong = np.flatnonzero((fourth != 0) & ((k4 >> np.uint32(24)).astype(np.uint8) != fourth))
    if len(wrong):
        kind[wrong] = _INNER                                       # '</cx', '</vx', '<v/x'
    rows = np.flatnonzero(kind == _ROW_C)
    kind[rows[(a[lt[rows] + 3] != 111) | (a[lt[rows] + 4] != 119) | (a[lt[rows] + 5] != 62)]] = _INNER
    rows = np.flatnonzero(kind == _ROW_O)
    kind[rows[(a[lt[rows] + 3] != 119) | ~_SEP[a[lt[rows] + 4]]]] = _INNER
    other = np.flatnonzero(kind == _INNER)
    if len(other):
        second = a[lt[other] + 1]
        if ((second == 33) | (second == 63)).any():  # <! and <? (comments, declarations, instructions)
            raise Unusual
        if ((second == 99) & _SEP[a[lt[other] + 2]]).any():
            raise Unusual  # a cell tag without attributes
    end = lt + _WIDTH[kind]
    opened = np.flatnonzero(_OPENS[kind])
    if len(opened):
        nxt = np.minimum(opened + 1, len(lt) - 1)
        te = lt[nxt] - 1
        odd = (nxt == opened) | (a[te] != 62)
        if odd.any():  # white space after the tag, or a '>' in an attribute: look for its '>'
            gt = np.flatnonzero(a[:n] == 62)
            k = np.searchsorted(gt, lt[opened[odd]])
            if len(k) and k[-1] >= len(gt):
                raise Unusual
            te[odd] = gt[k]
            if ((nxt[odd] != opened[odd]) & (lt[nxt[odd]] < te[odd])).any():
                raise Unusual  # a '<' inside a tag
        closed = a[te - 1] == 47
        kind[opened[closed]] += 1   # _C_O -> _C_SC, _ROW_O -> _ROW_SC
        end[opened] = te + 1
    return kind, end


def _structure(kind, cells: SheetCells) -> None:
    """Check the nesting row > cell > value from each tag and the one before it."""
    pairs = np.concatenate(([cells.last], kind[:-1])).astype(np.int64) * 10 + kind
    if not _PAIRS[pairs].all():
        raise Unusual
    cells.last = int(kind[-1])
    if _INSIDE[cells.last]:
        raise Unusual   # a piece ends inside a cell


def _row_numbers(piece, lt, end, kind, cell, carry, cells):
    """For each cell tag at ``cell``: its row's number (1-based, 0 where the row has no ``r``), and the
    bytes of that number followed by '"' as a little-endian integer, with their count."""
    opened = np.flatnonzero((kind == _ROW_O) | (kind == _ROW_SC))
    numbers = np.zeros(len(opened) + 1, dtype=np.int64)
    numbers[0] = carry                                   # a piece that starts inside a row
    for i, (s, e) in enumerate(zip(lt[opened].tolist(), end[opened].tolist()), start=1):
        m = _ROW_R.match(piece, s, e)
        numbers[i] = int(m.group(1)) if m else 0
        if b"hidden" in piece[s:e]:
            cells.hidden_rows += [int(r) for r in _ROW_HIDDEN.findall(piece, s, e)]
    cells.row = int(numbers[-1]) if not cells.between_rows() else 0
    width = sum((numbers >= 10**k).astype(np.int64) for k in range(7))
    key = np.full(len(numbers), 34, dtype=np.uint64)   # '"'
    x = numbers.copy()
    for k in range(7):
        key = np.where(k < width, (key << np.uint64(8)) | (x % 10 + 48).astype(np.uint64), key)
        x //= 10
    which = np.searchsorted(opened, cell, side="right")
    return numbers[which], key[which], width[which]


def _refs(piece, a, u8, p, row_of, key, width):
    """0-based (row, column) of the cells whose tags start at ``p``, and where their ``r`` value ends."""
    b6, b7, b8 = a[p + 6], a[p + 7], a[p + 8]
    u6, u7, u8_ = (b6 - 65) < 26, (b7 - 65) < 26, (b8 - 65) < 26
    nlet = u6.astype(np.int64) + (u6 & u7) + (u6 & u7 & u8_)
    l6, l7, l8 = b6.astype(np.int64) - 64, b7.astype(np.int64) - 64, b8.astype(np.int64) - 64
    col = np.where(nlet == 1, l6, np.where(nlet == 2, l6 * 26 + l7, (l6 * 26 + l7) * 26 + l8)) - 1
    q = p + 6 + nlet
    ok = ((u8[p] & _MASK[6]) == _START_C) & (nlet >= 1) & (row_of > 0) & \
        ((u8[q] & _MASK[np.minimum(width + 1, 8)]) == key)     # the digits are the row's number, then '"'
    row = row_of - 1
    after = q + width + 1
    for k in np.flatnonzero(~ok).tolist():  # cells without a row number to check against: one by one
        m = _REF.match(piece, int(p[k]))
        if m is None:
            raise Unusual
        letters, num = m.groups()
        j = 0
        for ch in letters:
            j = j * 26 + ch - 64
        col[k], row[k], after[k] = j - 1, int(num) - 1, m.end()
    return row, col, after


def _attributes(a, u8, start, stop, cells):
    """(type, is a date) of each cell from its attribute text ``a[start:stop]`` (after ``r``)."""
    width = stop - start
    long = width > 24
    w = np.clip(width, 0, 24)
    k0 = u8[start] & _MASK[np.minimum(w, 8)]
    k1, k2 = np.zeros(len(start), dtype=np.uint64), np.zeros(len(start), dtype=np.uint64)
    big = np.flatnonzero(w > 8)
    k1[big] = u8[start[big] + 8] & _MASK[np.clip(w[big] - 8, 0, 8)]
    k2[big] = u8[start[big] + 16] & _MASK[np.clip(w[big] - 16, 0, 8)]
    kind = np.full(len(start), _LONG, dtype=np.int8)
    date = np.zeros(len(start), dtype=bool)
    todo = np.flatnonzero(~long)
    while len(todo):   # one pass per 4,096 distinct attribute texts (a handful in any real sheet)
        h = (k0[todo] * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(52)
        if (w[todo] > 8).any():
            h ^= ((k1[todo] * np.uint64(0xC2B2AE3D27D4EB4F)) ^ (k2[todo] * np.uint64(0x165667B19E3779F9))) \
                >> np.uint64(52)
        rep = np.full(4096, -1, dtype=np.int64)
        rep[h] = todo
        r = rep[h]
        same = (k0[todo] == k0[r]) & (k1[todo] == k1[r]) & (k2[todo] == k2[r])
        buckets = np.flatnonzero(rep >= 0)
        found = [_decode(bytes(a[start[i]:stop[i]]), cells) for i in rep[buckets].tolist()]
        kinds = np.zeros(4096, dtype=np.int8)
        dates = np.zeros(4096, dtype=bool)
        kinds[buckets] = [f[0] for f in found]
        dates[buckets] = [f[1] for f in found]
        kind[todo[same]] = kinds[h[same]]
        date[todo[same]] = dates[h[same]]
        todo = todo[~same]
    return kind, date


def _decode(blob: bytes, cells) -> tuple:
    """(type, is a date) of a cell's attribute text."""
    found = cells.kinds.get(blob)
    if found is None:
        attrs = dict(_ATTR.findall(blob))
        style = attrs.get(b"s", b"0") or b"0"
        found = cells.kinds[blob] = (_KINDS.get(attrs.get(b"t", b"n"), _OTHER),
                                     style.isdigit() and int(style) in cells.dates)
    return found


def read_rows(piece: bytes, cells: SheetCells) -> None:
    """Read the cells of ``piece`` (whole rows or cells from inside ``<sheetData>``) into ``cells``."""
    n = len(piece)
    buf = piece + _PAD
    a, u4, u8 = _views(buf)
    lt = np.flatnonzero(a[:n] == 60)
    if not len(lt):
        if piece.strip():
            raise Unusual
        return
    kind, end = _classify(a, u4, n, lt)
    carry = cells.row
    _structure(kind, cells)
    opened = np.flatnonzero(kind == _C_O)
    closes = np.flatnonzero(kind == _C_C)
    inner = closes - opened - 1
    nxt = np.minimum(opened + 1, len(kind) - 1)
    valued = (inner == 2) & (kind[nxt] == _V_O) & (kind[np.minimum(opened + 2, len(kind) - 1)] == _V_C)
    inline = (inner == 4) & ((u8[lt[nxt]] & _MASK[7]) == _IS_T)
    simple = (inner == 0) | valued | ((inner == 1) & (kind[nxt] == _V_SC))
    checked = _CHECKED[kind]   # text inside a value is the value; inside cells read alone, checked there
    gap_end = np.append(lt[1:], n)
    gaps = np.flatnonzero(checked & (gap_end > end))
    if piece[:lt[0]].strip() or (len(gaps) and not _blank(a[:n], end[gaps], gap_end[gaps])):
        raise Unusual
    cell = np.flatnonzero((kind == _C_O) | (kind == _C_SC))
    numbers = _row_numbers(piece, lt, end, kind, cell, carry, cells)
    if not len(cell):
        return
    row, col, after = _refs(piece, a, u8, lt[cell], *numbers)
    _limits(cells, row, col)
    t, is_date = _attributes(a, u8, after, end[cell] - 1 - (kind[cell] == _C_SC), cells)
    _order(cells, row, col)
    slow = _values(a, lt, end, opened, valued, cell, kind[cell], row, col, t, is_date, cells)
    empty = cell[t == _INLINE]
    if len(empty):   # an inline string cell without its string reads as "" (as before)
        last = len(kind) - 1
        after, then = kind[np.minimum(empty + 1, last)], kind[np.minimum(empty + 2, last)]
        bare = (kind[empty] == _C_SC) | ((kind[empty] == _C_O) & ((after == _C_C) | ((after == _V_SC) & (then == _C_C))))
        at = np.searchsorted(cell, empty[bare])
        cells.add(row[at], col[at], np.full(len(at), "", dtype=object))
    hard = np.flatnonzero(~simple & ~inline)
    if inline.any():
        hard = np.concatenate((hard, _inline(piece, a, u4, u8, lt, opened, inline, cell, row, col, t, cells)))
    if len(hard):
        _expat(b"".join(piece[s:e] for s, e in zip(lt[opened[hard]].tolist(), end[closes[hard]].tolist())))
        slow = np.concatenate((slow, hard))
    if len(slow):
        slow = np.sort(slow)
        which = np.searchsorted(cell, opened[slow])
        _one_by_one(piece, list(zip(lt[opened[slow]].tolist(), end[closes[slow]].tolist())), row[which],
                    col[which], cells)


def _values(a, lt, end, opened, valued, cell, kind_of_cell, row, col, t, is_date, cells):
    """Numbers, shared strings and booleans of the cells with one ``<v>``; returns the ones left (by opened index)."""
    vi = np.flatnonzero(valued)
    at = np.flatnonzero(kind_of_cell == _C_O)[vi]   # the opened cells' places among all cells
    vs, ve = end[opened[vi] + 1], lt[opened[vi] + 2]
    vt, vd = t[at], is_date[at]
    done = (ve == vs) & (vt != _INLINE)  # <v></v>: an empty cell
    number = np.flatnonzero((vt == _N) & ~vd & ~done)
    if len(number):
        x, ok, whole = decimals(a, vs[number], ve[number])
        k = number[ok]
        done[k] = True
    if len(number) and len(k):
        cells.nr.append(row[at[k]])
        cells.nc.append(col[at[k]])
        cells.nx.append(x[ok])
        cells.nw.append(whole[ok])
    shared = np.flatnonzero((vt == _S) & ~done)
    if len(shared):
        i, ok, whole = decimals(a, vs[shared], ve[shared])
        ok &= whole
        k = shared[ok]
        strings = cells.strings
        table = np.empty(len(strings) + 1, dtype=object)
        table[:len(strings)] = strings
        idx = i[ok].astype(np.int64)
        idx[(idx < 0) | (idx >= len(strings))] = len(strings)   # out of range: an empty cell, as before
        cells.add(row[at[k]], col[at[k]], table[idx])
        done[k] = True
    boolean = np.flatnonzero((vt == _B) & ~done)
    if len(boolean):
        one = (ve[boolean] - vs[boolean] == 1) & (a[vs[boolean]] == 49)
        cells.add(row[at[boolean]], col[at[boolean]], one.astype(object))
        done[boolean] = True
    return vi[~done]


def _inline(piece, a, u4, u8, lt, opened, inline, cell, row, col, t, cells):
    """Inline strings of the plain shape ``<is><t>text</t></is>``, decoded in one go; returns the others."""
    ii = np.flatnonzero(inline)
    at = np.searchsorted(cell, opened[ii])
    o = opened[ii]
    plain = (t[at] == _INLINE) & (u4[lt[o + 3]] == _CLOSE_T) & ((u8[lt[o + 4]] & _MASK[5]) == _CLOSE_IS)
    k = np.flatnonzero(plain)
    if not len(k):
        return ii
    s, e = lt[o[k] + 2] + 3, lt[o[k] + 3]
    blob = b"\0".join(piece[x:y] for x, y in zip(s.tolist(), e.tolist()))
    try:
        texts = blob.decode("utf-8").split("\0")
    except UnicodeDecodeError:
        raise Unusual from None
    if len(texts) != len(k):
        return ii   # a NUL inside a text: every one alone
    if "&" in blob.decode("utf-8"):
        texts = [html.unescape(x) if "&" in x else x for x in texts]
    values = np.empty(len(texts), dtype=object)
    values[:] = texts
    cells.add(row[at[k]], col[at[k]], values)
    return ii[~plain]


def _order(cells, row, col):
    """Note the rightmost column; keep the cell positions only when they are out of order (to find doubles)."""
    lin = row * MAX_COLUMNS + col
    cells.right = max(cells.right, int(col.max()))
    if cells.order or lin[0] <= cells.previous or (len(lin) > 1 and (np.diff(lin) <= 0).any()):
        cells.order.append(lin)
    cells.previous = int(lin[-1])


def _blank(a, starts, stops) -> bool:
    """True when every text ``a[starts[k]:stops[k]]`` is only white space."""
    ws = np.concatenate(([0], np.cumsum(~_SPACE[a])))
    return bool((ws[stops] == ws[starts]).all())


def _limits(cells, row, col):
    sheet = cells.sheet
    if row.max() >= MAX_ROWS or col.max() >= MAX_COLUMNS:
        far = int(np.argmax((row >= MAX_ROWS) | (col >= MAX_COLUMNS)))
        raise InputError(Problem(sheet, None, f"a sheet that extends to cell {col_letter(int(col[far]))}"
                                 f"{int(row[far]) + 1}", f"at most {MAX_ROWS:,} rows and {MAX_COLUMNS:,} "
                                 "columns (delete stray cells far from the table, then save)"))
    cells.count += len(row)
    if cells.count > MAX_CELLS:
        raise InputError(Problem(sheet, None, f"more than {MAX_CELLS:,} cells", f"at most {MAX_CELLS:,} cells"))


def _expat(blob: bytes) -> None:
    """Cells read alone are well-formed XML (expat, no document type: the caller refuses those)."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(b"<x>" + blob + b"</x>", True)
    except xml.parsers.expat.ExpatError:
        raise Unusual from None


def _one_by_one(piece, spans, rows, cols, cells):
    """The cells the vectorised pass leaves: formulas, rich strings, dates, text results, odd numbers."""
    values = np.empty(len(spans), dtype=object)
    for k, (s, e) in enumerate(spans):
        m = _CELL.fullmatch(piece, s, e)
        if m is None:
            raise Unusual
        letters, digits, attrs, formula, value, inline = m.groups()
        attrs = dict(_ATTR.findall(attrs))
        t = _KINDS.get(attrs.get(b"t", b"n"), _OTHER)
        style = attrs.get(b"s", b"0") or b"0"
        try:
            if t == _N:
                values[k] = _number(value, formula, style.isdigit() and int(style) in cells.dates, letters, digits,
                                    cells)
            else:
                values[k] = _other(t, value, formula, inline, letters, digits, cells)
        except UnicodeDecodeError:
            raise Unusual from None
    cells.add(rows, cols, values)


def _number(value, formula, is_date, letters, digits, cells):
    if not value:
        if formula:
            cells.problems.append(_uncached(cells.sheet, letters, digits, formula))
        return None
    try:
        x = float(value) if (b"." in value or b"e" in value or b"E" in value) else int(value)
    except ValueError:
        cells.problems.append(Problem(cells.sheet, f"{letters.decode()}{digits.decode()}",
                                      f"the value {value.decode('utf-8', 'replace')[:40]!r} in a number cell",
                                      "a number (the file is damaged: open and save it in Excel)"))
        return None
    return _date(x, cells.epoch) if is_date else x


def _other(t, value, formula, inline, letters, digits, cells):
    strings = cells.strings
    if t == _S:
        i = int(value) if value and value.isdigit() else -1
        return strings[i] if 0 <= i < len(strings) else None
    if t == _INLINE:
        return html.unescape("".join((m or b"").decode("utf-8") for m in _T.findall(inline or b"")))
    if t in (_STR, _E):
        if not value and formula and t == _STR:
            cells.problems.append(_uncached(cells.sheet, letters, digits, formula))
        return html.unescape(value.decode("utf-8")) if value else None
    if t == _B:
        return value == b"1" if value else None
    if t == _D:
        return pd.Timestamp(value.decode()).to_pydatetime() if value else None
    return None


def _uncached(sheet, letters, digits, formula) -> Problem:
    m = re.search(rb">([^<]*)</f>", formula)
    text = "=" + (m.group(1).decode("utf-8") if m else "")
    return Problem(sheet, f"{letters.decode()}{digits.decode()}",
                   f"the formula {html.unescape(text)[:40]!r} with no stored result",
                   "a value (open and save the workbook in Excel, or paste values only)")


def _date(x, epoch):
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(x, epoch)
    except (ValueError, OverflowError):
        return x


def hidden_and_merged(part: bytes, cells: SheetCells) -> None:
    """Note hidden rows and columns and merged cells in a run of the sheet's XML outside ``<sheetData>``."""
    if b'hidden="' in part:
        cells.hidden_rows += [int(r) for r in _ROW_HIDDEN.findall(part)]
        cells.hidden_cols += [c for c in _COL.findall(part) if re.search(rb'hidden="(?:1|true)"', c)]
    if b"<mergeCell" in part:
        cells.merges += _MERGE.findall(part)
