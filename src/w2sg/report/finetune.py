"""The fine-tune run's figure (training curves), then its summary.md and report.html
(blocks in `run_summaries`)."""

from __future__ import annotations

from pathlib import Path

from w2sg.report.html import write_run_report
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


def write_finetune_report(results: dict, out_dir: str | Path) -> None:
    """curves.png/svg (first seed), summary.md and report.html beside results.json."""
    out = Path(out_dir)
    c = results["config"]
    first = results["per_seed"][0]
    title = (
        f"{c['dataset']}: {c['weak_model']} -> {c['strong_model']} "
        f"(seed {first['seed']} of {len(results['per_seed'])})"
    )
    curves_figure(first["curves"], out, title)
    write_run_report(results, out)
