"""The label matrix and its per-function summary (docs/methods.md#weak-supervision).

`apply_label_functions` gives the n x m int8 matrix (-1 = abstain). `summarize` gives, per
function, the statistics of Snorkel's `LFAnalysis.lf_summary`, with its definitions:
- coverage: share of rows the function labels;
- overlap: share of rows it labels that at least one other function also labels;
- conflict: share of rows it labels on which two functions give different labels (any two,
  as Snorkel counts a row: a conflicted row counts for every function that labels it);
- accuracy (where labels are known): share of its non-abstain labels that are right (None
  when it labels nothing; Snorkel reports 0 there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from w2sg.errors import W2SGError
from w2sg.supervision.functions import ABSTAIN, LabelFunction


def _vote(lf: LabelFunction, example: object, i: int) -> int:
    """Function `lf`'s vote on example `i`: 1, 0 or -1, else one error naming the function."""
    try:
        vote = lf(example)
    except Exception as err:  # noqa: BLE001 - the user's function: any error is reported
        raise W2SGError(
            f"label function {lf.name!r} raised {type(err).__name__} on example {i} "
            f"({' '.join(str(err).split())[:120]}); fix it to return 1, 0 or -1 (abstain)"
        ) from None
    if isinstance(vote, bool) or not isinstance(vote, int | np.integer) or vote not in (-1, 0, 1):
        kind = "" if isinstance(vote, int | np.integer) else f" (a {type(vote).__name__})"
        raise W2SGError(
            f"label function {lf.name!r} returned {' '.join(repr(vote).split())[:60]} on "
            f"example {i}{kind}; it must return 1, 0 or -1 (abstain)"
        )
    return int(vote)


def apply_label_functions(functions: Sequence[LabelFunction], examples: Sequence) -> np.ndarray:
    """The n x m label matrix: row i, column j is function j's vote on example i."""
    if not functions:
        raise W2SGError("functions: give at least one label function")
    if isinstance(examples, str | bytes):
        raise W2SGError("examples must be a list of texts (or rows), not one text")
    matrix = np.empty((len(examples), len(functions)), dtype=np.int8)
    for j, lf in enumerate(functions):
        matrix[:, j] = [_vote(lf, x, i) for i, x in enumerate(examples)]
    return matrix


def check_label_matrix(matrix: np.ndarray, name: str = "label_matrix") -> np.ndarray:
    """`matrix` as int8 after checking it is 2-D with entries in {-1, 0, 1}."""
    try:
        arr = np.asarray(matrix)
    except (ValueError, TypeError):
        raise W2SGError(f"{name}: need a rectangular 2-D matrix (rows of equal length)") from None
    if arr.dtype == object:
        raise W2SGError(f"{name}: need a rectangular 2-D matrix of 1, 0 and -1 (abstain)")
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise W2SGError(f"{name}: need a 2-D matrix with at least one column, got {arr.shape}")
    if not np.isin(arr, (-1, 0, 1)).all():
        bad = sorted(set(np.unique(arr).tolist()) - {-1, 0, 1})[:5]
        raise W2SGError(f"{name}: entries must be 1, 0 or -1 (abstain), found {bad}")
    return arr.astype(np.int8)


@dataclass(frozen=True)
class LabelMatrixSummary:
    """Per-function statistics of one label matrix (Snorkel's lf_summary), and row totals."""

    names: tuple[str, ...]
    coverage: np.ndarray
    overlap: np.ndarray
    conflict: np.ndarray
    correct: np.ndarray | None
    incorrect: np.ndarray | None
    rows: int
    any_coverage: float  # share of rows labelled by at least one function
    any_overlap: float  # share of rows labelled by at least two
    any_conflict: float  # share of rows with two different labels

    def accuracy(self) -> list[float | None]:
        """Empirical accuracy per function (None without labels, or when it labels nothing)."""
        if self.correct is None or self.incorrect is None:
            return [None] * len(self.names)
        totals = self.correct + self.incorrect
        return [None if t == 0 else float(c / t) for c, t in zip(self.correct, totals, strict=True)]

    def to_json(self) -> dict:
        accuracy = self.accuracy()
        functions = []
        for j, name in enumerate(self.names):
            row = {
                "name": name,
                "coverage": float(self.coverage[j]),
                "overlap": float(self.overlap[j]),
                "conflict": float(self.conflict[j]),
            }
            if self.correct is not None and self.incorrect is not None:
                row.update(
                    correct=int(self.correct[j]),
                    incorrect=int(self.incorrect[j]),
                    accuracy=accuracy[j],
                )
            functions.append(row)
        return {
            "rows": self.rows,
            "coverage": self.any_coverage,
            "overlap": self.any_overlap,
            "conflict": self.any_conflict,
            "functions": functions,
        }


def summarize(
    matrix: np.ndarray, labels: np.ndarray | None = None, names: Sequence[str] | None = None
) -> LabelMatrixSummary:
    """Coverage, overlap, conflict (and accuracy against `labels`) of every function."""
    L = check_label_matrix(matrix, "matrix")
    n, m = L.shape
    names = tuple(names) if names is not None else tuple(f"lf{j}" for j in range(m))
    if len(names) != m:
        raise W2SGError(f"names: {len(names)} names for {m} functions")
    if n == 0:
        raise W2SGError("matrix: no rows to summarise")
    voted = L != ABSTAIN
    overlapped = voted.sum(axis=1) > 1
    conflicted = ((L == 1).any(axis=1)) & ((L == 0).any(axis=1))
    correct = incorrect = None
    if labels is not None:
        y = np.asarray(labels).ravel()
        if len(y) != n:
            raise W2SGError(f"labels: {len(y)} labels for {n} rows")
        if not np.isin(y, (0, 1)).all():
            raise W2SGError("labels: must be 0 or 1")
        right = voted & (L == y[:, None])
        correct = right.sum(axis=0)
        incorrect = voted.sum(axis=0) - correct
    return LabelMatrixSummary(
        names=names,
        coverage=voted.mean(axis=0),
        overlap=(voted & overlapped[:, None]).mean(axis=0),
        conflict=(voted & conflicted[:, None]).mean(axis=0),
        correct=correct,
        incorrect=incorrect,
        rows=n,
        any_coverage=float(voted.any(axis=1).mean()),
        any_overlap=float(overlapped.mean()),
        any_conflict=float(conflicted.mean()),
    )
