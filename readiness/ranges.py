"""The values an indicator can take, derived from its unit: for what-ifs and national updates.

A what-if (``readiness whatif --value fixed_broadband=10``) or a national update
(``--update``) puts a user's number into the raw data. A number the indicator cannot
take (a share over 100%, a negative count) would be scored silently, so it is refused
with the indicator's valid range. The range comes from the indicator's ``unit`` (and its
``transform``) by one documented rule, :func:`valid_range`:

1. An explicit range written in the unit, ``"(0-8)"``, ``"level (0-6)"``,
   ``"HHI points (0-10,000)"``, ``"Score 1-5"``: that closed interval. A yes/no unit
   (``"(1 (yes)/0 (no))"``) is [0, 1].
2. A percentage (``%``, ``percent``, ``per cent``): [0, 100]; a ratio in percent (a gross
   enrolment ratio can pass 100) is [0, inf); a change or growth rate is unbounded.
3. A score, index, rating, balance, change or growth without a written range: unbounded.
4. Anything else is a quantity (counts, per-capita values, money, tonnes, seats ...):
   [0, inf).
5. The data overrule the unit: if an observed value already lies outside a bound, that
   bound is dropped (a "Percent" of public debt above 100, a "Percent" growth rate below
   zero), since a bound the real data break is not a bound.
6. A ``log`` transform needs a value above 0 and ``log1p`` above -1: the low end is then
   exclusive (:func:`check_values` says so).
"""

from __future__ import annotations

import math
import re

import numpy as np

from .errors import InputError, shorten
from ._validation import did_you_mean

__all__ = ["valid_range", "range_rule", "check_values", "format_range"]

_NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
_EXPLICIT = re.compile(rf"({_NUMBER})\s*(?:-|–|to)\s*({_NUMBER})")
_YES_NO = re.compile(r"yes.*no|no.*yes", re.IGNORECASE)
_PERCENT = re.compile(r"%|\bper ?cent\b", re.IGNORECASE)
_SIGNED = re.compile(r"\b(change|growth|balance|net)\b", re.IGNORECASE)
_UNBOUNDED = re.compile(r"\b(score|index|rating|balance|change|growth|net)\b", re.IGNORECASE)


def _unit_rule(unit: str):
    """(low, high, reason) from the unit text alone (rules 1-4)."""
    unit = str(unit or "")
    if _YES_NO.search(unit):
        return 0.0, 1.0, "a yes/no indicator"
    m = _EXPLICIT.search(unit)
    if m:
        low, high = (float(g.replace(",", "")) for g in m.groups())
        if low < high:
            return low, high, f"the range in its unit, {unit!r}"
    if _PERCENT.search(unit):
        if _SIGNED.search(unit):
            return -math.inf, math.inf, "a percentage change"
        if re.search(r"\bratio\b", unit, re.IGNORECASE):
            return 0.0, math.inf, "a ratio in percent, which can pass 100"
        return 0.0, 100.0, "a percentage"
    if _UNBOUNDED.search(unit):
        return -math.inf, math.inf, "a score or index without a stated range"
    if not unit.strip():
        return 0.0, math.inf, "a quantity (no unit given)"
    return 0.0, math.inf, "a quantity, which cannot be negative"


def _indicator(dataset, indicator):
    if indicator not in dataset.indicators.index:
        raise InputError(f"unknown indicator {indicator!r}"
                         f"{did_you_mean(indicator, list(dataset.indicators.index))}")
    return dataset.indicators.loc[indicator]


