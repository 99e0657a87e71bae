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
from collections.abc import Iterable, Mapping
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

    def _apply_preset(self) -> None:
        """Fill in the preset's settings where the user gave nothing; record what differs."""
        name = getattr(self, "preset", None)
        if name is None:
            object.__setattr__(self, "preset_overrides", ())
            return
        if name not in self.presets:
            known = ", ".join(sorted(self.presets)) or "none"
            raise W2SGError(f"unknown preset {name!r} for {type(self).__name__}; known: {known}")
        defaults = {f.name: field_default(f) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        given = set(getattr(self, "preset_given", ()))
        overrides = []
        for s in self.presets[name].settings:
            current = getattr(self, s.field)
            if s.field in given or current != defaults[s.field]:
                if current != s.value:
                    overrides.append(s.field)
            else:
                object.__setattr__(self, s.field, s.value)
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
                {"field": s.field, "preset": s.value, "value": getattr(self, s.field),
                 "overridden": s.field in overrides, "source": s.source}
                for s in preset.settings
            ],
        }  # fmt: skip


def preset_lines(block: Mapping[str, Any] | None, flag_of: Any = None) -> list[str]:
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


def names(presets: Iterable[str]) -> str:
    return ", ".join(sorted(presets))
