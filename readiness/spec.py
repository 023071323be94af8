"""The Spec: every method choice of a build, as immutable, serialisable data.

A Spec is read from keyword arguments, a workbook's ``Settings`` sheet, a CSV
(``setting,value``) or a TOML file, and is printed back in every output. A variant
is ``spec.replace(normalisation="zscore")``. Every field is checked on creation against
the one table of settings (:mod:`readiness.settings`, whose choices come from the method
registries); one :class:`SpecError` lists every bad field.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType

from .errors import SpecError, shorten
from .settings import DEFAULTS, check_settings

__all__ = ["Spec", "read_settings"]


def _frozen(mapping):
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Spec:
    """Every method choice of a build.

    Parameters
    ----------
    denominate : bool, default=True
        Divide indicators by their ``denominator`` column (COINr ``Denominate``).
    transform : bool, default=True
        Apply each indicator's ``transform`` (``log``, ``log1p``) from the metadata.
    imputation : str, default="none"
        ``none``, ``mean``, ``median``, ``group_mean``, ``group_median``, ``knn``, ``iterative``.
    imputation_group : str, default="income_group"
        The ``Countries`` column whose labels form the groups.
    knn_neighbours : int, default=5
    coverage_min : float, default=0.66
        Countries with a smaller share of indicators are not scored.
    screen_on : {"observed", "imputed"}, default="observed"
        Measure coverage on the observed data, or (as COINr's example does) on the
        data after imputation.
    outliers : {"coinr", "none"}, default="coinr"
    winsor_max : int, default=5
    skew_max, kurt_max : float, default=2.0, 3.5
        Limits on absolute skewness and excess kurtosis, >= 0.
    outlier_fallback : {"log", "none"}, default="log"
    normalisation : str, default="minmax"
    normalisation_low, normalisation_high : float, default=0, 100
        The min-max range.
    zscore_mean, zscore_sd : float, default=0, 1
        ``zscore_sd`` > 0.
    goalpost_scale : float, default=100
        > 0.
    target_cap : bool, default=False
        Cap distance-to-target scores at 1.
    normalisation_by_indicator : mapping, default={}
        ``{indicator: method}`` exceptions.
    weights : {"framework", "equal"}, default="framework"
    weights_override : mapping, default={}
        ``{node: weight}``: a weight of 0 drops the node.
    aggregation : str, default="arithmetic"
    aggregation_by_level : mapping, default={}
        ``{level: method}`` exceptions (level 2 = dimensions of indicators).
    aggregate_coverage_min : float, default=0.5
        A country's aggregate (dimension, index) needs at least this share of its
        children to have a value, else it is missing (COINr ``Aggregate``'s
        ``dat_thresh``; 0 turns the rule off, as COINr's default).
    generalised_mean_p : float, default=0.5
        ``|p|`` between 0.01 and 100 (see docs/settings.md for why).
    nonpositive : {"error", "shift"}, default="error"
        A geometric or harmonic mean over scores <= 0: refuse, or shift the columns.
    seed : int, default=0
        Seeds every random draw (iterative imputation, sampling); 0 to 2**32 - 1.
    incomplete : {"not_scored", "impute", "partial"}, default="not_scored"
        A country with no score for some dimension: not scored, imputed, or given an
        index from the dimensions it has ("partial", the behaviour before this setting).

    Examples
    --------
    >>> Spec(normalisation="zscore").normalisation
    'zscore'
    >>> Spec(normalisation="minmx")
    Traceback (most recent call last):
    ...
    readiness.errors.SpecError: normalisation must be one of 'borda', 'distance_to_max', 'distance_to_target', 'fraction_of_max', 'goalposts', 'minmax', 'percentile_rank', 'rank', 'zscore'; got 'minmx'; did you mean 'minmax'?
    """

    denominate: bool = DEFAULTS["denominate"]
    transform: bool = DEFAULTS["transform"]
    imputation: str = DEFAULTS["imputation"]
    imputation_group: str = DEFAULTS["imputation_group"]
    knn_neighbours: int = DEFAULTS["knn_neighbours"]
    coverage_min: float = DEFAULTS["coverage_min"]
    screen_on: str = DEFAULTS["screen_on"]
    outliers: str = DEFAULTS["outliers"]
    winsor_max: int = DEFAULTS["winsor_max"]
    skew_max: float = DEFAULTS["skew_max"]
    kurt_max: float = DEFAULTS["kurt_max"]
    outlier_fallback: str = DEFAULTS["outlier_fallback"]
    normalisation: str = DEFAULTS["normalisation"]
    normalisation_low: float = DEFAULTS["normalisation_low"]
    normalisation_high: float = DEFAULTS["normalisation_high"]
    zscore_mean: float = DEFAULTS["zscore_mean"]
    zscore_sd: float = DEFAULTS["zscore_sd"]
    goalpost_scale: float = DEFAULTS["goalpost_scale"]
    target_cap: bool = DEFAULTS["target_cap"]
    normalisation_by_indicator: MappingProxyType = field(default_factory=dict)
    weights: str = DEFAULTS["weights"]
    weights_override: MappingProxyType = field(default_factory=dict)
    aggregation: str = DEFAULTS["aggregation"]
    aggregation_by_level: MappingProxyType = field(default_factory=dict)
    aggregate_coverage_min: float = DEFAULTS["aggregate_coverage_min"]
    generalised_mean_p: float = DEFAULTS["generalised_mean_p"]
    nonpositive: str = DEFAULTS["nonpositive"]
    seed: int = DEFAULTS["seed"]
    incomplete: str = DEFAULTS["incomplete"]

    def __post_init__(self):
        given = {name: getattr(self, name) for name in _FIELDS}
        for name, value in check_settings(given).items():
            if isinstance(value, dict):
                object.__setattr__(self, name, _frozen(value))
            elif value is not given[name]:
                object.__setattr__(self, name, value)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, settings, *, source=None):
        """Build a Spec from ``{name: value}``, with values given as text or as typed values.

        Nested mappings can be given as tables (TOML) or dotted names
        (``aggregation_by_level.2 = geometric``), as a Settings sheet writes them. Every
        problem is reported at once (see :func:`readiness.settings.check_settings`);
        ``source`` (a file name, or ``{name: location}``) is named in each message.
        """
        return cls(**check_settings(settings, where=source))

    @classmethod
    def for_dataset(cls, dataset) -> Spec:
        """The dataset's own Settings sheet as a Spec, or the defaults when it has none."""
        return cls.from_mapping(dataset.settings, source="Settings") if dataset.settings else cls()

    def replace(self, **changes) -> Spec:
        """Return a copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain, JSON-ready dict of every field (mappings as dicts)."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = {str(k): v2 for k, v2 in v.items()} if isinstance(v, MappingProxyType) else v
        return out

    def changes(self) -> dict:
        """The fields that differ from the defaults, as in :meth:`to_dict`.

        >>> Spec(normalisation="zscore", coverage_min=0.9).changes()
        {'coverage_min': 0.9, 'normalisation': 'zscore'}
        """
        default = Spec().to_dict()
        return {k: v for k, v in self.to_dict().items() if v != default[k]}

    def to_toml(self) -> str:
        """The Spec as TOML text, readable back by :func:`read_settings`."""
        lines, tables = [], []
        for name, v in self.to_dict().items():
            if isinstance(v, dict):
                if v:
                    tables.append(f"\n[{name}]")
                    tables += [f"{json.dumps(str(k))} = {_toml_value(x)}" for k, x in sorted(v.items())]
            else:
                lines.append(f"{name} = {_toml_value(v)}")
        return "\n".join(lines + tables) + "\n"

    def __hash__(self):
        return hash(json.dumps(self.to_dict(), sort_keys=True))


_FIELDS = tuple(f.name for f in dataclasses.fields(Spec))


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(str(v))


def _toml_locations(text: str, name: str) -> dict:
    """``{setting or table.key: "file line N"}`` for the keys of a (simple) TOML text."""
    where, table = {}, ""
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        header = re.fullmatch(r"\[\s*([A-Za-z0-9_]+)\s*\]\s*(#.*)?", line)
        if header:
            table = header.group(1)
            where.setdefault(table, f"{name} line {n}")
            continue
        key = re.match(r"""^("([^"]*)"|'([^']*)'|[A-Za-z0-9_.\-]+)\s*=""", line)
        if key:
            k = next(g for g in key.groups()[1:] + (key.group(1),) if g is not None)
            where.setdefault(f"{table}.{k}" if table else k, f"{name} line {n}")
    return where


