"""A sweep's unit of work and how it runs: `Task` in, `Outcome` out, never an exception.

A task is picklable and self-contained (method name + config + output folder); `execute`
runs it and never raises: a failure comes back as an `Outcome` with the error, so one bad
cell never stops the others. With `pack`, a cell runs into a temporary folder and its files
travel back with the outcome (Ray, on a cluster without a shared disk).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from w2sg.errors import W2SGError
from w2sg.io import slug
from w2sg.sweep.methods import get_method


@dataclass(frozen=True)
class Task:
    """One unit of work: a cell (`configs` holds its one config) or a warm-up of shared work."""

    id: str
    kind: str  # "cell" | "warm"
    method: str
    configs: tuple[Any, ...]
    out_dir: str | None = None  # where a cell writes (local executor)
    threads: int = 1
    num_cpus: float = 1
    num_gpus: float = 0


@dataclass(frozen=True)
class Outcome:
    """What came back from a task: ok or the error, how long it took, files (Ray), and the
    process that ran it (`worker`: its pid on its machine; 0 when no worker reported)."""

    id: str
    ok: bool
    duration_s: float
    error: str | None = None
    traceback: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    worker: int = 0


@contextlib.contextmanager
def _output_to(path: Path | None) -> Iterator[None]:
    """Send this process's stdout/stderr (file descriptors too) to `path` while inside."""
    if path is None:
        yield
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "ab") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def die_with_parent() -> None:
    """Linux: a worker is killed when the sweep process dies, so no orphan writes on."""
    import ctypes  # heavy: loaded on first use

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def set_threads(threads: int) -> None:
    import torch  # heavy: loaded on first use

    torch.set_num_threads(max(1, threads))


def _cell_folder(task: Task, tmp: str | None) -> Path:
    """Where a cell writes: the temporary folder when packing, else the task's out_dir."""
    folder = tmp if tmp else task.out_dir
    if folder is None:
        raise W2SGError(f"cell {task.id}: no out_dir to write to")
    return Path(folder)


def execute(task: Task, pack: bool = False) -> Outcome:
    """Run `task` here; with `pack`, a cell runs in a temp folder and returns its files."""
    t0 = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="w2sg-cell-") if pack else None
    out = _cell_folder(task, tmp) if task.kind == "cell" else None
    log = out / "worker.log" if out is not None else None
    if task.kind == "warm" and task.out_dir and not pack:
        log = Path(task.out_dir) / f"{slug(task.id)}.log"
    try:
        set_threads(task.threads)
        method = get_method(task.method)
        with _output_to(log):
            if task.kind == "warm":
                if method.warm is not None:
                    for config in task.configs:
                        method.warm(config)
            else:
                # An interrupted attempt's folder is kept: a method whose stages are saved as
                # they finish (the study) resumes from them with identical results.
                assert out is not None  # kind is "cell"
                method.run(task.configs[0], out)
        files = _pack(out) if pack and out is not None else {}
        return Outcome(task.id, True, time.perf_counter() - t0, files=files, worker=os.getpid())
    except BaseException as err:  # noqa: BLE001 - a failed cell is recorded, never raised
        if isinstance(err, KeyboardInterrupt):
            raise
        message = str(err) if isinstance(err, W2SGError) else f"{type(err).__name__}: {err}"
        return Outcome(
            task.id,
            False,
            time.perf_counter() - t0,
            error=message or type(err).__name__,
            traceback=traceback.format_exc(),
            worker=os.getpid(),
        )
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def _pack(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def unpack(files: dict[str, bytes], folder: Path) -> None:
    """Write the files a remote cell sent back into `folder`."""
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


OnDone = Callable[[Task, Outcome], None]
