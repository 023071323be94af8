"""Errors, warnings and the ``check_*`` helpers shared by the reader, the API and the CLI.

Every error a user can cause is a :class:`ReadinessError`. It also subclasses
``ValueError`` so plain ``except ValueError`` code keeps working. A message says
where, what was found, what was expected and, where it helps, how to fix it.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ReadinessError",
    "InputError",
    "SpecError",
    "MethodError",
    "Problem",
    "ReadinessWarning",
    "closest",
    "check_weights",
]


class ReadinessWarning(UserWarning):
    """Something was done that the user should know about (also recorded in ``Result.log``)."""


class ReadinessError(ValueError):
    """Base class of every error a user's input or settings can cause."""

    @property
    def problems(self) -> list[str]:
        """One line per problem (a single-problem error has one line)."""
        return [str(self)]


@dataclass(frozen=True)
class Problem:
    """One problem found in an input: where it is, what was found, what was expected."""

    sheet: str
    cell: str | None
    found: str
    expected: str

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{where}: found {self.found}; expected {self.expected}."


class InputError(ReadinessError):
    """A workbook, CSV file or data frame that cannot be used as it is.

    Input validation collects every problem and raises once; ``problems`` lists them.
    """

    def __init__(self, problems):
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        self._problems = [str(p) for p in problems]
        self.items = [p for p in problems if isinstance(p, Problem)]
        super().__init__("\n".join(self._problems))

    @property
    def problems(self) -> list[str]:
        return list(self._problems)


class SpecError(ReadinessError):
    """A setting that is not valid (unknown method, value out of range)."""


class MethodError(ReadinessError):
    """A valid method that these data cannot take (e.g. a geometric mean over zeros)."""


def closest(word: str, choices, n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Return up to ``n`` entries of ``choices`` that look like ``word`` (case-insensitive)."""
    lowered = {str(c).lower(): c for c in choices}
    hits = difflib.get_close_matches(str(word).lower(), list(lowered), n=n, cutoff=cutoff)
    return [lowered[h] for h in hits]


def did_you_mean(word: str, choices) -> str:
    """Return ``"; did you mean 'x'?"`` or an empty string."""
    hits = closest(word, choices, n=1)
    return f"; did you mean '{hits[0]}'?" if hits else ""


def check_weights(weights, *, name: str = "weights") -> np.ndarray:
    """Return ``weights`` as a float array after checking they are finite and non-negative."""
    w = np.asarray(weights, dtype=float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise SpecError(f"{name} must be finite and >= 0; got {w[bad][0]!r}")
    return w


def is_number(value) -> bool:
    """True for int/float values that are not NaN (bool excluded)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return not (isinstance(value, float) and math.isnan(value))
    return False
