"""Render a brief's context to HTML (Jinja2, autoescaped) and to PDF (WeasyPrint).

The templates, CSS and fonts are the package data of ``readiness.reports``. WeasyPrint
fetches through :class:`AssetFetcher`, which serves files inside that folder and refuses
everything else (network, other files, ``data:`` URLs), and counts every call, so a
hostile name in a workbook can make the renderer fetch nothing. The PDF is tagged
(PDF/UA-1), carries the document language, title and author, and is byte-for-byte
reproducible: its dates come from ``SOURCE_DATE_EPOCH`` or the dataset version, never
from the clock.
"""

from __future__ import annotations

import contextlib
import functools
import datetime as _dt
import os
import re
import sys
from importlib.resources import files
from pathlib import Path

__all__ = ["assets", "AssetFetcher", "document_date", "html", "pdf", "preload", "load_weasyprint"]


def load_weasyprint():
    """Import WeasyPrint (once), without ctypes' search for shared libraries on Linux.

    WeasyPrint opens each of its six C libraries by trying several names in turn
    (``libgobject-2.0-0``, ``gobject-2.0-0``, ``gobject-2.0``, ``libgobject-2.0.so.0``, ...);
    cffi hands every name that does not open as it is to ``ctypes.util.find_library``,
    which on Linux runs ``ldconfig``, ``gcc`` and ``ld`` each time: some forty processes,
    most of a second of a brief's start-up. On Linux the ``.so.N`` names open directly, so
    the import first runs with that search answering "not found"; should that fail (an
    unusual layout only the search finds), it is imported again the ordinary way.
    """
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint
        return weasyprint
    import ctypes.util
    import io

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        with contextlib.redirect_stdout(io.StringIO()):     # WeasyPrint prints advice before it raises
            import weasyprint
        return weasyprint
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
    finally:
        ctypes.util.find_library = search
    import weasyprint
    return weasyprint


def assets() -> Path:
    """The folder of the brief's templates, CSS and fonts (package ``readiness.reports``)."""
    return Path(str(files("readiness.reports")))


