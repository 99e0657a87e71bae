"""The literature registry: 25 public tasks turned into binary (text, label) datasets.

Each task names its Hub source (`HubSource`: a namespaced id that `datasets` 5.x
loads without a script, config, revision, data_dir, the row counts of the record), which
split is the test pool and which is train, and a small formatter (`w2sg.data.formatters`)
that turns one source row into (text, label).
Multiple-choice pairings are drawn from a numpy Generator seeded by (seed, split), so the same
seed and row order always give the same texts, for `split="train"` alone or inside "all". Ids
are short hashes of the texts: a cached activation is then always of exactly that text,
whatever seed made it (identical texts collapse to one row).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np

from w2sg.data.hf_source import SourceSplit, hub_split, local_split
from w2sg.data.sources import SOURCES, TaskSpec
from w2sg.data.tasks import PAPER_TASKS, TASKS, get_task
from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError

__all__ = ["PAPER_TASKS", "SOURCES", "TASKS", "TaskSpec", "get_task", "load_task"]

Split = Literal["train", "test", "all"]


_STREAM = {"test": 0, "train": 1}  # each split draws from its own seeded stream


def load_task(
    name: str, *, split: Split = "train", data_dir: str | Path | None = None, seed: int = 0
) -> TextDataset:
    """Load task `name` as a binary TextDataset (docs/tasks.md).

    `split`: "train", "test" (the task's test pool) or "all" (both, with a source column
    saying which). Rows come from the Hub (the task's `HubSource`), or from `data_dir`, a local
    copy in the source's schema: a save_to_disk folder or per-split files named for the Hub's
    splits (`train.jsonl`, `validation.parquet`, `test/0000.parquet`, ...); a
    `data_dir/<task name>` folder, and in it the source's `data_dir` (a Parquet export's config
    folder), are used when present. `seed` draws the multiple-choice pairings.
    """
    spec = get_task(name)
    if split not in ("train", "test", "all"):
        raise W2SGError(f"split must be 'train', 'test' or 'all', not '{split}'")
    root = _task_root(spec, data_dir)
    parts = ("train", "test") if split == "all" else (split,)
    texts: list[str] = []
    labels: list[int] = []
    sources: list[str] = []
    origins: list[str] = []
    for part in parts:
        rng = np.random.default_rng([seed, _STREAM[part]])
        for text, label in _formatted(spec, _part_rows(spec, part, root, origins), rng, origins):
            texts.append(text)
            labels.append(label)
            sources.append(part)
    meta = {
        "task": spec.name,
        "split": split,
        "seed": seed,
        "origin": "; ".join(dict.fromkeys(origins)),
        "hub_id": spec.hub_id,
        "config": spec.config,
        "revision": spec.source.revision,
        "data_dir": spec.source.data_dir,
        "template": spec.template,
        "kind": spec.kind,
        "licence": spec.licence or "see the dataset card",
    }
    return TextDataset.from_rows(
        spec.name, texts, labels, sources=sources if split == "all" else None, meta=meta
    )


def _task_root(spec: TaskSpec, data_dir: str | Path | None) -> Path | None:
    if data_dir is None:
        return None
    root = Path(data_dir).expanduser()
    return root / spec.name if (root / spec.name).is_dir() else root


def _part_rows(spec: TaskSpec, part: str, root: Path | None, origins: list[str]) -> Iterable:
    """The source rows of the train or test part (pooled sources: the fixed seed-0 pool)."""
    hub_names = (spec.test_split if part == "test" else spec.train_split).split("+")
    loaded = [_checked(spec, _fetch(spec, s, root)) for s in hub_names]
    origins.extend(s.origin for s in loaded)
    if spec.test_pool_size is None:
        return (row for s in loaded for row in s.rows)
    pool = [row for s in loaded for row in s.rows]
    n_test = min(spec.test_pool_size, len(pool) // 2)  # tiny local copies keep a train part
    order = np.random.default_rng(0).permutation(len(pool))  # as datasets' train_test_split
    index = order[:n_test] if part == "test" else order[n_test:]
    return (pool[i] for i in index)


def _fetch(spec: TaskSpec, hub_name: str, root: Path | None) -> SourceSplit:
    if root is None:
        return hub_split(spec.name, spec.source, hub_name)
    config_dir = root / spec.source.data_dir if spec.source.data_dir else None
    return local_split(config_dir if config_dir and config_dir.is_dir() else root, hub_name)


def _checked(spec: TaskSpec, source: SourceSplit) -> SourceSplit:
    """Fail early, on one line, when a local copy lacks a column the formatter reads."""
    have = set(source.rows.column_names)
    missing = [c for c in spec.columns if c not in have]
    if missing:
        raise W2SGError(
            f"{spec.name}: {source.origin} has no column {', '.join(repr(c) for c in missing)} "
            f"(it has: {', '.join(sorted(have))}); "
            f"{spec.hub_id} rows need: {', '.join(spec.columns)}"
        )
    return source


def _formatted(
    spec: TaskSpec, rows: Iterable, rng: np.random.Generator, origins: list[str]
) -> Iterator[tuple[str, int]]:
    for i, row in enumerate(rows):
        try:
            yield spec.formatter(row, rng)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            raise W2SGError(
                f"{spec.name}: row {i} of {origins[-1]} does not fit the {spec.hub_id} schema "
                f"({type(error).__name__}: {error}); check the file"
            ) from error
