"""The four disjoint, class-balanced splits of the weak-to-strong setting (docs/methods.md#splits).

Reproducible on any machine: rows are first sorted by id (never by load order or a hash seed),
then each class is permuted with `np.random.default_rng(seed)` and cut into consecutive chunks,
so the same dataset and seed always give the same ids. Balance is by undersampling: every split
holds exactly half label 0 and half label 1.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields

import numpy as np

from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError
from w2sg.validate import seed as check_seed

SPLIT_NAMES = ("weak_train", "strong_train", "val", "test")


@dataclass(frozen=True)
class SplitSizes:
    """Rows per split; reference: 10,000 train halved into weak/strong, 1,000 val, 5,000 test."""

    weak_train: int = 5000
    strong_train: int = 5000
    val: int = 1000
    test: int = 5000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise W2SGError(f"split size {f.name}={value!r} must be a whole number >= 0")
            if value % 2:
                raise W2SGError(
                    f"split size {f.name}={value} must be even so the split holds equal "
                    f"numbers of label 0 and 1; use {value - 1} or {value + 1}"
                )

    @property
    def total(self) -> int:
        return self.weak_train + self.strong_train + self.val + self.test

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in asdict(self).items())


@dataclass(frozen=True)
class Splits:
    """The four splits of one dataset for one seed."""

    weak_train: TextDataset
    strong_train: TextDataset
    val: TextDataset
    test: TextDataset
    seed: int

    def ids(self) -> dict[str, list[str]]:
        """The ids of each split, in split order."""
        return {name: [str(i) for i in getattr(self, name).ids] for name in SPLIT_NAMES}

    def fingerprint(self) -> str:
        """SHA-256 of the ids of all four splits: equal fingerprints mean equal splits."""
        blob = json.dumps(self.ids(), separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _largest_fit(sizes: SplitSizes, needed: int, have: int) -> SplitSizes:
    """The sizes scaled down (same proportions, even) to fit `have` rows per class."""
    scale = have / needed
    return SplitSizes(**{k: int(v * scale) // 2 * 2 for k, v in asdict(sizes).items()})


def _check_pool(
    ds: TextDataset, labels: np.ndarray, sizes: SplitSizes, names: tuple[str, ...], where: str
) -> None:
    counts = [int((labels == c).sum()) for c in (0, 1)]
    needed = sum(getattr(sizes, n) for n in names) // 2
    if needed == 0:
        return
    if min(counts) == 0:
        only = 1 if counts[1] else 0
        raise W2SGError(
            f"{ds.name}{where} has only label {only} ({max(counts)} rows); splits need both "
            "labels 0 and 1"
        )
    if min(counts) < needed:
        kept = SplitSizes(**{n: getattr(sizes, n) if n in names else 0 for n in SPLIT_NAMES})
        fit = _largest_fit(kept, needed, min(counts))
        fit_text = ", ".join(f"{n}={getattr(fit, n)}" for n in names)
        raise W2SGError(
            f"{ds.name}{where} is too small for these splits: they need {needed} rows of each "
            f"label, it has {counts[0]} of label 0 and {counts[1]} of label 1; the largest "
            f"sizes that fit: {fit_text}"
        )


def _draw(
    labels: np.ndarray, rows: np.ndarray, plan: list[tuple[str, int]], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Cut each class of `rows` (positions, sorted by id) into the planned chunks."""
    chosen: dict[str, list[np.ndarray]] = {name: [] for name, _ in plan}
    for c in (0, 1):
        perm = rng.permutation(rows[labels[rows] == c])
        start = 0
        for name, size in plan:
            chosen[name].append(perm[start : start + size // 2])
            start += size // 2
    return {name: np.concatenate(parts) for name, parts in chosen.items()}


def _check_split_args(ds: object, sizes: object, seed: object) -> None:
    """Wrong types fail here, naming the argument, not deep inside numpy."""

    if not isinstance(ds, TextDataset):
        raise W2SGError(
            f"make_splits: ds must be a TextDataset (from w2sg.data.load_dataset), "
            f"got {type(ds).__name__}"
        )
    if sizes is not None and not isinstance(sizes, SplitSizes):
        raise W2SGError(f"make_splits: sizes must be a SplitSizes, got {type(sizes).__name__}")
    check_seed(seed, "make_splits: seed")


def make_splits(
    ds: TextDataset,
    sizes: SplitSizes | None = None,
    seed: int = 0,
    *,
    test_pool: np.ndarray | None = None,
) -> Splits:
    """Four disjoint class-balanced splits of `ds`, the same for the same ids and seed.

    `test_pool` (a boolean mask over rows) reserves rows for `test`, e.g. a dataset's own test
    split (docs/tasks.md); the other three splits come from the remaining rows. Without it all four
    come from the whole dataset.

    Example::

        splits = w2sg.make_splits(ds, w2sg.SplitSizes(2000, 2000, 0, 1000), seed=0)
        splits.weak_train.texts, splits.strong_train.labels
    """
    _check_split_args(ds, sizes, seed)
    sizes = sizes or SplitSizes()
    ids = ds.ids.astype(str)
    if len(np.unique(ids)) != len(ids):
        raise W2SGError(f"{ds.name}: ids are not unique; splits need one id per row")
    order = np.argsort(ids, kind="stable")
    labels = np.asarray(ds.labels)
    rng = np.random.default_rng(seed)
    train_names = SPLIT_NAMES[:3]
    if test_pool is None:
        _check_pool(ds, labels[order], sizes, SPLIT_NAMES, "")
        chosen = _draw(labels, order, [(n, getattr(sizes, n)) for n in SPLIT_NAMES], rng)
    else:
        mask = np.asarray(test_pool, dtype=bool)
        if mask.shape != labels.shape:
            raise W2SGError(
                f"test_pool has {mask.size} entries for {len(labels)} rows of {ds.name}"
            )
        train_rows, test_rows = order[~mask[order]], order[mask[order]]
        _check_pool(ds, labels[train_rows], sizes, train_names, " (outside the test pool)")
        _check_pool(ds, labels[test_rows], sizes, ("test",), " (test pool)")
        chosen = _draw(labels, train_rows, [(n, getattr(sizes, n)) for n in train_names], rng)
        chosen |= _draw(labels, test_rows, [("test", sizes.test)], rng)
    parts = {name: ds.subset(rng.permutation(chosen[name])) for name in SPLIT_NAMES}
    return Splits(**parts, seed=seed)
