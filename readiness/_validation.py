"""Close-match suggestions ("did you mean ...?") for error messages.

Settings are checked by :mod:`readiness.settings`; the error types live in
:mod:`readiness.errors`.
"""

from __future__ import annotations

import difflib

import numpy as np

from .errors import InputError

__all__ = ["closest", "did_you_mean", "check_table"]


def closest(word: str, choices, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Return up to ``n`` entries of ``choices`` that look like ``word`` (case-insensitive)."""
    lowered = {str(c).lower(): c for c in choices}
    hits = difflib.get_close_matches(str(word).lower(), list(lowered), n=n, cutoff=cutoff)
    return [lowered[h] for h in hits]


def did_you_mean(word: str, choices) -> str:
    """Return ``"; did you mean 'x'?"`` or an empty string."""
    hits = closest(word, choices, n=1)
    return f"; did you mean '{hits[0]}'?" if hits else ""


def check_table(values, step: str) -> np.ndarray:
    """``values`` as a float (country x indicator) array, or an InputError naming ``step``."""
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{step} needs numbers: the values include text or other non-numeric cells") from None
    if x.ndim != 2:
        raise InputError(f"{step} needs a (country x indicator) table; got an array of {x.ndim} dimension(s)")
    return x
