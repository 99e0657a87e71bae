"""Reading one split of a public dataset, from the Hugging Face Hub or from a local copy.

SPEC §8. The literature registry (`w2sg.data.registry`) names each task's source; this module
only fetches its rows. A local copy (`--data-dir`) is either a folder written by
`DatasetDict.save_to_disk` (or one `Dataset.save_to_disk` folder per split), or a folder of
per-split data files named for the Hub's splits: `train.jsonl`, `validation.parquet`,
`test.csv`, `train-00000-of-00002.parquet`, ... (also looked for under `data/`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import datasets

from w2sg.errors import W2SGError
from w2sg.paths import cache_dir

# file suffix -> the `datasets` builder that reads it
_BUILDERS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class SourceSplit:
    """One split's rows and a line saying where they came from (for messages and meta)."""

    rows: datasets.Dataset
    origin: str


def hub_split(hub_id: str, config: str | None, split: str) -> SourceSplit:
    """A split from the Hub (or the local `datasets` cache); one clear line when unreachable."""
    where = f"{hub_id} ({config})" if config else hub_id
    try:
        rows = datasets.load_dataset(hub_id, config, split=split)
    except Exception as error:  # any failure here means: no copy reachable
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise W2SGError(
            f"could not load split '{split}' of {where} from the Hugging Face Hub ({reason}); "
            f"pass --data-dir with a local copy (a save_to_disk folder or files named "
            f"{split}.jsonl / {split}.parquet / {split}.csv)"
        ) from error
    return SourceSplit(rows=rows, origin=f"hub:{where} [{split}]")


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
    """Data files of one split: `<split>.<ext>` or `<split>-*.<ext>`, in root or root/data."""
    found: list[Path] = []
    for folder in (root, root / "data"):
        for suffix in _BUILDERS:
            exact = folder / f"{split}{suffix}"
            found += [exact] if exact.is_file() else []
            found += sorted(folder.glob(f"{split}-*{suffix}"))
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
