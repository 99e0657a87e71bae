"""manifest.json of a sweep: every cell's state, duration and error, rewritten atomically
after each change, so a rerun skips finished cells (whose config is unchanged), runs the rest,
and retries failed ones only when asked."""

from __future__ import annotations

from pathlib import Path

from w2sg.io import write_json
from w2sg.report.files import read_manifest
from w2sg.sweep.grid import Cell, SweepConfig


class Manifest:
    """manifest.json: every cell's state (pending, running, done, failed), duration, error."""

    def __init__(self, path: Path, data: dict) -> None:
        self.path = path
        self.data = data

    @classmethod
    def open(cls, path: Path, config: SweepConfig, cells: list[Cell]) -> Manifest:
        """The manifest at `path` brought up to `cells` (written only once it checks out)."""
        data = read_manifest(path) if path.exists() else {}
        old = data.get("cells", {})
        entries = {}
        for c in cells:
            prev = old.get(c.id, {})
            entry = {
                "dir": c.rel_dir,
                "dataset": c.dataset,
                "weak": c.weak,
                "strong": c.strong,
                "method": c.method,
                "kind": c.kind,
                "seed": c.seed,
                "digest": c.digest,
                "state": "pending",
                "attempts": prev.get("attempts", 0),
                "duration_s": None,
                "error": None,
            }
            results = path.parent / c.rel_dir / "results.json"
            if prev.get("digest") == c.digest and prev.get("state") in ("done", "failed"):
                if prev["state"] == "failed" or results.is_file():
                    entry.update({k: prev.get(k) for k in ("state", "duration_s", "error")})
            entries[c.id] = entry
        manifest = cls(
            path,
            {
                "sweep": config.name,
                "config": config.to_json(),
                "cells": entries,
                "warm": data.get("warm", {}),
            },
        )
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


def cells_to_run(manifest: Manifest, cells: list[Cell], retry_failed: bool) -> list[Cell]:
    """Cells not finished yet (and failed ones only with `retry_failed`)."""
    todo = []
    for c in cells:
        state = manifest.cell(c.id)["state"]
        if state == "done" or (state == "failed" and not retry_failed):
            continue
        todo.append(c)
    return todo
