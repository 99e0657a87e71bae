"""Where w2sg keeps what it makes: the cache of models, data and activations.

`W2SG_CACHE` overrides the default `~/.cache/w2sg`.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The toolkit's cache folder (created on first use)."""
    root = Path(os.environ.get("W2SG_CACHE", Path.home() / ".cache" / "w2sg")).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the cache, created on first use."""
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
