"""What every run starts from: a dataset, a (weak, strong) model pair, split sizes, split seeds.

`DataSetup` (the rows) and `RunSetup` (the rows and a model pair) are the bases of every
command's config (`w2sg.study.config`, `w2sg.finetune.config`),
so these options have one flag, one help and one check everywhere.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from w2sg import __version__
from w2sg import validate as v
from w2sg.data.options import DataOptions
from w2sg.data.splits import SplitSizes
from w2sg.errors import W2SGError
from w2sg.options import Flagged, option
from w2sg.stats.pgr import DEFAULT_MARGIN, check_margin


def jsonable(value: Any) -> Any:
    """A config value as results.json holds it: lists for tuples, dicts for dataclasses."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Path):
        return str(value)
    return [jsonable(v) for v in value] if isinstance(value, tuple) else value


@dataclass(frozen=True)
class DataSetup(Flagged):
    """A dataset, its split sizes and split seeds: the rows a run reads."""

    seeds_optional: ClassVar[bool] = False  # a command that may run without splits

    dataset: str = option("rotten_tomatoes", "Dataset: a name (w2sg data list) or a data file.")
    dataset_options: DataOptions = option(factory=DataOptions)
    weak_train: int = option(4000, "Size of weak_train (class-balanced).")
    strong_train: int = option(4000, "Size of strong_train, the W2S pool (class-balanced).")
    val: int = option(0, "Size of val (class-balanced).")
    test: int = option(2760, "Size of test (class-balanced).")
    seeds: tuple[int, ...] = option((0,), "Split seeds, comma-separated.")
    pgr_margin: float = option(
        DEFAULT_MARGIN,
        "PGR is reported as none, with the reason, where ceiling - weak is below this gap.",
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "dataset_options", DataOptions.of(self.dataset_options))
        if not isinstance(self.dataset, str) or not self.dataset:
            raise W2SGError(
                f"{self.flag('dataset')} must be a name or a path, got {self.dataset!r}"
            )
        for name in ("weak_train", "strong_train", "test"):
            v.positive(getattr(self, name), self.flag(name))
        v.whole(self.val, self.flag("val"), low=0)
        SplitSizes(self.weak_train, self.strong_train, self.val, self.test)  # even sizes
        check_margin(self.pgr_margin, self.flag("pgr_margin"))
        empty = isinstance(self.seeds, tuple | list) and len(self.seeds) == 0
        if not (empty and self.seeds_optional):
            object.__setattr__(self, "seeds", v.seeds(self.seeds, self.flag("seeds")))

    def sizes(self) -> SplitSizes:
        return SplitSizes(self.weak_train, self.strong_train, self.val, self.test)

    def to_json(self) -> dict[str, Any]:
        """Every field (lists for tuples, the dataset options given), and the w2sg version."""
        out = {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
        out["dataset_options"] = self.dataset_options.load_kwargs()
        out["w2sg_version"] = __version__
        return out


@dataclass(frozen=True)
class RunSetup(DataSetup):
    """A dataset and a (weak, strong) model pair: what every W2S run starts from."""

    several_weak: ClassVar[bool] = False  # whether --weak takes a list (w2sg run's config)

    weak_model: str = option(
        "minilm-l6",
        "Weak model: alias, hub id or local path; NAME:layerK reads it only up to layer K "
        "(e.g. minilm-l6:layer2); tfidf is TF-IDF features and the probe (probe mode). "
        "w2sg run takes several, comma-separated (labelmodel or majority: a label model), "
        "combined by --weak-combiner.",
        flag="--weak",
    )
    strong_model: str = option(
        "mpnet-base",
        "Strong model: alias, hub id or local path (NAME:layerK cuts it).",
        flag="--strong",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("weak_model", "strong_model"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise W2SGError(
                    f"{self.flag(name)} must be a model name, got {getattr(self, name)!r}"
                )
        if "," in self.weak_model and not self.several_weak:
            raise W2SGError(
                f"{self.flag('weak_model')} takes one model here, got {self.weak_model!r}; "
                "several weak models are combined by w2sg run"
            )
