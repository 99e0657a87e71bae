"""WRENCH-format weak-supervision datasets: a folder of train/valid/test JSON files
(docs/methods.md#weak-supervision).

Each file maps a row id to {"label": y, "weak_labels": [l_1, ..., l_m], "data": {...}}, with
-1 for an abstaining function; text tasks carry data.text, tabular ones data.feature (a list
of numbers); label.json (optional) names the classes. Binary tasks only for now: a task with
more classes is refused with a clear error. A malformed row gives one error naming the file
and the row id.

Relation tasks (cdr, spouse, ...) also carry data.span1 and data.span2, the two entities'
character offsets [start, end) in data.text (as JieyuZ2/wrench `wrench/dataset/utils.py`
`bert_relation_extractor` slices them): the text the models read marks them,
`[E1]entity one[/E1]` and `[E2]entity two[/E2]` (docs/tasks.md#wrench-relation-tasks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError
from w2sg.io import read_json

SPLITS = ("train", "valid", "test")
PREFIX = "wrench:"
MARKERS = (("[E1]", "[/E1]"), ("[E2]", "[/E2]"))  # around data.span1 and data.span2


@dataclass(frozen=True)
class WrenchSplit:
    """One file's rows: ids, gold labels, the label matrix, and texts or features."""

    ids: np.ndarray  # str, the file's row ids
    labels: np.ndarray  # int64 in {0, 1}
    weak_labels: np.ndarray  # int8, n x m, -1 = abstain
    texts: np.ndarray | None  # object array of str (text tasks)
    features: np.ndarray | None  # float64, n x d (feature tasks)
    spans: np.ndarray | None = None  # int64, n x 4: span1 and span2 per row (-1: none)

    def __len__(self) -> int:
        return len(self.labels)

    def marked_texts(self) -> list[str]:
        """The texts, each relation row's two entity spans marked (`mark_entities`)."""
        assert self.texts is not None  # a text task
        if self.spans is None:
            return list(self.texts)
        return [
            text if s[0] < 0 else mark_entities(text, (s[0], s[1]), (s[2], s[3]))
            for text, s in zip(self.texts, self.spans.tolist(), strict=True)
        ]


def mark_entities(text: str, span1: tuple[int, int], span2: tuple[int, int]) -> str:
    """`text` with [E1]…[/E1] around span1 and [E2]…[/E2] around span2 (character offsets
    [start, end), not overlapping), nothing else changed."""
    out = text
    for (start, end), (left, right) in sorted(
        zip((span1, span2), MARKERS, strict=True), reverse=True
    ):
        out = out[:start] + left + out[start:end] + right + out[end:]
    return out


@dataclass(frozen=True)
class WrenchTask:
    """A WRENCH task: its three splits, its kind (text or feature) and class names."""

    name: str
    path: str
    kind: str  # "text" | "feature"
    class_names: tuple[str, ...]
    splits: dict[str, WrenchSplit]

    @property
    def n_functions(self) -> int:
        return self.splits["train"].weak_labels.shape[1]

    def to_text_dataset(self) -> TextDataset:
        """All rows as one TextDataset; ids are "<split>:<row id>", `sources` the split, so
        the data layer keeps WRENCH's test split for `test` (like a literature task)."""
        if self.kind != "text":
            raise W2SGError(
                f"{self.path}: a feature task (data.feature) has no texts for a language "
                "model; use its features with an MLP or probe (w2sg.data.wrench)"
            )
        ids, texts, labels, sources = [], [], [], []
        for split, part in self.splits.items():
            ids += [f"{split}:{i}" for i in part.ids]
            texts += part.marked_texts()
            labels += part.labels.tolist()
            sources += [split] * len(part)
        meta: dict[str, Any] = {
            "origin": f"WRENCH-format folder {self.path}",
            "format": "wrench",
            "wrench_path": self.path,
            "class_names": list(self.class_names),
            "label_functions": self.n_functions,
            "pools_in_sources": "sources",
        }
        if any(p.spans is not None and (p.spans[:, 0] >= 0).any() for p in self.splits.values()):
            meta["entity_markers"] = (
                "[E1]…[/E1] around data.span1, [E2]…[/E2] around data.span2 (character offsets)"
            )
        return TextDataset.from_rows(
            self.name, texts, labels, ids=ids, sources=sources, meta=meta, dedupe=False
        )

    def label_matrix(self, ids: np.ndarray) -> np.ndarray:
        """The weak labels of the rows named "<split>:<row id>" (as in `to_text_dataset`)."""
        index = {}
        for split, part in self.splits.items():
            for row, i in enumerate(part.ids):
                index[f"{split}:{i}"] = (split, row)
        missing = [str(i) for i in ids if str(i) not in index]
        if missing:
            raise W2SGError(f"{self.path}: no rows with ids {missing[:3]}")
        out = np.empty((len(ids), self.n_functions), dtype=np.int8)
        for k, i in enumerate(ids):
            split, row = index[str(i)]
            out[k] = self.splits[split].weak_labels[row]
        return out


