"""The space of an uncertainty analysis: which inputs vary, and their alternatives.

The first of SALib's three verbs needs a problem to sample from. Ours is the
:class:`Space`: a frozen dataclass of named inputs (Spec fields) and the alternatives
each may take, plain data that reads from and writes to the same TOML as a Spec.
:func:`readiness.analysis.design.draw` turns it into a design.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass

import numpy as np

from ..errors import SpecError
from .._validation import did_you_mean
from .inputs import DEFAULT_VARY, INPUTS

__all__ = ["INPUTS", "DEFAULT_VARY", "DEFAULT_ALTERNATIVES", "MIN_SOBOL_N", "Space", "check_seed", "check_n"]

#: The smallest number of base samples a Sobol design may have.
MIN_SOBOL_N = 16
#: The alternatives an input takes when it is varied without saying which.
DEFAULT_ALTERNATIVES = {
    "imputation": ("mean", "median"),
    "treatment": (1, 2, 3, 4, 5),
    "normalisation": ("minmax", "zscore"),
    "weights": "uniform",
    "aggregation": ("arithmetic", "geometric"),
    "drop": 1,
}


# -- small helpers ------------------------------------------------------------------------


def _plain(obj):
    """Tuples -> lists and numpy scalars -> Python, recursively (a Space's fields as JSON types)."""
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def check_seed(seed) -> np.random.Generator:
    """Return one Generator from an int, a Generator or None; anything else is a SpecError.

    >>> check_seed(1).integers(10, size=3).tolist() == np.random.default_rng(1).integers(10, size=3).tolist()
    True
    >>> check_seed(1.5)
    Traceback (most recent call last):
    ...
    readiness.errors.SpecError: seed must be an integer, a numpy Generator or None; got 1.5
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise SpecError(f"seed must be an integer >= 0; got {seed!r}")
        return np.random.default_rng(seed)
    raise SpecError(f"seed must be an integer, a numpy Generator or None; got {seed!r}")


def check_n(n, method):
    """``n`` as an int, refused when it is not a whole number or too small for ``method``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise SpecError(f"n must be a whole number; got {n!r}")
    if method == "sobol" and n < MIN_SOBOL_N:
        raise SpecError(f"a Sobol analysis needs n >= {MIN_SOBOL_N} base samples (it runs n x (inputs + 2) "
                        f"replicates); got n = {n}")
    if n < 1:
        raise SpecError(f"n must be at least 1; got {n}")
    return int(n)


def _as_tuple(name, value):
    if value is None:
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    try:
        return tuple(value)
    except TypeError:
        raise SpecError(f"{name} must be a list of alternatives; got {value!r}") from None


def _treatment_value(v):
    """1..n -> int winsorisation limit (checked as the setting ``winsor_max``); 'none'/'off' -> 'none'."""
    from ..settings import check_setting

    if isinstance(v, str) and v.strip().lower() in ("none", "off"):
        return "none"
    try:
        return check_setting("winsor_max", v)
    except SpecError as exc:
        raise SpecError(f"treatment alternatives are winsorisation limits or 'none': {exc}") from None


def _levels_tuple(name, value):
    t = _as_tuple(name, value)
    if t is None:
        return None
    out = []
    for v in t:
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise SpecError(f"{name} are level numbers (1 = indicators); got {v!r}") from None
        if not f.is_integer() or f < 1:
            raise SpecError(f"{name} are level numbers (1 = indicators); got {v!r}")
        out.append(int(f))
    if not out:
        raise SpecError(f"{name} is empty; give at least one level or leave it unset")
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Space:
    """The inputs of an uncertainty analysis and their alternatives: plain, serialisable data.

    An input left as None does not vary (it keeps the Spec's choice).

    Parameters
    ----------
    imputation : tuple of str, optional
        Imputation methods to choose from (names in ``IMPUTATIONS``).
    treatment : tuple of int or "none", optional
        Winsorisation limits to choose from (``winsor_max``); ``"none"`` turns outlier
        treatment off.
    normalisation : tuple of str, optional
        Normalisation methods to choose from; the Spec's ``normalisation_by_indicator``
        exceptions are kept.
    weights : {"uniform", "dirichlet"}, optional
        ``uniform``: each weight at ``weights_levels`` is multiplied by an independent
        U(1 - ``weights_noise``, 1 + ``weights_noise``). ``dirichlet``: the weights of
        each set of siblings are drawn from a Dirichlet distribution with mean equal to
        their nominal shares and concentration ``weights_concentration`` (larger is
        tighter), then scaled back to the siblings' nominal total.
    weights_noise : float, default=0.25
    weights_concentration : float, default=100.0
    weights_levels : tuple of int, optional
        The levels whose nodes' weights are perturbed (1 = indicators). Default: every
        level between the indicators and the index (level 1 if there is none).
    aggregation : tuple of str, optional
        Aggregation methods to choose from.
    aggregation_levels : tuple of int, optional
        The levels it applies to (2 = the aggregates of indicators). Default: all.
    aggregation_per_level : bool, default=False
        Draw the method independently at each of those levels (still one input,
        "aggregation", for the Sobol analysis) instead of one method for all of them.
    drop : int, optional
        Drop one element of this level (1 = an indicator, 2 = a level-2 node ...) or
        none: the alternatives are "none" and every node of the level. Dropping is a
        weight of 0 (its siblings' weights are renormalised), as in ``weights_override``.
    nonpositive : {"shift", "skip"}, default="shift"
        A replicate whose geometric or harmonic mean meets scores <= 0 (z-scores, a
        min-max 0): ``shift`` the offending columns to a minimum of 1 (``Spec(nonpositive
        ="shift")``), or ``skip`` the replicate. Either way the replicates are counted in
        the result; none becomes a silent NaN.

    Examples
    --------
    >>> Space(normalisation=("minmax", "zscore"), weights="uniform").varied
    ('normalisation', 'weights')
    >>> Space.from_names(["wieghts"])
    Traceback (most recent call last):
    ...
    readiness.errors.SpecError: unknown input 'wieghts'; choose from imputation, treatment, normalisation, weights, aggregation, drop; did you mean 'weights'?
    """

    imputation: tuple | None = None
    treatment: tuple | None = None
    normalisation: tuple | None = None
    weights: str | None = None
    weights_noise: float = 0.25
    weights_concentration: float = 100.0
    weights_levels: tuple | None = None
    aggregation: tuple | None = None
    aggregation_levels: tuple | None = None
    aggregation_per_level: bool = False
    drop: int | None = None
    nonpositive: str = "shift"

    def __post_init__(self):
        from ..settings import check_alternatives

        set_ = object.__setattr__
        # methods are checked by the settings table, as the Spec's own fields are
        for name in ("imputation", "normalisation", "aggregation"):
            alts = _as_tuple(name, getattr(self, name))
            if alts is not None:
                alts = check_alternatives(name, alts)
            set_(self, name, alts)
        alts = _as_tuple("treatment", self.treatment)
        if alts is not None:
            if not alts:
                raise SpecError("the set of alternatives for treatment is empty; give winsorisation limits "
                                "(e.g. 1, 2, 3, 4, 5) and/or 'none', or do not vary treatment")
            alts = tuple(dict.fromkeys(_treatment_value(a) for a in alts))
        set_(self, "treatment", alts)
        if self.weights is not None and self.weights not in ("uniform", "dirichlet"):
            raise SpecError(f"weights must be 'uniform' or 'dirichlet' (or None: not varied); got {self.weights!r}"
                            f"{did_you_mean(str(self.weights), ('uniform', 'dirichlet'))}")
        for name in ("weights_noise", "weights_concentration"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise SpecError(f"{name} must be a number; got {v!r}")
            set_(self, name, float(v))
        if not 0.0 <= self.weights_noise < 1.0:
            raise SpecError(f"weights_noise is the +/- share a weight may move, between 0 and 1 (0.25 = +/-25%); "
                            f"got {self.weights_noise!r}")
        if self.weights_concentration <= 0:
            raise SpecError(f"weights_concentration must be > 0; got {self.weights_concentration!r}")
        set_(self, "weights_levels", _levels_tuple("weights_levels", self.weights_levels))
        set_(self, "aggregation_levels", _levels_tuple("aggregation_levels", self.aggregation_levels))
        if not isinstance(self.aggregation_per_level, bool):
            raise SpecError(f"aggregation_per_level must be true or false; got {self.aggregation_per_level!r}")
        if self.drop is not None:
            d = self.drop
            if isinstance(d, str) and d.strip().isdigit():
                d = int(d)
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
                raise SpecError(f"drop is the level whose elements are dropped one at a time (1 = indicators); "
                                f"got {self.drop!r}")
            set_(self, "drop", int(d))
        if self.nonpositive not in ("shift", "skip"):
            raise SpecError(f"nonpositive must be 'shift' or 'skip'; got {self.nonpositive!r}"
                            f"{did_you_mean(str(self.nonpositive), ('shift', 'skip'))}")

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_names(cls, names, **options) -> Space:
        """A Space varying the named inputs, each with its default alternatives unless given.

        Parameters
        ----------
        names : iterable of str
            Input names from :data:`INPUTS` (a comma-separated string is accepted).
        **options
            Any other field of :class:`Space`, e.g. ``normalisation=("minmax", "rank")``
            or ``weights_noise=0.1``. Alternatives given for an input that is not named
            are an error.
        """
        names = _as_tuple("inputs", names) or ()
        for name in names:
            if name not in INPUTS:
                raise SpecError(f"unknown input {name!r}; choose from {', '.join(INPUTS)}{did_you_mean(name, INPUTS)}")
        fields = {f.name for f in dataclasses.fields(cls)}
        for key, value in options.items():
            if key not in fields:
                raise SpecError(f"unknown Space field {key!r}{did_you_mean(key, fields)}")
            if key in INPUTS and key not in names and value is not None:
                raise SpecError(f"alternatives were given for {key}, but {key} is not among the inputs varied "
                                f"({', '.join(names) or 'none'}); add it to the inputs")
        kwargs = {name: DEFAULT_ALTERNATIVES[name] for name in names}
        kwargs.update({k: v for k, v in options.items() if v is not None})
        return cls(**kwargs)

    @classmethod
    def from_mapping(cls, mapping) -> Space:
        """Read a Space from ``{field: value}`` (TOML table or text values)."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs = {}
        for key, value in dict(mapping).items():
            if key not in fields:
                raise SpecError(f"unknown Space field {key!r}{did_you_mean(str(key), fields)}")
            if key in ("weights_noise", "weights_concentration") and isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    raise SpecError(f"{key} must be a number; got {value!r}") from None
            if key == "aggregation_per_level" and isinstance(value, str):
                value = value.strip().lower() in ("true", "yes", "1")
            if key == "weights" and isinstance(value, str) and value.strip().lower() in ("", "none"):
                value = None
            kwargs[key] = value
        return cls(**kwargs)

    def to_dict(self) -> dict:
        """Plain, JSON-ready dict of every field."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_toml(self) -> str:
        """The Space as a TOML table body (unset fields omitted)."""
        lines = []
        for key, value in self.to_dict().items():
            if value is None:
                continue
            lines.append(f"{key} = {json.dumps(value)}" if not isinstance(value, bool)
                         else f"{key} = {'true' if value else 'false'}")
        return "\n".join(lines) + "\n"

    @property
    def varied(self) -> tuple:
        """The inputs that vary, in pipeline order."""
        return tuple(name for name in INPUTS if getattr(self, name) is not None)

    def key(self) -> str:
        """A short hash of every field (for caching)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:12]
