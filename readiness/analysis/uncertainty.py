"""Uncertainty analysis: how fragile each country's rank is to the method choices.

OECD/JRC Handbook (2008), section 7 (uncertainty and sensitivity analysis); the same
question as COINr's ``get_sensitivity(SA_type = "UA")``, answered without rebuilding
the index once per replicate.

Three verbs, as in SALib: :func:`draw` turns a :class:`Space` (the inputs that vary
and their alternatives) into a :class:`Design` (replicates x unit-sample columns, its
layout recorded); :func:`evaluate` computes every replicate's ranks in one vectorised
pass; :func:`uncertainty` summarises them per country (:class:`UncertaintyResult`).
The variance decomposition of the same replicates is in :mod:`readiness.sensitivity`.

How the engine avoids a loop over ``build()``: the stages upstream of what varies
are computed once per distinct choice (one build per imputation x treatment
variant, one normalisation per method on top), stacked, and indexed by replicate;
weights become a replicates x nodes array; the aggregation runs over a
(replicate, country, indicator) block with the same kernels ``build()`` uses, one
call per (level, method) for every replicate that uses that method; ranks are taken
over the country axis. Replicates are processed in chunks that bound memory.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import MethodError, ReadinessWarning, SpecError, did_you_mean
from ..normalise import normalise_params
from ..spec import Spec

__all__ = [
    "INPUTS", "DEFAULT_VARY", "BANDS", "MIN_SOBOL_N", "Space", "Design", "Evaluation", "UncertaintyResult",
    "check_seed", "draw", "grid", "evaluate", "uncertainty", "cache_dir", "save_cache", "load_cached",
    "rank_interval",
]

#: The inputs that can vary, in pipeline order (the order of a Design's columns).
INPUTS = ("imputation", "treatment", "normalisation", "weights", "aggregation", "drop")
#: What ``readiness sensitivity`` varies when ``--vary`` is not given.
DEFAULT_VARY = ("treatment", "normalisation", "weights", "aggregation")
#: The smallest number of base samples a Sobol design may have.
MIN_SOBOL_N = 16
#: Rank bands whose probabilities are reported: name -> (side, size); a size below 1 is a share of countries.
BANDS = {"top_10": ("top", 10), "top_quartile": ("top", 0.25), "top_half": ("top", 0.5),
         "bottom_quartile": ("bottom", 0.25)}

_DEFAULTS = {
    "imputation": ("mean", "median"),
    "treatment": (1, 2, 3, 4, 5),
    "normalisation": ("minmax", "zscore"),
    "weights": "uniform",
    "aggregation": ("arithmetic", "geometric"),
    "drop": 1,
}
_TUPLE_FIELDS = ("imputation", "treatment", "normalisation", "aggregation", "aggregation_levels", "weights_levels")


# -- small helpers ------------------------------------------------------------------------


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


def _check_n(n, method):
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
    """1..n -> int winsorisation limit; 'none'/'off' -> 'none'."""
    if isinstance(v, str):
        text = v.strip().lower()
        if text in ("none", "off"):
            return "none"
        try:
            f = float(text)
        except ValueError:
            raise SpecError(f"treatment alternatives are winsorisation limits (whole numbers >= 0) or 'none'; "
                            f"got {v!r}") from None
        v = f
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or v < 0 \
            or not float(v).is_integer():
        raise SpecError(f"treatment alternatives are winsorisation limits (whole numbers >= 0) or 'none'; got {v!r}")
    return int(v)


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


def _json_ready(obj):
    """NaN -> None, numpy scalars -> Python, tuples -> lists, recursively."""
    if isinstance(obj, dict):
        return {str(k): _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _records(df: pd.DataFrame) -> list[dict]:
    return _json_ready(df.reset_index().to_dict("records"))


# -- the space of alternatives ------------------------------------------------------------


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
        from ..aggregate import AGGREGATIONS
        from ..impute import IMPUTATIONS
        from ..normalise import NORMALISATIONS

        set_ = object.__setattr__
        for name, registry in (("imputation", IMPUTATIONS), ("normalisation", NORMALISATIONS),
                               ("aggregation", AGGREGATIONS)):
            alts = _as_tuple(name, getattr(self, name))
            if alts is not None:
                if not alts:
                    raise SpecError(f"the set of alternatives for {name} is empty; give at least one "
                                    f"(choose from {', '.join(registry.names)}) or do not vary {name}")
                for a in alts:
                    if not isinstance(a, str):
                        raise SpecError(f"{name} alternatives are method names; got {a!r}")
                    registry.get(a)
                alts = tuple(dict.fromkeys(alts))
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
        kwargs = {name: _DEFAULTS[name] for name in names}
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
        return _json_ready({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

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


# -- the design ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Design:
    """Replicates x unit-sample columns, with the layout that ties them to the inputs.

    Attributes
    ----------
    space : Space
    method : {"ua", "sobol", "grid"}
        ``ua``: independent uniform draws, one row per replicate; ``sobol``: Saltelli's
        scheme (SALib ``sample.sobol`` with ``calc_second_order=False``), ``n`` blocks of
        ``len(inputs) + 2`` rows (A, A with input k from B for each input, B); ``grid``:
        every combination of the discrete alternatives once.
    n : int
        Replicates (``ua``), base samples (``sobol``) or combinations (``grid``).
    seed : int or None
        The seed given (None when a Generator or nothing was given).
    columns : tuple of str
        One per unit column: an input name, ``aggregation.<level>`` or ``weights.<node>``.
    groups : tuple of str
        The input each column belongs to (a Sobol factor is a group of columns).
    unit : ndarray of shape (n_rows, n_columns)
        Values in [0, 1). A discrete column with k alternatives picks ``floor(u k)``.
    alternatives : dict
        ``{column: tuple of alternatives}`` for the discrete columns.
    framework : tuple of str or None
        The framework's nodes, when the layout depends on them (weights, drop).
    """

    space: Space
    method: str
    n: int
    seed: int | None
    columns: tuple
    groups: tuple
    unit: np.ndarray
    alternatives: dict
    framework: tuple | None = None

    @property
    def inputs(self) -> tuple:
        """The Sobol factors (column groups), in column order."""
        return tuple(dict.fromkeys(self.groups))

    @property
    def n_rows(self) -> int:
        """The number of replicates."""
        return self.unit.shape[0]

    def choice(self, column: str) -> np.ndarray:
        """The index of the alternative each replicate takes for a discrete column."""
        k = len(self.alternatives[column])
        j = self.columns.index(column)
        return np.minimum((self.unit[:, j] * k).astype(np.int64), k - 1)

    def block(self) -> np.ndarray:
        """The Saltelli block (base sample) each row belongs to (``sobol``), else the row itself."""
        rows = np.arange(self.n_rows)
        return rows // (len(self.inputs) + 2) if self.method == "sobol" else rows

    def __repr__(self) -> str:
        k = len(self.inputs)
        return (f"Design({self.method!r}: {self.n_rows} replicates of {k} input{'s' if k != 1 else ''} "
                f"({', '.join(self.inputs) or 'none'}), n={self.n})")


def _framework(dataset):
    from ..aggregate import TreePlan

    return TreePlan(dataset)


def _columns(space, plan):
    """The unit columns of a space: (names, groups, alternatives, weight nodes)."""
    columns, groups, alternatives = [], [], {}
    agg_levels = [lv for lv, *_ in plan.steps] if plan is not None else []
    for name in space.varied:
        if name in ("imputation", "treatment", "normalisation"):
            columns.append(name)
            groups.append(name)
            alternatives[name] = getattr(space, name)
        elif name == "aggregation":
            levels = _agg_levels(space, agg_levels) if plan is not None else []
            if space.aggregation_per_level and plan is None:
                raise SpecError("aggregation_per_level needs the dataset: pass dataset= to draw()")
            cols = [f"aggregation.{lv}" for lv in levels] if space.aggregation_per_level else ["aggregation"]
            for c in cols:
                columns.append(c)
                groups.append("aggregation")
                alternatives[c] = space.aggregation
        elif name == "drop":
            if plan is None:
                raise SpecError("dropping elements needs the dataset: pass dataset= to draw()")
            level = space.drop
            top = int(plan.levels.max())
            if level >= top:
                raise SpecError(f"drop = {level}: the framework's levels below the index are 1 to {top - 1}")
            columns.append("drop")
            groups.append("drop")
            alternatives["drop"] = ("none",) + tuple(c for c, lv in zip(plan.nodes, plan.levels) if lv == level)
        elif name == "weights":
            if plan is None:
                raise SpecError("perturbing weights needs the dataset: pass dataset= to draw()")
            for node in _weight_nodes(space, plan):
                columns.append(f"weights.{node}")
                groups.append("weights")
    return tuple(columns), tuple(groups), alternatives


def _agg_levels(space, agg_levels):
    if space.aggregation_levels is None:
        return agg_levels
    bad = [lv for lv in space.aggregation_levels if lv not in agg_levels]
    if bad:
        raise SpecError(f"aggregation_levels {bad}: the framework aggregates at levels "
                        f"{', '.join(map(str, agg_levels))}")
    return [lv for lv in agg_levels if lv in space.aggregation_levels]


def _weight_nodes(space, plan):
    top = int(plan.levels.max())
    levels = space.weights_levels
    if levels is None:
        levels = tuple(range(2, top)) or (1,)
    bad = [lv for lv in levels if lv >= top]
    if bad:
        raise SpecError(f"weights_levels {bad}: weights can vary at levels 1 to {top - 1} (the index has no siblings)")
    return [c for c, lv in zip(plan.nodes, plan.levels) if lv in levels]


def _saltelli(base, groups):
    """Saltelli's cross-sampled matrix without second order, as SALib's ``sample.sobol`` builds it."""
    n, two_d = base.shape
    d = two_d // 2
    a, b = base[:, :d], base[:, d:]
    names = list(dict.fromkeys(groups))
    out = np.empty((n, len(names) + 2, d))
    out[:, 0] = a
    garr = np.asarray(groups, dtype=object)
    for k, g in enumerate(names):
        out[:, k + 1] = np.where(garr == g, b, a)
    out[:, -1] = b
    return out.reshape(n * (len(names) + 2), d)


def draw(space: Space, n: int, *, seed=None, method: str = "ua", dataset=None) -> Design:
    """Draw a design: ``n`` replicates (``ua``) or ``n`` Saltelli base samples (``sobol``).

    Parameters
    ----------
    space : Space
    n : int
        ``ua``: the number of replicates. ``sobol``: the number of base samples N; the
        design has N x (inputs + 2) rows (at least :data:`MIN_SOBOL_N`).
    seed : int, numpy.random.Generator or None, default=None
    method : {"ua", "sobol"}, default="ua"
    dataset : Dataset, optional
        Needed when weights vary, elements are dropped or the aggregation is drawn per
        level: the framework decides how many columns there are.

    Returns
    -------
    Design

    Raises
    ------
    SpecError
        An unknown method, a seed that is not an integer, ``n`` too small, a Sobol
        analysis with nothing varied.

    Notes
    -----
    ``sobol`` uses a scrambled Sobol' sequence of dimension 2D, split into A and B and
    cross-sampled exactly as SALib's ``sample.sobol(calc_second_order=False)`` does:
    with the same integer seed the unit sample equals SALib's for the same problem
    (columns and groups as in the Design; tested). The weights of all nodes form one group (one
    Sobol input), as do the per-level aggregation draws. scipy's warning that ``n`` is
    not a power of 2 is silenced: it costs a little balance, not validity.

    Examples
    --------
    >>> d = draw(Space(normalisation=("minmax", "zscore")), 4, seed=1)
    >>> d
    Design('ua': 4 replicates of 1 input (normalisation), n=4)
    >>> d.choice("normalisation").tolist()
    [1, 1, 0, 1]
    """
    if not isinstance(space, Space):
        raise SpecError(f"space must be a Space; got {type(space).__name__}")
    if method not in ("ua", "sobol"):
        raise SpecError(f"method must be 'ua' or 'sobol'; got {method!r}{did_you_mean(str(method), ('ua', 'sobol'))}")
    n = _check_n(n, method)
    rng = check_seed(seed)
    plan = _framework(dataset) if dataset is not None else None
    columns, groups, alternatives = _columns(space, plan)
    d = len(columns)
    if method == "ua":
        unit = rng.random((n, d))
    else:
        if d == 0:
            raise SpecError("a Sobol analysis needs at least one varied input; nothing varies in this Space")
        from scipy.stats import qmc

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*balance properties of Sobol.*")
            # an integer seed goes to scipy as SALib passes it, so the design equals SALib's
            base = qmc.Sobol(d=2 * d, scramble=True, seed=seed if isinstance(seed, (int, np.integer)) else rng
                             ).random(n)
        unit = _saltelli(base, groups)
    return Design(space=space, method=method, n=n, seed=seed if isinstance(seed, (int, np.integer)) else None,
                  columns=columns, groups=groups, unit=unit, alternatives=alternatives,
                  framework=tuple(plan.nodes) if plan is not None else None)


def grid(space: Space, *, dataset=None) -> Design:
    """Every combination of the discrete alternatives, once each (a full factorial design).

    Used by :func:`readiness.sensitivity.remove_one` and to check Sobol estimates by
    brute force. Weights are continuous and cannot be enumerated.

    Examples
    --------
    >>> g = grid(Space(normalisation=("minmax", "zscore"), treatment=(1, "none")))
    >>> g.n_rows, g.choice("treatment").tolist(), g.choice("normalisation").tolist()
    (4, [0, 0, 1, 1], [0, 1, 0, 1])
    """
    if space.weights is not None:
        raise SpecError("weights are continuous: a grid design cannot enumerate them; use draw()")
    plan = _framework(dataset) if dataset is not None else None
    columns, groups, alternatives = _columns(space, plan)
    sizes = [len(alternatives[c]) for c in columns]
    idx = np.indices(sizes).reshape(len(sizes), -1).T if sizes else np.zeros((1, 0), dtype=int)
    unit = (idx + 0.5) / np.asarray(sizes if sizes else [1], dtype=float)[: idx.shape[1]]
    return Design(space=space, method="grid", n=len(unit), seed=None, columns=columns, groups=groups,
                  unit=unit.reshape(len(idx), len(columns)), alternatives=alternatives,
                  framework=tuple(plan.nodes) if plan is not None else None)


# -- evaluation ---------------------------------------------------------------------------


def nominal_spec(dataset, spec=None):
    """The nominal Spec: ``spec``, else the dataset's Settings sheet, else the defaults (as build() does)."""
    return Spec.for_dataset(dataset) if spec is None else spec


