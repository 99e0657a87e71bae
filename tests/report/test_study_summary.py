"""summary.md's selection section for constructed and natural arms, from the real stage."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.overlap.detect import detect_overlap
from w2sg.report.study_summary import selection_markdown
from w2sg.selection.stage import run_selection_stage


@pytest.fixture(scope="module")
def pool():
    rng = np.random.default_rng(0)
    n = 240
    kinds = np.repeat([0, 1, 2], n // 3)  # easy-only, hard-only, overlap
    y = rng.integers(0, 2, n)
    sign = 2.0 * y - 1
    x = rng.normal(0, 0.3, (n, 8))
    x[kinds != 1, 0] += 2 * sign[kinds != 1]
    x[kinds != 0, 4] += 2 * sign[kinds != 0]
    probs = 1 / (1 + np.exp(-2 * x[:, 0]))
    test_x = rng.normal(0, 0.3, (60, 8))
    test_y = rng.integers(0, 2, 60)
    test_x[:, 4] += 2 * (2.0 * test_y - 1)
    return probs, x.astype(np.float32), test_x.astype(np.float32), test_y


def _stage(pool, sources):
    probs, x, test_x, test_y = pool
    partition = detect_overlap(probs, x)
    return run_selection_stage(
        probs, x, partition, sources, test_x, test_y, seeds=(0,), rounds=4, eval_every=2
    )


def test_constructed_arms_report_true_ratio_and_regret(pool):
    lines = selection_markdown(_stage(pool, None))
    rows = [line for line in lines if line.startswith("| ucb |") or line.startswith("| oracle |")]
    assert len(rows) == 2
    assert "Constructed arms: p=0.1, p=0.9" in lines[2]
    oracle = rows[1].split("|")
    assert float(oracle[5]) == 0.0  # the oracle never regrets
    assert all("n/a" not in row for row in rows)


def test_natural_arms_have_no_true_ratio_or_regret(pool):
    sources = np.array(["news", "web", "forum"] * 80)
    lines = selection_markdown(_stage(pool, sources))
    assert "Natural arms: forum, news, web" in lines[2]
    ucb = next(line for line in lines if line.startswith("| ucb |")).split("|")
    assert ucb[2].strip() == "n/a" and ucb[5].strip() == "n/a"  # true ratio, regret unknown
    assert 0.0 <= float(ucb[3]) <= 1.0  # the estimated ratio is there
    assert not any(line.startswith("| oracle |") for line in lines)
