"""The cache commands' library: list the activation stores, remove them, bound their size
(`w2sg cache ls | rm | prune`; the stores themselves: `w2sg.models.cache`).

A store whose store.json is damaged is still listed, with one line saying what is wrong with
it, and can be removed; a store that cannot be removed is one error naming it.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path
from typing import Any

from w2sg.errors import W2SGError
from w2sg.io import read_json
from w2sg.models.cache import store_root

STORE_FIELDS = {
    "model": str,
    "layer": int,
    "pooling": str,
    "dtype": str,
    "max_length": int,
    "model_name": str,
    "dim": int,
}
STORE_JSON = "an activation store's store.json (a JSON object: model, layer, pooling, ...)"


def store_description(info: Path) -> tuple[dict[str, Any], str | None]:
    """A store's store.json and, where it is damaged, one line saying what is wrong with it
    (the store is still listed and can be removed)."""
    try:
        desc = read_json(info, STORE_JSON)
    except W2SGError as err:
        return {}, str(err)
    problems = []
    for name, kind in STORE_FIELDS.items():
        value = desc.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            problems.append(f"field {name!r} must be {kind.__name__}, found {value!r:.40}")
            del desc[name]  # shown as unknown; the rest of the description still serves
    return desc, f"{info}: {'; '.join(problems)}" if problems else None


def list_stores(root: Path | None = None) -> list[dict[str, Any]]:
    """Every store: its key, model name, dim, texts (published rows), shards and bytes, and
    `problem` (one line) where its store.json is damaged."""
    out = []
    root = root or store_root()
    for info in sorted(root.glob("*/store.json")):
        desc, problem = store_description(info)
        texts, size, shards, last = 0, 0, 0, 0.0
        for manifest in info.parent.glob("shard-*.json"):
            try:
                m = json.loads(manifest.read_text())
                texts += int(m["rows"])
                size += int(m["bytes"])
                shards += 1
                last = max(last, manifest.stat().st_mtime)
            except (OSError, ValueError, KeyError, TypeError):
                continue
        where = {"store": info.parent.name, "path": str(info.parent), "problem": problem}
        counts = {"texts": texts, "shards": shards, "bytes": size, "last_used": last}
        out.append({**desc, **where, **counts})
    return out


def remove_stores(
    *, prefix: str | None = None, model: str | None = None, everything: bool = False
) -> list[str]:
    """Delete stores by folder prefix, by model (alias, name or identity), or all; return them.

    A store that cannot be removed (a read-only disk, permissions) is one error naming it and
    what was removed before it."""
    if not (everything or prefix or model):
        raise W2SGError("say what to remove: a store prefix, --model NAME, or --all")
    removed: list[str] = []
    for s in list_stores():
        name = s.get("model_name") or ""
        match = (
            everything
            or (prefix and s["store"].startswith(prefix))
            or (model and model in (name, Path(name).name, s.get("model")))
        )
        if match:
            try:
                shutil.rmtree(s["path"])
            except OSError as err:
                done = f"; removed before it: {', '.join(removed)}" if removed else ""
                raise W2SGError(
                    f"could not remove activation store {s['path']} "
                    f"({err.strerror or err}{': ' + str(err.filename) if err.filename else ''})"
                    f"{done}"
                ) from None
            removed.append(s["store"])
    return removed


def parse_size(text: str) -> int:
    """'2GB', '500 MB', '1.5G', '1000' (bytes) → bytes."""
    units = {
        "": 1,
        "B": 1,
        "K": 1 << 10,
        "KB": 1 << 10,
        "M": 1 << 20,
        "MB": 1 << 20,
        "G": 1 << 30,
        "GB": 1 << 30,
        "T": 1 << 40,
        "TB": 1 << 40,
    }
    s = str(text).strip().upper().replace(" ", "")
    number = s.rstrip("KMGTB")
    try:
        value = float(number)
    except ValueError:
        raise W2SGError(f"size must look like 2GB, 500MB or 1000000, not {text!r}") from None
    unit = s[len(number) :]
    if unit not in units or not math.isfinite(value) or value < 0:
        raise W2SGError(
            f"size must be a finite amount >= 0 such as 2GB, 500MB or 1000000, not {text!r}"
        )
    if value * units[unit] > 1 << 60:
        raise W2SGError(f"size {text!r} is beyond any disk (more than an exabyte)")
    return int(value * units[unit])


def prune(max_bytes: int, root: Path | None = None) -> tuple[int, int]:
    """Delete least-recently-used shards until the stores hold ≤ `max_bytes`.

    Returns (shards removed, bytes freed). Also clears temporary files and data files
    without a manifest left by crashed writers more than an hour ago.
    """
    root = root or store_root()
    now = time.time()
    for stray in list(root.glob("*/.*.tmp")) + list(root.glob("*/shard-*.safetensors")):
        try:
            stale = now - stray.stat().st_mtime > 3600
        except OSError:
            continue
        if stale and (stray.suffix == ".tmp" or not stray.with_suffix(".json").exists()):
            stray.unlink(missing_ok=True)
    shards = []
    for manifest in root.glob("*/shard-*.json"):
        try:
            m = json.loads(manifest.read_text())
            shards.append((manifest.stat().st_mtime, int(m["bytes"]), manifest))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    total = sum(b for _, b, _ in shards)
    removed = freed = 0
    for _, size, manifest in sorted(shards, key=lambda x: (x[0], str(x[2]))):
        if total <= max_bytes:
            break
        manifest.unlink(missing_ok=True)  # unpublish first, then delete the data
        manifest.with_suffix(".safetensors").unlink(missing_ok=True)
        total -= size
        freed += size
        removed += 1
    return removed, freed