def wrench_path(name: str) -> Path | None:
    """The folder `name` points at if it is a WRENCH dataset ("wrench:DIR", or a folder
    holding train.json), else None."""
    if name.startswith(PREFIX):
        return Path(name[len(PREFIX) :])
    path = Path(name)
    return path if path.is_dir() and (path / "train.json").is_file() else None


def _multiclass(path: Path, k: int) -> W2SGError:
    return W2SGError(
        f"{path}: a multi-class WRENCH task ({k} classes); only binary tasks are supported for now"
    )


LABELS = 'label.json of a WRENCH folder (an object mapping class indices to names, {"0": ...})'


def _class_names(folder: Path) -> tuple[str, ...]:
    path = folder / "label.json"
    if not path.is_file():
        return ("0", "1")
    names = read_json(path, LABELS)
    if len(names) > 2:
        raise _multiclass(path, len(names))
    if sorted(names) != [str(k) for k in range(len(names))]:
        raise W2SGError(f"{path}: expected {LABELS}, found keys {sorted(names)}")
    bad = [val for val in names.values() if not isinstance(val, str | int) or isinstance(val, bool)]
    if bad:
        raise W2SGError(f"{path}: expected {LABELS}; class names must be texts, found {bad[0]!r}")
    return tuple(str(names[k]) for k in sorted(names, key=int))


def _parse_row(path: Path, row_id: str, row: object, m: int | None) -> tuple:
    """(label, weak labels, text or None, features or None) of one row, or one clear error."""

    def bad(what: str) -> W2SGError:
        return W2SGError(f"{path}: row {row_id!r}: {what}")

    if not isinstance(row, dict):
        raise bad("must be an object with label, weak_labels and data")
    for key in ("label", "weak_labels", "data"):
        if key not in row:
            raise bad(f"missing {key!r}")
    label, weak, data = row["label"], row["weak_labels"], row["data"]
    if isinstance(label, bool) or not isinstance(label, int) or label < 0:
        raise bad(f"label must be a class index, got {label!r}")
    if label > 1:
        raise _multiclass(path, label + 1)
    if not isinstance(weak, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in weak
    ):
        raise bad("weak_labels must be a list of integers (-1 = abstain)")
    if any(v < -1 for v in weak):
        raise bad(f"weak_labels must be class indices or -1, got {weak}")
    if any(v > 1 for v in weak):
        raise _multiclass(path, max(weak) + 1)
    if m is not None and len(weak) != m:
        raise bad(f"{len(weak)} weak labels, but earlier rows have {m}")
    if not isinstance(data, dict):
        raise bad("data must be an object")
    text, feature = data.get("text"), data.get("feature")
    if text is not None and not isinstance(text, str):
        raise bad("data.text must be a string")
    if feature is not None and not (
        isinstance(feature, list)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in feature)
        and all(math.isfinite(v) for v in feature)
    ):
        raise bad("data.feature must be a list of finite numbers")
    if text is None and feature is None:
        raise bad("data needs 'text' or 'feature'")
    return label, weak, text, feature, None if text is None else _entity_spans(data, text, bad)


