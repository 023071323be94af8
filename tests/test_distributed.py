"""Replicates on a local process pool or a Dask cluster give the local run's numbers, bit for bit."""

import numpy as np
import pytest

import readiness
from readiness import SpecError
from readiness.analysis.pool import executor, parse_scheduler
from readiness.analysis.sensitivity import sensitivity
from readiness.analysis.uncertainty import DEFAULT_VARY, Space, draw, evaluate


@pytest.fixture(scope="module")
def asem(asem_path):
    return readiness.load_dataset(asem_path)


@pytest.fixture(scope="module")
def design(asem):
    return draw(Space.from_names(DEFAULT_VARY), 40, seed=11, method="sobol", dataset=asem)


@pytest.fixture(scope="module")
def local(asem, design):
    return evaluate(asem, None, design, chunk=37)


def _assert_identical(a, b):
    assert np.array_equal(a.ranks, b.ranks, equal_nan=True)
    assert np.array_equal(a.valid, b.valid) and np.array_equal(a.shifted, b.shifted)
    assert a.params.equals(b.params)


def test_a_local_process_pool_gives_identical_numbers(asem, design, local):
    _assert_identical(evaluate(asem, None, design, chunk=37, workers=2), local)


def test_any_executor_gives_identical_numbers(asem, design, local):
    with executor(workers=1) as ex:
        _assert_identical(evaluate(asem, None, design, chunk=37, executor=ex), local)


def test_progress_reaches_the_total_with_a_pool(asem, design):
    seen = []
    evaluate(asem, None, design, chunk=50, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (design.n_rows, design.n_rows) and len(seen) >= 2


@pytest.mark.parametrize("text", ["10.0.0.5", "dask://host", "http://h:1", "dask://:8786"])
def test_a_bad_scheduler_address_is_refused(text):
    with pytest.raises(SpecError, match="--scheduler must look like dask://HOST:PORT"):
        parse_scheduler(text)


def test_bad_worker_counts_are_refused():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(SpecError, match="workers must be a whole number"):
            with executor(workers=bad):
                pass


def test_a_dask_cluster_gives_identical_numbers(asem, design, local):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        _assert_identical(evaluate(asem, None, design, chunk=37, scheduler=address), local)
        # the whole analysis too: Sobol indices and intervals equal the local run's
        a = sensitivity(asem, None, Space.from_names(DEFAULT_VARY), n=16, seed=2, scheduler=address)
        b = sensitivity(asem, None, Space.from_names(DEFAULT_VARY), n=16, seed=2)
        assert a.sobol.equals(b.sobol) and a.uncertainty.countries.equals(b.uncertainty.countries)
        # and from the command line: the same bytes as a local run, and as a local process pool
        from click.testing import CliRunner

        from readiness.cli import cli

        args = ["sensitivity", "--data", str(asem.label), "--n", "16", "--seed", "2", "--no-cache",
                "--format", "json"]
        runner = CliRunner()
        here = runner.invoke(cli, args)
        there = runner.invoke(cli, args + ["--scheduler", address])
        pool = runner.invoke(cli, args + ["--workers", "2"])
        assert here.exit_code == there.exit_code == pool.exit_code == 0, there.output
        assert there.stdout == here.stdout == pool.stdout


def test_an_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("distributed")
    with pytest.raises(SpecError, match="cannot reach the Dask scheduler at dask://127.0.0.1:9"):
        with executor(scheduler="dask://127.0.0.1:9", connect_timeout=0.5):
            pass
