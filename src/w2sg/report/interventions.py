"""Figures of `w2sg interventions` and `w2sg probes sweep` (docs/methods.md#interventions),
then their summary.md and report.html (blocks in `run_summaries`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from w2sg.report.html import write_run_report
from w2sg.report.plotting import pyplot, save_figure


def interventions_figure(results: dict, out_dir: Path) -> list[Path]:
    """PGR (accuracy) per intervention: mean over seeds, error bar one std."""
    plt = pyplot()
    table = results["interventions"]
    names = list(table)
    means = [table[n]["pgr_accuracy"]["mean"] for n in names]
    stds = [table[n]["pgr_accuracy"]["std"] for n in names]
    y = np.array([np.nan if m is None else m for m in means])
    err = np.array([0.0 if s is None else s for s in stds])
    fig, ax = plt.subplots(figsize=(max(6, 0.55 * len(names) + 2), 3.8))
    colours = ["#577590" if n == "none" else "#2a9d8f" for n in names]
    ax.bar(range(len(names)), np.nan_to_num(y), yerr=err, color=colours, capsize=3)
    plain = table.get("none", {}).get("pgr_accuracy", {}).get("mean")
    if plain is not None:
        ax.axhline(plain, color="k", ls="--", lw=1, label="plain student")
        ax.legend()
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_ylabel("PGR (accuracy)")
    n_seeds = len(results["per_seed"])
    ax.set_title(f"{results['dataset']['name']}: interventions, mean ± std over {n_seeds} seeds")
    return save_figure(fig, out_dir, "interventions_pgr")


def write_interventions_report(results: dict, out_dir: Path) -> None:
    """interventions_pgr.png/svg, summary.md and report.html beside results.json."""
    interventions_figure(results, out_dir)
    write_run_report(results, out_dir)


def sweep_figure(results: dict, out_dir: Path) -> list[Path]:
    """One heat-map per probe: layers x parameter, probe test AUC minus weak test AUC."""
    plt = pyplot()
    sweep = results["sweep"]
    fig, axes = plt.subplots(
        1, len(sweep), figsize=(4.2 * len(sweep) + 1, 4.4), squeeze=False, layout="constrained"
    )
    for ax, (probe, s) in zip(axes[0], sweep.items(), strict=True):
        grid = np.array([[np.nan if v is None else v for v in row] for row in s["auc_gain"]])
        lim = float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0
        im = ax.imshow(grid, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto", origin="lower")
        ax.set_xticks(range(len(s["values"])), [f"{v:g}" for v in s["values"]])
        ax.set_yticks(range(len(results["layers"])), results["layers"])
        ax.set_xlabel(s["parameter"])
        ax.set_ylabel("layer")
        ax.set_title(probe)
        for (i, j), v in np.ndenumerate(grid):
            if np.isfinite(v):
                ax.text(j, i, f"{v:+.3f}", ha="center", va="center", fontsize=7)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(f"{results['dataset']['name']}: probe test AUC − weak test AUC")
    return save_figure(fig, out_dir, "probes_sweep", tight=False)


def write_sweep_report(results: dict, out_dir: Path) -> None:
    """probes_sweep.png/svg, summary.md and report.html beside results.json."""
    sweep_figure(results, out_dir)
    write_run_report(results, out_dir)
