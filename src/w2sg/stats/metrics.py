"""Accuracy and ROC AUC of soft predictions against 0/1 labels (docs/methods.md#metrics)."""

from __future__ import annotations

import numpy as np

from w2sg.errors import W2SGError


def accuracy(labels: np.ndarray, probs: np.ndarray) -> float:
    """Share of points where P(y=1) > 0.5 agrees with the 0/1 label."""
    labels, probs = _check(labels, probs)
    return float(((probs > 0.5).astype(np.int64) == labels).mean())


def roc_auc(labels: np.ndarray, probs: np.ndarray) -> float | None:
    """ROC AUC, or None when the labels hold one class only."""
    from sklearn.metrics import roc_auc_score  # heavy: loaded on first use

    labels, probs = _check(labels, probs)
    if len(np.unique(labels)) < 2:
        return None
    return float(roc_auc_score(labels, probs))


def _check(labels: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).astype(np.int64).ravel()
    probs = np.asarray(probs, dtype=np.float64).ravel()
    if len(labels) != len(probs):
        raise W2SGError(f"{len(labels)} labels but {len(probs)} predictions; they must align")
    if len(labels) == 0:
        raise W2SGError("no points to evaluate")
    return labels, probs


def evaluate(labels: np.ndarray, probs: np.ndarray) -> dict[str, float | None]:
    """{'accuracy', 'auc'} of predictions against 0/1 labels."""
    return {"accuracy": accuracy(labels, probs), "auc": roc_auc(labels, probs)}
