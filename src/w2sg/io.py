"""Atomic file writes (a reader never sees a half-written artifact), and readers of text and
JSON files that say in one line what is wrong with a file."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from w2sg.errors import W2SGError


def current_umask() -> int:
    """The process's umask, read without changing it (Linux), else by a set-and-restore."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it is renamed onto `path`.

    On any exception the temporary file is removed and `path` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes 0600, and some writers (safetensors) replace the file with their own
        # 0600 temporary: set the user's mode on what was written, just before the rename.
        os.chmod(tmp_path, 0o666 & ~current_umask())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call `write(tmp)` and move the result onto `path` atomically (what it returns is unused)."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def write_json(path: str | Path, obj: Any) -> Path:
    """Write JSON atomically (indented, keys in insertion order)."""
    return write_atomic(
        path, lambda tmp: tmp.write_text(json.dumps(obj, indent=2, default=jsonable) + "\n")
    )


def jsonable(obj: Any) -> Any:
    """numpy scalars and arrays, and paths, as JSON values (`json.dumps(default=...)`)."""

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def slug(text: str) -> str:
    """`text` as a file or folder name: runs of other characters than letters, digits, `_`,
    `.` and `-` become one `_`."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 4 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def _kind(value: Any) -> str:
    """What a JSON value is, in words: 'an object', 'a list', 'a string', ..."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def read_text(path: str | Path, what: str) -> str:
    """A text file's contents; one `W2SGError` line (the path, what was expected, what was
    found) when it is missing, a folder, unreadable or not UTF-8."""
    path = Path(path)
    if path.is_dir():
        raise W2SGError(f"{path} is a folder; expected {what}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise W2SGError(f"{path}: no such file; expected {what}") from None
    except OSError as err:
        raise W2SGError(f"{path}: cannot read it ({err.strerror}); expected {what}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise W2SGError(
            f"{path} is not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}); "
            f"expected {what}: save it as UTF-8"
        ) from None


def read_json(path: str | Path, what: str, expect: type = dict) -> Any:
    """A JSON file's value, which must be of type `expect` (dict: an object, list: a list);
    otherwise one `W2SGError` line naming the path, what was expected and what was found."""
    text = read_text(path, what)
    try:
        value = json.loads(text, object_pairs_hook=_once_each(path, what))
    except json.JSONDecodeError as err:
        cut = err.pos >= len(text.rstrip()) or err.msg.startswith("Unterminated")
        found = f"it ends early (cut short?): {err.msg}" if cut else err.msg
        raise W2SGError(
            f"{path} is not valid JSON (line {err.lineno}, column {err.colno}: {found}); "
            f"expected {what}"
        ) from None
    if not isinstance(value, expect):
        raise W2SGError(f"{path}: expected {what}, found {_kind(value)}")
    return value


def _once_each(path: str | Path, what: str) -> Callable[[list[tuple[str, Any]]], dict]:
    """A JSON object hook refusing a key given twice in one object (json keeps the last one
    silently: a WRENCH row id twice would lose a row)."""

    def build(pairs: list[tuple[str, Any]]) -> dict:
        out = dict(pairs)
        if len(out) < len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    raise W2SGError(
                        f"{path}: the key {key!r} appears twice in one object; expected {what}"
                    )
                seen.add(key)
        return out

    return build


def read_yaml(path: str | Path, what: str) -> Any:
    """A YAML file's value (safe loading); a key given twice in one mapping, a syntax error or a
    file that is not UTF-8 is one `W2SGError` line naming the path and the place."""
    import yaml  # heavy: loaded on first use

    text = read_text(path, what)
    try:
        return yaml.load(text, Loader=_unique_keys_loader(yaml))  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or " ".join(str(err).split())
        raise W2SGError(f"{path} is not valid YAML ({where}{problem}); expected {what}") from None


def _unique_keys_loader(yaml: Any) -> type:
    """PyYAML's SafeLoader, except that a key given twice in one mapping is an error naming it
    and its line (the safe loader keeps the last silently)."""

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict:
            seen: set = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"repeats the key {key!r}; give each key once",
                        key_node.start_mark,
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return Loader
