"""One way out for results: JSON, CSV and the numbers shown in tables.

Every command, analysis and report that writes JSON or CSV goes through this module,
so the same value is written the same way everywhere.

JSON (:func:`json_ready`, :func:`dumps`)
    NaN and infinities become ``null`` (never ``NaN`` or ``Infinity``, which are not
    JSON); numpy scalars and arrays become Python numbers and lists; a DataFrame becomes
    a list of records; whole-number ranks (a key ``rank``, ``*_rank`` or ``rank_*``)
    become integers; every other float is written in full precision (the shortest text
    that reads back to the same float64).
CSV (:func:`to_csv`)
    Full-precision floats (the shortest text that reads back bit for bit), an empty
    field for a missing value, ``\\n`` line ends, and every text field (headers included)
    that a spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage
    return) prefixed with an apostrophe. Fields are quoted when needed (all text fields
    when one holds a carriage return, which Python's csv module would not quote).
Display (:func:`display`)
    The one rounding rule for tables on screen, :data:`DECIMALS`: the composite (index)
    score with 2 decimals (close scores in a league table stay distinct), every other
    score and median on the 0-100 scale with 1, ranks as integers, mean and median ranks
    with 1, probabilities and shares with 2, percentages with 0, Sobol indices with 3. A missing value is
    shown as an en dash; a value that rounds to zero never shows a minus sign ("-0.0").
    JSON and CSV are never rounded.

Examples
--------
>>> import numpy as np
>>> json_ready({"rank": np.float64(3.0), "score": float("nan"), "q": np.float32(0.5), "x": float("inf")})
{'rank': 3, 'score': None, 'q': 0.5, 'x': None}
>>> display(-0.04), display(33.349, "composite"), display(None), display(140.0, "rank")
('0.0', '33.35', '–', '140')
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
from pathlib import PurePath

import numpy as np
import pandas as pd

from .io.writer import neutralise

__all__ = ["COMMON_KEYS", "DECIMALS", "MISSING", "json_ready", "dumps", "to_csv", "display", "common_keys"]

#: Keys every JSON payload carries (see :func:`common_keys`).
COMMON_KEYS = ("settings", "data_fingerprint", "dataset", "version")

#: Decimals shown in tables, by kind of number (the one display rule).
DECIMALS = {"composite": 2, "score": 1, "median": 1, "rank": 0, "rank_stat": 1, "probability": 2,
            "share": 2, "percent": 0, "change": 2, "sobol": 3}

#: How a missing value is shown in a table.
MISSING = "–"


def _is_rank_key(key) -> bool:
    key = str(key)
    return key == "rank" or key.endswith("_rank") or key.startswith("rank_")


def _number(value: float, *, rank: bool = False):
    if math.isnan(value) or math.isinf(value):
        return None
    if rank and value.is_integer():
        return int(value)
    return value


def _records(frame: pd.DataFrame) -> list:
    if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    return frame.to_dict("records")


def json_ready(obj, *, _rank: bool = False):
    """``obj`` as plain JSON types: dicts, lists, str, int, float, bool and None.

    Parameters
    ----------
    obj : object
        Nested dicts, lists and tuples of numbers, strings, numpy scalars and arrays,
        pandas Series (-> dict), DataFrames (-> list of records, the index kept as a
        column when it is named or not a plain range), dates (-> ISO text) and paths.

    Returns
    -------
    object
        NaN and infinities as None; whole-number floats under a rank key as int.

    Raises
    ------
    TypeError
        An object with no JSON form (a bug in the caller, not a user error).
    """
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, dict):
        return {str(k): json_ready(v, _rank=_is_rank_key(k)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else obj
        return [json_ready(v, _rank=_rank) for v in items]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _number(float(obj), rank=_rank)
    if isinstance(obj, pd.DataFrame):
        return json_ready(_records(obj))
    if isinstance(obj, pd.Series):
        return json_ready(obj.to_dict())
    if isinstance(obj, np.ndarray):
        return json_ready(obj.tolist(), _rank=_rank)
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (_dt.date, _dt.datetime, pd.Timestamp)):
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return str(obj)
    if hasattr(obj, "item") and callable(obj.item):  # other numpy scalars
        return json_ready(obj.item(), _rank=_rank)
    raise TypeError(f"no JSON form for {type(obj).__name__}")


def dumps(obj, *, indent: int | None = 2) -> str:
    """JSON text of ``obj`` (via :func:`json_ready`); never ``NaN`` or ``Infinity``.

    >>> dumps({"rank": 2.0, "name": "Côte d'Ivoire"}, indent=None)
    '{"rank": 2, "name": "Côte d\\'Ivoire"}'
    """
    return json.dumps(json_ready(obj), indent=indent, ensure_ascii=False, allow_nan=False)


def _csv_cell(value):
    if isinstance(value, str):
        return neutralise(value)
    return value


def to_csv(frame: pd.DataFrame, *, index: bool = False) -> str:
    """CSV text of ``frame``: full precision, formula injection neutralised.

    Parameters
    ----------
    frame : DataFrame
        Not modified.
    index : bool, default=False
        Write the index as the first column(s).

    Examples
    --------
    >>> print(to_csv(pd.DataFrame({"name": ["=1+1", "Kenya"], "score": [0.1 + 0.2, float("nan")]})), end="")
    name,score
    '=1+1,0.30000000000000004
    Kenya,
    """
    out = frame.copy()
    if index:
        out = out.reset_index()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, (pd.StringDtype, pd.CategoricalDtype)):
            out[col] = out[col].astype(object).map(_csv_cell)
    out.columns = [neutralise(str(c)) for c in out.columns]
    # Python's csv module does not quote a lone carriage return when lines end in \n, which
    # would split the row for a reader: such a table has every text field quoted instead
    texts = [c for c in out.columns] + [v for col in out.columns if out[col].dtype == object
                                        for v in out[col] if isinstance(v, str)]
    quoting = csv.QUOTE_NONNUMERIC if any("\r" in t for t in texts) else csv.QUOTE_MINIMAL
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n", quoting=quoting)
    return buf.getvalue()


def display(value, kind: str = "score") -> str:
    """``value`` rounded for a table by the rule in :data:`DECIMALS` (en dash if missing)."""
    if value is None or value is pd.NA:
        return MISSING
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return MISSING
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    text = f"{number:.{DECIMALS[kind]}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def common_keys(dataset, spec, *, result=None) -> dict:
    """The keys every JSON payload carries: ``settings``, ``data_fingerprint``, ``dataset``, ``version``.

    With ``result`` (a build of ``dataset`` with ``spec``), its fingerprint, computed once per result.
    """
    from .pipeline import fingerprint

    data_fingerprint = result.fingerprint() if result is not None else fingerprint(dataset, spec)
    return {"settings": spec.to_dict(), "data_fingerprint": data_fingerprint,
            "dataset": dataset.label, "version": dataset.version or None}
