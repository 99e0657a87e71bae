"""Majority vote and the learned label model on generated label matrices
(docs/methods.md#weak-supervision)."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.supervision import MajorityVote, class_balance, majority_vote, make_label_model
from w2sg.supervision.supervisor import BALANCE_RULE, ValidationLabels, supervise


def test_majority_vote_is_the_smoothed_vote_share_with_ties_at_one_half():
    matrix = np.array([[1, 1, 0], [0, 0, -1], [1, 0, -1], [-1, -1, -1], [1, -1, -1], [1, 1, 1]])
    np.testing.assert_allclose(majority_vote(matrix), [3 / 5, 1 / 4, 0.5, 0.5, 2 / 3, 4 / 5])


def test_majority_vote_recovers_labels_of_equally_good_functions(make_label_matrix):
    matrix, y = make_label_matrix(0, 2000, (0.8, 0.8, 0.8), (1.0, 1.0, 1.0))
    probs = MajorityVote().fit(matrix).predict(matrix)
    # three independent voters of accuracy 0.8: majority right with 0.8^3 + 3 * 0.8^2 * 0.2
    assert ((probs > 0.5) == y).mean() == pytest.approx(0.896, abs=0.02)


def test_label_model_beats_majority_vote_when_accuracies_differ(make_label_matrix):
    pytest.importorskip("snorkel")
    accuracies = (0.95, 0.6, 0.6, 0.6, 0.6)
    matrix, y = make_label_matrix(1, 3000, accuracies, (0.9,) * 5)
    fit_half, test_half = slice(0, 1500), slice(1500, None)
    model = make_label_model("labelmodel", seed=0).fit(matrix[fit_half])  # no labels given
    learned = ((model.predict(matrix[test_half]) > 0.5) == y[test_half]).mean()
    majority = ((majority_vote(matrix[test_half]) > 0.5) == y[test_half]).mean()
    assert majority < 0.82
    assert learned > majority + 0.08
    estimated = model.function_accuracies()
    assert estimated[0] > 0.85
    np.testing.assert_allclose(estimated[1:], 0.6, atol=0.06)
    assert model.to_json()["estimated_function_accuracy"] == estimated


def test_label_model_is_deterministic_and_leaves_global_seeds_alone(make_label_matrix):
    pytest.importorskip("snorkel")
    matrix, _ = make_label_matrix(2, 600, (0.9, 0.7, 0.6), (0.7, 0.8, 0.9))
    np.random.seed(123)
    expected_next = np.random.random()
    np.random.seed(123)
    first = make_label_model("labelmodel", seed=4).fit(matrix).predict(matrix)
    assert np.random.random() == expected_next
    second = make_label_model("labelmodel", seed=4).fit(matrix).predict(matrix)
    np.testing.assert_array_equal(first, second)
    assert ((first >= 0) & (first <= 1)).all()


def test_label_model_checks_its_input(make_label_matrix):
    pytest.importorskip("snorkel")
    matrix, _ = make_label_matrix(2, 100, (0.9, 0.7, 0.6), (0.7, 0.8, 0.9))
    model = make_label_model("labelmodel")
    with pytest.raises(W2SGError, match="call fit"):
        model.predict(matrix)
    with pytest.raises(W2SGError, match=r"2 label function\(s\), but the labelmodel .* least 3"):
        model.fit(matrix[:, :2])
    model.fit(matrix)
    with pytest.raises(W2SGError, match="4 functions, but the model has 3"):
        model.predict(np.zeros((4, 4), dtype=np.int8))


def test_unknown_label_model_is_named():
    with pytest.raises(W2SGError, match="majority, labelmodel; not 'snorkle'"):
        make_label_model("snorkle")


def test_class_balance_is_a_smoothed_share_or_wrenchs_counts_plus_one_over_the_count():
    # w2sg: (count + 1) / (rows + 2), a prior that sums to 1
    assert class_balance(np.array([0, 0, 0, 1])) == pytest.approx((4 / 6, 2 / 6))
    assert class_balance(np.array([1, 1])) == pytest.approx((0.25, 0.75))
    # JieyuZ2/wrench wrench/basemodel.py _init_balance: (counts + 1) / sum(counts)
    assert class_balance(np.array([0, 0, 0, 1]), exact_wrench=True) == (1.0, 0.5)
    assert class_balance(np.array([1, 1]), exact_wrench=True) == (0.5, 1.5)
    assert class_balance(np.array([], dtype=int)) is None  # no labelled rows: uniform
    with pytest.raises(W2SGError, match="must be 0 or 1"):
        class_balance(np.array([0, 2]))


def test_label_model_fits_with_the_class_balance_it_is_given(make_label_matrix):
    pytest.importorskip("snorkel")
    matrix, _ = make_label_matrix(3, 400, (0.9, 0.7, 0.6), (0.7, 0.8, 0.9))
    skewed = make_label_model("labelmodel", n_epochs=100, class_balance=(0.25, 1.0)).fit(matrix)
    # on a row where every function abstains the prediction is the prior, normalised
    abstain = np.full((1, 3), -1, dtype=np.int8)
    assert skewed.predict(abstain)[0] == pytest.approx(0.8)
    assert make_label_model("labelmodel").fit(matrix).predict(abstain)[0] == pytest.approx(0.5)
    record = skewed.to_json()
    assert record["class_balance"] == [0.25, 1.0] and record["n_epochs"] == 100
    with pytest.raises(W2SGError, match="two positive numbers"):
        make_label_model("labelmodel", class_balance=(0.0, 1.0)).fit(matrix)


def test_supervisor_takes_snorkels_prior_from_labelled_validation_rows(make_label_matrix):
    pytest.importorskip("snorkel")
    matrix, _ = make_label_matrix(4, 300, (0.9, 0.7, 0.6), (0.7, 0.8, 0.9))
    splits = {"weak_train": matrix[:100], "strong_train": matrix[100:200], "test": matrix[200:]}
    val = ValidationLabels(np.array([0] * 3 + [1] * 7), "valid.json of toy")

    def record(name: str, **kwargs) -> dict:
        return supervise(name, splits, {}, ["a", "b", "c"], {"source": "toy"}, **kwargs).to_json()

    r = record("labelmodel", epochs=100, validation=val)
    assert r["class_prior"] == {
        "prior": "validation", "class_balance": [pytest.approx(4 / 12), pytest.approx(8 / 12)],
        "class_counts": [3, 7], "rows": 10, "source": "valid.json of toy", "rule": BALANCE_RULE,
    }  # fmt: skip
    assert r["label_model"]["class_balance"] == pytest.approx([4 / 12, 8 / 12])
    assert r["label_model"]["n_epochs"] == 100
    exact = record("labelmodel", prior="wrench", validation=val)
    assert exact["class_prior"]["class_balance"] == [0.4, 0.8]  # WRENCH's (count + 1) / rows
    asked = record("labelmodel", prior="uniform", validation=val)
    assert asked["class_prior"]["prior"] == "uniform"
    assert asked["label_model"]["class_balance"] is None
    assert record("labelmodel")["class_prior"]["why"] == "no labelled validation rows"
    assert "class_prior" not in record("majority", validation=val)  # majority has no prior
    with pytest.raises(W2SGError, match="validation, wrench, uniform"):
        record("labelmodel", prior="skewed")
