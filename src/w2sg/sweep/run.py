"""`w2sg sweep`: run every unfinished cell of a sweep, then its table, statistics and page.

Shared expensive work (activations of a model on a dataset) is warmed once per group of cells
before they run; each cell is one run folder with its results.json (docs/methods.md#sweeps).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from w2sg import validate
from w2sg.io import write_json
from w2sg.models.load import pick_device
from w2sg.sweep.grid import Cell, SweepConfig, check_names, plan_cells
from w2sg.sweep.local import LocalExecutor
from w2sg.sweep.manifest import Manifest, cells_to_run
from w2sg.sweep.methods import get_method
from w2sg.sweep.outputs import write_sweep_outputs
from w2sg.sweep.tasks import Outcome, Task, unpack


@dataclass(frozen=True)
class SweepRun:
    """What `run_sweep` did: the folder, the manifest's counts, the timings."""

    out_dir: Path
    counts: dict[str, int]
    ran: int
    skipped: int
    warm_s: float
    cells_s: float
    total_s: float


def warm_tasks(cells: list[Cell], threads: int, log_dir: Path | None = None) -> list[Task]:
    """One warm-up task per group of cells sharing the same expensive work.

    Methods whose warm-up covers another's (`Method.warm_first`: the interventions extract the
    strong model's layers the study reads too) warm every dataset first, so the others' warm-ups
    find their activations stored instead of extracting them at the same time."""
    groups: dict[tuple, list[Cell]] = {}
    for c in cells:
        method = get_method(c.kind)
        if method.warm is None:
            continue
        key = (c.kind, method.warm_key(c.config) if method.warm_key else c.id)
        groups.setdefault(key, []).append(c)
    ordered = sorted(groups.items(), key=lambda kv: not get_method(kv[0][0]).warm_first)
    tasks = []
    for i, (key, group) in enumerate(ordered):
        configs = _merge_seeds(list({c.digest: c.config for c in group}.values()))
        label = f"warm{i}:{group[0].dataset}/{group[0].weak}__{group[0].strong}"
        tasks.append(
            Task(
                label,
                "warm",
                key[0],
                tuple(configs),
                None if log_dir is None else str(log_dir),
                threads=threads,
            )
        )
    return tasks


def _merge_seeds(configs: list[Any]) -> list[Any]:
    """Configs that differ only in their seeds, as one config with all of them: the warm-up
    reads (or extracts) each row once, not once per seed. Extraction does not depend on which
    rows run together (docs/methods.md#activations), so the stored vectors are the same."""
    merged: dict[str, list[Any]] = {}
    for config in configs:
        if not (is_dataclass(config) and hasattr(config, "seeds")):
            merged[repr(config)] = [config]
            continue
        rest = [(f.name, getattr(config, f.name)) for f in fields(config) if f.name != "seeds"]
        merged.setdefault(repr(rest), []).append(config)
    out = []
    for same in merged.values():
        seeds = tuple(sorted({s for c in same for s in c.seeds})) if len(same) > 1 else None
        out.append(replace(same[0], seeds=seeds) if seeds else same[0])
    return out


def run_sweep(
    config: SweepConfig,
    out_dir: str | Path,
    *,
    executor: Any = None,
    workers: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = print,
    check: bool = True,
) -> SweepRun:
    """Run every unfinished cell of `config` into `out_dir`, then aggregate and report.

    Cells run in `workers` local processes (default: the sweep's own `workers`, else one per
    core), or on `executor` (e.g. `RayExecutor`) when one is given.

    Example::

        run = w2sg.run_sweep(w2sg.load_sweep("configs/offline.yaml"), "runs/sweeps/offline")
        run.counts  # cells done / failed; the folder holds the table and the report
    """
    validate.instance(config, SweepConfig, "config", "w2sg.load_sweep or w2sg.parse_sweep")
    t0 = time.perf_counter()
    out = validate.output_dir(validate.path_like(out_dir, "out_dir"), "out_dir")
    if check:
        check_names(config)
    cells = plan_cells(config)
    executor = executor or LocalExecutor(workers if workers is not None else config.workers)
    if isinstance(executor, LocalExecutor):  # its cells run here: their devices must exist
        for device in sorted({str(getattr(c.config, "device", "cpu")) for c in cells}):
            if device != "auto":  # it names a device that exists (resolving it loads torch)
                pick_device(device)
    getattr(executor, "connect", lambda: None)()  # Ray: fails before anything is written
    manifest = Manifest.load(out / "manifest.json", config, cells)  # checks an existing one
    todo = cells_to_run(manifest, cells, retry_failed)
    # Local workers are spawned here, after every check: they load their libraries (seconds)
    # while this process writes the manifest and loads its own for the first task.
    with _held(executor, todo):  # one pool of workers for the warm-up and the cells
        write_json(out / "sweep.json", config.to_json())
        manifest.begin_run(len(todo), executor.name)  # writes the manifest
        log(
            f"sweep {config.name}: {len(cells)} cells, {len(todo)} to run "
            f"({len(cells) - len(todo)} finished or failed), executor {executor.name}"
        )
        warm_s = _warm(todo, manifest, executor, out, log)
        t_cells = time.perf_counter()
        _run_cells(todo, manifest, executor, out, progress)
        cells_s = time.perf_counter() - t_cells

    write_sweep_outputs(out, config, manifest.data)
    manifest.end_run()
    counts = manifest.counts()
    log(f"sweep {config.name}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return SweepRun(
        out, counts, len(todo), len(cells) - len(todo), warm_s, cells_s, time.perf_counter() - t0
    )


