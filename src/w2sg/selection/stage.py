"""The selection stage (docs/methods.md#selection): arms from a partition or a source column,
every strategy over several seeds, summarised per round with spread. Returns a JSON-able dict
for `results.json["selection"]`; figures are written by `w2sg.report.selection_figures`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from w2sg import validate
from w2sg.errors import W2SGError
from w2sg.overlap.detect import OverlapResult
from w2sg.selection.arms import DEFAULT_DENSITIES, Arm, construct_arms, natural_arms
from w2sg.selection.bandit import default_batch_size
from w2sg.selection.estimators import (
    DEFAULT_CALIBRATION_SIZE,
    DEFAULT_DETECTION,
    DEFAULT_ESTIMATOR,
    ESTIMATORS,
    check_names,
)
from w2sg.selection.records import SelectionResult
from w2sg.selection.ucb import DEFAULT_STRATEGY, STRATEGIES, run_selection

SERIES = (
    "estimated_ratio",
    "true_ratio",
    "accuracy",
    "auc",
    "overlap_accuracy",
    "overlap_auc",
    "regret",
)


def _partition_sets(partition: Any, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(overlap, easy_only, hard_only) positions from an OverlapResult or per-point labels."""
    sets: tuple[np.ndarray, ...]
    if isinstance(partition, OverlapResult):
        sets = (partition.overlap, partition.easy_only, partition.hard_only)
    else:
        labels = np.asarray(partition).astype(str)
        if labels.shape != (n,):
            raise W2SGError(f"the partition has {labels.size} labels for a pool of {n} points")
        unknown = sorted(set(labels.tolist()) - {"overlap", "easy_only", "hard_only"})
        if unknown:
            raise W2SGError(
                f"partition labels must be overlap, easy_only or hard_only; found {unknown[:3]}"
            )
        sets = tuple(np.nonzero(labels == k)[0] for k in ("overlap", "easy_only", "hard_only"))
    if sum(len(s) for s in sets) != n:
        raise W2SGError(f"the partition covers {sum(len(s) for s in sets)} of {n} pool points")
    overlap, easy_only, hard_only = (np.asarray(s, dtype=np.int64) for s in sets)
    return overlap, easy_only, hard_only


def check_options(
    strategies: Sequence[str] | None,
    arms: str,
    densities: Sequence[float],
    detection: str = DEFAULT_DETECTION,
    estimator: str = DEFAULT_ESTIMATOR,
    calibration_size: int = DEFAULT_CALIBRATION_SIZE,
) -> None:
    """Fail early, before any data or model is loaded, on a bad strategy, arm kind, density,
    detection rule, estimator or calibration size."""
    check_names(detection, estimator)
    if calibration_size < 1:
        raise W2SGError(f"calibration_size must be at least 1, got {calibration_size}")
    bad = [s for s in strategies if s not in STRATEGIES] if strategies is not None else []
    if bad or (strategies is not None and not strategies):
        raise W2SGError(f"unknown strategies {bad}; choose from {', '.join(STRATEGIES)}")
    if arms not in ("auto", "constructed", "natural"):
        raise W2SGError(f"unknown arm kind {arms!r}; use auto, constructed or natural")
    if not densities or any(not 0 < float(p) <= 1 for p in densities):
        raise W2SGError(f"arm densities must lie in (0, 1], got {list(densities)}")


def _arm_kind(kind: str, partition: Any, sources: Any) -> str:
    has_sources = sources is not None and len(set(np.asarray(sources).astype(str).tolist())) > 1
    if kind == "auto":
        kind = "natural" if has_sources else "constructed"
    if kind == "natural" and not has_sources:
        raise W2SGError("natural arms need a source column with at least two values")
    if kind == "constructed" and partition is None:
        raise W2SGError("constructed arms need a detected partition of the pool")
    if kind not in ("constructed", "natural"):
        raise W2SGError(f"unknown arm kind {kind!r}; use auto, constructed or natural")
    return kind


