"""Overlap scores other than the reference maximum similarity (docs/methods.md#detection,
alternatives).

`detect_overlap(..., detector=NAME)` picks how a confident point is scored against the hard
set; the thresholds and partition around the score are Algorithm 1's, unchanged.

- `reference`: score_i = max_j sim(X_i, X_j) over the hard set (docs/methods.md#detection; in
detect.py).
- `knn` / `knn:K`: score_i = mean of the K largest sim(X_i, X_j) over the hard set [K = 10,
  capped at |hard|]. Idea: the hard set is found by thresholding weak confidence, so it always
  holds a few strays (easy points the weak model happened to be unsure of). One stray makes
  every easy point near it score high under a single max; an average over K neighbours needs
  K strays to do the same, and it also averages away block noise. K = 1 is the reference.
- `mean`: the mean similarity to the whole hard set (K = |hard|): the strongest smoothing,
  best when the hard pattern is one cluster (as in the synthetic setting of
  docs/methods.md#synthetic-data) and weakest when hard points form many small clusters.

Cost: the same N·|hard|·D matrix products as the reference, chunked so that memory stays at
`chunk_elems` similarities; `torch.topk` adds O(N·|hard|) per chunk (log K factor at most).
"""

from __future__ import annotations

import numpy as np

from w2sg.errors import W2SGError
from w2sg.overlap.similarity import as_similarity, max_similarity

DEFAULT_K = 10
DETECTORS: tuple[str, ...] = ("reference", "knn", "mean")


def parse_detector(name: str) -> tuple[str, int | None]:
    """('reference'|'knn'|'mean', K or None) from a detector name such as 'knn:25'."""
    if not isinstance(name, str):
        raise W2SGError(f"detector must be a name such as 'reference' or 'knn', got {name!r}")
    base, _, arg = name.strip().lower().partition(":")
    if base not in DETECTORS:
        raise W2SGError(
            f"unknown detector {name!r}; use one of {', '.join(DETECTORS)} (or 'knn:K')"
        )
    if not arg:
        return base, (DEFAULT_K if base == "knn" else None)
    if base != "knn" or not arg.isdigit() or int(arg) < 1:
        raise W2SGError(f"bad detector {name!r}; only 'knn:K' takes an argument, K >= 1")
    return base, int(arg)


def topk_mean_similarity(
    queries: np.ndarray,
    keys: np.ndarray,
    k: int | None,
    similarity: str = "abs_cosine",
    chunk_elems: int = 1 << 24,
) -> np.ndarray:
    """Per query row, the mean of its `k` largest similarities to the key rows (None: all)."""
    import torch  # heavy: loaded on first use

    q = torch.from_numpy(np.ascontiguousarray(queries, dtype=np.float32))
    keys_t = torch.from_numpy(np.ascontiguousarray(keys, dtype=np.float32))
    if similarity == "abs_cosine":
        keys_t = torch.nn.functional.normalize(keys_t, dim=1)
    elif similarity != "dot":
        raise W2SGError(f"unknown similarity {similarity!r}; use 'abs_cosine' or 'dot'")
    if len(keys_t) == 0:
        raise W2SGError("no key rows to compare with: the hard set is empty")
    kk = len(keys_t) if k is None else min(int(k), len(keys_t))
    out = np.empty(len(q), dtype=np.float32)
    rows = max(1, chunk_elems // len(keys_t))
    with torch.inference_mode():
        for start in range(0, len(q), rows):
            block = q[start : start + rows]
            if similarity == "abs_cosine":
                block = torch.nn.functional.normalize(block, dim=1)
            sims = block @ keys_t.T
            if similarity == "abs_cosine":
                sims = sims.abs_()
            top = sims if kk == len(keys_t) else sims.topk(kk, dim=1, sorted=False).values
            out[start : start + rows] = top.mean(dim=1).numpy()
    return out


def detector_scores(
    detector: str, rest_acts: np.ndarray, hard_acts: np.ndarray, similarity: str
) -> np.ndarray:
    """Overlap scores of the confident points under a non-reference detector (see above)."""
    base, k = parse_detector(detector)
    if base == "reference":
        return max_similarity(rest_acts, hard_acts, as_similarity(similarity))
    return topk_mean_similarity(rest_acts, hard_acts, k, similarity)
