"""Overlap in fine-tune mode: the partition from the fine-tuned weak model, accuracy by group,
and the mixing experiment with trained students (docs/methods.md#mixing)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from w2sg.finetune.config import FinetuneConfig
from w2sg.finetune.specs import LossSpec
from w2sg.finetune.stage import SeedData, Target, model_json, pgr_json, train_stage
from w2sg.models import get_activations
from w2sg.models.layers import middle_layer
from w2sg.overlap.detect import OverlapResult, detect_overlap
from w2sg.overlap.mixing import baseline_draw, mix_draw

Log = Callable[[str], None]
GROUPS = ("overlap", "easy_only", "hard_only")


def frozen_layers(config: FinetuneConfig) -> tuple[int, ...]:
    """The strong model's frozen layers the run reads: the last for the overlap partition, the
    middle for the intervention probes. One pass embeds both; the store serves the second."""
    layers = [-1] if config.overlap else []
    if config.interventions:
        layers.append(middle_layer(config.strong_model))
    return tuple(layers)


def frozen_acts(config: FinetuneConfig, data: SeedData, part: str, layer: int) -> np.ndarray:
    """The strong model's frozen activations of a split at `layer` (the activation store)."""
    return get_activations(
        config.strong_model,
        getattr(data.splits, part),
        layers=frozen_layers(config),
        max_length=config.max_length,
        device=config.device,
        progress=False,
    )[layer]


def _group_accuracy(probs: np.ndarray, y: np.ndarray, rows: np.ndarray) -> float | None:
    if len(rows) == 0:
        return None
    return float(np.mean((probs[rows] > 0.5) == y[rows]))


def overlap_by_partition(
    config: FinetuneConfig, data: SeedData, weak: dict, models: dict[str, dict], log: Log
) -> tuple[dict, OverlapResult]:
    """Partition strong_train and test with the fine-tuned weak model's soft labels and the
    strong model's frozen activations, and each model's test accuracy per group.

    The test partition runs the same detector on the test points with the weak model's test
    predictions (the detector is transductive: it needs a pool to draw its thresholds from).
    """
    parts = {
        part: detect_overlap(weak["probs"][part], frozen_acts(config, data, part, -1))
        for part in ("strong_train", "test")
    }
    test, y = parts["test"], data.splits.test.labels
    by_group = {
        name: {g: _group_accuracy(st["probs"]["test"], y, getattr(test, g)) for g in GROUPS}
        for name, st in models.items()
    }
    log(f"seed {data.seed}: overlap on strong_train {parts['strong_train'].counts()}")
    summary = {
        "strong_train": parts["strong_train"].counts(),
        "test": test.counts(),
        "test_accuracy_by_group": by_group,
    }
    return summary, parts["strong_train"]


def trained_mixing(
    config: FinetuneConfig,
    data: SeedData,
    weak: dict,
    pool: OverlapResult,
    ends: tuple[dict, dict],
    log: Log,
) -> list[dict]:
    """The mixing experiment with trained students: an xent student per overlap share q and
    the random baseline of the same size, each on the weak model's soft labels of its rows."""
    non_overlap = np.sort(np.concatenate([pool.easy_only, pool.hard_only]))
    m = min(len(pool.overlap), len(non_overlap))
    if m < config.batch_size:
        log(f"seed {data.seed}: mixing skipped: mixes of {m} rows < batch {config.batch_size}")
        return [{"skipped": f"mix size {m} is below the batch size {config.batch_size}"}]
    draws: list[tuple[str, float | None, np.ndarray]] = [
        (f"q={q}", q, mix_draw(pool.overlap, non_overlap, q, i, data.seed))
        for i, q in enumerate(config.mixing_qs)
    ]
    draws.append(("random", None, baseline_draw(pool.n, m, data.seed)))
    rows_out = []
    for name, q, rows in draws:
        target = Target(
            "strong_train",
            weak["probs"]["strong_train"],
            weak["probs"]["val"],
            weak["key"],
            np.sort(rows).astype(int),
        )
        stage = train_stage(config, data, f"mixing {name}", LossSpec(), target, log)
        metrics = {
            k: stage_m[k]
            for k in ("accuracy", "auc")
            for stage_m in [model_json(stage, data.splits.test.labels, config.auc)]
        }
        rows_out.append(
            {
                "mix": name,
                "q": q,
                "size": int(len(rows)),
                **metrics,
                "pgr": pgr_json(ends[0], metrics, ends[1], config.pgr_margin),
            }
        )
    return rows_out
