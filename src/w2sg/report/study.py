"""Figures of a study, then its summary.md and report.html (blocks in `study_summary`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from w2sg.report.html import write_run_report
from w2sg.report.plotting import pyplot, save_figure
from w2sg.report.study_summary import pooled_mixing_summary

COLOURS = {"overlap": "#2a9d8f", "easy_only": "#e9c46a", "hard_only": "#e76f51"}


def verdict_label(strength: dict | None) -> str:
    """A threshold's legend note: found gap or arbitrary cut, with its effect and p-value."""
    if not strength or strength.get("verdict") in (None, "untested"):
        return ""
    words = "found gap" if strength["verdict"] == "found" else "arbitrary cut"
    return f": {words} (effect {strength['effect']:.2f}, p {strength['p_value']:.3f})"


def confidence_histogram(
    detection, out_dir: Path, seed: int = 0, strength: dict | None = None
) -> list[Path]:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.hist(detection.confidence, bins=50, color="#577590")
    ax.axvline(
        detection.confidence_threshold,
        color="k",
        ls="--",
        label=f"threshold {detection.confidence_threshold:.3f}{verdict_label(strength)}",
    )
    ax.set_xlabel("weak confidence 2|p - 0.5|")
    ax.set_ylabel("points in strong_train")
    ax.set_title(f"Weak confidence: hard-only below the threshold (split seed {seed})")
    ax.legend(fontsize=8)
    return save_figure(fig, out_dir, "weak_confidence")


def overlap_score_histogram(
    detection, out_dir: Path, seed: int = 0, strength: dict | None = None
) -> list[Path]:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    scores = detection.scores
    finite = scores[np.isfinite(scores)]
    bins = np.linspace(finite.min(), finite.max(), 50) if len(finite) else 10
    for name in ("easy_only", "overlap"):
        idx = getattr(detection, name)
        if len(idx):
            ax.hist(
                scores[idx],
                bins=bins,
                color=COLOURS[name],
                alpha=0.85,
                label=f"{name.replace('_', '-')} ({len(idx)})",
            )
    if detection.overlap_threshold is not None:
        ax.axvline(
            detection.overlap_threshold,
            color="k",
            ls="--",
            label=f"threshold {detection.overlap_threshold:.3f}{verdict_label(strength)}",
        )
    ax.set_xlabel(f"overlap score (max {detection.similarity} to the hard-only set)")
    ax.set_ylabel("points")
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
    ax.set_title(
        f"Overlap scores of confident points ({len(detection.hard_only)} hard-only, "
        f"split seed {seed})"
    )
    return save_figure(fig, out_dir, "overlap_scores")


def mixing_curve(
    summary: list[dict], out_dir: Path, weak: float, ceiling: float, seeds: list[int]
) -> list[Path]:
    """Student accuracy against the overlap share q, mean ± std over every seed's rows."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    rows = [r for r in summary if r["kind"] == "mix"]
    qs = np.array([r["q"] for r in rows])
    mean = np.array([r["accuracy_mean"] for r in rows])
    std = np.array([r["accuracy_std"] for r in rows])
    ax.plot(qs, mean, "o-", color=COLOURS["overlap"], label="overlap share q")
    ax.fill_between(qs, mean - std, mean + std, color=COLOURS["overlap"], alpha=0.2)
    base = next((r for r in summary if r["kind"] == "baseline"), None)
    if base and base["accuracy_mean"] is not None:
        ax.axhline(base["accuracy_mean"], color="#6c757d", ls="-", label="random subset")
        ax.axhspan(
            base["accuracy_mean"] - base["accuracy_std"],
            base["accuracy_mean"] + base["accuracy_std"],
            color="#6c757d",
            alpha=0.15,
        )
    ax.axhline(weak, color=COLOURS["hard_only"], ls=":", label=f"weak {weak:.3f}")
    ax.axhline(ceiling, color="k", ls=":", label=f"ceiling {ceiling:.3f}")
    ax.set_xlabel("share of overlap points in the student's training set (q)")
    ax.set_ylabel("student test accuracy")
    ax.set_title(
        "Mixing experiment: overlap density drives W2S\n"
        + (
            f"split seed {seeds[0]}, spread over mixing seeds"
            if len(seeds) == 1
            else f"{len(seeds)} split seeds × mixing seeds"
        ),
        fontsize=10,
    )
    ax.legend(fontsize=8)
    return save_figure(fig, out_dir, "mixing")


def model_bars(results: dict, out_dir: Path) -> list[Path]:
    """Weak / w2s / ceiling test metrics; with several split seeds, the mean and its spread."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.4))
    names = ["weak", "w2s", "ceiling"]
    seeds = [r["seed"] for r in results["per_seed"] if r["weak"] is not None]
    for ax, metric in zip(axes, ("accuracy", "auc"), strict=True):
        vals = [(results[n] or {}).get(metric) or 0.0 for n in names]
        errs = [((results.get(f"{n}_std") or {}).get(metric) or 0.0) for n in names]
        ax.bar(
            names,
            vals,
            yerr=errs if len(seeds) > 1 else None,
            capsize=4,
            color=["#e76f51", "#2a9d8f", "#264653"],
        )
        lo = min(vals) - 0.05
        ax.set_ylim(max(0.0, lo), min(1.0, max(vals) + 0.03))
        for i, v in enumerate(vals):
            ax.text(i, v, f"{v:.3f}", ha="center", va="bottom", fontsize=8)
        pgr = (results["pgr"] or {}).get(metric)
        ax.set_title(f"{metric}: PGR {'n/a' if pgr is None else f'{pgr:.2f}'}")
    fig.suptitle(_seeds_note(seeds), fontsize=8)
    return save_figure(fig, out_dir, "models")


def _seeds_note(seeds: list[int]) -> str:
    if len(seeds) == 1:
        return f"one split seed ({seeds[0]})"
    return f"mean ± std over {len(seeds)} split seeds ({', '.join(map(str, seeds))})"


def write_study_report(results: dict, runs: list[dict], out_dir: str | Path) -> list[Path]:
    """The study's figures (those of stages that ran), summary.md and report.html."""
    out = Path(out_dir)
    run = runs[0]
    detection = run["_detection"]
    figures: list[Path] = []
    if results["weak"] is not None:
        figures += model_bars(results, out)
    if detection is not None:
        o = run.get("overlap") or {}
        figures += confidence_histogram(detection, out, run["seed"], o.get("confidence_split"))
        figures += overlap_score_histogram(detection, out, run["seed"], o.get("overlap_split"))
    mixing = pooled_mixing_summary(results)
    if mixing:
        seeds = [r["seed"] for r in results["per_seed"] if r["mixing"]]
        figures += mixing_curve(
            mixing, out, results["weak"]["accuracy"], results["ceiling"]["accuracy"], seeds
        )
    write_run_report(results, out)
    return figures
