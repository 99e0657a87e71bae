"""`get_activations`: activations of a dataset's rows, through the activation store
(docs/methods.md#activations).

Glue between the resolver, the extractor and the store (`cache.py`): it tokenizes the rows,
addresses each by the digest of its token ids, embeds only the distinct texts no store of the
requested layers holds yet (all layers in one forward pass), publishing a shard every
`SHARD_ROWS` texts so an interrupted run keeps its work, and gathers the vectors in row order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError
from w2sg.models import cache
from w2sg.models.batching import batch_plan_name
from w2sg.models.bow import Texts, fit_tfidf
from w2sg.models.extract import (
    POOLINGS,
    effective_max_length,
    make_extractor,
    normalise_layers,
    num_hidden_layers,
    progress_bar,
    tokenize,
)
from w2sg.models.load import load_config, load_model, load_tokenizer, pick_device, resolve_dtype
from w2sg.models.names import check_weak_model, parse_model_name
from w2sg.models.resolve import ResolvedModel, resolve_model


def get_activations(
    model: str,
    dataset: TextDataset,
    *,
    layers: Sequence[int] = (-1,),
    pooling: str = "auto",
    max_length: int | None = None,
    dtype: str = "auto",
    batch_size: int | None = None,
    progress: bool = True,
    device: str = "auto",
    fit_texts: Texts | None = None,
) -> dict[int, np.ndarray]:
    """Pooled activations of `dataset`'s rows: requested layer → float32 (n, dim), stored.

    Rows are aligned with the dataset; texts are found in the store by their token ids, so
    any subset or split of a dataset reuses what was embedded before. `pooling="auto"` is the
    model's default (mean for encoders, last for decoders). `model` may be cut
    (`minilm-l6:layer2`: layer -1 is its layer 2) or `tfidf`, whose features are fitted on
    `fit_texts` (required; the study gives `weak_train`) and computed, not stored
    (docs/methods.md#the-weak-model-menu).

    Example::

        acts = w2sg.get_activations("mpnet-base", splits.strong_train, layers=(6, -1))
        acts[-1].shape                                              # (2000, 768), float32
        w2sg.get_activations("tfidf", splits.val, fit_texts=splits.weak_train.texts)[-1]
    """
    if not isinstance(dataset, TextDataset):
        raise W2SGError(f"dataset must be a TextDataset, not {type(dataset).__name__}")
    if len(dataset) == 0:
        raise W2SGError(f"dataset {dataset.name!r} has no rows; nothing to embed")
    return get_text_activations(
        model,
        dataset.texts.tolist(),
        layers=layers,
        pooling=pooling,
        max_length=max_length,
        dtype=dtype,
        batch_size=batch_size,
        progress=progress,
        device=device,
        fit_texts=fit_texts,
    )


def get_text_activations(
    model: str,
    texts: Sequence[str],
    *,
    layers: Sequence[int] = (-1,),
    pooling: str = "auto",
    max_length: int | None = None,
    dtype: str = "auto",
    batch_size: int | None = None,
    progress: bool = True,
    device: str = "auto",
    fit_texts: Texts | None = None,
) -> dict[int, np.ndarray]:
    """Pooled activations of `texts` through the store: requested layer → float32 (n, dim)."""
    if len(texts) == 0:
        raise W2SGError("no texts to embed; give at least one text")
    if parse_model_name(model).bow:
        return bow_activations(model, texts, layers, fit_texts)
    if fit_texts is not None:
        raise W2SGError(f"fit_texts is for tfidf only; {model} is a pretrained transformer")
    resolved = resolve_model(model)
    if pooling == "auto":
        pooling = resolved.pooling
    if pooling not in POOLINGS:
        raise W2SGError(f"pooling must be one of {', '.join(POOLINGS)} or auto, not {pooling!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise W2SGError(f"batch_size must be a positive integer, not {batch_size!r}")
    device = pick_device(device)
    tokenizer = load_tokenizer(resolved)
    config = load_config(resolved)
    length = effective_max_length(max_length, tokenizer, config)
    normal = normalise_layers(layers, num_hidden_layers(config))
    stores = _stores(
        resolved,
        sorted(set(normal)),
        pooling,
        resolve_dtype(dtype, device),
        length,
        batch_plan_name(device, batch_size),
    )
    ids = tokenize(tokenizer, [str(t) for t in texts], length)
    digests = [cache.token_digest(x) for x in ids]
    first = {d: i for i, d in reversed(list(enumerate(digests)))}  # digest → a row with it

    def embed(missing: list[bytes]) -> None:
        _embed(
            resolved,
            stores,
            [ids[first[d]] for d in missing],
            missing,
            tokenizer,
            dtype,
            device,
            batch_size,
            progress,
        )

    found = _read_all(stores, digests, embed)
    return {k: found[n] for k, n in zip(layers, normal, strict=True)}


def bow_activations(
    model: str, texts: Sequence[str], layers: Sequence[int], fit_texts: Texts | None
) -> dict[int, np.ndarray]:
    """`tfidf` features of `texts`, fitted on `fit_texts`, under each requested layer (0, -1)."""
    if fit_texts is None:
        raise W2SGError(
            f"{model} is fitted on texts you name: give fit_texts (the study fits it on each "
            "split seed's weak_train)"
        )
    for k in layers:
        check_weak_model(model, k, "model")
    features = fit_tfidf(fit_texts).transform(texts)
    return {k: features for k in layers}


def _read_all(
    stores: dict[int, cache.Store], digests: list[bytes], embed: Callable[[list[bytes]], None]
) -> dict[int, np.ndarray]:
    """Every layer's vectors of `digests`, embedding the missing ones first; a shard found
    damaged while reading is dropped and its texts embedded again (up to three times)."""
    found: dict[int, np.ndarray] = {}
    for _attempt in range(3):
        missing = list(dict.fromkeys(d for s in stores.values() for d in s.missing(digests)))
        if missing:
            embed(missing)
        for n, store in stores.items():
            if n not in found:
                array = store.read(digests)
                if array is not None:
                    found[n] = array
        if len(found) == len(stores):
            return found
    raise W2SGError(
        f"the activation store {cache.store_root()} keeps losing what was written; "
        "check the disk and permissions"
    )


def _stores(
    resolved: ResolvedModel, layers: list[int], pooling: str, dtype: str, length: int, plan: str
) -> dict[int, cache.Store]:
    """The store of each layer: addressed by the weights, pooling, dtype, length and plan."""
    return {
        n: cache.open_store(
            cache.StoreKey(resolved.identity, n, pooling, dtype, length, plan),
            resolved.base_name,
        )
        for n in layers
    }


def _embed(
    resolved: Any,
    stores: dict[int, cache.Store],
    ids: list[list[int]],
    digests: list[bytes],
    tokenizer: Any,
    dtype: str,
    device: str,
    batch_size: int | None,
    progress: bool,
) -> None:
    """Embed the texts `ids` (distinct) for every store's layer; publish shards as they finish.

    Texts go longest first in groups of `SHARD_ROWS`; each group becomes one shard per store,
    holding only the texts that store lacked.
    """
    first = next(iter(stores.values())).key
    model, _ = load_model(resolved, dtype, device, tokenizer=tokenizer)
    extractor = make_extractor(
        model, tokenizer, list(stores), first.pooling, first.max_length, batch_size, device
    )
    lacking = {n: set(s.missing(digests)) for n, s in stores.items()}
    order = np.argsort(-np.array([len(x) for x in ids]), kind="stable")
    with progress_bar(len(ids), progress) as bar:
        for start in range(0, len(order), cache.SHARD_ROWS):
            rows = order[start : start + cache.SHARD_ROWS]
            vectors = extractor.run_rows(ids, rows, bar)
            for n, store in stores.items():
                keep = [i for i, r in enumerate(rows) if digests[r] in lacking[n]]
                if keep:
                    store.append([digests[rows[i]] for i in keep], vectors[n][keep])
