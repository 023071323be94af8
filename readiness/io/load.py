"""Loading a Dataset: from a workbook, a folder of CSV files, or the embedded default."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..countries import display_names
from ..dataset import Dataset
from ..errors import InputError
from .tables import DEFAULT, read_csv_folder
from .trade import apply_trade, read_trade_csv
from .workbook import read_workbook

__all__ = ["load_dataset", "DEFAULT", "DEFAULT_LABEL"]

DEFAULT_LABEL = "readiness default dataset"


def _default_folder() -> Path:
    from importlib.resources import files

    return Path(str(files("readiness.indicators") / "default"))


def load_dataset(source=None, *, trade=None) -> Dataset:
    """Load a Dataset from a workbook (.xlsx), a folder of CSV files, or the embedded default.

    Parameters
    ----------
    source : str or Path, optional
        None or ``"default"`` for the embedded default dataset.
    trade : str, Path or DataFrame, optional
        A bilateral chip-trade extract (``importer, exporter, year, value``; UN Comtrade
        or BACI) as a CSV file or DataFrame: the chip-concentration indicators of the
        importers it covers are computed from it (see :func:`readiness.io.trade.apply_trade`).
    """
    dataset = _load(source)
    if trade is not None:
        frame = trade if isinstance(trade, pd.DataFrame) else read_trade_csv(trade)
        dataset = apply_trade(replace(dataset, trade=frame))
    return dataset


def _cldr_names(countries: pd.DataFrame) -> pd.DataFrame:
    """The default dataset's countries named by CLDR's short English names ("Taiwan", "South Korea").

    ``countries.csv`` keeps the World Bank's names (its source, still accepted as
    aliases); what is shown comes from CLDR, like every country without a name of its
    own in a user's workbook. A code CLDR does not know (``CHI``) keeps its name.
    """
    cldr = pd.Series(display_names(countries.index), index=countries.index)
    out = countries.copy()
    out["name"] = cldr.where(cldr != cldr.index, out["name"])
    return out


def _load(source):
    if source is None or str(source) == DEFAULT:
        folder = _default_folder()
        if not (folder / "data.csv").exists():
            raise InputError("the embedded default dataset is not installed (indicators/default/ is empty); "
                             "rebuild it with `python -m readiness.indicators.build`")
        dataset = read_csv_folder(folder)
        return replace(dataset, countries=_cldr_names(dataset.countries), label=DEFAULT_LABEL)
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        return read_csv_folder(path)
    if path.suffix.lower() == ".csv":
        raise InputError(f"{path}: a CSV dataset is a folder of CSV files (data.csv, indicators.csv, "
                         "structure.csv, countries.csv); give the folder")
    return read_workbook(path)
