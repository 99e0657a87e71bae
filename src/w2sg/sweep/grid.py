"""A sweep file: a grid of datasets x (weak, strong) pairs x methods x seeds, and its cells.

`load_sweep` reads and checks the YAML file; `plan_cells` gives every cell with its method's
validated config, in a stable order (docs/methods.md#sweeps). A dataset may name its own
pairs (its weak model chosen on val), and a method may name its own pairs and the datasets it
runs on (weak supervision only where label functions exist).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from w2sg.data import list_datasets
from w2sg.data.files import looks_like_file
from w2sg.errors import W2SGError
from w2sg.io import slug
from w2sg.models import resolve_model
from w2sg.sweep.methods import GridPoint, get_method

TOP_KEYS = (
    "name",
    "datasets",
    "pairs",
    "methods",
    "seeds",
    "baseline",
    "metric",
    "guard_margin",
    "bootstrap",
    "workers",
)
METRICS = ("accuracy", "auc")


Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset of the grid: a name or file, its load options, per-dataset method options,
    and its own (weak, strong) pairs when they differ from the sweep's."""

    name: str
    label: str
    options: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    pairs: Pairs | None = None


@dataclass(frozen=True)
class MethodEntry:
    """One method column of the grid: a label, the registered method and its options; its own
    pairs (winning over the dataset's and the sweep's) and the dataset labels it runs on
    (None: every dataset)."""

    label: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    pairs: Pairs | None = None
    datasets: tuple[str, ...] | None = None


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

    def pairs_of(self, dataset: DatasetEntry, method: MethodEntry) -> Pairs:
        """The (weak, strong) pairs of one dataset and method: the method's own, else the
        dataset's own, else the sweep's."""
        return method.pairs or dataset.pairs or self.pairs

    def runs_on(self, dataset: DatasetEntry, method: MethodEntry) -> bool:
        """Whether `method` has cells on `dataset` (its `datasets` list, when it has one)."""
        return method.datasets is None or dataset.label in method.datasets


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