def default_seed(dataset, spec, seed):
    """``seed``, or the nominal Spec's seed when None: every draw is seeded."""
    return nominal_spec(dataset, spec).seed if seed is None else seed


def _treatment_spec(spec, value):
    if value == "none":
        return {"outliers": "none"}
    return {"outliers": "coinr", "winsor_max": int(value)}


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The ranks of every replicate of a design, and what each replicate used.

    Attributes
    ----------
    design : Design
    spec : Spec
        The nominal Spec.
    nominal : Result
        The nominal build.
    countries : Index
        The scored countries (the country axis).
    nodes : tuple of str
        The aggregate nodes whose ranks were kept (the node axis); the index is last.
    levels : tuple of int
        Their levels.
    ranks : ndarray of shape (n_rows, n_countries, n_nodes), float32
        Ranks per replicate (1 = best, ties share the best rank); NaN in skipped replicates.
    nominal_ranks : ndarray of shape (n_countries, n_nodes)
    valid : ndarray of bool, shape (n_rows,)
        False for replicates skipped (``nonpositive="skip"``).
    shifted : ndarray of bool, shape (n_rows,)
        True for replicates whose geometric/harmonic mean had scores shifted to be positive.
    params : DataFrame
        One row per replicate: the alternative each input took and every weight used
        (``weights.<node>``), ``valid`` and ``shifted``.
    """

    design: Design
    spec: object
    nominal: object
    countries: pd.Index
    nodes: tuple
    levels: tuple
    ranks: np.ndarray
    nominal_ranks: np.ndarray
    valid: np.ndarray
    shifted: np.ndarray
    params: pd.DataFrame
    _choices: dict = dataclasses.field(repr=False, default_factory=dict)
    _weights: np.ndarray | None = dataclasses.field(repr=False, default=None)
    _weight_cols: tuple = dataclasses.field(repr=False, default=())

    @property
    def index_ranks(self) -> np.ndarray:
        """(n_rows, n_countries) ranks of the index."""
        return self.ranks[:, :, -1]

    def rank_shift(self) -> np.ndarray:
        """Per replicate: the mean over countries of |rank - nominal rank| of the index (COINr's output)."""
        diff = np.abs(self.index_ranks.astype(float) - self.nominal_ranks[:, -1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = np.nanmean(diff, axis=1)
        out[~self.valid] = np.nan
        return out

    def spec_for(self, replicate: int):
        """The Spec that ``build()`` would need to produce replicate ``replicate``."""
        r = int(replicate)
        changes = {}
        c = self._choices
        if "imputation" in c:
            changes["imputation"] = c["imputation"][r]
        if "treatment" in c:
            changes.update(_treatment_spec(self.spec, c["treatment"][r]))
        if "normalisation" in c:
            changes["normalisation"] = c["normalisation"][r]
        if "aggregation" in c:
            by_level = dict(self.spec.aggregation_by_level)
            by_level.update({lv: m[r] for lv, m in c["aggregation"].items()})
            changes["aggregation_by_level"] = by_level
        overrides = dict(self.spec.weights_override)
        for j, node in enumerate(self._weight_cols):
            overrides[node] = float(self._weights[r, j])
        if overrides:
            changes["weights_override"] = overrides
        if self.design.space.nonpositive == "shift":
            changes["nonpositive"] = "shift"
        return self.spec.replace(**changes)


def _decode_weights(design, space, plan, w0):
    """(n_rows, n_perturbed) raw weights from the unit columns."""
    cols = [j for j, g in enumerate(design.groups) if g == "weights"]
    nodes = [design.columns[j][len("weights."):] for j in cols]
    pos = [plan.nodes.index(nd) for nd in nodes]
    u = design.unit[:, cols]
    nominal = w0[pos]
    if space.weights == "uniform":
        return nodes, pos, nominal * (1.0 + space.weights_noise * (2.0 * u - 1.0))
    from scipy.stats import gamma

    out = np.tile(nominal, (len(u), 1))
    parents = plan.parent_pos[pos]
    for p in np.unique(parents):
        sib = np.flatnonzero((parents == p) & (nominal > 0))
        if sib.size < 2:
            continue
        total = nominal[sib].sum()
        alpha = space.weights_concentration * nominal[sib] / total
        g = gamma.ppf(np.clip(u[:, sib], 1e-12, 1 - 1e-12), alpha)
        out[:, sib] = g / g.sum(axis=1, keepdims=True) * total
    return nodes, pos, out


def _slice(positions):
    """A slice when positions are a contiguous ascending run (a view instead of a copy), else the array."""
    if len(positions) and np.array_equal(positions, np.arange(positions[0], positions[0] + len(positions))):
        return slice(int(positions[0]), int(positions[0]) + len(positions))
    return positions


def _aggregate_steps(scores, weights, plan, steps, level_methods, method_names, *, p, policy, coverage_min=0.0):
    """Aggregate ``steps`` (indices into ``plan.steps``) of a (replicate, country, node) block in place.

    ``level_methods`` holds each replicate's method index per step of ``plan.steps``.
    Returns the (shifted, skipped) flags per replicate.
    """
    from ..aggregate import NEEDS_POSITIVE, aggregate_level

    r = scores.shape[0]
    shifted = np.zeros(r, dtype=bool)
    skipped = np.zeros(r, dtype=bool)
    for li in steps:
        level, parents, children, onehot = plan.steps[li]
        xs = scores[..., _slice(children)]
        wmat = weights[:, children][:, :, None] * onehot
        names = [plan.nodes[c] for c in children]
        col = level_methods[:, li]
        methods = np.unique(col)
        out = np.full(xs.shape[:-1] + (len(parents),), np.nan)
        for mi in methods:
            name = method_names[mi]
            if len(methods) == 1:
                rows, sub, wsub = slice(None), xs, wmat
                idx = np.arange(r)
            else:
                idx = np.flatnonzero(col == mi)
                rows, sub, wsub = idx, xs[idx], wmat[idx]
            if name in NEEDS_POSITIVE or (name == "generalised_mean" and p <= 0):
                bad = np.any(sub <= 0, axis=(1, 2))
                if policy == "skip" and bad.any():
                    skipped[idx[bad]] = True
                    idx = idx[~bad]
                    rows, sub, wsub = idx, sub[~bad], wsub[~bad]
                else:
                    shifted[idx[bad]] = True
            if len(idx):
                out[rows] = aggregate_level(sub, wsub, method=name, p=p, nonpositive="shift",
                                            children=names, level=level, coverage_min=coverage_min)
        scores[..., _slice(parents)] = out
    return shifted, skipped


def _auto_chunk(n_countries, n_nodes):
    return max(64, int(48e6 // (8 * max(1, n_countries) * max(1, n_nodes))))


def evaluate(dataset, spec=None, design: Design | None = None, *, nodes: str = "all", chunk: int | None = None,
             workers: int = 1, progress=None) -> Evaluation:
    """Compute the ranks of every replicate of ``design``, vectorised over replicates.

    Parameters
    ----------
    dataset : Dataset
    spec : Spec, optional
        The nominal choices; default as in :func:`readiness.build`.
    design : Design
        From :func:`draw` or :func:`grid`.
    nodes : {"all", "index"}, default="all"
        Keep the ranks of every aggregate node (every level) or of the index only.
    chunk : int, optional
        Replicates per block (default: about 48 MB of scores per block).
    workers : int, default=1
        Threads working on blocks in parallel.
    progress : callable, optional
        Called as ``progress(done, total)`` after each block.

    Returns
    -------
    Evaluation

    Raises
    ------
    SpecError
        A design drawn for another framework, a bad chunk or worker count.
    MethodError
        A variant that scores another set of countries than the nominal build, or a
        method these data cannot take.

    Notes
    -----
    The ranks of any replicate equal, bit for bit, those of
    ``build(dataset, evaluation.spec_for(r))`` (tested): the upstream stages come from
    ``build()`` itself, normalisation and aggregation use the same kernels.
    """
    from ..aggregate import TreePlan
    from ..normalise import normalise
    from ..pipeline import build
    from ..rank import rank_descending
    from ..weight import node_weights

    if design is None or not isinstance(design, Design):
        raise SpecError("evaluate needs a Design from draw() or grid()")
    spec = nominal_spec(dataset, spec)
    if nodes not in ("all", "index"):
        raise SpecError(f"nodes must be 'all' or 'index'; got {nodes!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError(f"workers must be a whole number >= 1; got {workers!r}")
    space = design.space
    plan = TreePlan(dataset)
    if design.framework is not None and tuple(plan.nodes) != tuple(design.framework):
        raise SpecError("this design was drawn for another framework (its nodes differ from the dataset's); "
                        "draw it again with dataset=")
    nominal = build(dataset, spec)
    countries = nominal.scores.index
    agg_pos = [i for i, lv in enumerate(plan.levels) if lv > 1]
    index_pos = plan.nodes.index(dataset.index_code)
    keep = [i for i in agg_pos if i != index_pos] + [index_pos] if nodes == "all" else [index_pos]
    R = design.n_rows

    # discrete choices, per replicate
    choices = {}

    def pick(column):
        return np.asarray(design.alternatives[column], dtype=object)[design.choice(column)]

    imp_alts = space.imputation or (spec.imputation,)
    treat_alts = space.treatment or ("none" if spec.outliers == "none" else spec.winsor_max,)
    norm_alts = space.normalisation or (spec.normalisation,)
    imp_i = design.choice("imputation") if space.imputation else np.zeros(R, dtype=np.int64)
    treat_i = design.choice("treatment") if space.treatment else np.zeros(R, dtype=np.int64)
    norm_i = design.choice("normalisation") if space.normalisation else np.zeros(R, dtype=np.int64)
    if space.imputation:
        choices["imputation"] = pick("imputation")
    if space.treatment:
        choices["treatment"] = pick("treatment")
    if space.normalisation:
        choices["normalisation"] = pick("normalisation")

    # upstream: one build per (imputation, treatment) used, one normalisation per method used
    variant = (imp_i * len(treat_alts) + treat_i) * len(norm_alts) + norm_i
    used, variant_idx = np.unique(variant, return_inverse=True)
    stack = np.empty((len(used), len(countries), plan.n_indicators))
    treated_cache = {}
    params = normalise_params(spec)
    seen_warnings = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k, v in enumerate(used):
            rest, ni = divmod(int(v), len(norm_alts))
            ii, ti = divmod(rest, len(treat_alts))
            if (ii, ti) not in treated_cache:
                up = spec.replace(imputation=imp_alts[ii], aggregation="arithmetic", aggregation_by_level={},
                                  **_treatment_spec(spec, treat_alts[ti]))
                res = build(dataset, up)
                if not res.scores.index.equals(countries):
                    lost = sorted(set(countries) - set(res.scores.index))
                    gained = sorted(set(res.scores.index) - set(countries))
                    raise MethodError(
                        f"imputation {imp_alts[ii]!r} scores other countries than the nominal build "
                        f"({len(res.scores)} instead of {len(countries)}; not scored: {', '.join(lost) or '-'}; "
                        f"newly scored: {', '.join(gained) or '-'}); ranks are only comparable over one set of "
                        "countries: set screen_on = 'observed' or remove this alternative"
                    )
                treated_cache[(ii, ti)] = res.stages["treated"].to_numpy()
            stack[k] = normalise(treated_cache[(ii, ti)], dataset.indicators, method=norm_alts[ni],
                                 by_indicator=dict(spec.normalisation_by_indicator), params=params)
    for w in caught:
        seen_warnings.setdefault(str(w.message), w)
    for w in seen_warnings.values():
        warnings.warn(w.message, w.category, stacklevel=2)

    # weights: nominal, perturbed, dropped
    w0 = node_weights(dataset, spec).reindex(plan.nodes).to_numpy(dtype=float)
    weights = np.tile(w0, (R, 1))
    weight_nodes, weight_values = (), None
    if space.weights is not None:
        nodes_w, pos, values = _decode_weights(design, space, plan, w0)
        weights[:, pos] = values
        weight_nodes, weight_values = tuple(nodes_w), values
    if space.drop is not None:
        dropped = pick("drop")
        choices["drop"] = dropped
        d_i = design.choice("drop")
        alts = design.alternatives["drop"]
        rows = np.flatnonzero(d_i > 0)
        weights[rows, [plan.nodes.index(alts[j]) for j in d_i[rows]]] = 0.0
        # the record of weights used includes the dropped node's zero
        wcols = list(weight_nodes)
        for node in alts[1:]:
            if node not in wcols:
                wcols.append(node)
        weight_nodes = tuple(wcols)
        weight_values = weights[:, [plan.nodes.index(nd) for nd in wcols]]

    # aggregation method per level and replicate
    levels = [lv for lv, *_ in plan.steps]
    nominal_methods = [spec.aggregation_by_level.get(lv, spec.aggregation) for lv in levels]
    method_names = list(dict.fromkeys(nominal_methods + list(space.aggregation or ())))
    level_methods = np.tile([method_names.index(m) for m in nominal_methods], (R, 1))
    if space.aggregation is not None:
        agg_levels = _agg_levels(space, levels)
        by_level = {}
        for lv in agg_levels:
            column = f"aggregation.{lv}" if space.aggregation_per_level else "aggregation"
            idx = design.choice(column)
            names = np.array([method_names.index(m) for m in design.alternatives[column]])
            level_methods[:, levels.index(lv)] = names[idx]
            by_level[lv] = np.asarray(design.alternatives[column], dtype=object)[idx]
        choices["aggregation"] = by_level

    # the vectorised pass, block by block
    if chunk is None:
        chunk = _auto_chunk(len(countries), len(plan.nodes))
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise SpecError(f"chunk must be a whole number >= 1; got {chunk!r}")
    ranks = np.empty((R, len(countries), len(keep)), dtype=np.float32)
    shifted = np.zeros(R, dtype=bool)
    skipped = np.zeros(R, dtype=bool)
    n_nodes = len(plan.nodes)
    p = spec.generalised_mean_p

    # The first level aggregates indicators only; when their weights do not vary, its
    # result depends only on (upstream variant, method): compute it once per pair.
    first = [0] if plan.steps else []
    pre = None
    if first:
        children0 = plan.steps[0][2]
        if np.all(children0 < plan.n_indicators) and np.all(weights[:, children0] == weights[:1, children0]):
            key = variant_idx * len(method_names) + level_methods[:, 0]
            ukeys, key_idx = np.unique(key, return_inverse=True)
            block = np.full((len(ukeys), len(countries), n_nodes), np.nan)
            block[..., : plan.n_indicators] = stack[ukeys // len(method_names)]
            lm = np.zeros((len(ukeys), len(plan.steps)), dtype=np.int64)
            lm[:, 0] = ukeys % len(method_names)
            pre_sh, pre_sk = _aggregate_steps(block, np.tile(weights[0], (len(ukeys), 1)), plan, [0], lm,
                                              method_names, p=p, policy=space.nonpositive,
                                              coverage_min=spec.aggregate_coverage_min)
            pre = (block[..., plan.steps[0][1]], key_idx, pre_sh, pre_sk)
    rest = list(range(1 if pre is not None else 0, len(plan.steps)))
    later_children = np.concatenate([plan.steps[li][2] for li in rest]) if rest else np.array([], dtype=int)
    needed_ind = np.unique(later_children[later_children < plan.n_indicators])

    def run(start):
        sl = slice(start, min(start + chunk, R))
        scores = np.full((sl.stop - sl.start, len(countries), n_nodes), np.nan)
        if pre is None:
            scores[..., : plan.n_indicators] = stack[variant_idx[sl]]
            sh = sk = False
        else:
            values, key_idx, pre_sh, pre_sk = pre
            scores[..., plan.steps[0][1]] = values[key_idx[sl]]
            if needed_ind.size:
                scores[..., needed_ind] = stack[variant_idx[sl]][..., needed_ind]
            sh, sk = pre_sh[key_idx[sl]], pre_sk[key_idx[sl]]
        sh2, sk2 = _aggregate_steps(scores, weights[sl], plan, rest, level_methods[sl], method_names, p=p,
                                    policy=space.nonpositive, coverage_min=spec.aggregate_coverage_min)
        if pre is not None:
            # a replicate skipped at the first level has NaN children above: it stays skipped
            sh2, sk2 = sh2 | sh, sk2 | sk
        ranks[sl] = rank_descending(scores[..., keep])
        shifted[sl], skipped[sl] = sh2, sk2
        return sl.stop - sl.start

    starts = range(0, R, chunk)
    done = 0
    if workers == 1 or len(starts) == 1:
        for s in starts:
            done += run(s)
            if progress is not None:
                progress(done, R)
    else:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for fut in as_completed([pool.submit(run, s) for s in starts]):
                done += fut.result()
                if progress is not None:
                    progress(done, R)
    ranks[skipped] = np.nan

    # what each replicate used
    table = {}
    for name in ("imputation", "treatment", "normalisation"):
        if name in choices:
            table[name] = pd.Categorical(choices[name].astype(str) if name == "treatment" else choices[name])
    if "aggregation" in choices:
        for lv, m in choices["aggregation"].items():
            table["aggregation" if not space.aggregation_per_level else f"aggregation.{lv}"] = pd.Categorical(m)
    if "drop" in choices:
        table["drop"] = pd.Categorical(choices["drop"])
    for j, node in enumerate(weight_nodes):
        table[f"weights.{node}"] = weight_values[:, j]
    table["valid"] = ~skipped
    table["shifted"] = shifted
    params_df = pd.DataFrame(table, index=pd.RangeIndex(R, name="replicate"))

    nom_ranks = nominal.ranks[[plan.nodes[i] for i in keep]].to_numpy(dtype=float)
    return Evaluation(
        design=design, spec=spec, nominal=nominal, countries=countries, nodes=tuple(plan.nodes[i] for i in keep),
        levels=tuple(int(plan.levels[i]) for i in keep), ranks=ranks, nominal_ranks=nom_ranks, valid=~skipped,
        shifted=shifted, params=params_df, _choices=choices, _weights=weight_values, _weight_cols=weight_nodes,
    )


# -- summary ------------------------------------------------------------------------------


def _histogram(ranks, valid, n_countries, rows=4096):
    """Counts of each rank value 0..n_countries per (country, node) column, over the valid replicates."""
    r = ranks.shape[0]
    m = int(np.prod(ranks.shape[1:]))
    bins = n_countries + 1
    offsets = np.arange(m) * bins
    counts = np.zeros(m * bins, dtype=np.int64)
    for start in range(0, r, rows):
        block = ranks[start:start + rows][valid[start:start + rows]].reshape(-1, m)
        present = ~np.isnan(block)
        vals = np.where(present, block, 0).astype(np.int64) + offsets
        counts += np.bincount(vals[present], minlength=m * bins)
    return counts.reshape(m, bins)


def _quantiles(counts, qs):
    """Type-7 (linear) quantiles from rank histograms; equal to ``np.nanquantile(ranks, q, axis=0)``.

    The j-th order statistic (0-based) is the first value whose cumulative count exceeds j.
    """
    cum = np.cumsum(counts, axis=1)
    nvalid = cum[:, -1]
    out = np.full((len(qs), len(counts)), np.nan)
    for k, q in enumerate(qs):
        h = np.maximum(nvalid - 1, 0) * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(nvalid - 1, 0))
        x_lo = (cum <= lo[:, None]).sum(axis=1)
        x_hi = (cum <= hi[:, None]).sum(axis=1)
        out[k] = np.where(nvalid > 0, x_lo + (h - lo) * (x_hi - x_lo), np.nan)
    return out


def _band_limits(n_countries):
    out = {}
    for name, (side, size) in BANDS.items():
        limit = size if size >= 1 else size * n_countries
        out[name] = (side, limit)
    return out


def _stats(ranks, valid, nominal, n_countries):
    """Per (country, node) statistics of ranks (replicates first), from rank histograms."""
    shape = ranks.shape[1:]
    counts = _histogram(ranks, valid, n_countries)
    nvalid = counts.sum(axis=1)
    q05, median, q95 = _quantiles(counts, (0.05, 0.5, 0.95))
    values = np.arange(n_countries + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = np.where(nvalid > 0, nvalid, np.nan)
        mean = (counts @ values) / denom
        out = {"nominal_rank": nominal, "mean_rank": mean.reshape(shape), "median_rank": median.reshape(shape),
               "q05": q05.reshape(shape), "q95": q95.reshape(shape), "interval_width": (q95 - q05).reshape(shape)}
        for name, (side, limit) in _band_limits(n_countries).items():
            hit = (values <= limit) if side == "top" else (values > n_countries - limit)
            hit = hit & (values > 0)
            out[f"p_{name}"] = ((counts @ hit) / denom).reshape(shape)
    return out


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Rank intervals per country, and what each replicate used.

    Attributes
    ----------
    countries : DataFrame
        Indexed by ``country``: ``name``, ``nominal_rank``, ``mean_rank``,
        ``median_rank``, ``q05``, ``q95`` (5th and 95th percentile rank),
        ``interval_width`` (q95 - q05) and ``p_<band>``: the probability of each rank
        band (:data:`BANDS`: top 10, top quartile, top half, bottom quartile), of the index.
    nodes : DataFrame
        The same statistics for every aggregate node, long: ``node``, ``level``,
        ``country`` and the columns above (without ``name``).
    replicates : DataFrame
        One row per replicate: what it used (see :class:`Evaluation`), ``valid``,
        ``shifted`` and ``rank_shift`` (mean |rank - nominal| over countries).
    ranks : DataFrame
        Replicate x country ranks of the index.
    space, spec, method, n, seed, fingerprint, index_code
        The analysis that produced it.
    nominal : Result or None
        The nominal build (None when read back from the cache).
    n_replicates, n_skipped, n_shifted : int

    Notes
    -----
    Quantiles are linear (type 7, R's and numpy's default), over the valid replicates.
    A rank band "top quartile" holds ranks <= n/4 (n countries); "bottom quartile"
    ranks > 3n/4. In a Sobol design every row (A, B and the cross-sampled rows) is a
    draw from the input distribution, and all are used, as COINr does.
    """

    countries: pd.DataFrame
    nodes: pd.DataFrame
    replicates: pd.DataFrame
    ranks: pd.DataFrame
    space: Space
    spec: object
    method: str
    n: int
    seed: int | None
    fingerprint: str
    index_code: str
    n_replicates: int
    n_skipped: int
    n_shifted: int
    nominal: object = dataclasses.field(default=None, repr=False)

    @classmethod
    def from_evaluation(cls, ev: Evaluation) -> UncertaintyResult:
        """Summarise an :class:`Evaluation`."""
        nc = len(ev.countries)
        stats = _stats(ev.ranks, ev.valid, ev.nominal_ranks, nc)
        names = ev.nominal.dataset.countries["name"].reindex(ev.countries)
        k = len(ev.nodes) - 1
        countries = pd.DataFrame({"name": names.to_numpy()} | {c: v[:, k] for c, v in stats.items()},
                                 index=ev.countries.copy())
        countries.index.name = "country"
        long = []
        for j, (node, level) in enumerate(zip(ev.nodes, ev.levels)):
            df = pd.DataFrame({c: v[:, j] for c, v in stats.items()})
            df.insert(0, "country", ev.countries.to_numpy())
            df.insert(0, "level", level)
            df.insert(0, "node", node)
            long.append(df)
        nodes = pd.concat(long, ignore_index=True)
        reps = ev.params.copy()
        reps["rank_shift"] = ev.rank_shift()
        idx_ranks = pd.DataFrame(ev.index_ranks, index=ev.params.index, columns=ev.countries.copy())
        d = ev.design
        return cls(countries=countries, nodes=nodes, replicates=reps, ranks=idx_ranks, space=d.space,
                   spec=ev.spec, method=d.method, n=d.n, seed=d.seed, fingerprint=ev.nominal.fingerprint(),
                   index_code=ev.nominal.index_code, n_replicates=d.n_rows, n_skipped=int((~ev.valid).sum()),
                   n_shifted=int(ev.shifted.sum()), nominal=ev.nominal)

    def widest(self, k: int = 15) -> pd.DataFrame:
        """The ``k`` countries with the widest 5-95% rank interval (ties by nominal rank)."""
        return self.countries.sort_values(["interval_width", "nominal_rank"], ascending=[False, True],
                                          kind="stable").head(k)

    def summary(self) -> dict:
        """Counts and the distribution of the mean absolute rank shift."""
        s = self.replicates["rank_shift"].dropna()
        return _json_ready({
            "replicates": self.n_replicates, "skipped": self.n_skipped, "shifted": self.n_shifted,
            "rank_shift_mean": s.mean() if len(s) else None,
            "rank_shift_q05": s.quantile(0.05) if len(s) else None,
            "rank_shift_q95": s.quantile(0.95) if len(s) else None,
        })

    def to_dict(self) -> dict:
        """JSON-ready: the analysis, the Spec, ``countries`` and ``nodes`` as lists of records."""
        return {
            "analysis": "uncertainty", "method": self.method, "n": self.n, "seed": self.seed,
            "fingerprint": self.fingerprint, "index": self.index_code, "space": self.space.to_dict(),
            "inputs": list(self.space.varied), "spec": _json_ready(self.spec.to_dict()),
            "summary": self.summary(), "countries": _records(self.countries), "nodes": _records(self.nodes),
        }

    def to_frames(self) -> dict:
        """Sheet name -> DataFrame, for a workbook."""
        return {"Countries": self.countries.reset_index(), "Nodes": self.nodes,
                "Replicates": self.replicates.reset_index(),
                "Space": pd.DataFrame(list(self.space.to_dict().items()), columns=["field", "value"]).astype(str)}

    def __repr__(self) -> str:
        return (f"UncertaintyResult({len(self.countries)} countries, {self.n_replicates} replicates "
                f"({self.n_skipped} skipped, {self.n_shifted} shifted), inputs {', '.join(self.space.varied) or 'none'})")


def uncertainty(dataset, spec=None, space: Space | None = None, *, n: int = 1000, seed=None, method: str = "ua",
                chunk: int | None = None, workers: int = 1, progress=None) -> UncertaintyResult:
    """Draw, evaluate and summarise: the rank interval of every country.

    Parameters
    ----------
    dataset : Dataset
    spec : Spec, optional
        The nominal choices; default as in :func:`readiness.build`.
    space : Space, optional
        Default: ``Space.from_names(DEFAULT_VARY)`` (treatment, normalisation, weights,
        aggregation, each with its default alternatives).
    n : int, default=1000
    seed : int, numpy.random.Generator or None
        None: the nominal Spec's ``seed`` (0 unless set), so a run is always reproducible.
    method : {"ua", "sobol"}, default="ua"
    chunk, workers, progress
        As in :func:`evaluate`.

    Returns
    -------
    UncertaintyResult

    See Also
    --------
    readiness.sensitivity.sensitivity : the same replicates with Sobol indices.
    """
    space = Space.from_names(DEFAULT_VARY) if space is None else space
    design = draw(space, n, seed=default_seed(dataset, spec, seed), method=method, dataset=dataset)
    ev = evaluate(dataset, spec, design, chunk=chunk, workers=workers, progress=progress)
    return UncertaintyResult.from_evaluation(ev)


# -- the cache used by `readiness score` ---------------------------------------------------


def cache_dir() -> Path:
    """``$READINESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/readiness``, else ``~/.cache/readiness``."""
    env = os.environ.get("READINESS_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "readiness"


def _cache_file(fingerprint, space, n, seed, method):
    key = hashlib.sha256(json.dumps([space.to_dict(), n, seed, method], sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / "uncertainty" / fingerprint / f"{key}.npz"


def save_cache(result, ua: UncertaintyResult) -> Path | None:
    """Keep ``ua`` for later runs on the same data and settings; return the file (None if it failed).

    Keyed by ``result.fingerprint()`` (data and Spec) plus the space, n, seed and
    method. A cache that cannot be written only warns.
    """
    if result.fingerprint() != ua.fingerprint:
        raise SpecError("this uncertainty result was computed for other data or settings than the build given")
    path = _cache_file(ua.fingerprint, ua.space, ua.n, ua.seed, ua.method)
    meta = {"space": ua.space.to_dict(), "method": ua.method, "n": ua.n, "seed": ua.seed,
            "fingerprint": ua.fingerprint, "index_code": ua.index_code, "n_replicates": ua.n_replicates,
            "n_skipped": ua.n_skipped, "n_shifted": ua.n_shifted, "spec": ua.spec.to_dict(),
            "countries": ua.countries.reset_index().to_json(orient="split"),
            "nodes": ua.nodes.to_json(orient="split"),
            "replicates": ua.replicates.reset_index().astype(
                {c: str for c in ua.replicates.columns if isinstance(ua.replicates[c].dtype, pd.CategoricalDtype)}
            ).to_json(orient="split")}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, meta=np.array(json.dumps(meta)), ranks=ua.ranks.to_numpy(dtype=np.float32),
                                countries=np.array(list(ua.ranks.columns), dtype=str))
        os.replace(tmp, path)
    except OSError as exc:
        warnings.warn(f"could not cache the uncertainty result in {path.parent}: {exc}", ReadinessWarning,
                      stacklevel=2)
        return None
    return path


def _read_cache(path):
    from ..spec import Spec

    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        ranks = z["ranks"]
        cols = list(z["countries"])
    countries = pd.read_json(io.StringIO(meta["countries"]), orient="split").set_index("country")
    nodes = pd.read_json(io.StringIO(meta["nodes"]), orient="split")
    reps = pd.read_json(io.StringIO(meta["replicates"]), orient="split").set_index("replicate")
    return UncertaintyResult(
        countries=countries, nodes=nodes, replicates=reps,
        ranks=pd.DataFrame(ranks, index=pd.RangeIndex(len(ranks), name="replicate"),
                           columns=pd.Index(cols, name="country")),
        space=Space.from_mapping(meta["space"]), spec=Spec.from_mapping(meta["spec"]), method=meta["method"],
        n=meta["n"], seed=meta["seed"], fingerprint=meta["fingerprint"], index_code=meta["index_code"],
        n_replicates=meta["n_replicates"], n_skipped=meta["n_skipped"], n_shifted=meta["n_shifted"],
    )


def load_cached(result, *, space: Space | None = None, n: int | None = None, seed=None,
                method: str | None = None) -> UncertaintyResult | None:
    """The cached uncertainty result for the same data and settings as ``result``, or None.

    With ``space``, ``n``, ``seed`` and ``method`` all given, exactly that analysis;
    otherwise the most recent one for ``result.fingerprint()`` that matches those given.
    """
    folder = cache_dir() / "uncertainty" / result.fingerprint()
    if space is not None and n is not None and method is not None:
        path = _cache_file(result.fingerprint(), space, n, seed, method)
        candidates = [path] if path.exists() else []
    else:
        candidates = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True) \
            if folder.is_dir() else []
    for path in candidates:
        try:
            ua = _read_cache(path)
        except (OSError, ValueError, KeyError, SpecError):
            continue
        if space is not None and ua.space != space:
            continue
        if n is not None and ua.n != n:
            continue
        if method is not None and ua.method != method:
            continue
        if seed is not None and ua.seed != seed:
            continue
        return ua
    return None


def rank_interval(ua: UncertaintyResult, country: str) -> tuple[float, float]:
    """The (5th, 95th) percentile rank of ``country`` in the index.

    Raises
    ------
    SpecError
        A country that is not scored.
    """
    if country not in ua.countries.index:
        raise SpecError(f"{country!r} is not a scored country{did_you_mean(country, ua.countries.index)}")
    row = ua.countries.loc[country]
    return float(row["q05"]), float(row["q95"])
