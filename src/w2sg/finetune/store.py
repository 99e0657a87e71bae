"""Fine-tune mode's trained models as stages in the cache, addressed by what produced them.

A stage holds one trained model's soft predictions on strong_train, val and test (aligned by
row id) and its record (curve, chosen step). Its address is a digest of everything that made
it: model weights, the rows (ids, texts, labels), split seed and sizes, training config, loss,
the trainer's revision and the stage whose labels it learnt. So a rerun with another student
loss reuses the weak model and the ceiling, and a killed run resumes from its finished stages.
Storage is `w2sg.stages.StageStore` (atomic writes, arrays checked by their digest).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from w2sg.data.splits import SPLIT_NAMES, Splits
from w2sg.paths import cache_dir
from w2sg.stages import StageStore

SPLITS = ("strong_train", "val", "test")  # the parts every stage predicts


def data_digest(splits: Splits) -> str:
    """SHA-256 over ids, texts and labels of the four splits (what the stage saw)."""
    h = hashlib.sha256()
    for name in SPLIT_NAMES:
        part = getattr(splits, name)
        for i, t, y in zip(part.ids, part.texts, part.labels, strict=True):
            h.update(f"{name}\x1f{i}\x1f{t}\x1f{int(y)}\x1e".encode())
    return h.hexdigest()


def stage_key(**fields: Any) -> str:
    """The content address of a stage: SHA-256 of its canonical JSON description."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def store() -> StageStore:
    """The fine-tune stages of this cache (`W2SG_CACHE/finetune`)."""
    return StageStore(cache_dir("finetune"))


def load_stage(key: str) -> dict | None:
    """A finished stage: its record with `key`, `ids` and `probs` per split; else None."""
    found = store().load(key[:32], key)
    if found is None or found.arrays is None:
        return None
    arrays = found.arrays
    return {
        **(found.value or {}),
        "key": key,
        "ids": {s: arrays[f"ids_{s}"] for s in SPLITS},
        "probs": {s: arrays[f"probs_{s}"] for s in SPLITS},
        "logits": {s: arrays[f"logits_{s}"] for s in SPLITS if f"logits_{s}" in arrays},
    }


def save_stage(key: str, ids: dict, probs: dict, meta: dict, logits: dict | None = None) -> dict:
    """Store a stage's predictions (aligned by row id) and its record; return it as loaded."""
    arrays = {f"ids_{s}": np.asarray(ids[s]).astype(str) for s in SPLITS}
    arrays |= {f"probs_{s}": np.asarray(probs[s], dtype=np.float64) for s in SPLITS}
    if logits is not None:  # the raw class-1 logits, for an AUC ranked as upstream ranks it
        arrays |= {f"logits_{s}": np.asarray(logits[s], dtype=np.float64) for s in SPLITS}
    store().save(key[:32], key, meta, arrays)
    return {**meta, "key": key, "ids": ids, "probs": probs, "logits": logits or {}}
