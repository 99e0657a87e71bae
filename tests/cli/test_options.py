"""Each option is declared once: every command built from a config has a flag per field, its
default is the field's default, and one concept has one flag everywhere."""

from __future__ import annotations

import dataclasses

import click
import pytest
import typer

from w2sg.cli import app
from w2sg.cli.build import specs, value
from w2sg.data.options import DataOptions
from w2sg.setup import DataSetup


def _commands(group: typer.Typer, path: tuple[str, ...] = ()) -> list[tuple[tuple, object]]:
    out = []
    for info in group.registered_commands:
        name = info.name or info.callback.__name__
        out.append(((*path, name), info.callback))
    for sub in group.registered_groups:
        out += _commands(sub.typer_instance, (*path, sub.name))
    return out


def _click(path: tuple[str, ...]) -> click.Command:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


BUILT = [(p, cb.__w2sg_config__) for p, cb in _commands(app) if hasattr(cb, "__w2sg_config__")]
IDS = [" ".join(p) for p, _ in BUILT]


def test_the_work_commands_are_built_from_configs() -> None:
    built = {" ".join(p) for p, _ in BUILT}
    expected = {
        "run",
        "finetune",
        "interventions",
        "probes sweep",
        "select",
        "extract",
        "detect",
        "synth mechanism",
        "synth detect",
        "sweep",
        "data show",
    }
    assert expected <= built


@pytest.mark.parametrize(("path", "config"), BUILT, ids=IDS)
def test_every_field_is_a_flag_with_the_field_default(path, config) -> None:
    params = {opt: p for p in _click(path).params for opt in p.opts}
    for spec in specs(config):
        assert spec.flag in params, f"{' '.join(path)}: no flag {spec.flag} for {spec.path}"
        shown = params[spec.flag].default
        if spec.default is dataclasses.MISSING:
            assert params[spec.flag].required
            continue
        assert value(spec, shown) == spec.default, (path, spec.flag, shown, spec.default)


@pytest.mark.parametrize(("path", "config"), BUILT, ids=IDS)
def test_a_command_that_reads_a_dataset_takes_every_dataset_option(path, config) -> None:
    flags = {opt for p in _click(path).params for opt in p.opts}
    reads_data = isinstance(config, type) and (issubclass(config, DataSetup)
                                              or config is DataOptions)  # fmt: skip
    if not reads_data:
        return
    for spec in specs(DataOptions):
        assert spec.flag in flags, f"{' '.join(path)} lacks {spec.flag}"


def test_seeds_always_means_split_seeds() -> None:
    """`--seeds` is a field of the data setup (split seeds) wherever it appears."""
    for path, config in BUILT:
        for spec in specs(config):
            if spec.flag == "--seeds":
                assert issubclass(config, DataSetup), " ".join(path)
                assert spec.path == ("seeds",)


def test_one_flag_one_help_across_commands() -> None:
    """The same flag reads the same in every command (declared once, inherited)."""
    helps: dict[str, set[str]] = {}
    for _, config in BUILT:
        for spec in specs(config):
            helps.setdefault(spec.flag, set()).add(spec.help)
    # Commands may give a flag of their own meaning only where the field is their own.
    shared = [
        "--dataset",
        "--weak",
        "--strong",
        "--weak-train",
        "--strong-train",
        "--seeds",
        "--text-column",
        "--label-map",
        "--data-dir",
    ]
    for flag in shared:
        assert len(helps.get(flag, set())) <= 1, (flag, helps.get(flag))