def _mapping(value: Any, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise W2SGError(f"{where} must be a mapping of option: value")
    return dict(value)


def _dataset(entry: Any, i: int) -> DatasetEntry:
    if isinstance(entry, str):
        return DatasetEntry(entry, slug(Path(entry).stem if "." in entry else entry))
    if not isinstance(entry, Mapping) or "name" not in entry:
        raise W2SGError(f"datasets[{i}] must be a name or a mapping with 'name'")
    unknown = sorted(set(entry) - {"name", "label", "options", "params", "pairs"})
    if unknown:
        raise W2SGError(
            f"datasets[{i}]: unknown key(s) {', '.join(unknown)}; "
            "known: name, label, options, params, pairs"
        )
    name = str(entry["name"])
    label = slug(str(entry.get("label") or (Path(name).stem if "." in name else name)))
    return DatasetEntry(
        name,
        label,
        _mapping(entry.get("options"), f"datasets[{i}].options"),
        _mapping(entry.get("params"), f"datasets[{i}].params"),
        _pairs(entry.get("pairs"), f"datasets[{i}].pairs"),
    )


def _pair(entry: Any, where: str) -> tuple[str, str]:
    if isinstance(entry, Mapping) and set(entry) == {"weak", "strong"}:
        return str(entry["weak"]), str(entry["strong"])
    if isinstance(entry, list | tuple) and len(entry) == 2:
        return str(entry[0]), str(entry[1])
    raise W2SGError(f"{where} must be [weak, strong] or {{weak: ..., strong: ...}}")


def _pairs(raw: Any, where: str) -> Pairs | None:
    """A list of (weak, strong) pairs, or None when not given."""
    if raw is None:
        return None
    pairs = tuple(_pair(p, f"{where}[{i}]") for i, p in enumerate(_list(raw, where)))
    if not pairs:
        raise W2SGError(f"{where} must hold at least one [weak, strong] pair")
    return pairs


def _methods(raw: Any) -> tuple[MethodEntry, ...]:
    if isinstance(raw, list):
        raw = {str(m): {} for m in raw}
    if not isinstance(raw, Mapping) or not raw:
        raise W2SGError("methods must be a non-empty mapping label: {kind, params} or a list")
    out = []
    for label, body in raw.items():
        body = _mapping(body, f"methods.{label}")
        unknown = sorted(set(body) - {"kind", "params", "pairs", "datasets"})
        if unknown:
            raise W2SGError(
                f"methods.{label}: unknown key(s) {', '.join(unknown)}; "
                "known: kind, params, pairs, datasets"
            )
        kind = str(body.get("kind", label))
        get_method(kind)
        datasets = body.get("datasets")
        out.append(
            MethodEntry(
                slug(str(label)),
                kind,
                _mapping(body.get("params"), label),
                _pairs(body.get("pairs"), f"methods.{label}.pairs"),
                None if datasets is None else tuple(str(d) for d in _list(datasets, label)),
            )
        )
    return tuple(out)


def _check_method_datasets(methods: tuple[MethodEntry, ...], labels: list[str]) -> None:
    """A method's `datasets` must name dataset labels of the sweep (a typo runs nothing)."""
    for m in methods:
        unknown = sorted(set(m.datasets or ()) - set(labels))
        if unknown:
            raise W2SGError(
                f"methods.{m.label}.datasets: no dataset labelled {', '.join(unknown)}; "
                f"datasets: {', '.join(labels)}"
            )


def parse_sweep(raw: Mapping[str, Any], default_name: str = "sweep") -> SweepConfig:
    """A SweepConfig from the YAML's mapping; every unknown key or name is one clear error.

    Example::

        sweep = w2sg.parse_sweep({"name": "mine", "datasets": ["rotten_tomatoes"],
                                  "pairs": [["minilm-l6", "mpnet-base"]], "methods": ["study"],
                                  "seeds": [0, 1, 2]})
    """
    if not isinstance(raw, Mapping):
        raise W2SGError("a sweep file must hold a mapping (name, datasets, pairs, methods, seeds)")
    unknown = sorted(set(raw) - set(TOP_KEYS))
    if unknown:
        raise W2SGError(f"unknown sweep key(s) {', '.join(unknown)}; known: {', '.join(TOP_KEYS)}")
    for key in ("datasets", "pairs", "methods", "seeds"):
        if not raw.get(key):
            raise W2SGError(f"the sweep file needs a non-empty {key!r}")
    datasets = tuple(_dataset(d, i) for i, d in enumerate(_list(raw["datasets"], "datasets")))
    pairs = _pairs(raw["pairs"], "pairs") or ()
    seeds = _list(raw["seeds"], "seeds")
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise W2SGError(f"seeds must be whole numbers, got {seeds}")
    _unique([d.label for d in datasets], "dataset label")
    methods = _methods(raw["methods"])
    _unique([m.label for m in methods], "method label")
    _check_method_datasets(methods, [d.label for d in datasets])
    config = SweepConfig(
        name=slug(str(raw.get("name", default_name))),
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
    """Read and validate a sweep YAML file.

    Example::

        sweep = w2sg.load_sweep("configs/offline.yaml")
    """
    import yaml  # heavy: loaded on first use

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

    known = {info.name for info in list_datasets()}
    for d in config.datasets:
        if d.name in known:
            continue
        if looks_like_file(d.name) and Path(d.name).is_file():
            continue
        raise W2SGError(f"unknown dataset {d.name!r} (and no such file); see `w2sg data list`")
    pairs = {
        pair
        for d in config.datasets
        for m in config.methods
        if config.runs_on(d, m)
        for pair in config.pairs_of(d, m)
    }
    for model in sorted({m for pair in pairs for m in pair}):
        resolve_model(model)


def plan_cells(config: SweepConfig) -> list[Cell]:
    """Every cell of the grid with its validated config, in a stable order."""
    cells = []
    for d in config.datasets:
        pairs = list(
            dict.fromkeys(
                p for m in config.methods if config.runs_on(d, m) for p in config.pairs_of(d, m)
            )
        )
        for weak, strong in pairs:
            pair = f"{slug(weak)}__{slug(strong)}"
            for m in config.methods:
                if not config.runs_on(d, m) or (weak, strong) not in config.pairs_of(d, m):
                    continue
                method = get_method(m.kind)
                for seed in config.seeds:
                    cell_id = f"{d.label}/{pair}/{m.label}/seed{seed}"
                    point = GridPoint(d.name, weak, strong, seed, dict(d.options))
                    try:
                        cfg = method.make_config(point, {**m.params, **d.params})
                    except W2SGError as err:
                        raise W2SGError(f"cell {cell_id}: {err}") from None
                    cells.append(
                        Cell(
                            cell_id,
                            d.label,
                            weak,
                            strong,
                            m.label,
                            m.kind,
                            seed,
                            cfg,
                            f"cells/{cell_id}",
                        )
                    )
    return cells
