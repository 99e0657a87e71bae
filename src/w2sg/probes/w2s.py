"""Weak, student and ceiling probes on frozen activations, and their PGR (docs/methods.md#pgr,
docs/methods.md#probes).

Pure: arrays in, a frozen outcome out. The study wires it to data and files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from w2sg.errors import W2SGError
from w2sg.probes.logistic import LogisticProbe
from w2sg.stats.metrics import evaluate
from w2sg.stats.pgr import DEFAULT_MARGIN, pgr
from w2sg.stats.similarity import weak_strong_similarity


@dataclass(frozen=True)
class W2SOutcome:
    """Test metrics of the three models, PGR, and the weak labels the student learned from."""

    weak: dict
    w2s: dict
    ceiling: dict
    pgr: dict
    pgr_reasons: dict
    pool_weak_probs: np.ndarray  # weak P(y=1) on strong_train: the student's soft labels
    test_weak_probs: np.ndarray
    weak_label_accuracy: float  # how often the weak labels on the pool are right
    # weak against ceiling and student (stats/similarity.py); None where not computed
    similarity: dict | None = None

    def to_json(self) -> dict:
        return {
            "weak": self.weak,
            "w2s": self.w2s,
            "ceiling": self.ceiling,
            "pgr": self.pgr,
            "pgr_reasons": self.pgr_reasons,
            "weak_label_accuracy": self.weak_label_accuracy,
            "similarity": self.similarity,
        }


def weak_to_strong(
    weak_train_x: np.ndarray | None,
    weak_train_y: np.ndarray | None,
    pool_weak_x: np.ndarray | None,
    pool_strong_x: np.ndarray,
    pool_y: np.ndarray,
    test_weak_x: np.ndarray | None,
    test_strong_x: np.ndarray,
    test_y: np.ndarray,
    l2: float = 1e-3,
    weak_probs: tuple[np.ndarray, np.ndarray] | None = None,
    strong_model: Callable[[], Any] | None = None,
    margin: float = DEFAULT_MARGIN,
) -> W2SOutcome:
    """Train weak (ground truth), student (weak soft labels) and ceiling (ground truth).

    The weak probe sees the weak model's activations of weak_train; the student and the ceiling
    see the strong model's activations of strong_train (the pool). `weak_probs` (pool, test)
    replaces the weak probe by another weak supervisor, e.g. a label model
    (docs/methods.md#weak-supervision); the weak arguments are then unused. `strong_model` makes
    the student and the ceiling (anything with fit / predict, e.g. the MLP of the tabular WRENCH
    runs); default the logistic probe.

    Example::

        out = w2sg.weak_to_strong(weak_train_x, weak_train_y, pool_weak_x, pool_strong_x, pool_y,
                                  test_weak_x, test_strong_x, test_y)
        out.weak, out.w2s, out.ceiling, out.pgr                  # {'accuracy': ..., 'auc': ...}
        out.similarity["test"]["weak_vs_ceiling"]["capa"]      # how alike weak and strong err
    """
    make_strong = strong_model or (lambda: LogisticProbe(l2=l2))
    if weak_probs is None:
        pool_weak_probs, test_weak_probs = _weak_probe_probs(
            weak_train_x, weak_train_y, pool_weak_x, test_weak_x, l2
        )
    else:
        pool_weak_probs, test_weak_probs = _given_probs(weak_probs, len(pool_y), len(test_y))
    student = make_strong().fit(pool_strong_x, pool_weak_probs)
    ceiling = make_strong().fit(pool_strong_x, pool_y)
    student_test, ceiling_test = student.predict(test_strong_x), ceiling.predict(test_strong_x)
    m_weak, m_w2s = evaluate(test_y, test_weak_probs), evaluate(test_y, student_test)
    m_ceiling = evaluate(test_y, ceiling_test)
    gaps = {k: pgr(m_weak[k], m_w2s[k], m_ceiling[k], margin) for k in ("accuracy", "auc")}
    return W2SOutcome(
        weak=m_weak,
        w2s=m_w2s,
        ceiling=m_ceiling,
        pgr={k: g.value for k, g in gaps.items()},
        pgr_reasons={k: g.reason for k, g in gaps.items() if g.reason},
        pool_weak_probs=pool_weak_probs,
        test_weak_probs=test_weak_probs,
        weak_label_accuracy=float(((pool_weak_probs > 0.5) == (pool_y == 1)).mean()),
        similarity=weak_strong_similarity(
            test_y,
            test_weak_probs,
            ceiling_test,
            student_test,
            (pool_y, pool_weak_probs, ceiling.predict(pool_strong_x)),
        ),
    )


def _given_probs(
    weak_probs: tuple[np.ndarray, np.ndarray], n_pool: int, n_test: int
) -> tuple[np.ndarray, np.ndarray]:
    """Another weak supervisor's P(y=1) on the pool and on test, checked against the rows."""
    pool, test = (np.asarray(p, dtype=np.float64) for p in weak_probs)
    if len(pool) != n_pool or len(test) != n_test:
        raise W2SGError(
            f"weak_probs: {len(pool)} pool and {len(test)} test "
            f"probabilities for {n_pool} pool and {n_test} test rows"
        )
    return pool, test


def _weak_probe_probs(
    weak_train_x: np.ndarray | None,
    weak_train_y: np.ndarray | None,
    pool_weak_x: np.ndarray | None,
    test_weak_x: np.ndarray | None,
    l2: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The weak probe's P(y=1) on the pool and on the test set."""
    if weak_train_x is None or weak_train_y is None or pool_weak_x is None or test_weak_x is None:
        raise W2SGError(
            "weak_to_strong: without weak_probs, give weak_train_x, weak_train_y, pool_weak_x "
            "and test_weak_x (the weak probe's inputs)"
        )
    weak = LogisticProbe(l2=l2).fit(weak_train_x, weak_train_y)
    return weak.predict(pool_weak_x), weak.predict(test_weak_x)
