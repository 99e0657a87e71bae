"""The batch plan of extraction: which texts run together, padded to which length.

A text is padded to its length bucket (`bucket_of`: every 4 tokens up to 64, coarser above)
and runs in a batch of texts of that bucket whose row count is a function of the bucket alone
(`batch_rows`), so its padded length and its batch's shape never depend on its company; the
store key names the rule (`batch_plan_name`), so vectors of another rule are never mixed in
(docs/methods.md#activations). A short batch is filled with copies up to that row count, or,
where `ShortBatches` has checked that fewer rows give the same bits, up to 64 tokens only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from w2sg.errors import W2SGError

# Bucket lengths: a text is padded to the smallest bucket that holds it, so a text's padded
# length is a function of its own token count. (limit, step): steps of 4 tokens up to 64
# (most texts are short), then coarser; docs/performance.md#extraction has the speed it gives.
BUCKET_STEPS = ((64, 4), (128, 16), (256, 32), (1 << 30, 64))
# Every batch of a bucket has the same number of rows (short batches are filled with
# copies), so the budget also bounds the wasted work: less than one budget per bucket used.
DEFAULT_CPU_TOKEN_BUDGET = 512
DEFAULT_GPU_TOKEN_BUDGET = 4096
MAX_BATCH_ROWS = 64


def length_order(lengths: np.ndarray) -> np.ndarray:
    """Positions sorted longest first (stable, so ties keep their input order)."""
    return np.argsort(-np.asarray(lengths), kind="stable")


def bucket_lengths(max_length: int) -> np.ndarray:
    """The padded lengths of texts of at most `max_length` tokens, ascending (BUCKET_STEPS;
    the last one is `max_length`)."""
    out, n = [], 0
    for limit, step in BUCKET_STEPS:
        while n + step <= min(limit, max_length):
            n += step
            out.append(n)
    if not out or out[-1] < max_length:
        out.append(int(max_length))
    return np.array(out, dtype=np.int64)


def bucket_of(lengths: np.ndarray, max_length: int) -> np.ndarray:
    """The bucket (padded length) of each token count: the smallest bucket that holds it."""
    buckets = bucket_lengths(max_length)
    index = np.searchsorted(buckets, np.asarray(lengths), side="left")
    if np.any(index >= len(buckets)):
        raise W2SGError(f"a text is longer than max_length {max_length} tokens")
    return buckets[index]


def batch_rows(width: int, token_budget: int, max_batch: int | None = None) -> int:
    """Rows of every batch of the bucket `width`: `max_batch` if given, else
    `token_budget // width` clamped to 1..MAX_BATCH_ROWS. A function of the bucket alone."""
    if max_batch is not None:
        return int(max_batch)
    return int(min(MAX_BATCH_ROWS, max(1, token_budget // max(1, int(width)))))


def plan_batches(
    lengths: np.ndarray, max_length: int, token_budget: int, max_batch: int | None = None
) -> list[tuple[int, np.ndarray]]:
    """Cut positions (in the order to run them) into batches of texts of ONE bucket.

    `lengths[i]` is the token count of the i-th position given. Returns (width, positions)
    pairs: every text of a batch is padded to `width`, its bucket, and a batch holds at most
    `batch_rows(width, ...)` texts; the extractor fills a short batch with copies, so every
    batch of a bucket has one shape. Buckets come in first-seen order.
    """
    widths = bucket_of(np.asarray(lengths), max_length)
    batches: list[tuple[int, np.ndarray]] = []
    for width in dict.fromkeys(widths.tolist()):
        positions = np.flatnonzero(widths == width)
        rows = batch_rows(int(width), token_budget, max_batch)
        starts = range(0, len(positions), rows)
        batches.extend((int(width), positions[i : i + rows]) for i in starts)
    return batches


def default_token_budget(device: str) -> int:
    """Tokens per batch: a fixed figure per device kind (it fixes each length's batch shape,
    so it must not drift with free memory)."""
    return DEFAULT_GPU_TOKEN_BUDGET if device.startswith("cuda") else DEFAULT_CPU_TOKEN_BUDGET


def batch_plan_name(device: str, batch_size: int | None) -> str:
    """The batch shape rule a store's vectors were computed with (part of its key): the
    bucket steps (`4to64` = every 4 tokens up to 64) and the rows of each bucket's batches."""
    buckets = "buckets" + ",".join(
        f"{step}to{limit}" if limit < 1 << 30 else f"{step}" for limit, step in BUCKET_STEPS
    )
    if batch_size is not None:
        return f"{buckets}-rows{batch_size}"
    return f"{buckets}-tokens{default_token_budget(device)}-max{MAX_BATCH_ROWS}"


FILL_RULES = ("auto", "always")
SHORT_BATCH_CHECKS = 2
# Below this hidden size the BLAS takes its small-matrix paths, whose results change with the
# row count in some shapes and not others (a tiny MPNet passes two checks and then differs),
# so `auto` fills there without checking; the offline models (384 and 768) are above it.
MIN_UNFILLED_HIDDEN = 256
# ... and below this many tokens in a batch (its matrices' row count) too: MPNet-base in
# float32 gives other bits for one text of 4 or 8 tokens alone than in a full batch (12 and
# more agree), so a short batch is still filled up to this many tokens.
MIN_BATCH_TOKENS = 64


class ShortBatches:
    """How a batch shorter than its bucket's row count runs.

    `always`: filled with copies of its first text up to the row count (the vectors of the
    copies are dropped), so every batch of a bucket has one shape whatever the BLAS does.
    `auto` (the default), on a model of hidden size at least MIN_UNFILLED_HIDDEN: the first
    SHORT_BATCH_CHECKS short batches run both filled and as they are; if every vector is the
    same bits, the kernels' results do not depend on the row count for this model and dtype,
    and later short batches run with only as many copies as make MIN_BATCH_TOKENS tokens
    (the BLAS's small-matrix paths differ below it). A single differing bit settles
    `always` for the extractor's life; so does a smaller model. The vectors are the filled
    ones' bits in every case, so the store key does not change (tests/models/test_company.py:
    both rules on tiny models, `auto` on both offline models in both dtypes, alone and among
    any batch-mates; docs/performance.md#extraction has the speed it buys).
    """

    def __init__(self, rule: str = "auto", hidden: int | None = None) -> None:
        if rule not in FILL_RULES:
            raise W2SGError(f"fill must be one of {', '.join(FILL_RULES)}, not {rule!r}")
        small = hidden is not None and hidden < MIN_UNFILLED_HIDDEN
        self.checked = 0
        self.free: bool | None = None if rule == "auto" and not small else False

    def run(self, run_batch: Callable, ids: list[list[int]], rows: int, width: int) -> dict:
        """Vectors of `ids` (one bucket, padded to `width`) in a batch shape of `rows` rows."""
        n = len(ids)
        if n >= rows:
            return run_batch(ids, width)

        def with_copies(total: int) -> dict:  # `ids` filled to `total` rows, copies dropped
            vectors = run_batch(ids + [ids[0]] * (total - n), width)
            return {k: v[:n] for k, v in vectors.items()}

        least = min(rows, max(n, -(-MIN_BATCH_TOKENS // max(1, width))))  # ceil
        if self.free:
            return with_copies(least)
        filled = with_copies(rows)
        if self.free is None and least < rows:
            import torch  # heavy: loaded on first use

            fewer = with_copies(least)
            same = all(torch.equal(fewer[k], filled[k]) for k in filled)
            self.checked += 1
            if not same:
                self.free = False
            elif self.checked >= SHORT_BATCH_CHECKS:
                self.free = True
        return filled
