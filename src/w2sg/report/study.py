"""Figures and summary.md of a study: what a person reads first."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from w2sg.io import write_atomic
from w2sg.overlap.mixing import MixingResult
from w2sg.report.plotting import pyplot, save_figure

COLOURS = {"overlap": "#2a9d8f", "easy_only": "#e9c46a", "hard_only": "#e76f51"}


def confidence_histogram(detection, out_dir: Path, seed: int = 0) -> list[Path]:
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
    ax.set_title(f"Weak confidence: hard-only below the threshold (split seed {seed})")
    ax.legend()
    return save_figure(fig, out_dir, "weak_confidence")


def overlap_score_histogram(detection, out_dir: Path, seed: int = 0) -> list[Path]:
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


def pooled_mixing_summary(results: dict) -> list[dict]:
    """Mixing summary over every (split seed, mixing seed) row: the spread across both."""

    rows = [row for r in results["per_seed"] for row in (r["mixing"] or [])]
    qs = tuple(sorted({row["q"] for row in rows if row["kind"] == "mix"}))
    return MixingResult(rows=rows, qs=qs).summary() if rows else []


def write_study_report(results: dict, runs: list[dict], out_dir: str | Path) -> list[Path]:
    """The study's figures (those of stages that ran) and summary.md."""
    out = Path(out_dir)
    run = runs[0]
    detection = run["_detection"]
    figures: list[Path] = []
    if results["weak"] is not None:
        figures += model_bars(results, out)
    if detection is not None:
        figures += confidence_histogram(detection, out, run["seed"])
        figures += overlap_score_histogram(detection, out, run["seed"])
    mixing = pooled_mixing_summary(results)
    if mixing:
        seeds = [r["seed"] for r in results["per_seed"] if r["mixing"]]
        figures += mixing_curve(
            mixing, out, results["weak"]["accuracy"], results["ceiling"]["accuracy"], seeds
        )
    write_atomic(out / "summary.md", lambda tmp: tmp.write_text(summary_markdown(results)))
    return figures


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def selection_markdown(sel: dict) -> list[str]:
    """The selection stage's final round per strategy (means over selection seeds)."""
    arms = sel["arms"]
    lines = [
        "## Choosing data sources (first split seed)",
        "",
        f"{arms['kind'].capitalize()} arms: {', '.join(arms['names'])}. Detection rule "
        f"{sel.get('config', {}).get('detection', 'history')}, estimator "
        f"{sel.get('config', {}).get('estimator', 'reference')}. Final round, "
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


def _stage_lines(results: dict) -> list[str]:
    """Stages that did not run, with their reasons (an empty list when all ran)."""
    bad = [
        f"- seed {seed.removeprefix('seed')}, {name}: {st['status']} — {st.get('reason', '')}"
        for seed, stages in results.get("stages", {}).items()
        for name, st in stages.items()
        if st["status"] != "ok"
    ]
    return ["## Stages that did not run", "", *bad, ""] if bad else []


def _pgr_reason_lines(results: dict) -> list[str]:
    reasons = results.get("pgr_reasons") or {}
    out = []
    for metric, why in reasons.items():
        text = "; ".join(why) if isinstance(why, list) else why
        out.append(f"PGR on {metric} is undefined: {text}.")
    counts = results.get("pgr_n_defined")
    if counts:
        n = len(results["per_seed"])
        out.append(
            "PGR is defined on "
            + ", ".join(f"{metric} for {k} of {n} seeds" for metric, k in counts.items())
            + " (mean and median over those)."
        )
    return [*out, ""] if out else []


def summary_markdown(results: dict) -> str:
    c = results["config"]
    seeds = c["seeds"]
    several = len(seeds) > 1
    weak = c["weak_model"]
    if c.get("weak_supervisor", "probe") != "probe":  # a label model plays the weak model
        weak = f"{c['weak_supervisor']} on {c.get('label_functions') or 'its label matrix'}"
    lines = [
        f"# W2S study: {c['dataset']}, {weak} → {c['strong_model']}",
        "",
        f"w2sg {c['w2sg_version']}; seeds {seeds}; sizes weak_train {c['weak_train']}, "
        f"strong_train {c['strong_train']}, test {c['test']}; layers {c['weak_layer']} / "
        f"{c['strong_layer']}, pooling {c['pooling']}.",
        "",
        *_stage_lines(results),
    ]
    if results["weak"] is not None:
        header = "mean ± std over seeds" if several else "test"
        lines += [f"| model ({header}) | accuracy | ROC AUC |", "| --- | --- | --- |"]
        for name in ("weak", "w2s", "ceiling", "pgr"):
            std = results.get(f"{name}_std") or {}
            cell = [
                _f(results[name][m]) + (f" ± {_f(std.get(m))}" if several else "")
                for m in ("accuracy", "auc")
            ]
            label = "**PGR**" if name == "pgr" else name
            lines.append(f"| {label} | {cell[0]} | {cell[1]} |")
        if several:
            med = results.get("pgr_median") or {}
            lines.append(f"| PGR median | {_f(med.get('accuracy'))} | {_f(med.get('auc'))} |")
        lines.append("")
    lines += _pgr_reason_lines(results)
    first = results["per_seed"][0]
    o = first["overlap"]
    if o is not None:
        lines += [
            f"## Overlap detection (split seed {first['seed']})",
            "",
            f"{o['n_overlap']} overlap, {o['n_easy_only']} easy-only, {o['n_hard_only']} "
            f"hard-only points in strong_train; confidence threshold "
            f"{_f(o['confidence_threshold'])}, overlap threshold {_f(o['overlap_threshold'])}"
            + (f"; fallback: {'; '.join(o['reasons'])}" if o["fallback"] else "")
            + ".",
            "",
            "![confidence](weak_confidence.png) ![scores](overlap_scores.png)",
            "",
        ]
    summary = pooled_mixing_summary(results)
    if summary:
        spread = "split seeds × mixing seeds" if several else "mixing seeds"
        lines += [
            f"## Mixing experiment (mean ± std over {spread})",
            "",
            "| q | accuracy (mean ± std) | AUC (mean) |",
            "| --- | --- | --- |",
        ]
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
        slope = _f(results["mixing_slope"])
        if several:
            slope += f" ± {_f(results.get('mixing_slope_std'))} over seeds"
        lines += [
            "",
            f"Slope of mean accuracy against q: {slope}.",
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
