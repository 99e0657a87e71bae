"""The user's own data: CSV, TSV, JSONL and Parquet files turned into a `TextDataset`
(docs/methods.md#splits).

The user names the text and label columns (defaults `text` and `label`), may map string labels
to 0/1 (`pos=1,neg=0`), and may name a source column (e.g. a domain, for §5's natural sources)
and an id column. Every problem is one line saying how to fix it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
COMPRESSIONS = {".gz", ".bz2", ".xz", ".zip", ".zst"}


def file_format(path: str | Path) -> str | None:
    """`csv`, `tsv`, `jsonl` or `parquet` from the file name (compression suffix ignored)."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in COMPRESSIONS:
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1]) if suffixes else None


def looks_like_file(name: str) -> bool:
    """Whether a dataset name is meant as a file path (a known suffix or a path separator)."""
    return file_format(name) is not None or "/" in name or "\\" in name


def parse_label_map(text: str | None) -> dict[str, int] | None:
    """Parse `pos=1,neg=0` into {"pos": 1, "neg": 0}."""
    if text is None or not text.strip():
        return None
    mapping: dict[str, int] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or value.strip() not in {"0", "1"}:
            raise W2SGError(
                f"bad label map entry {item.strip()!r}: write VALUE=0 or VALUE=1, "
                "comma-separated, e.g. --label-map pos=1,neg=0"
            )
        mapping[key.strip()] = int(value.strip())
    return mapping


def read_table(path: str | Path):  # -> pandas.DataFrame
    """Read a CSV / TSV / JSONL / Parquet file; empty or malformed files raise W2SGError."""
    import pandas as pd  # heavy: loaded on first use

    path = Path(path)
    fmt = file_format(path)
    if fmt is None:
        raise W2SGError(
            f"{path}: unknown file type {path.suffix or '(none)'}; use .csv, .tsv, .jsonl "
            "or .parquet"
        )
    if not path.is_file():
        raise W2SGError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise W2SGError(f"{path} is empty; give a file with a header and rows")
    try:
        if fmt in ("csv", "tsv"):
            frame = pd.read_csv(
                path,
                sep="," if fmt == "csv" else "\t",
                dtype=str,
                keep_default_na=False,
                na_values=[""],
            )
        elif fmt == "jsonl":
            frame = pd.read_json(path, lines=True, dtype=False)
        else:
            frame = pd.read_parquet(path)
    except pd.errors.EmptyDataError as err:
        raise W2SGError(f"{path} is empty; give a file with a header and rows") from err
    except Exception as err:  # parser errors differ per format and engine
        reason = " ".join(str(err).split())[:160]
        raise W2SGError(f"{path} is not valid {fmt.upper()} ({reason}); fix the file") from err
    if len(frame) == 0:
        raise W2SGError(f"{path} has no rows; give a file with a header and rows")
    return frame


def _column(frame, column: str, role: str, option: str, path: Path):
    if column not in frame.columns:
        available = ", ".join(map(str, frame.columns))
        raise W2SGError(
            f"{path} has no {role} column {column!r} (columns: {available}); name it with {option}"
        )
    return frame[column]


def _label_key(value: object) -> str:
    """A label value as the string a user would write in a label map (1.0 -> '1')."""
    if isinstance(value, bool | np.bool_):
        return str(int(value))
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def to_binary_labels(values, column: str, label_map: Mapping[str, int] | None) -> np.ndarray:
    """Labels as 0/1: via `label_map` when given, else values must already read as 0 or 1."""
    import pandas as pd  # heavy: loaded on first use

    missing = pd.isna(values)
    if missing.any():
        row = int(np.flatnonzero(np.asarray(missing))[0])
        raise W2SGError(
            f"label column {column!r} is empty in {int(missing.sum())} rows (first: row {row}); "
            "fill or drop them"
        )
    keys = [_label_key(v) for v in values]
    if label_map is None:
        lookup = {"0": 0, "1": 1, "false": 0, "true": 1, "False": 0, "True": 1}
    else:
        lookup = {str(k).strip(): int(v) for k, v in label_map.items()}
        if any(v not in (0, 1) for v in lookup.values()):
            raise W2SGError("a label map sends values to 0 or 1 only, e.g. --label-map pos=1,neg=0")
    unknown = sorted({k for k in keys if k not in lookup})
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5])
        if label_map is None:
            seen = sorted(set(keys))[:2]
            hint = ",".join(f"{v}={i}" for i, v in enumerate(seen))
            raise W2SGError(
                f"label column {column!r} has values {shown} that are not 0/1; map them to 0/1, "
                f"e.g. --label-map {hint}"
            )
        raise W2SGError(
            f"label column {column!r} has values {shown} missing from the label map; "
            "add them, e.g. --label-map " + ",".join(f"{u}=0" for u in unknown[:2])
        )
    return np.asarray([lookup[k] for k in keys], dtype=np.int64)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_file(
    path: str | Path,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    label_map: Mapping[str, int] | None = None,
    source_column: str | None = None,
    id_column: str | None = None,
) -> TextDataset:
    """Load a user file as a `TextDataset`; ids come from `id_column` or hash the text."""
    import pandas as pd  # heavy: loaded on first use

    path = Path(path)
    frame = read_table(path)
    text_column = text_column or "text"
    label_column = label_column or "label"
    texts = _column(frame, text_column, "text", "--text-column", path)
    labels_raw = _column(frame, label_column, "label", "--label-column", path)
    texts_l = ["" if pd.isna(t) else str(t) for t in texts]
    labels = to_binary_labels(labels_raw.tolist(), label_column, label_map)
    sources = None
    if source_column is not None:
        sources = [str(s) for s in _column(frame, source_column, "source", "--source-column", path)]
    ids = None
    if id_column is not None:
        ids = [str(i) for i in _column(frame, id_column, "id", "--id-column", path)]
    meta = {
        "origin": str(path.resolve()),
        "file": path.name,
        "format": file_format(path),
        "sha256": _sha256(path),
        "columns": {
            "text": text_column,
            "label": label_column,
            "source": source_column,
            "id": id_column,
        },
        "label_map": dict(label_map) if label_map else None,
        "licence": "the user's own",
    }
    return TextDataset.from_rows(
        path.name.split(".")[0] or path.name,
        texts=texts_l,
        labels=labels,
        ids=ids,
        sources=sources,
        meta=meta,
        dedupe=id_column is None,
    )
