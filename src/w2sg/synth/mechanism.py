"""The mechanism experiment on synthetic data (docs/methods.md#synthetic-data).

A weak probe learns from ground truth on the weak view (the easy block); it labels a pool; the
strong student is trained *only on the pool's overlap points* with the weak soft labels, and is
tested separately on easy-only, hard-only and overlap points, as one count (overlap by
default; easy-only or hard-only as variants) grows. With no overlap points there is nothing to
train on: the student predicts chance, 0.5, and the result marks those counts as `chance`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from w2sg.data.synthetic import TYPES, SyntheticData, make_synthetic
from w2sg.errors import W2SGError
from w2sg.probes.logistic import LogisticProbe, l2_for_sklearn_c
from w2sg.stats.metrics import accuracy
from w2sg.synth.config import MechanismConfig


def _seed(*parts: int) -> int:
    """A 32-bit seed derived from a tuple of integers (stable across runs and machines)."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


@dataclass(frozen=True)
class MechanismResult:
    """Test accuracy per run, count and true type (axis 2 follows `TYPES`)."""

    config: MechanismConfig
    counts: np.ndarray  # (c,)
    student_acc: np.ndarray  # (runs, c, 3): the W2S student trained on overlap points only
    weak_acc: np.ndarray  # (runs, c, 3): the weak model, for reference
    chance: np.ndarray  # (c,) bool: no overlap training points, the student predicts 0.5
    types: tuple[str, ...] = field(default=TYPES)

    def summary(self) -> dict:
        """Per type: mean, std, 10th and 90th percentiles of student accuracy per count."""
        out: dict = {}
        for t, kind in enumerate(self.types):
            acc = self.student_acc[:, :, t]
            out[kind] = {
                "mean": acc.mean(axis=0).tolist(),
                "std": acc.std(axis=0).tolist(),
                "q10": np.quantile(acc, 0.1, axis=0).tolist(),
                "q90": np.quantile(acc, 0.9, axis=0).tolist(),
                "weak_mean": self.weak_acc[:, :, t].mean(axis=0).tolist(),
            }
        return out

    def to_json(self) -> dict:
        return {
            "experiment": "synthetic mechanism (docs/methods.md#synthetic-data)",
            "config": self.config.to_json(),
            "x": f"n_{self.config.vary}",
            "counts": self.counts.tolist(),
            "chance": self.chance.tolist(),
            "chance_note": "with 0 overlap training points the student predicts 0.5 (chance)",
            "types": list(self.types),
            "summary": self.summary(),
            "student_acc": self.student_acc.tolist(),
            "weak_acc": self.weak_acc.tolist(),
        }


def _per_type_accuracy(data: SyntheticData, probs: np.ndarray) -> list[float]:
    return [accuracy(data.labels[data.index(t)], probs[data.index(t)]) for t in TYPES]


def mechanism_cell(
    cfg: MechanismConfig, run: int, i: int, test: SyntheticData, mean_seed: int
) -> tuple[list[float], list[float]]:
    """One run at one count: (student accuracy per type, weak accuracy per type) on `test`."""
    count = cfg.counts[i]
    train = make_synthetic(cfg.params(count, _seed(cfg.seed, run, i, 1), mean_seed))
    pool = make_synthetic(cfg.params(count, _seed(cfg.seed, run, i, 2), mean_seed))
    if len(np.unique(train.labels)) < 2:
        raise W2SGError(f"the weak training set at count {count} has one class; raise the counts")
    weak = LogisticProbe(l2=cfg.weak_l2).fit(train.weak_x, train.labels)
    weak_acc = _per_type_accuracy(test, weak.predict(test.weak_x))
    overlap = pool.index("overlap")
    if len(overlap) == 0:  # nothing to learn from: chance
        return [0.5] * len(TYPES), weak_acc
    soft = weak.predict(pool.weak_x[overlap])
    l2 = l2_for_sklearn_c(cfg.student_c, len(overlap))
    student = LogisticProbe(l2=l2).fit(pool.strong_x[overlap], soft)
    return _per_type_accuracy(test, student.predict(test.strong_x)), weak_acc


def run_mechanism(
    cfg: MechanismConfig, progress: Callable[[int, int], None] | None = None
) -> MechanismResult:
    """The theory experiment (docs/methods.md#synthetic-data) over `cfg.runs` runs; `progress(done,
    total)` per run."""
    c = len(cfg.counts)
    student = np.empty((cfg.runs, c, len(TYPES)))
    weak = np.empty_like(student)
    for run in range(cfg.runs):
        mean_seed = _seed(cfg.seed, run, 0)
        test = make_synthetic(
            cfg.params(0, _seed(cfg.seed, run, 3), mean_seed),
            n_easy_only=cfg.n_test,
            n_hard_only=cfg.n_test,
            n_overlap=cfg.n_test,
        )
        for i in range(c):
            student[run, i], weak[run, i] = mechanism_cell(cfg, run, i, test, mean_seed)
        if progress is not None:
            progress(run + 1, cfg.runs)
    counts = np.asarray(cfg.counts, dtype=np.int64)
    n_overlap = counts if cfg.vary == "overlap" else np.full(c, cfg.n_overlap)
    return MechanismResult(cfg, counts, student, weak, chance=n_overlap == 0)
