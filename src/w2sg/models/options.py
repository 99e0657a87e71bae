"""What `w2sg extract` does: a dataset (or one split of it) through one model into the store."""

from __future__ import annotations

from dataclasses import dataclass

from w2sg import validate as v
from w2sg.data.splits import SPLIT_NAMES
from w2sg.errors import W2SGError
from w2sg.models.extract import POOLINGS
from w2sg.models.load import DTYPES
from w2sg.models.names import check_weak_model, parse_model_name
from w2sg.options import default, option
from w2sg.setup import DataSetup


@dataclass(frozen=True)
class ExtractConfig(DataSetup):
    """A model, its layers and pooling; the whole dataset or one split `w2sg run` cuts."""

    seeds_optional = True

    seeds: tuple[int, ...] = default(())
    model: str = option(
        "",
        "Model: alias, folder or hub id (NAME:layerK cuts it), or tfidf (fitted on weak_train "
        "of the split seed, computed, not stored).",
        short="-m",
    )
    layers: tuple[int, ...] = option((-1,), "Layers, comma-separated; 0 = embeddings, -1 = last.")
    pooling: str = option(
        "auto", "Pooling: auto (mean for encoders, last token for decoders), last, mean or first."
    )
    split: str = option(
        "all",
        "all, or one split `w2sg run` cuts: weak_train, strong_train, "
        "val, test (with --seeds: its split seed, default 0).",
    )
    max_length: int | None = option(None, "Token limit per text (default: the model's own limit).")
    dtype: str = option("auto", "Precision: auto, float32, bfloat16 or float16.")
    batch_size: int | None = option(None, "Texts per batch (default: a token budget decides).")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.model, str) or not self.model:
            raise W2SGError("give the model to extract with --model (e.g. -m mpnet-base)")
        if not self.layers:
            raise W2SGError("--layers: give at least one layer, e.g. -1 (the last)")
        for k in self.layers:
            v.whole(k, self.flag("layers") + " entry")
            check_weak_model(self.model, k, self.flag("model"))
        v.unique(self.layers, self.flag("layers"))
        v.choice(self.pooling, self.flag("pooling"), ("auto", *POOLINGS))
        v.choice(self.split, self.flag("split"), ("all", *SPLIT_NAMES))
        if self.split == "all" and self.seeds and not self.bow:
            raise W2SGError("--seeds picks the split of --split; without --split it does nothing")
        if len(self.seeds) > 1:
            raise W2SGError(f"--split takes one split seed, not {list(self.seeds)}")
        if self.max_length is not None:
            v.positive(self.max_length, self.flag("max_length"))
        v.choice(self.dtype, self.flag("dtype"), DTYPES)
        if self.batch_size is not None:
            v.positive(self.batch_size, self.flag("batch_size"))

    @property
    def bow(self) -> bool:
        """A bag-of-words model: fitted on the split seed's weak_train, whatever the split."""
        return parse_model_name(self.model).bow

    @property
    def split_seed(self) -> int:
        return self.seeds[0] if self.seeds else 0