def document_date(version) -> str | None:
    """The date written into the PDF: ``SOURCE_DATE_EPOCH`` (UTC) if set, else the dataset version's
    year and month (``2026.11`` -> ``2026-11-01``), else None (no date at all)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    m = re.match(r"^\s*(\d{4})(?:[.\-](\d{1,2}))?", str(version or ""))
    if m:
        month = int(m.group(2) or 1)
        if 1 <= month <= 12:
            return f"{m.group(1)}-{month:02d}-01T00:00:00Z"
    return None


def _bytecode_cache():
    """Jinja2's compiled templates kept in the readiness cache folder (``templates/``), or None when caching
    is off or the folder cannot be made: compiling the templates is a tenth of a second of every start."""
    from jinja2 import FileSystemBytecodeCache

    from ..cachedir import cache_dir, caching

    if not caching():
        return None
    folder = cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


@functools.lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(str(assets() / "templates")), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True,
                       bytecode_cache=_bytecode_cache())


def html(ctx: dict, charts: dict, *, images: dict | None = None) -> str:
    """The brief as one HTML document.

    With ``images`` (a dict, filled here), the document is for :func:`pdf`: no CSS (``pdf``
    applies the stylesheets and fonts, parsed once per process), and each chart is an ``<img alt=...>`` whose SVG bytes are put in ``images``
    under its name, for the fetcher to serve. Without, the document is self-contained:
    inline CSS and inline ``<svg>`` (with ``<title>``), no fonts linked. Either way the
    chart's words are HTML spans placed over it (``charts[...]["labels"]``).
    """
    from markupsafe import Markup, escape

    from .svg import FONT

    css = "" if images is not None else (assets() / "brief.css").read_text(encoding="utf-8")
    safe_charts = {}
    for group, items in charts.items():
        safe_charts[group] = []
        for c in items:
            if images is not None:
                name = f"chart-{len(images) + 1}.svg"
                # the chart's text in the shipped font (fonts.css), never a system font of the same name
                images[name] = c["svg"].replace(FONT, "'Readiness DejaVu Sans'", 1).encode("utf-8")
                markup = Markup(f'<img src="{name}" alt="{escape(c["alt"])}" width="{escape(c["width"])}" '
                                f'height="{escape(c["height"])}">')
            else:
                markup = Markup(c["svg"])
            safe_charts[group].append({**c, "html": markup})
    name = ctx["country"]["name"]
    meta = {
        "title": f"{name}: sovereign AI readiness brief",
        "author": "readiness (sovereign AI readiness toolkit)",
        "description": f"Country brief for {name} ({ctx['country']['iso3']}) from {ctx['dataset']['label']} "
                       f"{ctx['dataset']['version']}".strip(),
        "date": document_date(ctx["dataset"]["version"]),
    }
    return _environment().get_template("brief.html").render(ctx=ctx, charts=safe_charts, meta=meta,
                                                             css=Markup(css))


def _fetcher_class():
    load_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class _AssetFetcher(URLFetcher):
        """Serves files inside the assets folder; refuses (and counts) everything else."""

        def __init__(self, root: Path):
            super().__init__(allowed_protocols=("file",))
            self.root = root.resolve()
            self.calls: list[str] = []
            self.refused: list[str] = []
            self.images: dict = {}      # name -> bytes: the brief's charts, served as if in the root

        def fetch(self, url, headers=None):
            self.calls.append(url)
            path = None
            if url.startswith("file://"):
                from urllib.parse import unquote, urlsplit

                path = Path(unquote(urlsplit(url).path))
                if path.parent == self.root and path.name in self.images:
                    return URLFetcherResponse(url, body=self.images[path.name],
                                              headers={"Content-Type": "image/svg+xml"})
                path = path.resolve()
            if path is None or not path.is_relative_to(self.root) or not path.is_file():
                self.refused.append(url)
                raise ValueError(f"the brief renderer fetches only its own assets; refused {url[:80]!r}")
            kind = {".ttf": "font/ttf", ".css": "text/css", ".svg": "image/svg+xml"}.get(path.suffix,
                                                                                       "application/octet-stream")
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    return _AssetFetcher


def AssetFetcher(root: Path | None = None):  # noqa: N802 - a factory standing for the class (WeasyPrint is lazy)
    """A WeasyPrint URL fetcher confined to ``root`` (default: :func:`assets`), with ``calls`` and ``refused``."""
    return _fetcher_class()(root or assets())


@contextlib.contextmanager
def _fixed_clock(date: str | None):
    """``SOURCE_DATE_EPOCH`` set while the PDF is written: fontTools stamps the subset fonts with it."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
        yield
        return
    stamp = 0
    if date:
        when = _dt.datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc)
        stamp = int(when.timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = str(stamp)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


@contextlib.contextmanager
def _fewer_collections():
    """Python's cyclic garbage collector run less often while WeasyPrint lays out (it makes hundreds of
    thousands of small objects; at the default threshold the collector costs about a tenth of the time)."""
    import gc

    before = gc.get_threshold()
    gc.set_threshold(20000, 20, 50)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@functools.lru_cache(maxsize=1)
def _stylesheet():
    """The brief's fonts and CSS, parsed once per process, with the font configuration holding the fonts.

    Every PDF made in the process shares them (``brief --all`` lays out hundreds of briefs per
    worker): the fonts are registered with Fontconfig once, not once per brief.
    """
    load_weasyprint()
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    import atexit

    root = assets()
    fonts = FontConfiguration()
    # dropped while the interpreter still works (at shutdown, its __del__ would find its imports gone)
    atexit.register(_stylesheet.cache_clear)
    text = (root / "fonts.css").read_text(encoding="utf-8") + (root / "brief.css").read_text(encoding="utf-8")
    sheet = CSS(string=text, base_url=root.resolve().as_uri() + "/", url_fetcher=AssetFetcher(root),
                font_config=fonts)
    return fonts, sheet


def preload():
    """Load what every PDF brief needs (WeasyPrint, the stylesheet and fonts, the chart font metrics, the
    compiled templates) and lay out a tiny page, so that processes forked afterwards (``brief --all``) start
    warm."""
    from .svg import text_width

    text_width("x", 1)
    for name in ("brief.html", "not_scored.html", "annex.html", "sovereignty.html", "figure.html"):
        _environment().get_template(name)
    pdf('<p lang="en">x <strong>y</strong> <em>z</em></p>', date=None)


def pdf(document: str, *, images: dict | None = None, fetcher=None, date: str | None = None) -> bytes:
    """The HTML document (from ``html(..., images=images)``) as a tagged PDF/UA-1, reproducible byte for byte.

    ``date`` (ISO, as :func:`document_date` gives) stamps the embedded font subsets,
    unless ``SOURCE_DATE_EPOCH`` is set. The stylesheet and fonts are the package's own
    (:func:`_stylesheet`); ``fetcher`` serves the charts and refuses anything else.
    """
    import logging

    load_weasyprint()
    from weasyprint import HTML

    fetcher = fetcher or AssetFetcher()
    fetcher.images = dict(images or {})
    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)   # refused fetches are counted, not printed
    fonts, sheet = _stylesheet()
    base = assets().resolve().as_uri() + "/"
    doc = HTML(string=document, base_url=base, url_fetcher=fetcher)
    with _fixed_clock(date), _fewer_collections():
        return doc.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=b"readiness-brief", stylesheets=[sheet],
                             font_config=fonts)