def range_rule(dataset, indicator: str) -> dict:
    """The valid range of ``indicator`` and why, by the module's rule.

    Returns
    -------
    dict
        ``low``, ``high`` (floats, +-inf when open), ``low_open`` (True when the low end
        is excluded: a log transform), ``unit`` and ``reason`` (one phrase).

    Raises
    ------
    InputError
        An unknown indicator (with a "did you mean").
    """
    meta = _indicator(dataset, indicator)
    unit = str(meta.get("unit", "") or "")
    low, high, reason = _unit_rule(unit)
    observed = dataset.values[indicator].to_numpy(dtype=float) if indicator in dataset.values else np.array([])
    observed = observed[~np.isnan(observed)]
    if observed.size:
        if observed.min() < low:
            low, reason = -math.inf, reason + "; the data hold lower values, so no lower bound"
        if observed.max() > high:
            high, reason = math.inf, reason + "; the data hold higher values, so no upper bound"
    low_open = False
    kind = str(meta.get("transform", "none") or "none")
    floor = {"log": 0.0, "log1p": -1.0}.get(kind)
    if floor is not None and low <= floor:
        low, low_open = floor, True
        reason += f"; its {kind} transform needs values above {floor:g}"
    return {"low": float(low), "high": float(high), "low_open": low_open, "unit": unit, "reason": reason}


def valid_range(dataset, indicator: str) -> tuple[float, float]:
    """The lowest and highest raw value ``indicator`` can take (C8), +-inf when open.

    See the module docstring for the rule. With a ``log`` transform the low end (0) is
    itself excluded (:func:`range_rule` reports ``low_open``).

    Examples
    --------
    >>> from readiness.io.tables import from_tables
    >>> import pandas as pd
    >>> ds = from_tables({
    ...     "Data": pd.DataFrame({"country": ["AAA", "BBB"], "share": [20.0, 50.0], "n": [3.0, 0.0]}),
    ...     "Indicators": pd.DataFrame({"code": ["share", "n"], "parent": ["D", "D"], "direction": [1, 1],
    ...                                 "weight": [1, 1], "unit": ["% of population", "providers (0-8)"]}),
    ...     "Structure": pd.DataFrame({"code": ["D", "I"], "parent": ["I", ""], "weight": [1, 1]}),
    ...     "Countries": pd.DataFrame({"country": ["AAA", "BBB"], "name": ["A", "B"]})})
    >>> valid_range(ds, "share"), valid_range(ds, "n")
    ((0.0, 100.0), (0.0, 8.0))
    """
    rule = range_rule(dataset, indicator)
    return rule["low"], rule["high"]


def format_range(rule: dict) -> str:
    """``[0, 100]``, ``(0, inf)``, ``(-inf, inf)``: the interval as text."""
    low, high = rule["low"], rule["high"]
    left = "(" if rule.get("low_open") or math.isinf(low) else "["
    right = ")" if math.isinf(high) else "]"
    return f"{left}{low:g}, {high:g}{right}"


def check_values(dataset, values: dict, *, where: str | None = None) -> dict:
    """Check raw values for indicators; return them as floats (C8).

    Parameters
    ----------
    dataset : Dataset
    values : dict
        ``{indicator code: value}``; a value may be a number or numeric text.
    where : str, optional
        Where the values came from (``"--value"``, ``"Update!C4"``), put before each problem.

    Returns
    -------
    dict
        ``{indicator: float}`` in the order given.

    Raises
    ------
    InputError
        Every problem at once (``.problems``): an unknown indicator, a value that is not
        a finite number, a value outside the indicator's valid range (named, with the range).
    """
    prefix = f"{where}: " if where else ""
    problems, out = [], {}
    for code, value in values.items():
        if code not in dataset.indicators.index:
            problems.append(f"{prefix}unknown indicator {code!r}"
                            f"{did_you_mean(code, list(dataset.indicators.index))}")
            continue
        try:
            number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            problems.append(f"{prefix}{code}: found {shorten(value)}; expected a number")
            continue
        if not math.isfinite(number):
            problems.append(f"{prefix}{code}: found {shorten(value)}; expected a finite number")
            continue
        rule = range_rule(dataset, code)
        below = number <= rule["low"] if rule["low_open"] else number < rule["low"]
        if below or number > rule["high"]:
            unit = f" {rule['unit']}" if rule["unit"] else ""
            problems.append(f"{prefix}{code}: found {number:g}; expected a value in {format_range(rule)}{unit} "
                            f"({rule['reason']})")
            continue
        out[code] = number
    if problems:
        raise InputError(problems)
    return out
