"""The label matrix and its per-function summary (docs/methods.md#weak-supervision), on hand-made
functions."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.supervision import (
    LabelFunction,
    apply_label_functions,
    keyword_lf,
    regex_lf,
    summarize,
)

TEXTS = [
    "A great, great film.",  # good: 1   regex: -1  short: 1
    "Not good at all.",  # good: 1 (keyword)  regex: 0  short: 1
    "Plain plot summary of the movie without an opinion",  # all abstain but short: -1
    "Boring and not worth it",  # good: -1  regex: 0  short: 1
    "goodness me",  # 'good' is not a whole word here: -1; regex -1; short 1
]
LABELS = np.array([1, 0, 1, 0, 1])


@pytest.fixture
def functions() -> list[LabelFunction]:
    short = LabelFunction("short", lambda t: 1 if len(t.split()) <= 5 else -1)
    return [
        keyword_lf("good", ["good", "great"], 1),
        regex_lf("negated", [r"\bnot\s+(good|worth)\b"], 0),
        short,
    ]


def test_label_matrix_holds_each_functions_votes(functions):
    matrix = apply_label_functions(functions, TEXTS)
    assert matrix.dtype == np.int8
    expected = [[1, -1, 1], [1, 0, 1], [-1, -1, -1], [-1, 0, 1], [-1, -1, 1]]
    np.testing.assert_array_equal(matrix, expected)


def test_summary_of_hand_made_functions(functions):
    matrix = apply_label_functions(functions, TEXTS)
    summary = summarize(matrix, LABELS, [f.name for f in functions])
    np.testing.assert_allclose(summary.coverage, [0.4, 0.4, 0.8])
    # rows labelled by >= 2 functions: 0, 1, 3
    np.testing.assert_allclose(summary.overlap, [0.4, 0.4, 0.6])
    # rows with two different labels: 1 (1, 0, 1) and 3 (-1, 0, 1); each counts for every
    # function that labels it, as in Snorkel
    np.testing.assert_allclose(summary.conflict, [0.2, 0.4, 0.4])
    assert summary.accuracy() == [0.5, 1.0, 0.5]
    out = summary.to_json()
    assert out["coverage"] == 0.8 and out["overlap"] == 0.6 and out["conflict"] == 0.4
    assert out["functions"][1] == {
        "name": "negated", "coverage": 0.4, "overlap": 0.4, "conflict": 0.4,
        "correct": 2, "incorrect": 0, "accuracy": 1.0,
    }  # fmt: skip


def test_summary_matches_snorkels_documented_example():
    matrix = np.array([[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]])
    summary = summarize(matrix)
    np.testing.assert_allclose(summary.coverage, [0.4, 0.8, 0.4])
    np.testing.assert_allclose(summary.overlap, [0.4, 0.6, 0.4])
    np.testing.assert_allclose(summary.conflict, [0.2, 0.2, 0.0])
    assert summary.accuracy() == [None, None, None]


def test_summary_agrees_with_snorkel_lfanalysis(make_label_matrix):
    labeling = pytest.importorskip("snorkel.labeling")
    matrix, y = make_label_matrix(3, 400, (0.9, 0.7, 0.6, 0.55), (0.3, 0.6, 0.8, 0.5))
    ours = summarize(matrix, y)
    theirs = labeling.LFAnalysis(matrix.astype(np.int64)).lf_summary(Y=y)
    np.testing.assert_allclose(ours.coverage, theirs["Coverage"])
    np.testing.assert_allclose(ours.overlap, theirs["Overlaps"])
    np.testing.assert_allclose(ours.conflict, theirs["Conflicts"])
    np.testing.assert_array_equal(ours.correct, theirs["Correct"])
    np.testing.assert_array_equal(ours.incorrect, theirs["Incorrect"])
    np.testing.assert_allclose(ours.accuracy(), theirs["Emp. Acc."])


def test_a_function_that_labels_nothing_has_no_accuracy():
    summary = summarize(np.array([[1, -1], [0, -1]]), np.array([1, 1]))
    assert summary.accuracy() == [0.5, None]


def test_a_function_returning_a_bad_value_is_named():
    bad = LabelFunction("lengthy", len)
    with pytest.raises(W2SGError, match="'lengthy' returned 5 on example 0"):
        apply_label_functions([bad], ["hello"])


@pytest.mark.parametrize(
    ("matrix", "labels", "match"),
    [
        (np.array([1, 0]), None, "2-D"),
        (np.array([[2, 0]]), None, r"found \[2\]"),
        (np.array([[1, 0]]), np.array([1, 0]), "2 labels for 1 rows"),
        (np.array([[1, 0]]), np.array([3]), "0 or 1"),
    ],
)
def test_summary_rejects_bad_input(matrix, labels, match):
    with pytest.raises(W2SGError, match=match):
        summarize(matrix, labels)
