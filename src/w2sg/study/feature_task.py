"""A WRENCH feature task (data.feature) as a W2S run: label model weak, MLP strong
(docs/methods.md#weak-supervision).

The paper's tabular runs: WRENCH's train split is halved by seed; the label model is fitted
on the weak half's label matrix (no ground truth) and labels the other half, where the MLP
student learns from its soft labels and the MLP ceiling from ground truth; WRENCH's test
split evaluates all three. Overlap detection runs on the label model's soft labels and the
standardised features. `w2sg run` takes text tasks; this is the feature tasks' entry point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2sg.data.wrench import WrenchTask
from w2sg.errors import W2SGError
from w2sg.overlap.detect import OverlapResult, detect_overlap
from w2sg.probes.w2s import W2SOutcome, weak_to_strong
from w2sg.supervision.mlp import MLPStudent
from w2sg.supervision.supervisor import ValidationLabels, WeakSupervision, supervise


@dataclass(frozen=True)
class FeatureTaskRun:
    """Weak / w2s / ceiling on a feature task, the label model's record, and the partition."""

    outcome: W2SOutcome
    supervision: WeakSupervision
    overlap: OverlapResult

    def to_json(self) -> dict:
        return {
            **self.outcome.to_json(),
            "weak_supervisor": self.supervision.to_json(),
            "overlap": self.overlap.counts(),
        }


def run_feature_task(
    task: WrenchTask,
    label_model: str = "labelmodel",
    seed: int = 0,
    epochs: int = 10,
    label_model_epochs: int = 500,
) -> FeatureTaskRun:
    """Label model on half of train, MLP student on the other half's soft labels
    (docs/methods.md#weak-supervision); Snorkel's class prior from valid.json's labels."""
    if task.kind != "feature":
        raise W2SGError(f"{task.path}: a text task; run it with `w2sg run --dataset wrench:DIR`")
    train, test = task.splits["train"], task.splits["test"]
    order = np.random.default_rng(seed).permutation(len(train))
    weak_half, pool = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2 :])
    if len(weak_half) == 0 or len(pool) == 0:
        raise W2SGError(f"{task.path}: train.json needs at least 2 rows to halve")
    names = [f"lf{j}" for j in range(task.n_functions)]
    supervision = supervise(
        label_model,
        {
            "weak_train": train.weak_labels[weak_half],
            "strong_train": train.weak_labels[pool],
            "test": test.weak_labels,
        },
        {
            "weak_train": train.labels[weak_half],
            "strong_train": train.labels[pool],
            "test": test.labels,
        },
        names,
        {"source": f"{task.path} (its own label matrix)"},
        seed=seed,
        epochs=label_model_epochs,
        validation=ValidationLabels(task.splits["valid"].labels, f"valid.json of {task.path}"),
    )
    assert train.features is not None and test.features is not None  # a feature task
    pool_x, pool_y = train.features[pool], train.labels[pool]
    outcome = weak_to_strong(
        None,
        None,
        None,
        pool_x,
        pool_y,
        None,
        test.features,
        test.labels,
        weak_probs=(supervision.pool_probs, supervision.test_probs),
        strong_model=lambda: MLPStudent(epochs=epochs, seed=seed),
    )
    mean, std = pool_x.mean(axis=0), pool_x.std(axis=0)
    standardised = (pool_x - mean) / np.where(std > 0, std, 1.0)
    overlap = detect_overlap(supervision.pool_probs, standardised)
    return FeatureTaskRun(outcome=outcome, supervision=supervision, overlap=overlap)
