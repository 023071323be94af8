"""Write COINr's ASEM example (asem/ASEM_iData.csv, asem/ASEM_iMeta.csv) as a readiness workbook.

Run from anywhere: ``python tests/conformance/make_asem.py``. It writes
``tests/conformance/asem.xlsx`` with the Settings of COINr's example pipeline:
denominate by the metadata's Denominator column, impute by the group mean within
EurAsia_group, screen at 0.9 coverage of the imputed data, treat outliers with the
default rule (at most 5 winsorised points), min-max normalise to 0-100, arithmetic
mean at every level. The data are COINr's (MIT licence, see asem/LICENSE).

Every number is COINr's exactly: the CSV files are parsed with correctly rounded
decimal conversion (pandas >= 3 default) and written with
:func:`readiness.io.writer.write_workbook`, which stores each float so that it reads
back bit for bit (openpyxl alone keeps 16 significant digits, which moved 201 cells by
up to 5.7e-14 and created a JPN/NOR tie that COINr does not have).
"""

from pathlib import Path

import pandas as pd

from readiness.io.writer import write_workbook

HERE = Path(__file__).parent

SETTINGS = [
    ("denominate", True),
    ("imputation", "group_mean"),
    ("imputation_group", "EurAsia_group"),
    ("coverage_min", 0.9),
    ("screen_on", "imputed"),
    ("outliers", "coinr"),
    ("winsor_max", 5),
    ("normalisation", "minmax"),
    ("normalisation_low", 0),
    ("normalisation_high", 100),
    ("weights", "framework"),
    ("aggregation", "arithmetic"),
]


def tables():
    exact = {"keep_default_na": False, "na_values": [""]}
    data = pd.read_csv(HERE / "asem" / "ASEM_iData.csv", **exact)
    meta = pd.read_csv(HERE / "asem" / "ASEM_iMeta.csv", **exact)
    ind = meta[meta["Type"] == "Indicator"]
    agg = meta[meta["Type"] == "Aggregate"]
    groups = list(meta.loc[meta["Type"] == "Group", "iCode"])
    denoms = list(meta.loc[meta["Type"] == "Denominator", "iCode"])
    data_sheet = data[["uCode", "uName"] + list(ind["iCode"])].rename(columns={"uCode": "country", "uName": "name"})
    indicators = pd.DataFrame({
        "code": ind["iCode"], "name": ind["iName"], "parent": ind["Parent"],
        "direction": ind["Direction"].astype(int), "weight": ind["Weight"], "unit": ind["Unit"],
        "transform": "none", "denominator": ind["Denominator"].fillna(""), "target": ind["Target"],
        "source": "COINr ASEM example", "licence": "MIT", "year": 2018,
    })
    structure = pd.DataFrame({"code": agg["iCode"], "name": agg["iName"],
                              "parent": agg["Parent"].fillna(""), "weight": agg["Weight"]})
    countries = data[["uCode", "uName"] + groups + denoms].rename(columns={"uCode": "country", "uName": "name"})
    countries.insert(2, "region", data["EurAsia_group"])
    countries.insert(3, "income_group", "")
    countries.insert(4, "population", data["Population"] * 1000)
    settings = pd.DataFrame(SETTINGS, columns=["setting", "value"])
    return {"Data": data_sheet, "Indicators": indicators, "Structure": structure,
            "Countries": countries, "Settings": settings}


def main(path=HERE / "asem.xlsx"):
    return write_workbook(tables(), path)


if __name__ == "__main__":
    print(main())
