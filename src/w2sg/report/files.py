"""The files a report reads, checked: results.json, sweep.json, manifest.json, statistics.json.

Each reader gives one `W2SGError` line naming the path, what was expected and what was found
(a cut-short or non-UTF-8 file, a list where an object belongs, a missing field), never an
exception from deep inside the page's code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from w2sg.errors import W2SGError
from w2sg.io import read_json

RESULTS = "the results.json of a w2sg run (a JSON object)"
SWEEP = "the sweep.json of a w2sg sweep (a JSON object with name, metric, guard_margin)"
MANIFEST = "a sweep manifest (a JSON object whose 'cells' maps each cell id to its entry)"
STATISTICS = "the statistics.json of a w2sg sweep (a JSON object of tables)"
_NAMES = {str: "a text", dict: "an object", list: "a list", (int, float): "a number"}


def require(data: Mapping, fields: Mapping[str, Any], path: Path, what: str) -> None:
    """Each field of `fields` present in `data` with its type, else one error naming it."""
    for name, kind in fields.items():
        if name not in data:
            raise W2SGError(f"{path}: expected {what}, found no field {name!r}")
        value = data[name]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise W2SGError(
                f"{path}: expected {what}; field {name!r} must be {_NAMES.get(kind, kind)}, "
                f"found {value!r:.60}"
            )


@contextmanager
def reading(path: Path, what: str) -> Iterator[None]:
    """Turn what a damaged file makes the report code raise into one line naming the file:
    a field missing or of the wrong type or shape deep inside it."""
    try:
        yield
    except W2SGError:
        raise
    except KeyError as err:
        raise W2SGError(
            f"{path}: expected {what}, found no field {err}; rerun the command that wrote it"
        ) from None
    except (TypeError, AttributeError, ValueError, IndexError) as err:
        raise W2SGError(
            f"{path}: expected {what}, but a field has the wrong type or shape "
            f"({type(err).__name__}: {' '.join(str(err).split())[:160]}); rerun the command "
            "that wrote it"
        ) from None


def read_results(path: Path) -> dict:
    """A run's results.json: a JSON object."""
    return read_json(path, RESULTS)


def read_run_results(path: Path) -> dict:
    """The results.json of a run folder being reported: with the run's config (every w2sg
    run writes it; a file without it is no run's)."""
    data = read_results(path)
    require(data, {"config": dict}, path, RESULTS)
    return data


def read_sweep_config(path: Path) -> dict:
    """A sweep folder's sweep.json, with the fields its report shows."""
    data = read_json(path, SWEEP)
    require(data, {"name": str, "metric": str, "guard_margin": (int, float)}, path, SWEEP)
    return data


def read_manifest(path: Path) -> dict:
    """manifest.json: its cells, each an object with a text state (the cells' folders are kept
    whatever happens to this file)."""
    data = read_json(path, MANIFEST)
    require(data, {"cells": dict}, path, MANIFEST)
    for cell_id, entry in data["cells"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("state"), str):
            raise W2SGError(
                f"{path}: expected {MANIFEST}, found cell {cell_id!r} holding {entry!r:.60}; "
                "move the file away to rebuild the manifest (finished cells then run again)"
            )
    if not isinstance(data.get("warm", {}), dict):
        raise W2SGError(f"{path}: expected {MANIFEST}, found 'warm' that is not an object")
    return data


def read_statistics(path: Path) -> dict:
    """statistics.json (absent before any cell finished: no tables)."""
    if not path.exists():
        return {}
    data = read_json(path, STATISTICS)
    for name in ("per_dataset", "across_datasets", "vs_baseline", "w2s_vs_weak"):
        rows = data.get(name)
        if rows is not None and not (
            isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
        ):
            raise W2SGError(
                f"{path}: expected {STATISTICS}; {name!r} must be a list of rows (objects), "
                f"found {rows!r:.60}"
            )
    return data
