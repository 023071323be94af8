"""The vocabulary of the settings table: one rule type per kind of value.

Each rule has ``describe()`` (for messages: "a finite number >= 0"), ``allowed()`` (for
the table: ">= 0") and ``check(value)``, which returns the value coerced to its type or
raises :class:`Invalid`. :mod:`readiness.settings` turns an ``Invalid`` into a
:class:`~readiness.errors.SpecError` naming the setting and where it came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ._validation import did_you_mean

__all__ = ["Invalid", "Interval", "AnyOf", "Choice", "Flag", "Text", "Table"]


class Invalid(Exception):
    """A value that breaks a rule; ``hint`` is appended to the message (e.g. "; did you mean 'x'?")."""

    def __init__(self, hint: str = ""):
        super().__init__(hint)
        self.hint = hint


# -- rules: describe() for messages, allowed() for the table, check(value) -> coerced value --


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


@dataclass(frozen=True)
class Interval:
    """A finite number (``kind=float``) or whole number (``kind=int``) from ``low`` to ``high``.

    ``closed`` names the ends that belong to the interval ("both", "left", "right",
    "neither"); a bound of None is no bound. Text is parsed; NaN and infinity never pass.
    """

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    @property
    def type_name(self) -> str:
        return self.kind.__name__

    def _ends(self):
        lo = None if self.low is None else (">=" if self.closed in ("both", "left") else ">", _fmt(self.low))
        hi = None if self.high is None else ("<=" if self.closed in ("both", "right") else "<", _fmt(self.high))
        return lo, hi

    def describe(self) -> str:
        what = "a whole number" if self.kind is int else "a finite number"
        lo, hi = self._ends()
        if lo and hi and lo[0] == ">=" and hi[0] == "<=":
            return f"{what} between {lo[1]} and {hi[1]}"
        return " ".join([what, " and ".join(" ".join(e) for e in (lo, hi) if e)]).strip()

    def allowed(self) -> str:
        whole = "whole, " if self.kind is int else ""
        lo, hi = self._ends()
        if lo and hi:
            return f"{whole}{'[' if lo[0] == '>=' else '('}{lo[1]}, {hi[1]}{']' if hi[0] == '<=' else ')'}"
        if lo or hi:
            return whole + " ".join(lo or hi)
        return f"any {'whole' if self.kind is int else 'finite'} number"

    def check(self, value):
        x = self._number(value)
        low_in, high_in = self.closed in ("both", "left"), self.closed in ("both", "right")
        if (self.low is not None and (x < self.low if low_in else x <= self.low)) or \
                (self.high is not None and (x > self.high if high_in else x >= self.high)):
            raise Invalid()
        return x

    def _number(self, value):
        kind = type(value)
        if kind is float and self.kind is float and math.isfinite(value):  # the common case, fast
            return value
        if kind is int and self.kind is int:
            return value
        if isinstance(value, str):
            try:
                value = float(value) if "." in value or "e" in value.lower() or "n" in value.lower() else int(value)
            except ValueError:
                raise Invalid() from None
        if isinstance(value, bool) or not isinstance(value, Real):
            raise Invalid()
        if isinstance(value, Integral) and self.kind is int:
            return int(value)
        try:
            x = float(value)
        except OverflowError:  # an integer too large for a float
            raise Invalid() from None
        if not math.isfinite(x) or (self.kind is int and not x.is_integer()):
            raise Invalid()
        return int(x) if self.kind is int else x


@dataclass(frozen=True)
class AnyOf:
    """A number in one of several intervals (a range with a gap around 0)."""

    parts: tuple

    @property
    def type_name(self) -> str:
        return self.parts[0].type_name

    def describe(self) -> str:
        first, *rest = (p.describe() for p in self.parts)
        return " or ".join([first] + [r.removeprefix("a finite number ").removeprefix("a whole number ") for r in rest])

    def allowed(self) -> str:
        return " or ".join(p.allowed() for p in self.parts)

    def check(self, value):
        for part in self.parts:
            try:
                return part.check(value)
            except Invalid:
                pass
        raise Invalid()


@dataclass(frozen=True)
class Choice:
    """One name among ``source``: a tuple, or a callable returning a registry (or a tuple) read at check time.

    Matching ignores case and surrounding spaces; the canonical name is returned.
    """

    source: tuple | Callable
    type_name = "str"

    def _container(self):
        return self.source() if callable(self.source) else self.source

    def names(self) -> list[str]:
        found = self._container()
        return list(found.names if hasattr(found, "names") else found)

    def describe(self) -> str:
        return "one of " + ", ".join(repr(n) for n in self.names())

    def allowed(self) -> str:
        return ", ".join(self.names())

    def check(self, value):
        if type(value) is str and value in self._container():  # the common case, fast
            return value
        names = self.names()
        hit = {n.lower(): n for n in names}.get(value.strip().lower()) if isinstance(value, str) else None
        if hit is None:
            raise Invalid(did_you_mean(value.strip(), names) if isinstance(value, str) else "")
        return hit


@dataclass(frozen=True)
class Flag:
    """True or false; also 1/0 and the text true/false, yes/no, 1/0 (any case)."""

    type_name = "bool"

    def describe(self) -> str:
        return "true or false"

    def allowed(self) -> str:
        return "true, false"

    def check(self, value):
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, Real) and value in (0, 1)):
            return bool(value)
        text = value.strip().lower() if isinstance(value, str) else None
        if text in ("true", "yes", "1", "false", "no", "0"):
            return text in ("true", "yes", "1")
        raise Invalid()


@dataclass(frozen=True)
class Text:
    """A non-empty text (a column or node name) of at most ``max_len`` characters."""

    max_len: int = 200
    type_name = "str"

    def describe(self) -> str:
        return f"a non-empty text of at most {self.max_len} characters"

    def allowed(self) -> str:
        return "text"

    def check(self, value):
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > self.max_len:
            raise Invalid()
        return value.strip()


@dataclass(frozen=True)
class Table:
    """``{key: value}``, given as a mapping, as text ``'key=value; key=value'`` or as dotted names."""

    key: object
    value: object
    key_label: str = "key"
    type_name = "mapping"

    def describe(self) -> str:
        return f"a table of {self.key_label} = value (written 'key=value; key=value')"

    def allowed(self) -> str:
        return f"{{{self.key_label}: {self.value.allowed()}}}"

    def entries(self, value) -> dict:
        """The table's entries, unchecked; text is split at ';' (or ',') and '='."""
        if isinstance(value, Mapping):
            return dict(value)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return {}
        out = {}
        for part in filter(str.strip, str(value).replace(",", ";").split(";")):
            k, sep, v = part.partition("=")
            if not sep:
                raise Invalid()
            out[k.strip()] = v.strip()
        return out
