"""Close-match suggestions ("did you mean ...?") for error messages.

Settings are checked by :mod:`readiness.settings`; the error types live in
:mod:`readiness.errors`.
"""

from __future__ import annotations

import difflib

__all__ = ["closest", "did_you_mean"]


def closest(word: str, choices, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Return up to ``n`` entries of ``choices`` that look like ``word`` (case-insensitive)."""
    lowered = {str(c).lower(): c for c in choices}
    hits = difflib.get_close_matches(str(word).lower(), list(lowered), n=n, cutoff=cutoff)
    return [lowered[h] for h in hits]


def did_you_mean(word: str, choices) -> str:
    """Return ``"; did you mean 'x'?"`` or an empty string."""
    hits = closest(word, choices, n=1)
    return f"; did you mean '{hits[0]}'?" if hits else ""
