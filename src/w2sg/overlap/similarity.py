"""The overlap score of docs/methods.md#detection: each query's maximum similarity to any key, exact
and fast.

`max_similarity(queries, keys)` returns, per query row, the maximum over key rows of |cosine|
(variant A) or of the raw dot product (variant B), equal to the plain float64 computation.

How: the query x key similarity matrix is screened in bfloat16 (about 3x the float32 matmul
speed on CPUs with AVX512-BF16), one cache-sized block of query rows at a time, keeping each
row's top few entries. The row's best entry is re-scored in float64; that exact value is a
lower bound on the row's maximum. A rounding-error bound then says which other kept entries
could still beat it; only those are re-scored. The bound is computed from the actual rounding
residuals: with q^ = round(q), k^ = round(k),

    |q^.k^ - q.k| <= |q^| |k^ - k| + |q^ - q| |k^| + |q^ - q| |k^ - k|      (Cauchy-Schwarz)

plus the float32 summation error gamma_(d+1) |q^| |k^| and one unit in the last place of the
rounded result. A row whose possible winners do not all fit in its kept entries is screened
again in float32 (a far tighter bound) and, failing that (exact ties), computed in float64.

Memory: one bfloat16 copy of the keys plus one block of similarities; queries and keys are
read in place (`query_rows` / `key_rows` select rows without copying a large matrix).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from w2sg.errors import W2SGError

if TYPE_CHECKING:
    import torch

Similarity = Literal["abs_cosine", "dot"]
SIMILARITIES: tuple[Similarity, ...] = ("abs_cosine", "dot")
NORM_EPS = 1e-12  # as torch.nn.functional.normalize: a zero vector has similarity 0
_BLOCK = 4096  # rows converted at once when preparing keys


@dataclass(frozen=True)
class _Tier:
    """One screening precision: torch dtype name, its unit in the last place at 1, top-k kept."""

    dtype_name: str
    ulp: float
    top: int


_BF16 = _Tier("bfloat16", ulp=2.0**-7, top=8)
_FP32 = _Tier("float32", ulp=2.0**-23, top=8)


@dataclass(frozen=True)
class _Rounded:
    """Rows rounded to a tier's dtype, with |rounded| and |rounded - exact| per row."""

    mat: torch.Tensor  # in the tier's dtype
    norm_hat: np.ndarray
    resid: np.ndarray


def as_similarity(name: str) -> Similarity:
    """`name` (a config's string) as a `Similarity`, or the error an unknown one gets."""
    for choice in SIMILARITIES:
        if name == choice:
            return choice
    raise W2SGError(f"unknown similarity {name!r}; use 'abs_cosine' or 'dot'")


