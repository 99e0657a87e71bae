"""`w2sg detect`: overlap detection (Algorithm 1) on weak probabilities and strong activations
read from files; writes overlap.npz (index sets, confidence, scores) and overlap.json.

File reading lives here, at the edge; the algorithm is `w2sg.overlap.detect_overlap`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from w2sg.cli.build import config_command, out_option
from w2sg.errors import W2SGError
from w2sg.io import write_atomic, write_json
from w2sg.options import option
from w2sg.overlap import OverlapResult, detect_overlap
from w2sg.overlap.detectors import parse_detector
from w2sg.overlap.similarity import as_similarity
from w2sg.overlap.strength import describe_split, split_strengths
from w2sg.setup import jsonable
from w2sg.validate import check_output, choice


def load_weak_probs(path: Path, column: str | None = None) -> np.ndarray:
    """P(y=1) per pool point from .npy, a JSON list, or a column of a CSV file."""
    if not path.is_file():
        raise W2SGError(f"--weak-probs: {path} is not a file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.asarray(_npy(path, "--weak-probs"), dtype=np.float64)
        if suffix == ".json":
            data = json.loads(path.read_text())
            if isinstance(data, dict) and column is not None:
                data = data.get(column)
            return np.asarray(data, dtype=np.float64)
        if suffix in (".csv", ".tsv"):
            return _csv_column(path, column, "\t" if suffix == ".tsv" else ",")
    except (ValueError, TypeError, IndexError, UnicodeDecodeError) as err:
        raise W2SGError(f"--weak-probs: cannot read numbers from {path}: {err}") from None
    raise W2SGError(f"--weak-probs: {path.name}: use a .npy, .json (a list) or .csv file")


def _npy(path: Path, option: str) -> np.ndarray:
    """A .npy file (memory-mapped), or one clear error when the file is not a numpy array."""
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError):
        raise W2SGError(
            f"{option}: {path} is not a .npy array (its contents are not what the extension "
            "says); save the array with numpy.save"
        ) from None


def _csv_column(path: Path, column: str | None, delimiter: str) -> np.ndarray:
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    if not rows:
        raise W2SGError(f"--weak-probs: {path} is empty")
    header = rows[0]
    if column is None:
        if len(header) != 1:
            raise W2SGError(
                f"--weak-probs: {path.name} has columns {header}; choose one with --column"
            )
        column = header[0]
    if column not in header:
        raise W2SGError(f"--weak-probs: no column {column!r} in {path.name}; it has {header}")
    i = header.index(column)
    return np.asarray([float(r[i]) for r in rows[1:] if r], dtype=np.float64)


def load_strong_acts(path: Path, tensor: str | None = None) -> np.ndarray:
    """Activations (n, d) from .npy, .safetensors, or a folder holding one .safetensors file."""
    if path.is_dir():
        files = sorted(path.glob("*.safetensors"))
        if len(files) != 1:
            raise W2SGError(
                f"--strong-acts: {path} holds {len(files)} .safetensors files; give one file"
            )
        path = files[0]
    suffix = path.suffix.lower()
    if not path.is_file():
        raise W2SGError(f"--strong-acts: {path} is not a file")
    if suffix == ".npy":
        return _npy(path, "--strong-acts")
    if suffix == ".safetensors":
        return _safetensors(path, tensor)
    raise W2SGError(f"--strong-acts: {path.name}: use .npy or .safetensors")


def _safetensors(path: Path, tensor: str | None) -> np.ndarray:
    from safetensors import safe_open  # heavy: loaded on first use

    try:
        with safe_open(str(path), framework="numpy") as f:
            names = list(f.keys())
            if tensor is None:
                if len(names) != 1:
                    raise W2SGError(
                        f"--strong-acts: {path.name} holds tensors {names}; "
                        "choose one with --tensor"
                    )
                tensor = names[0]
            if tensor not in names:
                raise W2SGError(
                    f"--strong-acts: no tensor {tensor!r} in {path.name}; it has {names}"
                )
            return f.get_tensor(tensor)
    except W2SGError:
        raise
    except Exception as err:  # safetensors raises its own error types on a bad file
        raise W2SGError(
            f"--strong-acts: {path} is not a readable .safetensors file ({err}); write one "
            "with safetensors.numpy.save_file or `w2sg extract --out`"
        ) from None


@dataclass(frozen=True)
class DetectConfig:
    """What `w2sg detect` reads and how it detects (Algorithm 1, docs/methods.md#detection)."""

    weak_probs: Path = option(help="Weak P(y=1) per pool point: .npy, .json or .csv.")
    strong_acts: Path = option(
        help="Strong activations (n, d): .npy, .safetensors (`w2sg extract --out`), or a "
        "folder holding one .safetensors file."
    )
    column: str | None = option(None, "CSV column (or JSON key) holding the probabilities.")
    tensor: str | None = option(None, "Tensor name inside a .safetensors file.")
    similarity: str = option("abs_cosine", "abs_cosine (variant A) or dot (variant B).")
    strict_hard: bool = option(False, "The hard set is conf < t1 (variant B).")
    detector: str = option(
        "reference", "How a point's overlap score is computed: reference, knn, knn:K or mean."
    )

    def __post_init__(self) -> None:
        choice(self.similarity, "--similarity", ("abs_cosine", "dot"))
        parse_detector(self.detector)


def register(app: typer.Typer) -> None:
    """Add `w2sg detect` to the app."""
    command = config_command(DetectConfig, detect_command, extras=(out_option("runs/detect"),))
    app.command("detect")(command)


def _write_npz(path: Path, res: OverlapResult) -> None:
    names = ("overlap", "easy_only", "hard_only", "confidence", "scores")

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **{name: getattr(res, name) for name in names})

    write_atomic(path, write)


