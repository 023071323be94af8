"""The uncertainty cache may only ever speed things up: whatever is on disk, the numbers are the same."""

import multiprocessing
import os
import time

import numpy as np
import pandas as pd
import pytest

import readiness
from readiness.analysis import cache
from readiness.analysis.uncertainty import (
    DEFAULT_N, DEFAULT_VARY, Space, default_uncertainty, load_cached, save_cache, uncertainty,
)

SPACE = Space(normalisation=("minmax", "zscore"), weights="uniform")


@pytest.fixture(scope="module")
def asem(asem_path):
    return readiness.load_dataset(asem_path)


@pytest.fixture(scope="module")
def nominal(asem):
    return readiness.build(asem)


@pytest.fixture(scope="module")
def ua(asem):
    return uncertainty(asem, None, SPACE, n=12, seed=3)


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    return tmp_path


def _assert_same(a, b):
    pd.testing.assert_frame_equal(a.countries, b.countries, check_exact=True)
    pd.testing.assert_frame_equal(a.nodes, b.nodes, check_exact=True)
    pd.testing.assert_frame_equal(a.replicates, b.replicates, check_exact=True)
    pd.testing.assert_frame_equal(a.ranks, b.ranks, check_exact=True)
    assert (a.space, a.n, a.seed, a.method, a.fingerprint, a.n_replicates, a.n_skipped, a.n_shifted) == \
        (b.space, b.n, b.seed, b.method, b.fingerprint, b.n_replicates, b.n_skipped, b.n_shifted)
    assert a.spec == b.spec and (a.dataset, a.version) == (b.dataset, b.version)


def test_round_trip_is_exact_and_uncompressed(cache_home, nominal, ua):
    path = save_cache(nominal, ua)
    assert path.suffix == ".ua" and path.read_bytes().startswith(b"readiness-uncertainty 2\n")
    _assert_same(load_cached(nominal), ua)
    _assert_same(load_cached(nominal, space=SPACE, n=12, seed=3, method="ua"), ua)


def test_a_killed_write_leaves_a_temporary_file_the_lookup_ignores(cache_home, nominal, ua):
    path = save_cache(nominal, ua)
    blob = path.read_bytes()
    path.unlink()
    # what a writer killed half-way leaves: a partial file under its temporary name
    tmp = path.with_name(f".{path.stem}.4242.deadbeef.tmp")
    tmp.write_bytes(blob[: len(blob) // 2])
    assert load_cached(nominal) is None and load_cached(nominal, space=SPACE, n=12, seed=3, method="ua") is None
    assert tmp.exists()  # recent: it may belong to a writer still running
    os.utime(tmp, (time.time() - 7200, time.time() - 7200))
    save_cache(nominal, ua)  # a later write removes temporary files over an hour old
    assert not tmp.exists()
    _assert_same(load_cached(nominal), ua)


@pytest.mark.parametrize("damage", ["truncated", "zero_bytes", "doctored", "foreign", "old_npz"])
def test_a_damaged_entry_is_ignored_and_removed(cache_home, nominal, ua, damage):
    path = save_cache(nominal, ua)
    blob = bytearray(path.read_bytes())
    if damage == "truncated":
        blob = blob[: len(blob) - 100]
    elif damage == "zero_bytes":
        blob = bytearray()
    elif damage == "doctored":
        blob[-5] ^= 0x01  # one bit of one rank, as an editor would change a number
    elif damage == "foreign":
        blob = bytearray(b"PK\x03\x04 this is a zip file, or anything else")
    else:
        blob = bytearray(b"PK\x03\x04" + bytes(300))
    path.write_bytes(bytes(blob))
    assert load_cached(nominal) is None
    assert not path.exists()
    assert load_cached(nominal, space=SPACE, n=12, seed=3, method="ua") is None


def test_an_entry_of_another_format_version_is_ignored(cache_home, nominal, ua, monkeypatch):
    path = save_cache(nominal, ua)
    monkeypatch.setattr(cache, "_MAGIC", b"readiness-uncertainty 3\n")
    assert load_cached(nominal) is None and not path.exists()


def _writer(rounds, result):
    for _ in range(rounds):
        if save_cache(result[0], result[1]) is None:
            os._exit(3)
    os._exit(0)


def _reader(rounds, result):
    expected = result[1]
    for _ in range(rounds):
        got = load_cached(result[0], space=SPACE, n=12, seed=3, method="ua")
        if got is not None:
            try:
                _assert_same(got, expected)
            except AssertionError:
                os._exit(4)
    os._exit(0)


def test_concurrent_writers_and_readers(cache_home, nominal, ua):
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(10, (nominal, ua))) for _ in range(3)]
    procs += [ctx.Process(target=_reader, args=(25, (nominal, ua))) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    codes = [p.exitcode for p in procs]
    for p in procs:
        if p.is_alive():
            p.kill()
    assert codes == [0] * 6
    assert not list(cache_home.rglob("*.tmp"))
    _assert_same(load_cached(nominal), ua)


def test_default_uncertainty_is_the_same_with_an_empty_and_a_filled_cache(cache_home, nominal):
    first = default_uncertainty(nominal)  # computed, then cached
    assert list(cache_home.rglob("*.ua"))
    again = default_uncertainty(nominal)  # from the cache
    _assert_same(first, again)
    assert first.n_replicates == DEFAULT_N and first.method == "ua" and first.space.varied == DEFAULT_VARY
    assert first.seed == nominal.spec.seed and again.nominal is nominal
    # and it does not depend on what else is cached
    other = uncertainty(nominal.dataset, nominal.spec, SPACE, n=12, seed=3)
    save_cache(nominal, other)
    _assert_same(default_uncertainty(nominal), first)
    for path in cache_home.rglob("*.ua"):
        path.write_bytes(b"")
    _assert_same(default_uncertainty(nominal), first)
    assert np.array_equal(first.ranks.to_numpy(), again.ranks.to_numpy())


def test_unwritable_cache_only_warns_and_leaves_no_temporary_file(tmp_path, monkeypatch, nominal, ua):
    folder = tmp_path / "ro"
    folder.mkdir()
    monkeypatch.setenv("READINESS_CACHE_DIR", str(folder))
    path = cache.cache_path(ua.fingerprint, ua.space, ua.n, ua.seed, ua.method)
    path.parent.mkdir(parents=True)
    path.parent.chmod(0o500)
    try:
        if os.access(path.parent, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.warns(readiness.ReadinessWarning, match="could not cache"):
            assert save_cache(nominal, ua) is None
    finally:
        path.parent.chmod(0o700)
    assert not list(folder.rglob("*.tmp"))


def test_readiness_no_cache_reads_and_writes_nothing(cache_home, nominal, ua, monkeypatch):
    assert cache.save_cache(nominal, ua) is not None
    monkeypatch.setenv("READINESS_NO_CACHE", "1")
    assert cache.load_cached(nominal) is None
    before = sorted(p for p in cache_home.rglob("*"))
    assert cache.save_cache(nominal, ua) is None
    assert sorted(p for p in cache_home.rglob("*")) == before
    monkeypatch.setenv("READINESS_NO_CACHE", "0")
    assert cache.load_cached(nominal) is not None
