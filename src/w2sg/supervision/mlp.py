"""The strong model of the paper's tabular WRENCH runs: an MLP on standardised features
(docs/methods.md#weak-supervision).

Three hidden layers of 32 ReLU units, Adam, a fixed number of epochs [10], standardised
features. Soft targets p in [0, 1] are exact through duplication: each row enters once as
class 1 with sample weight p and once as class 0 with weight 1 - p, so the weighted log loss
is the binary cross-entropy against p. scikit-learn's MLPClassifier does the training.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from w2sg.errors import W2SGError


@dataclass
class MLPStudent:
    """`fit(X, soft_labels)` then `predict(X)` -> P(y = 1), like the logistic probe."""

    hidden: tuple[int, ...] = (32, 32, 32)
    epochs: int = 10
    lr: float = 1e-3
    batch_size: int = 64
    seed: int = 0
    # scikit-learn's StandardScaler and MLPClassifier once fitted (scikit-learn has no types)
    _scaler: Any | None = field(default=None, repr=False)
    _model: Any | None = field(default=None, repr=False)

    def fit(self, x: np.ndarray, y: np.ndarray) -> MLPStudent:
        from sklearn.exceptions import ConvergenceWarning  # heavy: loaded on first use
        from sklearn.neural_network import MLPClassifier  # heavy: loaded on first use
        from sklearn.preprocessing import StandardScaler  # heavy: loaded on first use

        x_np = np.asarray(x, dtype=np.float64)
        y_np = np.asarray(y, dtype=np.float64).ravel()
        if x_np.ndim != 2 or len(x_np) != len(y_np) or len(y_np) == 0:
            raise W2SGError(
                f"mlp: X has shape {x_np.shape} for {len(y_np)} targets; they must "
                "align and be non-empty"
            )
        if not (np.isfinite(x_np).all() and np.isfinite(y_np).all()):
            raise W2SGError("mlp: inputs contain NaN or infinity")
        if (y_np < 0).any() or (y_np > 1).any():
            raise W2SGError("mlp: targets must lie in [0, 1]")
        self._scaler = StandardScaler().fit(x_np)
        z = self._scaler.transform(x_np)
        both = np.concatenate([z, z])
        target = np.concatenate([np.ones(len(z), int), np.zeros(len(z), int)])
        weight = np.concatenate([y_np, 1.0 - y_np])
        keep = weight > 0
        self._model = MLPClassifier(
            hidden_layer_sizes=self.hidden,
            solver="adam",
            learning_rate_init=self.lr,
            batch_size=min(self.batch_size, int(keep.sum())),
            max_iter=self.epochs,
            shuffle=True,
            random_state=self.seed,
        )
        with warnings.catch_warnings():  # a fixed epoch budget is the reference's choice
            warnings.simplefilter("ignore", ConvergenceWarning)
            self._model.fit(both[keep], target[keep], sample_weight=weight[keep])
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """P(y = 1) per row."""
        if self._model is None or self._scaler is None:
            raise W2SGError("mlp: call fit before predict")
        z = self._scaler.transform(np.asarray(x, dtype=np.float64))
        proba = self._model.predict_proba(z)
        if proba.shape[1] == 1:  # every target was one class
            return np.full(len(z), float(self._model.classes_[0]))
        return proba[:, list(self._model.classes_).index(1)]