# Over 60 lines: the public signature lists its 14 keyword options, one per line.
def run_selection_stage(
    pool_weak_probs: np.ndarray,
    pool_acts: np.ndarray,
    partition: OverlapResult | np.ndarray | None,
    sources: Sequence[str] | np.ndarray | None,
    test_acts: np.ndarray,
    test_labels: np.ndarray,
    *,
    strategies: Sequence[str] | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    rounds: int = 25,
    batch_size: int | None = None,
    densities: Sequence[float] = DEFAULT_DENSITIES,
    arms: str = "auto",
    detection: str = DEFAULT_DETECTION,
    estimator: str = DEFAULT_ESTIMATOR,
    calibration_size: int = DEFAULT_CALIBRATION_SIZE,
    similarity: str | None = None,
    detector: str = "reference",
    eval_every: int = 1,
    l2: float = 1e-3,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Every strategy over `seeds` on one pool (docs/methods.md#selection); a JSON-able dict.

    `partition`: the detected partition of the pool (constructed arms; the true overlap share
    of collected data). `sources`: a source per pool point (natural arms). `arms`: 'auto'
    (natural when sources have two or more values, else constructed), 'constructed' or
    'natural'. Strategies default to ucb, ucb1, random and (constructed arms) oracle; every
    strategy sees the same seeds, hence the same arms and the same draw order within an arm.
    `detection` (history = the reference loop, pooled, batch) partitions each batch;
    `estimator` (reference | calibrated) drives the UCB index (see `selection/estimators.py`).
    `progress(strategy, seed, round)` is called after each round. The figures are
    `w2sg.report.selection_figures.write_selection_figures(stage, folder)`.

    Example::

        stage = w2sg.run_selection_stage(weak_probs, pool_acts, partition, None, test_acts,
                                          test_labels, seeds=(0, 1, 2), rounds=25)
        stage["strategies"]["ucb"]["summary"]["final"]["true_ratio"]
    """
    n = len(np.asarray(pool_weak_probs).ravel())
    if sources is not None and len(sources) != n:
        raise W2SGError(f"sources has {len(sources)} entries for a pool of {n}: one source a point")
    kind = _arm_kind(arms, partition, sources)
    sets = _partition_sets(partition, n) if partition is not None else None
    if strategies is None:
        strategies = [s for s in STRATEGIES if kind == "constructed" or s != "oracle"]
    check_options(strategies, arms, densities, detection, estimator, calibration_size)
    if kind == "natural" and "oracle" in strategies:
        raise W2SGError("the oracle needs known densities; natural sources have none")
    seeds = validate.seeds(seeds, "seeds")  # whole numbers >= 0, before any arm is drawn
    validate.positive(rounds, "rounds")
    validate.whole(eval_every, "eval_every", low=0)  # 0: the probe is never tested
    if batch_size is not None:
        validate.positive(batch_size, "batch_size")
    validate.l2(l2, "l2")
    is_overlap = None
    if sets is not None and kind == "constructed":
        is_overlap = np.zeros(n, dtype=bool)
        is_overlap[sets[0]] = True
    common: dict[str, Any] = {  # run_selection's keyword arguments
        "rounds": rounds,
        "detection": detection,
        "estimator": estimator,
        "calibration_size": calibration_size,
        "similarity": similarity,
        "detector": detector,
        "pool_is_overlap": is_overlap,
        "eval_every": eval_every,
        "l2": l2,
    }
    runs: dict[str, list[SelectionResult]] = {s: [] for s in strategies}
    arms_by_seed: dict[int, tuple[Arm, ...]] = {}
    for seed in seeds:
        arm_set = (
            construct_arms(*sets, densities, seed=seed)
            if kind == "constructed" and sets
            else natural_arms(np.asarray(sources))
        )
        arms_by_seed[seed] = arm_set
        n_batch = batch_size if batch_size is not None else default_batch_size(arm_set, rounds)
        for strategy in strategies:
            on_round = (
                None
                if progress is None
                else (lambda log, s=strategy, sd=seed: progress(s, sd, log.round))
            )
            runs[strategy].append(
                run_selection(
                    pool_weak_probs,
                    pool_acts,
                    arm_set,
                    test_acts,
                    test_labels,
                    strategy=strategy,
                    batch_size=n_batch,
                    seed=seed,
                    on_round=on_round,
                    **common,
                )
            )
    return {
        "arms": _arms_json(kind, arms_by_seed, seeds, densities, sets),
        "config": {
            "strategies": list(strategies),
            "default_strategy": DEFAULT_STRATEGY,
            "seeds": list(seeds),
            "rounds": rounds,
            "batch_size": runs[strategies[0]][0].batch_size,
            "detection": detection,
            "estimator": estimator,
            "calibration_size": calibration_size,
            "similarity": runs[strategies[0]][0].similarity,
            "detector": detector,
            "eval_every": eval_every,
            "l2": l2,
            "bonus": {"ucb": "sqrt(2 ln T) / n_k (reference)", "ucb1": "sqrt(2 ln t / n_k)"},
        },
        "strategies": {
            s: {"summary": summarise(rs), "runs": [r.to_json() for r in rs]}
            for s, rs in runs.items()
        },
    }


def _arms_json(kind: str, arms_by_seed: dict, seeds: Sequence[int], densities, sets) -> dict:
    """The arms of every seed (names, sizes, densities) for results.json."""
    first = arms_by_seed[seeds[0]]
    return {
        "kind": kind,
        "names": [a.name for a in first],
        "by_seed": {str(s): [a.to_json() for a in arm_set] for s, arm_set in arms_by_seed.items()},
        "target_densities": list(densities) if kind == "constructed" else None,
        "pool_detected_density": _pool_density(first, sets) if kind == "natural" else None,
    }


def _pool_density(arm_set: Sequence[Arm], sets: Any) -> dict[str, float] | None:
    """Overlap share of each natural source under the full-pool detection (a reference only)."""
    if sets is None:
        return None
    overlap = set(sets[0].tolist())
    return {a.name: float(np.mean([i in overlap for i in a.indices.tolist()])) for a in arm_set}


def summarise(runs: Sequence[SelectionResult]) -> dict:
    """Per-round mean and std over seeds of each logged series and of each arm's estimate
    under each estimator; pulls per arm."""
    longest = max(len(r.rounds) for r in runs)
    per_round: dict[str, dict[str, list]] = {}
    for key in SERIES:
        means, stds, counts = [], [], []
        for t in range(longest):
            vals = [
                getattr(r.rounds[t], key)
                for r in runs
                if t < len(r.rounds) and getattr(r.rounds[t], key) is not None
            ]
            means.append(float(np.mean(vals)) if vals else None)
            stds.append(float(np.std(vals)) if vals else None)
            counts.append(len(vals))
        if any(c for c in counts):
            per_round[key] = {"mean": means, "std": stds, "n": counts}
    pulls = np.array([r.pulls for r in runs], dtype=np.float64)
    final = {}
    for key in SERIES:
        vals = [_last(r, key) for r in runs]
        vals = [v for v in vals if v is not None]
        if vals:
            final[key] = {"mean": float(np.mean(vals)), "std": float(np.std(vals)), "n": len(vals)}
    return {
        "rounds": list(range(1, longest + 1)),
        "per_round": per_round,
        "final": final,
        "arm_estimates": _arm_estimates(runs, longest),
        "pulls_mean": pulls.mean(axis=0).tolist(),
        "pulls_std": pulls.std(axis=0).tolist(),
        "stopped_early": [r.stopped_early for r in runs if r.stopped_early],
    }


def _arm_estimates(runs: Sequence[SelectionResult], longest: int) -> dict:
    """Per estimator and arm, ô_k per round: mean and std over the seeds where it exists."""
    out: dict[str, list[dict]] = {}
    for est in ESTIMATORS:
        arms = []
        for k in range(len(runs[0].arm_names)):
            means, stds = [], []
            for t in range(longest):
                vals = [
                    v
                    for r in runs
                    if t < len(r.rounds)
                    and est in r.rounds[t].arm_estimates_by
                    and (v := r.rounds[t].arm_estimates_by[est][k]) is not None
                ]
                means.append(float(np.mean(vals)) if vals else None)
                stds.append(float(np.std(vals)) if vals else None)
            arms.append({"mean": means, "std": stds})
        if any(v is not None for a in arms for v in a["mean"]):
            out[est] = arms
    return out


def _last(run: SelectionResult, key: str) -> Any:
    """The last non-None value of a series (metrics are logged only on evaluation rounds)."""
    for log in reversed(run.rounds):
        value = getattr(log, key)
        if value is not None:
            return value
    return None
