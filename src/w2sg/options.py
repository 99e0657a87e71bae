"""Options declared once: a config field carries its command-line flag and help.

Every command of w2sg is built from one frozen config dataclass (`w2sg.cli.build`): each field
is a flag, its default is the field's default, its help is the field's help. So a default
lives in exactly one place, and the Python API and the command line cannot drift apart.

    @dataclass(frozen=True)
    class StudyConfig:
        weak_model: str = option("minilm-l6", "Weak model: alias, hub id or local path.",
                                 flag="--weak")

A subclass that only changes a default writes `weak_train: int = default(2000)`: the help and
the flag stay those of the base class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

MISSING: Any = dataclasses.MISSING


def option(
    default: Any = MISSING,
    help: str = "",
    *,
    flag: str | None = None,
    factory: Callable[[], Any] | None = None,
    parse: Callable[[str, str], Any] | None = None,
    show: Callable[[Any], str] | None = None,
    short: str | None = None,
) -> Any:
    """A dataclass field that is also a command-line option.

    `flag`: the option's name (default `--field-name`; `--yes/--no` for a switch with other
    names). `parse(text, flag)` turns the command line's text into the field's value and
    `show(value)` renders the default, for values that are not plain numbers, strings or
    comma-separated lists. `short`: a one-letter alias such as `-m`.
    """
    metadata = {"help": help, "flag": flag, "parse": parse, "show": show, "short": short}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def internal(value: Any = (), *, init: bool = True) -> Any:
    """A config field that is not a command-line option: set by the config or its builder."""
    return dataclasses.field(default=value, init=init, metadata={"cli": False})


def default(value: Any = MISSING, *, factory: Callable[[], Any] | None = None) -> Any:
    """A new default for a field declared by a base class (its flag and help are kept)."""
    metadata = {"inherit": True}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=value, metadata=metadata)


def declared(cls: type, name: str) -> dict[str, Any]:
    """The metadata of field `name` where it was declared (the first class in the MRO that
    declares it without `default()`)."""
    for klass in cls.__mro__:
        own = klass.__dict__.get("__dataclass_fields__", {})
        field = own.get(name)
        if field is not None and not field.metadata.get("inherit"):
            return dict(field.metadata)
    return {}


def flag_of(cls: type, name: str) -> str:
    """The command-line flag of field `name` (its first spelling, for switches)."""
    flag = declared(cls, name).get("flag") or "--" + name.replace("_", "-")
    return flag.split("/")[0]


def field_default(field: dataclasses.Field) -> Any:
    """A field's default value (calling its factory)."""
    if field.default_factory is not dataclasses.MISSING:  # typed, unlike MISSING above
        return field.default_factory()
    return field.default


_FLAGS: ContextVar[bool] = ContextVar("w2sg_flag_names", default=False)


@contextmanager
def flag_names() -> Iterator[None]:
    """While inside, configs name a bad field by its flag (`--weak-train`): the command line
    builds its configs here. Elsewhere they name the field (`weak_train`), as Python calls it."""
    token = _FLAGS.set(True)
    try:
        yield
    finally:
        _FLAGS.reset(token)


class Flagged:
    """A config whose checks name a bad field as its user wrote it: the flag on the command
    line, the field in Python."""

    def flag(self, name: str) -> str:
        return flag_of(type(self), name) if _FLAGS.get() else name
