"""The mechanism experiment and detection quality on synthetic data
(docs/methods.md#synthetic-data)."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.synth.config import DetectionGridConfig, MechanismConfig
from w2sg.synth.detection import marginals, precision_recall_f1, run_detection_grid
from w2sg.synth.mechanism import run_mechanism


@pytest.fixture(scope="module")
def mechanism():
    return run_mechanism(MechanismConfig(counts=(0, 10, 40, 95), runs=6, seed=1))


def test_mechanism_hard_only_accuracy_rises_with_overlap_points(mechanism) -> None:
    mean = {k: np.array(v["mean"]) for k, v in mechanism.summary().items()}
    hard, easy = mean["hard_only"], mean["easy_only"]
    assert hard[3] > hard[1] + 0.08  # 95 vs 10 overlap points
    assert hard[3] > 0.7
    assert easy[3] > 0.78  # easy-only stays high
    assert np.all(easy[1:] >= hard[1:])  # and above hard-only throughout
    weak_hard = np.array(mechanism.summary()["hard_only"]["weak_mean"])
    assert np.all(np.abs(weak_hard - 0.5) < 0.1)  # the weak model cannot do hard-only points


def test_mechanism_with_no_overlap_points_is_chance(mechanism) -> None:
    assert mechanism.chance.tolist() == [True, False, False, False]
    assert np.all(mechanism.student_acc[:, 0, :] == 0.5)
    doc = mechanism.to_json()
    assert doc["config"]["runs"] == 6 and doc["counts"] == [0, 10, 40, 95]
    assert "chance" in doc["chance_note"]


def test_mechanism_is_deterministic_and_variants_run() -> None:
    cfg = MechanismConfig(vary="easy_only", counts=(0, 50), runs=2, n_overlap=20)
    a, b = run_mechanism(cfg), run_mechanism(cfg)
    np.testing.assert_array_equal(a.student_acc, b.student_acc)
    assert not a.chance.any()  # overlap points are fixed at 20
    assert a.student_acc.shape == (2, 2, 3)


def test_mechanism_rejects_bad_config() -> None:
    with pytest.raises(W2SGError, match="vary"):
        MechanismConfig(vary="medium")
    with pytest.raises(W2SGError, match="counts"):
        MechanismConfig(counts=(-5,))


def clean(noise: float) -> DetectionGridConfig:
    return DetectionGridConfig(
        absent_noise=(0.0,),
        easy_signal=(4.0,),
        hard_signal=(4.0,),
        proportions=((1 / 3, 1 / 3, 1 / 3),),
        pool_size=(300,),
        repeats=3,
        noise=noise,
    )


def test_reference_detector_is_accurate_on_a_clean_setting() -> None:
    result = run_detection_grid(clean(noise=5.0**0.5))
    rows = {r["detector"]: r for r in result.rows()}
    assert rows["reference"]["overlap_f1"] >= 0.9
    assert result.values[0, :, 0, 2].min() >= 0.9  # every seed
    assert rows["reference"]["hard_f1"] >= 0.95
    assert rows["knn"]["overlap_f1"] >= rows["reference"]["overlap_f1"]


def test_knn_detector_survives_collinear_easy_points() -> None:
    # Low noise: easy points are nearly collinear, so one unsure easy point in the hard set
    # gives every easy point a high max-similarity; the kNN mean does not care.
    rows = {r["detector"]: r for r in run_detection_grid(clean(noise=1.0)).rows()}
    assert rows["knn"]["overlap_f1"] >= 0.95
    assert rows["reference"]["overlap_f1"] < 0.7


def test_grid_rows_marginals_and_wins() -> None:
    cfg = DetectionGridConfig(
        absent_noise=(0.0, 1.5),
        easy_signal=(2.0,),
        hard_signal=(2.0,),
        proportions=((0.4, 0.3, 0.3),),
        pool_size=(120,),
        repeats=1,
        detectors=("reference", "knn:5"),
    )
    result = run_detection_grid(cfg)
    assert len(result.rows()) == 4 and result.values.shape == (2, 1, 2, 6)
    assert sum(result.wins()["knn:5"].values()) == 2
    m = marginals(result)
    assert [r["value"] for r in m if r["axis"] == "absent_noise"] == [0.0, 1.5]
    assert set(result.to_json()) >= {"config", "overall", "rows"}


def test_grid_rejects_bad_proportions_and_detectors() -> None:
    with pytest.raises(W2SGError, match="proportions"):
        DetectionGridConfig(proportions=((0.5, 0.5, 0.5),))
    with pytest.raises(W2SGError, match="unknown detector"):
        DetectionGridConfig(detectors=("best",))


def test_precision_recall_f1_values() -> None:
    truth = np.array([1, 1, 0, 0, 1], dtype=bool)
    found = np.array([1, 0, 1, 0, 1], dtype=bool)
    p, r, f = precision_recall_f1(truth, found)
    assert (p, r) == pytest.approx((2 / 3, 2 / 3)) and f == pytest.approx(2 / 3)
    assert precision_recall_f1(truth, np.zeros(5, bool)) == (0.0, 0.0, 0.0)
