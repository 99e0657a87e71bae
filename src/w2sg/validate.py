"""Checks of option values shared by the commands and the configs, run before any work.

Each check returns the value (normalised) or raises `W2SGError` naming the option, the bad
value and the allowed range, so a mistake costs milliseconds rather than an extraction.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterable
from numbers import Integral, Real
from pathlib import Path

from w2sg.errors import W2SGError
from w2sg.paths import cache_root

MAX_SEED = 2**32 - 1  # numpy's SeedSequence and torch accept this range everywhere


def whole(value: object, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """An integer (not a bool, not a float) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise W2SGError(f"{name} must be a whole number, got {value!r}")
    v = int(value)
    if low is not None and v < low:
        raise W2SGError(f"{name} must be >= {low}, got {v}")
    if high is not None and v > high:
        raise W2SGError(f"{name} must be <= {high}, got {v}")
    return v


def positive(value: object, name: str) -> int:
    """A whole number >= 1 (sizes, rounds, runs)."""
    v = whole(value, name)
    if v < 1:
        raise W2SGError(f"{name} must be positive (a whole number >= 1), got {v}")
    return v


def seed(value: object, name: str = "seed") -> int:
    """A seed: a whole number in [0, 2**32 - 1]."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise W2SGError(f"{name} must be a whole number in [0, {MAX_SEED}], got {value!r}")
    if not 0 <= int(value) <= MAX_SEED:
        raise W2SGError(f"{name} must be in [0, {MAX_SEED}] (seeds are not negative), got {value}")
    return int(value)


def seeds(values: Iterable[object], name: str = "seeds") -> tuple[int, ...]:
    """A non-empty list of distinct seeds."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise W2SGError(f"{name} must be a list of whole numbers, got {values!r}")
    out = tuple(seed(v, f"{name} entry") for v in values)
    if not out:
        raise W2SGError(f"{name}: give at least one seed")
    if len(set(out)) != len(out):
        raise W2SGError(f"{name} repeats a seed: {list(out)}; give each seed once")
    return out


def number(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """A finite real number within [low, high] (or (low, high] with `low_open`)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise W2SGError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise W2SGError(f"{name} must be a finite number, got {v}")
    if low is not None and (v <= low if low_open else v < low):
        raise W2SGError(f"{name} must be {'>' if low_open else '>='} {low:g}, got {v:g}")
    if high is not None and v > high:
        raise W2SGError(f"{name} must be <= {high:g}, got {v:g}")
    return v


def unique(values: Iterable[object], name: str) -> None:
    """Duplicates are an error naming the option and the repeated value (one policy, used by
    every list option: a repeat is a typo more often than a wish)."""
    seen: set = set()
    for value in values:
        if value in seen:
            raise W2SGError(f"{name} repeats {value!r}; give each value once")
        seen.add(value)


def flag_value(value: object, name: str) -> bool:
    """A switch: True or False (not 'yes', not 1)."""
    if not isinstance(value, bool):
        raise W2SGError(f"{name} must be true or false, got {value!r}")
    return value


def text(value: object, name: str) -> str:
    """A non-empty string (a name, a path, a spec)."""
    if not isinstance(value, str) or not value.strip():
        raise W2SGError(f"{name} must be a non-empty text, got {value!r}")
    return value


def strings(values: object, name: str) -> tuple[str, ...]:
    """A list of non-empty strings, each given once (a bare string is not a list of them)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise W2SGError(f"{name} must be a list of names, got {values!r}")
    out = tuple(text(v, f"{name} entry") for v in values)
    unique(out, name)
    return out


def l2(value: object, name: str = "l2") -> float:
    """An L2 penalty: finite and >= 0 (a negative one gives NaN weights)."""
    return number(value, name, low=0.0)


def choice(value: object, name: str, allowed: Iterable[str]) -> str:
    """One of the allowed names."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise W2SGError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return str(value)


def instance(value: object, kind: type, name: str, how: str) -> None:
    """`value` is a `kind` (a config a run takes), else one error saying how to make one."""
    if not isinstance(value, kind):
        raise W2SGError(f"{name} must be a {kind.__name__} ({how}), got {type(value).__name__}")


def path_like(value: object, name: str) -> Path:
    """A path given as text or a Path (not None, not a number)."""
    if isinstance(value, str) and value.strip() or isinstance(value, os.PathLike):
        return Path(value)
    raise W2SGError(f"{name} must be a path (text or pathlib.Path), got {value!r}")


def output_dir(path: str | Path, name: str = "--out") -> Path:
    """A folder results can be written to: not a file, not under a file, writable.

    Nothing is created; a probe file in the nearest existing folder is made and removed.
    """
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise W2SGError(f"{name} {path} is a file; give a folder (it is created if missing)")
    _writable_ancestor(path, name, path)
    return path


def output_file(path: str | Path, name: str = "--out") -> Path:
    """A file that can be written: not a folder, and its folder can be made and written."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise W2SGError(f"{name} {path} is a folder; give a file name")
    _writable_ancestor(path.parent, name, path)
    return path


def _writable_ancestor(folder: Path, name: str, path: Path) -> None:
    """Fail unless `folder` (or the nearest folder above it that exists) can be written to."""
    probe = folder.absolute()
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise W2SGError(f"{name} {path} lies under {probe}, which is a file; choose another place")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".w2sg-write-check.", dir=probe)
    except OSError as err:
        raise W2SGError(
            f"{name} {path}: cannot write in {probe} ({err.strerror}); choose a writable place"
        ) from None
    os.close(fd)
    os.unlink(tmp)


def check_output(out: str | Path, name: str = "--out") -> Path:
    """Before a command's work: its output folder and the cache (W2SG_CACHE) are usable."""

    path = output_dir(out, name)
    cache_root()
    return path
