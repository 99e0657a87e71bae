"""Data sources (arms) for the selection bandit of docs/methods.md#selection.

Two kinds of arm:

- **constructed** (the reference): from a detected partition of the pool, arm k gets
  x_k = ⌊N_o·p_k⌋ overlap points and e_k = h_k = ⌊x_k(1−p_k)/(2p_k)⌋ easy-only and hard-only
  points, so that its overlap density is x_k / (x_k + e_k + h_k) ≈ p_k.
- **natural**: one arm per value of a dataset's source column (a domain); the true density is
  unknown.

Interpretation of the formula, documented here because the literature leaves it implicit:
x in ⌊x(1−p)/(2p)⌋ is the arm's own overlap count x_k, and N_o is the overlap pool. When the
requested densities need more points than the partition holds (Σ x_k > N_o because Σ p_k > 1,
or Σ e_k > |easy_only|, or Σ h_k > |hard_only|), N_o is replaced by the largest effective
overlap budget N for which every arm fits, so every arm keeps its density and only the arm
sizes shrink. The arms are disjoint; each arm's true density is its exact count ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from w2sg.errors import W2SGError

DEFAULT_DENSITIES = (0.1, 0.9)


@dataclass(frozen=True)
class Arm:
    """One data source: pool positions it may draw, and its overlap density where known."""

    name: str
    indices: np.ndarray  # positions in the pool, int64
    true_density: float | None = None
    n_overlap: int | None = None
    n_easy_only: int | None = None
    n_hard_only: int | None = None

    @property
    def size(self) -> int:
        return int(len(self.indices))

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "size": self.size,
            "true_density": self.true_density,
            "n_overlap": self.n_overlap,
            "n_easy_only": self.n_easy_only,
            "n_hard_only": self.n_hard_only,
        }


def _arm_counts(budget: int, densities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlap counts ⌊budget·p⌋ and the easy = hard counts ⌊x(1−p)/(2p)⌋ per arm."""
    x = np.floor(budget * densities + 1e-9).astype(np.int64)
    fill = np.floor(x * (1.0 - densities) / (2.0 * densities) + 1e-9).astype(np.int64)
    return x, fill


def construct_arms(
    overlap: np.ndarray,
    easy_only: np.ndarray,
    hard_only: np.ndarray,
    densities: Sequence[float] = DEFAULT_DENSITIES,
    *,
    seed: int = 0,
) -> tuple[Arm, ...]:
    """Arms with known overlap densities built from a detected partition
    (docs/methods.md#selection).

    `overlap`, `easy_only`, `hard_only`: disjoint pool positions (an `OverlapResult`'s sets).
    `densities`: target density p_k in (0, 1] per arm [reference 0.1, 0.9].
    Which points go to which arm is drawn with `seed`.
    """
    p = np.asarray(list(densities), dtype=np.float64)
    if p.ndim != 1 or len(p) < 2:
        raise W2SGError(f"give at least two arm densities, got {list(densities)}")
    if not np.isfinite(p).all() or (p <= 0).any() or (p > 1).any():
        raise W2SGError(f"arm densities must lie in (0, 1], got {p.tolist()}")
    sets = [np.asarray(s, dtype=np.int64).ravel() for s in (overlap, easy_only, hard_only)]
    joined = np.concatenate(sets)
    if len(np.unique(joined)) != len(joined):
        raise W2SGError("overlap, easy_only and hard_only must be disjoint sets of pool positions")
    ov, easy, hard = sets
    budget = _largest_budget(len(ov), len(easy), len(hard), p)
    x, fill = _arm_counts(budget, p)
    if (x == 0).any():
        raise W2SGError(
            f"the partition ({len(ov)} overlap, {len(easy)} easy-only, {len(hard)} hard-only "
            f"points) is too small to give every arm an overlap point at densities {p.tolist()}; "
            "use a larger pool or less extreme densities"
        )
    rng = np.random.default_rng(seed)
    ov, easy, hard = rng.permutation(ov), rng.permutation(easy), rng.permutation(hard)
    arms = []
    o_at = e_at = 0
    for k in range(len(p)):
        take_o = ov[o_at : o_at + x[k]]
        take_e = easy[e_at : e_at + fill[k]]
        take_h = hard[e_at : e_at + fill[k]]
        o_at += int(x[k])
        e_at += int(fill[k])
        idx = rng.permutation(np.concatenate([take_o, take_e, take_h]))
        arms.append(
            Arm(
                name=f"p={p[k]:g}",
                indices=idx,
                true_density=float(x[k] / len(idx)),
                n_overlap=int(x[k]),
                n_easy_only=int(fill[k]),
                n_hard_only=int(fill[k]),
            )
        )
    return tuple(arms)


def _largest_budget(n_overlap: int, n_easy: int, n_hard: int, p: np.ndarray) -> int:
    """The largest overlap budget N ≤ |overlap| for which every arm's points exist."""

    def fits(budget: int) -> bool:
        x, fill = _arm_counts(budget, p)
        return x.sum() <= n_overlap and fill.sum() <= min(n_easy, n_hard)

    lo, hi = 0, n_overlap  # fits(0) holds; counts grow monotonically with the budget
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def natural_arms(sources: Sequence[str] | np.ndarray, *, min_size: int = 1) -> tuple[Arm, ...]:
    """One arm per distinct source value (docs/methods.md#selection, natural sources); true density
    unknown.

    Arms are ordered by source name, so results are reproducible across runs.
    """
    src = np.asarray([str(s) for s in sources], dtype=object)
    if len(src) == 0:
        raise W2SGError("no sources given: the pool is empty")
    names = sorted(set(src.tolist()))
    if len(names) < 2:
        raise W2SGError(
            f"natural arms need at least two distinct sources, found {names}; "
            "use constructed arms instead"
        )
    arms = tuple(
        Arm(name=name, indices=np.nonzero(src == name)[0].astype(np.int64)) for name in names
    )
    small = [a.name for a in arms if a.size < min_size]
    if small:
        raise W2SGError(
            f"sources {small} have fewer than {min_size} points; drop them or lower the batch size"
        )
    return arms
