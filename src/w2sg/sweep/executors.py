"""Where sweep cells run: worker processes on this machine (`local`) or Ray tasks (`ray`).

Under Ray, a cell runs into a temporary folder on whichever node takes it and its files
travel back with the outcome, so results land in the driver's sweep folder even on a cluster
without a shared disk.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from w2sg import validate
from w2sg.errors import W2SGError
from w2sg.options import Flagged, option
from w2sg.sweep.local import LocalExecutor
from w2sg.sweep.tasks import OnDone, Outcome, Task, execute

__all__ = ["ExecutorOptions", "LocalExecutor", "RayExecutor"]


class RayExecutor:
    """Cells as Ray tasks with their CPU/GPU needs; a lost worker's task is retried."""

    name = "ray"

    def __init__(
        self, address: str = "auto", num_cpus: int | None = None, max_retries: int = 3
    ) -> None:
        try:
            import ray  # noqa: F401
        except ImportError:
            raise W2SGError(
                "the ray executor needs Ray: pip install 'w2sg[ray]' (or drop --ray)"
            ) from None
        self.address = address
        self.num_cpus = num_cpus
        self.max_retries = max_retries

    def _init(self) -> None:
        import ray  # heavy: loaded on first use

        if ray.is_initialized():
            return
        env = {k: v for k, v in os.environ.items() if k.startswith("W2SG_") or k == "PYTHONPATH"}
        options: dict[str, Any] = {
            "runtime_env": {"env_vars": env},
            "log_to_driver": False,
            "configure_logging": False,
        }
        if self.address == "auto":
            options.update(include_dashboard=False, num_cpus=self.num_cpus)
            ray.init(**options)  # a local Ray on this machine
        else:
            ray.init(address=self.address, **options)

    def run(self, tasks: Sequence[Task], on_done: OnDone) -> None:
        """Submit every task, then hand each outcome to `on_done` as it arrives."""
        if not tasks:
            return
        import ray  # heavy: loaded on first use

        self._init()
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
    max_retries: int = option(3, "Ray: retries of a cell whose worker was lost.")

    def __post_init__(self) -> None:
        if self.workers is not None:
            validate.positive(self.workers, self.flag("workers"))
            if self.ray is not None:
                raise W2SGError("give either --workers (local) or --ray, not both")
        if self.ray_cpus is not None:
            validate.positive(self.ray_cpus, self.flag("ray_cpus"))
            if self.ray != "auto":
                raise W2SGError("--ray-cpus sizes a local Ray: give it with --ray auto")
        validate.whole(self.max_retries, self.flag("max_retries"), low=0)

    def executor(self, file_workers: int | None = None) -> LocalExecutor | RayExecutor:
        """The executor these options ask for (`file_workers`: the sweep file's `workers`)."""
        if self.ray is not None:
            return RayExecutor(self.ray, num_cpus=self.ray_cpus, max_retries=self.max_retries)
        return LocalExecutor(self.workers if self.workers is not None else file_workers)


def _execute_packed(task: Task) -> Outcome:
    return execute(task, pack=True)
