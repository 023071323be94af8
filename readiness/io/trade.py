"""Chip-import concentration from bilateral trade: the trade-data slot of the chips dimension.

The chips dimension scores how exposed a country is to few foreign chip suppliers.
Open bilateral chip-trade data for every country is not available offline, so the
default dataset carries three measures for the 50 importers of the Atlas of Economic
Complexity extract (:func:`read_atlas_concentration`) and leaves the other countries
missing (to be imputed and flagged by the pipeline). A user with a bilateral extract
of their own (UN Comtrade or CEPII BACI, HS 8541/8542) gives it as the ``Trade`` sheet
or ``trade.csv`` (``importer, exporter, year, value``), and :func:`chip_concentration`
turns it into the same three measures:

``top_supplier_share``
    Share of the importer's chip imports from its largest single supplier, in
    percent (0-100). Pooled suppliers (``ROW``, "rest of world") are never the top
    supplier.
``hhi``
    Herfindahl-Hirschman index of supplier shares: the shares as fractions (0-1),
    squared and summed, times 10,000, so 0-10,000 points (the US merger-guidelines
    scale). A pooled supplier counts as one supplier, so with a pooled row the
    HHI is an upper bound.
``cluster_share``
    Share of imports from the Taiwan + mainland China + Hong Kong cluster (or any
    ``cluster`` given), in percent (0-100).

All three are "higher = more exposed" (direction -1 in the framework).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..countries import code_problem, resolve_units
from ..errors import Problem, ReadinessWarning, TradeError
from .cells import capped, col_letter, describe, numbers

__all__ = [
    "TradeError",
    "TRADE_COLUMNS",
    "CLUSTER",
    "POOLED",
    "MEASURES",
    "INDICATOR_CODES",
    "chip_concentration",
    "read_atlas_concentration",
]

TRADE_COLUMNS = ("importer", "exporter", "year", "value")
CLUSTER = ("TWN", "CHN", "HKG")
POOLED = ("ROW",)
MEASURES = ("top_supplier_share", "hhi", "cluster_share")
#: The framework's indicator code for each measure.
INDICATOR_CODES = {
    "top_supplier_share": "chip_top_supplier_share",
    "hhi": "chip_supplier_hhi",
    "cluster_share": "chip_cluster_share",
}

_ATLAS_COLUMNS = ("importer", "year", "top1_share", "hhi_row_as_one_supplier",
                  "twn_chn_hkg_share", "importer_is_aggregate")


def _years(year) -> list[int] | None:
    """``None`` or the list of years asked for."""
    if year is None:
        return None
    if isinstance(year, (int, np.integer)):
        return [int(year)]
    if isinstance(year, Iterable) and not isinstance(year, str):
        return [int(y) for y in year]
    raise TradeError(f"year must be None, a whole number or a list of whole numbers; got {year!r}")


def _numbers(frame: pd.DataFrame, column: str, where: str, problems: list) -> pd.Series:
    """Parse ``column`` as finite floats, adding one problem per cell that is not one (blank included)."""
    values, bad = numbers(frame[[column]])
    raw = frame[column]
    j = list(frame.columns).index(column)
    for pos in np.flatnonzero(bad[:, 0] | np.isnan(values[:, 0])):
        cell = raw.iloc[pos]
        found = "an empty cell" if not bad[pos, 0] else describe(cell)
        problems.append(Problem(where, f"{col_letter(j)}{pos + 2}", found, "a finite number"))
    return pd.Series(values[:, 0], index=frame.index)


def _resolve(codes: pd.Series, where, col, problems, *, strict):
    """ISO3 codes for ISO2 codes, ISO3 codes or names, once per distinct cell.

    An importer nobody knows is a problem. Exporters that are not countries (``ROW``,
    ``WLD``, areas "n.e.s.") are kept as given, upper-cased: they count in the totals
    and never in the cluster.
    """
    text = codes.astype("string").str.strip().fillna("")
    filled = np.flatnonzero(text.to_numpy() != "")
    out = np.full(len(text), "", dtype=object)
    resolved, bad = resolve_units(text.to_numpy()[filled])
    for k, (pos, code) in enumerate(zip(filled, resolved)):
        raw = str(text.iloc[pos])
        if code is None or not (code.isalpha() and len(code) == 3):
            if strict or code_problem(raw) is not None:  # look-alikes are never kept as given
                problems.append(Problem(where, f"{col_letter(col)}{pos + 2}", bad.get(k, repr(raw)),
                                        "an ISO3 or ISO2 code or a country name"))
            code = raw.upper()
        out[pos] = code.upper()
    return list(out)


def chip_concentration(trade: pd.DataFrame, *, year=None, cluster=CLUSTER,
                       pooled=POOLED, where: str = "Trade") -> pd.DataFrame:
    """Compute each importer's chip-supplier concentration from bilateral trade.

    Parameters
    ----------
    trade : DataFrame
        One row per flow with the columns ``importer`` and ``exporter`` (ISO3
        codes), ``year`` and ``value`` (imports, any currency; only shares are
        used). Other columns are ignored.
    year : int or list of int, optional
        The years to use; the flows of these years are summed per importer and
        exporter before shares are taken. ``None`` (default) uses every year.
    cluster : sequence of str, default=("TWN", "CHN", "HKG")
        The exporters whose combined share is ``cluster_share``.
    pooled : sequence of str, default=("ROW",)
        Exporter codes that pool many countries ("rest of world"). They count in
        the importer's total and as one supplier in the HHI, but are never the top
        supplier.
    where : str, default="Trade"
        The sheet or file named in error messages.

    Returns
    -------
    DataFrame
        Indexed by importer ISO3 (index name ``country``, sorted), with the columns
        ``top_supplier_share`` (percent), ``hhi`` (0-10,000 points) and
        ``cluster_share`` (percent). An importer whose flows sum to zero gets NaN.

    Raises
    ------
    TradeError
        A required column is missing, a value or year is not a number, a value is
        negative, or no flow is left for the years asked for. Every problem is
        reported at once, with its cell (the header is row 1).

    See Also
    --------
    read_atlas_concentration : the same measures from the Atlas 50-importer extract.

    Notes
    -----
    With :math:`v_{ij}` the imports of importer :math:`i` from exporter :math:`j`
    summed over the chosen years and :math:`s_{ij} = v_{ij} / \\sum_j v_{ij}`:
    top-supplier share :math:`= 100 \\max_{j \\notin P} s_{ij}`,
    HHI :math:`= 10^4 \\sum_j s_{ij}^2`, cluster share
    :math:`= 100 \\sum_{j \\in C} s_{ij}`. Flows from a country to itself
    (re-imports) are dropped. Codes are compared upper-case and stripped.

    Examples
    --------
    Kenya buys 60 from China, 30 from Malaysia and 10 from the US: HHI =
    (0.6² + 0.3² + 0.1²) x 10,000 = 4,600.

    >>> trade = pd.DataFrame({"importer": ["KEN", "KEN", "KEN", "UGA"],
    ...                       "exporter": ["CHN", "MYS", "USA", "CHN"],
    ...                       "year": [2023, 2023, 2023, 2023],
    ...                       "value": [60.0, 30.0, 10.0, 5.0]})
    >>> chip_concentration(trade).round(6)  # doctest: +NORMALIZE_WHITESPACE
             top_supplier_share      hhi  cluster_share
    country
    KEN                    60.0   4600.0           60.0
    UGA                   100.0  10000.0          100.0
    """
    if not isinstance(trade, pd.DataFrame):
        raise TradeError(f"{where}: found {type(trade).__name__}; expected a table (pandas DataFrame) of flows")
    columns = [str(c).strip().lower() for c in trade.columns]
    missing = [c for c in TRADE_COLUMNS if c not in columns]
    if missing:
        found = ", ".join(map(str, trade.columns)) or "none"
        raise TradeError([Problem(where, None, f"no column {c!r} (columns: {found})",
                                  "the columns importer, exporter, year, value") for c in missing])
    frame = trade.copy()
    frame.columns = columns
    problems: list = []
    value = _numbers(frame, "value", where, problems)
    years = _numbers(frame, "year", where, problems)
    j = columns.index("value")
    for pos in np.flatnonzero((value < 0).to_numpy()):
        problems.append(Problem(where, f"{col_letter(j)}{pos + 2}", f"{float(value.iloc[pos])!r}",
                                "a value >= 0"))
    for col in ("importer", "exporter"):
        k = columns.index(col)
        codes = frame[col].astype("string").str.strip()
        for pos in np.flatnonzero(codes.isna().to_numpy() | (codes == "").to_numpy()):
            problems.append(Problem(where, f"{col_letter(k)}{pos + 2}", "an empty cell", "an ISO3 code"))
    importers = _resolve(frame["importer"], where, columns.index("importer"), problems, strict=True)
    exporters = _resolve(frame["exporter"], where, columns.index("exporter"), problems, strict=False)
    if problems:
        raise TradeError(capped(_unique(problems)))
    flows = pd.DataFrame({
        "importer": importers,
        "exporter": exporters,
        "year": years.astype(int),
        "value": value.astype(float),
    })
    wanted = _years(year)
    if wanted is not None:
        flows = flows[flows["year"].isin(wanted)]
        if flows.empty:
            raise TradeError(Problem(where, None, f"no flows in the year(s) {wanted}",
                                     "at least one flow in the years asked for"))
    flows = flows[flows["importer"] != flows["exporter"]]
    # shares do not depend on the unit: dividing by each importer's largest flow keeps every
    # sum finite (two flows of 1e308 would otherwise sum to inf and give NaN shares)
    flows = flows.assign(value=flows["value"] / flows.groupby("importer")["value"].transform("max").where(
        lambda m: m > 0, 1.0))
    summed = flows.groupby(["importer", "exporter"], sort=True)["value"].sum()
    total = summed.groupby(level="importer").sum()
    share = summed / total.reindex(summed.index.get_level_values("importer")).to_numpy()
    exporter = share.index.get_level_values("exporter")
    pooled_set = {str(c).upper() for c in pooled}
    cluster_set = {str(c).upper() for c in cluster}
    named = share[~exporter.isin(pooled_set)]
    out = pd.DataFrame(index=pd.Index(total.index, name="country"))
    out["top_supplier_share"] = 100.0 * named.groupby(level="importer").max().reindex(out.index)
    out["hhi"] = 10000.0 * (share ** 2).groupby(level="importer").sum().reindex(out.index)
    in_cluster = share[exporter.isin(cluster_set)].groupby(level="importer").sum()
    out["cluster_share"] = 100.0 * in_cluster.reindex(out.index).fillna(0.0)
    out.loc[total.reindex(out.index).to_numpy() <= 0, list(MEASURES)] = np.nan
    out.columns.name = None
    return out


def read_atlas_concentration(path, *, period: str = "2021-2023avg") -> pd.DataFrame:
    """Read the Atlas 50-importer concentration table in :func:`chip_concentration`'s units.

    Parameters
    ----------
    path : str or Path
        ``chip_import_concentration_2021_2023.csv`` (Atlas of Economic Complexity,
        HS2012, chips basket; derived per importer, see its README).
    period : str, default="2021-2023avg"
        The value of its ``year`` column to use: ``"2021"``, ``"2022"``, ``"2023"``
        or ``"2021-2023avg"`` (shares of the mean of the three annual flows per pair).

    Returns
    -------
    DataFrame
        Indexed by importer ISO3 (``country``, sorted), the pooled ``ROW`` row
        dropped, with ``top_supplier_share`` (``top1_share`` x 100, percent),
        ``hhi`` (``hhi_row_as_one_supplier`` x 10,000, points) and
        ``cluster_share`` (``twn_chn_hkg_share`` x 100, percent), rounded to 10
        decimals to drop floating-point noise (the file has 4).

    Raises
    ------
    TradeError
        The file is missing, a column is missing, a cell is not a number, an importer
        appears twice for the period, or no row has that period. The message names
        the file and the line (the header is line 1).

    Examples
    --------
    >>> import io
    >>> text = ("importer,year,top1_share,hhi_row_as_one_supplier,twn_chn_hkg_share,"
    ...         "importer_is_aggregate\\n"
    ...         "NGA,2021-2023avg,0.5605,0.3344,0.5757,0\\n"
    ...         "ROW,2021-2023avg,0.1068,0.0628,0.2373,1\\n")
    >>> read_atlas_concentration(io.StringIO(text))  # doctest: +NORMALIZE_WHITESPACE
             top_supplier_share     hhi  cluster_share
    country
    NGA                   56.05  3344.0          57.57
    """
    name = getattr(path, "name", None) or "the Atlas extract"
    if isinstance(path, (str, Path)):
        path = Path(path)
        name = str(path)
        if not path.is_file():
            raise TradeError(f"{name}: file not found; expected the Atlas chip-import "
                             "concentration table (chip_import_concentration_2021_2023.csv)")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise TradeError(f"{name}: found a file that cannot be read as CSV ({str(exc).splitlines()[0]}); "
                         "expected the Atlas chip-import concentration table") from None
    missing = [c for c in _ATLAS_COLUMNS if c not in table.columns]
    if missing:
        raise TradeError(f"{name}, line 1 (header): missing column(s) {', '.join(map(repr, missing))}; "
                         f"found {', '.join(table.columns)}; expected {', '.join(_ATLAS_COLUMNS)}")
    rows = table[table["year"] == period]
    if rows.empty:
        raise TradeError(f"{name}: no row with year {period!r}; found "
                         f"{', '.join(sorted(set(table['year'])))}")
    problems = []
    parsed = {}
    scale = {"top1_share": 100.0, "hhi_row_as_one_supplier": 10000.0, "twn_chn_hkg_share": 100.0,
             "importer_is_aggregate": 1.0}
    for col, factor in scale.items():
        values = pd.to_numeric(rows[col], errors="coerce")
        for label in rows.index[values.isna()]:
            problems.append(f"{name}, line {label + 2}: found {rows.at[label, col]!r} in column "
                            f"{col!r}; expected a number")
        parsed[col] = (values * factor).round(10)
    seen = rows["importer"].duplicated(keep="first")
    for label in rows.index[seen.to_numpy()]:
        problems.append(f"{name}, line {label + 2}: importer {rows.at[label, 'importer']!r} a second "
                        f"time for {period}; expected each importer once")
    if problems:
        raise TradeError(problems)
    keep = (parsed["importer_is_aggregate"] == 0).to_numpy()
    out = pd.DataFrame({
        "top_supplier_share": parsed["top1_share"].to_numpy()[keep],
        "hhi": parsed["hhi_row_as_one_supplier"].to_numpy()[keep],
        "cluster_share": parsed["twn_chn_hkg_share"].to_numpy()[keep],
    }, index=pd.Index(rows["importer"].str.strip().to_numpy()[keep], name="country"))
    return out.sort_index()


#: Framework indicator codes that a ``Trade`` sheet fills, and the measure each takes.
TRADE_INDICATORS = {
    "chip_supplier_hhi": "hhi",
    "chip_cluster_share": "cluster_share",
    "chip_top_supplier_share": "top_supplier_share",
}


def apply_trade(dataset):
    """Fill the chip-concentration indicators from the dataset's ``Trade`` table, if it has one.

    For every importer in the trade table that is a country of the dataset, the
    indicators of :data:`TRADE_INDICATORS` that the framework defines take the
    measures computed by :func:`chip_concentration` (replacing any value in ``Data``);
    each such value gets a provenance row saying so. Other countries keep their values.

    Returns
    -------
    Dataset
        A new Dataset (the same one when there is no trade table or no such indicator).
    """
    from dataclasses import replace

    trade = dataset.trade
    codes = [c for c in TRADE_INDICATORS if c in dataset.values.columns]
    if trade is None or trade.empty or not codes:
        return dataset
    measures = chip_concentration(trade, where=trade.attrs.get("source", "Trade"))
    importers = [c for c in measures.index if c in dataset.values.index]
    outside = [c for c in measures.index if c not in dataset.values.index]
    if outside:
        import warnings

        warnings.warn(f"the trade table has importers that are not countries of the dataset, ignored: "
                      f"{', '.join(outside)}", ReadinessWarning, stacklevel=2)
    values = dataset.values.copy()
    rows = []
    years = pd.to_numeric(trade["year"], errors="coerce")
    span = f"{int(years.min())}-{int(years.max())}" if years.notna().any() else ""
    for code in codes:
        # an importer whose flows sum to zero has no shares: its Data value (or gap) stays
        column = measures.loc[importers, TRADE_INDICATORS[code]].dropna()
        values.loc[column.index, code] = column.to_numpy(dtype=float)
        rows += [{"country": c, "indicator": code, "year": span, "source": "Trade",
                  "note": f"computed from the Trade table ({TRADE_INDICATORS[code]}, flows {span})"}
                 for c in column.index]
    prov = dataset.provenance
    new = pd.DataFrame(rows)
    if not prov.empty and {"country", "indicator"} <= set(prov.columns):
        keep = ~pd.MultiIndex.from_frame(prov[["country", "indicator"]].astype(str)).isin(
            pd.MultiIndex.from_frame(new[["country", "indicator"]])) if len(new) else slice(None)
        new = pd.concat([prov[keep], new], ignore_index=True)
    return replace(dataset, values=values, provenance=new)


def _unique(problems: list) -> list:
    """Problems in order, each once."""
    return list(dict.fromkeys(map(str, problems)))


def read_trade_csv(path) -> pd.DataFrame:
    """Read a bilateral trade extract (``importer, exporter, year, value``) from a CSV file."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise TradeError(Problem(path.name, None, "an empty file",
                                 "a header importer, exporter, year, value and one row per flow")) from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TradeError(Problem(path.name, None, f"a file that cannot be read as CSV ({exc})",
                                 "comma-separated text with importer, exporter, year, value")) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = frame.replace("", np.nan)
    frame.attrs["source"] = path.name
    return frame
