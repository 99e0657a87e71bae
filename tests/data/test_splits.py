"""Splits are disjoint, class-balanced, sized as asked, and the same for the same seed anywhere."""

from __future__ import annotations

import numpy as np
import pytest

from w2sg.data.splits import SPLIT_NAMES, SplitSizes, make_splits
from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError

SMALL = SplitSizes(weak_train=60, strong_train=60, val=20, test=40)
# sha256 of the ids of SMALL splits of _dataset() with seed 7: a change in the algorithm, the
# id function or numpy's generator shows up here on any machine
GOLDEN = "303717083997308095a1f696ef5a911faa2e1283f1512df1fee4156af68e7869"


def _dataset(n: int = 400) -> TextDataset:
    texts = [f"generated text number {i}" for i in range(n)]
    labels = [int(i % 3 == 0) for i in range(n)]  # 1/3 positives: needs undersampling
    sources = ["a" if i % 2 else "b" for i in range(n)]
    return TextDataset.from_rows("gen", texts, labels, sources=sources)


def test_splits_are_balanced_disjoint_and_sized() -> None:
    splits = make_splits(_dataset(), SMALL, seed=0)
    seen: set[str] = set()
    for name in SPLIT_NAMES:
        part = getattr(splits, name)
        size = getattr(SMALL, name)
        assert len(part) == size
        assert part.label_counts() == {0: size // 2, 1: size // 2}
        ids = set(part.ids.tolist())
        assert not ids & seen
        seen |= ids
    assert splits.weak_train.sources is not None


def test_rows_keep_their_text_and_label() -> None:
    ds = _dataset()
    lookup = {i: (t, y) for i, t, y in zip(ds.ids, ds.texts, ds.labels, strict=True)}
    part = make_splits(ds, SMALL, seed=3).strong_train
    for i, t, y in zip(part.ids, part.texts, part.labels, strict=True):
        assert lookup[i] == (t, y)


def test_same_seed_same_ids_whatever_the_row_order() -> None:
    ds = _dataset()
    shuffled = ds.subset(np.random.default_rng(123).permutation(len(ds)))
    a = make_splits(ds, SMALL, seed=5)
    b = make_splits(shuffled, SMALL, seed=5)
    assert a.ids() == b.ids()
    assert a.fingerprint() == b.fingerprint()


def test_different_seeds_differ() -> None:
    ds = _dataset()
    assert make_splits(ds, SMALL, seed=0).ids() != make_splits(ds, SMALL, seed=1).ids()


def test_golden_fingerprint() -> None:
    splits = make_splits(_dataset(), SMALL, seed=7)
    assert splits.fingerprint() == GOLDEN


def test_default_sizes_are_the_reference() -> None:
    sizes = SplitSizes()
    assert (sizes.weak_train, sizes.strong_train, sizes.val, sizes.test) == (5000, 5000, 1000, 5000)
    assert sizes.total == 16_000


def test_odd_and_negative_sizes_are_refused() -> None:
    with pytest.raises(W2SGError, match="val=11 must be even .* use 10 or 12"):
        SplitSizes(val=11)
    with pytest.raises(W2SGError, match="test=-2 must be a whole number"):
        SplitSizes(test=-2)


def test_too_small_says_the_largest_sizes_that_fit() -> None:
    ds = _dataset(120)  # 40 positives
    big = SplitSizes(weak_train=40, strong_train=40, val=10, test=20)
    with pytest.raises(W2SGError) as err:
        make_splits(ds, big, seed=0)
    message = str(err.value)
    assert "need 55 rows of each label, it has 80 of label 0 and 40 of label 1" in message
    assert "weak_train=28, strong_train=28, val=6, test=14" in message
    fit = SplitSizes(weak_train=28, strong_train=28, val=6, test=14)
    assert len(make_splits(ds, fit, seed=0).test) == 14


def test_one_class_is_refused() -> None:
    ds = TextDataset.from_rows("ones", [f"t{i}" for i in range(50)], [1] * 50)
    with pytest.raises(W2SGError, match="ones has only label 1 \\(50 rows\\)"):
        make_splits(ds, SplitSizes(10, 10, 0, 10), seed=0)


def test_duplicate_ids_are_refused() -> None:
    base = _dataset(20)
    dup = TextDataset(
        name="dup",
        ids=np.asarray(["same"] * 20, dtype=object),
        texts=base.texts,
        labels=base.labels,
    )
    with pytest.raises(W2SGError, match="ids are not unique"):
        make_splits(dup, SplitSizes(2, 2, 2, 2), seed=0)


def test_test_pool_reserves_the_test_rows() -> None:
    ds = _dataset()
    pool = np.arange(len(ds)) >= 250
    splits = make_splits(ds, SMALL, seed=0, test_pool=pool)
    pool_ids = set(ds.ids[pool].tolist())
    assert set(splits.test.ids.tolist()) <= pool_ids
    for name in SPLIT_NAMES[:3]:
        assert not set(getattr(splits, name).ids.tolist()) & pool_ids
    with pytest.raises(W2SGError, match=r"\(test pool\) is too small"):
        make_splits(ds, SplitSizes(10, 10, 10, 200), seed=0, test_pool=pool)
