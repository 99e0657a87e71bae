"""Accuracy and ROC AUC of soft predictions against 0/1 labels (docs/methods.md#metrics)."""

from __future__ import annotations

import numpy as np

from w2sg.errors import W2SGError
from w2sg.stats.checks import numbers


def accuracy(labels: np.ndarray, probs: np.ndarray) -> float:
    """Share of points where P(y=1) > 0.5 agrees with the 0/1 label."""
    labels, probs = _check(labels, probs)
    if ((probs < 0) | (probs > 1)).any():
        raise W2SGError(
            "probs must be probabilities P(y=1) in [0, 1] (logits? apply a sigmoid first)"
        )
    return float(((probs > 0.5).astype(np.int64) == labels).mean())


def roc_auc(labels: np.ndarray, probs: np.ndarray) -> float | None:
    """ROC AUC, or None when the labels hold one class only."""
    from sklearn.metrics import roc_auc_score  # heavy: loaded on first use

    labels, probs = _check(labels, probs)
    if len(np.unique(labels)) < 2:
        return None
    return float(roc_auc_score(labels, probs))


def _flat(values: object) -> object:
    """A numpy array flattened (a column vector is one array of points); others as given."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "b":
        return values.astype(np.int64).ravel()  # 0/1 labels held as booleans
    return values.ravel() if isinstance(values, np.ndarray) else values


def _check(labels: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """0/1 labels and finite scores of one length (each a flat array)."""
    y = numbers(_flat(labels), "labels", finite=True)
    p = numbers(_flat(probs), "probs", finite=True)
    if len(y) != len(p):
        raise W2SGError(f"{len(y)} labels but {len(p)} predictions; they must align")
    if len(y) == 0:
        raise W2SGError("no points to evaluate")
    if not np.isin(y, (0, 1)).all():
        raise W2SGError(f"labels must be 0 or 1, found {sorted(set(y.tolist()) - {0.0, 1.0})[:3]}")
    return y.astype(np.int64), p


def evaluate(labels: np.ndarray, probs: np.ndarray) -> dict[str, float | None]:
    """{'accuracy', 'auc'} of predictions against 0/1 labels."""
    return {"accuracy": accuracy(labels, probs), "auc": roc_auc(labels, probs)}
