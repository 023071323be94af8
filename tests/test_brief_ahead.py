"""RenderAhead: the PDF laid out in a forked worker is the PDF laid out here."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from click.testing import CliRunner

from readiness.briefs import brief
from readiness.briefs.ahead import RenderAhead
from readiness.cli import cli

forking = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2,
                             reason="needs fork and two cores")


@forking
def test_the_worker_gives_the_same_bytes_as_this_process(default_result):
    here = brief(default_result, "KE")
    with RenderAhead() as ahead:
        assert ahead._pool is not None
        there = brief(default_result, "KE", render_pdf=ahead.pdf)
    assert there == here and there.startswith(b"%PDF")


def test_a_fetcher_is_served_here_so_its_calls_can_be_counted(default_result):
    from readiness.briefs.render import AssetFetcher

    fetcher = AssetFetcher()
    with RenderAhead() as ahead:
        out = brief(default_result, "KE", render_pdf=ahead.pdf, fetcher=fetcher)
    assert out.startswith(b"%PDF") and len(fetcher.calls) >= 1


@forking
def test_an_error_in_the_worker_reaches_the_caller_and_the_worker_ends():
    ahead = RenderAhead()
    with pytest.raises(TypeError):
        with ahead:
            ahead.pdf(None)                      # not a document: WeasyPrint's own error, raised here
    assert ahead._pool is None


def test_the_command_writes_what_the_library_gives(default_result, tmp_path):
    out = tmp_path / "KEN.pdf"
    run = CliRunner().invoke(cli, ["brief", "-c", "KE", "-o", str(out)], env={"COLUMNS": "80"})
    assert run.exit_code == 0, run.output
    assert out.read_bytes() == brief(default_result, "KE")
