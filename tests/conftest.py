from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).parent
ASEM = HERE / "conformance" / "asem.xlsx"


def tiny_tables():
    """Four countries, four indicators in two dimensions: small enough to check by hand."""
    data = pd.DataFrame({
        "country": ["AAA", "BBB", "CCC", "DDD"],
        "a1": [1.0, 2.0, 3.0, 4.0], "a2": [10.0, 30.0, 20.0, 40.0],
        "b1": [5.0, 5.0, 1.0, 9.0], "b2": [0.5, 0.25, 1.0, 0.75],
    })
    indicators = pd.DataFrame({
        "code": ["a1", "a2", "b1", "b2"], "name": ["A one", "A two", "B one", "B two"],
        "parent": ["A", "A", "B", "B"], "direction": [1, 1, -1, 1], "weight": [1, 1, 1, 1],
    })
    structure = pd.DataFrame({"code": ["A", "B", "I"], "name": ["Dim A", "Dim B", "Index"],
                              "parent": ["I", "I", ""], "weight": [1, 1, ""]})
    structure.loc[2, "weight"] = 1
    countries = pd.DataFrame({"country": ["AAA", "BBB", "CCC", "DDD"], "name": ["Aland", "Bland", "Cland", "Dland"],
                              "region": ["R1", "R1", "R2", "R2"], "income_group": ["H", "L", "H", "L"]})
    return {"Data": data, "Indicators": indicators, "Structure": structure, "Countries": countries}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """No test reads or writes the user's cache of uncertainty results."""
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def tiny():
    from readiness.io.tables import from_tables

    return from_tables(tiny_tables(), label="tiny")


@pytest.fixture(scope="session")
def asem_path():
    return ASEM


@pytest.fixture(scope="module")
def default_result():
    """``build()`` of the embedded default dataset (shared by the explain, what-if and levers tests)."""
    import readiness

    return readiness.build(readiness.load_dataset())


@pytest.fixture(scope="module")
def asem_result(asem_path):
    """``build()`` of COINr's ASEM example workbook."""
    import readiness

    return readiness.build(readiness.load_dataset(asem_path))
