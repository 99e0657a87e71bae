"""The data-source bandit, the paper's Algorithm 2 (docs/methods.md#selection), as a pure function
on arrays.

```
rounds 1..K: pull each arm once                  (UCB strategies)
then:        pull argmax_k  ô_k + c_k
             ô_k = detected overlap points / points drawn, over arm k's pulls
```
Each round draws a batch without replacement from the chosen arm, weak-labels it (the pool's
weak probabilities), detects overlap on it by a detection rule (`history`, the reference loop
and the default; `pooled`; `batch` — see `selection/estimators.py`), updates the arms'
estimates under both estimators (`reference`: the rule's detections; `calibrated`: fixed
thresholds from a calibration sample) — the one named by `estimator` drives the UCB index, the
collected overlap set and the logged ratio, the other is logged beside it — and, every
`eval_every` rounds and at the last, trains the strong probe on the weak soft labels of
everything collected (and of the detected overlap points only) and evaluates it on test.

Strategies:
- `ucb` (the default): the reference exploration bonus c_k = sqrt(2 ln T) / n_k;
- `ucb1`: the standard UCB1 bonus c_k = sqrt(2 ln t / n_k);
- `random`: a uniformly random arm among those not yet dry;
- `oracle`: always the available arm with the highest true density (constructed arms only).

An arm whose remaining points are fewer than a batch gives what it has; an empty arm is never
chosen again; when every arm is empty the run stops early and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from w2sg.errors import W2SGError
from w2sg.overlap.detect import OverlapResult
from w2sg.selection.arms import Arm
from w2sg.selection.bandit import (
    Arms,
    Collected,
    calibrate,
    choose,
    collect,
    default_batch_size,
    evaluate_round,
)
from w2sg.selection.estimators import (
    DEFAULT_CALIBRATION_SIZE,
    DEFAULT_DETECTION,
    DEFAULT_ESTIMATOR,
    ESTIMATORS,
    CalibratedDetector,
    check_names,
    detect_batch,
)
from w2sg.selection.records import RoundLog, SelectionResult

Strategy = Literal["ucb", "ucb1", "random", "oracle"]
STRATEGIES: tuple[str, ...] = ("ucb", "ucb1", "random", "oracle")
DEFAULT_STRATEGY = "ucb"


@dataclass
class _Run:
    """One run's constants and state: the pool, the arms, the rule, what has been gathered."""

    probs: np.ndarray
    acts: np.ndarray
    test_acts: np.ndarray
    test_labels: np.ndarray
    is_overlap: np.ndarray | None
    arms: Sequence[Arm]
    strategy: str
    rounds: int
    n: int
    detection: str
    estimator: str
    similarity: str
    detector: str
    eval_every: int
    l2: float
    calibrated: CalibratedDetector | None
    state: Arms
    choice_rng: np.random.Generator
    got: Collected = field(default_factory=Collected)
    regret: float | None = None
    calibration: dict | None = None  # the calibrated thresholds, or why there are none

    @property
    def densities(self) -> list[float | None]:
        return [a.true_density for a in self.arms]

    def detect(self, batch: np.ndarray) -> dict[str, OverlapResult]:
        """The batch's partition under the detection rule, and under the calibrated one."""
        found = {
            "reference": detect_batch(
                self.detection,
                self.probs,
                self.acts,
                batch,
                hard_before=self.got.positions("hard"),
                nonhard_before=self.got.positions("nonhard"),
                similarity=self.similarity,
                detector=self.detector,
            )
        }
        if self.calibrated is not None:
            found["calibrated"] = self.calibrated.classify(self.probs[batch], self.acts[batch])
        return found

    def play(self, t: int) -> RoundLog | None:
        """Round t: choose an arm, draw and detect a batch, log; None when every arm is dry."""
        state = self.state
        available = np.nonzero(state.remaining() > 0)[0]
        if len(available) == 0:
            return None
        arm, ucb_values = choose(
            self.strategy,
            state,
            self.estimator,
            available,
            self.densities,
            t,
            self.rounds,
            self.choice_rng,
        )
        batch = state.order[arm][state.taken[arm] : state.taken[arm] + self.n]
        found = self.detect(batch)
        state.taken[arm] += len(batch)
        state.pulls[arm] += 1
        collect(self.got, state, arm, batch, found)
        if self.regret is not None:
            known = [d for d in self.densities if d is not None]
            self.regret += float(max(known) - (self.densities[arm] or 0.0))
        return self.log(t, arm, batch, found, ucb_values)

    def log(self, t: int, arm: int, batch: np.ndarray, found: dict, ucb_values) -> RoundLog:
        all_idx = self.got.positions("batches")
        ov_idx = self.got.positions("overlap", self.estimator)
        last = self.state.remaining().sum() == 0
        return RoundLog(
            round=t,
            arm=int(arm),
            arm_name=self.arms[arm].name,
            batch_size=int(len(batch)),
            batch_overlap=int(len(found[self.estimator].overlap)),
            n_collected=int(len(all_idx)),
            estimated_ratio=float(len(ov_idx) / len(all_idx)),
            true_ratio=None if self.is_overlap is None else float(self.is_overlap[all_idx].mean()),
            arm_estimates=self.state.estimates(self.estimator),
            confidence_threshold=float(found["reference"].confidence_threshold),
            overlap_threshold=found["reference"].overlap_threshold,
            estimated_ratio_by={
                e: float(len(self.got.positions("overlap", e)) / len(all_idx)) for e in found
            },
            arm_estimates_by={e: self.state.estimates(e) for e in found},
            ucb_values=ucb_values,
            regret=self.regret,
            n_overlap_collected=int(len(ov_idx)),
            **evaluate_round(
                t,
                self.rounds,
                self.eval_every,
                all_idx,
                ov_idx,
                self.probs,
                self.acts,
                self.test_acts,
                self.test_labels,
                self.l2,
                last,
            ),
        )


