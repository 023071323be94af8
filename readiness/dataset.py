"""The Dataset: indicator values, the framework tree, countries and provenance.

A Dataset is what a workbook, a folder of CSV files or the embedded default holds
(the format is in ``docs/format.md``; the readers are in :mod:`readiness.io`). It is
immutable by convention: every method returns new objects.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Dataset"]


@dataclass(frozen=True)
class Dataset:
    """Indicator values and everything that describes them.

    Attributes
    ----------
    values : DataFrame
        Countries (index ``country``, ISO3) x indicators (columns, codes), floats.
    indicators : DataFrame
        One row per indicator, indexed by code, in column order of ``values``.
    structure : DataFrame
        One row per aggregate node (indexed by code): ``name``, ``parent``, ``weight``.
    countries : DataFrame
        One row per country (indexed by ISO3): ``name``, ``region``, ``income_group``,
        ``population``, ``gdp_per_capita`` and any further group or denominator columns.
    sources, provenance, trade : DataFrame
        Optional tables (may be empty).
    settings : dict
        The ``Settings`` sheet as ``{name: value}`` (empty if absent).
    label : str
        Where it came from (a path or "default").
    version : str
    """

    values: pd.DataFrame
    indicators: pd.DataFrame
    structure: pd.DataFrame
    countries: pd.DataFrame
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    provenance: pd.DataFrame = field(default_factory=pd.DataFrame)
    trade: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: dict = field(default_factory=dict)
    label: str = ""
    version: str = ""

    # -- the tree ---------------------------------------------------------------------
    @property
    def index_code(self) -> str:
        """The code of the top node (the one without parent)."""
        top = self.structure.index[self.structure["parent"] == ""]
        return top[0]

    @property
    def parents(self) -> dict:
        """{code: parent code} of every indicator and every aggregate but the index."""
        parents = dict(zip(self.indicators.index, self.indicators["parent"]))
        parents.update({c: p for c, p in zip(self.structure.index, self.structure["parent"]) if p})
        return parents

    @property
    def levels(self) -> dict:
        """{node code: level}: indicators are 1, a node is one above its highest child."""
        levels = {code: 1 for code in self.indicators.index}
        parents = self.parents
        changed = True
        for code in self.structure.index:
            levels.setdefault(code, 2)
        while changed:
            changed = False
            for child, parent in parents.items():
                if levels[parent] < levels[child] + 1:
                    levels[parent] = levels[child] + 1
                    changed = True
        return levels

    def children(self, node: str) -> list[str]:
        """The codes whose parent is ``node``, indicators and nodes, in table order."""
        kids = list(self.indicators.index[self.indicators["parent"] == node])
        kids += list(self.structure.index[self.structure["parent"] == node])
        return kids

    @property
    def dimensions(self) -> list[str]:
        """The index's direct children (the dimensions)."""
        return self.children(self.index_code)

    def node_name(self, code: str) -> str:
        if code in self.indicators.index:
            return self.indicators.at[code, "name"] or code
        if code in self.structure.index:
            return self.structure.at[code, "name"] or code
        return code

    def ancestor_at(self, indicator: str, level: int) -> str:
        """The node at ``level`` above ``indicator``."""
        levels = self.levels
        node = indicator
        parents = self.parents
        while levels[node] < level:
            node = parents[node]
        return node

    # -- identity ----------------------------------------------------------------------
    def fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the values, framework and countries.

        The values are hashed as their float64 bytes (little-endian, every NaN the same),
        with their row and column labels: one pass however large the table (formatting 5
        million numbers as text took 25 s). The small tables are hashed as CSV text.
        """
        import numpy as np

        h = hashlib.sha256(b"readiness-fingerprint 2\0")
        v = self.values
        h.update("\x1f".join(map(str, v.index)).encode() + b"\0" + "\x1f".join(map(str, v.columns)).encode() + b"\0")
        a = v.to_numpy(dtype="<f8", na_value=np.nan)
        h.update(np.where(np.isnan(a), np.nan, a).astype("<f8", copy=False).tobytes(order="C"))
        for df in (self.indicators, self.structure, self.countries):
            buf = io.StringIO()
            df.to_csv(buf, float_format="%.17g", lineterminator="\n")
            h.update(buf.getvalue().encode())
        return h.hexdigest()[:16]

    def with_values(self, values: pd.DataFrame) -> Dataset:
        """A copy with other values (same framework)."""
        from dataclasses import replace

        return replace(self, values=values)

    def __repr__(self) -> str:
        return (f"Dataset({self.label!r}: {self.values.shape[0]} countries x "
                f"{self.values.shape[1]} indicators, {len(self.structure)} aggregates)")
