"""What one bandit run records: a line per round and its result (docs/methods.md#selection)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(frozen=True)
class RoundLog:
    """What one round did and what the collected set looked like after it."""

    round: int  # 1-based
    arm: int
    arm_name: str
    batch_size: int
    batch_overlap: int  # overlap points in this batch, by the run's estimator
    n_collected: int
    estimated_ratio: float  # overlap / collected over all collected data, by the estimator
    true_ratio: float | None  # reference-partition overlap share of collected data
    arm_estimates: tuple[float | None, ...]  # ô_k after this round (None: never pulled)
    confidence_threshold: float  # t1 of the detection rule on this batch
    overlap_threshold: float | None  # t2 of the detection rule (None: not split)
    estimated_ratio_by: dict[str, float]  # the collected ratio under each estimator
    arm_estimates_by: dict[str, tuple[float | None, ...]]  # ô_k under each estimator
    ucb_values: tuple[float, ...] | None  # the indices the choice maximised (UCB rounds)
    regret: float | None  # cumulative (best true density − pulled arm's), where known
    accuracy: float | None = None  # strong probe on all collected points
    auc: float | None = None
    overlap_accuracy: float | None = None  # strong probe on detected overlap points only
    overlap_auc: float | None = None
    n_overlap_collected: int = 0


@dataclass(frozen=True)
class SelectionResult:
    """One run of one strategy with one seed (docs/methods.md#selection)."""

    strategy: str
    seed: int
    rounds_planned: int
    batch_size: int
    detection: str
    similarity: str
    estimator: str
    arm_names: tuple[str, ...]
    true_densities: tuple[float | None, ...]
    rounds: tuple[RoundLog, ...]
    pulls: tuple[int, ...]
    stopped_early: str | None = None
    detector: str = "reference"
    calibration: dict | None = None  # the calibrated estimator's thresholds, or why it failed
    collected: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # draw order
    collected_overlap: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def series(self, key: str) -> list:
        """One RoundLog field over the rounds."""
        return [getattr(r, key) for r in self.rounds]

    def to_json(self) -> dict:
        """A JSON-able dict; the collected pool positions are left out (see the fields)."""
        skip = ("rounds", "collected", "collected_overlap")
        out = {k: v for k, v in asdict(self).items() if k not in skip}
        out["rounds"] = [asdict(r) for r in self.rounds]
        return out
