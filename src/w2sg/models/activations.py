"""`get_activations`: cached, resumable activations of a dataset's rows (SPEC §2).

Glue between the resolver, the extractor and the cache: it works out each layer's cache key,
returns the cached arrays (memory-mapped) and extracts only the layers that are missing, one
chunk at a time, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError
from w2sg.io import write_json
from w2sg.models import cache
from w2sg.models.extract import (
    POOLINGS,
    effective_max_length,
    length_order,
    make_extractor,
    normalise_layers,
    num_hidden_layers,
    progress_bar,
    tokenize,
)
from w2sg.models.load import load_config, load_model, load_tokenizer, pick_device, resolve_dtype
from w2sg.models.resolve import ResolvedModel, resolve_model


def activation_keys(
    resolved: ResolvedModel,
    dataset: TextDataset,
    split: str,
    layers: Sequence[int],
    pooling: str,
    max_length: int | None,
    dtype: str,
    device: str,
    config: Any,
    tokenizer: Any,
) -> dict[int, cache.ActivationKey]:
    """The cache key of each requested layer (keyed by the normalised layer index)."""
    length = effective_max_length(max_length, tokenizer, config)
    ids_hash = cache.ids_sha256(dataset.ids.tolist())
    return {
        n: cache.ActivationKey(
            model=resolved.identity,
            dataset=dataset.name,
            split=split,
            ids_sha256=ids_hash,
            rows=len(dataset),
            layer=n,
            pooling=pooling,
            dtype=resolve_dtype(dtype, device),
            max_length=length,
        )
        for n in normalise_layers(layers, num_hidden_layers(config))
    }


def get_activations(
    model: str,
    dataset: TextDataset,
    *,
    split: str,
    layers: Sequence[int] = (-1,),
    pooling: str = "auto",
    max_length: int | None = None,
    dtype: str = "auto",
    batch_size: int | None = None,
    progress: bool = True,
    device: str = "auto",
) -> dict[int, np.ndarray]:
    """Pooled activations of `dataset`'s rows: requested layer → float32 (n, dim), cached.

    Rows are aligned with `dataset.ids`; `dataset.name`, `split` and the ids identify them in
    the cache. `pooling="auto"` is the model's default (mean for encoders, last for decoders).
    """
    if not isinstance(dataset, TextDataset):
        raise W2SGError(f"dataset must be a TextDataset, not {type(dataset).__name__}")
    if len(dataset) == 0:
        raise W2SGError(f"dataset {dataset.name!r} has no rows; nothing to embed")
    if not isinstance(split, str) or not split:
        raise W2SGError("split must be a non-empty name, e.g. 'strong_train' or 'all'")
    resolved = resolve_model(model)
    if pooling == "auto":
        pooling = resolved.pooling
    if pooling not in POOLINGS:
        raise W2SGError(f"pooling must be one of {', '.join(POOLINGS)} or auto, not {pooling!r}")
    device = pick_device(device)
    tokenizer = load_tokenizer(resolved)
    config = load_config(resolved)
    num_layers = num_hidden_layers(config)
    keys = activation_keys(
        resolved, dataset, split, layers, pooling, max_length, dtype, device, config, tokenizer
    )
    found: dict[int, np.ndarray | None] = {n: cache.read_artifact(k) for n, k in keys.items()}
    missing = sorted(n for n, a in found.items() if a is None)
    if missing:
        _extract_missing(
            resolved,
            dataset,
            {n: keys[n] for n in missing},
            tokenizer,
            dtype,
            device,
            batch_size,
            progress,
        )
        for n in missing:
            found[n] = cache.read_artifact(keys[n])
            if found[n] is None:
                raise W2SGError(
                    f"the cache folder {cache.activations_dir()} did not keep what "
                    "was written; check the disk and permissions"
                )
    normal = normalise_layers(layers, num_layers)
    return {k: found[n] for k, n in zip(layers, normal, strict=True)}  # type: ignore[misc]


def _run_dir(keys: dict[int, cache.ActivationKey]) -> Path:
    run = hashlib.sha256(json.dumps([keys[n].digest for n in sorted(keys)]).encode()).hexdigest()
    return cache.activations_dir() / "partial" / run[:24]


def _batch_plan(run_dir: Path, default: dict[str, Any]) -> dict[str, Any]:
    """The batch plan of this run: the one recorded when it first started, else `default`."""
    path = run_dir / "plan.json"
    try:
        plan = json.loads(path.read_text())
        if set(plan) == set(default):
            return plan
    except (OSError, ValueError):
        pass
    shutil.rmtree(run_dir, ignore_errors=True)  # chunks of another plan would not match
    write_json(path, default)
    return default


def _extract_missing(
    resolved: ResolvedModel,
    dataset: TextDataset,
    keys: dict[int, cache.ActivationKey],
    tokenizer: Any,
    dtype: str,
    device: str,
    batch_size: int | None,
    progress: bool,
) -> None:
    """Extract the layers in `keys` chunk by chunk, resuming finished chunks, then store them."""
    layers = sorted(keys)
    first = keys[layers[0]]
    run_dir = _run_dir(keys)
    model, _ = load_model(resolved, dtype, device, tokenizer=tokenizer)
    extractor = make_extractor(
        model, tokenizer, layers, first.pooling, first.max_length, batch_size, device
    )
    plan = _batch_plan(
        run_dir,
        {
            "token_budget": extractor.token_budget,
            "max_batch": extractor.max_batch,
            "chunk_rows": cache.CHUNK_ROWS,
        },
    )
    extractor.token_budget, extractor.max_batch = plan["token_budget"], plan["max_batch"]
    ids = tokenize(tokenizer, dataset.texts.tolist(), first.max_length)
    order = length_order(np.array([len(x) for x in ids]))
    out: dict[int, np.ndarray] = {}
    with progress_bar(len(dataset), progress) as bar:
        for index, positions in enumerate(cache.plan_chunks(order, plan["chunk_rows"])):
            vectors = cache.read_chunk(run_dir, index, positions, layers)
            if vectors is None:
                vectors = extractor.run_rows(ids, positions, bar, dataset.ids)
                cache.write_chunk(run_dir, index, positions, vectors)
            else:
                bar.update(len(positions))
            for n, v in vectors.items():
                if n not in out:
                    out[n] = np.empty((len(dataset), v.shape[1]), dtype=np.float32)
                out[n][positions] = v
    for n in layers:
        cache.write_artifact(keys[n], out[n], resolved.name)
    shutil.rmtree(run_dir, ignore_errors=True)
