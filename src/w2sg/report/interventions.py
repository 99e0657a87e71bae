"""Figures and summary.md of `w2sg interventions` and `w2sg probes sweep` (SPEC §7)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from w2sg.io import write_atomic
from w2sg.report.plotting import pyplot, save_figure


def _f(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _pm(stat: dict, digits: int = 3) -> str:
    if stat["mean"] is None:
        return "n/a"
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


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


def interventions_summary(results: dict) -> str:
    """A markdown table: one row per intervention."""
    cfg = results["config"]
    lines = [
        f"# Interventions: {results['dataset']['name']}, {cfg['weak_model']} -> "
        f"{cfg['strong_model']}",
        "",
        f"Probe layer {results['probe_layer']}, student layer {results['student_layer']}; "
        f"seeds {cfg['seeds']}. Weak accuracy {_pm(results['weak']['accuracy'])}, plain "
        f"student {_pm(results['w2s']['accuracy'])}, "
        f"ceiling {_pm(results['ceiling']['accuracy'])}.",
        "",
        "| intervention | accuracy | AUC | PGR (acc) | PGR − plain | kept | weak acc kept "
        "| weak acc dropped | train-label acc |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, e in results["interventions"].items():
        lines.append(
            f"| {name} | {_pm(e['accuracy'])} | {_pm(e['auc'])} | {_pm(e['pgr_accuracy'])} | "
            f"{_pm(e['pgr_accuracy_vs_plain'])} | {_f(e['n_kept']['mean'], 0)} | "
            f"{_f(e['weak_label_accuracy_kept']['mean'])} | "
            f"{_f(e['weak_label_accuracy_dropped']['mean'])} | "
            f"{_f(e['train_label_accuracy']['mean'])} |"
        )
    topo = {
        n: e["topocc_removed_fraction"]
        for n, e in results["interventions"].items()
        if "topocc_removed_fraction" in e
    }
    for name, stat in topo.items():
        lines += ["", f"{name}: TopoCC alone removed {_pm(stat)} of the pool."]
    lines += ["", "Figure: interventions_pgr.png (mean ± std over seeds).", ""]
    return "\n".join(lines)


def write_interventions_report(results: dict, out_dir: Path) -> None:
    interventions_figure(results, out_dir)
    text = interventions_summary(results)
    write_atomic(Path(out_dir) / "summary.md", lambda tmp: tmp.write_text(text))


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
    sweep_figure(results, out_dir)
    lines = [
        f"# Probe sweep: {results['dataset']['name']}",
        "",
        f"Weak test AUC {_pm(results['weak_auc'])}. Best cell per probe (test AUC − weak AUC):",
        "",
        "| probe | layer | parameter | AUC gain |",
        "| --- | --- | --- | --- |",
    ]
    for probe, s in results["sweep"].items():
        b = s["best"]
        if b is None:
            lines.append(f"| {probe} | n/a | n/a | n/a |")
        else:
            lines.append(
                f"| {probe} | {b['layer']} | {s['parameter']}={b['value']:g} | "
                f"{b['auc_gain']:+.4f} ± {b['auc_gain_std']:.4f} |"
            )
    lines += ["", "Figure: probes_sweep.png.", ""]
    text = "\n".join(lines)
    write_atomic(Path(out_dir) / "summary.md", lambda tmp: tmp.write_text(text))
