"""Where sweep cells run: worker processes on this machine (`local`) or Ray tasks (`ray`).

Under Ray, a cell runs into a temporary folder on whichever node takes it and its files
travel back with the outcome, so results land in the driver's sweep folder even on a cluster
without a shared disk.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from w2sg import validate
from w2sg.errors import W2SGError
from w2sg.options import Flagged, option
from w2sg.sweep.cluster import RAY_TIMEOUT, bounded, ray_address, wait_for_cluster
from w2sg.sweep.local import LocalExecutor
from w2sg.sweep.tasks import OnDone, Outcome, Task, execute

__all__ = ["ExecutorOptions", "LocalExecutor", "RayExecutor"]


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

    def connect(self) -> None:
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

        self.connect()
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
        defaults = {f.name: f.default for f in fields(self)}
        for name in ("ray_timeout", "max_retries"):
            if self.ray is None and getattr(self, name) != defaults[name]:
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
