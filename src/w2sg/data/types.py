"""The one shape every dataset takes: rows of (id, text, label in {0, 1}) and an optional source.

docs/methods.md#splits and docs/tasks.md. Ids are stable strings (a short hash of the text where
the source has none), so splits and cached activations can be addressed by them on any machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from w2sg.errors import W2SGError


def text_id(text: str) -> str:
    """A short, stable id for a text (first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class TextDataset:
    """A binary text-classification dataset.

    `ids`, `texts`, `labels` (and `sources`, when present) are aligned arrays. `meta` records
    where the data came from (origin, licence, template) so results can say what they used.
    """

    name: str
    ids: np.ndarray  # str
    texts: np.ndarray  # str (object dtype)
    labels: np.ndarray  # int64 in {0, 1}
    sources: np.ndarray | None = None  # str, e.g. a domain
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Aligned arrays and 0/1 labels, else one error (a dataset built by hand); repeated
        ids are refused where they matter, by `make_splits`."""
        arrays = {"ids": self.ids, "texts": self.texts, "labels": self.labels}
        if self.sources is not None:
            arrays["sources"] = self.sources
        lengths = {k: len(np.asarray(a).ravel()) for k, a in arrays.items()}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{k} {n}" for k, n in lengths.items())
            raise W2SGError(f"TextDataset {self.name!r}: arrays must align, got lengths {shown}")
        if not np.isin(np.asarray(self.labels), [0, 1]).all():
            bad = sorted({str(v) for v in np.asarray(self.labels).ravel()} - {"0", "1"})[:5]
            raise W2SGError(
                f"TextDataset {self.name!r}: labels must be 0 or 1, found {bad}; map them to 0/1"
            )

    @classmethod
    def from_rows(
        cls,
        name: str,
        texts: Sequence[str],
        labels: Sequence[int] | np.ndarray,
        ids: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        meta: dict | None = None,
        dedupe: bool = True,
    ) -> TextDataset:
        """Build a dataset, dropping empty texts (and, by default, repeated texts).

        Repeated texts would get the same id and could land on both sides of a split; keeping
        the first occurrence keeps ids unique.
        """
        texts_a = np.asarray([("" if t is None else str(t)) for t in texts], dtype=object)
        labels_a = np.asarray(labels)
        if len(texts_a) != len(labels_a):
            raise W2SGError(
                f"{name}: {len(texts_a)} texts but {len(labels_a)} labels; they must align"
            )
        if ids is None:
            ids_a = np.asarray([text_id(t) for t in texts_a], dtype=object)
        else:
            ids_a = np.asarray([str(i) for i in ids], dtype=object)
        src_a = None if sources is None else np.asarray([str(s) for s in sources], dtype=object)
        keep = np.array([bool(t.strip()) for t in texts_a], dtype=bool)
        if dedupe:
            _, first = np.unique(ids_a, return_index=True)
            unique = np.zeros(len(ids_a), dtype=bool)
            unique[first] = True
            keep &= unique
        elif len(set(ids_a.tolist())) != len(ids_a):
            raise W2SGError(f"{name}: ids are not unique; give unique ids or allow de-duplication")
        if not np.isin(labels_a[keep], [0, 1]).all():
            bad = sorted({str(v) for v in labels_a[keep]} - {"0", "1"})[:5]
            raise W2SGError(f"{name}: labels must be 0 or 1, found {bad}; map them to 0/1")
        return cls(
            name=name,
            ids=ids_a[keep],
            texts=texts_a[keep],
            labels=labels_a[keep].astype(np.int64),
            sources=None if src_a is None else src_a[keep],
            meta=dict(meta or {}),
        )

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index: np.ndarray | Sequence[int], name: str | None = None) -> TextDataset:
        """The rows at `index` (positions), in that order."""
        index = np.asarray(index, dtype=np.int64)
        return TextDataset(
            name=name or self.name,
            ids=self.ids[index],
            texts=self.texts[index],
            labels=self.labels[index],
            sources=None if self.sources is None else self.sources[index],
            meta=self.meta,
        )

    def label_counts(self) -> dict[int, int]:
        """Rows per label."""
        return {int(k): int((self.labels == k).sum()) for k in (0, 1)}

    def source_counts(self) -> dict[str, int]:
        """Rows per source (empty when the dataset has no source column)."""
        return {} if self.sources is None else value_counts(self.sources)


def value_counts(values: np.ndarray) -> dict[str, int]:
    """Occurrences of each distinct value, by its string form (sorted)."""
    names, counts = np.unique(np.asarray(values).astype(str), return_counts=True)
    return {str(n): int(c) for n, c in zip(names, counts, strict=True)}
