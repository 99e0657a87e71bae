"""The mixes of the mixing experiment: the share and size of the docs' draw rule, one rule for
probe mode and fine-tune mode."""

from __future__ import annotations

import numpy as np

from w2sg.overlap.mixing import baseline_draw, mix_draw, mixing_experiment


def test_mixes_have_the_share_and_size_of_the_draw_rule() -> None:
    overlap, non_overlap = np.arange(0, 30), np.arange(30, 100)
    for i, q in enumerate((0.0, 0.5, 1.0)):
        rows = mix_draw(overlap, non_overlap, q, i, seed=0)
        assert len(rows) == 30 and len(np.unique(rows)) == 30
        assert np.sum(rows < 30) == int(30 * q)
    assert np.array_equal(mix_draw(overlap, non_overlap, 0.5, 1, 3),
                          mix_draw(overlap, non_overlap, 0.5, 1, 3))  # fmt: skip
    base = baseline_draw(100, 30, seed=0)
    assert len(base) == 30 and len(np.unique(base)) == 30 and base.max() < 100


def test_the_probe_mixing_experiment_trains_on_the_drawn_rows() -> None:
    """Each row's overlap count is the draw's: the experiment uses mix_draw, not a copy."""
    rng = np.random.default_rng(0)
    x, p = rng.normal(size=(100, 4)), rng.uniform(size=100)
    overlap, non_overlap = np.arange(0, 30), np.arange(30, 100)
    result = mixing_experiment(x, p, overlap, non_overlap, x[:20], (p[:20] > 0.5).astype(int),
                               qs=(0.0, 0.5, 1.0), seeds=(4,))  # fmt: skip
    for qi, row in enumerate(r for r in result.rows if r["kind"] == "mix"):
        drawn = mix_draw(overlap, non_overlap, row["q"], qi, 4)
        assert row["n_overlap"] == int(np.sum(drawn < 30))
    baseline = next(r for r in result.rows if r["kind"] == "baseline")
    assert baseline["n_overlap"] == int(np.sum(baseline_draw(100, 30, 4) < 30))