def max_similarity(
    queries: np.ndarray,
    keys: np.ndarray,
    similarity: Similarity = "abs_cosine",
    *,
    query_rows: np.ndarray | None = None,
    key_rows: np.ndarray | None = None,
    chunk_elems: int = 1 << 23,
    screen: Literal["bfloat16", "float32"] = "bfloat16",
) -> np.ndarray:
    """Per query row, the maximum similarity to any key row (docs/methods.md#detection), exact in
    float64.

    `query_rows` / `key_rows` select rows of `queries` / `keys` without copying them.
    `chunk_elems` bounds the similarity block held at once (2 bytes each in bfloat16);
    `screen` picks the first screening precision ('float32' on CPUs without fast bfloat16).
    """
    import torch  # heavy: loaded on first use

    if similarity not in SIMILARITIES:
        raise W2SGError(f"unknown similarity {similarity!r}; use 'abs_cosine' or 'dot'")
    if screen not in ("bfloat16", "float32"):
        raise W2SGError(f"unknown screen precision {screen!r}; use 'bfloat16' or 'float32'")
    xq, qrows = _rows(queries, query_rows, "queries")
    xk, krows = _rows(keys, key_rows, "keys")
    if xq.shape[1] != xk.shape[1]:
        raise W2SGError(
            f"queries have {xq.shape[1]} dimensions but keys have {xk.shape[1]}; they must match"
        )
    out = np.empty(len(qrows), dtype=np.float64)
    if len(qrows) == 0:
        return out
    if len(krows) == 0:
        raise W2SGError("max_similarity: no keys to compare with; give at least one key row")

    cosine = similarity == "abs_cosine"
    knorm = _norms(xk, krows)
    tiers = [_FP32] if screen == "float32" else [_BF16, _FP32]
    if torch.get_float32_matmul_precision() != "highest":
        tiers = [t for t in tiers if t is not _FP32]  # its bound assumes true float32 sums
    rows_per = max(64, chunk_elems // len(krows))
    todo = np.arange(len(qrows))
    keys_of = (xk, krows, knorm, cosine)
    with torch.inference_mode():
        for tier in tiers:  # each tier settles most rows; the rest go on to the next
            if len(todo) == 0:
                break
            todo = _settle(xq, qrows, todo, keys_of, tier, rows_per, out, tier is tiers[-1])
        for start in range(0, len(todo), rows_per):  # exact ties: plain float64
            pos = todo[start : start + rows_per]
            q64 = xq[qrows[pos]].astype(np.float64)
            out[pos] = _exact_rows(q64, np.linalg.norm(q64, axis=1), xk, krows, knorm, cosine)
    return out


def _settle(
    xq: np.ndarray,
    qrows: np.ndarray,
    todo: np.ndarray,
    keys_of: tuple,
    tier: _Tier,
    rows_per: int,
    out: np.ndarray,
    last: bool,
) -> np.ndarray:
    """Screen the `todo` query positions at one precision tier; write the rows it settles
    into `out` and return the positions it leaves for the next tier."""
    xk, krows, knorm, cosine = keys_of
    kr = _round_keys(xk, krows, knorm, cosine, tier)
    left = [todo[:0]]
    for start in range(0, len(todo), rows_per):
        pos = todo[start : start + rows_per]
        q64 = xq[qrows[pos]].astype(np.float64)
        qnorm = np.linalg.norm(q64, axis=1)
        value, unsettled = _screen(q64, qnorm, xk, krows, knorm, kr, cosine, tier)
        out[pos[~unsettled]] = value[~unsettled]
        left.append(pos[unsettled])
        if start == 0 and not last and unsettled.mean() > 0.5:
            # Similarities too close together for this precision (concentrated
            # activations): hand the remaining rows to the next tier unscreened.
            left.append(todo[rows_per:])
            break
    return np.concatenate(left)


def _rows(x: np.ndarray, rows: np.ndarray | None, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The 2-d float array (not copied when already one) and the int64 rows selected from it."""
    if hasattr(x, "detach"):  # torch tensor
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise W2SGError(f"{name} must be 2-dimensional, got shape {arr.shape}")
    if arr.dtype not in (np.float16, np.float32, np.float64):
        arr = arr.astype(np.float32)
    if rows is None:
        return arr, np.arange(len(arr), dtype=np.int64)
    idx = np.asarray(rows, dtype=np.int64).ravel()
    if len(idx) and (idx.min() < 0 or idx.max() >= len(arr)):
        raise W2SGError(f"{name}: row index out of range for {len(arr)} rows")
    return arr, idx


def _norms(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """float64 Euclidean norms of the selected rows, in blocks (no full float64 copy)."""
    out = np.empty(len(rows), dtype=np.float64)
    for s in range(0, len(rows), _BLOCK):
        out[s : s + _BLOCK] = np.linalg.norm(x[rows[s : s + _BLOCK]].astype(np.float64), axis=1)
    return out


def _round(v64: np.ndarray, dtype_name: str) -> _Rounded:
    """Round float64 rows to bfloat16 or float32, recording |rounded| and |rounded - exact|.

    bfloat16 is the top half of a float32, rounded to nearest even; done in numpy with integer
    arithmetic (no thread start-up per block, no float64 round trip through torch).
    """
    import torch  # heavy: loaded on first use

    f32 = v64.astype(np.float32)
    if dtype_name == "bfloat16":
        u = f32.view(np.uint32)
        bits = ((u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))) >> 16).astype(
            np.uint16
        )
        back = (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)
        mat = torch.from_numpy(bits).view(torch.bfloat16)
    else:
        back, mat = f32, torch.from_numpy(f32)
    back64 = back.astype(np.float64)
    norm_hat = np.sqrt(np.einsum("ij,ij->i", back64, back64))
    back64 -= v64
    return _Rounded(mat, norm_hat, np.sqrt(np.einsum("ij,ij->i", back64, back64)))


def _scaled(v64: np.ndarray, norms: np.ndarray, cosine: bool) -> np.ndarray:
    """The vectors whose inner product is the similarity: unit vectors for cosine."""
    return v64 / np.maximum(norms, NORM_EPS)[:, None] if cosine else v64


def _round_keys(
    xk: np.ndarray, krows: np.ndarray, knorm: np.ndarray, cosine: bool, tier: _Tier
) -> _Rounded:
    """The selected keys rounded to the tier's dtype, built in blocks."""
    import torch  # heavy: loaded on first use

    mat = torch.empty((len(krows), xk.shape[1]), dtype=getattr(torch, tier.dtype_name))
    norm_hat = np.empty(len(krows))
    resid = np.empty(len(krows))
    for s in range(0, len(krows), _BLOCK):
        sl = slice(s, s + _BLOCK)
        r = _round(_scaled(xk[krows[sl]].astype(np.float64), knorm[sl], cosine), tier.dtype_name)
        mat[sl], norm_hat[sl], resid[sl] = r.mat, r.norm_hat, r.resid
    return _Rounded(mat, norm_hat, resid)


def _screen(
    q64: np.ndarray,
    qnorm: np.ndarray,
    xk: np.ndarray,
    krows: np.ndarray,
    knorm: np.ndarray,
    kr: _Rounded,
    cosine: bool,
    tier: _Tier,
) -> tuple[np.ndarray, np.ndarray]:
    """Screen a block of query rows at one precision: (exact maxima, unsettled mask).

    A row is unsettled when its possible maxima do not all fit in the kept top entries; its
    value is then only a lower bound.
    """
    import torch  # heavy: loaded on first use

    qr = _round(_scaled(q64, qnorm, cosine), tier.dtype_name)
    sims = qr.mat @ kr.mat.T
    if cosine:
        sims.abs_()
    top = min(tier.top, sims.shape[1])
    vals_t, cols_t = torch.topk(sims, top, dim=1)
    del sims
    vals, cols = vals_t.double().numpy(), cols_t.numpy()
    lower = _exact_pairs(q64, qnorm, np.arange(len(q64)), xk, krows, knorm, cols[:, 0], cosine)

    # Bound on |computed - exact| for each kept entry (see the module docstring).
    d = q64.shape[1]
    gamma = (d + 1) * 2.0**-24 / (1 - (d + 1) * 2.0**-24)
    nq, rq = qr.norm_hat[:, None], qr.resid[:, None]

    def bound(nk: np.ndarray, rk: np.ndarray) -> np.ndarray:
        return (nq * rk + rq * nk + rq * rk + gamma * nq * nk) * (1 + 1e-9) + 1e-30

    def upper(v: np.ndarray, err: np.ndarray) -> np.ndarray:
        return v + tier.ulp * np.abs(v) + err

    cand = upper(vals, bound(kr.norm_hat[cols], kr.resid[cols])) >= lower[:, None]
    cand[:, 0] = False  # already exact
    if top < len(krows):  # an unkept entry is at most the last kept value
        worst = bound(kr.norm_hat.max(keepdims=True), kr.resid.max(keepdims=True))[:, 0]
        overflow = upper(vals[:, -1], worst) >= lower
    else:
        overflow = np.zeros(len(q64), dtype=bool)
    cand &= ~overflow[:, None]
    r, c = np.nonzero(cand)
    best = lower.copy()
    if len(r):
        extra = _exact_pairs(q64, qnorm, r, xk, krows, knorm, cols[r, c], cosine)
        np.maximum.at(best, r, extra)
    return best, overflow


def _exact_pairs(
    q64: np.ndarray,
    qnorm: np.ndarray,
    qi: np.ndarray,
    xk: np.ndarray,
    krows: np.ndarray,
    knorm: np.ndarray,
    kj: np.ndarray,
    cosine: bool,
) -> np.ndarray:
    """float64 similarity of query q64[qi[p]] with key krows[kj[p]], for each pair p."""
    dots = np.einsum("ij,ij->i", q64[qi], xk[krows[kj]].astype(np.float64))
    if not cosine:
        return dots
    return np.abs(dots) / (np.maximum(qnorm[qi], NORM_EPS) * np.maximum(knorm[kj], NORM_EPS))


def _exact_rows(
    q64: np.ndarray,
    qnorm: np.ndarray,
    xk: np.ndarray,
    krows: np.ndarray,
    knorm: np.ndarray,
    cosine: bool,
) -> np.ndarray:
    """The plain float64 maximum for a few rows (the last resort), in blocks of keys."""
    q = _scaled(q64, qnorm, cosine)
    best = np.full(len(q), -np.inf)
    for s in range(0, len(krows), _BLOCK):
        k = _scaled(xk[krows[s : s + _BLOCK]].astype(np.float64), knorm[s : s + _BLOCK], cosine)
        sims = q @ k.T
        best = np.maximum(best, (np.abs(sims) if cosine else sims).max(axis=1))
    return best


def max_similarity_plain(
    queries: np.ndarray, keys: np.ndarray, similarity: Similarity = "abs_cosine"
) -> np.ndarray:
    """The straightforward float64 computation, the reference the fast path must equal."""
    if similarity not in SIMILARITIES:
        raise W2SGError(f"unknown similarity {similarity!r}; use 'abs_cosine' or 'dot'")
    q = np.asarray(queries, dtype=np.float64)
    k = np.asarray(keys, dtype=np.float64)
    if similarity == "abs_cosine":
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), NORM_EPS)
        k = k / np.maximum(np.linalg.norm(k, axis=1, keepdims=True), NORM_EPS)
        return np.abs(q @ k.T).max(axis=1)
    return (q @ k.T).max(axis=1)
