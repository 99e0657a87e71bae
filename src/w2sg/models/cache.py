"""The activation cache: pooled vectors addressed by everything that produced them (SPEC §2).

An artifact's key is (model identity, dataset name, split, hash of the ordered row ids, layer,
pooling, compute dtype, max_length, extraction code version). Each artifact is a safetensors
file (one float32 tensor, rows aligned with the dataset's ids) plus a JSON manifest holding the
key, the shape, the byte size and the SHA-256; reads are memory-mapped and checked against the
manifest, so a damaged or partial file is recomputed rather than trusted.

Extraction is resumable: rows are sorted by token length and cut into fixed chunks; each
finished chunk is written (atomically) to a folder for the run, and a rerun skips the chunks
already there. Chunks and their batches depend only on the data and on the batch plan
recorded when the run started, so a resumed run computes exactly the batches an uninterrupted
one would and gives the same array.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from w2sg.errors import W2SGError
from w2sg.io import write_atomic, write_json
from w2sg.paths import cache_dir

EXTRACT_VERSION = 1  # bump when a change in extraction changes the vectors
CHUNK_ROWS = 1024  # rows per resumable chunk


@dataclass(frozen=True)
class ActivationKey:
    """What produced one cached array; its `digest` names the files."""

    model: str  # identity: weights digest or hub revision
    dataset: str
    split: str
    ids_sha256: str
    rows: int
    layer: int  # index into hidden_states, non-negative
    pooling: str
    dtype: str
    max_length: int
    version: int = EXTRACT_VERSION

    @property
    def digest(self) -> str:
        """A short hash of every field: the artifact's file name."""
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:24]


def ids_sha256(ids: Sequence[str]) -> str:
    """A hash of the ordered row ids: which rows, in which order."""
    h = hashlib.sha256()
    for i in ids:
        h.update(str(i).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def activations_dir() -> Path:
    """Where cached activations live: `<cache>/activations`."""
    return cache_dir("activations")


# --------------------------------------------------------------------------- file format


def write_array(path: Path, array: np.ndarray, meta: dict[str, str] | None = None) -> None:
    """Write one float32 tensor named `activations` as safetensors, atomically."""
    from safetensors.numpy import save_file

    arr = np.ascontiguousarray(array, dtype=np.float32)
    write_atomic(path, lambda tmp: save_file({"activations": arr}, str(tmp), metadata=meta))


def memmap_array(path: Path, name: str = "activations") -> np.ndarray:
    """Memory-map a tensor of a safetensors file read-only (no copy)."""
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
    info = header[name]
    if info["dtype"] != "F32":
        raise ValueError(f"{path}: expected F32, found {info['dtype']}")
    begin, end = info["data_offsets"]
    shape = tuple(info["shape"])
    if end - begin != 4 * int(np.prod(shape)):
        raise ValueError(f"{path}: tensor size does not match its shape")
    if not shape or shape[0] == 0:
        return np.zeros(shape, dtype=np.float32)
    return np.memmap(path, dtype="<f4", mode="r", offset=8 + header_len + begin, shape=shape)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


_VERIFIED: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) → sha256, this process


def read_artifact(key: ActivationKey) -> np.ndarray | None:
    """The cached array for `key`, memory-mapped, or None when absent, partial or corrupt."""
    base = activations_dir() / key.digest
    manifest_path, data_path = base.with_suffix(".json"), base.with_suffix(".safetensors")
    try:
        manifest = json.loads(manifest_path.read_text())
        st = data_path.stat()
    except (OSError, ValueError):
        return None
    if manifest.get("key") != asdict(key) or st.st_size != manifest.get("bytes"):
        return None
    stamp = (str(data_path), st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(stamp) != manifest.get("sha256"):
        if _sha256(data_path) != manifest.get("sha256"):
            return None
        _VERIFIED[stamp] = manifest["sha256"]
    try:
        array = memmap_array(data_path)
    except (ValueError, KeyError, OSError):
        return None
    if array.shape != (key.rows, manifest.get("dim")):
        return None
    return array


def write_artifact(key: ActivationKey, array: np.ndarray, model_name: str) -> Path:
    """Store `array` under `key`: data file first, then the manifest that vouches for it."""
    base = activations_dir() / key.digest
    data_path = base.with_suffix(".safetensors")
    write_array(data_path, array, {"key": key.digest})
    write_json(
        base.with_suffix(".json"),
        {
            "key": asdict(key),
            "digest": key.digest,
            "model_name": model_name,
            "dim": int(array.shape[1]),
            "bytes": data_path.stat().st_size,
            "sha256": _sha256(data_path),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        },
    )
    return data_path


def list_artifacts() -> list[dict[str, Any]]:
    """Manifests of every cached artifact (unreadable ones are skipped)."""
    out = []
    for path in sorted(activations_dir().glob("*.json")):
        try:
            out.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return out


def remove_artifacts(
    *, prefix: str | None = None, model: str | None = None, everything: bool = False
) -> list[str]:
    """Delete artifacts by key prefix, by model (alias, name or identity), or all; return keys."""
    if not (everything or prefix or model):
        raise W2SGError("say what to remove: a key prefix, --model NAME, or --all")
    removed = []
    for manifest in list_artifacts():
        digest = manifest.get("digest", "")
        match = (
            everything
            or (prefix and digest.startswith(prefix))
            or (
                model
                and model in (manifest.get("model_name"), manifest.get("key", {}).get("model"))
            )
        )
        if match:
            for suffix in (".safetensors", ".json"):
                (activations_dir() / f"{digest}{suffix}").unlink(missing_ok=True)
            removed.append(digest)
    if everything:
        shutil.rmtree(activations_dir() / "partial", ignore_errors=True)
    return removed


# --------------------------------------------------------------------------- resumable runs


def _chunk_path(run_dir: Path, index: int) -> Path:
    return run_dir / f"chunk-{index:05d}.safetensors"


def write_chunk(
    run_dir: Path, index: int, positions: np.ndarray, vectors: dict[int, np.ndarray]
) -> None:
    """Store one finished chunk (its row positions and each layer's vectors) atomically."""
    from safetensors.numpy import save_file

    tensors = {"positions": np.ascontiguousarray(positions, dtype=np.int64)}
    tensors.update(
        {f"layer_{k}": np.ascontiguousarray(v, dtype=np.float32) for k, v in vectors.items()}
    )
    write_atomic(_chunk_path(run_dir, index), lambda tmp: save_file(tensors, str(tmp)))


def read_chunk(
    run_dir: Path, index: int, positions: np.ndarray, layers: Sequence[int]
) -> dict[int, np.ndarray] | None:
    """A finished chunk's vectors, or None when missing or not the chunk expected."""
    from safetensors.numpy import load_file

    path = _chunk_path(run_dir, index)
    if not path.exists():
        return None
    try:
        tensors = load_file(str(path))
        if not np.array_equal(tensors["positions"], positions):
            raise ValueError("positions differ")
        out = {k: tensors[f"layer_{k}"] for k in layers}
        if any(v.shape[0] != len(positions) or not np.isfinite(v).all() for v in out.values()):
            raise ValueError("bad shape")
        return out
    except Exception:  # damaged chunk: drop it and recompute
        path.unlink(missing_ok=True)
        return None


def plan_chunks(order: np.ndarray, chunk_rows: int) -> list[np.ndarray]:
    """Consecutive slices of the length-sorted positions: the resumable units."""
    return [order[i : i + chunk_rows] for i in range(0, len(order), chunk_rows)]
