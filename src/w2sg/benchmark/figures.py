"""The benchmark's figures, each a PNG and an SVG (docs/methods.md#the-benchmark): the overlap
share against PGR across tasks (e), and per-task effects with their intervals (a, b, d)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from w2sg.benchmark.claims import RankCorrelation
from w2sg.report.plotting import pyplot, save_figure


def overlap_pgr_figure(points: pd.DataFrame, rank: RankCorrelation, out_dir: Path) -> list[Path]:
    """(e) One point per task: mean overlap share against mean PGR, PGR's interval as a bar."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 4.4))
    x, y = points["overlap_share"].to_numpy(float), points["pgr_mean"].to_numpy(float)
    lo = np.maximum(0, np.where(np.isfinite(points["pgr_lo"]), y - points["pgr_lo"], 0))
    hi = np.maximum(0, np.where(np.isfinite(points["pgr_hi"]), points["pgr_hi"] - y, 0))
    ax.errorbar(x, y, yerr=[lo, hi], fmt="o", capsize=3, color="tab:blue")
    for xi, yi, name in zip(x, y, points["dataset"], strict=True):
        ax.annotate(str(name), (xi, yi), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("share of overlap points in strong_train (mean over seeds)")
    ax.set_ylabel("PGR (mean over seeds, 95% bootstrap CI)")
    ax.set_title(
        f"Overlap share against PGR: Spearman rho {rank.rho:.2f} "
        f"[{rank.lo:.2f}, {rank.hi:.2f}], {rank.n} tasks"
    )
    return save_figure(fig, out_dir, "overlap_vs_pgr")


def effects_figure(
    labels: list[str],
    mean: ArrayLike,
    lo: ArrayLike,
    hi: ArrayLike,
    *,
    ylabel: str,
    title: str,
    out_dir: Path,
    stem: str,
) -> list[Path]:
    """One bar per label with its 95 % interval; zero marked (an effect's sign at a glance)."""
    plt = pyplot()
    mean, lo, hi = (np.asarray(a, dtype=float) for a in (mean, lo, hi))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * len(labels) + 2), 4.0))
    err = [  # a rounding error may put an interval's end a hair past its mean
        np.maximum(0, np.where(np.isfinite(lo), mean - lo, 0)),
        np.maximum(0, np.where(np.isfinite(hi), hi - mean, 0)),
    ]
    colors = ["tab:green" if v > 0 else "tab:red" for v in np.nan_to_num(mean)]
    ax.bar(np.arange(len(labels)), np.nan_to_num(mean), yerr=err, capsize=3, color=colors)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(np.arange(len(labels)), labels, rotation=35, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return save_figure(fig, out_dir, stem)
