"""The same bytes whatever the number of BLAS threads (readiness.threads)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from readiness.threads import one_blas_thread


def _numpy_blas_threads():
    """Thread counts of the BLAS numpy itself calls (its bundled OpenBLAS, else every BLAS)."""
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    own = [lib for lib in blas if "numpy" in lib["filepath"]]
    return [lib["num_threads"] for lib in (own or blas)]


def test_one_blas_thread_limits_and_restores():
    """numpy's BLAS is limited (a BLAS loaded later, e.g. scipy's own, does not do numpy's products)."""
    before = _numpy_blas_threads()
    with one_blas_thread():
        inside = _numpy_blas_threads()
    assert inside == [1] * len(before)
    assert _numpy_blas_threads() == before


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


def test_numpy_blas_is_found_even_when_first_used_before_numpy_is_imported():
    probe = ("from readiness.threads import one_blas_thread\n"
             "with one_blas_thread():\n"
             "    from threadpoolctl import threadpool_info\n"
             "    print([lib['num_threads'] for lib in threadpool_info() if lib['user_api'] == 'blas'])")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[1]"
