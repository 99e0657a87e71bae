"""How the local executor shares tasks between this process and workers still starting."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

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
    ran, hooks = where
    started: Future = Future()
    started.set_result(None)
    gate = threading.Event()
    hooks["t0"] = hooks["t1"] = lambda: gate.wait(5)  # the first tasks wait for each other
    hooks["t2"] = gate.set
    with ThreadPoolExecutor(1) as pool:
        local._share(pool, 1, _tasks(6), lambda t, o: None, ready=[started])
    assert set(ran) == {f"t{i}" for i in range(6)}
    assert {"here", "pool"} <= set(ran.values())


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
