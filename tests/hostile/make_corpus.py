"""Generate the corpus of hostile and malformed inputs (issue 9, item 4) into a folder.

Nothing here is committed as a binary: every file is made by this script. Run
``python tests/hostile/make_corpus.py DIR`` to write the corpus, or
``python tests/hostile/make_corpus.py --measure`` to load every case in a fresh
process and print a table of case, first message, wall time and peak memory.

Each case is ``(name, path, args, expected)``: ``args`` are the ``readiness`` command
line after the program name, ``expected`` the first ``Error:`` line (or ``None`` for
inputs that must load: a stale or absurd stored dimension is ignored, not trusted).
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from readiness.io.writer import write_workbook

OK = None


def tiny_tables(n=12):
    """``n`` countries x 4 indicators in 2 dimensions."""
    codes = ["KEN", "UGA", "TZA", "RWA", "ETH", "NGA", "GHA", "SEN", "ZAF", "EGY", "MAR", "TUN"][:n]
    rng = np.random.default_rng(1)
    data = pd.DataFrame(rng.uniform(1, 100, size=(n, 4)).round(2), columns=["a1", "a2", "b1", "b2"])
    data.insert(0, "country", codes)
    indicators = pd.DataFrame({"code": ["a1", "a2", "b1", "b2"], "name": ["A one", "A two", "B one", "B two"],
                               "parent": ["A", "A", "B", "B"], "direction": [1, 1, -1, 1], "weight": 1})
    structure = pd.DataFrame({"code": ["A", "B", "I"], "name": ["Dim A", "Dim B", "Index"],
                              "parent": ["I", "I", ""], "weight": 1})
    countries = pd.DataFrame({"country": codes, "name": "", "region": "R", "income_group": "H"})
    return {"Data": data, "Indicators": indicators, "Structure": structure, "Countries": countries}


def _book(path, tables=None, **extra):
    t = tables or tiny_tables()
    t.update(extra)
    return write_workbook(t, path)


def _rezip(src, dst, edit=None, extra=(), keep=lambda n: True):
    """Copy a zip, passing each part through ``edit(name, bytes)`` and adding ``extra`` (name, bytes)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if not keep(item.filename):
                continue
            data = zin.read(item.filename)
            zout.writestr(item.filename, edit(item.filename, data) if edit else data)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a duplicate name is the point of one case
            for name, data in extra:
                zout.writestr(name, data)
    return dst


def _openpyxl_book(path, tables, edit):
    """A workbook written by openpyxl itself (real date cells and styles), then ``edit(wb)``."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, df in tables.items():
        ws = wb.create_sheet(name)
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append(list(row))
    edit(wb)
    wb.save(path)
    return path


def _sheet(n):
    return f"xl/worksheets/sheet{n}.xml"


def _replace(part, old, new, count=1):
    """An edit of one part; the pattern (a regular expression) must match."""
    import re

    def edit(name, data):
        if name != part:
            return data
        out, n = re.subn(old, new, data, count=count)
        if not n:
            raise AssertionError(f"{old!r} not found in {part}")
        return out
    return edit


def _big_sheet(dst, base, rows_xml_iter):
    """``base`` with the Data sheet's rows replaced by a stream of rows (written compressed, never held)."""
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename != _sheet(1):
                zout.writestr(item.filename, data)
                continue
            head, _, rest = data.partition(b"<sheetData>")
            _, _, tail = rest.partition(b"</sheetData>")
            with zout.open(item.filename, "w", force_zip64=True) as fh:
                fh.write(head + b"<sheetData>")
                for block in rows_xml_iter:
                    fh.write(block)
                fh.write(b"</sheetData>" + tail)
    return dst


def _edit_cell(tables, sheet, row, col, value):
    t = {k: v.copy() for k, v in tables.items()}
    t[sheet][col] = t[sheet][col].astype(object)
    t[sheet].loc[row, col] = value
    return t


