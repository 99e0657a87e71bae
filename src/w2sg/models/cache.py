"""The activation store: pooled vectors addressed by the exact tokens a model read
(docs/methods.md#activations).

One store per (model identity, layer, pooling, compute dtype, max length, batch shape rule,
extraction code version), in `<cache>/store/<key digest>/`. Inside, each text is addressed
by the SHA-256 of the token ids the model read (after truncation): asking for any rows
finds every text embedded before — by `w2sg run` with any seeds or sizes, `w2sg extract`,
`w2sg select` or a notebook — and an edited text gets a new address, never a stale vector.

Storage is append-only: each write is a new shard (`<name>.safetensors`: the digests as
uint8 (n, 32) and the vectors as float32 (n, dim)) published atomically by a JSON manifest
(rows, dim, bytes, SHA-256) written after it. Two processes may write at once: they never
write the same file, and a text stored twice holds the same vector (see `extract`), so
readers take either. A shard whose manifest or data does not check out is reported in one
line, deleted and its texts re-embedded, never served. Finished shards survive an
interrupted run, so a rerun embeds only what is missing. Files get the permissions the
user's umask allows (a lab can share one store).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from w2sg.errors import W2SGError
from w2sg.io import sha256_file, write_atomic
from w2sg.models.tensors import memmap_array
from w2sg.paths import cache_dir

# Bump when a change in extraction changes the vectors. 2: same-length fixed-shape batches;
# 3: texts padded to length buckets, fixed-shape batches of one bucket.
EXTRACT_VERSION = 3
SHARD_ROWS = 2048  # texts per shard while extracting: the unit an interrupted run keeps
DIGEST_BYTES = 32


@dataclass(frozen=True)
class StoreKey:
    """What produced every vector of one store; its `digest` names the store's folder."""

    model: str  # identity: weights digest or hub revision
    layer: int  # index into hidden_states, non-negative
    pooling: str
    dtype: str
    max_length: int
    batch: str = ""  # the batch shape rule (extract.batch_plan_name)
    version: int = EXTRACT_VERSION

    @property
    def digest(self) -> str:
        """A short hash of every field."""
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:24]


def token_digest(token_ids: Sequence[int]) -> bytes:
    """The address of one text: SHA-256 of the token ids the model reads (int64, little end)."""
    return hashlib.sha256(np.asarray(token_ids, dtype="<i8").tobytes()).digest()


def store_root() -> Path:
    """Where the stores live: `<cache>/store` (the old `activations/` folder is not read)."""
    return cache_dir("store")


# --------------------------------------------------------------------------- files


def _write_json(path: Path, obj: Any) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(obj, indent=1) + "\n"))


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- one store


@dataclass(frozen=True)
class Shard:
    """One published shard: its data file and what its manifest vouches for."""

    path: Path  # the .safetensors file
    rows: int
    dim: int
    bytes: int
    sha256: str

    @property
    def manifest(self) -> Path:
        return self.path.with_suffix(".json")


_VERIFIED: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) → sha256, this process


