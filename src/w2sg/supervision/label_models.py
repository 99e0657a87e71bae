"""Label models: a label matrix in, a soft label P(y = 1) per row out
(docs/methods.md#weak-supervision).

- `majority`: the smoothed share of votes that say 1, (ones + 1) / (votes + 2); its argmax
  is the majority vote, ties and all-abstain rows give 0.5. A soft share (not a 0/1 vote)
  gives overlap detection a graded confidence 2|p - 0.5| that grows with the margin and with
  the number of agreeing functions; a hard vote, or the raw share (a handful of levels, most
  rows at 1), leaves the change point nothing to separate (docs/methods.md#detection).
- `labelmodel`: Snorkel's `LabelModel` (optional extra `weak-supervision`), a generative model
  of the functions' accuracies fitted without ground truth on the weak half. Its class prior is
  uniform, or `class_balance(labels)` of labelled validation rows as WRENCH computes it.

Both follow the probes' surface: `fit(L)` then `predict(L)`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.supervision.matrix import check_label_matrix

LABEL_MODELS = ("majority", "labelmodel")
SNORKEL_PIN = "snorkel==0.10.0"
MIN_FUNCTIONS = {"majority": 1, "labelmodel": 3}  # Snorkel's LabelModel needs 3 to fit


def check_function_count(label_model: str, count: int, source: str) -> None:
    """Enough label functions for `label_model`, checked before any work: one error naming
    the source, the count and what to do."""
    need = MIN_FUNCTIONS.get(label_model, 1)
    if count < need:
        other = "; or use the majority label model" if label_model == "labelmodel" else ""
        raise W2SGError(
            f"{source}: {count} label function(s), but the {label_model} label model needs at "
            f"least {need}: add functions{other}"
        )


def majority_vote(matrix: np.ndarray) -> np.ndarray:
    """P(y = 1) as (votes for 1 + 1) / (votes + 2); 0.5 on ties and all-abstain rows."""
    L = check_label_matrix(matrix, "matrix")
    ones = (L == 1).sum(axis=1).astype(np.float64)
    votes = (L != -1).sum(axis=1).astype(np.float64)
    return (ones + 1.0) / (votes + 2.0)


def class_balance(labels: np.ndarray, exact_wrench: bool = False) -> tuple[float, ...] | None:
    """The class prior of labelled validation rows: per class (count + 1) / (total + 2), a
    smoothed share that sums to 1; None (a uniform prior) without any rows. `exact_wrench`:
    WRENCH's own expression (JieyuZ2/wrench `wrench/basemodel.py` `_init_balance`), (count + 1)
    / total, which sums to 1 + 2/n, not 1: Snorkel's fit reads it as given."""
    y = np.asarray(labels).ravel()
    if not np.isin(y, (0, 1)).all():
        raise W2SGError("class balance: labels must be 0 or 1")
    if len(y) == 0:
        return None
    counts = np.bincount(y.astype(np.int64), minlength=2).astype(np.float64)
    total = counts.sum() if exact_wrench else counts.sum() + 2.0
    return tuple(float(c) for c in (counts + 1.0) / total)


@dataclass
class MajorityVote:
    """Majority vote as a label model: nothing to fit."""

    name: str = "majority"

    def fit(self, matrix: np.ndarray) -> MajorityVote:
        check_label_matrix(matrix, "matrix")
        return self

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        return majority_vote(matrix)

    def to_json(self) -> dict:
        return {"name": self.name}


