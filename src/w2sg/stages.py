"""Stages saved as they finish, so a rerun after a crash resumes with the same numbers.

A stage is one JSON file (and, where it holds arrays, an .npz beside it) in a folder: a study keeps
each split seed's under `<out>/stages/seed<S>/`; fine-tune mode keeps every trained model's in the
cache (`W2SG_CACHE/finetune`), addressed by everything that made it. The JSON is written last and
names the fingerprint of everything the stage depends on and the SHA-256 of its arrays: a stage is
reused only when both match, so a changed config, dataset or model recomputes it, and a damaged or
partial file is never trusted. Writes are atomic; a `kill -9` at any point leaves either the old
state or the new one.

A stage that fails with a `W2SGError` (bad data for that stage: no overlap to mix, arms too small)
is recorded with its reason; the stages that need it are skipped with a reason, and the rest of the
study still runs.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from w2sg.errors import W2SGError
from w2sg.io import jsonable, write_atomic, write_json

STAGE_FORMAT = 1


def fingerprint(*parts: Any) -> str:
    """A digest of JSON-able parts (arrays by their bytes): what a stage depends on."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(str(part.dtype).encode() + str(part.shape).encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\x00")
    return h.hexdigest()


@dataclass(frozen=True)
class StageResult:
    """What a stage gave: its JSON-able value and arrays, or the reason it failed/was skipped."""

    name: str
    status: str  # "ok" | "failed" | "skipped"
    value: dict | None = None
    arrays: dict[str, np.ndarray] | None = None
    reason: str | None = None
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def status_json(self) -> dict:
        """The stage's line in results.json (never says whether it was resumed)."""
        return {"status": self.status, **({"reason": self.reason} if self.reason else {})}


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=True, **arrays)  # numpy's default, named: not a key
    return buf.getvalue()


@dataclass(frozen=True)
class StageStore:
    """The saved stages of one split seed of one study."""

    folder: Path

    def _paths(self, name: str) -> tuple[Path, Path]:
        return self.folder / f"{name}.json", self.folder / f"{name}.npz"

    def load(self, name: str, key: str) -> StageResult | None:
        """The saved stage when its fingerprint is `key` and its arrays are intact, else None."""
        meta_path, npz_path = self._paths(name)
        try:
            meta = json.loads(meta_path.read_text())
            if not isinstance(meta, dict) or meta.get("format") != STAGE_FORMAT:
                return None
            if meta.get("fingerprint") != key:
                return None
            arrays = None
            if meta.get("arrays_sha256"):
                blob = npz_path.read_bytes()
                if hashlib.sha256(blob).hexdigest() != meta["arrays_sha256"]:
                    return None
                with np.load(io.BytesIO(blob), allow_pickle=False) as data:
                    arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, KeyError):
            return None
        return StageResult(name, "ok", meta.get("value"), arrays, resumed=True)

    def save(self, name: str, key: str, value: dict, arrays: dict[str, np.ndarray] | None) -> None:
        """Write the arrays, then the JSON that vouches for them (the commit point)."""
        meta_path, npz_path = self._paths(name)
        digest = None
        if arrays:
            blob = _npz_bytes(arrays)
            digest = hashlib.sha256(blob).hexdigest()
            write_atomic(npz_path, lambda tmp: tmp.write_bytes(blob))
        write_json(
            meta_path,
            {"format": STAGE_FORMAT, "fingerprint": key, "arrays_sha256": digest, "value": value},
        )

    def run(
        self,
        name: str,
        key: str,
        compute: Callable[[], tuple[dict, dict[str, np.ndarray] | None]],
        needs: tuple[StageResult, ...] = (),
    ) -> StageResult:
        """The stage's saved result when there is one; else compute, save and return it.

        `compute()` returns (JSON-able value, arrays or None). A `W2SGError` it raises is the
        stage's failure reason; a failed stage in `needs` skips this one.
        """
        for dep in needs:
            if not dep.ok:
                return StageResult(name, "skipped", reason=f"needs the {dep.name} stage")
        saved = self.load(name, key)
        if saved is not None:
            return saved
        try:
            value, arrays = compute()
        except W2SGError as err:
            return StageResult(name, "failed", reason=str(err))
        value = json.loads(json.dumps(value, default=jsonable))  # exactly what a resume reads
        self.save(name, key, value, arrays)
        return StageResult(name, "ok", value, arrays)
