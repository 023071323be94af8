"""One brief's PDF laid out by a second process that starts loading WeasyPrint at once.

A cold ``readiness brief --country KE`` spends about a second importing pandas and
building the index, and about a second importing WeasyPrint and parsing the stylesheet
and fonts, before any layout starts. On a machine with two cores or more,
:class:`RenderAhead` forks a worker first thing, which loads WeasyPrint (``render.preload``)
while this process builds; the document is then sent to it and the PDF bytes come back.
The bytes are the same as :func:`readiness.briefs.render.pdf` gives in this process (tested).
Where forking is not available (Windows, macOS's default), or on one core, it renders here.
"""

from __future__ import annotations

import os

__all__ = ["RenderAhead"]


def _warm() -> bool:
    from .render import preload

    preload()
    return True


def _render(document: str, images: dict, date) -> bytes:
    from .render import pdf

    return pdf(document, images=images, date=date)


class RenderAhead:
    """A one-process pool, forked at once, that warms WeasyPrint and then renders PDFs.

    Use as a context manager; :meth:`pdf` has the signature of ``render.pdf``.
    """

    def __init__(self):
        self._pool = None
        import multiprocessing

        if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return
        try:
            self._pool = multiprocessing.get_context("fork").Pool(1)
        except OSError:
            self._pool = None
            return
        self._pool.apply_async(_warm)

    def pdf(self, document: str, *, images: dict | None = None, fetcher=None, date=None) -> bytes:
        """The PDF of ``document``, from the worker (here when there is none, or a fetcher is given)."""
        if self._pool is None or fetcher is not None:
            from .render import pdf

            return pdf(document, images=images, fetcher=fetcher, date=date)
        return self._pool.apply(_render, (document, dict(images or {}), date))

    def close(self, *, wait: bool = True) -> None:
        if self._pool is not None:
            if wait:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        self.close(wait=kind is None)
