"""Several weak supervisors as one (docs/methods.md#several-weak-supervisors).

Each weak supervisor gives P(y=1) per row; a combiner turns the (rows, supervisors) matrix into
one P(y=1) per row, which then plays the weak model (the student's soft labels, the hard set of
detection, the "weak" of PGR):

- `mean`: the mean of the soft labels; nothing is fitted.
- `stacking`: a logistic regression on the supervisors' logits, fitted on labelled rows (in a
  study: weak_train, with each weak probe's out-of-fold predictions there).
- `agreement`: no labels. A two-class mixture over the supervisors' logits, fitted by EM: given
  the class, each logit is normal with its own mean per class and its own spread, independent
  of the others. The posterior is a weighted vote whose weights, (mean gap) / variance, grow
  with how cleanly a supervisor's logits split along the classes the others agree on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from w2sg.errors import W2SGError
from w2sg.probes.logistic import LogisticProbe

COMBINERS = ("mean", "stacking", "agreement")
_CLIP = 1e-6
_EM_ITER = 500


def _matrix(probs: object, name: str = "probs") -> np.ndarray:
    """A (rows, supervisors) float matrix of probabilities from an array or a list of columns."""
    if isinstance(probs, Mapping):
        probs = list(probs.values())
    if isinstance(probs, list | tuple):
        if not probs:
            raise W2SGError(f"{name}: give at least one weak supervisor's P(y=1), got none")
        lengths = {len(np.asarray(p).ravel()) for p in probs}
        if len(lengths) > 1:
            raise W2SGError(
                f"{name}: the weak supervisors disagree on the rows ({sorted(lengths)} rows); "
                "give every supervisor's P(y=1) on the same rows"
            )
        probs = np.stack([np.asarray(p, dtype=np.float64).ravel() for p in probs], axis=1)
    arr = np.asarray(probs)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise W2SGError(f"{name} must be numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise W2SGError(f"{name} must be (rows, supervisors) with both > 0, got {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all() or (arr < 0).any() or (arr > 1).any():
        raise W2SGError(f"{name} must be probabilities P(y=1) in [0, 1]")
    return arr


def _logits(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, _CLIP, 1 - _CLIP)
    return np.log(q) - np.log1p(-q)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass
class WeakCombiner:
    """`fit(probs, labels)` then `predict(probs)`: several weak supervisors' P(y=1) as one.

    `probs`: (rows, supervisors), or a list / dict of per-supervisor arrays on the same rows.
    `labels` are read by `stacking` only.

    Example::

        comb = w2sg.WeakCombiner("stacking").fit([weak_a_train, weak_b_train], train_y)
        pool_probs = comb.predict([weak_a_pool, weak_b_pool])
        comb.weights  # one per supervisor (equal for mean)
    """

    combiner: str = "mean"
    weights: np.ndarray | None = None
    bias: float = 0.0
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_combiner(self.combiner)

    def fit(self, probs: object, labels: object | None = None) -> WeakCombiner:
        p = _matrix(probs)
        m = p.shape[1]
        if self.combiner == "mean":
            self.weights, self.bias = np.full(m, 1.0 / m), 0.0
        elif self.combiner == "stacking":
            self._fit_stacking(p, labels)
        else:
            self._fit_agreement(p)
        return self

    def predict(self, probs: object) -> np.ndarray:
        p = _matrix(probs)
        if self.weights is None:
            raise W2SGError("WeakCombiner: call fit before predict")
        if p.shape[1] != len(self.weights):
            raise W2SGError(
                f"WeakCombiner: fitted on {len(self.weights)} supervisors, given {p.shape[1]}"
            )
        if self.combiner == "mean":
            return p.mean(axis=1)
        return _sigmoid(_logits(p) @ self.weights + self.bias)

    def to_json(self, names: Sequence[str] | None = None) -> dict:
        w = [] if self.weights is None else [float(x) for x in self.weights]
        keys = list(names) if names is not None else [str(i) for i in range(len(w))]
        return {"combiner": self.combiner, "weights": dict(zip(keys, w, strict=True)),
                "bias": self.bias, **self.info}  # fmt: skip

    def _fit_stacking(self, p: np.ndarray, labels: object | None) -> None:
        if labels is None:
            raise W2SGError("the stacking combiner needs labelled rows: give labels")
        y = np.asarray(labels, dtype=np.float64).ravel()
        if len(y) != len(p):
            raise W2SGError(f"stacking: {len(p)} rows of probabilities but {len(y)} labels")
        if not set(np.unique(y)) <= {0.0, 1.0} or len(np.unique(y)) < 2:
            raise W2SGError("stacking: labels must be 0 or 1, with both classes present")
        probe = LogisticProbe(l2=1e-3).fit(_logits(p), y)
        assert probe.weight is not None  # set by fit
        self.weights, self.bias = probe.weight.astype(np.float64), probe.bias
        self.info = {"fitted_on_rows": len(y)}

    def _fit_agreement(self, p: np.ndarray) -> None:
        """EM of the two-class mixture over the logits (module docstring); no labels."""
        x = _logits(p)
        floor = 1e-6 * max(float(x.var(axis=0).max()), 1e-12)
        r = p.mean(axis=1)  # start from the mean of the soft labels
        iters = 0
        for iters in range(1, _EM_ITER + 1):  # noqa: B007  # the count is reported
            w, b = _mixture_step(x, r, floor)
            new = _sigmoid(x @ w + b)
            done = float(np.abs(new - r).max()) < 1e-7
            r = new
            if done:
                break
        if w.sum() < 0:  # the mixture's "positive" class must be the one the logits point to
            w, b = -w, -b
        self.weights, self.bias = w, float(b)
        self.info = {"em_iterations": iters, "positive_share": float(r.mean())}


def _mixture_step(x: np.ndarray, r: np.ndarray, floor: float) -> tuple[np.ndarray, float]:
    """One M-step from responsibilities `r` (P(y=1) per row): the posterior's linear weights."""
    pi = float(np.clip(r.mean(), 1e-6, 1 - 1e-6))
    r1, r0 = r[:, None], 1.0 - r[:, None]
    mu1 = (r1 * x).sum(axis=0) / max(r1.sum(), 1e-12)
    mu0 = (r0 * x).sum(axis=0) / max(r0.sum(), 1e-12)
    var = ((r1 * (x - mu1) ** 2) + (r0 * (x - mu0) ** 2)).mean(axis=0)
    var = np.maximum(var, floor)
    w = (mu1 - mu0) / var
    b = np.log(pi / (1 - pi)) + float(((mu0**2 - mu1**2) / (2 * var)).sum())
    return w, b


def check_combiner(name: object) -> None:
    """A clear error for an unknown combiner."""
    if name not in COMBINERS:
        raise W2SGError(f"weak combiner must be one of {', '.join(COMBINERS)}; not {name!r}")


def out_of_fold_probs(
    x: np.ndarray, y: np.ndarray, l2: float, folds: int = 5, seed: int = 0
) -> np.ndarray:
    """P(y=1) of each row from a logistic probe that did not see it (`folds`-fold cross-fit):
    what stacking learns its weights from, so a weak probe's fit on its own rows does not
    look better than it is."""
    y = np.asarray(y)
    order = np.random.default_rng(seed).permutation(len(y))
    out = np.empty(len(y), dtype=np.float64)
    for part in np.array_split(order, min(folds, len(y))):
        keep = np.setdiff1d(order, part)
        out[part] = LogisticProbe(l2=l2).fit(x[keep], y[keep]).predict(x[part])
    return out