# Over 60 lines: the public signature lists its 15 keyword options, one per line, and the
# docstring says what each does; the body itself is 20 lines.
def run_selection(
    pool_weak_probs: np.ndarray,
    pool_acts: np.ndarray,
    arms: Sequence[Arm],
    test_acts: np.ndarray,
    test_labels: np.ndarray,
    *,
    strategy: str = DEFAULT_STRATEGY,
    rounds: int = 25,
    batch_size: int | None = None,
    detection: str = DEFAULT_DETECTION,
    estimator: str = DEFAULT_ESTIMATOR,
    similarity: str | None = None,
    calibration_size: int = DEFAULT_CALIBRATION_SIZE,
    detector: str = "reference",
    pool_is_overlap: np.ndarray | None = None,
    eval_every: int = 1,
    l2: float = 1e-3,
    seed: int = 0,
    on_round: Callable[[RoundLog], None] | None = None,
) -> SelectionResult:
    """Run one strategy of the data-source bandit (Algorithm 2, docs/methods.md#selection).

    `pool_weak_probs` (n,) and `pool_acts` (n, d): the weak model's P(y=1) and the strong
    activations of the unlabelled pool; `arms` index into it. `pool_is_overlap` (n,) bool,
    optional: the reference partition, for the true overlap share of collected data.
    `detection`: 'history' (reference), 'pooled' or 'batch'; `estimator`: 'reference' or
    'calibrated' (see `selection/estimators.py`). `similarity`: None picks the rule's own
    ('dot' for history and pooled, 'abs_cosine' for batch). The calibrated estimator runs
    variant A (|cosine|, the offline detection that defines constructed arms) once, on the
    whole pool or, when it has more than `calibration_size` points, a random sample of it.
    `detector`: the overlap score of `detect_overlap`.
    `eval_every`: evaluate the strong probe every k rounds (and at the last); 0 never.
    The arms' draw order and the calibration sample depend only on `seed`, so strategies
    given the same seed draw the same points from an arm in the same order.
    """
    run = _start(
        pool_weak_probs,
        pool_acts,
        arms,
        test_acts,
        test_labels,
        strategy,
        rounds,
        batch_size,
        detection,
        estimator,
        similarity,
        calibration_size,
        detector,
        pool_is_overlap,
        eval_every,
        l2,
        seed,
    )
    logs: list[RoundLog] = []
    stopped = None
    for t in range(1, rounds + 1):
        log = run.play(t)
        if log is None:
            stopped = f"every arm ran dry after {t - 1} rounds"
            break
        logs.append(log)
        if on_round is not None:
            on_round(log)
    return SelectionResult(
        strategy=strategy,
        seed=seed,
        rounds_planned=rounds,
        batch_size=run.n,
        detection=detection,
        similarity=run.similarity,
        estimator=estimator,
        arm_names=tuple(a.name for a in arms),
        true_densities=tuple(run.densities),
        rounds=tuple(logs),
        pulls=tuple(int(p) for p in run.state.pulls),
        stopped_early=stopped,
        detector=detector,
        calibration=run.calibration,
        collected=run.got.positions("batches"),
        collected_overlap=run.got.positions("overlap", estimator),
    )


