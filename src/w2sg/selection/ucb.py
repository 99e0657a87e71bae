"""The data-source bandit, the paper's Algorithm 2 (SPEC §5), as a pure function on arrays.

```
rounds 1..K: pull each arm once                  (UCB strategies)
then:        pull argmax_k  ô_k + c_k
             ô_k = detected overlap points / points drawn, over arm k's pulls
```
Each round draws a batch without replacement from the chosen arm, weak-labels it (the pool's
weak probabilities), detects overlap on it (`detection="history"`: SPEC §3 variant B with all
earlier batches of this run as history, the reference; `"batch"`: the batch alone, variant A),
updates the arm's estimate, and — every `eval_every` rounds and at the last — trains the
strong probe on the weak soft labels of everything collected (and of the detected overlap
points only) and evaluates it on test.

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
from w2sg.metrics import evaluate
from w2sg.overlap.detect import Similarity, detect_overlap
from w2sg.probes.logistic import LogisticProbe
from w2sg.selection.arms import Arm

Strategy = Literal["ucb", "ucb1", "random", "oracle"]
Detection = Literal["history", "batch"]
STRATEGIES: tuple[str, ...] = ("ucb", "ucb1", "random", "oracle")
DEFAULT_STRATEGY = "ucb"


@dataclass(frozen=True)
class RoundLog:
    """What one round did and what the collected set looked like after it."""

    round: int  # 1-based
    arm: int
    arm_name: str
    batch_size: int
    batch_overlap: int  # detected overlap points in this batch
    n_collected: int
    estimated_ratio: float  # detected overlap / collected, over all collected data
    true_ratio: float | None  # reference-partition overlap share of collected data
    arm_estimates: tuple[float | None, ...]  # ô_k after this round (None: never pulled)
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
    arm_names: tuple[str, ...]
    true_densities: tuple[float | None, ...]
    rounds: tuple[RoundLog, ...]
    pulls: tuple[int, ...]
    stopped_early: str | None = None
    detector: str = "reference"
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
    detected: np.ndarray  # detected overlap points per arm

    def remaining(self) -> np.ndarray:
        return np.array([len(o) for o in self.order]) - self.taken

    def estimates(self) -> tuple[float | None, ...]:
        return tuple(
            float(d / n) if n else None for d, n in zip(self.detected, self.taken, strict=True)
        )


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
    detection: Detection = "history",
    similarity: Similarity | None = None,
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
    `similarity`: None picks the variant's own ('dot' for history, 'abs_cosine' for batch).
    `detector`: the overlap score of `detect_overlap` ('reference' = SPEC §3).
    `eval_every`: evaluate the strong probe every k rounds (and at the last); 0 never.
    The arms' draw order depends only on `seed`, so strategies given the same seed draw the
    same points from an arm in the same order.
    """
    probs, acts, test_acts, test_labels = _check_inputs(
        pool_weak_probs, pool_acts, arms, test_acts, test_labels, pool_is_overlap
    )
    is_overlap = None if pool_is_overlap is None else np.asarray(pool_is_overlap, dtype=bool)
    if strategy not in STRATEGIES:
        raise W2SGError(f"unknown strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")
    if rounds < 1:
        raise W2SGError(f"rounds must be at least 1, got {rounds}")
    if eval_every < 0:
        raise W2SGError(f"eval_every must be 0 (never) or a positive number, got {eval_every}")
    if detection not in ("history", "batch"):
        raise W2SGError(f"unknown detection mode {detection!r}; use 'history' or 'batch'")
    sim: Similarity = similarity or ("dot" if detection == "history" else "abs_cosine")
    densities = [a.true_density for a in arms]
    known = all(d is not None for d in densities)
    if strategy == "oracle" and not known:
        raise W2SGError("the oracle needs arms with known densities; use constructed arms")
    n = batch_size if batch_size is not None else default_batch_size(arms, rounds)
    if n < 1:
        raise W2SGError(f"batch_size must be at least 1, got {n}")

    arm_rng = np.random.default_rng([seed, 0])
    choice_rng = np.random.default_rng([seed, 1])
    state = _Arms(
        order=[arm_rng.permutation(a.indices) for a in arms],
        taken=np.zeros(len(arms), dtype=np.int64),
        pulls=np.zeros(len(arms), dtype=np.int64),
        detected=np.zeros(len(arms), dtype=np.int64),
    )
    collected: list[np.ndarray] = []
    overlap_collected: list[np.ndarray] = []
    regret = 0.0 if known else None
    best = max(densities) if known else None
    logs: list[RoundLog] = []
    stopped = None
    for t in range(1, rounds + 1):
        available = np.nonzero(state.remaining() > 0)[0]
        if len(available) == 0:
            stopped = f"every arm ran dry after {t - 1} rounds"
            break
        arm, ucb_values = _choose(strategy, state, available, densities, t, rounds, choice_rng)
        batch = state.order[arm][state.taken[arm] : state.taken[arm] + n]
        history = np.concatenate(collected) if collected and detection == "history" else None
        result = detect_overlap(
            probs[batch],
            acts[batch],
            similarity=sim,
            strict_hard=detection == "history",
            history_probs=None if history is None else probs[history],
            history_acts=None if history is None else acts[history],
            detector=detector,
        )
        state.taken[arm] += len(batch)
        state.pulls[arm] += 1
        state.detected[arm] += len(result.overlap)
        collected.append(batch)
        overlap_collected.append(batch[result.overlap])
        if regret is not None:
            regret += float(best - densities[arm])  # type: ignore[operator]
        all_idx = np.concatenate(collected)
        ov_idx = np.concatenate(overlap_collected)
        log = RoundLog(
            round=t,
            arm=int(arm),
            arm_name=arms[arm].name,
            batch_size=int(len(batch)),
            batch_overlap=int(len(result.overlap)),
            n_collected=int(len(all_idx)),
            estimated_ratio=float(len(ov_idx) / len(all_idx)),
            true_ratio=None if is_overlap is None else float(is_overlap[all_idx].mean()),
            arm_estimates=state.estimates(),
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
        arm_names=tuple(a.name for a in arms),
        true_densities=tuple(densities),
        rounds=tuple(logs),
        pulls=tuple(int(p) for p in state.pulls),
        stopped_early=stopped,
        detector=detector,
        collected=np.concatenate(collected).astype(np.int64),
        collected_overlap=np.concatenate(overlap_collected).astype(np.int64),
    )


def _choose(
    strategy: str,
    state: _Arms,
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
    est = state.detected / np.maximum(state.taken, 1)
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
