"""How a dataset is read: the options every command that loads a dataset takes.

A named dataset needs none of them; a data file needs its columns (and a label map for string
labels); a literature task can be read from a local copy (`data_dir`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from w2sg.data.files import parse_label_map
from w2sg.errors import W2SGError
from w2sg.options import option


@dataclass(frozen=True)
class DataOptions:
    """Columns of a data file, its label map, or a literature task's local copy."""

    text_column: str | None = option(None, "Text column of a data file (default: text).")
    label_column: str | None = option(None, "Label column of a data file (default: label).")
    label_map: str | None = option(None, "String labels of a data file as 0/1, e.g. pos=1,neg=0.")
    source_column: str | None = option(
        None, "Source (domain) column of a data file: its values are the data sources."
    )
    id_column: str | None = option(None, "Id column of a data file (default: a hash of the text).")
    data_dir: str | None = option(
        None,
        "Local copy of a literature task: a save_to_disk folder or the hub's split files.",
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                object.__setattr__(self, f.name, str(value))
            elif value is not None and not isinstance(value, str):
                raise W2SGError(f"dataset option {f.name} must be text, got {value!r}")
        parse_label_map(self.label_map)  # a bad map fails here, before any work

    @classmethod
    def of(cls, value: DataOptions | Mapping[str, Any] | None) -> DataOptions:
        """Options from a DataOptions, a mapping (a sweep file, an old config) or None."""
        if value is None:
            return cls()
        if isinstance(value, DataOptions):
            return value
        if not isinstance(value, Mapping):
            raise W2SGError(f"dataset options must be a mapping, got {value!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise W2SGError(
                f"unknown dataset option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        given = dict(value)
        if isinstance(given.get("label_map"), Mapping):
            given["label_map"] = ",".join(f"{k}={v}" for k, v in given["label_map"].items())
        return cls(**given)

    def load_kwargs(self) -> dict[str, Any]:
        """The options given, as `load_dataset` takes them (and results.json records them)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = parse_label_map(value) if f.name == "label_map" else value
        return out
