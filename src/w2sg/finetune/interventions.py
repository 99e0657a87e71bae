"""The probe interventions with a fine-tuned student (docs/methods.md#interventions).

The kNN / logistic / TopoFilter probes are fitted to the fine-tuned weak model's soft labels
of strong_train on the strong model's frozen activations (its middle layer); `filter:*`,
`relabel:*`, `confident`, `overlap` and `overlap+hard` pick the rows and labels a student (the
first `--loss`) trains on; `probe:*` is itself the student (its test predictions).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator

import numpy as np

from w2sg.finetune.config import FinetuneConfig
from w2sg.finetune.partition import frozen_acts
from w2sg.finetune.specs import LossSpec
from w2sg.finetune.stage import SeedData, Target, train_stage
from w2sg.finetune.store import stage_key
from w2sg.interventions.sets import (
    Intervention,
    InterventionOptions,
    parse_intervention,
    probe_predictions,
    training_set,
    validation_set,
)
from w2sg.models.layers import middle_layer

Log = Callable[[str], None]


def _probe_stage(
    spec: Intervention, acts: dict, weak: dict, layer: int, options: InterventionOptions
) -> dict:
    """A probe as the student: its test predictions, shaped as a trained stage."""
    t0 = time.perf_counter()
    weak_train = np.asarray(weak["probs"]["strong_train"], dtype=np.float64)
    test = probe_predictions(spec.method, acts["strong_train"], weak_train, acts["test"], options)
    return {
        "probs": {"test": np.clip(test, 0.0, 1.0)},
        "curve": [],
        "best_step": None,
        "best_val_auc": None,
        "train_s": time.perf_counter() - t0,
        "key": stage_key(probe=spec.name, weak=weak["key"], layer=layer),
    }


def interventions(
    config: FinetuneConfig, data: SeedData, weak: dict, spec: LossSpec, log: Log
) -> Iterator[tuple[str, dict | None, dict]]:
    """Each `--intervention` of `config`: yields (name, its stage or None, what it kept)."""
    layer = middle_layer(config.strong_model)
    parts = (
        ("strong_train", "val", "test")
        if config.intervention_val == "probe"
        else ("strong_train", "test")
    )
    acts = {part: frozen_acts(config, data, part, layer) for part in parts}
    weak_train = np.asarray(weak["probs"]["strong_train"], dtype=np.float64)
    for raw in config.interventions:
        spec_i = parse_intervention(raw)
        name = spec_i.name
        if spec_i.kind == "none":
            yield name, None, {"same_as": config.losses[0]}
            continue
        if spec_i.kind == "probe":
            probe = _probe_stage(spec_i, acts, weak, layer, config.options)
            yield name, probe, {"layer": layer, "trained": False}
            continue
        chosen = training_set(spec_i, acts["strong_train"], weak_train, config.options)
        info = {"layer": layer, "kept": chosen.n_kept, "of": len(weak_train), **chosen.info}
        if chosen.n_kept < config.batch_size:
            reason = f"{chosen.n_kept} rows kept, below the batch size {config.batch_size}"
            log(f"seed {data.seed}: intervention {name} skipped: {reason}")
            yield name, None, {**info, "skipped": reason}
            continue
        targets = weak_train.copy()
        targets[chosen.indices] = chosen.labels
        labels_digest = hashlib.sha256(np.ascontiguousarray(targets).tobytes()).hexdigest()
        parent = stage_key(weak=weak["key"], intervention=name, layer=layer, labels=labels_digest)
        val_labels, val_rows, info["val"] = _val_targets(config, spec_i, acts, weak)
        source = None if info["val"]["targets"] == "weak" else info["val"]["targets"]
        target = Target(
            "strong_train", targets, val_labels, parent, chosen.indices, val_rows, source
        )
        yield name, train_stage(config, data, f"student {name}", spec, target, log), info


def _val_targets(
    config: FinetuneConfig, spec: Intervention, acts: dict, weak: dict
) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """The student's validation targets: the weak labels of every val row, or (with
    `intervention_val="probe"`, the published code's way) val filtered or relabelled by the
    probe as the training set is. Returns (targets of all val rows, the rows kept or None,
    what was done)."""
    weak_val = np.asarray(weak["probs"]["val"], dtype=np.float64)
    if config.intervention_val == "weak" or spec.kind not in ("filter", "relabel"):
        return weak_val, None, {"targets": "weak", "rows": len(weak_val)}
    chosen = validation_set(
        spec,
        acts["strong_train"],
        np.asarray(weak["probs"]["strong_train"], dtype=np.float64),
        acts["val"],
        weak_val,
        config.options,
    )
    labels = weak_val.copy()
    labels[chosen.indices] = chosen.labels
    rows = None if spec.kind == "relabel" else chosen.indices
    return labels, rows, {"targets": f"probe ({spec.kind})", "rows": chosen.n_kept}
