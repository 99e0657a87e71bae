"""Where sweep cells run: worker processes on this machine (`local`) or Ray tasks (`ray`).

A task is picklable and self-contained (method name + config + output folder); `execute`
runs it and never raises: a failure comes back as an `Outcome` with the error, so one bad
cell never stops the others. Under Ray, a cell runs into a temporary folder on whichever node
takes it and its files travel back with the outcome, so results land in the driver's sweep
folder even on a cluster without a shared disk.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from w2sg import validate
from w2sg.errors import W2SGError
from w2sg.io import slug
from w2sg.options import Flagged, option
from w2sg.sweep.cluster import RAY_TIMEOUT, bounded, ray_address, wait_for_cluster
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
    """What came back from a task: ok or the error, how long it took, files (Ray)."""

    id: str
    ok: bool
    duration_s: float
    error: str | None = None
    traceback: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)


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


def _die_with_parent() -> None:
    """Linux: a worker is killed when the sweep process dies, so no orphan writes on."""
    import ctypes  # heavy: loaded on first use

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def _set_threads(threads: int) -> None:
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
        _set_threads(task.threads)
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
        return Outcome(task.id, True, time.perf_counter() - t0, files=files)
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


class LocalExecutor:
    """Worker processes on this machine (spawned, at most the number of cores)."""

    name = "local"

    def start(self) -> None:
        """Nothing to connect to (the Ray executor's `start` connects before any work)."""

    def __init__(self, workers: int | None = None) -> None:
        cores = os.cpu_count() or 1
        if workers is not None:
            validate.positive(workers, "workers")
        self.workers = min(workers or cores, cores)
        self.threads = max(1, cores // self.workers)

    def run(self, tasks: Sequence[Task], on_done: OnDone) -> None:
        """Run `tasks`, calling `on_done` in this process as each one finishes."""
        if not tasks:
            return
        if self.workers == 1:
            for task in tasks:
                on_done(task, execute(task))
            return

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_die_with_parent
        ) as pool:
            futures = {pool.submit(execute, task): task for task in tasks}
            try:
                for future in as_completed(futures):
                    task = futures[future]
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        outcome = Outcome(
                            task.id,
                            False,
                            0.0,
                            error="the worker process died (killed or out of memory)",
                        )
                    on_done(task, outcome)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise


class RayExecutor:
    """Cells as Ray tasks with their CPU/GPU needs; a lost worker's task is retried."""

    name = "ray"

    def __init__(
        self,
        address: str = "auto",
        num_cpus: int | None = None,
        max_retries: int = 3,
        timeout: float = RAY_TIMEOUT,
    ) -> None:
        ray_address(address)
        if num_cpus is not None:
            validate.positive(num_cpus, "num_cpus")
        validate.whole(max_retries, "max_retries", low=0)
        validate.number(timeout, "timeout", low=0.0, low_open=True)
        try:
            import ray  # noqa: F401
        except ImportError:
            raise W2SGError(
                "the ray executor needs Ray: pip install 'w2sg[ray]' (or drop --ray)"
            ) from None
        self.address = address
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        self.timeout = timeout

    def start(self) -> None:
        """Connect to the cluster (or start a local Ray) before any work: an address where no
        cluster answers is one error after at most `timeout` seconds."""
        import ray  # heavy: loaded on first use

        if ray.is_initialized():
            return
        wait_for_cluster(self.address, self.timeout)
        env = {k: v for k, v in os.environ.items() if k.startswith("W2SG_") or k == "PYTHONPATH"}
        options: dict[str, Any] = {
            "runtime_env": {"env_vars": env},
            "log_to_driver": False,
            "configure_logging": False,
        }
        if self.address == "auto":
            options.update(include_dashboard=False, num_cpus=self.num_cpus)
            ray.init(**options)  # a local Ray on this machine
            return
        bounded(lambda: ray.init(address=self.address, **options), self.timeout, self.address)

    def run(self, tasks: Sequence[Task], on_done: OnDone) -> None:
        """Submit every task, then hand each outcome to `on_done` as it arrives."""
        if not tasks:
            return
        import ray  # heavy: loaded on first use

        self.start()
        remote = ray.remote(_execute_packed)
        refs = {
            remote.options(
                num_cpus=task.num_cpus, num_gpus=task.num_gpus, max_retries=self.max_retries
            ).remote(task): task
            for task in tasks
        }
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                task = refs[ref]
                try:
                    outcome = ray.get(ref)
                except Exception as err:  # the task was lost more often than max_retries
                    outcome = Outcome(task.id, False, 0.0, error=f"ray: {type(err).__name__}")
                on_done(task, outcome)


@dataclass(frozen=True)
class ExecutorOptions(Flagged):
    """Where a sweep's cells run: local worker processes, or Ray tasks."""

    workers: int | None = option(
        None, "Local worker processes (default: the sweep file's, else the number of cores)."
    )
    ray: str | None = option(
        None, "Run cells as Ray tasks: 'auto' starts a local Ray, or give a cluster ADDRESS."
    )
    ray_cpus: int | None = option(None, "CPUs of a local Ray started with --ray auto.")
    ray_timeout: float = option(
        RAY_TIMEOUT, "Seconds to wait for the Ray cluster at --ray ADDRESS before giving up."
    )
    max_retries: int = option(3, "Ray: retries of a cell whose worker was lost.")

    def __post_init__(self) -> None:
        if self.workers is not None:
            validate.positive(self.workers, self.flag("workers"))
            if self.ray is not None:
                raise W2SGError(
                    f"give either {self.flag('workers')} (local) or {self.flag('ray')}, not both"
                )
        if self.ray is not None:
            ray_address(self.ray, self.flag("ray"))
        if self.ray_cpus is not None:
            validate.positive(self.ray_cpus, self.flag("ray_cpus"))
            if self.ray != "auto":
                raise W2SGError(
                    f"{self.flag('ray_cpus')} sizes a local Ray: give it with "
                    f"{self.flag('ray')} auto"
                )
        validate.number(self.ray_timeout, self.flag("ray_timeout"), low=0.0, low_open=True)
        validate.whole(self.max_retries, self.flag("max_retries"), low=0)
        for name, default in (("ray_timeout", RAY_TIMEOUT), ("max_retries", 3)):
            if self.ray is None and getattr(self, name) != default:
                raise W2SGError(
                    f"{self.flag(name)} has no effect without {self.flag('ray')}; drop it or "
                    f"add {self.flag('ray')} auto (or a cluster address)"
                )

    def executor(self, file_workers: int | None = None) -> LocalExecutor | RayExecutor:
        """The executor these options ask for (`file_workers`: the sweep file's `workers`)."""
        if self.ray is not None:
            return RayExecutor(
                self.ray,
                num_cpus=self.ray_cpus,
                max_retries=self.max_retries,
                timeout=self.ray_timeout,
            )
        return LocalExecutor(self.workers if self.workers is not None else file_workers)


def _execute_packed(task: Task) -> Outcome:
    return execute(task, pack=True)
