"""The mixes of the trained-student mixing experiment follow SPEC §4's draws."""

from __future__ import annotations

import numpy as np

from w2sg.finetune.mixing import baseline_rows, mix_rows, mix_size


def test_mixes_have_the_share_and_size_of_spec_4() -> None:
    overlap, non_overlap = np.arange(0, 30), np.arange(30, 100)
    m = mix_size(overlap, non_overlap)
    assert m == 30
    for i, q in enumerate((0.0, 0.5, 1.0)):
        rows = mix_rows(overlap, non_overlap, q, i, seed=0)
        assert len(rows) == 30 and len(np.unique(rows)) == 30
        assert np.sum(rows < 30) == int(30 * q)
    assert np.array_equal(mix_rows(overlap, non_overlap, 0.5, 1, 3),
                          mix_rows(overlap, non_overlap, 0.5, 1, 3))  # fmt: skip
    base = baseline_rows(100, m, seed=0)
    assert len(base) == 30 and len(np.unique(base)) == 30 and base.max() < 100