# Over 60 lines: one line per option it checks and wires into the run.
def _start(
    pool_weak_probs,
    pool_acts,
    arms,
    test_acts,
    test_labels,
    strategy,
    rounds,
    batch_size,
    detection,
    estimator,
    similarity,
    calibration_size,
    detector,
    pool_is_overlap,
    eval_every,
    l2,
    seed,
) -> _Run:
    """Check every input and set up a run (its arms' draw order fixed by `seed`)."""
    probs, acts, test_acts, test_labels = _check_inputs(
        pool_weak_probs, pool_acts, arms, test_acts, test_labels, pool_is_overlap
    )
    _check_options(strategy, rounds, eval_every, detection, estimator)
    densities = [a.true_density for a in arms]
    known = all(d is not None for d in densities)
    if strategy == "oracle" and not known:
        raise W2SGError("the oracle needs arms with known densities; use constructed arms")
    n = batch_size if batch_size is not None else default_batch_size(arms, rounds)
    if n < 1:
        raise W2SGError(f"batch_size must be at least 1, got {n}")
    calibrated, calibration = calibrate(
        probs, acts, calibration_size, "abs_cosine", False, detector, seed
    )
    if calibrated is None and estimator == "calibrated":
        raise W2SGError(calibration["error"])
    arm_rng = np.random.default_rng([seed, 0])
    state = Arms(
        order=[arm_rng.permutation(a.indices) for a in arms],
        taken=np.zeros(len(arms), dtype=np.int64),
        pulls=np.zeros(len(arms), dtype=np.int64),
        detected={e: np.zeros(len(arms), dtype=np.int64) for e in ESTIMATORS},
    )
    run = _Run(
        probs,
        acts,
        test_acts,
        test_labels,
        None if pool_is_overlap is None else np.asarray(pool_is_overlap, dtype=bool),
        arms,
        strategy,
        rounds,
        n,
        detection,
        estimator,
        similarity or ("abs_cosine" if detection == "batch" else "dot"),
        detector,
        eval_every,
        l2,
        calibrated,
        state,
        np.random.default_rng([seed, 1]),
        regret=0.0 if known else None,
        calibration=calibration,
    )
    return run


def _check_options(
    strategy: str, rounds: int, eval_every: int, detection: str, estimator: str
) -> None:
    if strategy not in STRATEGIES:
        raise W2SGError(f"unknown strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")
    if rounds < 1:
        raise W2SGError(f"rounds must be at least 1, got {rounds}")
    if eval_every < 0:
        raise W2SGError(f"eval_every must be 0 (never) or a positive number, got {eval_every}")
    check_names(detection, estimator)


def _check_inputs(
    pool_weak_probs: np.ndarray,
    pool_acts: np.ndarray,
    arms: Sequence[Arm],
    test_acts: np.ndarray,
    test_labels: np.ndarray,
    pool_is_overlap: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    probs = np.asarray(pool_weak_probs, dtype=np.float64).ravel()
    acts = np.asarray(pool_acts, dtype=np.float32)
    t_acts = np.asarray(test_acts, dtype=np.float32)
    t_labels = np.asarray(test_labels).ravel()
    if acts.ndim != 2 or len(acts) != len(probs):
        raise W2SGError(
            f"pool_weak_probs has {len(probs)} points but pool_acts has shape {acts.shape}; "
            "they must align"
        )
    if t_acts.ndim != 2 or t_acts.shape[1] != acts.shape[1] or len(t_acts) != len(t_labels):
        raise W2SGError(
            f"test_acts {t_acts.shape} must have the pool's width {acts.shape[1]} and one row "
            f"per test label ({len(t_labels)})"
        )
    if len(arms) < 2:
        raise W2SGError(f"the bandit needs at least two arms, got {len(arms)}")
    for a in arms:
        if a.size == 0:
            raise W2SGError(f"arm {a.name!r} is empty; drop it")
        if a.indices.min() < 0 or a.indices.max() >= len(probs):
            raise W2SGError(f"arm {a.name!r} indexes outside the pool of {len(probs)} points")
    if pool_is_overlap is not None and len(np.asarray(pool_is_overlap)) != len(probs):
        raise W2SGError("pool_is_overlap must have one entry per pool point")
    return probs, acts, t_acts, t_labels
