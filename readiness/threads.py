"""One BLAS thread for the matrix products whose bits must not depend on the machine.

OpenBLAS splits a matrix product between as many threads as the machine has cores, and
a product split differently can round differently in the last bit: the Sobol bootstrap
intervals of ``readiness sensitivity`` came out different on one core and on two. Inside
:func:`one_blas_thread` every BLAS call uses one thread, so the same inputs give the same
bytes whatever ``OPENBLAS_NUM_THREADS`` or the core count is. The products involved are
small (countries x indicators), where a second thread costs more than it gains: the
1,200-replicate ASEM analysis is faster this way.

threadpoolctl is the tool made for this (numpy has no API for it); it is imported on first use,
and finds the BLAS libraries loaded then (numpy's own, which does these products).
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

__all__ = ["one_blas_thread"]


@functools.lru_cache(maxsize=1)
def _controller():
    import numpy  # noqa: F401  (its BLAS must be loaded to be found)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def one_blas_thread():
    """Run the block with every BLAS library limited to one thread, then restore it."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
