"""Where w2sg keeps what it makes: the cache of models, data and activations.

`W2SG_CACHE` overrides the default `~/.cache/w2sg`.
"""

from __future__ import annotations

import os
from pathlib import Path

from w2sg.errors import W2SGError


def cache_root() -> Path:
    """The toolkit's cache folder (created on first use; a file or a read-only place fails)."""
    root = Path(os.environ.get("W2SG_CACHE", Path.home() / ".cache" / "w2sg")).expanduser()
    if root.exists() and not root.is_dir():
        raise W2SGError(f"W2SG_CACHE={root} is a file; point W2SG_CACHE at a folder")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise W2SGError(
            f"cannot create the cache folder W2SG_CACHE={root}: {err.strerror}; "
            "point W2SG_CACHE at a writable folder"
        ) from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise W2SGError(
            f"the cache folder W2SG_CACHE={root} is not writable; "
            "point W2SG_CACHE at a writable folder"
        )
    return root


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the cache, created on first use."""
    path = cache_root().joinpath(*parts)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise W2SGError(
            f"cannot create {path} in the cache W2SG_CACHE: {err.strerror}; "
            "remove what is in the way or point W2SG_CACHE elsewhere"
        ) from None
    return path
