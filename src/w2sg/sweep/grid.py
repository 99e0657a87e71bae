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

from w2sg import validate as v
from w2sg.data import list_datasets
from w2sg.data.files import looks_like_file
from w2sg.errors import W2SGError
from w2sg.io import read_yaml, slug
from w2sg.models.provenance import model_identity
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
    and its own (weak, strong) pairs where they replace the sweep's (e.g. a weak model chosen
    per dataset)."""

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

    def __post_init__(self) -> None:
        """Each field of its kind and range (a hand-made config too; files: `parse_sweep`)."""
        v.text(self.name, "name")
        for key, kind in (("datasets", DatasetEntry), ("methods", MethodEntry)):
            items = getattr(self, key)
            if (
                not isinstance(items, tuple)
                or not items
                or not all(isinstance(x, kind) for x in items)
            ):
                raise W2SGError(
                    f"{key} must be a non-empty tuple of {kind.__name__}; make a sweep with "
                    "w2sg.parse_sweep(mapping) or w2sg.load_sweep(path)"
                )
        object.__setattr__(self, "seeds", v.seeds(self.seeds, "seeds"))
        v.choice(self.metric, "metric", METRICS)
        margin = v.number(self.guard_margin, "guard_margin", low=0.0, high=1.0)
        object.__setattr__(self, "guard_margin", margin)  # metrics lie in [0, 1]
        v.positive(self.bootstrap, "bootstrap")
        if self.workers is not None:
            v.positive(self.workers, "workers")
        labels = [m.label for m in self.methods]
        if self.baseline is not None and self.baseline not in labels:
            raise W2SGError(f"baseline {self.baseline!r} is not a method; methods: {labels}")
        if not all(self.pairs_of(d, m) for d in self.datasets for m in self.methods):
            raise W2SGError("give 'pairs' (or every dataset or every method its own 'pairs')")

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
        v.text(entry, f"datasets[{i}]")
        return DatasetEntry(entry, slug(Path(entry).stem if "." in entry else entry))
    if not isinstance(entry, Mapping) or "name" not in entry:
        raise W2SGError(f"datasets[{i}] must be a name or a mapping with 'name'")
    unknown = sorted(set(entry) - {"name", "label", "options", "params", "pairs"})
    if unknown:
        raise W2SGError(
            f"datasets[{i}]: unknown key(s) {', '.join(unknown)}; "
            "known: name, label, options, params, pairs"
        )
    name = v.text(entry["name"], f"datasets[{i}].name")
    if entry.get("label") is not None:
        v.text(entry["label"], f"datasets[{i}].label")
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
        weak, strong = entry["weak"], entry["strong"]
    elif isinstance(entry, list | tuple) and len(entry) == 2:
        weak, strong = entry
    else:
        raise W2SGError(f"{where} must be [weak, strong] or {{weak: ..., strong: ...}}")
    return v.text(weak, f"{where} weak model"), v.text(strong, f"{where} strong model")


def _pairs(raw: Any, where: str) -> Pairs | None:
    """A list of (weak, strong) pairs, none twice, or None when not given."""
    if raw is None:
        return None
    pairs = tuple(_pair(p, f"{where}[{i}]") for i, p in enumerate(_list(raw, where)))
    if not pairs:
        raise W2SGError(f"{where} is empty; give at least one [weak, strong] pair")
    _unique([f"{w} -> {s}" for w, s in pairs], f"pair of {where}")
    return pairs


def _methods(raw: Any) -> tuple[MethodEntry, ...]:
    if isinstance(raw, list):
        raw = {str(m): {} for m in raw}
    if not isinstance(raw, Mapping) or not raw:
        raise W2SGError("methods must be a non-empty mapping label: {kind, params} or a list")
    out = []
    for label, body in raw.items():
        if not isinstance(label, str) or not label.strip():
            raise W2SGError(f"methods: a method's label must be a text, got {label!r}")
        body = _mapping(body, f"methods.{label}")
        unknown = sorted(set(body) - {"kind", "params", "pairs", "datasets"})
        if unknown:
            raise W2SGError(
                f"methods.{label}: unknown key(s) {', '.join(unknown)}; "
                "known: kind, params, pairs, datasets"
            )
        kind = v.text(body.get("kind", label), f"methods.{label}.kind")
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
        if m.datasets is not None and not m.datasets:
            raise W2SGError(f"methods.{m.label}.datasets is empty: name a dataset or drop the key")
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
    for key in ("datasets", "methods", "seeds"):
        if not raw.get(key):
            raise W2SGError(f"the sweep file needs a non-empty {key!r}")
    datasets = tuple(_dataset(d, i) for i, d in enumerate(_list(raw["datasets"], "datasets")))
    seeds = v.seeds(_list(raw["seeds"], "seeds"), "seeds")
    _unique([d.label for d in datasets], "dataset label")
    methods = _methods(raw["methods"])
    _unique([m.label for m in methods], "method label")
    _check_method_datasets(methods, [d.label for d in datasets])
    if "pairs" in raw or not all(d.pairs for d in datasets) and not all(m.pairs for m in methods):
        if not raw.get("pairs"):
            raise W2SGError(
                "the sweep file needs a non-empty 'pairs' (or every dataset or every method its "
                "own 'pairs')"
            )
        pairs = _pairs(raw["pairs"], "pairs") or ()
    else:
        pairs = ()
    name = raw.get("name", default_name)
    if isinstance(name, bool) or not isinstance(name, str | int) or not str(name).strip():
        raise W2SGError(f"name must be a text (the sweep folder's name), got {name!r}")
    baseline = raw.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise W2SGError(f"baseline must be a method's label, got {baseline!r}")
    return SweepConfig(
        name=slug(str(name)),
        datasets=datasets,
        pairs=pairs,
        methods=methods,
        seeds=seeds,
        baseline=baseline,
        metric=raw.get("metric", "accuracy"),
        guard_margin=raw.get("guard_margin", 0.01),
        bootstrap=raw.get("bootstrap", 10000),
        workers=raw.get("workers"),
    )


def _list(value: Any, key: str) -> list:
    if not isinstance(value, list):
        raise W2SGError(f"{key} must be a list, got {value!r}")
    return value


def _unique(values: list[str], what: str) -> None:
    seen = {v for v in values if values.count(v) > 1}
    if seen:
        raise W2SGError(f"each {what} must be unique; repeated: {', '.join(sorted(seen))}")


def load_sweep(path: str | Path) -> SweepConfig:
    """Read and validate a sweep YAML file.

    Example::

        sweep = w2sg.load_sweep("configs/offline.yaml")
    """
    path = v.path_like(path, "path")
    if not path.exists():
        raise W2SGError(f"no such sweep file: {path}")
    raw = read_yaml(path, "a sweep file (YAML)")
    if not isinstance(raw, Mapping):
        raise W2SGError(
            f"{path}: expected a sweep file (a YAML mapping of name, datasets, pairs, methods, "
            f"seeds), found {type(raw).__name__ if raw is not None else 'nothing'}"
        )
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
        model_identity(model)


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
