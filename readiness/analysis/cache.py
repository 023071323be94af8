"""The uncertainty cache: results kept between runs, which may only ever speed things up.

Where: :func:`readiness.cachedir.cache_dir` (``$READINESS_CACHE_DIR``, else
``$XDG_CACHE_HOME/readiness``, else ``~/.cache/readiness``); nothing is read or written
under ``READINESS_NO_CACHE=1``; one folder per data-and-settings fingerprint, one file per
analysis (space, n, seed, method), named by a hash that includes the format version.

What makes it safe:

- a file is written under a temporary name (``.<key>.<pid>.<random>.tmp``) that the
  lookup (``*.ua``) cannot match, then renamed over the target in one atomic step, so
  a reader sees a whole old file or a whole new one, never half of one, and a killed
  writer leaves only a temporary file (removed by a later write after an hour);
- a file starts with a format line and the SHA-256 of its body: anything else (a
  foreign, older, truncated, zero-byte or doctored file) is ignored and removed, and
  the analysis is computed again;
- no pickle: numbers are stored as raw little-endian arrays described by a JSON header,
  read back bit for bit; no compression (it cost a fifth of a large run).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import time
import uuid
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..cachedir import cache_dir, caching, seal, unseal
from ..errors import ReadinessWarning, SpecError
from .results import UncertaintyResult
from .space import Space

__all__ = ["FORMAT", "cache_dir", "cache_path", "save_cache", "load_cached"]

#: Format version: part of every key and of every file's first line.
FORMAT = 2
_MAGIC = f"readiness-uncertainty {FORMAT}\n".encode()
_SUFFIX = ".ua"
_STALE_SECONDS = 3600


def cache_path(fingerprint: str, space: Space, n: int, seed, method: str) -> Path:
    """The file that holds (or would hold) this analysis of the data and settings ``fingerprint``."""
    key = json.dumps([FORMAT, fingerprint, space.to_dict(), int(n), seed, method], sort_keys=True)
    return cache_dir() / "uncertainty" / fingerprint / (hashlib.sha256(key.encode()).hexdigest()[:24] + _SUFFIX)


# -- encoding: frames as raw arrays plus a JSON description --------------------------------


def _encode_frame(frame, arrays, prefix):
    index = frame.index
    spec = {"index": None, "columns": []}
    if isinstance(index, pd.RangeIndex):
        spec["index"] = {"range": [index.start, index.stop, index.step], "name": index.name}
    else:
        spec["index"] = {"names": list(index.names)}
        frame = frame.reset_index()
    for j, name in enumerate(frame.columns):
        col = frame.iloc[:, j]
        entry = {"name": name}
        if isinstance(col.dtype, pd.CategoricalDtype):
            entry.update(kind="cat", categories=[str(c) for c in col.cat.categories], ordered=bool(col.cat.ordered))
            arrays[f"{prefix}{j}"] = col.cat.codes.to_numpy()
        elif not (isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf"):
            entry.update(kind="text", dtype=str(col.dtype), values=[None if v is None or v != v else str(v) for v in col])
        else:
            entry["kind"] = "num"
            arrays[f"{prefix}{j}"] = col.to_numpy()
        spec["columns"].append(entry)
    return spec


def _decode_frame(spec, arrays, prefix):
    data = {}
    for j, entry in enumerate(spec["columns"]):
        if entry["kind"] == "cat":
            data[entry["name"]] = pd.Categorical.from_codes(arrays[f"{prefix}{j}"], entry["categories"],
                                                            ordered=entry["ordered"])
        elif entry["kind"] == "text":
            dtype = entry["dtype"] if entry["dtype"] in ("str", "string", "object") else object
            data[entry["name"]] = pd.Series(entry["values"], dtype=dtype)
        else:
            data[entry["name"]] = arrays[f"{prefix}{j}"]
    idx = spec["index"]
    if "range" in idx:
        return pd.DataFrame(data, index=pd.RangeIndex(*idx["range"], name=idx["name"]))
    return pd.DataFrame(data).set_index(idx["names"])


def _encode(ua: UncertaintyResult) -> bytes:
    arrays = {"ranks": ua.ranks.to_numpy(dtype=np.float32)}
    meta = {
        "format": FORMAT, "space": ua.space.to_dict(), "method": ua.method, "n": ua.n, "seed": ua.seed,
        "fingerprint": ua.fingerprint, "index_code": ua.index_code, "n_replicates": ua.n_replicates,
        "n_skipped": ua.n_skipped, "n_shifted": ua.n_shifted, "spec": ua.spec.to_dict(), "dataset": ua.dataset,
        "version": ua.version, "rank_columns": [str(c) for c in ua.ranks.columns],
        "countries": _encode_frame(ua.countries, arrays, "c"), "nodes": _encode_frame(ua.nodes, arrays, "n"),
        "replicates": _encode_frame(ua.replicates, arrays, "r"),
    }
    blobs, layout, offset = [], [], 0
    for name, arr in arrays.items():
        arr = np.ascontiguousarray(arr)
        arr = arr.astype(arr.dtype.newbyteorder("<")) if arr.dtype.byteorder == ">" else arr
        raw = arr.tobytes()
        layout.append([name, arr.dtype.str, list(arr.shape), offset, len(raw)])
        blobs.append(raw)
        offset += len(raw)
    meta["arrays"] = layout
    head = json.dumps(meta, allow_nan=True).encode()
    body = struct.pack("<Q", len(head)) + head + b"".join(blobs)
    return seal(_MAGIC, body)


def _decode(blob: bytes) -> UncertaintyResult:
    """The result in ``blob``; ValueError for anything that is not a whole, intact entry of this format."""
    from ..spec import Spec

    body = unseal(_MAGIC, blob)
    if body is None or len(body) < 8:
        raise ValueError("not a whole, intact cache entry of this format")
    (size,) = struct.unpack("<Q", body[:8])
    meta = json.loads(body[8:8 + size])
    if meta.get("format") != FORMAT:
        raise ValueError("another format version")
    data = body[8 + size:]
    arrays = {}
    for name, dtype, shape, offset, nbytes in meta["arrays"]:
        dt = np.dtype(dtype)
        if dt.hasobject or offset + nbytes > len(data):
            raise ValueError("bad array layout")
        arrays[name] = np.frombuffer(data, dtype=dt, count=nbytes // max(dt.itemsize, 1),
                                     offset=offset).reshape(shape).copy()
    ranks = arrays["ranks"]
    return UncertaintyResult(
        countries=_decode_frame(meta["countries"], arrays, "c"), nodes=_decode_frame(meta["nodes"], arrays, "n"),
        replicates=_decode_frame(meta["replicates"], arrays, "r"),
        ranks=pd.DataFrame(ranks, index=pd.RangeIndex(len(ranks), name="replicate"),
                           columns=pd.Index(meta["rank_columns"], name="country")),
        space=Space.from_mapping(meta["space"]), spec=Spec.from_mapping(meta["spec"]), method=meta["method"],
        n=meta["n"], seed=meta["seed"], fingerprint=meta["fingerprint"], index_code=meta["index_code"],
        n_replicates=meta["n_replicates"], n_skipped=meta["n_skipped"], n_shifted=meta["n_shifted"],
        dataset=meta["dataset"], version=meta["version"],
    )


# -- reading and writing -------------------------------------------------------------------


def _remove_stale(folder: Path) -> None:
    """Remove temporary files left by writers killed more than an hour ago."""
    now = time.time()
    for tmp in folder.glob(".*.tmp"):
        try:
            if now - tmp.stat().st_mtime > _STALE_SECONDS:
                tmp.unlink()
        except OSError:
            pass


def save_cache(result, ua: UncertaintyResult) -> Path | None:
    """Keep ``ua`` for later runs on the same data and settings; return the file (None if it failed).

    Keyed by ``result.fingerprint()`` (data and Spec) plus the space, n, seed and
    method, and the cache format. Written atomically; a cache that cannot be written
    only warns.

    Raises
    ------
    SpecError
        ``ua`` was computed for other data or settings than ``result``.
    """
    # the build ``ua`` was computed from carries its fingerprint already (hashing the data again
    # cost a tenth of a small command)
    if result is not ua.nominal and result.fingerprint() != ua.fingerprint:
        raise SpecError("this uncertainty result was computed for other data or settings than the build given")
    if not caching():
        return None
    path = cache_path(ua.fingerprint, ua.space, ua.n, ua.seed, ua.method)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(path.parent)
        with open(tmp, "wb") as fh:
            fh.write(_encode(ua))
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        warnings.warn(f"could not cache the uncertainty result in {path.parent}: {exc}", ReadinessWarning,
                      stacklevel=2)
        return None
    return path


def _read(path: Path) -> UncertaintyResult | None:
    """The entry at ``path``, or None (and the entry removed) when it is not a whole, intact entry."""
    try:
        with open(path, "rb") as fh:
            before = os.fstat(fh.fileno())
            blob = fh.read()
    except OSError:
        return None
    try:
        return _decode(blob)
    except (ValueError, KeyError, TypeError, IndexError, struct.error, SpecError):
        pass
    try:  # remove it, unless a writer has just replaced it with a new file
        now = os.stat(path)
        if (now.st_ino, now.st_size, now.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns):
            path.unlink()
    except OSError:
        pass
    return None


def load_cached(result, *, space: Space | None = None, n: int | None = None, seed=None,
                method: str | None = None) -> UncertaintyResult | None:
    """The cached uncertainty result for the same data and settings as ``result``, or None.

    With ``space``, ``n``, ``seed`` and ``method`` all given, exactly that analysis;
    otherwise the most recent one for ``result.fingerprint()`` that matches those given.
    An entry that cannot be read whole and intact is ignored and removed.
    """
    if not caching():
        return None
    fingerprint = result.fingerprint()
    if space is not None and n is not None and method is not None:
        candidates = [cache_path(fingerprint, space, n, seed, method)]
    else:
        folder = cache_dir() / "uncertainty" / fingerprint
        found = []
        for p in (folder.glob("*" + _SUFFIX) if folder.is_dir() else ()):
            try:
                found.append((p.stat().st_mtime, p))
            except OSError:  # removed meanwhile
                continue
        candidates = [p for _, p in sorted(found, key=lambda t: t[0], reverse=True)]
    for path in candidates:
        if not path.is_file():
            continue
        ua = _read(path)
        if ua is None or ua.fingerprint != fingerprint:
            continue
        if space is not None and ua.space != space:
            continue
        if n is not None and ua.n != n:
            continue
        if method is not None and ua.method != method:
            continue
        if seed is not None and ua.seed != seed:
            continue
        return ua
    return None
