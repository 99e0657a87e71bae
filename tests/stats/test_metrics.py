"""Accuracy, ROC AUC and PGR (docs/methods.md#pgr)."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.stats.metrics import accuracy, evaluate, roc_auc
from w2sg.stats.pgr import pgr


def test_accuracy_thresholds_at_one_half() -> None:
    labels = np.array([1, 0, 1, 0])
    assert accuracy(labels, np.array([0.9, 0.1, 0.5, 0.6])) == 0.5  # 0.5 counts as class 0
    assert accuracy(labels, np.array([0.51, 0.49, 0.99, 0.0])) == 1.0


def test_auc_by_hand_and_none_for_one_class() -> None:
    labels = np.array([0, 0, 1, 1])
    # pairs (pos, neg): (0.35 > 0.1), (0.35 < 0.4), (0.8 > both) -> 3 of 4
    assert roc_auc(labels, np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert roc_auc(np.ones(3), np.array([0.2, 0.5, 0.9])) is None


def test_pgr_value_and_undefined_cases() -> None:
    assert pgr(0.6, 0.7, 0.8).value == pytest.approx(0.5)
    assert pgr(0.6, 0.55, 0.8).value == pytest.approx(-0.25)
    same = pgr(0.8, 0.85, 0.8)
    assert same.value is None and "ceiling - weak = 0.000 < 0.01" in same.reason
    assert "not above 0" in pgr(0.8, 0.85, 0.8, margin=0.0).reason
    worse = pgr(0.9, 0.85, 0.8)
    assert worse.value is None and worse.to_json() is None
    assert pgr(None, 0.7, 0.8).value is None and pgr(None, 0.7, 0.8).reason


def test_evaluate_reports_both_metrics() -> None:
    out = evaluate(np.array([0, 1, 1]), np.array([0.2, 0.7, 0.4]))
    assert out == {"accuracy": pytest.approx(2 / 3), "auc": pytest.approx(1.0)}


def test_misaligned_or_empty_inputs_are_errors() -> None:
    with pytest.raises(W2SGError, match="align"):
        accuracy(np.array([0, 1]), np.array([0.5]))
    with pytest.raises(W2SGError, match="no points"):
        roc_auc(np.array([]), np.array([]))


def test_a_gap_below_the_margin_gives_no_pgr_number() -> None:
    """The headline case: weak 0.750, ceiling 0.755 has no PGR, and says why in words."""
    tiny = pgr(0.750, 0.80, 0.755)
    assert tiny.value is None
    assert tiny.reason == "no PGR: ceiling - weak = 0.005 < 0.01"
    assert pgr(0.750, 0.80, 0.755, margin=0.001).value == pytest.approx(10.0)


def test_seeds_without_a_gap_are_left_out_and_counted() -> None:
    """Gaps 0.10 / 0.10 / 0.001: the third seed has no PGR, so no mean of 7.0."""
    from w2sg.stats.pgr import pgr_over_seeds

    s = pgr_over_seeds([0.70, 0.70, 0.700], [0.75, 0.75, 0.707], [0.80, 0.80, 0.701])
    assert s["per_seed"][:2] == [pytest.approx(0.5), pytest.approx(0.5)]
    assert s["per_seed"][2] is None and s["n_defined"] == 2 and s["n_seeds"] == 3
    assert s["mean"] == pytest.approx(0.5) and s["median"] == pytest.approx(0.5)
    assert s["reasons"] == ["seed 2: no PGR: ceiling - weak = 0.001 < 0.01"]
    means = (0.70, (0.75 + 0.75 + 0.707) / 3, (0.80 + 0.80 + 0.701) / 3)
    assert s["of_means"] == pytest.approx((means[1] - means[0]) / (means[2] - means[0]))
