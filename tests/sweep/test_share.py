"""How the local executor shares tasks between this process and workers still starting."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

import pytest

from w2sg.sweep import local
from w2sg.sweep.tasks import Outcome, Task


@pytest.fixture()
def where(monkeypatch):
    """Tasks run by id: 'here' (this process) or 'pool' (a worker), recorded in order."""
    ran: dict[str, str] = {}
    hooks: dict[str, object] = {}

    def run(task: Task, place: str) -> Outcome:
        ran[task.id] = place
        hook = hooks.get(task.id)
        if callable(hook):
            hook()
        return Outcome(task.id, True, 0.0)

    monkeypatch.setattr(local, "_execute_here", lambda task: run(task, "here"))
    monkeypatch.setattr(local, "execute", lambda task: run(task, "pool"))
    return ran, hooks


def _tasks(n: int) -> list[Task]:
    return [Task(f"t{i}", "cell", "study", ()) for i in range(n)]


def test_no_task_waits_for_a_worker_that_has_not_started(where):
    ran, _ = where
    done: list[str] = []
    with ThreadPoolExecutor(1) as pool:
        local._share(pool, 1, _tasks(5), lambda t, o: done.append(t.id), ready=[Future()])
    assert ran == {f"t{i}": "here" for i in range(5)} and sorted(done) == sorted(ran)


def test_a_started_worker_shares_the_tasks(where):
    """The first two tasks wait for each other: they can only end if both places run one."""
    ran, hooks = where
    started: Future = Future()
    started.set_result(None)
    both = threading.Barrier(2, timeout=5)
    hooks["t0"] = hooks["t1"] = both.wait
    with ThreadPoolExecutor(1) as pool:
        local._share(pool, 1, _tasks(6), lambda t, o: None, ready=[started])
    assert set(ran) == {f"t{i}" for i in range(6)}
    assert {ran["t0"], ran["t1"]} == {"here", "pool"} and not both.broken


class _CallQueue:
    """A pool like a process pool: a submitted task counts as running at once (it sits in the
    pool's call queue), so it can no longer be taken back."""

    def __init__(self) -> None:
        self.thread = ThreadPoolExecutor(1)

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        future.set_running_or_notify_cancel()

        def run() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as e:  # noqa: BLE001  handed to the caller as the pool does
                future.set_exception(e)

        self.thread.submit(run)
        return future


def test_the_last_task_is_not_stuck_behind_a_busy_worker(monkeypatch):
    """A worker holds one task at a time: while it is busy with a long one, this process runs
    every other task, including the last, instead of waiting behind the worker's queue."""
    here: list[str] = []
    pool_ran: list[str] = []
    all_here = threading.Event()

    def in_pool(task: Task) -> Outcome:  # the worker's one task ends once the rest ran here
        pool_ran.append(task.id)
        all_here.wait(5)
        return Outcome(task.id, True, 0.0)

    def in_here(task: Task) -> Outcome:
        here.append(task.id)
        if len(here) == 4:
            all_here.set()
        return Outcome(task.id, True, 0.0)

    monkeypatch.setattr(local, "execute", in_pool)
    monkeypatch.setattr(local, "_execute_here", in_here)
    started: Future = Future()
    started.set_result(None)
    done: list[str] = []
    pool = _CallQueue()
    local._share(pool, 1, _tasks(5), lambda t, o: done.append(t.id), ready=[started])  # type: ignore[arg-type]
    pool.thread.shutdown()
    assert len(pool_ran) == 1 and len(here) == 4 and all_here.is_set()
    assert sorted(done) == sorted(pool_ran + here)


def test_a_worker_that_starts_during_a_long_task_gets_work_at_once(where):
    """This process is busy with t0 when the worker starts: the worker takes t1.. meanwhile."""
    ran, hooks = where
    starting: Future = Future()

    def long_task() -> None:
        starting.set_result(None)  # the worker is up now
        deadline = time.monotonic() + 10
        while "t1" not in ran and time.monotonic() < deadline:
            time.sleep(0.01)

    hooks["t0"] = long_task
    with ThreadPoolExecutor(1) as pool:
        local._share(pool, 1, _tasks(3), lambda t, o: None, ready=[starting])
    assert ran["t0"] == "here" and ran["t1"] == "pool"


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no worker is spawned")
@pytest.mark.parametrize("terminate", [True, False])
def test_closing_stops_the_workers_with_or_without_terminating_them(monkeypatch, terminate):
    """Terminating idle workers (the switch on) reads the pool's private `_processes`; with
    it off they exit on their own. Either way none is left running."""
    monkeypatch.setattr(local, "TERMINATE_WORKERS", terminate)
    executor = local.LocalExecutor(2)
    executor.start()
    wait(executor._ready)
    assert executor._pool is not None
    processes = list(executor._pool._processes.values())
    executor.close()
    deadline = time.monotonic() + 60  # the pool's own thread reaps them: poll, don't join
    while any(p.exitcode is None for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    codes = [p.exitcode for p in processes]
    assert codes == ([-signal.SIGTERM] if terminate else [0])
