"""How much memory an analysis needs, checked before anything is allocated.

A replicate count that does not fit is a user's mistake, not a crash: the analysis
says what it would need, what is available and what would fit, and stops.
"""

from __future__ import annotations

import os

from ..errors import SpecError

__all__ = ["available_memory", "format_bytes", "check_fits", "memory_needed", "check_memory", "CHUNK_BYTES"]


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable`` on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units, e.g. ``'50.0 TiB'``.

    >>> format_bytes(1536), format_bytes(55 * 2**40)
    ('1.5 KiB', '55.0 TiB')
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} EiB"  # pragma: no cover


def check_fits(need: float, *, what: str, per_unit: float, unit_name: str = "n", fixed: float = 0.0,
               available: int | None = None) -> None:
    """Refuse (SpecError) a job needing more than the memory available.

    Parameters
    ----------
    need : float
        Bytes the job would need.
    what : str
        The job, for the message (``"n = 1000000 (6,000,000 replicates)"``).
    per_unit, fixed : float
        ``need = fixed + per_unit * n``: used to say the largest ``n`` that fits.
    unit_name : str
        What ``n`` is called in the message.
    available : int, optional
        Bytes available (default: :func:`available_memory`).
    """
    available = available_memory() if available is None else available
    if need <= available:
        return
    fits = int((available - fixed) // per_unit) if per_unit > 0 and available > fixed else 0
    hint = f"at most {unit_name} = {fits:,} fits" if fits > 0 else "nothing of this size fits"
    raise SpecError(f"{what} would need about {format_bytes(need)} of memory, but about "
                    f"{format_bytes(available)} is available; {hint}")


#: Bytes of replicate x country x node scores one chunk of the engine may hold: small enough
#: that the aggregation kernels' temporaries are reused from the heap instead of being
#: mapped afresh (page faults) for every chunk: 60,000 ASEM replicates evaluate in 0.9 s of
#: CPU in chunks of 8 MB against 1.2 s in chunks of 48 MB.
CHUNK_BYTES = 8e6


def memory_needed(n_rows, *, n_countries, n_keep, n_nodes, n_columns, sobol=False, variants=1, n_indicators=0):
    """Bytes an analysis of ``n_rows`` replicates keeps (plus one chunk's working set).

    Per replicate: its ranks (float32, countries x kept nodes; the result's table of
    index ranks shares their memory), its weights and design row (float64), and for a Sobol analysis the
    standardised outputs and the per-input terms of the estimators (about 40 bytes per
    country). Fixed: the stacked upstream variants and one chunk of scores with its
    temporaries.
    """
    per = 4.0 * n_countries * n_keep + 24.0 * n_nodes + 32.0 * n_columns + 128.0
    if sobol:
        per += 40.0 * n_countries
    fixed = 8.0 * variants * n_countries * n_indicators + 4 * CHUNK_BYTES
    return fixed + per * n_rows, per, fixed


def check_memory(dataset, space, n, method="ua", *, nodes="all") -> None:
    """Refuse (SpecError) an analysis that would not fit in the memory available, before drawing it."""
    n_ind, n_agg = len(dataset.indicators), len(dataset.structure)
    groups = len(space.varied)
    n_columns = groups + (n_ind + n_agg if space.weights is not None else 0)
    rows_per_n = groups + 2 if method == "sobol" else 1
    variants = 1
    for name in ("imputation", "treatment", "normalisation"):
        variants *= len(getattr(space, name) or (1,))
    need, per, fixed = memory_needed(
        int(n) * rows_per_n, n_countries=len(dataset.values), n_keep=n_agg if nodes == "all" else 1,
        n_nodes=n_ind + n_agg, n_columns=n_columns, sobol=method == "sobol", variants=variants, n_indicators=n_ind)
    reps = f" ({int(n) * rows_per_n:,} replicates)" if rows_per_n > 1 else ""
    check_fits(need, what=f"an analysis with n = {int(n):,}{reps}", per_unit=per * rows_per_n, fixed=fixed)
