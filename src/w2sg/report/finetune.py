"""The fine-tune run's figure (training curves) and summary.md."""

from __future__ import annotations

from pathlib import Path

from w2sg.io import write_atomic
from w2sg.report.plotting import pyplot, save_figure


def curves_figure(curves: dict[str, list[dict]], out_dir: Path, title: str) -> list[Path]:
    """Train loss and val AUC per evaluation step, one line per trained model."""
    plt = pyplot()
    fig, (ax_loss, ax_auc) = plt.subplots(1, 2, figsize=(10, 4))
    for name, curve in curves.items():
        steps = [c["step"] for c in curve]
        ax_loss.plot(steps, [c["loss"] for c in curve], label=name)
        ax_auc.plot(steps, [c["val_auc"] for c in curve], label=name)
    ax_loss.set(xlabel="optimizer step", ylabel="train loss", title="loss")
    ax_auc.set(xlabel="optimizer step", ylabel="val AUC (vs training labels)", title="val AUC")
    ax_auc.legend(fontsize=7)
    fig.suptitle(title)
    return save_figure(fig, out_dir, "curves")


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def _pm(stats: dict) -> str:
    """'mean ± std' of a stats block, or n/a."""
    if stats.get("mean") is None:
        return "n/a"
    return f"{stats['mean']:.4f} ± {stats['std']:.4f}"


def summary_markdown(results: dict) -> str:
    """A short human summary: the three models, each student with its PGR, overlap groups."""
    c = results["config"]
    lines = [
        f"# w2sg finetune: {c['dataset']}, {c['weak_model']} -> {c['strong_model']}",
        "",
        f"Seeds {list(c['seeds'])}; sizes {c['weak_train']}/{c['strong_train']}/{c['val']}/"
        f"{c['test']}; {'LoRA' if c['lora'] else 'full'}; {c['epochs']} epoch(s).",
        "",
        "| model | accuracy | ± | AUC | ± | PGR acc | PGR AUC |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key in ("weak", "ceiling"):
        m, sd = results[key], results[f"{key}_std"]
        lines.append(
            f"| {key} | {_f(m['accuracy'])} | {_f(sd['accuracy'])} | {_f(m['auc'])} | "
            f"{_f(sd['auc'])} | | |"
        )
    for name, st in results["students"].items():
        lines.append(
            f"| student {name} | {_f(st['accuracy']['mean'])} | {_f(st['accuracy']['std'])} | "
            f"{_f(st['auc']['mean'])} | {_f(st['auc']['std'])} | "
            f"{_pm(st['pgr']['accuracy'])} | {_pm(st['pgr']['auc'])} |"
        )
    if "overlap_groups" in results:
        n_seeds = len(results["per_seed"])
        groups = results["overlap_groups"]
        first = next(iter(groups.values()))
        sizes = ", ".join(f"{g} {first[g]['n']:.0f}" for g in first)
        lines += [
            "",
            f"Test accuracy by overlap group (mean ± std over {n_seeds} seed(s); "
            f"mean test points per group: {sizes}):",
            "",
            "| model | overlap | easy_only | hard_only |",
            "| --- | --- | --- | --- |",
        ]
        for name, g in groups.items():
            cells = " | ".join(_pm(g[k]) for k in ("overlap", "easy_only", "hard_only"))
            lines.append(f"| {name} | {cells} |")
    lines += ["", f"Wall time: {results['timings']['total_s']:.0f} s. Figure: curves.png."]
    return "\n".join(lines) + "\n"


def write_finetune_report(results: dict, out_dir: str | Path) -> None:
    """curves.png/svg (first seed) and summary.md beside results.json."""
    out = Path(out_dir)
    c = results["config"]
    first = results["per_seed"][0]
    title = (
        f"{c['dataset']}: {c['weak_model']} -> {c['strong_model']} "
        f"(seed {first['seed']} of {len(results['per_seed'])})"
    )
    curves_figure(first["curves"], out, title)
    text = summary_markdown(results)
    write_atomic(out / "summary.md", lambda tmp: tmp.write_text(text))
