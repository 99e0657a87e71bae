"""The gap a weak choice leaves, measured on `val` only (docs/methods.md#choosing-the-weak-model).

For one dataset, split sizes, split seed and strong model: the ceiling probe (the strong
model's activations of strong_train, ground truth) and each weak choice's probe (its
activations of weak_train, ground truth), both scored on val. The splits are exactly those
`w2sg run` cuts with the same sizes and seed, but test rows are never embedded or read, so a
weak model chosen by these numbers was not chosen on test.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from w2sg import validate
from w2sg.data.splits import Splits
from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError
from w2sg.models.bow import fit_tfidf
from w2sg.models.names import parse_model_name
from w2sg.probes.logistic import LogisticProbe
from w2sg.stats.metrics import evaluate
from w2sg.study.config import ProbeSetup
from w2sg.study.prepare import load_splits, model_activations

Log = Callable[[str], None]
VAL_PARTS = ("weak_train", "strong_train", "val")  # what the measurement reads; never test


@dataclass(frozen=True)
class GapRow:
    """Val accuracy of one weak choice's probe and of the ceiling probe, for one split seed."""

    key: Hashable  # the caller's name for the choice (e.g. a sweep cell)
    seed: int
    weak_accuracy: float
    ceiling_accuracy: float
    weak_auc: float | None
    ceiling_auc: float | None

    @property
    def gap(self) -> float:
        """Ceiling minus weak accuracy on val."""
        return self.ceiling_accuracy - self.weak_accuracy


def val_union(dataset: TextDataset, s: Splits) -> TextDataset:
    """The rows of weak_train, strong_train and val (not test), once, sorted by id."""
    used = np.unique(np.concatenate([getattr(s, p).ids.astype(str) for p in VAL_PARTS]))
    order = np.argsort(dataset.ids.astype(str), kind="stable")
    return dataset.subset(order[np.searchsorted(dataset.ids.astype(str)[order], used)])


def _positions(union: TextDataset, part: TextDataset) -> np.ndarray:
    return np.searchsorted(union.ids.astype(str), part.ids.astype(str))


def _features(config: ProbeSetup, role: str, union: TextDataset, s: Splits) -> np.ndarray:
    """One model's features of `union`: the activation store, or tfidf fitted on weak_train."""
    model = config.weak_model if role == "weak" else config.strong_model
    layer = config.weak_layer if role == "weak" else config.strong_layer
    if parse_model_name(model).bow:
        return fit_tfidf(s.weak_train.texts).transform(union.texts)
    return model_activations(config, model, layer, union, progress=False)


def _val_metrics(
    config: ProbeSetup, x: np.ndarray, union: TextDataset, train: TextDataset, val: TextDataset
) -> dict:
    """Fit the logistic probe on `train`'s rows of `x` (ground truth); score it on val."""
    probe = LogisticProbe(l2=config.l2).fit(x[_positions(union, train)], train.labels)
    return evaluate(val.labels, probe.predict(x[_positions(union, val)]))


def _shared(config: ProbeSetup) -> tuple:
    """What the choices of one measurement must share: the rows and the ceiling."""
    return (
        config.dataset,
        config.dataset_options,
        config.sizes(),
        config.seeds,
        config.strong_model,
        config.strong_layer,
        config.pooling,
        config.max_length,
        config.dtype,
        config.l2,
    )


def val_gaps(choices: Sequence[tuple[Hashable, ProbeSetup]], log: Log = print) -> list[GapRow]:
    """Val accuracy of the ceiling and of every weak choice, per split seed.

    `choices` pairs a key with a config; configs that differ only in the weak model (and its
    layer) share one dataset load, one ceiling probe and one strong extraction per seed.

    Example::

        base = w2sg.StudyConfig(weak_train=400, strong_train=1000, val=400, test=1000,
                                seeds=(0, 1, 2), max_length=128)
        rows = w2sg.val_gaps([(w, dataclasses.replace(base, weak_model=w))
                              for w in ("minilm-l6", "minilm-l6:layer1", "tfidf")])
    """
    groups: dict[tuple, list[tuple[Hashable, ProbeSetup]]] = {}
    for choice in choices:
        if not (isinstance(choice, tuple) and len(choice) == 2):
            raise W2SGError(f"val_gaps: each choice must be (key, config), got {choice!r:.60}")
        key, config = choice
        validate.instance(config, ProbeSetup, f"val_gaps: the config of {key!r}", "a StudyConfig")
        if config.val < 2:
            raise W2SGError(f"{key}: the gap is measured on val; give val rows (val={config.val})")
        groups.setdefault(_shared(config), []).append((key, config))
    rows: list[GapRow] = []
    for group in groups.values():
        rows += _group_gaps(group, log)
    return rows


def _group_gaps(group: list[tuple[Hashable, ProbeSetup]], log: Log) -> list[GapRow]:
    """One dataset and sizes: per seed, the ceiling once, then each weak choice."""
    first = group[0][1]
    dataset, splits = load_splits(first, log)
    rows = []
    for seed, s in splits.items():
        union = val_union(dataset, s)
        log(f"{dataset.name} seed {seed}: {len(union)} rows (test not read); ceiling")
        strong = _features(first, "strong", union, s)
        ceiling = _val_metrics(first, strong, union, s.strong_train, s.val)
        for key, config in group:
            weak = _val_metrics(
                config, _features(config, "weak", union, s), union, s.weak_train, s.val
            )
            rows.append(
                GapRow(
                    key, seed, weak["accuracy"], ceiling["accuracy"], weak["auc"], ceiling["auc"]
                )
            )
            log(f"  {key}: weak {weak['accuracy']:.4f}, ceiling {ceiling['accuracy']:.4f}")
    return rows
