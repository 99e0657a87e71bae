"""Figures and summary.md of a study: what a person reads first."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from w2sg.io import write_atomic
from w2sg.report.plotting import pyplot, save_figure

COLOURS = {"overlap": "#2a9d8f", "easy_only": "#e9c46a", "hard_only": "#e76f51"}


def confidence_histogram(detection, out_dir: Path) -> list[Path]:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.hist(detection.confidence, bins=50, color="#577590")
    ax.axvline(
        detection.confidence_threshold,
        color="k",
        ls="--",
        label=f"threshold {detection.confidence_threshold:.3f}",
    )
    ax.set_xlabel("weak confidence 2|p - 0.5|")
    ax.set_ylabel("points in strong_train")
    ax.set_title("Weak confidence: hard-only below the threshold")
    ax.legend()
    return save_figure(fig, out_dir, "weak_confidence")


def overlap_score_histogram(detection, out_dir: Path) -> list[Path]:
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
            label=f"threshold {detection.overlap_threshold:.3f}",
        )
    ax.set_xlabel(f"overlap score (max {detection.similarity} to the hard-only set)")
    ax.set_ylabel("points")
    ax.set_title(f"Overlap scores of confident points ({len(detection.hard_only)} hard-only)")
    ax.legend()
    return save_figure(fig, out_dir, "overlap_scores")


def mixing_curve(summary: list[dict], out_dir: Path, weak: float, ceiling: float) -> list[Path]:
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
    ax.set_title("Mixing experiment: overlap density drives W2S")
    ax.legend(fontsize=8)
    return save_figure(fig, out_dir, "mixing")


def model_bars(result: dict, out_dir: Path) -> list[Path]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.4))
    names = ["weak", "w2s", "ceiling"]
    for ax, metric in zip(axes, ("accuracy", "auc"), strict=True):
        vals = [result[n][metric] or 0.0 for n in names]
        ax.bar(names, vals, color=["#e76f51", "#2a9d8f", "#264653"])
        lo = min(vals) - 0.05
        ax.set_ylim(max(0.0, lo), min(1.0, max(vals) + 0.03))
        for i, v in enumerate(vals):
            ax.text(i, v, f"{v:.3f}", ha="center", va="bottom", fontsize=8)
        pgr = result["pgr"][metric]
        ax.set_title(f"{metric}: PGR {'n/a' if pgr is None else f'{pgr:.2f}'}")
    return save_figure(fig, out_dir, "models")


def write_study_report(results: dict, runs: list[dict], out_dir: str | Path) -> list[Path]:
    """All figures of the first seed's run, and summary.md."""
    out = Path(out_dir)
    run = runs[0]
    detection = run["_detection"]
    figures = [
        *model_bars(run, out),
        *confidence_histogram(detection, out),
        *overlap_score_histogram(detection, out),
        *mixing_curve(
            run["mixing_summary"], out, run["weak"]["accuracy"], run["ceiling"]["accuracy"]
        ),
    ]
    write_atomic(out / "summary.md", lambda tmp: tmp.write_text(summary_markdown(results)))
    return figures


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def selection_markdown(sel: dict) -> list[str]:
    """The selection stage's final round per strategy (means over selection seeds)."""
    arms = sel["arms"]
    lines = [
        "## Choosing data sources (first seed)",
        "",
        f"{arms['kind'].capitalize()} arms: {', '.join(arms['names'])}. Final round, "
        "mean over selection seeds:",
        "",
        "| strategy | true overlap ratio | estimated ratio | test accuracy | regret | pulls |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, block in sel["strategies"].items():
        fin = block["summary"]["final"]

        def mean(key: str, fin: dict = fin) -> str:  # true ratio and regret need known densities
            return _f((fin.get(key) or {}).get("mean"))

        pulls = " / ".join(f"{p:.1f}" for p in block["summary"]["pulls_mean"])
        lines.append(
            f"| {name} | {mean('true_ratio')} | {mean('estimated_ratio')} | {mean('accuracy')}"
            f" | {mean('regret')} | {pulls} |"
        )
    figures = [Path(f).name for f in sel.get("figures", []) if str(f).endswith(".png")]
    lines += ["", " ".join(f"![{Path(f).stem}](selection/{f})" for f in figures), ""]
    return lines


def summary_markdown(results: dict) -> str:
    c = results["config"]
    lines = [
        f"# W2S study: {c['dataset']}, {c['weak_model']} → {c['strong_model']}",
        "",
        f"w2sg {c['w2sg_version']}; seeds {c['seeds']}; sizes weak_train {c['weak_train']}, "
        f"strong_train {c['strong_train']}, test {c['test']}; layers {c['weak_layer']} / "
        f"{c['strong_layer']}, pooling {c['pooling']}.",
        "",
        "| model | accuracy | ROC AUC |",
        "| --- | --- | --- |",
    ]
    for name in ("weak", "w2s", "ceiling"):
        lines.append(f"| {name} | {_f(results[name]['accuracy'])} | {_f(results[name]['auc'])} |")
    lines.append(f"| **PGR** | {_f(results['pgr']['accuracy'])} | {_f(results['pgr']['auc'])} |")
    o = results["overlap"]
    lines += [
        "",
        "## Overlap detection (first seed)",
        "",
        f"{o['n_overlap']} overlap, {o['n_easy_only']} easy-only, {o['n_hard_only']} hard-only "
        f"points in strong_train; confidence threshold {_f(o['confidence_threshold'])}, "
        f"overlap threshold {_f(o['overlap_threshold'])}"
        + (f"; fallback: {'; '.join(o['reasons'])}" if o["fallback"] else "")
        + ".",
        "",
        "![confidence](weak_confidence.png) ![scores](overlap_scores.png)",
        "",
        "## Mixing experiment (first seed)",
        "",
        "| q | accuracy (mean ± std) | AUC (mean) |",
        "| --- | --- | --- |",
    ]
    summary = results["per_seed"][0]["mixing_summary"]
    for row in (r for r in summary if r["kind"] == "mix"):
        lines.append(
            f"| {row['q']:.1f} | {row['accuracy_mean']:.4f} ± {row['accuracy_std']:.4f} | "
            f"{_f(row.get('auc_mean'))} |"
        )
    base = next((r for r in summary if r["kind"] == "baseline"), None)
    if base and base["accuracy_mean"] is not None:
        lines.append(
            f"| random subset | {base['accuracy_mean']:.4f} ± {base['accuracy_std']:.4f} | "
            f"{_f(base.get('auc_mean'))} |"
        )
    lines += [
        "",
        f"Slope of mean accuracy against q: {_f(results['per_seed'][0]['mixing_slope'])}.",
        "",
        "![mixing](mixing.png) ![models](models.png)",
        "",
    ]
    if results.get("selection"):
        lines += selection_markdown(results["selection"])
    t = results.get("timings", {})
    total, extract = t.get("total_s", 0), t.get("data_and_activations_s", 0)
    lines += [f"Total time {total:.1f} s (data and activations {extract:.1f} s).", ""]
    return "\n".join(lines)
