"""The logistic probe of docs/methods.md#probes: "the model" in probe mode.

A zero-initialised linear layer with a sigmoid, binary cross-entropy against soft targets in
[0, 1], an L2 penalty on the weights only (not the bias), fitted to convergence with L-BFGS
and a strong-Wolfe line search. Loss = mean BCE + l2 * ||w||^2, as in the reference code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2sg import validate
from w2sg.errors import W2SGError


@dataclass
class LogisticProbe:
    """`fit(X, soft_labels)` then `predict(X)` -> P(y = 1)."""

    l2: float = 1e-3
    max_iter: int = 10_000
    weight: np.ndarray | None = None
    bias: float = 0.0

    def __post_init__(self) -> None:
        self._check_settings()

    def _check_settings(self) -> None:
        """A negative L2 gives NaN weights; fail instead, naming it."""
        validate.l2(self.l2, "probe l2")
        validate.positive(self.max_iter, "probe max_iter")

    def fit(self, x: np.ndarray, y: np.ndarray) -> LogisticProbe:
        self._check_settings()  # also when changed after construction
        x_np = _numeric(x, "X", 2)
        y_np = _numeric(y, "y (the targets)", None).ravel()
        if x_np.shape[1] == 0:
            raise W2SGError(f"probe: X has shape {x_np.shape}: no feature columns to fit on")
        if len(x_np) != len(y_np):
            raise W2SGError(
                f"probe: X has shape {x_np.shape} but there are {len(y_np)} targets; "
                "they must align"
            )
        if len(y_np) == 0:
            raise W2SGError("probe: no training points")
        if not (np.isfinite(x_np).all() and np.isfinite(y_np).all()):
            raise W2SGError("probe: inputs contain NaN or infinity")
        if (y_np < 0).any() or (y_np > 1).any():
            raise W2SGError("probe: targets must lie in [0, 1]")
        import torch  # heavy: loaded on first use

        # torch.tensor copies: cached activations arrive as read-only memory maps.
        xt, yt = torch.tensor(x_np), torch.tensor(y_np)
        w = torch.zeros(x_np.shape[1], requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        eps = torch.finfo(torch.float32).eps
        opt = torch.optim.LBFGS(
            [w, b],
            line_search_fn="strong_wolfe",
            max_iter=self.max_iter,
            tolerance_change=eps,
            tolerance_grad=eps,
        )

        def closure() -> torch.Tensor:
            opt.zero_grad()
            logits = xt @ w + b
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt)
            loss = loss + self.l2 * w.square().sum()
            loss.backward()
            return loss

        with torch.random.fork_rng():
            opt.step(closure)
        self.weight = w.detach().numpy().copy()
        self.bias = float(b.detach()[0])
        return self

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        if self.weight is None:
            raise W2SGError("probe: call fit before predict")
        x_np = _numeric(x, "X", 2)
        if x_np.shape[1] != len(self.weight):
            raise W2SGError(
                f"probe: X has {x_np.shape[1]} columns but the probe was fitted on "
                f"{len(self.weight)}; predict on activations of the same model and layer"
            )
        return (x_np @ self.weight + self.bias).astype(np.float64)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """P(y = 1) per row."""
        z = self.decision_function(x)
        return 1.0 / (1.0 + np.exp(-z))


def l2_for_sklearn_c(c: float, n: int) -> float:
    """The probe's `l2` that fits what scikit-learn's `LogisticRegression(C=c)` fits on n points.

    sklearn minimises C·Σ BCE + ‖w‖²/2; divided by C·n that is mean BCE + ‖w‖²/(2·C·n).
    """
    if not c > 0:
        raise W2SGError(f"C must be positive, got {c}")
    if n < 1:
        raise W2SGError(f"n must be at least 1 point, got {n}")
    return 1.0 / (2.0 * c * n)


def _numeric(a: object, name: str, ndim: int | None) -> np.ndarray:
    """`a` as float32, or an error naming the argument (strings, objects, wrong rank)."""
    if hasattr(a, "detach"):  # torch tensor
        a = a.detach().cpu().numpy()
    arr = np.asarray(a)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise W2SGError(
            f"probe: {name} must be numeric, got dtype {arr.dtype}; map string labels to 0/1 first"
        )
    if ndim is not None and arr.ndim != ndim:
        raise W2SGError(
            f"probe: {name} must be {ndim}-dimensional (rows, features), got shape {arr.shape}"
        )
    return arr.astype(np.float32, copy=False)
