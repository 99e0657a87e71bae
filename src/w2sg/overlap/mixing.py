"""The mixing experiment of docs/methods.md#mixing: how the share of overlap points drives
weak-to-strong.

From a detected partition of the pool: overlap pool O, non-overlap pool N (easy-only plus
hard-only), m = min(|O|, |N|). For each q and seed, draw floor(m q) points from O and
floor(m (1 - q)) from N without replacement, fit the strong probe on their weak soft labels
and evaluate it on the test split. Baseline: a random size-m subset of the whole pool, per
seed. Every row draws from its own generator, seeded from (seed, q index) - or (seed,
BASELINE_STREAM) for the baseline - so any row can be reproduced alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from w2sg import validate
from w2sg.errors import W2SGError
from w2sg.probes import LogisticProbe
from w2sg.stats.metrics import evaluate
from w2sg.stats.pgr import DEFAULT_MARGIN, pgr

DEFAULT_QS: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(11))
BASELINE_STREAM = 2**31 - 1  # the generator key of the baseline rows, beside the q indices
Progress = Callable[[int, int], None]  # progress(rows done, rows in all)


@dataclass(frozen=True)
class MixingResult:
    """One row per (q, seed) and one baseline row per seed (docs/methods.md#mixing)."""

    rows: list[dict] = field(default_factory=list)
    m: int = 0
    qs: tuple[float, ...] = DEFAULT_QS
    seeds: tuple[int, ...] = (0,)
    l2: float = 1e-3

    def summary(self) -> list[dict]:
        """Per q (then the baseline, q None): n, mean, std (ddof 0), min, max of each metric."""
        out = [
            self._stats([r for r in self.rows if r["kind"] == "mix" and r["q"] == q], q)
            for q in self.qs
        ]
        out.append(self._stats([r for r in self.rows if r["kind"] == "baseline"], None))
        return out

    @staticmethod
    def _stats(rows: list[dict], q: float | None) -> dict:
        entry: dict = {"kind": "mix" if q is not None else "baseline", "q": q, "n": len(rows)}
        for metric in ("accuracy", "auc"):
            vals = np.array([r[metric] for r in rows if r[metric] is not None], dtype=float)
            for stat, f in (("mean", np.mean), ("std", np.std), ("min", np.min), ("max", np.max)):
                entry[f"{metric}_{stat}"] = float(f(vals)) if len(vals) else None
        return entry

    def slope(self) -> float | None:
        """Least-squares slope of mean test accuracy against q; None with fewer than 2 qs."""
        points = [(s["q"], s["accuracy_mean"]) for s in self.summary() if s["kind"] == "mix"]
        if len({q for q, _ in points}) < 2:
            return None
        q, acc = np.array(points, dtype=float).T
        return float(np.polyfit(q, acc, 1)[0])

    def to_dict(self) -> dict:
        """JSON-ready: the configuration, every row, the summary and the slope."""
        return {
            "m": self.m,
            "qs": list(self.qs),
            "seeds": list(self.seeds),
            "l2": self.l2,
            "rows": self.rows,
            "summary": self.summary(),
            "slope": self.slope(),
        }


def mixing_experiment(
    pool_acts: np.ndarray,
    pool_weak_probs: np.ndarray,
    overlap_idx: np.ndarray,
    non_overlap_idx: np.ndarray,
    test_acts: np.ndarray,
    test_labels: np.ndarray,
    *,
    qs: Sequence[float] = DEFAULT_QS,
    seeds: Sequence[int] = (0,),
    l2: float = 1e-3,
    weak_metrics: dict[str, float | None] | None = None,
    ceiling_metrics: dict[str, float | None] | None = None,
    progress: Progress | None = None,
    margin: float = DEFAULT_MARGIN,
) -> MixingResult:
    """Train the strong probe on mixes of overlap / non-overlap points (docs/methods.md#mixing).

    `weak_metrics` / `ceiling_metrics` ({'accuracy', 'auc'} on test) turn on PGR columns.
    `progress(done, total)` is called after each fitted probe.

    Example::

        non_overlap = np.sort(np.concatenate([partition.easy_only, partition.hard_only]))
        mix = w2sg.mixing_experiment(pool_acts, weak_probs, partition.overlap, non_overlap,
                                     test_acts, test_labels, qs=(0.0, 0.5, 1.0), seeds=(0, 1))
        mix.summary(), mix.slope()
    """
    x, p, o_idx, n_idx = _check(pool_acts, pool_weak_probs, overlap_idx, non_overlap_idx)
    tx, ty = _check_test(test_acts, test_labels, x.shape[1])
    seeds = validate.seeds(seeds, "seeds")  # whole numbers >= 0: numpy rejects negatives
    validate.l2(l2, "l2")
    qs = tuple(validate.number(q, "qs entry", low=0.0, high=1.0) for q in qs)
    if not qs:
        raise W2SGError("qs: give at least one overlap share q in [0, 1]")
    validate.unique(qs, "qs")
    m, counts = _mix_counts(len(o_idx), len(n_idx), qs)
    total, rows = len(qs) * len(seeds) + len(seeds), []
    ends = (weak_metrics, ceiling_metrics, margin)

    def fit_row(train: np.ndarray, n_o: int, kind: str, q: float | None, seed: int) -> None:
        row = {"kind": kind, "q": q, "seed": seed, **_row(x[train], p[train], tx, ty, l2, ends)}
        rows.append(row | {"n_overlap": n_o, "n_non_overlap": len(train) - n_o})
        if progress is not None:
            progress(len(rows), total)

    is_overlap = np.zeros(len(p), dtype=bool)
    is_overlap[o_idx] = True
    for seed in seeds:
        for qi, (q, (a, _)) in enumerate(zip(qs, counts, strict=True)):
            fit_row(mix_draw(o_idx, n_idx, q, qi, seed), a, "mix", q, seed)
        train = baseline_draw(len(p), m, seed)
        fit_row(train, int(is_overlap[train].sum()), "baseline", None, seed)
    return MixingResult(rows=rows, m=m, qs=qs, seeds=seeds, l2=l2)


def _row(
    x: np.ndarray, p: np.ndarray, tx: np.ndarray, ty: np.ndarray, l2: float, ends: tuple
) -> dict:
    """Test metrics (and PGR, when the weak and ceiling metrics are given) of a strong probe
    trained on the weak soft labels `p` of the rows `x`."""
    probe = LogisticProbe(l2=l2).fit(x, p)
    row = evaluate(ty, probe.predict(tx))
    weak, ceiling, margin = ends
    for metric in ("accuracy", "auc"):
        row[f"pgr_{metric}"] = (
            pgr(weak.get(metric), row[metric], ceiling.get(metric), margin).value
            if weak is not None and ceiling is not None
            else None
        )
    return row


def _check_test(test_acts: np.ndarray, test_labels: np.ndarray, dim: int):
    tx = np.asarray(test_acts, dtype=np.float32)
    ty = np.asarray(test_labels).ravel()
    if tx.ndim != 2 or tx.shape[1] != dim or len(tx) != len(ty) or len(ty) == 0:
        raise W2SGError(
            f"test_acts {tx.shape} and test_labels ({len(ty)}) must align and match the pool's "
            f"{dim} dimensions"
        )
    return tx, ty


def mix_draw(
    overlap_idx: np.ndarray, non_overlap_idx: np.ndarray, q: float, q_index: int, seed: int
) -> np.ndarray:
    """The mix with overlap share `q`: floor(m q) overlap then floor(m (1 - q)) non-overlap
    positions, m = min(|O|, |N|), drawn without replacement from the generator (seed, q_index).
    Probe mode and fine-tune mode draw their mixes here, so they train on the same rows."""
    if not 0.0 <= q <= 1.0:
        raise W2SGError(f"q must lie in [0, 1], not {q}")
    m = min(len(overlap_idx), len(non_overlap_idx))
    rng = np.random.default_rng([seed, q_index])
    a = rng.choice(np.asarray(overlap_idx), _floor(m * q), replace=False)
    b = rng.choice(np.asarray(non_overlap_idx), _floor(m * (1 - q)), replace=False)
    return np.concatenate([a, b])


def baseline_draw(n_pool: int, m: int, seed: int) -> np.ndarray:
    """The baseline of a seed: a random size-m subset of the whole pool."""
    return np.random.default_rng([seed, BASELINE_STREAM]).choice(n_pool, m, replace=False)


def _mix_counts(n_overlap: int, n_non: int, qs: tuple[float, ...]) -> tuple[int, list]:
    """m = min(|O|, |N|) and each q's (overlap, non-overlap) counts; an error where a mix
    would be empty."""
    m = min(n_overlap, n_non)
    if m == 0:
        raise W2SGError(
            f"cannot mix: {n_overlap} overlap and {n_non} non-overlap points; both pools "
            "need points (is the detected overlap empty?)"
        )
    counts = [(_floor(m * q), _floor(m * (1 - q))) for q in qs]
    if any(a + b == 0 for a, b in counts):
        raise W2SGError(f"m = {m} is too small: some q draws no points; use a larger pool")
    return m, counts


def _floor(v: float) -> int:
    """floor, tolerant of float noise (10 * 0.7 is 7, not 6)."""
    return int(np.floor(v + 1e-9))


def _positions(values: object, name: str) -> np.ndarray:
    """Positions in the pool: whole numbers (a fraction or a true/false mask is refused, as
    numpy would truncate the one and read the other as 0 and 1)."""
    arr = np.asarray(values)
    if arr.size and arr.dtype.kind not in "iu":
        raise W2SGError(
            f"{name} must hold positions in the pool (whole numbers, e.g. partition.overlap), "
            f"got an array of dtype {arr.dtype}"
        )
    return arr.astype(np.int64).ravel()


def _check(
    acts: np.ndarray, probs: np.ndarray, o: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(acts, dtype=np.float32)
    p = np.asarray(probs, dtype=np.float64).ravel()
    if x.ndim != 2 or len(x) != len(p):
        raise W2SGError(
            f"pool_acts {x.shape} and pool_weak_probs ({len(p)}) must align, one row per point"
        )
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise W2SGError("pool_weak_probs must be probabilities in [0, 1]")
    o_idx, n_idx = _positions(o, "overlap_idx"), _positions(n, "non_overlap_idx")
    for name, idx in (("overlap_idx", o_idx), ("non_overlap_idx", n_idx)):
        if len(idx) and (idx.min() < 0 or idx.max() >= len(p)):
            raise W2SGError(f"{name} has positions outside the pool of {len(p)} points")
    if np.intersect1d(o_idx, n_idx).size:
        raise W2SGError("overlap_idx and non_overlap_idx share points; they must be disjoint")
    return x, p, o_idx, n_idx
