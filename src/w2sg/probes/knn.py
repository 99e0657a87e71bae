"""The kNN probe of docs/methods.md#interventions: a point's prediction is the mean soft label of
its k neighbours.

Built on scikit-learn's `NearestNeighbors`. On its own training set a point is NOT its own
neighbour (`predict_train`): the published EleutherAI code lets it be, which leaks each
point's own label into its prediction (with k = 50 by 1/50 of it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from w2sg.errors import W2SGError

METRICS = ("euclidean", "cosine")


def check_probe_inputs(x: np.ndarray, y: np.ndarray, who: str) -> tuple[np.ndarray, np.ndarray]:
    """(activations, soft labels) as float arrays, aligned, finite, labels in [0, 1]."""
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.ndim != 2:
        raise W2SGError(f"{who}: activations must be 2-dimensional, got shape {x.shape}")
    if len(x) != len(y):
        raise W2SGError(f"{who}: {len(x)} activation rows but {len(y)} labels; they must align")
    if len(y) == 0:
        raise W2SGError(f"{who}: no training points")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise W2SGError(f"{who}: inputs contain NaN or infinity")
    if (y < 0).any() or (y > 1).any():
        raise W2SGError(f"{who}: labels must be soft labels in [0, 1]")
    return x, y


def check_k(k: int, n_train: int, who: str, *, self_excluded: bool) -> None:
    """k must be a positive integer that the training set can supply."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise W2SGError(f"{who}: k must be a positive integer, got {k!r}")
    have = n_train - 1 if self_excluded else n_train
    if k > have:
        extra = " (a point is not its own neighbour)" if self_excluded else ""
        raise W2SGError(
            f"{who}: k={k} neighbours need at least {k + int(self_excluded)} training points"
            f"{extra}; got {n_train}. Lower k or give more data"
        )


def neighbours(x_train: np.ndarray, x_query: np.ndarray | None, k: int, metric: str) -> np.ndarray:
    """Indices (into x_train) of each query's k nearest neighbours, nearest first.

    `x_query=None` queries the training points themselves, each without itself.
    """
    from sklearn.neighbors import NearestNeighbors  # heavy: loaded on first use

    if metric not in METRICS:
        raise W2SGError(f"metric must be one of {', '.join(METRICS)}; not {metric!r}")
    nn = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="brute").fit(x_train)
    # scikit-learn's query without X leaves each training point out of its own neighbours
    return nn.kneighbors(None if x_query is None else x_query, return_distance=False)


@dataclass
class KNNProbe:
    """`fit(X, soft_labels)`; `predict(X)` = mean soft label of the k nearest training points."""

    k: int = 50
    metric: str = "euclidean"
    x_train: np.ndarray | None = field(default=None, repr=False)
    y_train: np.ndarray | None = field(default=None, repr=False)

    def fit(self, x: np.ndarray, y: np.ndarray) -> KNNProbe:
        if self.metric not in METRICS:
            raise W2SGError(f"knn probe: metric must be one of {', '.join(METRICS)}")
        self.x_train, self.y_train = check_probe_inputs(x, y, "knn probe")
        check_k(self.k, len(self.y_train), "knn probe", self_excluded=False)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Mean neighbour label of new points (a training point passed here finds itself)."""
        if self.x_train is None or self.y_train is None:
            raise W2SGError("knn probe: call fit before predict")
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.x_train.shape[1]:
            raise W2SGError(
                f"knn probe: X must have {self.x_train.shape[1]} columns, got shape {x.shape}"
            )
        idx = neighbours(self.x_train, x, self.k, self.metric)
        return self.y_train[idx].mean(axis=1)

    def predict_train(self) -> np.ndarray:
        """Mean neighbour label of each training point, itself excluded (leave-one-out)."""
        if self.x_train is None or self.y_train is None:
            raise W2SGError("knn probe: call fit before predict_train")
        check_k(self.k, len(self.y_train), "knn probe", self_excluded=True)
        idx = neighbours(self.x_train, None, self.k, self.metric)
        return self.y_train[idx].mean(axis=1)