def _warm(todo: list[Cell], manifest: Manifest, executor: Any, out: Path, log) -> float:
    """Run the warm-ups of `todo`'s groups; record and return their time."""
    t0 = time.perf_counter()
    warm = warm_tasks(todo, _threads(executor), out / "logs")
    if warm:
        log(f"warming shared activations: {len(warm)} group(s)")
        executor.run(warm, lambda task, outcome: _record_warm(manifest, task, outcome, log))
    warm_s = time.perf_counter() - t0
    manifest.note_run(warm_s=round(warm_s, 3))
    return warm_s


def _held(executor: Any, todo: list[Cell]) -> contextlib.AbstractContextManager:
    """The executor as a context (its workers live inside it); a no-op with nothing to run."""
    if todo and hasattr(executor, "__enter__"):
        return executor
    return contextlib.nullcontext(executor)


def _threads(executor: Any) -> int:
    return int(getattr(executor, "threads", 1))


def _record_warm(manifest: Manifest, task: Task, outcome: Outcome, log) -> None:
    manifest.data["warm"][task.id] = {
        "ok": outcome.ok,
        "duration_s": round(outcome.duration_s, 3),
        "error": outcome.error,
    }
    manifest.save()
    if not outcome.ok:
        log(f"warm-up {task.id} failed: {outcome.error} (its cells will report it)")


def _run_cells(todo: list[Cell], manifest: Manifest, executor, out: Path, progress: bool):
    by_id = {c.id: c for c in todo}
    tasks = []
    for c in todo:
        method = get_method(c.kind)
        entry = manifest.cell(c.id)
        entry.update(state="running", attempts=entry["attempts"] + 1, error=None)
        tasks.append(
            Task(
                c.id,
                "cell",
                c.kind,
                (c.config,),
                str(out / f"{c.rel_dir}.partial"),
                threads=_threads(executor),
                num_cpus=method.num_cpus,
                num_gpus=method.num_gpus,
            )
        )
    manifest.save()
    bar = tqdm(total=len(tasks), desc="cells", unit="cell", disable=not progress)

    def done(task: Task, outcome: Outcome) -> None:
        cell = by_id[task.id]
        entry = manifest.cell(cell.id)
        final = out / cell.rel_dir
        assert task.out_dir is not None  # every cell task above has one
        partial = Path(task.out_dir)
        if outcome.ok:
            if outcome.files:
                shutil.rmtree(partial, ignore_errors=True)
                unpack(outcome.files, partial)
            shutil.rmtree(final, ignore_errors=True)
            partial.rename(final)
            entry.update(state="done", error=None)
        else:
            entry.update(state="failed", error=outcome.error)
            if outcome.traceback:
                partial.mkdir(parents=True, exist_ok=True)
                (partial / "error.txt").write_text(outcome.traceback)
        entry["duration_s"] = round(outcome.duration_s, 3)
        entry["worker"] = outcome.worker
        manifest.save()
        bar.set_postfix_str(f"{cell.id} {entry['state']}", refresh=False)
        bar.update(1)

    try:
        executor.run(tasks, done)
    finally:
        bar.close()
