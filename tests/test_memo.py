"""Kept answers (readiness.cli.memo): the same bytes with and without one, and a new key for any change."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from readiness.cli import cli
from tests.conftest import tiny_tables

CASES = [
    ["score", "-c", "KE"],
    ["score", "-c", "KE", "--format", "json"],
    ["score", "-c", "KE", "-c", "DE", "--format", "csv"],
    ["rank", "--top", "5"],
    ["rank", "--format", "json", "--top", "3"],
    ["rank", "--format", "csv", "--level", "talent"],
    ["explain", "-c", "KE"],
    ["compare", "KE", "UG", "--format", "csv"],
    ["whatif", "-c", "KE", "--value", "fixed_broadband=10"],
    ["levers", "-c", "KE", "--format", "json"],
    ["audit"],
    ["audit", "--format", "csv"],
]


def _run(args, **env):
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "80", **env}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _answers(folder: Path):
    return sorted((folder / "answers").glob("*.txt")) if (folder / "answers").exists() else []


def _fail_if_built(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("built again although the answer was kept")

    monkeypatch.setattr("readiness.pipeline.build", refuse)


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_a_kept_answer_prints_the_same_bytes_without_building(args, tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    fresh = _run(args, READINESS_NO_CACHE="1")
    assert _answers(tmp_path) == []                      # READINESS_NO_CACHE keeps nothing
    first = _run(args)
    assert len(_answers(tmp_path)) == 1
    _fail_if_built(monkeypatch)
    assert _run(args) == first == fresh


def test_an_edited_input_file_is_a_new_key(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "data"
    folder.mkdir()
    for name, frame in tiny_tables().items():
        frame.to_csv(folder / f"{name.lower()}.csv", index=False)
    args = ["rank", "--data", str(folder), "--format", "csv"]
    before = _run(args)
    data = (folder / "data.csv").read_text()
    (folder / "data.csv").write_text(data.replace("AAA,1.0", "AAA,9.0", 1))   # one value changed in place
    after = _run(args)
    assert after != before
    assert after == _run(args, READINESS_NO_CACHE="1")
    assert len(_answers(tmp_path / "cache")) == 2


def test_another_terminal_width_is_another_key(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    narrow = _run(["score", "-c", "KE"], COLUMNS="80")
    wide = _run(["score", "-c", "KE"], COLUMNS="140")
    assert len(_answers(tmp_path)) == 2
    assert wide == _run(["score", "-c", "KE"], COLUMNS="140", READINESS_NO_CACHE="1")
    assert narrow == _run(["score", "-c", "KE"], COLUMNS="80", READINESS_NO_CACHE="1")


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "foreign"])
def test_a_damaged_answer_is_ignored_and_removed(damage, tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    args = ["score", "-c", "KE", "--format", "json"]
    good = _run(args)
    (entry,) = _answers(tmp_path)
    blob = entry.read_bytes()
    entry.write_bytes({"flip": blob[:-20] + bytes([blob[-20] ^ 1]) + blob[-19:], "truncate": blob[:len(blob) // 2],
                       "empty": b"", "foreign": b'{"score": 1}\n'}[damage])
    assert _run(args) == good                            # computed again, not the damaged bytes
    assert entry.read_bytes() == blob                    # and kept again, whole


def test_a_run_that_warned_is_not_kept(tmp_path, monkeypatch):
    import readiness.api as api

    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    real = api.league_payload

    def warning_payload(*a, **k):
        warnings.warn("something the user must see every time", UserWarning)
        return real(*a, **k)

    monkeypatch.setattr(api, "league_payload", warning_payload)
    result = CliRunner().invoke(cli, ["rank", "--top", "2"], env={"COLUMNS": "80"})
    assert result.exit_code == 0 and "Warning: something" in result.stderr
    assert _answers(tmp_path) == []


def test_only_the_newest_answers_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr("readiness.cli.memo.MAX_ENTRIES", 2)
    for top in (1, 2, 3):
        _run(["rank", "--top", str(top), "--format", "csv"])
    assert len(_answers(tmp_path)) == 2


def test_a_kept_answer_is_printed_without_importing_pandas(tmp_path):
    env = {**os.environ, "READINESS_CACHE_DIR": str(tmp_path), "COLUMNS": "80"}
    probe = ("import sys; from readiness.cli import cli\n"
             "try:\n    cli(['score', '-c', 'KE'])\nexcept SystemExit:\n    pass\n"
             "print('pandas' in sys.modules, 'numpy' in sys.modules, file=sys.stderr)")
    first = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert first.stderr.split() == ["True", "True"]
    assert second.stderr.split() == ["False", "False"]
    assert second.stdout == first.stdout and "Composite score" in first.stdout


def test_an_unwritable_cache_folder_still_answers(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("READINESS_CACHE_DIR", str(blocker))
    assert _run(["rank", "--top", "2", "--format", "csv"]) == _run(["rank", "--top", "2", "--format", "csv"],
                                                                   READINESS_NO_CACHE="1")
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_an_answer_others_could_have_written_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    args = ["score", "-c", "KE", "--format", "json"]
    good = _run(args)
    (entry,) = _answers(tmp_path)
    assert (entry.parent.stat().st_mode & 0o777) == 0o700
    planted = b"\x1b]0;owned\x07 planted\n"
    import hashlib

    from readiness.cli import memo
    entry.write_bytes(memo._MAGIC + hashlib.sha256(planted).hexdigest().encode() + b"\n" + planted)
    entry.parent.chmod(0o777)                             # a folder anyone could have written into
    assert _run(args) == good
    entry.parent.chmod(0o700)
    entry.chmod(0o666)                                    # a file anyone could have written
    entry.write_bytes(memo._MAGIC + hashlib.sha256(planted).hexdigest().encode() + b"\n" + planted)
    assert _run(args) == good


def test_a_run_that_writes_a_file_is_neither_answered_from_nor_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "audit.xlsx"
    printed = _run(["audit", "--out", str(out)])
    assert out.exists() and _answers(tmp_path / "cache") == []
    out.unlink()
    assert _run(["audit", "--out", str(out)]) == printed
    assert out.exists()                                  # written again, not skipped


def test_sensitivity_keeps_its_answer_but_not_with_out(asem_path, tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    args = ["sensitivity", "--data", str(asem_path), "--n", "32", "--format", "json"]
    fresh = _run(args, READINESS_NO_CACHE="1")
    first = _run(args)
    assert len(_answers(tmp_path / "cache")) == 1
    _fail_if_built(monkeypatch)
    assert _run(args) == first == fresh
    monkeypatch.undo()
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "s.xlsx"
    _run(args + ["--out", str(out)])
    assert out.exists() and len(_answers(tmp_path / "cache")) == 1


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_answers_are_kept_and_read_under_a_group_writable_umask(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    old = os.umask(0o002)
    try:
        first = _run(["rank", "--top", "2", "--format", "csv"])
        (entry,) = _answers(tmp_path)
        assert entry.stat().st_mode & 0o777 == 0o600
        _fail_if_built(monkeypatch)
        assert _run(["rank", "--top", "2", "--format", "csv"]) == first
    finally:
        os.umask(old)