class Store:
    """The vectors of one StoreKey: look texts up by digest, append new shards."""

    def __init__(self, key: StoreKey, model_name: str = "", root: Path | None = None) -> None:
        self.key = key
        self.dir = (root or store_root()) / key.digest
        self.model_name = model_name
        self._index: dict[bytes, tuple[Shard, int]] = {}
        self._seen: set[Path] = set()

    # -- opening
    def create(self, dim: int) -> None:
        """Make the folder and its description (idempotent)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        info = self.dir / "store.json"
        if not info.exists():
            _write_json(info, {**asdict(self.key), "model_name": self.model_name, "dim": dim})

    def _load_shard(self, manifest: Path) -> Shard | None:
        """A shard whose manifest is sound and whose file has the right size, else None."""
        try:
            shard = _read_manifest(manifest)
            size = shard.path.stat().st_size
            if size != shard.bytes:
                raise ValueError(f"file has {size} bytes, manifest says {shard.bytes}")
            _verify(shard)
            digests = memmap_array(shard.path, "digests", "U8")
            if digests.shape != (shard.rows, DIGEST_BYTES):
                raise ValueError("digests do not match the manifest's row count")
        except FileNotFoundError:
            if not manifest.exists():  # removed by another process meanwhile
                return None
            self.drop(manifest, "its data file is missing")
            return None
        except (OSError, ValueError, KeyError, TypeError) as err:
            self.drop(manifest, str(err))
            return None
        raw = np.asarray(digests).tobytes()
        for row in range(shard.rows):
            self._index.setdefault(raw[row * DIGEST_BYTES : (row + 1) * DIGEST_BYTES], (shard, row))
        return shard

    def refresh(self) -> None:
        """Take in shards published since the last look (by this or another process), and
        forget the ones removed since (pruned, or the cache cleared)."""
        manifests = set(self.dir.glob("shard-*.json")) if self.dir.is_dir() else set()
        gone = self._seen - manifests
        if gone:
            self._seen -= gone
            self._forget(*gone)
        for manifest in sorted(manifests - self._seen):
            self._seen.add(manifest)
            self._load_shard(manifest)

    def drop(self, manifest: Path, why: str) -> None:
        """Report a damaged shard in one line and delete it, so its texts are re-embedded."""
        shard = manifest.with_suffix("")
        _warn(f"damaged activation shard {shard} ({why}); dropped, its texts are re-embedded")
        manifest.unlink(missing_ok=True)
        manifest.with_suffix(".safetensors").unlink(missing_ok=True)
        self._forget(manifest)

    def _forget(self, *manifests: Path) -> None:
        gone = set(manifests)
        self._index = {d: loc for d, loc in self._index.items() if loc[0].manifest not in gone}

    # -- reading
    def missing(self, digests: Sequence[bytes]) -> list[bytes]:
        """The distinct digests not in the store, in first-seen order."""
        self.refresh()
        return list(dict.fromkeys(d for d in digests if d not in self._index))

    def read(self, digests: Sequence[bytes]) -> np.ndarray | None:
        """Vectors of `digests` (float32, aligned), checked against their manifests.

        None when a shard turned out damaged (it is dropped; embed what is missing again).
        Raises KeyError for a digest the store does not hold.
        """
        self.refresh()
        locs = [self._index[d] for d in digests]
        shards = {loc[0].path: loc[0] for loc in locs}
        arrays = {}
        for path, shard in shards.items():
            try:
                if _read_manifest(shard.manifest) != shard:  # re-read: small, and it may
                    raise ValueError("manifest changed since it was indexed")  # be damaged
                _verify(shard)  # free unless the file changed since it was indexed
                arrays[path] = memmap_array(path, "vectors")
                if arrays[path].shape != (shard.rows, shard.dim):
                    raise ValueError("vectors do not match the manifest's shape")
            except (OSError, ValueError, KeyError, TypeError) as err:
                if isinstance(err, FileNotFoundError) and not shard.manifest.exists():
                    self._forget(shard.manifest)  # pruned by another process meanwhile
                else:
                    self.drop(shard.manifest, str(err))
                return None
        for shard in shards.values():
            _touch(shard.manifest)
        dim = next(iter(shards.values())).dim if shards else 0
        out = np.empty((len(digests), dim), dtype=np.float32)
        groups: dict[Path, tuple[list[int], list[int]]] = {}
        for i, (shard, row) in enumerate(locs):
            pos, rows = groups.setdefault(shard.path, ([], []))
            pos.append(i)
            rows.append(row)
        for path, (pos, rows) in groups.items():
            out[pos] = arrays[path][rows]
        return out

    # -- writing
    def append(self, digests: Sequence[bytes], vectors: np.ndarray) -> Path:
        """Publish a new shard: data file first, then the manifest that vouches for it."""
        from safetensors.numpy import save_file  # heavy: loaded on first use

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape[0] != len(digests):
            raise W2SGError(f"{len(digests)} digests for {vectors.shape[0]} vectors")
        self.create(int(vectors.shape[1]))
        raw = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(digests), DIGEST_BYTES)
        name = f"shard-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:12]}"
        data = self.dir / f"{name}.safetensors"
        tensors = {"digests": np.ascontiguousarray(raw), "vectors": vectors}
        write_atomic(data, lambda tmp: save_file(tensors, str(tmp)))
        _write_json(
            data.with_suffix(".json"),
            {
                "rows": len(digests),
                "dim": int(vectors.shape[1]),
                "bytes": data.stat().st_size,
                "sha256": sha256_file(data),
            },
        )
        return data


def open_store(key: StoreKey, model_name: str = "", root: Path | None = None) -> Store:
    """The store of `key`, kept open in this process: its index of shards is built once and
    each later look reads only the shards published since (a sweep's cells and warm-ups ask
    the same stores again and again). The least recently used of more than 16 is closed."""
    return _open_store(str(root or store_root()), key, model_name)


@lru_cache(maxsize=16)
def _open_store(root: str, key: StoreKey, model_name: str) -> Store:
    return Store(key, model_name, Path(root))


def _read_manifest(manifest: Path) -> Shard:
    """The shard a manifest vouches for; ValueError, KeyError or TypeError if it is unsound."""
    m = json.loads(manifest.read_text())
    if not isinstance(m, dict):
        raise ValueError("manifest is not a JSON object")
    return Shard(
        path=manifest.with_suffix(".safetensors"),
        rows=int(m["rows"]),
        dim=int(m["dim"]),
        bytes=int(m["bytes"]),
        sha256=str(m["sha256"]),
    )


def _verify(shard: Shard) -> None:
    """Raise ValueError unless the shard's bytes hash to its manifest's SHA-256.

    Each file version (path, size, mtime) is hashed once per process.
    """
    st = shard.path.stat()
    stamp = (str(shard.path), st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(stamp) != shard.sha256:
        if sha256_file(shard.path) != shard.sha256:
            raise ValueError("checksum does not match the manifest")
        _VERIFIED[stamp] = shard.sha256


def _touch(path: Path) -> None:
    """Mark a shard as used now (its manifest's mtime orders `prune`)."""
    try:
        os.utime(path)
    except OSError:
        pass
