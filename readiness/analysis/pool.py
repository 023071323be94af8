"""Where replicate blocks run: this process, a local process pool, or a Dask cluster.

One factory, :func:`executor`, used by the uncertainty engine (``readiness
sensitivity --workers N`` / ``--scheduler dask://HOST:PORT``) and by batch briefs
(``brief --all``). Whatever runs the blocks, the results are identical bit for bit:
the blocks are the same, only where they run changes.

Examples
--------
>>> with executor() as ex:
...     ex.submit(pow, 2, 10).result()
1024
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, Future
from contextlib import contextmanager

from ..errors import SpecError

__all__ = ["executor", "parse_scheduler", "InlineExecutor"]


class InlineExecutor(Executor):
    """Runs each task at once in this process (the default: no pool to start)."""

    def submit(self, fn, /, *args, **kwargs):
        fut = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            fut.set_exception(exc)
        return fut


def parse_scheduler(scheduler: str) -> str:
    """``dask://HOST:PORT`` (or ``tcp://HOST:PORT``) -> the address a Dask client connects to.

    >>> parse_scheduler("dask://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> parse_scheduler("10.0.0.5")
    Traceback (most recent call last):
    ...
    readiness.errors.SpecError: --scheduler must look like dask://HOST:PORT; got '10.0.0.5'
    """
    text = str(scheduler).strip()
    for prefix in ("dask://", "tcp://", "tls://"):
        if text.startswith(prefix):
            rest = text[len(prefix):]
            host, _, port = rest.rpartition(":")
            if host and port.isdigit():
                return ("tls://" if prefix == "tls://" else "tcp://") + rest
    shown = text if len(text) <= 60 else text[:45] + "..."
    raise SpecError(f"--scheduler must look like dask://HOST:PORT; got {shown!r}")


@contextmanager
def executor(workers: int = 1, scheduler: str | None = None, executor: Executor | None = None, *,
             connect_timeout: float = 10.0):
    """A ``concurrent.futures.Executor`` for replicate blocks (or batch briefs), closed on exit.

    Parameters
    ----------
    workers : int, default=1
        1: run tasks in this process; N > 1: a pool of N local worker processes.
    scheduler : str, optional
        ``dask://HOST:PORT``: submit tasks to that Dask scheduler (needs the optional
        ``distributed`` extra: ``pip install "readiness[distributed]"``). Takes
        precedence over ``workers``.
    executor : Executor, optional
        Use this executor as it is (not closed on exit).
    connect_timeout : float, default=10.0
        Seconds to wait for the Dask scheduler.

    Yields
    ------
    concurrent.futures.Executor

    Raises
    ------
    SpecError
        A bad worker count or scheduler address, dask.distributed not installed, or a
        scheduler that cannot be reached.
    """
    if executor is not None:
        yield executor
        return
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError(f"workers must be a whole number >= 1; got {workers!r}")
    if scheduler is not None:
        address = parse_scheduler(scheduler)
        try:
            from distributed import Client
        except ImportError:
            raise SpecError('--scheduler needs dask.distributed: pip install "readiness[distributed]"') from None
        try:
            client = Client(address, timeout=f"{connect_timeout}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SpecError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    if workers == 1:
        yield InlineExecutor()
        return
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    # fork where it exists (workers start at once, the package already imported); spawn elsewhere
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and os.name == "posix" else "spawn"
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
