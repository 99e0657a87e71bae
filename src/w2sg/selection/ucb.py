"""The data-source bandit, the paper's Algorithm 2 (SPEC §5), as a pure function on arrays.

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
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np

from w2sg.errors import W2SGError
from w2sg.overlap.detect import OverlapResult
from w2sg.probes.logistic import LogisticProbe
from w2sg.selection.arms import Arm
from w2sg.selection.estimators import (
    DEFAULT_CALIBRATION_SIZE,
    DEFAULT_DETECTION,
    DEFAULT_ESTIMATOR,
    ESTIMATORS,
    CalibratedDetector,
    calibration_sample,
    check_names,
    detect_batch,
)
from w2sg.stats.metrics import evaluate

Strategy = Literal["ucb", "ucb1", "random", "oracle"]
STRATEGIES: tuple[str, ...] = ("ucb", "ucb1", "random", "oracle")
DEFAULT_STRATEGY = "ucb"


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
    """One run of one strategy with one seed (SPEC §5)."""

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


def default_batch_size(arms: Sequence[Arm], rounds: int) -> int:
    """n = ⌊smallest arm / T⌋ (SPEC §5), so even the oracle never runs dry."""
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
class _Arms:
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
class _Collected:
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
    """Run one strategy of the data-source bandit (SPEC §5, Algorithm 2).

    `pool_weak_probs` (n,) and `pool_acts` (n, d): the weak model's P(y=1) and the strong
    activations of the unlabelled pool; `arms` index into it. `pool_is_overlap` (n,) bool,
    optional: the reference partition, for the true overlap share of collected data.
    `detection`: 'history' (reference), 'pooled' or 'batch'; `estimator`: 'reference' or
    'calibrated' (see `selection/estimators.py`). `similarity`: None picks the rule's own
    ('dot' for history and pooled, 'abs_cosine' for batch). The calibrated estimator runs
    variant A (|cosine|, the offline detection that defines constructed arms) once, on the
    whole pool or, when it has more than `calibration_size` points, a random sample of it.
    `detector`: the overlap score of `detect_overlap` ('reference' = SPEC §3).
    `eval_every`: evaluate the strong probe every k rounds (and at the last); 0 never.
    The arms' draw order and the calibration sample depend only on `seed`, so strategies
    given the same seed draw the same points from an arm in the same order.
    """
    probs, acts, test_acts, test_labels = _check_inputs(
        pool_weak_probs, pool_acts, arms, test_acts, test_labels, pool_is_overlap
    )
    is_overlap = None if pool_is_overlap is None else np.asarray(pool_is_overlap, dtype=bool)
    _check_options(strategy, rounds, eval_every, detection, estimator)
    sim = similarity or ("abs_cosine" if detection == "batch" else "dot")
    densities = [a.true_density for a in arms]
    known = all(d is not None for d in densities)
    if strategy == "oracle" and not known:
        raise W2SGError("the oracle needs arms with known densities; use constructed arms")
    n = batch_size if batch_size is not None else default_batch_size(arms, rounds)
    if n < 1:
        raise W2SGError(f"batch_size must be at least 1, got {n}")
    calibrated, calibration = _calibrate(
        probs, acts, calibration_size, "abs_cosine", False, detector, seed
    )
    if calibrated is None and estimator == "calibrated":
        raise W2SGError(calibration["error"])

    arm_rng = np.random.default_rng([seed, 0])
    choice_rng = np.random.default_rng([seed, 1])
    state = _Arms(
        order=[arm_rng.permutation(a.indices) for a in arms],
        taken=np.zeros(len(arms), dtype=np.int64),
        pulls=np.zeros(len(arms), dtype=np.int64),
        detected={e: np.zeros(len(arms), dtype=np.int64) for e in ESTIMATORS},
    )
    got = _Collected()
    regret = 0.0 if known else None
    logs: list[RoundLog] = []
    stopped = None
    for t in range(1, rounds + 1):
        available = np.nonzero(state.remaining() > 0)[0]
        if len(available) == 0:
            stopped = f"every arm ran dry after {t - 1} rounds"
            break
        arm, ucb_values = _choose(
            strategy, state, estimator, available, densities, t, rounds, choice_rng
        )
        batch = state.order[arm][state.taken[arm] : state.taken[arm] + n]
        found = {
            "reference": detect_batch(
                detection,
                probs,
                acts,
                batch,
                hard_before=got.positions("hard"),
                nonhard_before=got.positions("nonhard"),
                similarity=sim,
                detector=detector,
            )
        }
        if calibrated is not None:
            found["calibrated"] = calibrated.classify(probs[batch], acts[batch])
        state.taken[arm] += len(batch)
        state.pulls[arm] += 1
        _collect(got, state, arm, batch, found)
        if regret is not None:
            regret += float(max(densities) - densities[arm])  # type: ignore[operator, type-var]
        all_idx = got.positions("batches")
        ov_idx = got.positions("overlap", estimator)
        log = RoundLog(
            round=t,
            arm=int(arm),
            arm_name=arms[arm].name,
            batch_size=int(len(batch)),
            batch_overlap=int(len(found[estimator].overlap)),
            n_collected=int(len(all_idx)),
            estimated_ratio=float(len(ov_idx) / len(all_idx)),
            true_ratio=None if is_overlap is None else float(is_overlap[all_idx].mean()),
            arm_estimates=state.estimates(estimator),
            confidence_threshold=float(found["reference"].confidence_threshold),
            overlap_threshold=found["reference"].overlap_threshold,
            estimated_ratio_by={
                e: float(len(got.positions("overlap", e)) / len(all_idx)) for e in found
            },
            arm_estimates_by={e: state.estimates(e) for e in found},
            ucb_values=ucb_values,
            regret=regret,
            n_overlap_collected=int(len(ov_idx)),
            **_evaluate_round(
                t,
                rounds,
                eval_every,
                all_idx,
                ov_idx,
                probs,
                acts,
                test_acts,
                test_labels,
                l2,
                state.remaining().sum() == 0,
            ),
        )
        logs.append(log)
        if on_round is not None:
            on_round(log)
    return SelectionResult(
        strategy=strategy,
        seed=seed,
        rounds_planned=rounds,
        batch_size=n,
        detection=detection,
        similarity=sim,
        estimator=estimator,
        arm_names=tuple(a.name for a in arms),
        true_densities=tuple(densities),
        rounds=tuple(logs),
        pulls=tuple(int(p) for p in state.pulls),
        stopped_early=stopped,
        detector=detector,
        calibration=calibration,
        collected=got.positions("batches"),
        collected_overlap=got.positions("overlap", estimator),
    )


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


def _calibrate(
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


def _collect(
    got: _Collected,
    state: _Arms,
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


def _choose(
    strategy: str,
    state: _Arms,
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


def _evaluate_round(
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
