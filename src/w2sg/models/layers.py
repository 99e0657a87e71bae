"""A model's layers: how many it has, which index a request means, its token limit.

`hidden_states[k]`: k = 0 is the embedding output, k = n the last block
(docs/methods.md#activations).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from w2sg.errors import W2SGError
from w2sg.models.load import load_config, load_tokenizer, num_hidden_layers
from w2sg.models.resolve import resolve_model


def normalise_layers(layers: Sequence[int], num_layers: int) -> list[int]:
    """Map requested layers (negative allowed) to indices 0..num_layers of `hidden_states`."""
    if len(layers) == 0:
        raise W2SGError("layers is empty; ask for at least one layer, e.g. --layers -1")
    out = []
    for k in layers:
        if not isinstance(k, (int, np.integer)) or not -(num_layers + 1) <= k <= num_layers:
            raise W2SGError(
                f"layer {k!r} is out of range: this model has hidden_states[0..{num_layers}] "
                f"(negative counts from the end, -1 = {num_layers})"
            )
        out.append(int(k) % (num_layers + 1))
    return out


def max_length_limit(tokenizer: Any, config: Any) -> int:
    """The longest input the model takes: the shorter of the tokenizer's limit and the position
    table (a table shorter than the tokenizer's limit decides), else whichever is known, else
    512. Extraction, the cache key and the option check all take it from here."""
    table = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    limits = (getattr(tokenizer, "model_max_length", None), table)
    known = [int(x) for x in limits if isinstance(x, int) and 0 < x < 1_000_000]
    return min(known) if known else 512


def effective_max_length(max_length: int | None, tokenizer: Any, config: Any) -> int:
    """The token limit used: `max_length` (validated) capped by the model's own, or the model's.

    The cache key and the extractor both take it from here, so they cannot disagree.
    """
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise W2SGError(f"max_length must be a positive integer, not {max_length!r}")
    limit = max_length_limit(tokenizer, config)
    return min(max_length or limit, limit)


def check_max_length(model: str, max_length: int | None, name: str = "--max-length") -> None:
    """A token limit the model can take (`max_length_limit`: the shorter of its tokenizer's
    limit and its position table): one error naming both numbers, before any weights load.
    None: the model's own limit."""
    if max_length is None:
        return
    resolved = resolve_model(model)
    limit = max_length_limit(load_tokenizer(resolved), load_config(resolved))
    if max_length > limit:
        raise W2SGError(
            f"{name} {max_length} is above what {resolved.name} takes ({limit} tokens); "
            f"give {limit} or less"
        )


def model_layers(model: str) -> int:
    """Transformer blocks of a model name (its config only: no weights are read)."""
    return num_hidden_layers(load_config(resolve_model(model)))


def middle_layer(model: str) -> int:
    """hidden_states index of the model's middle layer (MPNet, 12 layers: 6)."""
    return model_layers(model) // 2


def resolve_layer(layer: int | None, model: str) -> int:
    """A requested layer as a hidden_states index from 0 (None: the middle one)."""
    n_layers = model_layers(model)
    if layer is None:
        return n_layers // 2
    return normalise_layers((layer,), n_layers)[0]
