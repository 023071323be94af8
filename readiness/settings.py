"""The one table of settings: every Spec field, its type, allowed values, default and help.

Everything that reads or shows a setting uses this table: :class:`~readiness.spec.Spec`
checks its fields with it, ``--set name=value`` is coerced by :func:`parse_setting`,
settings files and the workbook's Settings sheet are checked by :func:`check_settings`
(every problem at once), the uncertainty ``Space`` checks its alternatives with
:func:`check_alternatives`, and ``readiness settings`` and ``docs/settings.md`` print
:func:`settings_table`. The rule types (:class:`Interval`, :class:`Choice` ...) live in
:mod:`readiness._rules`.

Allowed names come from the method registries (``NORMALISATIONS``, ``IMPUTATIONS``,
``AGGREGATIONS``) and from ``treat.OUTLIER_METHODS``, read when a value is checked, so
a method registered later is valid at once. Numbers are always finite.

Examples
--------
>>> check_setting("coverage_min", "0.5")
0.5
>>> check_setting("skew_max", float("nan"), where="s.toml")
Traceback (most recent call last):
...
readiness.errors.SpecError: s.toml: skew_max must be a finite number >= 0; got nan
>>> check_settings({"seed": -1, "outliers": "coin", "winsor_max": 2.5}, where="s.csv")
Traceback (most recent call last):
...
readiness.errors.SpecError: s.csv: seed must be a whole number between 0 and 4294967295; got -1
s.csv: outliers must be one of 'coinr', 'none'; got 'coin'; did you mean 'coinr'?
s.csv: winsor_max must be a whole number >= 0; got 2.5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ._rules import AnyOf, Choice, Flag, Interval, Invalid, Table, Text
from ._validation import did_you_mean
from .errors import SpecError, shorten

__all__ = [
    "Setting", "Interval", "Choice", "Flag", "Text", "Table", "AnyOf",
    "SETTINGS", "DEFAULTS", "GROUPS", "SEED_MAX",
    "check_setting", "check_settings", "check_alternatives", "parse_setting", "settings_table", "settings_markdown",
]

SEED_MAX = 2**32 - 1  # scikit-learn's random_state (iterative imputation) takes 0 .. 2**32 - 1
P_MIN, P_MAX = 0.01, 100.0  # |generalised_mean_p|: see the table's help and docs/settings.md


# -- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    rule: object
    default: object
    help: str
    group: str

    @property
    def type(self) -> str:
        return self.rule.type_name

    def allowed(self) -> str:
        return self.rule.allowed()


def _names(module: str, attr: str) -> Callable:
    """A callable giving registry ``readiness.<module>.<attr>`` (imported on first use, then kept)."""
    found = []

    def registry():
        if not found:
            import importlib

            found.append(getattr(importlib.import_module(f"readiness.{module}"), attr))
        return found[0]

    return registry


_imputations = _names("impute", "IMPUTATIONS")
_normalisations = _names("normalise", "NORMALISATIONS")
_aggregations = _names("aggregate", "AGGREGATIONS")
_outlier_methods = _names("treat", "OUTLIER_METHODS")

_UNIT = Interval(float, 0.0, 1.0)
_NONNEG = Interval(float, 0.0)
_FINITE = Interval(float)
_POSITIVE = Interval(float, 0.0, closed="neither")

GROUPS = ("Data", "Imputation", "Coverage", "Outliers", "Normalisation", "Weights", "Aggregation",
          "Reproducibility")

SETTINGS: dict[str, Setting] = {s.name: s for s in [
    Setting("denominate", Flag(), True,
            "Divide indicators by their denominator column (COINr Denominate).", "Data"),
    Setting("transform", Flag(), True,
            "Apply each indicator's transform (log, log1p) from the metadata.", "Data"),
    Setting("imputation", Choice(_imputations), "none",
            "How missing values are filled before screening and scoring.", "Imputation"),
    Setting("imputation_group", Text(), "income_group",
            "The Countries column whose labels form the groups of group_mean/group_median.", "Imputation"),
    Setting("knn_neighbours", Interval(int, 1), 5,
            "Neighbours used by knn imputation.", "Imputation"),
    Setting("coverage_min", _UNIT, 0.66,
            "Countries with a smaller share of indicators are not scored.", "Coverage"),
    Setting("screen_on", Choice(("observed", "imputed")), "observed",
            "Measure coverage on the observed data or on the data after imputation (COINr's example).",
            "Coverage"),
    Setting("aggregate_coverage_min", _UNIT, 0.5,
            "An aggregate needs at least this share of its children to have a value (0 turns it off).",
            "Coverage"),
    Setting("incomplete", Choice(("not_scored", "impute", "partial")), "not_scored",
            "A country with no score for some dimension: not scored, imputed, or given a partial index.",
            "Coverage"),
    Setting("outliers", Choice(_outlier_methods), "coinr",
            "Outlier treatment: COINr's winsorise-then-log rule, or none.", "Outliers"),
    Setting("winsor_max", Interval(int, 0), 5,
            "At most this many points are winsorised per indicator.", "Outliers"),
    Setting("skew_max", _NONNEG, 2.0,
            "Limit on absolute skewness; an indicator reaching both limits is treated.", "Outliers"),
    Setting("kurt_max", _NONNEG, 3.5,
            "Limit on excess kurtosis; an indicator reaching both limits is treated (COINr).", "Outliers"),
    Setting("outlier_fallback", Choice(("log", "none")), "log",
            "When winsorising is not enough: a log transform, or leave the indicator as it is.", "Outliers"),
    Setting("normalisation", Choice(_normalisations), "minmax",
            "How indicators are brought to a common scale.", "Normalisation"),
    Setting("normalisation_low", _FINITE, 0.0,
            "The min-max range's low end.", "Normalisation"),
    Setting("normalisation_high", _FINITE, 100.0,
            "The min-max range's high end (greater than normalisation_low).", "Normalisation"),
    Setting("zscore_mean", _FINITE, 0.0, "Mean of z-scores.", "Normalisation"),
    Setting("zscore_sd", _POSITIVE, 1.0, "Standard deviation of z-scores.", "Normalisation"),
    Setting("goalpost_scale", _POSITIVE, 100.0, "Scale of goalpost scores (a goal met scores this).",
            "Normalisation"),
    Setting("target_cap", Flag(), False, "Cap distance-to-target scores at 1.", "Normalisation"),
    Setting("normalisation_by_indicator", Table(Text(), Choice(_normalisations), "indicator"), {},
            "Exceptions: a normalisation per indicator code.", "Normalisation"),
    Setting("weights", Choice(("framework", "equal")), "framework",
            "The framework's weights, or equal weights among siblings.", "Weights"),
    Setting("weights_override", Table(Text(), _NONNEG, "node"), {},
            "A weight per node (indicator, dimension); 0 drops the node.", "Weights"),
    Setting("aggregation", Choice(_aggregations), "arithmetic",
            "How children are combined into their parent.", "Aggregation"),
    Setting("aggregation_by_level", Table(Interval(int, 2), Choice(_aggregations), "level"), {},
            "Exceptions: an aggregation per level (2 = dimensions of indicators).", "Aggregation"),
    Setting("generalised_mean_p", AnyOf((Interval(float, -P_MAX, -P_MIN), Interval(float, P_MIN, P_MAX))), 0.5,
            "Exponent of generalised_mean; 1 is arithmetic, -1 harmonic, |p| between 0.01 and 100.",
            "Aggregation"),
    Setting("nonpositive", Choice(("error", "shift")), "error",
            "A geometric or harmonic mean over scores <= 0: refuse, or shift the columns.", "Aggregation"),
    Setting("seed", Interval(int, 0, SEED_MAX), 0,
            "Seeds every random draw (iterative imputation, sampling, the uncertainty analysis).",
            "Reproducibility"),
]}

DEFAULTS: dict = {name: s.default for name, s in SETTINGS.items()}

# Rules between settings: (fields, test on their values, what is expected).
_CROSS = [
    (("normalisation_low", "normalisation_high"), lambda low, high: high > low,
     "normalisation_high must be greater than normalisation_low"),
]


# -- checking -------------------------------------------------------------------------------


def _where(where, name, part="value") -> str:
    """The prefix naming where a setting came from: ``"s.toml: "``, ``"Settings!B4: "`` or ``""``."""
    if where is None:
        return ""
    if isinstance(where, Mapping):
        loc = where.get(name)
        if loc is None:
            loc = where.get(name.partition(".")[0])
        if isinstance(loc, tuple):
            loc = loc[0] if part == "name" else loc[1]
        return f"{loc}: " if loc else ""
    return f"{where}: "


def _unknown(name, where) -> str:
    head = name.partition(".")[0]
    hint = did_you_mean(head, SETTINGS) or f"; settings are: {', '.join(SETTINGS)}"
    return f"{_where(where, name, 'name')}unknown setting {shorten(name)}{hint}"


def _message(label, rule, value, hint, where) -> str:
    """One line: where, the field, what is expected, what was found (shortened)."""
    return f"{_where(where, label)}{label} must be {rule.describe()}; got {shorten(value)}{hint}"


def check_setting(name: str, value, *, where=None):
    """Return ``value`` coerced to the type of setting ``name``; raise :class:`SpecError` if it is not valid.

    Text is parsed (``"0.5"`` -> 0.5, ``"yes"`` -> True, ``"2=geometric"`` -> ``{2: "geometric"}``),
    so values read from files, sheets and the command line all pass through here.
    A dotted name (``aggregation_by_level.2``) checks one entry of a table and returns its value.

    Parameters
    ----------
    name : str
        A setting of :data:`SETTINGS` (or ``table.key``).
    value : object
        The value to check.
    where : str or mapping, optional
        Where the value came from, put in front of the message: a file name, or
        ``{name: "Settings!B4"}``.

    Examples
    --------
    >>> check_setting("aggregation_by_level", "2=geometric")
    {2: 'geometric'}
    >>> check_setting("seed", "x")
    Traceback (most recent call last):
    ...
    readiness.errors.SpecError: seed must be a whole number between 0 and 4294967295; got 'x'
    """
    name = str(name).strip()
    out = check_settings({name: value}, where=where)
    head, dot, _ = name.partition(".")
    if dot:
        return next(iter(out[head].values()))
    return out[head]


def check_settings(mapping: Mapping, *, where=None) -> dict:
    """Check every ``{name: value}`` at once; return the coerced values, or raise one :class:`SpecError`
    whose ``problems`` lists every problem (one line each, naming ``where`` and the field).

    Dotted names (``aggregation_by_level.2``) add one entry to a table; a whole table
    given as a value replaces it. Rules between settings (``normalisation_high >
    normalisation_low``) are checked against the defaults for settings not given.

    Parameters
    ----------
    mapping : mapping
        ``{name: value}``, values typed or text.
    where : str or mapping, optional
        A file name for every message, or ``{name: location}`` per setting, where a location is
        ``"Settings!B4"`` or a pair ``("Settings!A4", "Settings!B4")`` (the name's cell, the value's cell).

    Examples
    --------
    >>> check_settings({"normalisation": "zscore", "aggregation_by_level.2": "geometric"})
    {'normalisation': 'zscore', 'aggregation_by_level': {2: 'geometric'}}
    """
    out: dict = {}
    problems: list[str] = []
    failed: set = set()
    for raw, value in mapping.items():
        setting = SETTINGS.get(raw)
        if setting is not None and not isinstance(setting.rule, Table):  # the common case, fast
            try:
                out[raw] = setting.rule.check(value)
            except Invalid as bad:
                problems.append(_message(raw, setting.rule, value, bad.hint, where))
                failed.add(raw)
            continue
        name = str(raw).strip()
        head, dot, key = name.partition(".")
        rule = SETTINGS[head].rule if head in SETTINGS else None
        if rule is None or (dot and not isinstance(rule, Table)):
            problems.append(_unknown(name, where))
        elif not isinstance(rule, Table):
            try:
                out[head] = rule.check(value)
            except Invalid as bad:
                problems.append(_message(head, rule, value, bad.hint, where))
                failed.add(head)
        else:
            try:
                entries = {key: value} if dot else rule.entries(value)
            except Invalid:
                problems.append(_message(head, rule, value, "", where))
                continue
            if not dot:
                out[head] = {}  # a whole table replaces the table; a dotted name adds an entry
            table = out.setdefault(head, {})
            for k, v in entries.items():
                label = f"{head}.{k}"
                try:
                    k = rule.key.check(k.strip() if isinstance(k, str) else k)
                except Invalid:
                    problems.append(f"{_where(where, label)}{head} keys are {rule.key_label}s "
                                    f"({rule.key.describe()}); got {shorten(k)}")
                    continue
                try:
                    table[k] = rule.value.check(v)
                except Invalid as bad:
                    problems.append(_message(label, rule.value, v, bad.hint, where))
    for fields, test, expected in _CROSS:
        if any(f in failed for f in fields) or not any(f in out for f in fields):
            continue  # a field of the rule is itself bad, or the rule is not concerned
        values = [out.get(f, DEFAULTS[f]) for f in fields]
        if not test(*values):
            last = [f for f in fields if f in out][-1]
            got = " and ".join(f"{f} = {shorten(v)}" for f, v in zip(fields, values))
            problems.append(f"{_where(where, last)}{expected}; got {got}")
    if problems:
        raise SpecError(problems)
    return out


def check_alternatives(name: str, values, *, where=None) -> tuple:
    """Check a set of alternatives for setting ``name`` (an uncertainty ``Space`` input) through the table.

    ``values`` is a list or text (``"minmax, zscore"``); every alternative is checked as
    :func:`check_setting` would, all problems at once; duplicates are dropped, order kept.

    >>> check_alternatives("normalisation", "MinMax, zscore; minmax")
    ('minmax', 'zscore')
    >>> check_alternatives("winsor_max", [])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    readiness.errors.SpecError: the set of alternatives for winsor_max is empty; give at least one or do not ...
    """
    if isinstance(values, str):
        values = [v.strip() for v in values.replace(";", ",").split(",") if v.strip()]
    try:
        values = list(values)
    except TypeError:
        raise SpecError(f"{_where(where, name)}{name} alternatives must be a list; got {shorten(values)}") from None
    if not values:
        rule = SETTINGS[name].rule if name in SETTINGS else None
        choose = f" (choose from {rule.allowed()})" if isinstance(rule, Choice) else ""
        raise SpecError(f"{_where(where, name)}the set of alternatives for {name} is empty; "
                        f"give at least one{choose} or do not vary {name}")
    out, problems = [], []
    for v in values:
        try:
            out.append(check_setting(name, v, where=where))
        except SpecError as exc:
            problems += exc.problems
    if problems:
        raise SpecError(problems)
    return tuple(dict.fromkeys(out))


def parse_setting(name: str, text: str):
    """Coerce the text of ``--set name=value`` to the setting's type (``where`` is ``--set``).

    >>> parse_setting("skew_max", " 2.5 ")
    2.5
    >>> parse_setting("target_cap", "yes")
    True
    """
    return check_setting(name, str(text), where=f"--set {str(name).strip()}")


# -- display --------------------------------------------------------------------------------


def _show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{}" if not value else "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def settings_table():
    """Every setting as a DataFrame: name, type, default, allowed, group, help (in table order).

    >>> settings_table().set_index("name").loc["coverage_min", "allowed"]
    '[0, 1]'
    """
    import pandas as pd

    return pd.DataFrame([{"name": s.name, "type": s.type, "default": _show(s.default), "allowed": s.allowed(),
                          "group": s.group, "help": s.help} for s in SETTINGS.values()],
                        columns=["name", "type", "default", "allowed", "group", "help"])


def settings_markdown() -> str:
    """The settings table as Markdown, one section per group (the text of ``docs/settings.md``)."""
    lines = [
        "# Settings",
        "",
        "<!-- Generated by readiness.settings.settings_markdown(); do not edit by hand. -->",
        "",
        "Every method choice of a build. Give them as keyword arguments (`Spec(coverage_min=0.8)`),",
        "in a TOML file or a `setting,value` CSV file (`--settings`), in a workbook's Settings sheet,",
        "or one at a time on the command line (`--set coverage_min=0.8`). A table setting takes",
        "`key=value; key=value` or one entry per dotted name (`aggregation_by_level.2=geometric`).",
        "Every problem in a file or sheet is reported at once. Numbers must be finite.",
        "Allowed intervals: `[a, b]` includes its ends, `(a, b)` excludes them; `whole` is a whole number.",
        "",
    ]
    for group in GROUPS:
        rows = [s for s in SETTINGS.values() if s.group == group]
        if not rows:
            continue
        lines += [f"## {group}", "", "| setting | default | allowed | meaning |", "|---|---|---|---|"]
        for s in rows:
            cells = [f"`{s.name}`", f"`{_show(s.default)}`" if _show(s.default) else "", s.allowed(), s.help]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    lines += [
        "## Notes",
        "",
        f"- `seed` is a whole number from 0 to {SEED_MAX} (2^32 - 1, the range scikit-learn's",
        "  iterative imputer accepts); the same rule holds for `score` and `sensitivity`.",
        f"- `generalised_mean_p` lies in [-{P_MAX:g}, -{P_MIN:g}] or [{P_MIN:g}, {P_MAX:g}]. Beyond |p| = {P_MAX:g}",
        "  the mean is the largest (or smallest) child to within a few per cent, and x^p overflows",
        f"  for scores above about {10 ** (308 / P_MAX):.0f}; below |p| = {P_MIN:g} it is the geometric mean to",
        "  within rounding and x^p loses its precision (use `aggregation = \"geometric\"`).",
        "- `skew_max` and `kurt_max` are limits on absolute skewness and excess kurtosis, so >= 0.",
        "",
    ]
    return "\n".join(lines)
