"""Commands built from config dataclasses: each field a flag, each default in one place.

`config_command(Config, body)` returns a function typer can register: its options are the
fields of `Config` (nested dataclasses flattened), each with the flag and help of
`w2sg.options.option`. The command line's text is parsed back into the field's type
(comma-separated lists become tuples), `Config(...)` validates the values before any work,
and `body(config, **extras)` runs. `extras` are options that are not part of the config
(where to write, how to execute): declared once here too, as `Extra`s.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from w2sg.errors import W2SGError
from w2sg.options import MISSING, declared, field_default, flag_names

_SCALARS = (bool, int, float, str, Path)


@dataclass(frozen=True)
class Spec:
    """One command-line option of a config field: where it goes and how it reads."""

    path: tuple[str, ...]  # field names from the config down to the field
    name: str  # the Python parameter name (unique within a command)
    kind: Any  # bool | int | float | str | Path | tuple (of `item`)
    item: Any  # element type of a tuple field
    optional: bool
    default: Any
    flags: tuple[str, ...]
    help: str
    parse: Callable[[str, str], Any] | None
    show: Callable[[Any], str] | None

    @property
    def flag(self) -> str:
        return self.flags[0].split("/")[0]


@dataclass(frozen=True)
class Extra:
    """An option of a command that is not a config field (an output folder, an executor)."""

    name: str
    annotation: Any
    default: Any
    flags: tuple[str, ...]
    help: str
    argument: bool = False

    def parameter(self) -> inspect.Parameter:
        if self.argument:
            info = typer.Argument(self.default, help=self.help)
        else:
            info = typer.Option(self.default, *self.flags, help=self.help)
        kind = inspect.Parameter.KEYWORD_ONLY
        return inspect.Parameter(self.name, kind, default=info, annotation=self.annotation)


def out_option(default: str | None, help: str = "Output folder.") -> Extra:
    """`--out`: where a command writes (not part of its config: results are the same anywhere)."""
    annotation = Path if default is not None else Path | None
    value = Path(default) if default is not None else None
    return Extra("out", annotation, value, ("--out",), help)


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """(the type inside `X | None`, whether None is allowed)."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return hint, False


def specs(config: type, path: tuple[str, ...] = ()) -> Iterator[Spec]:
    """The options of `config`'s fields, nested dataclasses flattened, in declaration order."""
    hints = typing.get_type_hints(config)
    for f in dataclasses.fields(config):
        if not f.init or f.metadata.get("cli") is False:
            continue  # set by the config itself (e.g. what a preset changed), not an option
        kind, optional = _unwrap(hints[f.name])
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):  # a nested config class
            yield from specs(kind, (*path, f.name))
            continue
        meta = declared(config, f.name)
        item = None
        if typing.get_origin(kind) is tuple:
            item, kind = typing.get_args(kind)[0], tuple
        elif kind not in _SCALARS:
            raise TypeError(f"{config.__name__}.{f.name}: no command-line form for {kind}")
        flag = meta.get("flag") or "--" + f.name.replace("_", "-")
        if kind is bool and "/" not in flag:
            flag = f"{flag}/--no-{flag[2:]}"
        flags = (flag, meta["short"]) if meta.get("short") else (flag,)
        yield Spec(
            (*path, f.name),
            f.name,
            kind,
            item,
            optional,
            field_default(f),
            flags,
            meta.get("help", ""),
            meta.get("parse"),
            meta.get("show"),
        )


def _text(spec: Spec, value: Any) -> Any:
    """A field value as the command line shows it (lists as comma-separated text)."""
    if value is None:
        return None
    if spec.show is not None:
        return spec.show(value)
    if spec.kind is tuple or spec.parse is not None:
        return ",".join(str(v) for v in value)
    return value


def _annotation(spec: Spec) -> Any:
    text_form = spec.kind is tuple or spec.parse is not None
    base = str if text_form else spec.kind
    return base | None if spec.optional or spec.default is None else base


