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
)
from w2sg.models.layers import middle_layer

Log = Callable[[str], None]


def _probe_stage(spec: Intervention, acts: dict, weak: dict, layer: int) -> dict:
    """A probe as the student: its test predictions, shaped as a trained stage."""
    t0 = time.perf_counter()
    weak_train = np.asarray(weak["probs"]["strong_train"], dtype=np.float64)
    test = probe_predictions(
        spec.method, acts["strong_train"], weak_train, acts["test"], InterventionOptions()
    )
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
    acts = {part: frozen_acts(config, data, part, layer) for part in ("strong_train", "test")}
    weak_train = np.asarray(weak["probs"]["strong_train"], dtype=np.float64)
    for raw in config.interventions:
        spec_i = parse_intervention(raw)
        name = spec_i.name
        if spec_i.kind == "none":
            yield name, None, {"same_as": config.losses[0]}
            continue
        if spec_i.kind == "probe":
            yield name, _probe_stage(spec_i, acts, weak, layer), {"layer": layer, "trained": False}
            continue
        chosen = training_set(spec_i, acts["strong_train"], weak_train, InterventionOptions())
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
        target = Target("strong_train", targets, weak["probs"]["val"], parent, chosen.indices)
        yield name, train_stage(config, data, f"student {name}", spec, target, log), info
