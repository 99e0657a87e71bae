"""The rows of the mixing experiment with trained students (SPEC §4 draws, fine-tune mode).

For overlap pool O, non-overlap pool N and m = min(|O|, |N|): floor(m q) rows from O and
floor(m (1 − q)) from N without replacement; the baseline is a random size-m subset of the
whole pool. Each draw has its own generator, seeded from (seed, q index) or (seed, baseline).
"""

from __future__ import annotations

import math

import numpy as np

BASELINE_STREAM = 2**31 - 1


def mix_size(overlap: np.ndarray, non_overlap: np.ndarray) -> int:
    """m = min(|O|, |N|), the size of every mix."""
    return int(min(len(overlap), len(non_overlap)))


def mix_rows(
    overlap: np.ndarray, non_overlap: np.ndarray, q: float, q_index: int, seed: int
) -> np.ndarray:
    """Sorted pool rows of the mix with overlap share `q`."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must lie in [0, 1], not {q}")
    m = mix_size(overlap, non_overlap)
    rng = np.random.default_rng([seed, q_index])
    n_o = math.floor(m * q + 1e-9)
    n_n = math.floor(m * (1.0 - q) + 1e-9)
    a = rng.choice(np.asarray(overlap), size=n_o, replace=False)
    b = rng.choice(np.asarray(non_overlap), size=n_n, replace=False)
    return np.sort(np.concatenate([a, b]).astype(int))


def baseline_rows(n_pool: int, m: int, seed: int) -> np.ndarray:
    """Sorted rows of a random size-m subset of a pool of `n_pool` rows."""
    rng = np.random.default_rng([seed, BASELINE_STREAM])
    return np.sort(rng.choice(n_pool, size=m, replace=False))
