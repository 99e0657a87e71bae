"""Figures of the selection stage (docs/methods.md#selection), from the stage's JSON
dict, as PNG and SVG.

- `selection_overlap_ratio`: estimated overlap ratio of collected data per round, per
  strategy (mean ± std over seeds), with the true ratio dashed where known;
- `selection_accuracy`: test accuracy per round of the strong probe on all collected points
  (solid) and on the detected overlap points only (dashed);
- `selection_pulls`: mean pulls per arm per strategy, with std over seeds;
- `selection_regret`: cumulative regret against the oracle (constructed arms only);
- `selection_arm_estimates`: each arm's estimated overlap density ô_k per round under each
  estimator (rows) and strategy (columns), mean ± std over seeds, beside the arm's true
  density (dashed) where it is known: how well each estimator tracks the truth.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from w2sg.report.plotting import pyplot, save_figure

COLORS = {"ucb": "C0", "ucb1": "C2", "random": "C1", "oracle": "C3"}


def _band(ax, rounds: list[int], series: dict, color: str, label: str, style: str = "-") -> None:
    mean = np.array([np.nan if v is None else v for v in series["mean"]], dtype=float)
    std = np.array([np.nan if v is None else v for v in series["std"]], dtype=float)
    x = np.asarray(rounds)[: len(mean)]
    ok = ~np.isnan(mean)
    ax.plot(x[ok], mean[ok], style, color=color, label=label, marker="." if ok.sum() < 30 else None)
    if style == "-":
        ax.fill_between(x[ok], (mean - std)[ok], (mean + std)[ok], color=color, alpha=0.15)


def _save(fig, out_dir: Path, stem: str) -> list[Path]:
    return save_figure(fig, out_dir, stem, dpi=120, tight=False)


# Line figures: (file stem, y label, [(per-round key, line style, what the line is)]).
PANELS = [
    (
        "selection_overlap_ratio",
        "overlap ratio of collected data",
        [("estimated_ratio", "-", "estimated"), ("true_ratio", "--", "true")],
    ),
    (
        "selection_accuracy",
        "test accuracy",
        [("accuracy", "-", "all collected"), ("overlap_accuracy", "--", "overlap only")],
    ),
    ("selection_regret", "cumulative regret vs oracle", [("regret", "-", "")]),
]


def write_selection_figures(stage: dict, out_dir: str | Path, title: str = "") -> list[Path]:
    """Write the selection figures into `out_dir`; returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = f" — {title}" if title else ""
    written: list[Path] = []
    for stem, ylabel, keys in PANELS:
        written += _round_figure(stage, out_dir, stem, ylabel, keys, suffix)
    written += _arm_estimates_figure(stage, out_dir, suffix)
    return written + _pulls_figure(stage, out_dir, suffix)


def _round_figure(
    stage: dict, out_dir: Path, stem: str, ylabel: str, keys: list, suffix: str
) -> list[Path]:
    """One line per strategy and key against the round (nothing when no strategy has a key)."""
    from matplotlib.ticker import MaxNLocator  # heavy: loaded on first use

    strategies = stage["strategies"]
    if not any(k in s["summary"]["per_round"] for s in strategies.values() for k, _, _ in keys):
        return []
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for name, s in strategies.items():
        summary = s["summary"]
        for key, style, what in keys:
            if key in summary["per_round"]:
                label = f"{name} ({what})" if what else name
                series = summary["per_round"][key]
                _band(ax, summary["rounds"], series, COLORS.get(name, "C7"), label, style)
    ax.set_xlabel("round")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    seeds = len(stage["config"]["seeds"])
    ax.set_title(f"{ylabel}, mean ± std over {seeds} seed(s){suffix}", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    written = _save(fig, out_dir, stem)
    plt.close(fig)
    return written


def _pulls_figure(stage: dict, out_dir: Path, suffix: str) -> list[Path]:
    """Mean pulls per arm, one bar group per arm and one bar per strategy, std over seeds."""
    plt = pyplot()
    strategies, names = stage["strategies"], stage["arms"]["names"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    width = 0.8 / max(1, len(strategies))
    for i, (name, s) in enumerate(strategies.items()):
        x = np.arange(len(names)) + (i - (len(strategies) - 1) / 2) * width
        ax.bar(
            x,
            s["summary"]["pulls_mean"],
            width,
            yerr=s["summary"]["pulls_std"],
            color=COLORS.get(name, "C7"),
            label=name,
            capsize=2,
        )
    ax.set_xticks(np.arange(len(names)), names, rotation=20, fontsize=8)
    ax.set_ylabel("pulls")
    seeds = len(stage["config"]["seeds"])
    ax.set_title(f"pulls per arm, mean ± std over {seeds} seed(s){suffix}", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    written = _save(fig, out_dir, "selection_pulls")
    plt.close(fig)
    return written


def _true_densities(stage: dict) -> list[float | None]:
    """Each arm's true density, averaged over the seeds' constructions (None: unknown)."""
    by_seed = list(stage["arms"]["by_seed"].values())
    out: list[float | None] = []
    for k in range(len(stage["arms"]["names"])):
        vals = [arms[k]["true_density"] for arms in by_seed]
        out.append(None if None in vals else float(np.mean(vals)))
    return out


def _arm_estimates_figure(stage: dict, out_dir: Path, suffix: str) -> list[Path]:
    """ô_k per round under each estimator (rows) and strategy (columns) vs the true density."""
    plt = pyplot()
    strategies = stage["strategies"]
    estimators = [
        e
        for e in ("reference", "calibrated")
        if any(e in s["summary"].get("arm_estimates", {}) for s in strategies.values())
    ]
    if not estimators:
        return []
    names, truth = stage["arms"]["names"], _true_densities(stage)
    active = stage["config"].get("estimator")
    fig, axes = plt.subplots(
        len(estimators),
        len(strategies),
        figsize=(3.2 * len(strategies), 2.8 * len(estimators)),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for row, est in enumerate(estimators):
        for col, (name, s) in enumerate(strategies.items()):
            ax = axes[row][col]
            rounds = s["summary"]["rounds"]
            for k, series in enumerate(s["summary"].get("arm_estimates", {}).get(est, [])):
                _band(ax, rounds, series, f"C{k}", names[k])
                if truth[k] is not None:
                    ax.axhline(truth[k], color=f"C{k}", ls="--", lw=1)
            drives = " (drives UCB)" if est == active and name.startswith("ucb") else ""
            ax.set_title(f"{name}: {est}{drives}", fontsize=8)
            ax.set_ylim(-0.02, 1.02)
            if row == len(estimators) - 1:
                ax.set_xlabel("round")
            if col == 0:
                ax.set_ylabel("estimated overlap density")
    axes[0][0].legend(fontsize=7, title="arm (dashed: true)", title_fontsize=7)
    seeds = len(stage["config"]["seeds"])
    fig.suptitle(
        f"per-arm overlap estimate vs true density, mean ± std over {seeds} seed(s){suffix}",
        fontsize=9,
    )
    fig.tight_layout()
    written = _save(fig, out_dir, "selection_arm_estimates")
    plt.close(fig)
    return written
