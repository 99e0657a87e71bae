"""Per-text activation vectors from a frozen model, several layers in one pass
(docs/methods.md#activations).

For each text: `hidden_states[k]` of the chosen layers (k = 0 is the embedding output, negative
k counts from the end), pooled over tokens — `last` non-pad token, `mean` over non-pad tokens,
or `first` token. The attention mask alone decides which positions are real, so the result
does not depend on padding.

Speed and bit-identity: texts are tokenized once; each is padded to its length bucket and runs
in a batch of texts of that bucket, every batch of a bucket with one shape (short batches
filled with copies; `w2sg.models.batching`), so a text's vector does not depend on the texts
it was embedded with — the activation store relies on it. Batches run under
`torch.inference_mode` in the hardware's fastest precision; layers past the deepest requested
one are not computed (hidden states are captured by hooks at the inputs of the layers instead
of asking the model for all of them).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from w2sg.errors import W2SGError
from w2sg.models.batching import (
    ShortBatches,
    batch_rows,
    default_token_budget,
    length_order,
    plan_batches,
)
from w2sg.models.layers import effective_max_length, normalise_layers, num_hidden_layers
from w2sg.models.load import load_config, load_model, pick_device
from w2sg.models.resolve import resolve_model

POOLINGS = ("last", "mean", "first")

# --------------------------------------------------------------------------- pure pieces


def pool(hidden: Any, mask: Any, pooling: str) -> Any:
    """Pool (batch, seq, dim) hidden states over the positions where `mask` is 1 → (batch, dim).

    Works for left and right padding alike; the result is float32.
    """
    import torch  # heavy: loaded on first use

    mask = mask.to(torch.bool)
    if pooling == "mean":
        m = mask.unsqueeze(-1).to(hidden.dtype)
        summed = (hidden * m).float().sum(dim=1)
        return summed / mask.sum(dim=1, keepdim=True).clamp(min=1).float()
    positions = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
    if pooling == "last":
        index = torch.where(mask, positions, -1).amax(dim=1)
    elif pooling == "first":
        index = torch.where(mask, positions, mask.shape[1]).amin(dim=1)
    else:
        raise W2SGError(f"pooling must be one of {', '.join(POOLINGS)} or auto, not {pooling!r}")
    rows = torch.arange(hidden.shape[0], device=hidden.device)
    return hidden[rows, index].float()


def tokenize(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids of each text (special tokens added, truncated to `max_length`), unpadded."""
    enc = tokenizer(
        [str(t) for t in texts],
        add_special_tokens=True,
        truncation=True,
        max_length=max_length,
        padding=False,
        return_attention_mask=False,
        return_token_type_ids=False,
    )
    return enc["input_ids"]


# --------------------------------------------------------------------------- the extractor


class _Stop(Exception):
    """Raised by a hook once the deepest requested layer's input is captured."""


def _layer_list(model: Any, num_layers: int) -> Any | None:
    """The model's list of transformer blocks (a ModuleList of length num_layers)."""
    import torch  # heavy: loaded on first use

    for _, module in model.named_modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == num_layers:
            return module
    return None


