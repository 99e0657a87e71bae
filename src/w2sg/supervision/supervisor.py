"""A label model as the weak supervisor of a W2S study (docs/methods.md#weak-supervision).

The label model is fitted on the weak half's label matrix without its ground truth and plays
the weak model: its soft labels on strong_train teach the student, its soft labels on test
are "weak"'s predictions. Ground truth is used only to report the functions' accuracies and,
as WRENCH does, for Snorkel's class prior: the class counts of labelled validation rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2sg.data.wrench import load_wrench, wrench_path
from w2sg.errors import W2SGError
from w2sg.supervision.functions import load_label_functions
from w2sg.supervision.label_models import class_balance, majority_vote, make_label_model
from w2sg.supervision.matrix import apply_label_functions, check_label_matrix, summarize

SUPERVISORS = ("probe", "majority", "labelmodel")  # probe = the weak model's logistic probe
# Snorkel's class prior: from labelled validation rows (smoothed, or WRENCH's own expression),
# or uniform.
PRIORS = ("validation", "wrench", "uniform")
BALANCE_RULE = "(class count + 1) / (row count + 2) of the labelled validation rows"
WRENCH_RULE = (
    "(class counts + 1) / (sum of the counts), as JieyuZ2/wrench wrench/basemodel.py "
    "BaseLabelModel._init_balance (sums to 1 + 2/n)"
)


def check_supervisor(weak_supervisor: str) -> None:
    """A clear error for an unknown supervisor name."""
    if weak_supervisor not in SUPERVISORS:
        raise W2SGError(
            f"weak supervisor must be one of {', '.join(SUPERVISORS)}; not {weak_supervisor!r}"
        )


@dataclass(frozen=True)
class ValidationLabels:
    """Labelled validation rows for the label model's class prior, and which rows they are."""

    labels: np.ndarray
    source: str  # e.g. "the study's val split (split seed 0)", "valid.json of wrench:DIR"


def class_prior(
    label_model: str, prior: str, validation: ValidationLabels | None
) -> tuple[tuple[float, ...] | None, dict | None]:
    """Snorkel's class balance (None: uniform) and its record for results.json; majority vote
    has no prior (None, None)."""
    if prior not in PRIORS:
        raise W2SGError(f"class prior must be one of {', '.join(PRIORS)}; not {prior!r}")
    if label_model != "labelmodel":
        return None, None
    if prior == "uniform":
        return None, {"prior": "uniform", "why": "a uniform prior was asked for"}
    exact = prior == "wrench"
    balance = None if validation is None else class_balance(validation.labels, exact)
    if validation is None or balance is None:
        return None, {"prior": "uniform", "why": "no labelled validation rows"}
    counts = np.bincount(np.asarray(validation.labels, dtype=np.int64), minlength=2)
    return balance, {
        "prior": prior,
        "class_balance": list(balance),
        "class_counts": [int(c) for c in counts],
        "rows": int(counts.sum()),
        "source": validation.source,
        "rule": WRENCH_RULE if exact else BALANCE_RULE,
    }


@dataclass(frozen=True)
class WeakSupervision:
    """Soft labels of the pool and of test, and what made them (for results.json)."""

    pool_probs: np.ndarray
    test_probs: np.ndarray
    label_model: dict
    label_functions: dict  # per-split summaries and where the functions came from
    majority_test_accuracy: float | None  # majority vote on test, beside a learned model
    class_prior: dict | None = None  # Snorkel's prior and the rows it came from
    train_probs: np.ndarray | None = None  # soft labels of weak_train (no ground truth read)

    def to_json(self) -> dict:
        out = {
            "label_model": self.label_model,
            "label_functions": self.label_functions,
            "majority_test_accuracy": self.majority_test_accuracy,
        }
        if self.class_prior is not None:
            out["class_prior"] = self.class_prior
        return out


def supervise(
    label_model: str,
    matrices: dict[str, np.ndarray],
    labels: dict[str, np.ndarray],
    names: list[str],
    source: dict,
    seed: int = 0,
    epochs: int = 500,
    prior: str = "validation",
    validation: ValidationLabels | None = None,
) -> WeakSupervision:
    """Fit `label_model` on matrices["weak_train"]; soft labels for "strong_train" and "test".

    `labels` (ground truth per split) only feed the summaries, never the fit. Snorkel's model
    runs `epochs` epochs with the class prior of `validation`'s labels (`prior` "validation",
    uniform without rows) or a uniform one (`prior` "uniform").
    """
    for split in ("weak_train", "strong_train", "test"):
        if split not in matrices:
            raise W2SGError(f"matrices: missing the {split} label matrix")
        check_label_matrix(matrices[split], f"{split} label matrix")
    balance, prior_record = class_prior(label_model, prior, validation)
    model = make_label_model(label_model, seed=seed, n_epochs=epochs, class_balance=balance)
    model.fit(matrices["weak_train"])
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
        class_prior=prior_record,
        train_probs=model.predict(matrices["weak_train"]),
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
