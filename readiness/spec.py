"""The Spec: every method choice of a build, as immutable, serialisable data.

A Spec is read from keyword arguments, a workbook's ``Settings`` sheet, a CSV
(``setting,value``) or a TOML file, and is printed back in every output. A variant
is ``spec.replace(normalisation="zscore")``. Fields are checked on creation against
the method registries; the first bad field raises a :class:`SpecError`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from types import MappingProxyType

from ._validation import SpecError, did_you_mean

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
    outlier_fallback : {"log", "none"}, default="log"
    normalisation : str, default="minmax"
    normalisation_low, normalisation_high : float, default=0, 100
        The min-max range.
    zscore_mean, zscore_sd : float, default=0, 1
    goalpost_scale : float, default=100
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
    nonpositive : {"error", "shift"}, default="error"
        A geometric or harmonic mean over scores <= 0: refuse, or shift the columns.
    seed : int, default=0
        Seeds every random draw (iterative imputation, sampling).

    Examples
    --------
    >>> Spec(normalisation="zscore").normalisation
    'zscore'
    >>> Spec(normalisation="minmx")
    Traceback (most recent call last):
    ...
    readiness.errors.SpecError: unknown normalisation 'minmx'; choose one of borda, distance_to_max, distance_to_target, fraction_of_max, goalposts, minmax, percentile_rank, rank, zscore; did you mean 'minmax'?
    """

    denominate: bool = True
    transform: bool = True
    imputation: str = "none"
    imputation_group: str = "income_group"
    knn_neighbours: int = 5
    coverage_min: float = 0.66
    screen_on: str = "observed"
    outliers: str = "coinr"
    winsor_max: int = 5
    skew_max: float = 2.0
    kurt_max: float = 3.5
    outlier_fallback: str = "log"
    normalisation: str = "minmax"
    normalisation_low: float = 0.0
    normalisation_high: float = 100.0
    zscore_mean: float = 0.0
    zscore_sd: float = 1.0
    goalpost_scale: float = 100.0
    target_cap: bool = False
    normalisation_by_indicator: MappingProxyType = field(default_factory=dict)
    weights: str = "framework"
    weights_override: MappingProxyType = field(default_factory=dict)
    aggregation: str = "arithmetic"
    aggregation_by_level: MappingProxyType = field(default_factory=dict)
    aggregate_coverage_min: float = 0.5
    generalised_mean_p: float = 0.5
    nonpositive: str = "error"
    seed: int = 0

    def __post_init__(self):
        from .aggregate import AGGREGATIONS
        from .impute import IMPUTATIONS
        from .normalise import NORMALISATIONS

        set_ = object.__setattr__
        for name in ("normalisation_by_indicator", "weights_override", "aggregation_by_level"):
            set_(self, name, _frozen(getattr(self, name)))
        set_(self, "aggregation_by_level",
             _frozen({_as_level(k): v for k, v in self.aggregation_by_level.items()}))
        set_(self, "weights_override",
             _frozen({k: _as_float("weights_override." + str(k), v)
                      for k, v in self.weights_override.items()}))

        IMPUTATIONS.get(self.imputation)
        NORMALISATIONS.get(self.normalisation)
        AGGREGATIONS.get(self.aggregation)
        for code, m in self.normalisation_by_indicator.items():
            NORMALISATIONS.get(m)
        for level, m in self.aggregation_by_level.items():
            AGGREGATIONS.get(m)
        _choice("screen_on", self.screen_on, ("observed", "imputed"))
        _choice("outliers", self.outliers, ("coinr", "none"))
        _choice("outlier_fallback", self.outlier_fallback, ("log", "none"))
        _choice("weights", self.weights, ("framework", "equal"))
        _choice("nonpositive", self.nonpositive, ("error", "shift"))
        if not 0.0 <= self.coverage_min <= 1.0:
            raise SpecError(f"coverage_min must be between 0 and 1; got {self.coverage_min!r}")
        if not 0.0 <= self.aggregate_coverage_min <= 1.0:
            raise SpecError(f"aggregate_coverage_min must be between 0 and 1; got {self.aggregate_coverage_min!r}")
        if not isinstance(self.winsor_max, int) or self.winsor_max < 0:
            raise SpecError(f"winsor_max must be a whole number >= 0; got {self.winsor_max!r}")
        if not isinstance(self.knn_neighbours, int) or self.knn_neighbours < 1:
            raise SpecError(f"knn_neighbours must be a whole number >= 1; got {self.knn_neighbours!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise SpecError(f"seed must be an integer; got {self.seed!r}")
        if self.normalisation_high <= self.normalisation_low:
            raise SpecError(
                "normalisation_high must be greater than normalisation_low; got "
                f"{self.normalisation_low!r} and {self.normalisation_high!r}"
            )
        if self.zscore_sd <= 0:
            raise SpecError(f"zscore_sd must be > 0; got {self.zscore_sd!r}")
        for key, w in self.weights_override.items():
            if not math.isfinite(w) or w < 0:
                raise SpecError(f"weights_override.{key} must be a number >= 0; got {w!r}")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, settings, *, source="settings"):
        """Build a Spec from ``{name: value}``, with values given as text or as typed values.

        Nested mappings can be given as tables (TOML) or dotted names
        (``aggregation_by_level.2 = geometric``), as a Settings sheet writes them.
        """
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict = {}
        for raw_name, value in settings.items():
            name = str(raw_name).strip()
            head, _, key = name.partition(".")
            if head not in fields:
                raise SpecError(
                    f"{source}: unknown setting {name!r}{did_you_mean(head, fields)}; "
                    f"settings are: {', '.join(fields)}"
                )
            default = fields[head].default_factory() if fields[head].default_factory is not dataclasses.MISSING else fields[head].default  # noqa: E501
            if isinstance(default, dict):
                table = kwargs.setdefault(head, {})
                if key:
                    table[key] = _strip(value)
                elif isinstance(value, dict):
                    table.update({k: _strip(v) for k, v in value.items()})
                else:
                    table.update(_parse_pairs(head, value, source))
                continue
            kwargs[head] = _coerce(head, value, default, source)
        return cls(**kwargs)

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


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(str(v))


