"""Every error and warning a user can meet, in one module.

Every error a user can cause is a :class:`ReadinessError`. It also subclasses
``ValueError`` so plain ``except ValueError`` code keeps working. A message says
where, what was found, what was expected and, where it helps, how to fix it. The
command line prints each of ``problems`` as one ``Error:`` line and exits with
status 2; anything that is not a ``ReadinessError`` is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ReadinessError",
    "InputError",
    "SpecError",
    "MethodError",
    "UnknownCountryError",
    "TradeError",
    "SourceError",
    "UpdateUnavailableError",
    "Problem",
    "ReadinessWarning",
    "shorten",
]


def shorten(value, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, so an error never echoes a huge input."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return text[: limit - 15] + f"... ({len(text)} chars)"


class ReadinessWarning(UserWarning):
    """Something was done that the user should know about (also recorded in ``Result.log``)."""


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


class ReadinessError(ValueError):
    """Base class of every error a user's input or settings can cause.

    Give one message, or a list of problems (each a str or a :class:`Problem`): the
    message is then one line per problem, and ``problems`` lists them.

    >>> err = SpecError(["s.csv row 2: seed ...", "s.csv row 3: skew_max ..."])
    >>> err.problems
    ['s.csv row 2: seed ...', 's.csv row 3: skew_max ...']
    """

    def __init__(self, problems=""):
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        self._problems = [str(p) for p in problems]
        super().__init__("\n".join(self._problems))

    def __reduce__(self):
        return (type(self), (self._problems,))

    @property
    def problems(self) -> list[str]:
        """One line per problem (a single-problem error has one line)."""
        return list(self._problems)


class InputError(ReadinessError):
    """A workbook, CSV file or data frame that cannot be used as it is.

    Input validation collects every problem and raises once; ``problems`` lists them.
    """


class SpecError(ReadinessError):
    """A setting that is not valid (unknown method, value out of range).

    A settings file or sheet is checked whole: ``problems`` lists every bad setting.
    """


class MethodError(ReadinessError):
    """A valid method that these data cannot take (e.g. a geometric mean over zeros)."""


class UnknownCountryError(ReadinessError):
    """A country (or unit) that is not in the dataset; the message offers close matches."""


class TradeError(InputError):
    """A bilateral trade table (or the Atlas extract) that cannot be used as it is."""


class SourceError(InputError):
    """A source extract of the default dataset that cannot be used as it is."""


class UpdateUnavailableError(ReadinessError):
    """``--update`` was given but this installation cannot apply national-update files."""