def _print(res: OverlapResult, similarity: str, out: Path, strengths: dict) -> None:
    table = Table(title=f"Overlap detection ({similarity}, {res.n:,} points)")
    for col in ("set", "points", "share"):
        table.add_column(col, justify="left" if col == "set" else "right")
    for name in ("overlap", "easy_only", "hard_only"):
        k = len(getattr(res, name))
        table.add_row(name, f"{k:,}", f"{k / res.n:.1%}")
    console = Console()
    console.print(table)
    t2 = "—" if res.overlap_threshold is None else f"{res.overlap_threshold:.4f}"
    console.print(f"thresholds: confidence {res.confidence_threshold:.4f}, overlap score {t2}")
    for reason in res.reasons:
        console.print(f"[yellow]fallback:[/] {reason}")
    for key, what in (("confidence_split", "confidence split"), ("overlap_split", "overlap split")):
        console.print(describe_split(strengths[key], what))
    console.print(f"wrote {out / 'overlap.npz'} and {out / 'overlap.json'}")


def detect_command(config: DetectConfig, out: Path) -> None:
    """Split a pool into overlap / easy-only / hard-only points (Algorithm 1)."""
    check_output(out)
    probs = load_weak_probs(config.weak_probs, config.column)
    acts = load_strong_acts(config.strong_acts, config.tensor)
    res = detect_overlap(
        probs,
        acts,
        similarity=as_similarity(config.similarity),
        strict_hard=config.strict_hard,
        detector=config.detector,
    )
    _write_npz(out / "overlap.npz", res)
    summary = {
        **res.counts(),
        "n": res.n,
        "confidence_threshold": res.confidence_threshold,
        "overlap_threshold": res.overlap_threshold,
        "fallback": res.fallback,
        "reasons": list(res.reasons),
        **split_strengths(res),  # found gap or arbitrary cut (docs/methods.md#split-strength)
        "config": {**jsonable(config), "dim": int(acts.shape[1])},
    }
    write_json(out / "overlap.json", summary)
    _print(res, config.similarity, out, summary)
