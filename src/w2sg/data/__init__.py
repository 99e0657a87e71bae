"""Datasets by name or path: offline packages, literature tasks, user files (docs/methods.md#splits,
docs/tasks.md).

`load_dataset(name_or_path)` is the one entry point; `list_datasets()` says what exists and
what is installed; `make_splits` cuts a dataset into the four splits of the W2S setting.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib.util
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from w2sg.data.files import load_file, looks_like_file, parse_label_map
from w2sg.data.install import is_installed
from w2sg.data.offline import OFFLINE
from w2sg.data.splits import SPLIT_NAMES, Splits, SplitSizes, make_splits
from w2sg.data.types import TextDataset, text_id
from w2sg.data.wrench import load_wrench, wrench_path
from w2sg.errors import W2SGError

__all__ = [
    "DatasetInfo",
    "SplitSizes",
    "Splits",
    "TextDataset",
    "list_datasets",
    "load_dataset",
    "load_file",
    "make_splits",
    "rows_used",
    "seed_splits",
    "parse_label_map",
    "text_id",
]


@dataclass(frozen=True)
class DatasetInfo:
    """One row of `w2sg data list`."""

    name: str
    kind: str  # "offline" | "literature" | "file"
    installed: bool  # nothing left to install before loading
    rows: int | None  # rows as loaded, where known without loading
    description: str


def _literature_tasks() -> dict:
    """The registry's TASKS (name -> TaskSpec), or {} where the registry is unavailable."""
    try:
        from w2sg.data.registry import TASKS  # lazy: imports the optional `datasets` library
    except ImportError:
        return {}
    return dict(TASKS)


def _has_datasets_library() -> bool:
    return importlib.util.find_spec("datasets") is not None


def _describe_task(name: str, spec: object) -> str:
    description = getattr(spec, "description", None) or f"{name} (docs/tasks.md)"
    hub_id = getattr(spec, "hub_id", None)
    return f"{description} [{hub_id}]" if hub_id else str(description)


def list_datasets() -> list[DatasetInfo]:
    """Every named dataset: the offline ones, then the literature's tasks.

    Example::

        [d.name for d in w2sg.list_datasets() if d.installed]
    """
    infos = [
        DatasetInfo(
            spec.name,
            "offline",
            is_installed(spec.requirement),
            spec.rows,
            f"{spec.description} [{spec.requirement.pin}, {spec.requirement.licence}]",
        )
        for spec in OFFLINE.values()
    ]
    hub_ready = _has_datasets_library()
    for name, spec in _literature_tasks().items():
        infos.append(DatasetInfo(name, "literature", hub_ready, None, _describe_task(name, spec)))
    return infos


def _unknown(name: str) -> W2SGError:
    names = list(OFFLINE) + list(_literature_tasks())
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    return W2SGError(f"unknown dataset {name!r} (and no such file); {hint}see `w2sg data list`")


POOL_META_KEY = "pools_in_sources"


def own_test_pool(ds: TextDataset) -> np.ndarray | None:
    """The rows reserved for `test` (a literature task's own test pool), or None.

    Literature tasks carry their source split (train/test) in `sources`; such a dataset has
    no natural data sources (see `natural_sources`).
    """
    if ds.meta.get(POOL_META_KEY) == "sources" and ds.sources is not None:
        return ds.sources.astype(str) == "test"
    return None


def seed_splits(ds: TextDataset, sizes: SplitSizes, seeds: Iterable[int]) -> dict[int, Splits]:
    """The four splits of every split seed; a literature task's own test pool goes to `test`."""
    pool = own_test_pool(ds)
    return {seed: make_splits(ds, sizes, seed, test_pool=pool) for seed in seeds}


def rows_used(ds: TextDataset, splits: Iterable[Splits]) -> TextDataset:
    """Every row some split of `splits` uses, once, sorted by id: what a run embeds, addressed
    the same way whatever the seeds."""
    used = np.unique(
        np.concatenate([getattr(s, part).ids.astype(str) for s in splits for part in SPLIT_NAMES])
    )
    order = np.argsort(ds.ids.astype(str), kind="stable")
    return ds.subset(order[np.searchsorted(ds.ids.astype(str)[order], used)])


def natural_sources(ds: TextDataset) -> np.ndarray | None:
    """The dataset's natural data sources (e.g. VADER's domains), or None."""
    return None if ds.meta.get(POOL_META_KEY) == "sources" else ds.sources


def load_dataset(
    name_or_path: str | Path,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    label_map: Mapping[str, int] | str | None = None,
    source_column: str | None = None,
    id_column: str | None = None,
    data_dir: str | Path | None = None,
    seed: int = 0,
) -> TextDataset:
    """Load a dataset by offline name, literature task name, file path (CSV/JSONL/Parquet),
    or WRENCH-format folder (`wrench:DIR`, docs/methods.md#weak-supervision).

    Column options apply to files only; `data_dir` and `seed` go to the literature loader.

    Example::

        ds = w2sg.load_dataset("rotten_tomatoes")                  # an offline dataset
        mine = w2sg.load_dataset("reviews.csv", text_column="body", label_map="pos=1,neg=0")
    """
    if isinstance(label_map, str):
        label_map = parse_label_map(label_map)
    name = str(name_or_path)
    column_options: dict[str, Any] = {  # load_file's keyword arguments
        "text_column": text_column,
        "label_column": label_column,
        "label_map": label_map,
        "source_column": source_column,
        "id_column": id_column,
    }
    given = [k for k, v in column_options.items() if v]
    tasks = _literature_tasks()
    if (name in OFFLINE or name in tasks) and given:
        raise W2SGError(
            f"{', '.join(given)} apply to data files only; {name!r} is a named dataset "
            f"(for a file of that name write ./{name})"
        )
    if name in OFFLINE:
        return OFFLINE[name].load()
    folder = wrench_path(name)
    if folder is not None:
        if given:
            raise W2SGError(f"{', '.join(given)} apply to data files only, not WRENCH folders")
        return load_wrench(folder).to_text_dataset()
    if name in tasks:
        from w2sg.data.registry import load_task  # lazy: imports `datasets`

        # Both parts: the task's own test pool must reach `test` (docs/tasks.md); see own_test_pool.
        ds = load_task(name, split="all", data_dir=data_dir, seed=seed)
        return dataclasses.replace(ds, meta={**ds.meta, POOL_META_KEY: "sources"})
    if Path(name).is_file():
        return load_file(name, **column_options)
    if looks_like_file(name):
        raise W2SGError(f"no such file: {name}")
    raise _unknown(name)