def parameter(spec: Spec) -> inspect.Parameter:
    """The typer parameter of a field's option (required where the field has no default)."""
    shown = ... if spec.default is MISSING else _text(spec, spec.default)
    info = typer.Option(shown, *spec.flags, help=spec.help)
    kind = inspect.Parameter.KEYWORD_ONLY
    return inspect.Parameter(spec.name, kind, default=info, annotation=_annotation(spec))


def _items(text: str, item: type, flag: str) -> tuple:
    """'0, 1,2' -> (0, 1, 2): a bad item is one error naming the option."""
    parts = text.replace(" ", "").split(",")
    if text.strip() and not all(parts):
        raise W2SGError(f"{flag} has an empty entry in {text!r}; separate the values by one comma")
    try:
        return tuple(item(x) for x in parts if x)
    except ValueError:
        kind = {int: "whole numbers", float: "numbers"}.get(item, "values")
        raise W2SGError(f"{flag} must be comma-separated {kind}, got {text!r}") from None


def value(spec: Spec, raw: Any) -> Any:
    """The field's value from the command line's text."""
    if raw is None:
        return None
    if spec.parse is not None:
        return spec.parse(raw, spec.flag)
    if spec.kind is tuple:
        return _items(raw, spec.item, spec.flag)
    return raw


def _given(context: Any, name: str) -> bool:
    """Whether the user gave option `name` (not its default), as click records it."""
    source = context.get_parameter_source(name)
    return source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT", "PROMPT")


def build_config(config: type, given: dict[str, Any], explicit: list[str] | None = None) -> Any:
    """`config(...)` from the command line's values (nested dataclasses rebuilt).

    `explicit`: the options the user gave; a config with presets lets them win over its
    preset, and takes the preset's value for the others."""
    values: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    names = {f.name for f in dataclasses.fields(config)}
    if "preset_given" in names:
        values["preset_given"] = tuple(sorted(explicit or ()))
    for spec in specs(config):
        v = value(spec, given[spec.name])
        if len(spec.path) == 1:
            values[spec.name] = v
        else:
            nested.setdefault(spec.path[0], {})[spec.path[-1]] = v
    hints = typing.get_type_hints(config)
    for name, fields in nested.items():
        values[name] = _unwrap(hints[name])[0](**fields)
    return config(**values)


def config_command(
    config: type,
    body: Callable[..., None],
    *,
    extras: tuple[Extra, ...] = (),
    doc: str | None = None,
) -> Callable[..., None]:
    """A typer command whose options are `config`'s fields plus `extras`.

    The command builds and validates the config, then calls `body(config, **extras)`.
    """
    fields = list(specs(config))
    names = [s.name for s in fields] + [e.name for e in extras]
    repeated = {n for n in names if names.count(n) > 1}
    if repeated:
        raise TypeError(f"{config.__name__}: option names used twice: {sorted(repeated)}")
    extra_names = {e.name for e in extras}

    def command(w2sg_context: typer.Context, **given: Any) -> None:
        typed = {k: v for k, v in given.items() if k not in extra_names}
        explicit = [k for k in typed if _given(w2sg_context, k)]
        with flag_names():
            cfg = build_config(config, typed, explicit)
        body(cfg, **{k: v for k, v in given.items() if k in extra_names})

    params = [parameter(s) for s in fields] + [e.parameter() for e in extras]
    params.sort(key=lambda p: p.default.__class__.__name__ != "ArgumentInfo")  # arguments first
    context = inspect.Parameter(
        "w2sg_context", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
    )
    params.insert(0, context)
    # A function takes any attribute; mypy's view of one has only the standard ones.
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]  # typer reads it
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__doc__ = one_paragraph(doc or body.__doc__ or "")
    command.__name__ = body.__name__
    command.__w2sg_config__ = config  # type: ignore[attr-defined]  # as __signature__ above
    return command


def one_paragraph(text: str) -> str:
    """A help text as a terminal shows it best: one paragraph, no hard line breaks."""
    return " ".join(text.split())