@dataclass
class Extractor:
    """Runs one loaded model over texts and returns pooled vectors of several layers.

    `layers` are indices into `hidden_states` (0..num_layers, already normalised).
    """

    model: Any
    tokenizer: Any
    layers: list[int]
    pooling: str
    max_length: int
    token_budget: int
    max_batch: int | None = None
    fill: str = "auto"
    _blocks: Any = field(default=None, init=False, repr=False)
    _short: ShortBatches = field(default=None, init=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.pooling not in POOLINGS:
            raise W2SGError(
                f"pooling must be one of {', '.join(POOLINGS)} or auto, not {self.pooling!r}"
            )
        self.num_layers = num_hidden_layers(self.model.config)
        self._short = ShortBatches(self.fill, getattr(self.model.config, "hidden_size", None))
        self._blocks = _layer_list(self.model, self.num_layers)
        self._use_cache = {"use_cache": False} if _accepts(self.model, "use_cache") else {}

    # -- tokens
    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text (special tokens added, truncated to max_length)."""
        return tokenize(self.tokenizer, texts, self.max_length)

    def _tensors(self, ids: list[list[int]], width: int | None = None) -> tuple[Any, Any]:
        import torch  # heavy: loaded on first use

        width = max(len(x) for x in ids) if width is None else width
        pad = self.tokenizer.pad_token_id
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for row, x in enumerate(ids):  # right padding: see load.prepare_tokenizer
            input_ids[row, : len(x)] = torch.tensor(x, dtype=torch.long)
            mask[row, : len(x)] = 1
        device = self.model.device
        return input_ids.to(device), mask.to(device)

    # -- forward
    @contextmanager
    def _capture(self, store: dict[int, Any]) -> Iterator[bool]:
        """Hooks that put hidden_states[k] (the input of block k) into `store`.

        Yields whether the full forward must run (a requested layer is the last one).
        """
        inner = [k for k in self.layers if k < self.num_layers]
        if self._blocks is None:
            yield True
            return
        deepest = max(self.layers)
        handles = []

        def make(k: int) -> Callable:
            def hook(_module: Any, args: tuple, kwargs: dict) -> None:
                store[k] = args[0] if args else kwargs["hidden_states"]
                if k == deepest:
                    raise _Stop

            return hook

        for k in sorted(set(inner)):
            handles.append(self._blocks[k].register_forward_pre_hook(make(k), with_kwargs=True))
        try:
            yield deepest == self.num_layers
        finally:
            for h in handles:
                h.remove()

    def run_batch(self, ids: list[list[int]], width: int | None = None) -> dict[int, Any]:
        """Pooled float32 vectors (batch, dim) of every requested layer for one batch, each
        text padded on the right to `width` tokens (default: the longest)."""
        import torch  # heavy: loaded on first use

        input_ids, mask = self._tensors(ids, width)
        inputs: dict[str, Any] = {"input_ids": input_ids, "attention_mask": mask}
        store: dict[int, Any] = {}
        with torch.inference_mode():
            if self._blocks is None:  # unknown layout: ask the model for every hidden state
                out = self.model(**inputs, output_hidden_states=True, **self._use_cache)
                store = {k: out.hidden_states[k] for k in self.layers}
            else:
                with self._capture(store) as full:
                    try:
                        out = self.model(**inputs, **self._use_cache)
                        if full:
                            store[self.num_layers] = out.last_hidden_state
                    except _Stop:
                        pass
            return {k: pool(store[k], mask, self.pooling) for k in self.layers}

    def run_rows(
        self,
        ids: list[list[int]],
        rows: np.ndarray,
        bar: Any = None,
        row_ids: Sequence[str] | None = None,
    ) -> dict[int, np.ndarray]:
        """Vectors of `rows` (positions into `ids`, longest first), aligned with `rows`.

        Each text is padded to its bucket (`bucket_of`) and runs in a batch of texts of that
        bucket with the one shape of the bucket (`batch_rows`; a short batch is filled with
        copies of its first text unless `ShortBatches` has checked that the row count does
        not change the bits): tiny float32 models give other low bits for a text alone than
        in a batch, and a kernel's reductions depend on the padded length, so shape and padded
        length must not depend on the company. Masked positions add exact zeros, and rows of
        one shape do not mix, so the vector of a text is a function of its tokens only
        (tests/models: alone and among any batch-mates).
        """
        lengths = np.array([len(ids[i]) for i in rows])
        out: dict[int, np.ndarray] = {}
        for width, batch in plan_batches(
            lengths, self.max_length, self.token_budget, self.max_batch
        ):
            chosen = rows[batch]
            shape = batch_rows(width, self.token_budget, self.max_batch)
            vectors = self._short.run(self.run_batch, [ids[i] for i in chosen], shape, width)
            check_finite(vectors, chosen, row_ids)
            for k, v in vectors.items():
                arr = v.cpu().numpy()
                if k not in out:
                    out[k] = np.empty((len(rows), arr.shape[1]), dtype=np.float32)
                out[k][batch] = arr
            if bar is not None:
                bar.update(len(batch))
        return out

    def run(self, texts: Sequence[str], progress: bool = True) -> dict[int, np.ndarray]:
        """Vectors for all texts, in input order: layer index → float32 (n, dim)."""
        ids = self.tokenize(texts)
        order = length_order(np.array([len(x) for x in ids]))
        with progress_bar(len(texts), progress) as bar:
            sorted_out = self.run_rows(ids, order, bar)
        out = {}
        for k, v in sorted_out.items():
            out[k] = np.empty_like(v)
            out[k][order] = v
        return out


def _accepts(model: Any, name: str) -> bool:

    return name in inspect.signature(model.forward).parameters


def check_finite(
    vectors: dict[int, Any], rows: np.ndarray, ids: Sequence[str] | None = None
) -> None:
    """Raise a W2SGError naming the first text whose vector has a NaN or infinity."""
    import torch  # heavy: loaded on first use

    for k, v in vectors.items():
        bad = ~torch.isfinite(torch.as_tensor(v)).all(dim=1)
        if bool(bad.any()):
            pos = int(rows[int(torch.nonzero(bad)[0, 0])])
            who = f"id {ids[pos]}" if ids is not None else f"position {pos}"
            raise W2SGError(
                f"the model produced NaN/inf activations at layer {k} for text {who} "
                f"({int(bad.sum())} texts in that batch); retry with --dtype float32"
            )


@contextmanager
def progress_bar(total: int, enabled: bool) -> Iterator[Any]:
    """A tqdm bar in texts, showing texts/s."""

    bar = tqdm(total=total, unit="text", desc="activations", disable=not enabled, smoothing=0.1)
    try:
        yield bar
    finally:
        bar.close()


def extract_activations(
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
) -> dict[int, np.ndarray]:
    """Pooled activations of `texts` (uncached): requested layer → float32 (n, dim)."""

    if len(texts) == 0:
        raise W2SGError("no texts to embed; give at least one text")
    resolved = resolve_model(model)
    normal = normalise_layers(layers, num_hidden_layers(load_config(resolved)))  # a cut's own
    device = pick_device(device)
    loaded, tokenizer = load_model(resolved, dtype, device)
    extractor = make_extractor(
        loaded,
        tokenizer,
        normal,
        pooling if pooling != "auto" else resolved.pooling,
        max_length,
        batch_size,
        device,
    )
    result = extractor.run(list(texts), progress=progress)
    return {k: result[n] for k, n in zip(layers, normal, strict=True)}


def make_extractor(
    model: Any,
    tokenizer: Any,
    layers: Sequence[int],
    pooling: str,
    max_length: int | None,
    batch_size: int | None,
    device: str,
    token_budget: int | None = None,
    fill: str = "auto",
) -> Extractor:
    """An Extractor with validated options (max_length capped by the model's limit); `fill`
    is the short-batch rule (`ShortBatches`: `auto` checks, `always` fills)."""
    length = effective_max_length(max_length, tokenizer, model.config)
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise W2SGError(f"batch_size must be a positive integer, not {batch_size!r}")
    normal = normalise_layers(layers, num_hidden_layers(model.config))
    budget = token_budget or default_token_budget(device)
    if batch_size is not None and token_budget is None:
        budget = 1 << 40  # an explicit batch size is taken as given
    return Extractor(
        model=model,
        tokenizer=tokenizer,
        layers=sorted(set(normal)),
        pooling=pooling,
        max_length=length,
        token_budget=budget,
        max_batch=batch_size,
        fill=fill,
    )
