"""How a model name is spelled: a transformer, a transformer cut after K blocks, or a
bag-of-words model (docs/methods.md#the-weak-model-menu).

- `minilm-l6`, a folder, a `.gguf` file, `org/name[@revision]`: a transformer (`resolve.py`);
- `minilm-l6:layer2`: the same weights read only up to `hidden_states[2]` (its first two
  blocks), so its last layer is layer 2 and `--weak-layer -1` means it;
- `tfidf`: TF-IDF features and the logistic probe, no transformer (`bow.py`); a weak model
  only, fitted on the rows the weak model learns from.

Pure string handling: no file is read here, so configs check a name before any work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from w2sg.errors import W2SGError

BOW_MODELS = ("tfidf",)
_CUT = re.compile(r"^(?P<base>.+):layer(?P<k>\d+)$")


@dataclass(frozen=True)
class ModelName:
    """A parsed model name: the name as given, the model it names, and its cut (if any)."""

    text: str
    base: str
    cut: int | None = None

    @property
    def bow(self) -> bool:
        """A bag-of-words model (no transformer)."""
        return self.base in BOW_MODELS


def parse_model_name(name: object, what: str = "model") -> ModelName:
    """Parse `name`; a malformed one is one error naming `what` (e.g. `--weak`).

    An existing path is taken as given (a folder may hold a colon); otherwise a colon must
    introduce `layerK`.
    """
    if not isinstance(name, str) or not name.strip():
        raise W2SGError(f"{what} must be a model name, got {name!r}")
    text = name.strip()
    if ":" not in text or Path(text).expanduser().exists():
        return ModelName(text, text)
    match = _CUT.match(text)
    if match is None:
        raise W2SGError(
            f"{what} {text!r}: after ':' write layerK to read the model only up to "
            "hidden_states[K] (e.g. minilm-l6:layer2)"
        )
    base, cut = match["base"], int(match["k"])
    if base in BOW_MODELS:
        raise W2SGError(f"{what} {text!r}: {base} has no layers; write {base}")
    if ":" in base and not Path(base).expanduser().exists():
        raise W2SGError(f"{what} {text!r}: give one ':layerK' at the end of the name")
    return ModelName(text, base, cut)


def is_bow(name: str) -> bool:
    """Whether `name` (well formed) names a bag-of-words model."""
    return parse_model_name(name).bow


def check_weak_model(name: object, layer: int, what: str = "--weak") -> ModelName:
    """A weak model name and its layer: a bag-of-words model has one layer (0, or -1)."""
    parsed = parse_model_name(name, what)
    if parsed.bow and layer not in (0, -1):
        raise W2SGError(
            f"{what} {parsed.text} has one layer of features (0, or -1), not layer {layer}"
        )
    return parsed


def check_strong_model(name: object, what: str = "--strong") -> ModelName:
    """A strong model name: a transformer (a bag-of-words model is a weak model only)."""
    parsed = parse_model_name(name, what)
    if parsed.bow:
        raise W2SGError(
            f"{what} {parsed.text}: a bag-of-words model is a weak model only; the strong "
            "model is a transformer (e.g. mpnet-base)"
        )
    return parsed
