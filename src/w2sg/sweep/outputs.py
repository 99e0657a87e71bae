"""A sweep's outputs: the tidy table, the arms table, the statistics, figures, summary.md and
report.html.

Reads each finished cell's results.json through the results contract (weak / w2s / ceiling /
pgr per metric, overlap counts, mixing slope), so any method that writes it is aggregated.
Cells with several students on the same weak labels (the interventions' arms, fine-tune's
losses) also give one row per arm to the arms table, beside their plain student.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from w2sg.io import write_atomic, write_json
from w2sg.report.files import read_results
from w2sg.report.html import write_sweep_folder_report
from w2sg.report.sweep_figures import sweep_figures
from w2sg.stats.arms import arm_differences, arms_vs_reference
from w2sg.stats.pgr import DEFAULT_MARGIN, pgr
from w2sg.stats.tables import across_datasets, compare_to_baseline, summarize_datasets, w2s_vs_weak

MODELS = ("weak", "w2s", "ceiling", "pgr")
METRICS = ("accuracy", "auc")
SIZES = ("weak_train", "strong_train", "test")
DURATION = "duration_s"


def _margin(results: dict) -> float:
    return float((results.get("config") or {}).get("pgr_margin", DEFAULT_MARGIN))


def headline(results: dict) -> dict[str, dict]:
    """weak / w2s / ceiling / pgr per metric of a one-seed cell: that seed's block when the
    top level holds statistics over seeds (the interventions'), PGR by the one rule when the
    run did not record it."""
    seeds = results.get("per_seed") or []
    one = seeds[0] if len(seeds) == 1 and "w2s" in seeds[0] else results
    out = {m: dict(one.get(m) or {}) for m in ("weak", "w2s", "ceiling")}
    recorded = one.get("pgr")
    out["pgr"] = (
        dict(recorded)
        if isinstance(recorded, dict)
        else {
            m: pgr(
                out["weak"].get(m), out["w2s"].get(m), out["ceiling"].get(m), _margin(results)
            ).value
            for m in METRICS
        }
    )
    return out


def cell_keys(entry: dict) -> dict[str, Any]:
    """Where a cell sits in the grid, as the tables name it (from its manifest entry)."""
    keys = ("dataset", "weak", "strong", "method", "kind", "seed")
    names = ("dataset", "weak_model", "strong_model", "method", "kind", "seed")
    return {name: entry[key] for name, key in zip(names, keys, strict=True)}


def cell_row(entry: dict, results: dict | None) -> dict:
    """One row of the tidy table from a manifest entry and the cell's results.json."""
    row: dict[str, Any] = {
        **cell_keys(entry),
        "state": entry["state"],
    }
    r = results or {}
    config = r.get("config") or {}
    row["weak_supervisor"] = str(config.get("weak_supervisor", "probe")) if r else ""
    for size in SIZES:
        row[size] = _float(config.get(size))
    metrics = headline(r) if r else {}
    for model in MODELS:
        for metric in METRICS:
            row[f"{model}_{metric}"] = _float((metrics.get(model) or {}).get(metric))
    counts = r.get("overlap") or {}
    total = sum(counts.get(k) or 0 for k in ("n_overlap", "n_easy_only", "n_hard_only"))
    row["overlap_share"] = counts["n_overlap"] / total if total else math.nan
    row["mixing_slope"] = _float(r.get("mixing_slope"))
    row["weak_label_accuracy"] = _float(r.get("weak_label_accuracy"))
    row.update(diagnostic_columns(r))
    row["error"] = entry.get("error") or ""
    row[DURATION] = _float(entry.get(DURATION))
    return row


SIMILARITY_COLUMNS = ("error_agreement", "error_kappa", "capa")


def diagnostic_columns(results: dict) -> dict[str, float]:
    """A cell's diagnostics as table columns: weak-ceiling similarity on test
    (docs/methods.md#similarity) and whether t1 is a found split (1, 0; NaN where not tested,
    docs/methods.md#split-strength)."""
    sim = ((results.get("similarity") or {}).get("test") or {}).get("weak_vs_ceiling") or {}
    out = {name: _float(sim.get(name)) for name in SIMILARITY_COLUMNS}
    split = (results.get("overlap") or {}).get("confidence_split") or {}
    found = split.get("found")
    out["t1_found"] = math.nan if found is None else float(found)
    out["t1_effect"] = _float(split.get("effect"))
    return out


def _float(x: Any) -> float:
    return math.nan if x is None else float(x)


def _arm_students(results: dict) -> tuple[dict[str, dict], str | None]:
    """{arm: {accuracy, auc, pgr, kept_fraction}} of a one-seed cell and its reference arm:
    the interventions (reference `none`) or fine-tune's students (reference: the first loss,
    the cell's w2s)."""
    seeds = results.get("per_seed") or []
    if len(seeds) != 1:
        return {}, None
    one = seeds[0]
    if "probe_layer" in results and isinstance(one.get("interventions"), dict):
        arms = {
            name: {**row["test"], "pgr": row.get("pgr") or {}, "kept": row.get("kept_fraction")}
            for name, row in one["interventions"].items()
        }
        return arms, "none" if "none" in arms else None
    if isinstance(one.get("students"), dict):
        arms = {name: {**st, "kept": None} for name, st in one["students"].items()}
        losses = (results.get("config") or {}).get("losses") or []
        first = str(losses[0]) if losses else None
        return arms, first if first in arms else None
    return {}, None


def arm_rows(entry: dict, results: dict) -> list[dict]:
    """One row per arm of a finished cell (none for a cell with one student)."""
    arms, reference = _arm_students(results)
    if reference is None:
        return []
    rows = []
    for name, arm in arms.items():
        row: dict[str, Any] = {
            **cell_keys(entry),
            "arm": name,
            "reference": reference,
        }
        for metric in METRICS:
            row[metric] = _float(arm.get(metric))
            row[f"pgr_{metric}"] = _float((arm.get("pgr") or {}).get(metric))
        row["kept_fraction"] = _float(arm.get("kept"))
        rows.append(row)
    return rows


def finished_cells(out_dir: Path, manifest: dict) -> Iterator[tuple[dict, dict | None]]:
    """(manifest entry, results.json or None) of every cell, in grid order."""
    for entry in manifest["cells"].values():
        path = out_dir / entry["dir"] / "results.json"
        done = entry["state"] == "done" and path.is_file()
        yield entry, read_results(path) if done else None


def build_table(out_dir: Path, manifest: dict) -> pd.DataFrame:
    """The tidy table: one row per cell of the manifest, in grid order."""
    return pd.DataFrame([cell_row(e, r) for e, r in finished_cells(out_dir, manifest)])


def build_arms(out_dir: Path, manifest: dict) -> pd.DataFrame:
    """The arms table: one row per arm of every finished cell that has several."""
    cells = finished_cells(out_dir, manifest)
    return pd.DataFrame([a for e, r in cells if r for a in arm_rows(e, r)])


def arm_statistics(arms: pd.DataFrame, config) -> dict[str, pd.DataFrame]:
    """Each arm against its cell's plain student: per task over seeds, and across tasks."""
    if arms.empty:
        return {}
    options = {"n_resamples": config["bootstrap"]}
    return {
        "arm_differences": arm_differences(arms, config["metric"], **options),
        "arms_vs_reference": arms_vs_reference(arms, config["metric"], **options),
    }


def statistics(table: pd.DataFrame, config) -> dict[str, pd.DataFrame]:
    """Per dataset, across datasets, against the baseline, W2S against weak."""

    done = table[table["state"] == "done"]
    if done.empty:
        return {}
    per = summarize_datasets(
        done,
        metric=config["metric"],
        margin=config["guard_margin"],
        n_resamples=config["bootstrap"],
    )
    out = {
        "per_dataset": per,
        "across_datasets": across_datasets(per),
        "w2s_vs_weak": w2s_vs_weak(per),
    }
    baseline = config.get("baseline")
    if baseline and per["method"].nunique() > 1:
        out["vs_baseline"] = compare_to_baseline(per, baseline)
    return out


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records"))


def write_sweep_outputs(out_dir: Path, config, manifest: dict) -> dict[str, pd.DataFrame]:
    """Write table.parquet/.csv, statistics.json, figures, summary.md and report.html."""

    cfg = config.to_json() if hasattr(config, "to_json") else config
    table = build_table(out_dir, manifest)
    write_atomic(out_dir / "table.parquet", lambda tmp: table.to_parquet(tmp, index=False))
    write_atomic(out_dir / "table.csv", lambda tmp: table.to_csv(tmp, index=False))
    arms = build_arms(out_dir, manifest)
    if not arms.empty:
        write_atomic(out_dir / "arms.parquet", lambda tmp: arms.to_parquet(tmp, index=False))
        write_atomic(out_dir / "arms.csv", lambda tmp: arms.to_csv(tmp, index=False))
    stats = {**statistics(table, cfg), **arm_statistics(arms, cfg)}
    summary = {
        "metric": cfg["metric"],
        "guard_margin": cfg["guard_margin"],
        "baseline": cfg.get("baseline"),
        "bootstrap_resamples": cfg["bootstrap"],
        **{k: _records(v) for k, v in stats.items()},
    }
    write_json(out_dir / "statistics.json", summary)
    if "per_dataset" in stats:
        write_atomic(
            out_dir / "per_dataset.csv", lambda tmp: stats["per_dataset"].to_csv(tmp, index=False)
        )
        sweep_figures(stats["per_dataset"], out_dir)
    write_sweep_folder_report(out_dir, cfg, manifest, summary)
    return stats
