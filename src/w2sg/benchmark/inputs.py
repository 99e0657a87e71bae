"""Reading the benchmark's sweep folders: each cell's row, its arms, its selection stage, the
commits in its provenance, and the sweep's own run times (manifest.json `runs`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from w2sg.errors import W2SGError
from w2sg.io import read_json
from w2sg.sweep.outputs import arm_rows, cell_row, finished_cells


@dataclass(frozen=True)
class SweepData:
    """One sweep folder's tables: cells (finished ones), arms, selection; where they came from."""

    path: Path
    config: dict
    manifest: dict
    table: pd.DataFrame
    arms: pd.DataFrame
    selection: pd.DataFrame
    commits: tuple[str, ...]
    train_s: float = 0.0  # the training time the finished cells' stages record (fine-tune mode)


def _json(path: Path) -> dict:
    """A sweep folder's sweep.json or manifest.json: one line naming what is wrong with it."""
    return read_json(path, f"the {path.name} of a w2sg sweep folder (a JSON object)")


def check_sweep_folder(path: str | Path) -> Path:
    """The folder, if it is a sweep folder (manifest.json and sweep.json); else one error."""
    folder = Path(path)
    if not folder.exists():
        raise W2SGError(
            f"no such sweep folder: {folder} (run `w2sg sweep CONFIG.yaml --out {folder}` first)"
        )
    if not folder.is_dir():
        raise W2SGError(f"{folder} is a file, not a sweep folder")
    if not ((folder / "manifest.json").is_file() and (folder / "sweep.json").is_file()):
        raise W2SGError(
            f"{folder} is not a sweep folder: it holds no manifest.json and sweep.json "
            "(`w2sg sweep` writes them)"
        )
    return folder


def selection_rows(entry: dict, results: dict) -> list[dict]:
    """Per strategy of a cell's selection stage: overlap collected and test accuracy at the
    last round (means over the bandit's seeds). The overlap is the true share of overlap
    points collected (constructed arms), else the bandit's own estimate (natural arms)."""
    sel = results.get("selection")
    if not isinstance(sel, dict) or not sel.get("strategies"):
        return []
    rows = []
    for strategy, block in sel["strategies"].items():
        final = block["summary"]["final"]
        true, estimate = (final.get(k, {}).get("mean") for k in ("true_ratio", "estimated_ratio"))
        rows.append(
            {
                "dataset": entry["dataset"],
                "weak_model": entry["weak"],
                "strong_model": entry["strong"],
                "method": entry["method"],
                "seed": entry["seed"],
                "strategy": strategy,
                "arms": sel["arms"]["kind"],
                "overlap": true if true is not None else estimate,
                "overlap_measure": "true" if true is not None else "estimated",
                "accuracy": final.get("accuracy", {}).get("mean"),
                "rounds": sel["config"]["rounds"],
                "bandit_seeds": len(sel["config"]["seeds"]),
            }
        )
    return rows


def stage_train_s(results: dict) -> float:
    """The training time a cell's trained stages record (`<seed>/<stage>_train_s`): what the
    cell cost when its stages were trained, even when this sweep read them from the cache."""
    timings = results.get("timings") or {}
    return float(sum(v for k, v in timings.items() if k.endswith("_train_s") and v))


def _commit(results: dict) -> str | None:
    prov = results.get("provenance") or {}
    return (prov.get("w2sg") or {}).get("commit")


def read_sweep(path: str | Path) -> SweepData:
    """A sweep folder's tables, read once from its cells' results.json."""
    folder = check_sweep_folder(path)
    config, manifest = _json(folder / "sweep.json"), _json(folder / "manifest.json")
    if not isinstance(manifest.get("cells"), dict):
        raise W2SGError(f"{folder / 'manifest.json'} lists no cells")
    cells, arms, selection, commits, train_s = [], [], [], set(), 0.0
    for entry, results in finished_cells(folder, manifest):
        if results is None:
            continue
        cells.append(cell_row(entry, results))
        arms += arm_rows(entry, results)
        selection += selection_rows(entry, results)
        train_s += stage_train_s(results)
        commit = _commit(results)
        if commit:
            commits.add(commit)
    return SweepData(
        folder,
        config,
        manifest,
        pd.DataFrame(cells),
        pd.DataFrame(arms),
        pd.DataFrame(selection),
        tuple(sorted(commits)),
        train_s,
    )


@dataclass(frozen=True)
class RunTimes:
    """A sweep's wall times from its manifest: the cold runs (those that computed cells) and
    the last cached rerun (nothing left to compute)."""

    cold_s: float | None
    cold_runs: int
    cold_cells: int
    cold_unfinished: int  # cold runs stopped before their end (killed); their time so far
    cached_s: float | None
    cached_started: str | None
    first_started: str | None
    # of cold_s, the warm-ups' time (the activations, extracted or read from the store); None
    # when a cold run did not record it
    cold_warm_s: float | None = None


def run_times(runs: list[dict[str, Any]]) -> RunTimes:
    """Cold: the summed wall time of every run that had cells to compute (a killed run counts
    with the time it recorded). Cached: the last finished run that had none."""
    cold = [r for r in runs if int(r.get("to_run") or 0) > 0]
    cached = [r for r in runs if int(r.get("to_run") or 0) == 0 and r.get("finished")]
    return RunTimes(
        cold_s=float(sum(float(r.get("wall_s") or 0) for r in cold)) if cold else None,
        cold_runs=len(cold),
        cold_cells=sum(int(r["to_run"]) for r in cold),
        cold_unfinished=sum(1 for r in cold if not r.get("finished")),
        cached_s=float(cached[-1]["wall_s"]) if cached else None,
        cached_started=cached[-1].get("started") if cached else None,
        first_started=runs[0].get("started") if runs else None,
        cold_warm_s=(
            float(sum(float(r["warm_s"]) for r in cold))
            if cold and all(r.get("warm_s") is not None for r in cold)
            else None
        ),
    )


def sweep_command(manifest: dict) -> str | None:
    """The command line of the sweep's first recorded run (`w2sg sweep ...`)."""
    runs = manifest.get("runs") or []
    argv = runs[0].get("command") if runs else None
    if not argv:
        return None
    first = Path(str(argv[0]))
    is_w2sg = first.name == "w2sg" or (first.name == "__main__.py" and first.parent.name == "w2sg")
    return " ".join(["w2sg" if is_w2sg else first.name, *(str(a) for a in argv[1:])])