def read_settings(path) -> Spec:
    """Read a Spec from a TOML file (``*.toml``) or a ``setting,value`` CSV file.

    Every problem in the file is reported at once, in one :class:`SpecError` whose
    ``problems`` name the file, the line (TOML) or row (CSV) and the setting. A blank
    value in a CSV file leaves the setting at its default.
    """
    from pathlib import Path

    path = Path(path)
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            text = path.read_text(encoding="utf-8-sig")
            data = tomllib.loads(text)
        except OSError as exc:
            raise SpecError(f"{path.name}: cannot read the settings file ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise SpecError(f"{path.name}: not UTF-8 text; save the settings file as UTF-8") from None
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{path.name}: not valid TOML ({exc})") from None
        return Spec.from_mapping(data, source=_Located(_toml_locations(text, path.name), path.name))
    import csv

    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise SpecError(f"{path.name}: cannot read the settings file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path.name}: not UTF-8 text; save the settings file as UTF-8 CSV") from None
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["setting", "value"]:
        raise SpecError(f"{path.name}: expected a header 'setting,value' in row 1")
    settings, where, problems = {}, {}, []
    for n, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        name, value = row[0].strip(), row[1].strip() if len(row) > 1 else ""
        if name in where:
            problems.append(f"{path.name} row {n}: {shorten(name)} is set a second time ({where[name]}); "
                            "expected each setting once")
            continue
        where[name] = f"{path.name} row {n}"
        if value:
            settings[name] = value
    try:
        spec = Spec.from_mapping(settings, source=where)
    except SpecError as exc:
        problems += exc.problems
    if problems:
        row = re.compile(rf"{re.escape(path.name)} row (\d+):")
        problems.sort(key=lambda p: int(m.group(1)) if (m := row.match(p)) else 0)  # in file order
        raise SpecError(problems)
    return spec


class _Located(dict):
    """``{name: location}`` that falls back to the file name for names it does not know."""

    def __init__(self, where, default):
        super().__init__(where)
        self.default = default

    def get(self, key, default=None):
        return super().get(key) or (self.default if "." not in key else default)
