"""The same bytes whatever the number of BLAS threads (readiness.threads)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from readiness.threads import one_blas_thread


def test_one_blas_thread_limits_and_restores():
    from threadpoolctl import threadpool_info

    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    with one_blas_thread():
        inside = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert inside == [1] * len(before)
    assert after == before


def test_sensitivity_bytes_do_not_depend_on_blas_threads(asem_path, tmp_path):
    """The Sobol bootstrap's products rounded differently on 1 and 2 OpenBLAS threads before."""
    outputs = []
    for threads in ("1", "2"):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads,
               "READINESS_NO_CACHE": "1", "READINESS_CACHE_DIR": str(tmp_path)}
        run = subprocess.run([sys.executable, "-m", "readiness", "sensitivity", "--data", str(asem_path),
                              "--n", "64", "--format", "json"], env=env, capture_output=True, check=True)
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert b"sobol_by_country" in outputs[0]


def test_build_keeps_its_name_and_documentation():
    from readiness.pipeline import build

    assert build.__name__ == "build" and "dataset" in build.__doc__


def test_products_inside_are_those_of_one_thread():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 2000)), rng.normal(size=(2000, 40))
    with one_blas_thread():
        inside = a @ b
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        reference = a @ b
    assert np.array_equal(inside, reference)
