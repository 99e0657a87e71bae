"""A sweep's outputs: the tidy table, the statistics, figures, summary.md and report.html.

Reads each finished cell's results.json through the results contract (weak / w2s / ceiling /
pgr per metric, overlap counts, mixing slope), so any method that writes it is aggregated.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from w2sg.io import write_atomic, write_json
from w2sg.report.html import write_html_report
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
    row["error"] = entry.get("error") or ""
    row[DURATION] = _float(entry.get(DURATION))
    return row


def _float(x: Any) -> float:
    return math.nan if x is None else float(x)


def build_table(out_dir: Path, manifest: dict) -> pd.DataFrame:
    """The tidy table: one row per cell of the manifest, in grid order."""
    rows = []
    for entry in manifest["cells"].values():
        results = None
        path = out_dir / entry["dir"] / "results.json"
        if entry["state"] == "done" and path.is_file():
            results = json.loads(path.read_text())
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
    write_json(
        out_dir / "statistics.json",
        {
            "metric": cfg["metric"],
            "guard_margin": cfg["guard_margin"],
            "baseline": cfg.get("baseline"),
            "bootstrap_resamples": cfg["bootstrap"],
            **{k: _records(v) for k, v in stats.items()},
        },
    )
    if stats:
        write_atomic(
            out_dir / "per_dataset.csv", lambda tmp: stats["per_dataset"].to_csv(tmp, index=False)
        )
        sweep_figures(stats["per_dataset"], out_dir)
    write_atomic(
        out_dir / "summary.md", lambda tmp: tmp.write_text(summary_markdown(cfg, manifest, stats))
    )
    write_html_report(out_dir)
    return stats


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def headline(per: pd.DataFrame) -> str:
    """The per-dataset table as Markdown: weak, w2s, ceiling, PGR [95 % CI], overlap, slope."""
    lines = [
        "| dataset | method | weak | w2s | ceiling | PGR mean [95% CI] | PGR median "
        "| overlap share | mixing slope | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in per.to_dict("records"):
        ci = f"{_fmt(r['pgr_mean'])} [{_fmt(r['pgr_lo'])}, {_fmt(r['pgr_hi'])}]"
        lines.append(
            f"| {r['dataset']} | {r['method']} | {_fmt(r['weak'])} | {_fmt(r['w2s'])} "
            f"| {_fmt(r['ceiling'])} | {ci} | {_fmt(r['pgr_median'])} "
            f"| {_fmt(r['overlap_share'])} | {_fmt(r['mixing_slope'])} | {r['note']} |"
        )
    return "\n".join(lines)


def _tests_markdown(frame: pd.DataFrame, title: str, what: str) -> list[str]:
    lines = [
        f"## {title}",
        "",
        f"| {what} | datasets | wins | losses | mean diff "
        "| t-test p (one-sided) | Wilcoxon p (one-sided) | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in frame.to_dict("records"):
        label = r["method"] + (f" vs {r['baseline']}" if "baseline" in r else "")
        lines.append(
            f"| {label} | {r['n']} | {r['wins']} | {r['losses']} | {_fmt(r['mean_diff'], 4)} "
            f"| {_fmt(r['t_p'], 4)} | {_fmt(r['wilcoxon_p'], 4)} | {r['note']} |"
        )
    return [*lines, ""]


def summary_markdown(cfg: dict, manifest: dict, stats: dict[str, pd.DataFrame]) -> str:
    """summary.md of a sweep: the state of its cells, the headline table, the statistics."""
    counts: dict[str, int] = {}
    for e in manifest["cells"].values():
        counts[e["state"]] = counts.get(e["state"], 0) + 1
    lines = [
        f"# Sweep {cfg['name']}",
        "",
        "Cells: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ".",
        "",
        f"Metric: {cfg['metric']}; PGR guard margin: ceiling - weak >= "
        f"{cfg['guard_margin']:g} (below it a dataset is shown but left out of the PGR "
        "statistics).",
        "",
    ]
    failed = [(k, e["error"]) for k, e in manifest["cells"].items() if e["state"] == "failed"]
    if failed:
        lines += ["## Failed cells", ""] + [f"- `{k}`: {err}" for k, err in failed] + [""]
    if not stats:
        return "\n".join([*lines, "No finished cells yet.", ""])
    lines += ["## Per dataset (means over seeds)", "", headline(stats["per_dataset"]), ""]
    lines += [
        "## Across datasets",
        "",
        "| method | pair | datasets | excluded | PGR mean | PGR median |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in stats["across_datasets"].to_dict("records"):
        lines.append(
            f"| {r['method']} | {r['weak_model']} -> {r['strong_model']} "
            f"| {r['datasets']} | {r['excluded']} | {_fmt(r['pgr_mean'])} "
            f"| {_fmt(r['pgr_median'])} |"
        )
    lines.append("")
    if "vs_baseline" in stats:
        lines += _tests_markdown(stats["vs_baseline"], "Against the baseline (PGR)", "method")
    lines += _tests_markdown(stats["w2s_vs_weak"], "W2S against weak (per dataset)", "method")
    return "\n".join(lines)
