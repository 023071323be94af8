"""Scrambled Sobol' points, equal to scipy's ``qmc.Sobol(d, scramble=True, seed=...)``, without scipy.

Importing ``scipy.stats`` (for ``qmc``) costs about 0.6 s, more than the whole
analysis on a small index; this module gives the same points from the same direction
numbers (Joe and Kuo's, read from scipy's data file without importing scipy.stats)
with the same linear matrix scrambling and digital shift, drawn from the same random
streams: so a design equals SALib's ``sample.sobol`` for the same seed (tested
against scipy and SALib).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

__all__ = ["sobol_points"]

_BITS = 30


@functools.lru_cache(maxsize=1)
def _direction_numbers():
    """(poly, vinit) of Joe and Kuo (2008), as scipy ships them."""
    spec = importlib.util.find_spec("scipy")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - scipy is a dependency
        raise ImportError("scipy's Sobol' direction numbers are not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "stats" / "_sobol_direction_numbers.npz"
    with np.load(path) as z:
        return z["poly"].astype(np.int64), z["vinit"].astype(np.int64)


@functools.lru_cache(maxsize=8)
def _direction_matrix(d):
    """(d, bits) direction integers, scaled to ``bits`` bits (scipy's ``_initialize_v``)."""
    poly, vinit = _direction_numbers()
    v = np.zeros((d, _BITS), dtype=np.int64)
    v[0, :] = 1
    for k in range(1, d):
        p = int(poly[k])
        m = p.bit_length() - 1
        v[k, :m] = vinit[k, :m]
        for j in range(m, _BITS):
            new = int(v[k, j - m])
            pow2 = 1
            for i in range(m):
                pow2 <<= 1
                if (p >> (m - 1 - i)) & 1:
                    new ^= pow2 * int(v[k, j - i - 1])
            v[k, j] = new
    return v * (1 << np.arange(_BITS - 1, -1, -1, dtype=np.int64))


def _scipy_stream(seed):
    """The random stream scipy's Sobol draws from: ``default_rng(int)``, a spawned child of a Generator."""
    if isinstance(seed, np.random.Generator):
        bg = seed.bit_generator
        child = bg.seed_seq.spawn(1)[0]
        return np.random.Generator(type(bg)(child))
    return np.random.default_rng(seed)


def _integers(stream, size):
    return stream.integers(0, 2, size=size, dtype=np.uint32)


def sobol_points(d: int, n: int, seed) -> np.ndarray:
    """The first ``n`` points of a scrambled Sobol' sequence of dimension ``d``, in [0, 1).

    Equal, bit for bit, to ``scipy.stats.qmc.Sobol(d, scramble=True, seed=seed).random(n)``
    for an integer seed or a Generator (``seed`` as scipy takes it).

    Examples
    --------
    >>> sobol_points(2, 4, seed=1).shape
    (4, 2)
    """
    v = _direction_matrix(d).astype(np.uint64)  # a copy: the cached matrix stays as it is
    stream = _scipy_stream(seed)
    shift_bits = _integers(stream, (d, _BITS)).astype(np.uint64)
    shift = (shift_bits << np.arange(_BITS, dtype=np.uint64)).sum(axis=1)
    ltm = np.tril(_integers(stream, (d, _BITS, _BITS))).astype(np.uint64)
    ltm[:, np.arange(_BITS), np.arange(_BITS)] = 1
    # linear matrix scrambling: bit (bits-1-p) of v'[k, j] is the parity of (row p of L) & v[k, j]
    rows = (ltm << np.arange(_BITS - 1, -1, -1, dtype=np.uint64)).sum(axis=2)          # (d, bits_p)
    parity = np.bitwise_count(rows[:, :, None] & v[:, None, :]) & 1                      # (d, p, j)
    sv = (parity.astype(np.uint64) << np.arange(_BITS - 1, -1, -1, dtype=np.uint64)[None, :, None]).sum(axis=1)
    # Gray-code order: point i+1 = point i XOR sv[:, (lowest zero bit of i)]
    out = np.empty((n, d))
    scale = 1.0 / 2 ** _BITS
    out[0] = shift * scale
    if n > 1:
        i = np.arange(n - 1, dtype=np.uint64)
        low0 = np.bitwise_count(((~i) & (i + np.uint64(1))) - np.uint64(1)).astype(np.int64)  # trailing ones of i
        steps = sv[:, low0].T                                                           # (n - 1, d)
        out[1:] = (np.bitwise_xor.accumulate(steps, axis=0) ^ shift[None, :]) * scale
    return out
