"""`w2sg finetune`: weak model, students and ceiling fine-tuned for real (SPEC §7)."""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.cli.options import comma_list


def finetune(
    dataset: str = typer.Option("rotten_tomatoes", help="Dataset name (w2sg data list) or file."),
    weak: str = typer.Option("minilm-l6", help="Weak model: alias, hub id or local path."),
    strong: str = typer.Option("mpnet-base", help="Strong model: alias, hub id or local path."),
    weak_train: int = typer.Option(500, help="weak_train size (balanced)."),
    strong_train: int = typer.Option(500, help="strong_train size (balanced)."),
    val: int = typer.Option(200, help="val size (balanced)."),
    test: int = typer.Option(500, help="test size (balanced)."),
    seeds: str = typer.Option("0", help="Split seeds, comma-separated."),
    loss: str = typer.Option(
        "xent,logconf",
        help="Student losses: xent, kl, logconf[:median], entropy, window[:R|:midweak].",
    ),
    s2s: int = typer.Option(0, help="Strong-to-strong iterations after the first student."),
    lora: bool = typer.Option(True, "--lora/--full", help="LoRA adapters or full fine-tuning."),
    lora_rank: int = typer.Option(8, help="LoRA rank."),
    lora_alpha: float = typer.Option(16.0, help="LoRA alpha."),
    lora_dropout: float = typer.Option(0.0, help="LoRA dropout."),
    epochs: int = typer.Option(3, help="Epochs (SPEC §7: 3)."),
    batch_size: int = typer.Option(32, help="Effective batch (gradient accumulation)."),
    minibatch: int = typer.Option(16, help="Rows per forward pass (length-bucketed)."),
    length_groups: int = typer.Option(
        8,
        help="Batches of rows of similar length, drawn from pools of this many batches "
        "(1: plain random batches).",
    ),
    weak_lr: float = typer.Option(5e-4, help="Learning rate of the weak model."),
    strong_lr: float = typer.Option(
        5e-4, help="Learning rate of students and ceiling (SPEC §7 publishes 8e-5; see README)."
    ),
    eval_every: int = typer.Option(5, help="Evaluate on val every N optimizer steps."),
    patience: int = typer.Option(None, help="Early stopping after N evaluations without gain."),
    max_length: int = typer.Option(128, help="Token limit per text."),
    overlap: bool = typer.Option(True, help="Group test accuracy by the overlap partition."),
    mixing: bool = typer.Option(False, help="Train students on mixes of overlap share q."),
    mixing_qs: str = typer.Option("0,0.5,1", help="Overlap shares q of the mixes."),
    intervention: str = typer.Option(
        "",
        help="Probe interventions, each with a fine-tuned student (first --loss): "
        "filter:knn|logistic|topo, relabel:…, probe:…, confident, overlap, overlap+hard.",
    ),
    save_models: bool = typer.Option(False, help="Also store each model's trainable weights."),
    device: str = typer.Option("auto", help="auto | cpu | cuda[:N]."),
    out: Path = typer.Option(Path("runs/finetune"), help="Output folder."),
) -> None:
    """Fine-tune the weak model on ground truth, students on its soft labels (one per loss,
    plus strong-to-strong) and the ceiling; write results.json, curves and summary.md."""
    from rich.console import Console

    from w2sg.experiments.finetune import FinetuneConfig, run_finetune

    config = FinetuneConfig(
        dataset=dataset, weak_model=weak, strong_model=strong, weak_train=weak_train,
        strong_train=strong_train, val=val, test=test,
        seeds=tuple(comma_list(seeds, int, "--seeds")),
        losses=tuple(comma_list(loss, str, "--loss")), s2s=s2s, lora=lora,
        lora_rank=lora_rank, lora_alpha=lora_alpha, lora_dropout=lora_dropout, epochs=epochs,
        batch_size=batch_size, minibatch=minibatch, length_groups=length_groups,
        weak_lr=weak_lr, strong_lr=strong_lr,
        eval_every=eval_every, patience=patience, max_length=max_length, overlap=overlap,
        mixing=mixing, mixing_qs=tuple(comma_list(mixing_qs, float, "--mixing-qs")),
        interventions=tuple(comma_list(intervention, str, "--intervention")),
        save_models=save_models, device=device,
    )  # fmt: skip
    console = Console(stderr=True)
    r = run_finetune(config, out, log=lambda msg: console.print(f"[bold cyan]w2sg[/] {msg}"))
    console.print(
        f"[bold]weak[/] {r['weak']['accuracy']:.4f}  [bold]w2s[/] {r['w2s']['accuracy']:.4f}  "
        f"[bold]ceiling[/] {r['ceiling']['accuracy']:.4f}"
    )
    console.print(f"read first: {out / 'summary.md'}")


def register(app: typer.Typer) -> None:
    app.command("finetune")(finetune)
