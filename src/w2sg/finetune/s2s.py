"""Strong-to-strong (docs/methods.md#fine-tune-mode): each iteration trains a fresh student on the
previous one's soft predictions of strong_train and val."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# A trainer of one fresh student: (train targets, val targets) -> {split: probs}.
TrainStudent = Callable[[np.ndarray, np.ndarray, int], dict[str, np.ndarray]]


def strong_to_strong(
    first: dict[str, np.ndarray], iterations: int, train_student: TrainStudent
) -> list[dict[str, np.ndarray]]:
    """Run `iterations` relabelling rounds starting from the student predictions `first`.

    `first` and every returned dict map "strong_train", "val", "test" to P(y=1); iteration i
    (1-based) trains on the predictions of iteration i − 1 (the student for i = 1).
    """
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, not {iterations}")
    out, previous = [], first
    for i in range(1, iterations + 1):
        previous = train_student(previous["strong_train"], previous["val"], i)
        out.append(previous)
    return out
