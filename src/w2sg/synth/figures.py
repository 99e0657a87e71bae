"""Figures of the synthetic experiments (docs/methods.md#synthetic-data): the mechanism curve and
detection heat-maps.

Each function takes a result from `w2sg.synth` and writes PNG + SVG (matplotlib,
Agg backend) atomically; it returns the paths written.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from w2sg.io import write_atomic
from w2sg.report.plotting import pyplot, save_figure
from w2sg.synth.detection import METRICS, DetectionGridResult, marginals
from w2sg.synth.mechanism import MechanismResult

COLOURS = {"easy_only": "tab:blue", "hard_only": "tab:red", "overlap": "tab:purple"}


def _save(fig: object, stem: Path) -> list[Path]:
    return save_figure(fig, stem.parent, stem.with_suffix("").name, dpi=150)


def mechanism_figure(result: MechanismResult, stem: str | Path) -> list[Path]:
    """Student test accuracy per true type against the varied count: mean, 10-90% band."""
    plt = pyplot()

    summary = result.summary()
    x = result.counts
    fig, ax = plt.subplots(figsize=(6, 4))
    for kind in result.types:
        s = summary[kind]
        label = kind.replace("_", "-")
        ax.plot(x, s["mean"], marker="o", ms=3, color=COLOURS[kind], label=f"{label} points")
        ax.fill_between(x, s["q10"], s["q90"], color=COLOURS[kind], alpha=0.15)
    if result.chance.any():
        ax.scatter(
            x[result.chance],
            np.full(result.chance.sum(), 0.5),
            marker="x",
            color="k",
            zorder=5,
            label="no overlap points: chance",
        )
    ax.axhline(0.5, color="grey", lw=0.6, ls=":")
    cfg = result.config
    ax.set_xlabel(f"number of {cfg.vary.replace('_', '-')} points")
    ax.set_ylabel("W2S student test accuracy")
    ax.set_title(
        f"Student trained on overlap points only ({cfg.runs} runs, 10–90% band)", fontsize=10
    )
    ax.set_ylim(0.4, 1.0)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, Path(stem))


def detection_heatmap(
    result: DetectionGridResult,
    stem: str | Path,
    rows: str = "absent_noise",
    cols: str = "hard_signal",
) -> list[Path]:
    """F1 (overlap, then hard-only) per detector over two grid axes, averaged over the rest."""
    plt = pyplot()

    table = result.rows()
    row_vals = sorted({r[rows] for r in table})
    col_vals = sorted({r[cols] for r in table})
    detectors = result.config.detectors
    metrics = (("overlap_f1", "overlap F1"), ("hard_f1", "hard-only F1"))
    fig, axes = plt.subplots(
        len(metrics),
        len(detectors),
        squeeze=False,
        figsize=(3.6 * len(detectors), 3.2 * len(metrics)),
    )
    fig.subplots_adjust(hspace=0.5, wspace=0.45)
    for m, (metric, title) in enumerate(metrics):
        for d, name in enumerate(detectors):
            grid = np.full((len(row_vals), len(col_vals)), np.nan)
            for i, rv in enumerate(row_vals):
                for j, cv in enumerate(col_vals):
                    vals = [
                        r[metric]
                        for r in table
                        if r["detector"] == name and r[rows] == rv and r[cols] == cv
                    ]
                    grid[i, j] = np.mean(vals)
            ax = axes[m, d]
            im = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
            for i in range(len(row_vals)):
                for j in range(len(col_vals)):
                    ax.text(
                        j,
                        i,
                        f"{grid[i, j]:.2f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if grid[i, j] < 0.6 else "black",
                    )
            ax.set_xticks(range(len(col_vals)), [f"{v:g}" for v in col_vals])
            ax.set_yticks(range(len(row_vals)), [f"{v:g}" for v in row_vals])
            ax.set_xlabel(cols.replace("_", " "), fontsize=8)
            ax.set_ylabel(rows.replace("_", " "), fontsize=8)
            ax.set_title(f"{name}: {title}", fontsize=9)
    fig.colorbar(im, ax=axes, shrink=0.8)
    return _save(fig, Path(stem))


def detection_markdown(result: DetectionGridResult) -> str:
    """The grid comparison as markdown: overall means, wins, marginals, then every row."""

    dets = result.config.detectors
    lines = [
        "# Overlap detection on synthetic data (docs/methods.md#synthetic-data)",
        "",
        f"{len(result.settings)} settings x {result.config.repeats} repeats.",
        "",
        "| detector | " + " | ".join(METRICS) + " |",
        "|---" * (len(METRICS) + 1) + "|",
    ]
    for name, vals in result.overall().items():
        lines.append(f"| {name} | " + " | ".join(f"{vals[m]:.3f}" for m in METRICS) + " |")
    if "reference" in dets:
        lines += [
            "",
            "Settings where a detector's overlap F1 beats / ties / loses to reference:",
            "",
        ]
        for name, w in result.wins().items():
            lines.append(f"- {name}: {w['wins']} / {w['ties']} / {w['losses']}")
    for metric in ("overlap_f1", "hard_f1"):
        lines += [
            "",
            f"## {metric} by grid axis (mean over the other axes)",
            "",
            "| axis | value | " + " | ".join(dets) + " |",
            "|---" * (len(dets) + 2) + "|",
        ]
        for row in marginals(result, metric):
            lines.append(
                f"| {row['axis']} | {row['value']} | "
                + " | ".join(f"{row[d]:.3f}" for d in dets)
                + " |"
            )
    rows = result.rows()
    keys = [k for k in rows[0] if not k.endswith("_std")]
    lines += [
        "",
        "## Every setting (mean over seeds)",
        "",
        "| " + " | ".join(keys) + " |",
        "|---" * len(keys) + "|",
    ]
    for row in rows:
        lines.append(
            "| "
            + " | ".join(
                f"{row[k]:.3f}" if isinstance(row[k], float) else str(row[k]) for k in keys
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def write_detection_csv(result: DetectionGridResult, path: str | Path) -> Path:
    """Every (setting, detector) row with mean and std per metric, as CSV."""

    rows = result.rows()

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    return write_atomic(path, write)
