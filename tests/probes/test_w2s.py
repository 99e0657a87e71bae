"""weak / student / ceiling on generated data where the strong view is strictly better."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.probes.w2s import weak_to_strong
from w2sg.study.config import StudyConfig


def _views(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, a weak view (a noisy copy of the signal) and a strong view (a cleaner one)."""
    y = rng.integers(0, 2, n)
    signal = (2 * y - 1)[:, None].astype(float)
    weak = np.hstack([signal * 0.6 + rng.normal(0, 1.0, (n, 1)), rng.normal(0, 1, (n, 7))])
    strong = np.hstack([signal * 1.5 + rng.normal(0, 1.0, (n, 1)), rng.normal(0, 1, (n, 15))])
    return y, weak.astype(np.float32), strong.astype(np.float32)


@pytest.fixture(scope="module")
def outcome():
    rng = np.random.default_rng(0)
    y_w, x_w, _ = _views(600, rng)
    y_p, xp_w, xp_s = _views(600, rng)
    y_t, xt_w, xt_s = _views(2000, rng)
    return weak_to_strong(x_w, y_w, xp_w, xp_s, y_p, xt_w, xt_s, y_t), y_p


def test_ceiling_beats_weak_and_student_lies_between(outcome):
    out, _ = outcome
    assert out.ceiling["accuracy"] > out.weak["accuracy"] + 0.1
    assert out.weak["accuracy"] - 0.02 <= out.w2s["accuracy"] <= out.ceiling["accuracy"] + 0.02


def test_pgr_is_the_recovered_share_of_the_gap(outcome):
    out, _ = outcome
    for m in ("accuracy", "auc"):
        expected = (out.w2s[m] - out.weak[m]) / (out.ceiling[m] - out.weak[m])
        assert out.pgr[m] == pytest.approx(expected)
    assert out.pgr_reasons == {}


def test_weak_label_accuracy_matches_the_pool(outcome):
    out, y_pool = outcome
    expected = ((out.pool_weak_probs > 0.5).astype(int) == y_pool).mean()
    assert out.weak_label_accuracy == pytest.approx(expected)
    assert 0.6 < out.weak_label_accuracy < 0.85  # a real, imperfect weak supervisor


def test_same_inputs_same_numbers():
    rng = np.random.default_rng(3)
    args = [*_views(300, rng)]
    y, xw, xs = args
    a = weak_to_strong(xw, y, xw, xs, y, xw, xs, y)
    b = weak_to_strong(xw, y, xw, xs, y, xw, xs, y)
    assert a.to_json() == b.to_json()
    np.testing.assert_array_equal(a.pool_weak_probs, b.pool_weak_probs)


def test_without_weak_probs_the_weak_inputs_are_required():
    rng = np.random.default_rng(3)
    y, xw, xs = _views(100, rng)
    with pytest.raises(W2SGError, match="without weak_probs, give weak_train_x"):
        weak_to_strong(xw, y, None, xs, y, xw, xs, y)
    with pytest.raises(W2SGError, match="without weak_probs, give weak_train_x"):
        weak_to_strong(None, None, None, xs, y, None, xs, y)


def test_config_rejects_bad_sizes_and_records_the_version():
    with pytest.raises(W2SGError, match="test must be positive"):
        StudyConfig(test=0)
    with pytest.raises(W2SGError, match="at least one seed"):
        StudyConfig(seeds=())
    for bad, match in (
        ({"similarity": "cos"}, "similarity must be"),
        ({"detector": "nearest"}, "unknown detector"),
        ({"pooling": "max"}, "pooling must be"),
        ({"dtype": "float8"}, "dtype must be"),
    ):
        with pytest.raises(W2SGError, match=match):
            StudyConfig(**bad)
    cfg = StudyConfig().to_json()
    assert cfg["w2sg_version"] and cfg["weak_model"] == "minilm-l6"
