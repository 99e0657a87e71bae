"""What made a number: library versions, the code's commit, the machine, the command line.

Every results.json carries `provenance` (this module) beside `config`; times live only in
`provenance` and `timings`, so two runs of one config differ in nothing else.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from w2sg import __version__

LIBRARIES = ("torch", "transformers", "numpy", "scikit-learn", "scipy", "datasets", "peft")


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str | None]:
    """Installed version of each distribution (None when it is not installed)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _git(folder: Path, *args: str) -> str | None:
    """`git -C folder ARGS`'s output, stripped, or None outside a git checkout."""
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the w2sg checkout this code runs from (with `+dirty` when edited)."""
    src = Path(__file__).resolve().parent
    head = _git(src, "rev-parse", "HEAD")
    if not head:
        return None
    dirty = _git(src, "status", "--porcelain", "--untracked-files=no", "--", ".")
    if dirty is None:
        return None
    return head + ("+dirty" if dirty else "")


def git_describe(folder: str | Path | None = None, ignore: Sequence[str | Path] = ()) -> str | None:
    """`git describe --always --tags` of the checkout holding `folder` (default: this code's),
    with `-dirty` when a tracked file is changed, not counting those in `ignore` (files or
    folders: the outputs of the command asking, so a rerun does not call itself dirty); None
    outside a git checkout."""
    where = Path(folder) if folder is not None else Path(__file__).resolve().parent
    described = _git(where, "describe", "--always", "--tags")
    top = _git(where, "rev-parse", "--show-toplevel")
    names = _git(where, "diff", "--name-only", "HEAD")  # tracked files changed, from the top
    if not described or top is None or names is None:
        return described or None
    skip = [Path(p).resolve() for p in ignore]
    changed = [Path(top, name).resolve() for name in names.splitlines()]
    dirty = any(not any(c == s or s in c.parents for s in skip) for c in changed)
    return described + ("-dirty" if dirty else "")


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The CPU, core count and (when torch sees one) the GPU."""
    info: dict[str, Any] = {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "gpu": None,
    }
    if "torch" in sys.modules:
        import torch  # heavy: loaded on first use

        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    return info


def collect_provenance(
    *,
    models: dict[str, dict[str, Any]] | None = None,
    device: str | None = None,
    dtype: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The `provenance` block of a results.json.

    `models`: role → {"name", "identity" (weights digest or hub revision), ...};
    `device`, `dtype`: the resolved ones (never "auto").
    """
    out: dict[str, Any] = {
        "w2sg": {"version": __version__, "commit": git_commit()},
        "libraries": library_versions(),
        "machine": machine(),
        "command": list(sys.argv),
        "device": device,
        "dtype": dtype,
        "models": models or {},
    }
    if extra:
        out.update(extra)
    return out