def _entity_spans(data: dict, text: str, bad: Any) -> tuple[int, int, int, int] | None:
    """A relation row's span1 and span2 (character offsets [start, end) in data.text), or None
    when the row has neither; `bad(what)` makes the row's error."""
    given = [data.get(k) is not None for k in ("span1", "span2")]
    if not any(given):
        return None
    if not all(given):
        raise bad("a relation row needs both data.span1 and data.span2")
    out = []
    for key in ("span1", "span2"):
        span = data[key]
        if not (
            isinstance(span, list)
            and len(span) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in span)
            and 0 <= span[0] < span[1] <= len(text)
        ):
            raise bad(
                f"data.{key} must be [start, end], character offsets with 0 <= start < end <= "
                f"{len(text)} (the text's length), got {span!r}"
            )
        out += span
    if out[0] < out[3] and out[2] < out[1]:
        raise bad(f"data.span1 {out[:2]} and data.span2 {out[2:]} overlap")
    return out[0], out[1], out[2], out[3]


def _read_split(path: Path, m: int | None, kind: str | None) -> tuple[WrenchSplit, int, str]:
    rows = read_json(path, "a WRENCH split file (a JSON object mapping row ids to rows)")
    if not rows:
        raise W2SGError(f"{path}: must map row ids to rows, and hold at least one row")
    ids, labels, weak, texts = [], [], [], []
    features: list[Any] = []  # each row's list of numbers, or None in a text task
    spans: list[tuple[int, ...]] = []  # each row's entity spans, (-1,) * 4 where it has none
    for row_id, row in rows.items():
        label, votes, text, feature, entities = _parse_row(path, row_id, row, m)
        row_kind = "text" if text is not None else "feature"
        if kind is not None and row_kind != kind:
            raise W2SGError(f"{path}: row {row_id!r}: a {row_kind} row in a {kind} task")
        if kind == "feature" and features and len(feature) != len(features[0]):
            raise W2SGError(
                f"{path}: row {row_id!r}: {len(feature)} features, "
                f"earlier rows have {len(features[0])}"
            )
        kind, m = row_kind, len(votes)
        ids.append(str(row_id))
        labels.append(label)
        weak.append(votes)
        texts.append(text)
        features.append(feature)
        spans.append((-1,) * 4 if entities is None else entities)
    assert m is not None and kind is not None  # set by the first row (there is one)
    if m == 0:
        raise W2SGError(f"{path}: rows have no weak labels (no label functions)")
    split = WrenchSplit(
        ids=np.asarray(ids, dtype=object),
        labels=np.asarray(labels, dtype=np.int64),
        weak_labels=np.asarray(weak, dtype=np.int8).reshape(len(ids), m),
        texts=np.asarray(texts, dtype=object) if kind == "text" else None,
        features=np.asarray(features, dtype=np.float64) if kind == "feature" else None,
        spans=np.asarray(spans, dtype=np.int64) if kind == "text" else None,
    )
    return split, m, kind


def load_wrench(folder: str | Path, name: str | None = None) -> WrenchTask:
    """Read a WRENCH-format folder (train.json, valid.json, test.json, optional label.json)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise W2SGError(f"no such WRENCH folder: {folder}")
    missing = [f"{s}.json" for s in SPLITS if not (folder / f"{s}.json").is_file()]
    if missing:
        raise W2SGError(f"{folder}: a WRENCH folder needs {', '.join(missing)}")
    class_names = _class_names(folder)
    splits, m, kind = {}, None, None
    for split in SPLITS:
        splits[split], m, kind = _read_split(folder / f"{split}.json", m, kind)
    if kind == "feature":
        widths = {s.features.shape[1] for s in splits.values() if s.features is not None}
        if len(widths) > 1:
            raise W2SGError(f"{folder}: splits have different feature counts {sorted(widths)}")
    return WrenchTask(
        name=name or f"wrench_{folder.resolve().name}",
        path=str(folder),
        kind=str(kind),
        class_names=class_names,
        splits=splits,
    )
