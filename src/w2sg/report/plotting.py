"""Matplotlib without a display, and saving one figure as PNG and SVG atomically."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from w2sg.io import write_atomic


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib  # heavy: loaded on first use

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt  # heavy: loaded on first use

    return plt


def _save(fig: Any, ext: str, options: dict[str, Any], tmp: Path) -> None:
    import matplotlib  # loaded with the figure

    # the same figure, the same bytes: no date in the SVG, and its element ids from a fixed salt
    # rather than a random one (a regenerated page otherwise differs in every SVG it holds)
    metadata = {"Date": None} if ext == "svg" else None
    with matplotlib.rc_context({"svg.hashsalt": "w2sg"}):
        fig.savefig(tmp, format=ext, metadata=metadata, **options)


def save_figure(
    fig, out_dir: str | Path, stem: str, *, dpi: int = 130, tight: bool = True
) -> list[Path]:
    """Write `stem.png` and `stem.svg` into `out_dir` and close the figure; return the paths."""
    options = {"dpi": dpi, **({"bbox_inches": "tight"} if tight else {})}
    paths = []
    for ext in ("png", "svg"):
        path = Path(out_dir) / f"{stem}.{ext}"
        write_atomic(path, functools.partial(_save, fig, ext, options))
        paths.append(path)
    pyplot().close(fig)
    return paths
