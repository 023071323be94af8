"""Denomination and transforms: make sizes comparable before anything else.

OECD/JRC Handbook (2008), section 1.4 (scaling by size); matches COINr's
``Denominate()``: an indicator with a ``denominator`` is divided by that column of
the Countries table (then multiplied by its ``scale``, e.g. 1e6 for "per million").
Then each indicator's ``transform`` is applied: ``log`` (natural log, needs x > 0)
or ``log1p`` (log(1 + x), for counts with true zeros).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import InputError, MethodError

__all__ = ["denominate", "transform"]


def denominate(values: pd.DataFrame, indicators: pd.DataFrame, countries: pd.DataFrame) -> pd.DataFrame:
    """Divide each indicator that names a denominator by it, times its ``scale``.

    Examples
    --------
    >>> v = pd.DataFrame({"gpu": [10.0, 4.0]}, index=["AAA", "BBB"])
    >>> meta = pd.DataFrame({"denominator": ["population"], "scale": [1e6]}, index=["gpu"])
    >>> c = pd.DataFrame({"population": [5e6, 2e6]}, index=["AAA", "BBB"])
    >>> denominate(v, meta, c)["gpu"].tolist()
    [2.0, 2.0]
    """
    dens = indicators["denominator"].reindex(values.columns).fillna("")
    cols = np.flatnonzero(dens.to_numpy() != "")
    if not len(cols):
        return values.copy()
    x = values.to_numpy(dtype=float, copy=True)
    table = countries.reindex(values.index)
    for name in dict.fromkeys(dens.iloc[cols]):
        if name not in table.columns:
            users = list(dens.index[dens == name])
            raise InputError(f"indicator {users[0]!r} has the denominator {name!r}, which is not a column of the "
                             f"Countries table (its columns: {', '.join(map(str, countries.columns))})")
        d = pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)
        d = np.where(d == 0, np.nan, d)
        sel = cols[dens.iloc[cols].to_numpy() == name]
        scale = indicators["scale"].reindex(values.columns).to_numpy(dtype=float)[sel]
        x[:, sel] = x[:, sel] / d[:, None] * scale
    return pd.DataFrame(x, index=values.index, columns=values.columns)


def transform(values: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Apply each indicator's ``transform`` (``none``, ``log``, ``log1p``).

    Raises
    ------
    MethodError
        If ``log`` meets a value <= 0 or ``log1p`` a value <= -1.
    """
    kinds = indicators["transform"].reindex(values.columns).to_numpy(dtype=object)
    cols = np.flatnonzero((kinds != "none") & pd.notna(kinds))
    if not len(cols):
        return values.copy()
    x = values.to_numpy(dtype=float, copy=True)
    for kind in ("log", "log1p"):
        sel = cols[kinds[cols] == kind]
        if not len(sel):
            continue
        block = x[:, sel]
        floor = 0.0 if kind == "log" else -1.0
        with np.errstate(invalid="ignore"):
            bad = block <= floor
        if bad.any():
            j = int(np.flatnonzero(bad.any(axis=0))[0])
            i = int(np.flatnonzero(bad[:, j])[0])
            raise MethodError(
                f"indicator {values.columns[sel[j]]!r} has transform {kind!r} but {values.index[i]} has the value "
                f"{block[i, j]:g}; {kind} needs values > {floor:g} (use log1p for counts with zeros)"
            )
        x[:, sel] = np.log(block) if kind == "log" else np.log1p(block)
    return pd.DataFrame(x, index=values.index, columns=values.columns)
