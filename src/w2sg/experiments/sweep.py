"""`w2sg sweep`: a grid of datasets x (weak, strong) pairs x methods x seeds, resumable.

Each cell is one run folder with its results.json; `manifest.json` records every cell's state,
duration and error, rewritten atomically after each change. A rerun skips finished cells (whose
config is unchanged), runs the rest, and retries failed ones only when asked. Shared expensive
work (activations of a model on a dataset) is warmed once per group of cells before they run.
The statistics (SPEC §1, §7 last bullet) come from `w2sg.stats`; the page from `w2sg.report`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from w2sg.errors import W2SGError
from w2sg.experiments.executors import LocalExecutor, Outcome, Task, unpack
from w2sg.experiments.methods import GridPoint, get_method
from w2sg.io import write_json

TOP_KEYS = (
    "name", "datasets", "pairs", "methods", "seeds", "baseline", "metric", "guard_margin",
    "bootstrap", "workers",
)  # fmt: skip
METRICS = ("accuracy", "auc")


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset of the grid: a name or file, its load options, per-dataset method options."""

    name: str
    label: str
    options: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodEntry:
    """One method column of the grid: a label, the registered method and its options."""

    label: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepConfig:
    """A whole sweep, as read from its YAML file (see configs/offline.yaml)."""

    name: str
    datasets: tuple[DatasetEntry, ...]
    pairs: tuple[tuple[str, str], ...]
    methods: tuple[MethodEntry, ...]
    seeds: tuple[int, ...]
    baseline: str | None = None
    metric: str = "accuracy"
    guard_margin: float = 0.01
    bootstrap: int = 10000
    workers: int | None = None

    def to_json(self) -> dict:
        return json.loads(json.dumps(dataclasses.asdict(self)))


