"""Checks at the entry of the statistics functions: numbers that are numbers, arrays that
align, tables with their columns (docs/methods.md#statistics). Each failure is one
`W2SGError` naming the argument."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from w2sg.errors import W2SGError


def numbers(values: Any, name: str, *, finite: bool = False) -> np.ndarray:
    """`values` as a 1-D float array (None entries become NaN), or one error naming `name`."""
    if isinstance(values, str | bytes) or values is None:
        raise W2SGError(f"{name} must be an array of numbers, got {values!r:.60}")
    if isinstance(values, Iterator):  # a generator: read it once
        values = list(values)
    if hasattr(values, "to_numpy"):  # a pandas Series
        values = values.to_numpy()
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":  # the common, fast path
        arr = values.astype(np.float64, copy=False)
    else:
        arr = _from_objects(values, name)
    if arr.ndim != 1:
        raise W2SGError(f"{name} must be 1-D, got shape {arr.shape}")
    if finite and not np.isfinite(arr).all():
        raise W2SGError(f"{name} holds NaN or infinity; give finite numbers")
    return arr


def _from_objects(values: Any, name: str) -> np.ndarray:
    """A float array from a list or an object array: None becomes NaN; text, true/false and
    anything else that is not a number is an error naming `name`."""
    try:
        raw = np.asarray(values, dtype=object)
    except (TypeError, ValueError):  # ragged
        raise W2SGError(f"{name} must be an array of numbers, got {values!r:.60}") from None
    if raw.ndim == 0:
        raise W2SGError(f"{name} must be an array of numbers, got {values!r:.60}")
    flat = raw.ravel()
    if any(isinstance(x, bool | str | bytes | np.bool_) for x in flat):
        raise W2SGError(f"{name} must hold numbers, not true/false or text: {values!r:.60}")
    try:
        filled = [np.nan if x is None else x for x in flat]
        return np.asarray(filled, dtype=np.float64).reshape(raw.shape)
    except (TypeError, ValueError):
        raise W2SGError(f"{name} must be an array of numbers, got {values!r:.60}") from None


def same_length(arrays: dict[str, np.ndarray]) -> None:
    """Arrays that pair up entry by entry have one length, else one error naming them."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{n} {k}" for n, k in lengths.items())
        raise W2SGError(f"{', '.join(lengths)} must align (one value each), got lengths {shown}")


def metric(value: object, name: str) -> float | None:
    """One metric (accuracy or AUC): a number in [0, 1] or None (undefined); NaN counts as
    undefined."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise W2SGError(f"{name} must be a number or None, got {value!r:.60}")
    if not np.isfinite(value):
        return None
    if not 0.0 <= value <= 1.0:
        raise W2SGError(f"{name} must be a metric in [0, 1] (accuracy or AUC), got {value}")
    return float(value)


def columns(table: Any, needed: Iterable[str], name: str = "table") -> None:
    """A pandas DataFrame holding every column of `needed`."""
    if not hasattr(table, "columns") or not hasattr(table, "groupby"):
        raise W2SGError(f"{name} must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise W2SGError(f"{name} lacks column(s) {', '.join(missing)}")
