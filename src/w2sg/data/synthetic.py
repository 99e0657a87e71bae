"""Synthetic data with known overlap structure: the paper's theory setting
(docs/methods.md#synthetic-data).

Features split into an easy block and a hard block. Every point has one true type:

- `easy_only`: the easy block carries the label signal, the hard block does not;
- `hard_only`: the hard block carries the label signal, the easy block does not;
- `overlap`: both blocks carry it.

A block that carries the signal is `(2y - 1) * signal * theta_block + noise * N(0, I)`; a block
a point lacks is `absent_noise * N(0, I)` and says nothing about the label. The class means
`theta` are drawn once from U(0, 1)^d by `mean_seed`, as in the reference notebooks (there
`noise = sqrt(5)` and the absent block is all zeros, i.e. `absent_noise = 0`). The weak view
is the easy block only; the strong view is both blocks. Everything is deterministic by seed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from w2sg import validate
from w2sg.errors import W2SGError

TYPES: tuple[str, ...] = ("easy_only", "hard_only", "overlap")


@dataclass(frozen=True)
class SyntheticParams:
    """Everything that determines a synthetic dataset (docs/methods.md#synthetic-data; reference
    values as defaults)."""

    n_easy_only: int = 100
    n_hard_only: int = 100
    n_overlap: int = 100
    d_easy: int = 20
    d_hard: int = 20
    noise: float = math.sqrt(5.0)  # per-coordinate std of the noise in a block that has signal
    absent_noise: float = 0.0  # per-coordinate std of a block the point lacks (no signal)
    easy_signal: float = 1.0  # scale of the easy block's class mean
    hard_signal: float = 1.0  # scale of the hard block's class mean
    seed: int = 0  # draws the points and labels
    mean_seed: int | None = None  # draws the class means; None: the same as `seed`

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SyntheticData:
    """A synthetic pool whose every point's true type is known (docs/methods.md#synthetic-data)."""

    labels: np.ndarray  # int64 in {0, 1}
    types: np.ndarray  # str: 'easy_only', 'hard_only' or 'overlap'
    weak_x: np.ndarray  # (n, d_easy): the easy block only
    strong_x: np.ndarray  # (n, d_easy + d_hard): both blocks
    theta: np.ndarray  # (d_easy + d_hard,) unscaled class mean direction
    params: SyntheticParams

    def __len__(self) -> int:
        return len(self.labels)

    def index(self, kind: str) -> np.ndarray:
        """Positions of the points of one true type."""
        if kind not in TYPES:
            raise W2SGError(f"unknown point type {kind!r}; use one of {', '.join(TYPES)}")
        return np.nonzero(self.types == kind)[0]

    def counts(self) -> dict[str, int]:
        return {kind: int((self.types == kind).sum()) for kind in TYPES}


def _check(params: SyntheticParams) -> None:
    counts = (params.n_easy_only, params.n_hard_only, params.n_overlap)
    if any(c < 0 for c in counts):
        raise W2SGError(f"point counts must be >= 0, got easy/hard/overlap = {counts}")
    if sum(counts) == 0:
        raise W2SGError("a synthetic dataset needs at least one point; raise a count above 0")
    if params.d_easy < 1 or params.d_hard < 1:
        raise W2SGError(f"d_easy and d_hard must be >= 1, got {params.d_easy} and {params.d_hard}")
    for name in ("noise", "absent_noise", "easy_signal", "hard_signal"):
        value = getattr(params, name)
        if not math.isfinite(value) or value < 0:
            raise W2SGError(f"{name} must be a finite number >= 0, got {value}")
    validate.seed(params.seed, "seed")
    if params.mean_seed is not None:
        validate.seed(params.mean_seed, "mean_seed")


def class_means(d_easy: int, d_hard: int, mean_seed: int) -> np.ndarray:
    """The unscaled class mean direction theta ~ U(0, 1)^(d_easy + d_hard) (reference)."""
    return np.random.default_rng([mean_seed, 1]).random(d_easy + d_hard)


def make_synthetic(params: SyntheticParams | None = None, **overrides: object) -> SyntheticData:
    """Draw a synthetic pool (docs/methods.md#synthetic-data): labels balanced within each type,
    rows shuffled.

    `make_synthetic(n_overlap=50, seed=3)` overrides fields of the default `SyntheticParams`.

    Example::

        pool = w2sg.make_synthetic(seed=1) pool.weak_x, pool.strong_x, pool.labels, pool.types
        # types: easy_only, hard_only, overlap
    """
    base = params or SyntheticParams()
    try:
        params = SyntheticParams(**{**asdict(base), **overrides})
    except TypeError as err:
        raise W2SGError(f"make_synthetic: {err}; see SyntheticParams for the fields") from None
    _check(params)
    de, dh = params.d_easy, params.d_hard
    mean_seed = params.seed if params.mean_seed is None else params.mean_seed
    theta = class_means(de, dh, mean_seed)
    rng = np.random.default_rng([params.seed, 0])

    types = np.repeat(np.array(TYPES), [params.n_easy_only, params.n_hard_only, params.n_overlap])
    labels = np.concatenate(
        [
            rng.permutation(np.arange(c) % 2)
            for c in (params.n_easy_only, params.n_hard_only, params.n_overlap)
        ]
    ).astype(np.int64)
    n = len(labels)
    sign = (2.0 * labels - 1.0)[:, None]
    has_easy = (types != "hard_only")[:, None]
    has_hard = (types != "easy_only")[:, None]
    easy = np.where(
        has_easy,
        sign * params.easy_signal * theta[:de] + params.noise * rng.standard_normal((n, de)),
        params.absent_noise * rng.standard_normal((n, de)),
    )
    hard = np.where(
        has_hard,
        sign * params.hard_signal * theta[de:] + params.noise * rng.standard_normal((n, dh)),
        params.absent_noise * rng.standard_normal((n, dh)),
    )
    order = rng.permutation(n)
    strong_x = np.concatenate([easy, hard], axis=1)[order].astype(np.float32)
    return SyntheticData(
        labels=labels[order],
        types=types[order],
        weak_x=np.ascontiguousarray(strong_x[:, :de]),
        strong_x=strong_x,
        theta=theta,
        params=params,
    )
