"""The methods a sweep can run: one registry entry each (name -> config dataclass + runner).

A method is what one sweep cell does on one dataset, (weak, strong) pair and seed: the
probe-mode study (`w2sg run`), the interventions (`w2sg interventions`) and fine-tune mode
(`w2sg finetune`); others plug in the same way, with one `register(Method(...))` call. The
sweep only needs:
- `make_config(point, params)`: the method's config dataclass for one grid point (validated
  by the dataclass itself, before any work);
- `run(config, out_dir) -> dict`: do the work, write results.json into `out_dir`, return it;
- optionally `warm(config)`: the expensive shared work (activations) the cell will reuse, and
  `warm_key(config)`: which cells share it, so it is done once per (model, dataset);
  `warm_first` when that work covers other methods' (their warm-ups then read the store).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from w2sg.data.options import DataOptions
from w2sg.errors import W2SGError
from w2sg.finetune.config import FinetuneConfig
from w2sg.study.config import StudyConfig
from w2sg.study.interventions import (
    InterventionsConfig,
    probe_and_student_layers,
    run_interventions,
    warm_interventions,
)
from w2sg.study.prepare import prepare_study
from w2sg.study.run import run_study


@dataclass(frozen=True)
class GridPoint:
    """Where a cell sits in the grid: dataset, model pair and seed (the method is separate)."""

    dataset: str
    weak: str
    strong: str
    seed: int
    dataset_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Method:
    """One kind of cell: how to build its config from the grid and how to run it."""

    name: str
    make_config: Callable[[GridPoint, Mapping[str, Any]], Any]
    run: Callable[[Any, Path], dict]
    warm: Callable[[Any], None] | None = None
    warm_key: Callable[[Any], Hashable] | None = None
    num_cpus: float = 1
    num_gpus: float = 0
    description: str = ""
    warm_first: bool = False  # its warm-up covers others': run it before theirs


METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    """Add `method` to the registry (a second entry of one name is an error)."""
    if method.name in METHODS and METHODS[method.name] is not method:
        raise W2SGError(f"a sweep method named {method.name!r} is already registered")
    METHODS[method.name] = method
    return method


def get_method(name: str) -> Method:
    """The registered method `name`, or one clear error listing the known ones."""
    if name not in METHODS:
        raise W2SGError(f"unknown sweep method {name!r}; known: {', '.join(sorted(METHODS))}")
    return METHODS[name]


def dataclass_from(cls: type, params: Mapping[str, Any], **fixed: Any) -> Any:
    """`cls(**fixed, **params)`, with unknown keys and grid-owned keys named in the error.

    YAML lists become tuples where the field is a tuple, so configs stay hashable; a mapping
    given for a nested config (the interventions' `options: {k: 20}`) becomes that config.
    """
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise W2SGError(
            f"unknown option(s) {', '.join(unknown)} for {cls.__name__}; "
            f"known: {', '.join(sorted(set(names) - set(fixed)))}"
        )
    clash = sorted(set(params) & set(fixed))
    if clash:
        raise W2SGError(f"{', '.join(clash)} is set by the sweep grid, not by a method's options")
    hints = typing.get_type_hints(cls)
    values = {k: typed(v, hints[k], k) for k, v in params.items()}
    try:
        return cls(**fixed, **values)
    except TypeError as err:
        raise W2SGError(f"bad options for {cls.__name__}: {err}") from None


_KINDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a text"}


def _reads_as(value: Any, hint: Any) -> bool:
    """Whether a text holds what the field wants (`"20"` for a whole number): quoted by mistake."""
    if not isinstance(value, str):
        return False
    text = value.strip().lower()
    if hint is bool:
        return text in ("true", "false")
    try:
        return hint in (int, float) and (float(text) == int(float(text)) or hint is float)
    except (ValueError, OverflowError):
        return False


def typed(value: Any, hint: Any, name: str) -> Any:
    """A YAML value as field `name` of type `hint` holds it (lists become tuples, mappings
    nested configs), or one error naming the field, the type and the value: `weak_train: "20"`
    is a text where a whole number belongs."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        if value is None:
            return None
        hint = next(a for a in args if a is not type(None))
    if typing.get_origin(hint) is tuple:
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise W2SGError(f"{name} must be a list, got {value!r}")
        item = typing.get_args(hint)[0]
        return tuple(typed(x, item, f"{name} entry") for x in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if isinstance(value, hint):
            return value
        if not isinstance(value, Mapping):
            raise W2SGError(f"{name} must be a mapping of option: value, got {value!r}")
        inner = typing.get_type_hints(hint)
        known = {f.name for f in dataclasses.fields(hint) if f.init}
        unknown = sorted(set(value) - known)
        if unknown:
            raise W2SGError(
                f"{name}: unknown option(s) {', '.join(map(str, unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        return hint(**{k: typed(x, inner[k], f"{name}.{k}") for k, x in value.items()})
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, int | float) and not isinstance(value, bool),
        str: isinstance(value, str),
    }.get(hint, True)
    if not ok:
        quoted = " (write it without quotes)" if _reads_as(value, hint) else ""
        raise W2SGError(f"{name} must be {_KINDS[hint]}, got {value!r}{quoted}")
    return float(value) if hint is float else value


# --------------------------------------------------------------------------- the study


def config_at(cls: type, point: GridPoint, params: Mapping[str, Any]) -> Any:
    """A method config for one grid point: the grid owns dataset, models and seed."""
    return dataclass_from(
        cls,
        params,
        dataset=point.dataset,
        weak_model=point.weak,
        strong_model=point.strong,
        seeds=(point.seed,),
        dataset_options=DataOptions.of(point.dataset_options),
    )


def run_logged(runner: Callable[..., dict], config: Any, out_dir: Path) -> dict:
    """`runner(config, out_dir, log=...)` with its log lines kept in `out_dir/log.txt`."""
    lines: list[str] = []
    try:
        return runner(config, out_dir, log=lines.append)
    finally:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / "log.txt").write_text("\n".join(lines) + "\n")


