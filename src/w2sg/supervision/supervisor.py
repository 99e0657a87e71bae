"""A label model as the weak supervisor of a W2S study (docs/methods.md#weak-supervision).

The label model is fitted on the weak half's label matrix without its ground truth and plays
the weak model: its soft labels on strong_train teach the student, its soft labels on test
are "weak"'s predictions. Ground truth is used only to report the functions' accuracies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2sg.data.wrench import load_wrench, wrench_path
from w2sg.errors import W2SGError
from w2sg.supervision.functions import load_label_functions
from w2sg.supervision.label_models import majority_vote, make_label_model
from w2sg.supervision.matrix import apply_label_functions, check_label_matrix, summarize

SUPERVISORS = ("probe", "majority", "labelmodel")  # probe = the weak model's logistic probe


def check_supervisor(weak_supervisor: str) -> None:
    """A clear error for an unknown supervisor name."""
    if weak_supervisor not in SUPERVISORS:
        raise W2SGError(
            f"weak supervisor must be one of {', '.join(SUPERVISORS)}; not {weak_supervisor!r}"
        )


@dataclass(frozen=True)
class WeakSupervision:
    """Soft labels of the pool and of test, and what made them (for results.json)."""

    pool_probs: np.ndarray
    test_probs: np.ndarray
    label_model: dict
    label_functions: dict  # per-split summaries and where the functions came from
    majority_test_accuracy: float | None  # majority vote on test, beside a learned model

    def to_json(self) -> dict:
        return {
            "label_model": self.label_model,
            "label_functions": self.label_functions,
            "majority_test_accuracy": self.majority_test_accuracy,
        }


def supervise(
    label_model: str,
    matrices: dict[str, np.ndarray],
    labels: dict[str, np.ndarray],
    names: list[str],
    source: dict,
    seed: int = 0,
) -> WeakSupervision:
    """Fit `label_model` on matrices["weak_train"]; soft labels for "strong_train" and "test".

    `labels` (ground truth per split) only feed the summaries, never the fit.
    """
    for split in ("weak_train", "strong_train", "test"):
        if split not in matrices:
            raise W2SGError(f"matrices: missing the {split} label matrix")
        check_label_matrix(matrices[split], f"{split} label matrix")
    model = make_label_model(label_model, seed=seed).fit(matrices["weak_train"])
    pool_probs = model.predict(matrices["strong_train"])
    test_probs = model.predict(matrices["test"])
    summaries = {
        split: summarize(m, labels.get(split), names).to_json() for split, m in matrices.items()
    }
    majority = None
    if label_model != "majority" and "test" in labels:
        majority = float(((majority_vote(matrices["test"]) > 0.5) == labels["test"]).mean())
    return WeakSupervision(
        pool_probs=pool_probs,
        test_probs=test_probs,
        label_model=model.to_json(),
        label_functions={**source, "summary": summaries},
        majority_test_accuracy=majority,
    )


def study_label_matrix(
    label_functions: str | None, dataset: str, ids: np.ndarray, texts: np.ndarray
) -> tuple[np.ndarray, tuple[str, ...], dict]:
    """The label matrix of a study's rows: label functions applied to the texts, or (None)
    the WRENCH dataset's own weak labels looked up by row id; with names and a description."""
    if label_functions is None:
        folder = wrench_path(dataset)
        if folder is None:
            raise W2SGError(f"{dataset!r} is not a WRENCH dataset: give label functions")
        task = load_wrench(folder)
        names = tuple(f"lf{j}" for j in range(task.n_functions))
        return task.label_matrix(ids), names, {"source": f"{dataset} (its own label matrix)"}

    lfs = load_label_functions(label_functions)
    return apply_label_functions(lfs.functions, list(texts)), tuple(lfs.names), lfs.to_json()
