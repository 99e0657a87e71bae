"""The change-point threshold (docs/methods.md#detection) against ruptures: same index, and how much
faster.

Target: the same breakpoint as `ruptures.Binseg(model="l2", min_size=2, jump=5)` and at
least 100x faster at n = 100,000.

    .venv/bin/python bench/changepoint.py
"""

from __future__ import annotations

import time

import numpy as np
import ruptures as rpt

from w2sg.overlap.changepoint import changepoint_index

TARGET_SPEEDUP = 100.0


def _best(f, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'n':>8} {'ours (ms)':>10} {'ruptures (ms)':>14} {'speed-up':>9} {'same k':>7}")
    for n in (1_000, 10_000, 100_000):
        s = np.sort(np.concatenate([rng.normal(0, 1, n // 2), rng.normal(4, 1, n - n // 2)]))
        ours = changepoint_index(s)
        ref = rpt.Binseg(model="l2", min_size=2, jump=5).fit(s).predict(n_bkps=1)[0]
        t_ours = _best(lambda s=s: changepoint_index(s), 20)
        t_ref = _best(
            lambda s=s: rpt.Binseg(model="l2", min_size=2, jump=5).fit(s).predict(n_bkps=1),
            3 if n < 100_000 else 1,
        )
        print(
            f"{n:>8,} {t_ours * 1e3:10.2f} {t_ref * 1e3:14.1f} {t_ref / t_ours:8.0f}x "
            f"{str(ours == ref):>7}"
        )
    print(f"target: same k, >= {TARGET_SPEEDUP:.0f}x faster at n = 100,000")


if __name__ == "__main__":
    main()