def _study_config(point: GridPoint, params: Mapping[str, Any]) -> StudyConfig:
    return config_at(StudyConfig, point, params)


def _study_run(config, out_dir: Path) -> dict:
    return run_logged(run_study, config, out_dir)


def _study_warm(config) -> None:
    prepare_study(config, log=lambda _: None)


def _study_warm_key(config) -> tuple[Hashable, ...]:
    """Cells with equal keys read the same cached activations."""
    return (
        config.dataset,
        config.dataset_options,
        config.weak_model,
        config.strong_model,
        config.weak_layer,
        config.strong_layer,
        config.pooling,
        config.max_length,
        config.dtype,
    )


register(
    Method(
        name="study",
        make_config=_study_config,
        run=_study_run,
        warm=_study_warm,
        warm_key=_study_warm_key,
        description="probe-mode study (w2sg run): weak, W2S, ceiling, overlap, mixing",
    )
)


# --------------------------------------------------------------------------- interventions


def _interventions_config(point: GridPoint, params: Mapping[str, Any]) -> InterventionsConfig:
    return config_at(InterventionsConfig, point, params)


def _interventions_run(config, out_dir: Path) -> dict:
    return run_logged(run_interventions, config, out_dir)


def _interventions_warm(config) -> None:
    warm_interventions(config, log=lambda _: None)


def _interventions_warm_key(config) -> Hashable:
    """The study's key and the strong model's layers the probes and the student read."""
    return (*_study_warm_key(config), probe_and_student_layers(config))


register(
    Method(
        name="interventions",
        make_config=_interventions_config,
        run=_interventions_run,
        warm=_interventions_warm,
        warm_key=_interventions_warm_key,
        warm_first=True,
        description="probe-mode interventions (w2sg interventions): every arm (probe, filter, "
        "relabel with knn / logistic / topo; confident; overlap) beside the plain student",
    )
)


# --------------------------------------------------------------------------- fine-tune mode


def _finetune_config(point: GridPoint, params: Mapping[str, Any]):
    return config_at(FinetuneConfig, point, params)


def _finetune_run(config, out_dir: Path) -> dict:
    from w2sg.finetune.run import run_finetune  # heavy: torch, transformers, peft

    return run_logged(run_finetune, config, out_dir)


register(
    Method(
        name="finetune",
        make_config=_finetune_config,
        run=_finetune_run,
        num_cpus=2,
        description="fine-tune mode (w2sg finetune): trained weak, students and ceiling; "
        "cells that differ only in the student loss share the weak model and the ceiling",
    )
)
