"""The bandit's moving parts: the arms' state, what has been collected, how an arm is chosen,
and the strong probe's test on the collected data (docs/methods.md#selection)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from w2sg.errors import W2SGError
from w2sg.overlap.detect import OverlapResult
from w2sg.probes.logistic import LogisticProbe
from w2sg.selection.arms import Arm
from w2sg.selection.estimators import ESTIMATORS, CalibratedDetector, calibration_sample
from w2sg.stats.metrics import evaluate


def default_batch_size(arms: Sequence[Arm], rounds: int) -> int:
    """n = ⌊smallest arm / T⌋ (docs/methods.md#selection), so even the oracle never runs dry."""
    n = min(a.size for a in arms) // rounds
    if n < 1:
        smallest = min(a.size for a in arms)
        raise W2SGError(
            f"the smallest arm has {smallest} points, fewer than the {rounds} rounds; "
            "use fewer rounds, a larger pool or give --batch-size"
        )
    return n


def ucb_bonus(kind: str, pulls: np.ndarray, t: int, horizon: int) -> np.ndarray:
    """c_k: `ucb` = sqrt(2 ln T)/n_k (reference); `ucb1` = sqrt(2 ln t / n_k)."""
    n = np.maximum(pulls, 1).astype(np.float64)
    if kind == "ucb":
        return np.sqrt(2.0 * np.log(horizon)) / n
    if kind == "ucb1":
        return np.sqrt(2.0 * np.log(t) / n)
    raise W2SGError(f"unknown UCB bonus {kind!r}; use 'ucb' or 'ucb1'")


@dataclass
class Arms:
    """Mutable bandit state of one run (kept private; the result is frozen)."""

    order: list[np.ndarray]  # each arm's points in draw order
    taken: np.ndarray  # points drawn per arm
    pulls: np.ndarray
    detected: dict[str, np.ndarray]  # overlap points per arm, by estimator

    def remaining(self) -> np.ndarray:
        return np.array([len(o) for o in self.order]) - self.taken

    def estimates(self, estimator: str) -> tuple[float | None, ...]:
        return tuple(
            float(d / n) if n else None
            for d, n in zip(self.detected[estimator], self.taken, strict=True)
        )


@dataclass
class Collected:
    """What a run has gathered: batches, the rule's labels, overlap under each estimator."""

    batches: list[np.ndarray] = field(default_factory=list)
    hard: list[np.ndarray] = field(default_factory=list)  # as the detection rule labelled
    nonhard: list[np.ndarray] = field(default_factory=list)
    overlap: dict[str, list[np.ndarray]] = field(
        default_factory=lambda: {e: [] for e in ESTIMATORS}
    )

    def positions(self, key: str, estimator: str = "") -> np.ndarray:
        parts = self.overlap[estimator] if key == "overlap" else getattr(self, key)
        return np.concatenate([np.zeros(0, np.int64), *parts]).astype(np.int64)


def calibrate(
    probs: np.ndarray,
    acts: np.ndarray,
    size: int,
    similarity: str,
    strict_hard: bool,
    detector: str,
    seed: int,
) -> tuple[CalibratedDetector | None, dict]:
    """The calibrated estimator's fixed thresholds from the pool (or a sample of it), or why not."""
    sample = calibration_sample(len(probs), size, seed)
    try:
        cal = CalibratedDetector.fit(
            probs[sample],
            acts[sample],
            similarity=similarity,
            strict_hard=strict_hard,
            detector=detector,
        )
    except W2SGError as err:
        return None, {"error": str(err)}
    return cal, cal.to_json()


def collect(
    got: Collected,
    state: Arms,
    arm: int,
    batch: np.ndarray,
    found: dict[str, OverlapResult],
) -> None:
    """Add a detected batch to the collected set and to the arm's counts."""
    ref = found["reference"]
    got.batches.append(batch)
    got.hard.append(batch[ref.hard_only])
    got.nonhard.append(batch[np.concatenate([ref.overlap, ref.easy_only])])
    for e, res in found.items():
        state.detected[e][arm] += len(res.overlap)
        got.overlap[e].append(batch[res.overlap])


def choose(
    strategy: str,
    state: Arms,
    estimator: str,
    available: np.ndarray,
    densities: list[float | None],
    t: int,
    horizon: int,
    rng: np.random.Generator,
) -> tuple[int, tuple[float, ...] | None]:
    """The arm to pull this round, and the UCB indices when a UCB rule chose it."""
    if strategy == "random":
        return int(rng.choice(available)), None
    if strategy == "oracle":
        dens = np.array([densities[k] for k in available], dtype=np.float64)
        return int(available[int(np.argmax(dens))]), None
    unpulled = [k for k in available if state.pulls[k] == 0]
    if unpulled:  # the first K rounds: each arm once, in order
        return int(unpulled[0]), None
    est = state.detected[estimator] / np.maximum(state.taken, 1)
    index = est + ucb_bonus(strategy, state.pulls, t, horizon)
    masked = np.full(len(index), -np.inf)
    masked[available] = index[available]
    return int(np.argmax(masked)), tuple(float(v) for v in index)


def evaluate_round(
    t: int,
    rounds: int,
    eval_every: int,
    all_idx: np.ndarray,
    ov_idx: np.ndarray,
    probs: np.ndarray,
    acts: np.ndarray,
    test_acts: np.ndarray,
    test_labels: np.ndarray,
    l2: float,
    last: bool,
) -> dict:
    """Test metrics of strong probes on the collected weak labels, when this round is due."""
    due = eval_every > 0 and (t % eval_every == 0 or t == rounds or last)
    out: dict = {}
    if not due:
        return out
    for prefix, idx in (("", all_idx), ("overlap_", ov_idx)):
        if len(idx) == 0:
            continue
        probe = LogisticProbe(l2=l2).fit(acts[idx], probs[idx])
        metrics = evaluate(test_labels, probe.predict(test_acts))
        out[f"{prefix}accuracy"] = metrics["accuracy"]
        out[f"{prefix}auc"] = metrics["auc"]
    return out
