"""Presets: the settings of a published code base, each traced to the file that sets it.

A config that takes presets (`Presettable`) has a `preset` field. Choosing one fills in every
setting the preset names; an option the user gives explicitly wins over the preset, and the
config records it in `preset_overrides`, so the summary says where a run departs from the
published settings (docs/fidelity.md lists every setting and its source).

    config = FinetuneConfig.from_preset("eleuther", strong_lr=1e-4)
    config.preset_overrides          # ("strong_lr",): the one place it differs from upstream
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from w2sg.errors import W2SGError
from w2sg.options import field_default

T = TypeVar("T", bound="Presettable")


@dataclass(frozen=True)
class Setting:
    """One setting of a preset: a config field, its value, and where upstream sets it."""

    field: str
    value: Any
    source: str  # repository@commit path: the line that sets it


@dataclass(frozen=True)
class Preset:
    """A named set of published settings."""

    name: str
    description: str
    settings: tuple[Setting, ...]

    def values(self) -> dict[str, Any]:
        return {s.field: s.value for s in self.settings}


class Presettable:
    """Mixin of a frozen config dataclass with a `preset: str | None` field, a `preset_given:
    tuple[str, ...]` field (the fields given explicitly) and `preset_overrides`."""

    presets: ClassVar[Mapping[str, Preset]] = {}

    @classmethod
    def from_preset(cls: type[T], name: str, **given: Any) -> T:
        """The config of preset `name`, with the options in `given` winning over it."""
        return cls(preset=name, preset_given=tuple(sorted(given)), **given)  # type: ignore[call-arg]

    def given_fields(self) -> set[str]:
        """The fields the user set, read before the preset fills in its own: those the command
        line names as given, and (from Python) those that differ from their default and from
        the preset's value (a copy made with `dataclasses.replace` holds the preset's values)."""
        out = set(getattr(self, "preset_given", ()) or ())
        preset = self.presets.get(getattr(self, "preset", None) or "")
        settled = preset.values() if preset is not None else {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]  # a dataclass (see above)
            if not f.init or f.metadata.get("cli") is False:
                continue
            value = getattr(self, f.name)
            try:
                if value != field_default(f) and not (
                    f.name in settled and value == settled[f.name]
                ):
                    out.add(f.name)
            except (TypeError, ValueError):  # a value that cannot be compared: it was set
                out.add(f.name)
        return out

    def _apply_preset(self) -> None:
        """Fill in the preset's settings where the user gave nothing; record what differs.

        A setting's field may name a field of a nested config (`options.k`)."""
        name = getattr(self, "preset", None)
        if name is None:
            object.__setattr__(self, "preset_overrides", ())
            return
        if name not in self.presets:
            known = ", ".join(sorted(self.presets)) or "none"
            raise W2SGError(f"unknown preset {name!r} for {type(self).__name__}; known: {known}")
        given = set(getattr(self, "preset_given", ()))
        overrides = []
        for s in self.presets[name].settings:
            current, default = _get(self, s.field), _default(type(self), s.field)
            if s.field in given or s.field.split(".")[-1] in given or current != default:
                if current != s.value:
                    overrides.append(s.field)
            else:
                _set(self, s.field, s.value)
        object.__setattr__(self, "preset_overrides", tuple(sorted(overrides)))

    def preset_json(self) -> dict[str, Any] | None:
        """The preset's resolved settings for results.json: value, source, overridden."""
        name = getattr(self, "preset", None)
        if name is None:
            return None
        preset = self.presets[name]
        overrides = set(getattr(self, "preset_overrides", ()))
        return {
            "name": name,
            "description": preset.description,
            "settings": [
                {
                    "field": s.field,
                    "preset": s.value,
                    "value": _get(self, s.field),
                    "overridden": s.field in overrides,
                    "source": s.source,
                }
                for s in preset.settings
            ],
        }


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _default(cls: type, path: str) -> Any:
    """The default of a field, or of a field of a nested config (`options.k`)."""
    head, _, rest = path.partition(".")
    field = {f.name: f for f in dataclasses.fields(cls)}[head]
    if not rest:
        return field_default(field)
    return _default(type(field_default(field)), rest)


def _set(obj: Any, path: str, value: Any) -> None:
    """Set a field of a frozen config (a nested one is replaced by a changed copy)."""
    head, _, rest = path.partition(".")
    if rest:
        nested = getattr(obj, head)
        inner, _, _ = rest.partition(".")
        if "." in rest:
            _set(nested, rest, value)
        else:
            object.__setattr__(obj, head, dataclasses.replace(nested, **{inner: value}))
        return
    object.__setattr__(obj, head, value)


def preset_lines(block: Mapping[str, Any] | None) -> list[str]:
    """summary.md lines saying which preset ran and where the run departs from it."""
    if not block:
        return []
    lines = [f"Preset **{block['name']}**: {block['description']}."]
    changed = [s for s in block["settings"] if s["overridden"]]
    for s in changed:
        lines.append(f"- `{s['field']}` = {s['value']!r} instead of the preset's {s['preset']!r}")
    if not changed:
        lines.append("Every setting of the preset is in force.")
    return [*lines, ""]
