"""Alternative overlap scores chosen by name in detect_overlap (docs/methods.md#detection)."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.overlap.detect import detect_overlap, max_similarity
from w2sg.overlap.detectors import parse_detector, topk_mean_similarity
from w2sg.synth.detection import precision_recall_f1


@pytest.fixture
def acts() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 6)), rng.normal(size=(15, 6))


def test_parse_detector_names() -> None:
    assert parse_detector("reference") == ("reference", None)
    assert parse_detector("knn") == ("knn", 10)
    assert parse_detector("KNN:3") == ("knn", 3)
    assert parse_detector("mean") == ("mean", None)
    for bad in ("nearest", "knn:0", "knn:x", "mean:4"):
        with pytest.raises(W2SGError):
            parse_detector(bad)


def test_knn_1_is_the_reference_max(acts: tuple[np.ndarray, np.ndarray]) -> None:
    q, k = acts
    for sim in ("abs_cosine", "dot"):
        np.testing.assert_allclose(
            topk_mean_similarity(q, k, 1, sim), max_similarity(q, k, sim), rtol=1e-6
        )


def test_topk_mean_matches_a_direct_computation(acts: tuple[np.ndarray, np.ndarray]) -> None:
    q, k = acts
    cos = np.abs(
        (q / np.linalg.norm(q, axis=1, keepdims=True))
        @ (k / np.linalg.norm(k, axis=1, keepdims=True)).T
    )
    expect = np.sort(cos, axis=1)[:, -4:].mean(axis=1)
    got = topk_mean_similarity(q, k, 4, chunk_elems=16)  # many small chunks
    np.testing.assert_allclose(got, expect, rtol=1e-5)
    np.testing.assert_allclose(topk_mean_similarity(q, k, None), cos.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(topk_mean_similarity(q, k, 99), cos.mean(axis=1), rtol=1e-5)


def test_knn_resists_a_stray_easy_point_in_the_hard_set() -> None:
    # Easy points live on axis 0, hard on axis 1, overlap on both; one easy point is unsure.
    rng = np.random.default_rng(1)
    easy = np.c_[rng.normal(3, 0.3, 30), rng.normal(0, 0.05, 30)]
    hard = np.c_[rng.normal(0, 0.05, 30), rng.normal(3, 0.3, 30)]
    over = np.c_[rng.normal(3, 0.3, 30), rng.normal(3, 0.3, 30)]
    acts = np.r_[easy, hard, over]
    probs = np.r_[np.full(30, 0.95), np.full(30, 0.5), np.full(30, 0.95)]
    probs[0] = 0.5  # the stray: an easy point the weak model is unsure of
    truth = np.r_[np.zeros(30), np.zeros(30), np.ones(30)].astype(bool)
    ref = detect_overlap(probs, acts)
    knn = detect_overlap(probs, acts, detector="knn:5")
    assert knn.detector == "knn:5" and ref.detector == "reference"
    np.testing.assert_array_equal(knn.hard_only, ref.hard_only)  # same hard set
    f1 = {
        name: precision_recall_f1(truth, r.labels() == "overlap")[2]
        for name, r in (("reference", ref), ("knn", knn))
    }
    assert f1["knn"] >= 0.95
    assert f1["reference"] < 0.8  # the stray drags easy points into "overlap"


def test_unknown_detector_is_one_clear_error() -> None:
    with pytest.raises(W2SGError, match="unknown detector"):
        detect_overlap(np.array([0.5, 0.9]), np.ones((2, 3)), detector="bogus")