def _strip(v):
    return v.strip() if isinstance(v, str) else v


def _as_level(k):
    try:
        return int(k)
    except (TypeError, ValueError):
        raise SpecError(f"aggregation_by_level keys are level numbers (2, 3, ...); got {k!r}") from None


def _as_float(name, v):
    try:
        return float(v)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be a number; got {v!r}") from None


def _choice(name, value, choices):
    if value not in choices:
        raise SpecError(
            f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}"
            f"{did_you_mean(str(value), choices)}"
        )


def _parse_pairs(name, value, source):
    """'2=geometric; 3=arithmetic' -> {'2': 'geometric', '3': 'arithmetic'}."""
    out = {}
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return out
    for part in str(value).replace(",", ";").split(";"):
        if not part.strip():
            continue
        k, sep, v = part.partition("=")
        if not sep:
            raise SpecError(f"{source}: {name} must be written as 'key=value; key=value'; got {value!r}")
        out[k.strip()] = v.strip()
    return out


def _coerce(name, value, default, source):
    """Turn a text or typed setting into the field's type."""
    if isinstance(value, str):
        value = value.strip()
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise SpecError(f"{source}: {name} must be true or false; got {value!r}")
    if isinstance(default, int):
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise SpecError(f"{source}: {name} must be a whole number; got {value!r}") from None
        if not f.is_integer():
            raise SpecError(f"{source}: {name} must be a whole number; got {value!r}")
        return int(f)
    if isinstance(default, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise SpecError(f"{source}: {name} must be a number; got {value!r}") from None
    return str(value)


def read_settings(path) -> Spec:
    """Read a Spec from a TOML file (``*.toml``) or a ``setting,value`` CSV file."""
    from pathlib import Path

    path = Path(path)
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{path.name}: not valid TOML ({exc})") from None
        return Spec.from_mapping(data, source=path.name)
    import csv

    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError:
        raise SpecError(f"{path.name}: not UTF-8 text; save the settings file as UTF-8 CSV") from None
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["setting", "value"]:
        raise SpecError(f"{path.name}: expected a header 'setting,value' in row 1")
    return Spec.from_mapping({r[0]: r[1] if len(r) > 1 else "" for r in rows[1:] if r and r[0].strip()},
                             source=path.name)
