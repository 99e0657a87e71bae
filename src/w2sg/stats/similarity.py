"""How alike two models' mistakes are (docs/methods.md#similarity): error agreement, Cohen's
kappa of the errors, and CAPA (Goel et al. 2025, arXiv 2502.04313, computed by `lm-sim`).

Pure: labels and two models' P(y=1) in, numbers out. A prediction is right where P(y=1) > 0.5
agrees with the 0/1 label (as `w2sg.stats.metrics.accuracy` counts it).

    error agreement  c_obs = share of points where both are right or both are wrong
    error kappa      (c_obs - c_exp) / (1 - c_exp),  c_exp = acc_a acc_b + (1-acc_a)(1-acc_b)
    CAPA             (cp_obs - cp_exp) / (1 - cp_exp): cp_obs the mean over points of
                     p_a(y=0) p_b(y=0) + p_a(y=1) p_b(y=1), cp_exp = q_a q_b + (1-q_a)(1-q_b)
                     with q the mean probability a model puts on the right label
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from lmsim.metrics import CAPA

from w2sg.errors import W2SGError

KEYS = ("error_agreement", "error_kappa", "capa")


@dataclass(frozen=True)
class Similarity:
    """Two models' accuracies on the same labelled points and how alike their errors are."""

    n: int
    accuracy_a: float
    accuracy_b: float
    error_agreement: float  # both right or both wrong
    error_kappa: float | None  # None when chance agreement is already 1
    capa: float | None
    shared_errors: float | None  # of a's errors, the share b makes too (None: a makes none)

    def to_json(self) -> dict:
        return asdict(self)


def _inputs(labels: object, probs_a: object, probs_b: object) -> tuple[np.ndarray, ...]:
    out = []
    for name, x in (("labels", labels), ("probs_a", probs_a), ("probs_b", probs_b)):
        if hasattr(x, "detach"):  # torch tensor
            x = x.detach().float().cpu().numpy()
        arr = np.asarray(x)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise W2SGError(f"{name} must be numbers, got an array of dtype {arr.dtype}")
        if arr.ndim != 1:
            raise W2SGError(f"{name} must be 1-dimensional, got shape {arr.shape}")
        out.append(arr.astype(np.float64))
    y, a, b = out
    if not len(y) == len(a) == len(b):
        raise W2SGError(
            f"labels, probs_a and probs_b must align: {len(y)}, {len(a)} and {len(b)} points"
        )
    if len(y) == 0:
        raise W2SGError("similarity: no points given")
    if not set(np.unique(y)) <= {0.0, 1.0}:
        raise W2SGError("labels must be 0 or 1")
    for name, p in (("probs_a", a), ("probs_b", b)):
        if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
            raise W2SGError(f"{name} must be probabilities P(y=1) in [0, 1]")
    return y.astype(np.int64), a, b


def _kappa(observed: float, expected: float) -> float | None:
    return None if expected >= 1.0 - 1e-12 else float((observed - expected) / (1.0 - expected))


def capa(labels: object, probs_a: object, probs_b: object) -> float | None:
    """CAPA, the chance-adjusted probabilistic agreement of two binary models (arXiv
    2502.04313, `lmsim.metrics.CAPA`); None when chance agreement is already 1."""
    y, a, b = _inputs(labels, probs_a, probs_b)
    out_a, out_b = np.stack([1 - a, a], axis=1), np.stack([1 - b, b], axis=1)
    metric = CAPA(prob=True)  # compute_k's steps, so a chance agreement of 1 gives None
    metric.compute_cobsp(out_a, out_b)
    metric.compute_phat(out_a, out_b, y)
    metric.compute_frac(out_a)
    metric.compute_cexpp()
    return _kappa(float(metric.observed), float(metric.expected))


def similarity(labels: object, probs_a: object, probs_b: object) -> Similarity:
    """Error agreement, Cohen's kappa of the errors and CAPA of models a and b
    (docs/methods.md#similarity).

    `labels`: 0/1 per point; `probs_a`, `probs_b`: each model's P(y=1) on the same points.

    Example::

        sim = w2sg.similarity(test_y, weak_test_probs, ceiling_test_probs)
        sim.error_agreement, sim.error_kappa, sim.capa
    """
    y, a, b = _inputs(labels, probs_a, probs_b)
    right_a, right_b = (a > 0.5) == (y == 1), (b > 0.5) == (y == 1)
    acc_a, acc_b = float(right_a.mean()), float(right_b.mean())
    observed = float((right_a == right_b).mean())
    expected = acc_a * acc_b + (1 - acc_a) * (1 - acc_b)
    wrong_a = ~right_a
    return Similarity(
        n=len(y),
        accuracy_a=acc_a,
        accuracy_b=acc_b,
        error_agreement=observed,
        error_kappa=_kappa(observed, expected),
        capa=capa(y, a, b),
        shared_errors=float((~right_b[wrong_a]).mean()) if wrong_a.any() else None,
    )


def weak_strong_similarity(
    test_y: object,
    weak_test: object,
    ceiling_test: object,
    student_test: object | None = None,
    pool: tuple[object, object, object] | None = None,
) -> dict:
    """A run's similarity block for results.json: the weak model against the ceiling (the
    strong model trained on ground truth) and against the W2S student on test, and against
    the ceiling on the pool, `pool` = (labels, weak P(y=1), ceiling P(y=1)), where the
    ceiling's labels exist (docs/methods.md#similarity)."""
    test = {"weak_vs_ceiling": similarity(test_y, weak_test, ceiling_test).to_json()}
    if student_test is not None:
        test["weak_vs_student"] = similarity(test_y, weak_test, student_test).to_json()
    out = {"test": test}
    if pool is not None:
        out["pool"] = {"weak_vs_ceiling": similarity(*pool).to_json()}
    return out


def mean_over_seeds(blocks: list[dict | None]) -> dict | None:
    """Nested blocks of several split seeds (similarity, weak ensembles) as one: each number
    the mean over the seeds that have it, any other value kept where every seed has it."""
    have = [b for b in blocks if b]
    if not have:
        return None

    def merge(items: list) -> object:
        if isinstance(items[0], dict):
            return {k: merge([i.get(k) for i in items if isinstance(i, dict)]) for k in items[0]}
        numbers = [float(i) for i in items if isinstance(i, int | float) and i is not None]
        if numbers and not isinstance(items[0], bool | str):
            return float(np.mean(numbers))
        return items[0] if all(i == items[0] for i in items) else None

    merged = merge(have)
    assert isinstance(merged, dict)  # the blocks are dicts
    return merged
