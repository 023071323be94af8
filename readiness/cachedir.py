"""Where ``readiness`` keeps what it can compute again: one folder for every cache.

``$READINESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/readiness``, else ``~/.cache/readiness``.
Deleting the folder is always safe. ``READINESS_NO_CACHE=1`` turns every cache off
(nothing is read or written).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "caching"]


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
