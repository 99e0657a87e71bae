"""manifest.json of a sweep: every cell's state, duration and error, rewritten atomically
after each change, so a rerun skips finished cells (whose config is unchanged), runs the rest,
and retries failed ones only when asked. `runs` records each run of the sweep: when it
started, how many cells it had to run, and its wall time so far (kept up to date at every
save, so a killed run leaves the time it spent), kept across reruns: the cold time (the runs
that computed cells) and a cached rerun's time both stay readable."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from w2sg.io import write_json
from w2sg.provenance import git_commit
from w2sg.report.files import read_manifest
from w2sg.sweep.grid import Cell, SweepConfig


class Manifest:
    """manifest.json: every cell's state (pending, running, done, failed), duration, error."""

    def __init__(self, path: Path, data: dict) -> None:
        self.path = path
        self.data = data
        self._run: dict | None = None
        self._t0 = 0.0

    @classmethod
    def open(cls, path: Path, config: SweepConfig, cells: list[Cell]) -> Manifest:
        """The manifest at `path` brought up to `cells` (written only once it checks out)."""
        manifest = cls.load(path, config, cells)
        manifest.save()
        return manifest

    @classmethod
    def load(cls, path: Path, config: SweepConfig, cells: list[Cell]) -> Manifest:
        """As `open`, without writing: the state a run would start from."""
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
                "worker": None,  # the process (pid) that ran it, once it ran
            }
            results = path.parent / c.rel_dir / "results.json"
            if prev.get("digest") == c.digest and prev.get("state") in ("done", "failed"):
                if prev["state"] == "failed" or results.is_file():
                    entry.update(
                        {k: prev.get(k) for k in ("state", "duration_s", "error", "worker")}
                    )
            entries[c.id] = entry
        return cls(
            path,
            {
                "sweep": config.name,
                "config": config.to_json(),
                "cells": entries,
                "warm": data.get("warm", {}),
                "runs": data.get("runs", []),
            },
        )

    def cell(self, cell_id: str) -> dict:
        return self.data["cells"][cell_id]

    def save(self) -> None:
        if self._run is not None:
            self._run["wall_s"] = round(time.perf_counter() - self._t0, 3)
        write_json(self.path, self.data)

    def begin_run(self, to_run: int, executor: str) -> None:
        """Record a new run of the sweep; its wall time is updated at every save."""
        self._t0 = time.perf_counter()
        self._run = {
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "commit": git_commit(),
            "command": list(sys.argv),
            "executor": executor,
            "cells": len(self.data["cells"]),
            "to_run": to_run,
            "wall_s": 0.0,
            "finished": False,
        }
        self.data["runs"].append(self._run)
        self.save()

    def note_run(self, **fields: Any) -> None:
        """Add `fields` (e.g. the warm-up's time) to the current run's record and save."""
        assert self._run is not None  # begin_run came first
        self._run.update(fields)
        self.save()

    def end_run(self) -> float:
        """Close the current run with its final wall time and cell counts; return the time."""
        assert self._run is not None  # begin_run came first
        self._run.update(finished=True, counts=self.counts())
        self.save()
        self._run = None
        return float(self.data["runs"][-1]["wall_s"])

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
