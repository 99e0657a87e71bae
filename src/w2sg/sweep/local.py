"""The local executor: this process and spawned worker processes share a sweep's tasks."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from w2sg import validate
from w2sg.sweep.tasks import OnDone, Outcome, Task, die_with_parent, execute, set_threads


class LocalExecutor:
    """Worker processes on this machine: this process and `workers - 1` spawned ones.

    This process runs tasks too, so work starts at once while the spawned workers load
    Python, torch and the libraries (seconds each). Used as a context manager, the spawned
    workers live from `__enter__` to `__exit__`, so a sweep's warm-up and all its cells share
    them and each pays its start-up once. Without the `with`, each `run` starts its own.
    Every task runs with the same number of threads wherever it runs, so its numbers do not
    depend on which worker took it.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        cores = os.cpu_count() or 1
        if workers is not None:
            validate.positive(workers, "workers")
        self.workers = min(workers or cores, cores)
        self.threads = max(1, cores // self.workers)
        self._pool: ProcessPoolExecutor | None = None
        self._ready: list[Future] = []  # one no-op task per spawned worker: done once it runs

    def __enter__(self) -> LocalExecutor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Spawn the other workers now (they load their libraries while this one works)."""
        if self.workers == 1 or self._pool is not None:
            return
        context = multiprocessing.get_context("spawn")
        helpers = self.workers - 1
        self._pool = ProcessPoolExecutor(
            helpers, mp_context=context, initializer=_worker_start, initargs=(self.threads,)
        )
        # spawn every worker at once, not on first demand
        self._ready = [self._pool.submit(_ready) for _ in range(helpers)]

    def close(self) -> None:
        """Stop the spawned workers. Every task has been collected by `run` (or the sweep is
        being stopped, and a cell's folder is only moved in place once it is done), so a worker
        has nothing to finish: it is terminated, not left to tear torch down (about a second
        that Python would wait for before this process exits)."""
        if self._pool is not None:
            pool, self._pool, self._ready = self._pool, None, []
            processes = _processes(pool) if TERMINATE_WORKERS else []
            pool.shutdown(wait=False, cancel_futures=True)  # forgets its processes
            for process in processes:
                with contextlib.suppress(Exception):  # already gone
                    process.terminate()

    def run(self, tasks: Sequence[Task], on_done: OnDone) -> None:
        """Run `tasks`, calling `on_done` in this process as each one finishes."""
        if not tasks:
            return
        if self.workers == 1:
            for task in tasks:
                on_done(task, _execute_here(task))
            return
        own = self._pool is None
        self.start()
        assert self._pool is not None  # started above
        try:
            _share(self._pool, self.workers - 1, tasks, on_done, self._ready)
        except BaseException:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            raise
        if own:
            self.close()


# Terminating the workers reads ProcessPoolExecutor's private `_processes`; with the switch off
# (or without that attribute) they exit on their own, as before.
TERMINATE_WORKERS = True


def _processes(pool: ProcessPoolExecutor) -> list:
    processes = getattr(pool, "_processes", None)
    return list(processes.values()) if isinstance(processes, dict) else []


def _execute_here(task: Task) -> Outcome:
    """`execute(task)` in this process, leaving torch's thread count as it was."""
    import torch  # heavy: loaded on first use

    threads = torch.get_num_threads()
    try:
        return execute(task)
    finally:
        torch.set_num_threads(threads)


def _share(
    pool: ProcessPoolExecutor,
    helpers: int,
    tasks: Sequence[Task],
    on_done: OnDone,
    ready: Sequence[Future] = (),
) -> None:
    """Run `tasks` on `pool` and in this process, whichever is free, until all are done.

    Each started worker holds one task at a time and none waits in the pool, so this process
    takes every other task and the last ones are never stuck behind a busy worker. A thread
    here hands a worker its next task the moment its last one ends, even while this process
    is busy with a long task. A worker counts as started once one of the `ready` futures is
    done: until then no task waits for it (a spawned worker needs seconds to load its
    libraries, longer than a warm-up check or a small cell).
    """
    shared = _Shared(pool, helpers, tasks, ready)
    threading.Thread(target=shared.keep_fed, daemon=True).start()
    try:
        while True:
            task = shared.take()
            if task is not None:
                on_done(task, _execute_here(task))
                shared.collect(0, on_done)
            elif shared.running:
                shared.collect(None, on_done)
            else:
                return
    finally:
        shared.stopped = True


class _Shared:
    """The tasks of one `_share`: a queue, the pool's running ones, and a lock, because a
    thread feeds the pool while this process runs tasks."""

    def __init__(
        self,
        pool: ProcessPoolExecutor,
        helpers: int,
        tasks: Sequence[Task],
        ready: Sequence[Future],
    ) -> None:
        self.pool, self.helpers, self.ready = pool, helpers, ready
        self.queue = deque(tasks)
        self.running: dict[Future, Task] = {}  # submitted, not yet collected (maybe done)
        self.lock = threading.Lock()
        self.stopped = False  # this process is done, or the pool is gone

    def feed(self) -> None:
        """Give each started worker that has no task one from the queue."""
        with self.lock:
            started = sum(f.done() for f in self.ready) if self.ready else self.helpers
            busy = sum(not f.done() for f in self.running)
            while self.queue and busy < started:
                task = self.queue.popleft()
                try:
                    self.running[self.pool.submit(execute, task)] = task
                except (BrokenProcessPool, RuntimeError):  # the pool is gone or shut down:
                    self.queue.appendleft(task)  # this process runs the rest
                    self.stopped = True
                    return
                busy += 1

    def keep_fed(self) -> None:
        """Feed the pool as workers start and as their tasks end, until the queue is empty."""
        while not self.stopped:
            self.feed()
            with self.lock:
                pending = [f for f in (*self.running, *self.ready) if not f.done()]
                if not self.queue or not pending:
                    return
            wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)

    def take(self) -> Task | None:
        with self.lock:
            return self.queue.popleft() if self.queue else None

    def collect(self, timeout: float | None, on_done: OnDone) -> None:
        with self.lock:
            pending = list(self.running)
        done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            with self.lock:
                task = self.running.pop(future)
            on_done(task, _outcome(future, task))


def _outcome(future: Future, task: Task) -> Outcome:
    try:
        return future.result()
    except BrokenProcessPool:
        return Outcome(
            task.id, False, 0.0, error="the worker process died (killed or out of memory)"
        )


def _worker_start(threads: int) -> None:
    """A worker's start-up: die with the sweep, size torch's threads, load the libraries."""
    die_with_parent()
    set_threads(threads)
    import sklearn.metrics  # noqa: F401  heavy: loaded before the first cell arrives

    from w2sg.report.plotting import pyplot  # heavy: as above

    pyplot()


def _ready() -> None:
    """A no-op task: submitting one per worker makes the pool spawn them all at once."""
