"""Accuracy, ROC AUC and PGR (SPEC §1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2sg.errors import W2SGError


def accuracy(labels: np.ndarray, probs: np.ndarray) -> float:
    """Share of points where P(y=1) > 0.5 agrees with the 0/1 label."""
    labels, probs = _check(labels, probs)
    return float(((probs > 0.5).astype(np.int64) == labels).mean())


def roc_auc(labels: np.ndarray, probs: np.ndarray) -> float | None:
    """ROC AUC, or None when the labels hold one class only."""
    from sklearn.metrics import roc_auc_score

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


@dataclass(frozen=True)
class PGR:
    """Performance gap recovered, or None with the reason it is undefined."""

    value: float | None
    reason: str | None = None

    def to_json(self) -> float | None:
        return self.value


def pgr(weak: float | None, w2s: float | None, ceiling: float | None) -> PGR:
    """(w2s - weak) / (ceiling - weak); undefined when ceiling <= weak."""
    if weak is None or w2s is None or ceiling is None:
        return PGR(None, "a metric is undefined (one class in the test labels?)")
    if ceiling <= weak:
        return PGR(None, f"ceiling ({ceiling:.4f}) is not above weak ({weak:.4f})")
    return PGR((w2s - weak) / (ceiling - weak))


def evaluate(labels: np.ndarray, probs: np.ndarray) -> dict[str, float | None]:
    """{'accuracy', 'auc'} of predictions against 0/1 labels."""
    return {"accuracy": accuracy(labels, probs), "auc": roc_auc(labels, probs)}