@dataclass(frozen=True)
class Cell:
    """One grid cell: where it sits, its method's validated config, its run folder."""

    id: str
    dataset: str
    weak: str
    strong: str
    method: str
    kind: str
    seed: int
    config: Any
    rel_dir: str

    @property
    def digest(self) -> str:
        """A hash of the cell's config: a finished cell is reused only while this holds."""
        blob = json.dumps(dataclasses.asdict(self.config), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- parsing


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def _mapping(value: Any, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise W2SGError(f"{where} must be a mapping of option: value")
    return dict(value)


def _dataset(entry: Any, i: int) -> DatasetEntry:
    if isinstance(entry, str):
        return DatasetEntry(entry, _slug(Path(entry).stem if "." in entry else entry))
    if not isinstance(entry, Mapping) or "name" not in entry:
        raise W2SGError(f"datasets[{i}] must be a name or a mapping with 'name'")
    unknown = sorted(set(entry) - {"name", "label", "options", "params"})
    if unknown:
        raise W2SGError(f"datasets[{i}]: unknown key(s) {', '.join(unknown)}; "
                        "known: name, label, options, params")  # fmt: skip
    name = str(entry["name"])
    label = _slug(str(entry.get("label") or (Path(name).stem if "." in name else name)))
    return DatasetEntry(
        name, label, _mapping(entry.get("options"), f"datasets[{i}].options"),
        _mapping(entry.get("params"), f"datasets[{i}].params"),
    )  # fmt: skip


def _pair(entry: Any, i: int) -> tuple[str, str]:
    if isinstance(entry, Mapping) and set(entry) == {"weak", "strong"}:
        return str(entry["weak"]), str(entry["strong"])
    if isinstance(entry, list | tuple) and len(entry) == 2:
        return str(entry[0]), str(entry[1])
    raise W2SGError(f"pairs[{i}] must be [weak, strong] or {{weak: ..., strong: ...}}")


def _methods(raw: Any) -> tuple[MethodEntry, ...]:
    if isinstance(raw, list):
        raw = {str(m): {} for m in raw}
    if not isinstance(raw, Mapping) or not raw:
        raise W2SGError("methods must be a non-empty mapping label: {kind, params} or a list")
    out = []
    for label, body in raw.items():
        body = _mapping(body, f"methods.{label}")
        unknown = sorted(set(body) - {"kind", "params"})
        if unknown:
            raise W2SGError(f"methods.{label}: unknown key(s) {', '.join(unknown)}; "
                            "known: kind, params")  # fmt: skip
        kind = str(body.get("kind", label))
        get_method(kind)
        out.append(MethodEntry(_slug(str(label)), kind, _mapping(body.get("params"), label)))
    return tuple(out)


def parse_sweep(raw: Mapping[str, Any], default_name: str = "sweep") -> SweepConfig:
    """A SweepConfig from the YAML's mapping; every unknown key or name is one clear error."""
    if not isinstance(raw, Mapping):
        raise W2SGError("a sweep file must hold a mapping (name, datasets, pairs, methods, seeds)")
    unknown = sorted(set(raw) - set(TOP_KEYS))
    if unknown:
        raise W2SGError(f"unknown sweep key(s) {', '.join(unknown)}; known: {', '.join(TOP_KEYS)}")
    for key in ("datasets", "pairs", "methods", "seeds"):
        if not raw.get(key):
            raise W2SGError(f"the sweep file needs a non-empty {key!r}")
    datasets = tuple(_dataset(d, i) for i, d in enumerate(_list(raw["datasets"], "datasets")))
    pairs = tuple(_pair(p, i) for i, p in enumerate(_list(raw["pairs"], "pairs")))
    seeds = _list(raw["seeds"], "seeds")
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise W2SGError(f"seeds must be whole numbers, got {seeds}")
    _unique([d.label for d in datasets], "dataset label")
    methods = _methods(raw["methods"])
    _unique([m.label for m in methods], "method label")
    config = SweepConfig(
        name=_slug(str(raw.get("name", default_name))),
        datasets=datasets,
        pairs=pairs,
        methods=methods,
        seeds=tuple(seeds),
        baseline=raw.get("baseline"),
        metric=str(raw.get("metric", "accuracy")),
        guard_margin=float(raw.get("guard_margin", 0.01)),
        bootstrap=int(raw.get("bootstrap", 10000)),
        workers=raw.get("workers"),
    )
    if config.metric not in METRICS:
        raise W2SGError(f"metric must be one of {', '.join(METRICS)}; not {config.metric!r}")
    labels = [m.label for m in methods]
    if config.baseline is not None and config.baseline not in labels:
        raise W2SGError(f"baseline {config.baseline!r} is not a method; methods: {labels}")
    if config.guard_margin < 0:
        raise W2SGError(f"guard_margin must be >= 0, got {config.guard_margin}")
    return config


def _list(value: Any, key: str) -> list:
    if not isinstance(value, list):
        raise W2SGError(f"{key} must be a list")
    return value


def _unique(values: list[str], what: str) -> None:
    seen = {v for v in values if values.count(v) > 1}
    if seen:
        raise W2SGError(f"{what}s must be unique; repeated: {', '.join(sorted(seen))}")


def load_sweep(path: str | Path) -> SweepConfig:
    """Read and validate a sweep YAML file."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise W2SGError(f"no such sweep file: {path}")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise W2SGError(f"{path} is not valid YAML: {str(err).splitlines()[0]}") from None
    return parse_sweep(raw, default_name=path.stem)


def check_names(config: SweepConfig) -> None:
    """Every dataset and model exists (before any work); one error names the bad one."""
    from w2sg.data import list_datasets
    from w2sg.data.files import looks_like_file
    from w2sg.models import resolve_model

    known = {info.name for info in list_datasets()}
    for d in config.datasets:
        if d.name in known:
            continue
        if looks_like_file(d.name) and Path(d.name).is_file():
            continue
        raise W2SGError(f"unknown dataset {d.name!r} (and no such file); see `w2sg data list`")
    for model in sorted({m for pair in config.pairs for m in pair}):
        resolve_model(model)


def plan_cells(config: SweepConfig) -> list[Cell]:
    """Every cell of the grid with its validated config, in a stable order."""
    cells = []
    for d in config.datasets:
        for weak, strong in config.pairs:
            pair = f"{_slug(weak)}__{_slug(strong)}"
            for m in config.methods:
                method = get_method(m.kind)
                for seed in config.seeds:
                    cell_id = f"{d.label}/{pair}/{m.label}/seed{seed}"
                    point = GridPoint(d.name, weak, strong, seed, dict(d.options))
                    try:
                        cfg = method.make_config(point, {**m.params, **d.params})
                    except W2SGError as err:
                        raise W2SGError(f"cell {cell_id}: {err}") from None
                    cells.append(Cell(cell_id, d.label, weak, strong, m.label, m.kind, seed,
                                      cfg, f"cells/{cell_id}"))  # fmt: skip
    return cells


# --------------------------------------------------------------------------- the manifest


class Manifest:
    """manifest.json: every cell's state (pending, running, done, failed), duration, error."""

    def __init__(self, path: Path, data: dict) -> None:
        self.path = path
        self.data = data

    @classmethod
    def open(cls, path: Path, config: SweepConfig, cells: list[Cell]) -> Manifest:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
        old = data.get("cells", {})
        entries = {}
        for c in cells:
            prev = old.get(c.id, {})
            entry = {
                "dir": c.rel_dir, "dataset": c.dataset, "weak": c.weak, "strong": c.strong,
                "method": c.method, "kind": c.kind, "seed": c.seed, "digest": c.digest,
                "state": "pending", "attempts": prev.get("attempts", 0), "duration_s": None,
                "error": None,
            }  # fmt: skip
            results = path.parent / c.rel_dir / "results.json"
            if prev.get("digest") == c.digest and prev.get("state") in ("done", "failed"):
                if prev["state"] == "failed" or results.is_file():
                    entry.update({k: prev.get(k) for k in ("state", "duration_s", "error")})
            entries[c.id] = entry
        manifest = cls(path, {"sweep": config.name, "config": config.to_json(),
                              "cells": entries, "warm": data.get("warm", {})})  # fmt: skip
        manifest.save()
        return manifest

    def cell(self, cell_id: str) -> dict:
        return self.data["cells"][cell_id]

    def save(self) -> None:
        write_json(self.path, self.data)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for entry in self.data["cells"].values():
            out[entry["state"]] = out.get(entry["state"], 0) + 1
        return out


# --------------------------------------------------------------------------- running


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


def cells_to_run(manifest: Manifest, cells: list[Cell], retry_failed: bool) -> list[Cell]:
    """Cells not finished yet (and failed ones only with `retry_failed`)."""
    todo = []
    for c in cells:
        state = manifest.cell(c.id)["state"]
        if state == "done" or (state == "failed" and not retry_failed):
            continue
        todo.append(c)
    return todo


def warm_tasks(cells: list[Cell], threads: int, log_dir: Path | None = None) -> list[Task]:
    """One warm-up task per group of cells sharing the same expensive work."""
    groups: dict[tuple, list[Cell]] = {}
    for c in cells:
        method = get_method(c.kind)
        if method.warm is None:
            continue
        key = (c.kind, method.warm_key(c.config) if method.warm_key else c.id)
        groups.setdefault(key, []).append(c)
    tasks = []
    for i, (key, group) in enumerate(groups.items()):
        configs = list({c.digest: c.config for c in group}.values())  # each config once
        label = f"warm{i}:{group[0].dataset}/{group[0].weak}__{group[0].strong}"
        tasks.append(Task(label, "warm", key[0], tuple(configs),
                          None if log_dir is None else str(log_dir), threads=threads))
    return tasks


def run_sweep(
    config: SweepConfig,
    out_dir: str | Path,
    *,
    executor: Any = None,
    retry_failed: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = print,
    check: bool = True,
) -> SweepRun:
    """Run every unfinished cell of `config` into `out_dir`, then aggregate and report."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    if check:
        check_names(config)
    cells = plan_cells(config)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "sweep.json", config.to_json())
    manifest = Manifest.open(out / "manifest.json", config, cells)
    executor = executor or LocalExecutor(config.workers)
    todo = cells_to_run(manifest, cells, retry_failed)
    log(f"sweep {config.name}: {len(cells)} cells, {len(todo)} to run "
        f"({len(cells) - len(todo)} finished or failed), executor {executor.name}")  # fmt: skip

    t_warm = time.perf_counter()
    warm = warm_tasks(todo, _threads(executor), out / "logs")
    if warm:
        log(f"warming shared activations: {len(warm)} group(s)")
        executor.run(warm, lambda task, outcome: _record_warm(manifest, task, outcome, log))
    warm_s = time.perf_counter() - t_warm

    t_cells = time.perf_counter()
    _run_cells(todo, manifest, executor, out, progress)
    cells_s = time.perf_counter() - t_cells

    from w2sg.experiments.sweep_report import write_sweep_outputs

    write_sweep_outputs(out, config, manifest.data)
    counts = manifest.counts()
    log(f"sweep {config.name}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return SweepRun(out, counts, len(todo), len(cells) - len(todo), warm_s, cells_s,
                    time.perf_counter() - t0)  # fmt: skip


def _threads(executor: Any) -> int:
    return int(getattr(executor, "threads", 1))


def _record_warm(manifest: Manifest, task: Task, outcome: Outcome, log) -> None:
    manifest.data["warm"][task.id] = {
        "ok": outcome.ok, "duration_s": round(outcome.duration_s, 3), "error": outcome.error,
    }  # fmt: skip
    manifest.save()
    if not outcome.ok:
        log(f"warm-up {task.id} failed: {outcome.error} (its cells will report it)")


def _run_cells(todo: list[Cell], manifest: Manifest, executor, out: Path, progress: bool):
    from tqdm import tqdm

    by_id = {c.id: c for c in todo}
    tasks = []
    for c in todo:
        method = get_method(c.kind)
        entry = manifest.cell(c.id)
        entry.update(state="running", attempts=entry["attempts"] + 1, error=None)
        tasks.append(Task(c.id, "cell", c.kind, (c.config,), str(out / f"{c.rel_dir}.partial"),
                          threads=_threads(executor), num_cpus=method.num_cpus,
                          num_gpus=method.num_gpus))  # fmt: skip
    manifest.save()
    bar = tqdm(total=len(tasks), desc="cells", unit="cell", disable=not progress)

    def done(task: Task, outcome: Outcome) -> None:
        cell = by_id[task.id]
        entry = manifest.cell(cell.id)
        final = out / cell.rel_dir
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
        manifest.save()
        bar.set_postfix_str(f"{cell.id} {entry['state']}", refresh=False)
        bar.update(1)

    try:
        executor.run(tasks, done)
    finally:
        bar.close()
