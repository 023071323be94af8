"""Answers kept: a command that only prints prints the same answer again without recomputing it.

``score``, ``rank`` and the other read-only commands print what their inputs determine:
the code, the data, the settings, the options and the terminal the answer is drawn for.
:func:`memoised` keys the printed answer on all of these and keeps it in the cache folder
(:func:`readiness.cachedir.cache_dir`, under ``answers/``); the next run with the same key
prints the kept bytes without importing pandas or building anything, so a repeated
``readiness score --country KE`` starts and answers in a fraction of the time.

What the key covers:

- the command's name and every option's value;
- the bytes of every input file (``--data``, a CSV folder's files, ``--trade``,
  ``--update``, ``--settings``): an edited input is a new key;
- the code: the size and modification time of every file of the installed package
  (as Python's own bytecode cache checks a source file) and of the libraries that shape
  the output (numpy, pandas, rich, click), and the Python version;
- the terminal: whether stdout is one, its size, and the environment variables that
  change how rich draws (``COLUMNS``, ``NO_COLOR``, ``TERM``, ...).

Only a clean run is kept: one that printed no warning and raised nothing. Entries are
written under a temporary name and renamed, in a folder only the user can write; an entry
whose checksum does not match is ignored and removed, and one that another user could have
written (the folder or file owned by someone else, or writable by group or others) is ignored. ``READINESS_NO_CACHE=1`` turns this off. The printed bytes are the
same with and without a kept answer (tested for every format).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from pathlib import Path

from ..cachedir import cache_dir, caching, seal, unseal

__all__ = ["memoised", "record", "MAX_BYTES", "MAX_ENTRIES"]

FORMAT = 1
_MAGIC = f"readiness-answer {FORMAT} ".encode()
#: Answers larger than this are not kept.
MAX_BYTES = 8 * 2**20
#: At most this many answers are kept; the oldest go first.
MAX_ENTRIES = 256
_INPUTS = ("data", "trade", "update", "settings")
_ENVIRONMENT = ("COLUMNS", "LINES", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE",
                "TTY_INTERACTIVE", "CLICOLOR", "CLICOLOR_FORCE", "JUPYTER_COLUMNS", "JUPYTER_LINES",
                "SOURCE_DATE_EPOCH", "LANG", "LC_ALL")
_LIBRARIES = ("numpy", "pandas", "rich", "click")

_recording: list | None = None


def record(out: str) -> None:
    """Note ``out`` as part of the answer being printed (called by the renderer)."""
    if _recording is not None:
        _recording.append(out)


def memoised(func=None, *, unless: tuple = ()):
    """Decorate a click command's callback whose only output goes through :func:`record`.

    Put it right under ``@command(...)``, so that it sees the options as the user gave them.
    ``unless`` names options (such as ``out``) that make a run write something else: a run
    given one of them is neither answered from nor kept.
    """
    if func is None:
        return functools.partial(memoised, unless=unless)

    @functools.wraps(func)
    def wrapper(**options):
        global _recording
        from .errors import warnings_shown

        path = None if any(options.get(name) for name in unless) else _entry(func.__name__, options)
        if path is not None:
            kept = _read(path)
            if kept is not None:
                import click

                click.echo(kept, nl=False, color=True)
                return None
        before, _recording = warnings_shown(), []
        try:
            value = func(**options)
            answer = "".join(_recording)
        finally:
            _recording = None
        if path is not None and warnings_shown() == before:
            _write(path, answer)
        return value

    return wrapper


def _entry(name: str, options: dict) -> Path | None:
    if not caching():
        return None
    try:
        digest = hashlib.sha256(_MAGIC + name.encode())
        digest.update(json.dumps(options, sort_keys=True, default=str).encode())
        for key in _INPUTS:
            if options.get(key) is not None:
                _hash_input(digest, Path(options[key]))
        digest.update(_code_stamp().encode())
        digest.update(_terminal().encode())
    except (OSError, ValueError):
        return None
    return cache_dir() / "answers" / f"{digest.hexdigest()[:40]}.txt"


def _hash_input(digest, path: Path) -> None:
    """The bytes of a file, or of every file in a folder (sorted by name), into ``digest``."""
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(f"\0{file.name}\0".encode())
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(2**20), b""):
                digest.update(block)


@functools.lru_cache(maxsize=1)
def _code_stamp() -> str:
    """Size and modification time of every file of the package and of the libraries shown."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    parts = [sys.version]
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.name == "__pycache__":
                    continue
                if entry.is_dir():
                    stack.append(entry.path)
                else:
                    st = entry.stat()
                    parts.append(f"{os.path.relpath(entry.path, root)}:{st.st_size}:{st.st_mtime_ns}")
    for library in _LIBRARIES:
        spec = importlib.util.find_spec(library)
        if spec is not None and spec.origin:
            st = os.stat(spec.origin)
            parts.append(f"{library}:{spec.origin}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(sorted(parts))


def _terminal() -> str:
    """What decides how an answer is drawn: a terminal or not, its size, the environment."""
    import shutil

    tty = sys.stdout.isatty()
    size = shutil.get_terminal_size() if tty else None
    env = {k: os.environ.get(k) for k in _ENVIRONMENT}
    return json.dumps([tty, tuple(size) if size else None, getattr(sys.stdout, "encoding", None), sys.platform,
                       env], sort_keys=True)


def _private(path: Path) -> bool:
    """True when ``path`` and its folder belong to this user and no one else can write them.

    A kept answer is printed as it is, so one planted by another user (in a shared cache
    folder) must never be read: the folder is made ``0o700`` and checked as ssh checks its keys.
    """
    if not hasattr(os, "getuid"):
        return True
    try:
        for p in (path.parent, path):
            st = os.stat(p, follow_symlinks=False)
            if st.st_uid != os.getuid() or st.st_mode & 0o022:
                return False
    except OSError:
        return False
    return True


def _read(path: Path) -> str | None:
    if not _private(path):
        return None
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    body = unseal(_MAGIC, blob)
    if body is not None:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    _remove(path)
    return None


def _write(path: Path, answer: str) -> None:
    body = answer.encode("utf-8")
    if len(body) > MAX_BYTES:
        return
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)   # private whatever the umask
        with os.fdopen(fd, "wb") as fh:
            fh.write(seal(_MAGIC, body))
        os.replace(tmp, path)
        _prune(path.parent)
    except OSError:
        _remove(tmp)


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.txt"), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[:max(0, len(entries) - MAX_ENTRIES)]:
        _remove(old)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
