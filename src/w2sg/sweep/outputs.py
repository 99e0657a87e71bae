"""A sweep's outputs: the tidy table, the statistics, figures, summary.md and report.html.

Reads each finished cell's results.json through the results contract (weak / w2s / ceiling /
pgr per metric, overlap counts, mixing slope), so any method that writes it is aggregated.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from w2sg.io import write_atomic, write_json
from w2sg.report.files import read_results
from w2sg.report.html import write_sweep_folder_report
from w2sg.report.sweep_figures import sweep_figures
from w2sg.stats.tables import across_datasets, compare_to_baseline, summarize_datasets, w2s_vs_weak

MODELS = ("weak", "w2s", "ceiling", "pgr")
DURATION = "duration_s"


def cell_row(entry: dict, results: dict | None) -> dict:
    """One row of the tidy table from a manifest entry and the cell's results.json."""
    row: dict[str, Any] = {
        "dataset": entry["dataset"],
        "weak_model": entry["weak"],
        "strong_model": entry["strong"],
        "method": entry["method"],
        "kind": entry["kind"],
        "seed": entry["seed"],
        "state": entry["state"],
    }
    r = results or {}
    for model in MODELS:
        for metric in ("accuracy", "auc"):
            row[f"{model}_{metric}"] = _float((r.get(model) or {}).get(metric))
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


def build_table(out_dir: Path, manifest: dict) -> pd.DataFrame:
    """The tidy table: one row per cell of the manifest, in grid order."""
    rows = []
    for entry in manifest["cells"].values():
        results = None
        path = out_dir / entry["dir"] / "results.json"
        if entry["state"] == "done" and path.is_file():
            results = read_results(path)
        rows.append(cell_row(entry, results))
    return pd.DataFrame(rows)


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
    stats = statistics(table, cfg)
    summary = {
        "metric": cfg["metric"],
        "guard_margin": cfg["guard_margin"],
        "baseline": cfg.get("baseline"),
        "bootstrap_resamples": cfg["bootstrap"],
        **{k: _records(v) for k, v in stats.items()},
    }
    write_json(out_dir / "statistics.json", summary)
    if stats:
        write_atomic(
            out_dir / "per_dataset.csv", lambda tmp: stats["per_dataset"].to_csv(tmp, index=False)
        )
        sweep_figures(stats["per_dataset"], out_dir)
    write_sweep_folder_report(out_dir, cfg, manifest, summary)
    return stats