@dataclass
class SnorkelLabelModel:
    """Snorkel's LabelModel (cardinality 2), fitted on a label matrix without ground truth.

    `class_balance`: the prior P(y = 0), P(y = 1) handed to Snorkel's fit (`class_balance`
    above); None is Snorkel's uniform prior."""

    n_epochs: int = 500
    lr: float = 0.01
    l2: float = 0.0
    seed: int = 0
    class_balance: tuple[float, ...] | None = None
    name: str = "labelmodel"
    _model: Any | None = field(default=None, repr=False)  # Snorkel's (untyped) LabelModel
    _columns: int = 0

    def __post_init__(self) -> None:
        v.positive(self.n_epochs, "n_epochs")
        v.number(self.lr, "lr", low=0.0, low_open=True)
        v.number(self.l2, "l2", low=0.0)
        v.seed(self.seed)
        if self.class_balance is not None:
            self._checked_balance()

    def fit(self, matrix: np.ndarray) -> SnorkelLabelModel:
        L = check_label_matrix(matrix, "matrix")
        if len(L) == 0:
            raise W2SGError("matrix: no rows to fit the label model on")
        check_function_count("labelmodel", L.shape[1], "matrix")
        balance = self._checked_balance()
        model = _snorkel_label_model()
        # Snorkel seeds Python's, numpy's and torch's global generators; keep ours intact.
        import torch  # heavy: loaded on first use

        py_state, np_state = random.getstate(), np.random.get_state()
        with torch.random.fork_rng():
            model.fit(
                L.astype(np.int64),
                class_balance=balance,
                n_epochs=self.n_epochs,
                lr=self.lr,
                l2=self.l2,
                seed=self.seed,
                progress_bar=False,
            )
        random.setstate(py_state)
        np.random.set_state(np_state)
        self._model, self._columns = model, L.shape[1]
        return self

    def _checked_balance(self) -> list[float] | None:
        if self.class_balance is None:
            return None
        given = self.class_balance
        if isinstance(given, str) or not isinstance(given, tuple | list):
            raise W2SGError(f"class_balance: need two positive numbers, got {given!r}")
        balance = [v.number(p, "class_balance entry") for p in given]
        if len(balance) != 2 or not all(p > 0 for p in balance):
            raise W2SGError(
                f"class_balance: need two positive numbers (classes 0 and 1), got {balance}"
            )
        return balance

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        if self._model is None:
            raise W2SGError("label model: call fit before predict")
        L = check_label_matrix(matrix, "matrix")
        if L.shape[1] != self._columns:
            raise W2SGError(f"matrix: {L.shape[1]} functions, but the model has {self._columns}")
        return np.asarray(self._model.predict_proba(L.astype(np.int64))[:, 1], dtype=np.float64)

    def function_accuracies(self) -> list[float]:
        """The fitted model's estimate of each function's accuracy where it votes."""
        if self._model is None:
            raise W2SGError("label model: call fit first")
        return [float(w) for w in self._model.get_weights()]

    def to_json(self) -> dict:
        out = {
            "name": self.name,
            "library": SNORKEL_PIN,
            "n_epochs": self.n_epochs,
            "lr": self.lr,
            "l2": self.l2,
            "seed": self.seed,
            "class_balance": None if self.class_balance is None else list(self.class_balance),
        }
        if self._model is not None:
            out["estimated_function_accuracy"] = self.function_accuracies()
        return out


def _snorkel_label_model():
    try:
        from snorkel.labeling.model import LabelModel  # heavy: loaded on first use
    except ImportError as exc:
        raise W2SGError(
            f"the labelmodel label model needs Snorkel: pip install 'w2sg[weak-supervision]' "
            f"(or {SNORKEL_PIN})"
        ) from exc
    return LabelModel(cardinality=2, verbose=False)


def make_label_model(
    name: str,
    seed: int = 0,
    n_epochs: int = 500,
    class_balance: tuple[float, ...] | None = None,
) -> MajorityVote | SnorkelLabelModel:
    """A label model by name: `majority` (which has no epochs or prior) or `labelmodel`."""
    if name == "majority":
        return MajorityVote()
    if name == "labelmodel":
        return SnorkelLabelModel(n_epochs=n_epochs, seed=seed, class_balance=class_balance)
    raise W2SGError(f"label model must be one of {', '.join(LABEL_MODELS)}; not {name!r}")
