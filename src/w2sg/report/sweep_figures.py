"""A sweep's figures: PGR per dataset and method with intervals; the mixing slope per dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from w2sg.report.plotting import pyplot, save_figure


def pgr_figure(per: pd.DataFrame, out_dir: Path) -> list[Path]:
    """PGR mean per dataset and method with its bootstrap 95 % interval; guarded ones hatched."""
    plt = pyplot()
    datasets = list(dict.fromkeys(per["dataset"]))
    methods = list(dict.fromkeys(per["method"]))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(datasets) + 2), 4.2))
    width = 0.8 / max(1, len(methods))
    for j, method in enumerate(methods):
        rows = per[per["method"] == method].groupby("dataset").first().reindex(datasets)
        x = np.arange(len(datasets)) + (j - (len(methods) - 1) / 2) * width
        mean = rows["pgr_mean"].to_numpy(float)
        lo = np.where(np.isfinite(rows["pgr_lo"]), mean - rows["pgr_lo"], 0)
        hi = np.where(np.isfinite(rows["pgr_hi"]), rows["pgr_hi"] - mean, 0)
        bars = ax.bar(x, np.nan_to_num(mean), width, yerr=[lo, hi], capsize=3, label=method)
        for bar, guarded in zip(bars, rows["guarded"].fillna(False), strict=True):
            if guarded:
                bar.set_hatch("//")
                bar.set_alpha(0.4)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(np.arange(len(datasets)), datasets, rotation=35, ha="right")
    ax.set_ylabel("PGR (mean over seeds, 95% bootstrap CI)")
    ax.set_title("PGR per dataset (hatched: excluded by the gap guard)")
    ax.legend(fontsize=8)
    return save_figure(fig, out_dir, "pgr_by_dataset")


def slope_figure(per: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Mixing slope per dataset (accuracy per unit overlap share q): does overlap drive W2S?

    The slope is that of docs/methods.md#mixing.
    """
    plt = pyplot()
    rows = per.groupby("dataset", sort=False)["mixing_slope"].mean()
    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(rows) + 2), 3.8))
    values = rows.to_numpy(float)
    colors = ["tab:green" if v > 0 else "tab:red" for v in np.nan_to_num(values)]
    ax.bar(np.arange(len(rows)), np.nan_to_num(values), color=colors)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(np.arange(len(rows)), list(rows.index), rotation=35, ha="right")
    ax.set_ylabel("test accuracy per unit q")
    ax.set_title("Mixing slope per dataset")
    return save_figure(fig, out_dir, "mixing_slope_by_dataset")


def sweep_figures(per: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Both figures of a sweep, as PNG and SVG in `out_dir`."""
    paths = pgr_figure(per, out_dir)
    if per["mixing_slope"].notna().any():
        paths += slope_figure(per, out_dir)
    return paths
