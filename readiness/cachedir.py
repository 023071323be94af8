"""Where ``readiness`` keeps what it can compute again: one folder for every cache.

``$READINESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/readiness``, else ``~/.cache/readiness``.
Deleting the folder is always safe. ``READINESS_NO_CACHE=1`` turns every cache off
(nothing is read or written).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["cache_dir", "caching", "seal", "unseal"]


def cache_dir() -> Path:
    """``$READINESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/readiness``, else ``~/.cache/readiness``."""
    env = os.environ.get("READINESS_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "readiness"


def caching() -> bool:
    """False when ``READINESS_NO_CACHE`` is set to anything but ``""`` or ``0``."""
    return os.environ.get("READINESS_NO_CACHE", "") in ("", "0")


def seal(magic: bytes, body: bytes) -> bytes:
    """A cache entry: ``magic``, the SHA-256 of ``body`` in hex, a newline, then ``body``."""
    return magic + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def unseal(magic: bytes, blob: bytes) -> bytes | None:
    """The body of an entry :func:`seal` made with ``magic``; None for anything else (another
    format, a truncated, doctored or foreign file)."""
    start = len(magic) + 65
    if not blob.startswith(magic) or blob[start - 1:start] != b"\n":
        return None
    body = blob[start:]
    return body if hashlib.sha256(body).hexdigest().encode() == blob[len(magic):start - 1] else None
