"""Reading one split of a public dataset, from the Hugging Face Hub or from a local copy.

docs/tasks.md. The literature registry (`w2sg.data.registry`) names each task's source (a
`HubSource`: namespaced id, config, revision, data_dir, expected row counts); this module
only fetches its rows. A local copy (`--data-dir`) is either a folder written by
`DatasetDict.save_to_disk` (or one `Dataset.save_to_disk` folder per split), or a folder of
per-split data files named for the Hub's splits: `train.jsonl`, `validation.parquet`,
`test.csv`, `train-00000-of-00002.parquet`, `test/0000.parquet` (a Parquet export), ... (also
looked for under `data/`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import datasets
from datasets.exceptions import DatasetNotFoundError
from huggingface_hub.errors import HfUriError

from w2sg.errors import W2SGError
from w2sg.paths import cache_dir

# file suffix -> the `datasets` builder that reads it
_BUILDERS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}


#: a pinned Hub revision: a full 40-hex commit id
COMMIT = re.compile(r"[0-9a-f]{40}")
#: the Hub's Parquet export of a repository; a moving branch unless pinned by commit
PARQUET_BRANCH = "refs/convert/parquet"


@dataclass(frozen=True)
class HubSource:
    """Everything `datasets.load_dataset` needs for one task's rows on the Hub (docs/tasks.md).

    `revision`: a 40-hex commit (pinned), `PARQUET_BRANCH` (the Parquet export, not pinned)
    or None (the repository's main branch). `data_dir`: the folder of the config inside a
    Parquet export. `rows`: the split sizes the record gives, checked on each Hub load so a
    wrong mirror is noticed at once. `mirror`: not the dataset authors' own repository.
    """

    id: str
    config: str | None = None
    revision: str | None = None
    data_dir: str | None = None
    rows: tuple[tuple[str, int], ...] = ()
    mirror: bool = False

    @property
    def pinned(self) -> bool:
        """True when the revision is a full commit id (the same bytes on every load)."""
        return self.revision is not None and COMMIT.fullmatch(self.revision) is not None

    def describe(self) -> str:
        """`id (config) @revision [data_dir]`, short, for messages and meta."""
        out = self.id + (f" ({self.config})" if self.config else "")
        if self.revision:
            out += f" @{self.revision[:8] if self.pinned else self.revision}"
        return out + (f" [data_dir={self.data_dir}]" if self.data_dir else "")

    def expected_rows(self, split: str) -> int | None:
        """The record's row count of `split`, or None where none was found."""
        return dict(self.rows).get(split)


@dataclass(frozen=True)
class SourceSplit:
    """One split's rows and a line saying where they came from (for messages and meta)."""

    rows: datasets.Dataset
    origin: str


def hub_split(task: str, source: HubSource, split: str) -> SourceSplit:
    """A split from the Hub (or the local `datasets` cache); one clear line when unreachable.

    A failure names the task, the source tried and what to do; a row count that differs
    from the record's (`source.rows`) is refused: the repository is not the expected one.
    """
    try:
        rows = datasets.load_dataset(
            source.id,
            source.config,
            split=split,
            revision=source.revision,
            data_dir=source.data_dir,
        )
    except Exception as error:  # every failure here means: no usable copy reachable
        export = f", or {source.data_dir}/{split}/*.parquet" if source.data_dir else ""
        raise W2SGError(
            f"{task}: could not load split '{split}' of {source.describe()} from the Hugging "
            f"Face Hub: {_hub_reason(error)}; pass --data-dir with a local copy (a "
            f"save_to_disk folder or files named {split}.jsonl / {split}.parquet / {split}.csv"
            f"{export})"
        ) from error
    expected = source.expected_rows(split)
    if expected is not None and len(rows) != expected:
        raise W2SGError(
            f"{task}: split '{split}' of {source.describe()} has {len(rows):,} rows, the "
            f"record says {expected:,}; this is not the expected copy of the dataset (check "
            f"the id and revision, or pass --data-dir with a local copy)"
        )
    return SourceSplit(rows=rows, origin=f"hub:{source.describe()} [{split}]")


def _hub_reason(error: BaseException) -> str:
    """What a `load_dataset` failure means, in a few words (datasets 5.x exception types)."""
    first = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
    if isinstance(error, RuntimeError) and "scripts are no longer supported" in str(error):
        return f"the repository holds a loading script, which datasets 5.x does not run ({first})"
    if isinstance(error, HfUriError):
        return f"the id is not of the form 'namespace/name' ({first})"
    if isinstance(error, DatasetNotFoundError):
        return f"no such dataset on the Hub, or no access ({first})"
    if isinstance(error, ConnectionError):
        return f"the Hub is unreachable ({first})"
    return f"{type(error).__name__}: {first}"


def local_split(root: Path, split: str) -> SourceSplit:
    """A split from a local copy: a save_to_disk folder, or per-split data files."""
    if not root.is_dir():
        raise W2SGError(f"data dir {root} does not exist or is not a folder; give a local copy")
    if (root / "dataset_dict.json").is_file():
        saved = datasets.load_from_disk(str(root))
        if split not in saved:
            raise W2SGError(
                f"{root}: the saved DatasetDict has no '{split}' split "
                f"(it has: {', '.join(saved)}); save that split too"
            )
        return SourceSplit(rows=saved[split], origin=f"{root} [{split}]")
    if (root / "state.json").is_file():
        raise W2SGError(
            f"{root} holds a single saved Dataset; save a DatasetDict, or one save_to_disk "
            f"folder per split named for it (e.g. {root}/{split})"
        )
    if (root / split / "state.json").is_file():
        saved_split = datasets.load_from_disk(str(root / split))
        return SourceSplit(rows=saved_split, origin=str(root / split))
    files = _split_files(root, split)
    if not files:
        raise W2SGError(
            f"{root}: no '{split}' split found; expected {split}.jsonl, {split}.parquet or "
            f"{split}.csv (or a save_to_disk folder); found: {_listing(root)}"
        )
    return SourceSplit(rows=_read_files(files, split), origin=", ".join(str(f) for f in files))


def _split_files(root: Path, split: str) -> list[Path]:
    """Data files of one split, in root or root/data: `<split>.<ext>`, `<split>-*.<ext>`, or
    `<split>/*.<ext>` (the layout of a Parquet export, e.g. `test/0000.parquet`)."""
    found: list[Path] = []
    for folder in (root, root / "data"):
        for suffix in _BUILDERS:
            exact = folder / f"{split}{suffix}"
            found += [exact] if exact.is_file() else []
            found += sorted(folder.glob(f"{split}-*{suffix}"))
            if (folder / split).is_dir():
                found += sorted((folder / split).glob(f"*{suffix}"))
        if found:
            return found
    return found


def _read_files(files: Sequence[Path], split: str) -> datasets.Dataset:
    """Load data files of one kind with the matching `datasets` builder."""
    kinds = {_BUILDERS[f.suffix] for f in files}
    if len(kinds) > 1:
        names = ", ".join(f.name for f in files)
        raise W2SGError(f"split '{split}' has files of different kinds ({names}); keep one kind")
    try:
        return datasets.load_dataset(
            kinds.pop(),
            data_files={split: [str(f) for f in files]},
            split=split,
            cache_dir=str(cache_dir("hf-datasets")),
        )
    except Exception as error:  # malformed file: say which
        first = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise W2SGError(f"could not read {files[0]}: {first}; check the file's format") from error


def _listing(root: Path) -> str:
    """A short list of what a folder holds, for error messages."""
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in root.iterdir())
    return ", ".join(names[:12]) + (" ..." if len(names) > 12 else "") if names else "nothing"
