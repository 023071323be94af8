"""Dataset.fingerprint: equal data, equal fingerprint; any change of a value or label, another one."""

from __future__ import annotations

import numpy as np

from readiness.io.tables import from_tables
from tests.conftest import tiny_tables


def _fp(tables):
    return from_tables(tables, label="tiny").fingerprint()


def test_equal_data_equal_fingerprint_whatever_the_label_or_copy():
    assert _fp(tiny_tables()) == _fp(tiny_tables())
    assert from_tables(tiny_tables(), label="one").fingerprint() == from_tables(tiny_tables(),
                                                                                 label="two").fingerprint()


def test_the_last_bit_of_one_value_changes_it():
    t = tiny_tables()
    t["Data"].loc[2, "a2"] = np.nextafter(20.0, 21.0)
    assert _fp(t) != _fp(tiny_tables())


def test_a_missing_value_is_not_a_zero_and_every_nan_is_the_same():
    base = tiny_tables()
    base["Data"].loc[1, "b1"] = np.nan
    zero = tiny_tables()
    zero["Data"].loc[1, "b1"] = 0.0
    other_nan = tiny_tables()
    other_nan["Data"].loc[1, "b1"] = np.frombuffer(np.uint64(0x7FF8000000000123).tobytes(), dtype="<f8")[0]
    assert _fp(base) != _fp(zero)
    assert _fp(base) == _fp(other_nan)


def test_a_renamed_indicator_or_country_changes_it():
    renamed = tiny_tables()
    renamed["Countries"].loc[0, "name"] = "Åland"
    assert _fp(renamed) != _fp(tiny_tables())
    weights = tiny_tables()
    weights["Indicators"].loc[0, "weight"] = 2
    assert _fp(weights) != _fp(tiny_tables())


def test_values_moved_between_cells_change_it():
    swapped = tiny_tables()
    swapped["Data"][["a1", "a2"]] = swapped["Data"][["a2", "a1"]].to_numpy()
    assert _fp(swapped) != _fp(tiny_tables())


def test_a_result_computes_its_fingerprints_once_and_a_rebuild_has_its_own(tiny, monkeypatch):
    import readiness
    from readiness.pipeline import fingerprint

    result = readiness.build(tiny)
    first = result.fingerprint()
    assert first == fingerprint(tiny, result.spec)
    assert result.dataset_fingerprint() == tiny.fingerprint()
    values = tiny.values.copy()
    values.iloc[0, 0] = 7.0
    rebuilt = readiness.build(tiny.with_values(values), result.spec, reuse=result)

    def refuse(self):
        raise AssertionError("hashed the data again")

    expected_rebuilt = fingerprint(rebuilt.dataset, rebuilt.spec)
    monkeypatch.setattr(type(tiny), "fingerprint", refuse)
    assert result.fingerprint() == first                 # kept, not recomputed
    monkeypatch.undo()
    assert rebuilt.fingerprint() == expected_rebuilt != first
