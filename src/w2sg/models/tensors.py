"""Tensors of safetensors files, read memory-mapped.

The activation store's shards are such files; `memmap_array` checks a file's header against
its size, so a damaged shard is an error to report, never garbage to read.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np


def _header(path: Path) -> tuple[dict, int]:
    """A safetensors file's header and the offset of its data; ValueError when malformed."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError("shorter than a safetensors header")
        (n,) = struct.unpack("<Q", raw)
        if n > size - 8:
            raise ValueError("header length past the end of the file")
        header = json.loads(f.read(n))
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    return header, 8 + n


def memmap_array(path: Path, name: str = "activations", dtype: str = "F32") -> np.ndarray:
    """Memory-map one tensor of a safetensors file read-only (no copy); ValueError if malformed."""
    header, start = _header(Path(path))
    info = header.get(name)
    if not isinstance(info, dict) or info.get("dtype") != dtype:
        raise ValueError(f"{path}: no {dtype} tensor {name!r}")
    np_dtype = {"F32": "<f4", "U8": "u1"}[dtype]
    begin, end = info["data_offsets"]
    shape = tuple(int(s) for s in info["shape"])
    if end - begin != np.dtype(np_dtype).itemsize * int(np.prod(shape)):
        raise ValueError(f"{path}: tensor {name!r} size does not match its shape")
    if start + end > Path(path).stat().st_size:
        raise ValueError(f"{path}: tensor {name!r} runs past the end of the file")
    if not shape or 0 in shape:
        return np.zeros(shape, dtype=np_dtype)
    return np.memmap(path, dtype=np_dtype, mode="r", offset=start + begin, shape=shape)