def build(folder) -> list:
    """Write every case into ``folder``; return ``[(name, path, args, expected)]``."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    base = _book(d / "base.xlsx")
    cases = []

    def case(name, path, expected, args=None):
        cases.append((name, Path(path), args or ["validate", "--data", str(path)], expected))

    # -- the package -------------------------------------------------------------------------------
    raw = base.read_bytes()
    (d / "truncated.xlsx").write_bytes(raw[: len(raw) // 2])
    case("truncated zip", d / "truncated.xlsx", "Error: truncated.xlsx: found a file that is not an .xlsx workbook; "
         "expected an Excel workbook (.xlsx) or a folder of CSV files.")
    (d / "renamed.xlsx").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    case("renamed PDF", d / "renamed.xlsx", "Error: renamed.xlsx: found a file that is not an .xlsx workbook; "
         "expected an Excel workbook (.xlsx) or a folder of CSV files.")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    (d / "legacy.xls").write_bytes(ole + "Workbook".encode("utf-16-le") + b"\0" * 1024)
    case(".xls (OLE2)", d / "legacy.xls", "Error: legacy.xls: found an Excel 97-2003 workbook (.xls) or another OLE "
         "file; expected an .xlsx workbook (save it as Excel Workbook .xlsx).")
    (d / "encrypted.xlsx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1024)
    case("encrypted workbook", d / "encrypted.xlsx", "Error: encrypted.xlsx: found an encrypted "
         "(password-protected) workbook; expected a workbook without a password (save a copy without one).")
    with zipfile.ZipFile(d / "sheet.ods", "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    case(".ods", d / "sheet.ods", "Error: sheet.ods: found an OpenDocument spreadsheet (.ods); expected an .xlsx "
         "workbook (save it as Excel Workbook .xlsx).")
    doctored = tiny_tables()
    doctored["Data"].loc[0, ["a1", "a2", "b1", "b2"]] = [1e6, 1e6, -1e6, 1e6]
    evil = _book(d / "evil_src.xlsx", doctored)
    with zipfile.ZipFile(evil) as z:
        second = z.read(_sheet(1))
    _rezip(base, d / "duplicate_entry.xlsx", extra=[(_sheet(1), second)])
    case("duplicate zip entry", d / "duplicate_entry.xlsx", "Error: duplicate_entry.xlsx: found two zip entries "
         "named 'xl/worksheets/sheet1.xml' (a doctored file); expected each part of the workbook once.")
    _rezip(base, d / "macros.xlsm", extra=[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")])
    case(".xlsm with macros", d / "macros.xlsm", "Error: macros.xlsm: found a workbook with macros: "
         "xl/vbaProject.bin; expected an .xlsx workbook without macros.")
    _rezip(base, d / "links.xlsx", extra=[("xl/externalLinks/externalLink1.xml", b"<externalLink/>")])
    case("external links", d / "links.xlsx", "Error: links.xlsx: found links to other workbooks: "
         "xl/externalLinks/externalLink1.xml; expected a self-contained workbook (break the links, then save).")
    _rezip(base, d / "ole.xlsx", extra=[("xl/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0")])
    case("OLE object", d / "ole.xlsx", "Error: ole.xlsx: found embedded objects (OLE): xl/embeddings/oleObject1.bin; "
         "expected a workbook without embedded objects.")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
              b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>')
    _rezip(base, d / "entities.xlsx", edit=lambda n, b: laughs + b if n == _sheet(1) else b)
    case("entity expansion (billion laughs)", d / "entities.xlsx", "Error: entities.xlsx: found an XML document "
         "type declaration in xl/worksheets/sheet1.xml (entities are refused); expected an Excel workbook (.xlsx) as "
         "Excel writes it.")
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    _rezip(base, d / "xxe.xlsx", edit=lambda n, b: xxe + b if n == "xl/workbook.xml" else b)
    case("external entity (XXE)", d / "xxe.xlsx", "Error: xxe.xlsx: found an XML document type declaration in "
         "xl/workbook.xml (entities are refused); expected an Excel workbook (.xlsx) as Excel writes it.")
    _rezip(base, d / "bad_xml.xlsx", edit=_replace(_sheet(1), b"</sheetData>", b"</sheetDat>"))
    case("malformed sheet XML", d / "bad_xml.xlsx", "Error: bad_xml.xlsx: found malformed XML in "
         "xl/worksheets/sheet1.xml (mismatched tag: line 1, column ")

    # -- size and shape ----------------------------------------------------------------------------
    def spaces():
        block = b" " * 2**20
        for _ in range(420):
            yield block
    _big_sheet(d / "bomb.xlsx", base, spaces())
    case("zip bomb (420 MB of XML in 0.4 MB)", d / "bomb.xlsx", "Error: bomb.xlsx: found a workbook that unpacks to "
         "420 MB; expected at most 400 MB of sheet data (a compressed bomb is refused).")

    def empty_cells():  # a sheet with no dimension and a million empty cells (0.4 MB compressed)
        for r in range(1, 100_001):
            cells = b"".join(b'<c r="%s%d"/>' % (col, r) for col in (b"A", b"B", b"C", b"D", b"E", b"F", b"G",
                                                                       b"H", b"I", b"J"))
            yield b'<row r="%d">%s</row>' % (r, cells)
    _big_sheet(d / "cells.xlsx", base, empty_cells())
    case("a million empty cells", d / "cells.xlsx", "Error: Data: found no column 'country' in row 1; expected the "
         "columns country.")

    def many_rows():
        for start in range(1, 1_200_001, 10_000):
            yield b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(start, start + 10_000))
    _big_sheet(d / "rows.xlsx", base, many_rows())
    case("1.2 million rows", d / "rows.xlsx", "Error: Data: found a sheet that extends to cell A100001; expected at "
         "most 100,000 rows and 2,000 columns (delete stray cells far from the table, then save).")
    _rezip(base, d / "far_cell.xlsx", edit=_replace(_sheet(1), b"</sheetData>",
                                                    b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
                                                    b"</sheetData>"))
    case("a cell at XFD1048576", d / "far_cell.xlsx", "Error: Data: found a sheet that extends to cell XFD1048576; "
         "expected at most 100,000 rows and 2,000 columns (delete stray cells far from the table, then save).")
    _rezip(base, d / "claims_max.xlsx", edit=_replace(_sheet(1), rb'<dimension ref="[^"]*"',
                                                      b'<dimension ref="A1:XFD1048576"'))
    case("dimension claims A1:XFD1048576", d / "claims_max.xlsx", OK)
    _rezip(base, d / "stale.xlsx", edit=_replace(_sheet(1), rb'<dimension ref="[^"]*"', b'<dimension ref="A1:E5"'))
    case("stale dimension (A1:E5 for 12 rows)", d / "stale.xlsx", OK)
    _rezip(base, d / "no_dimension.xlsx", edit=_replace(_sheet(1), rb'<dimension ref="[^"]*"\s*/>', b""))
    case("no dimension", d / "no_dimension.xlsx", OK)
    t = _edit_cell(tiny_tables(), "Data", 2, "country", "K" * 32_767)
    long = _book(d / "long_cell.xlsx", _edit_cell(t, "Countries", 2, "country", "K" * 32_767))
    from readiness.errors import shorten

    case("32,767-character code", long, f"Error: Countries!A4: found {shorten('K' * 32_767)}; expected an ISO3 or "
         "ISO2 code, a country name, or a unit code (up to 32 letters, digits, - and _).")

    # -- cells -------------------------------------------------------------------------------------
    for name, cell, found in [("Arabic-Indic digits", "\u0661\u0662", "text '\u0661\u0662'"),
                              ("Devanagari digits", "\u0969\u096a", "text '\u0969\u096a'"),
                              ("digit-group underscore", "1_000", "text '1_000'"),
                              ("boolean in a numeric cell", True, "the boolean TRUE")]:
        p = _book(d / f"cell_{len(cases)}.xlsx", _edit_cell(tiny_tables(), "Data", 1, "a2", cell))
        case(name, p, f"Error: Data!C3: found {found}; expected a number or an empty cell.")
    import datetime
    p = _openpyxl_book(d / "date.xlsx", tiny_tables(), lambda wb: wb["Data"].cell(3, 3, datetime.datetime(2024, 1, 5)))
    case("date in a numeric cell", p, "Error: Data!C3: found the date 2024-01-05 00:00:00; expected a number or an "
         "empty cell.")
    _rezip(base, d / "formula_cached.xlsx", edit=_replace(_sheet(1), rb'<c r="C3"[^>]*>.*?</c>',
                                                          b'<c r="C3"><f>1+1</f><v>2</v></c>'))
    case("formula with a cached value", d / "formula_cached.xlsx", OK)
    _rezip(base, d / "formula_uncached.xlsx", edit=_replace(_sheet(1), rb'<c r="C3"[^>]*>.*?</c>',
                                                            b'<c r="C3"><f>SUM(B2:B4)</f><v/></c>'))
    case("formula without a cached value", d / "formula_uncached.xlsx", "Error: Data!C3: found the formula "
         "'=SUM(B2:B4)' with no stored result; expected a value (open and save the workbook in Excel, or paste values "
         "only).")
    _rezip(base, d / "merged.xlsx", edit=_replace(_sheet(1), b"</sheetData>",
                                                  b'</sheetData><mergeCells count="1"><mergeCell ref="B1:C1"/>'
                                                  b"</mergeCells>"))
    case("merged header cells", d / "merged.xlsx", "Error: Data!B1:C1: found merged cells; expected one value per "
         "cell (unmerge them).")
    _rezip(base, d / "hidden.xlsx", edit=_replace(_sheet(1), b"<sheetData>",
                                                  b'<cols><col min="3" max="3" width="0" hidden="1"/></cols>'
                                                  b"<sheetData>"))
    case("hidden header column", d / "hidden.xlsx", "Error: Data!C1: found a hidden column; expected every column of "
         "the table visible (unhide it, or delete it).")
    t = tiny_tables()
    t["Data"].columns = ["country", "a1", "a1", "b1", "b2"]
    case("duplicate headers", _book(d / "dup_header.xlsx", t), "Error: Data!C1: found the column 'a1' a second "
         "time (first in B1); expected each column once.")
    for name, code, found in [("Cyrillic look-alike code", "\u041a\u0415N",
                               "'\u041a\u0415N' with the Cyrillic letter '\u041a' (U+041A)"),
                              ("full-width code", "\uff2b\uff25\uff2e", "'\uff2b\uff25\uff2e' with the full-width or "
                               "compatibility character '\uff2b' (U+FF2B)"),
                              ("zero-width space in a code", "KEN\u200b", "'KEN\\u200b' with the invisible or control "
                               "character '\\u200b' (U+200B)")]:
        p = _book(d / f"code_{len(cases)}.xlsx", _edit_cell(tiny_tables(), "Countries", 0, "country", code))
        case(name, p, f"Error: Countries!A2: found {found}; expected an ISO3 or ISO2 code, a country name, or a unit "
             "code (up to 32 letters, digits, - and _).")
    t = tiny_tables()
    units = [f"U{i:03d}" for i in range(30)]
    t["Data"] = pd.DataFrame({"country": units, "a1": "x", "a2": "y", "b1": "z", "b2": "w"})
    t["Countries"] = pd.DataFrame({"country": units, "name": units})
    case("120 bad cells (errors capped at 50)", _book(d / "many_errors.xlsx", t),
         "Error: Data!B2: found text 'x'; expected a number or an empty cell.")

    # -- settings and trade ------------------------------------------------------------------------
    settings = pd.DataFrame({"setting": ["skew_max", "kurt_max", "normalisation_low", "normalisation_high",
                                         "seed", "seed", "generalised_mean_p"],
                             "value": ["nan", -1, 50, 10, "inf", 3, 1e308]})
    case("absurd Settings (NaN, negative, low > high, duplicate, inf)", _book(d / "settings.xlsx",
         Settings=settings), "Error: Settings!A7: found the setting 'seed' a second time (first in A6); expected "
         "each setting once.")
    trade = pd.DataFrame({"importer": ["KEN", "KEN"], "exporter": ["CHN", "USA"], "year": [2023, 2023],
                          "value": [1.0, "inf"]})
    ind = tiny_tables()["Indicators"]
    ind.loc[0, "code"] = "chip_supplier_hhi"
    t = tiny_tables()
    t["Indicators"] = ind
    t["Data"] = t["Data"].rename(columns={"a1": "chip_supplier_hhi"})
    case("Trade value inf", _book(d / "trade_inf.xlsx", t, Trade=trade), "Error: Trade!D3: found text 'inf'; "
         "expected a finite number.")
    t2 = {k: v.copy() for k, v in t.items()}
    case("two Trade flows of 1e308", _book(d / "trade_huge.xlsx", t2, Trade=trade.assign(value=[1e308, 1e308])), OK)

    # -- CSV folders -------------------------------------------------------------------------------
    folder = d / "csv_symlink"
    folder.mkdir(exist_ok=True)
    for name, df in tiny_tables().items():
        df.to_csv(folder / f"{name.lower()}.csv", index=False)
    secret = d / "secret.txt"
    secret.write_text("root:x:0:0:secret\n")
    (folder / "sources.csv").unlink(missing_ok=True)
    os.symlink(secret, folder / "sources.csv")
    case("symbolic link in a CSV folder", folder, "Error: sources.csv: found a symbolic link; expected a regular "
         "file in the folder (copy the file in).")
    folder = d / "csv_control"
    folder.mkdir(exist_ok=True)
    t = tiny_tables()
    t["Countries"]["name"] = t["Countries"]["name"].astype(object)
    t["Countries"].loc[0, "name"] = "Ken\x1b[31mya\x07"
    for name, df in t.items():
        df.to_csv(folder / f"{name.lower()}.csv", index=False)
    case("control characters in a CSV folder", folder, "Error: countries.csv!B2: found the control character "
         "'\\x1b' (U+001B) in 'Ken\\x1b[31mya\\x07'; expected text without control characters.")
    return cases


def measure(cases, *, cpu_seconds=10, memory_bytes=2 * 2**30) -> list:
    """Run each case's command in a process of its own; return one dict per case.

    A child process imports ``readiness`` once, then forks once per case: the fork
    runs the command under ``RLIMIT_CPU`` (``cpu_seconds``) and ``RLIMIT_AS``, and its
    wall time, exit status and peak resident memory (``ru_maxrss``, from ``wait4``)
    are recorded.
    """
    import json
    import subprocess

    todo = [{"name": n, "path": str(p), "args": a} for n, p, a, _ in cases]
    out = subprocess.run([sys.executable, __file__, "--child", str(cpu_seconds), str(memory_bytes)],
                         input=json.dumps(todo), capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


def _child(cpu_seconds, memory_bytes):
    import hashlib
    import json
    import resource
    import tempfile
    import time

    from readiness.cli import cli

    for item in json.load(sys.stdin):
        path = Path(item["path"])
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        err = tempfile.TemporaryFile()
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the case
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
            os.dup2(err.fileno(), 2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            try:
                cli.main(item["args"], prog_name="readiness", standalone_mode=True)
            except SystemExit as exc:
                os._exit(exc.code if isinstance(exc.code, int) else 1)
            except BaseException:
                import traceback

                traceback.print_exc()
                sys.stderr.flush()
                os._exit(3)
            os._exit(0)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        print(json.dumps({
            "name": item["name"], "exit": os.waitstatus_to_exitcode(status), "seconds": round(wall, 2),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(usage.ru_maxrss / 1024, 1), "first_line": (text.splitlines() or [""])[0],
            "lines": text.splitlines()[:60],
            "unchanged": digest is None or hashlib.sha256(path.read_bytes()).hexdigest() == digest,
        }), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1:2] == ["--measure"]:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            rows = measure(build(tmp))
        print("| case | exit | message (first line) | wall s | CPU s | peak MB |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['name']} | {r['exit']} | {r['first_line'][:110]} | {r['seconds']} | {r['cpu_seconds']} | "
                  f"{r['peak_mb']} |")
    else:
        target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("hostile-corpus")
        for name, path, _, _ in build(target):
            print(f"{name}: {path}")
