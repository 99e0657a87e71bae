"""Fine-tune mode's token limit: a text longer than it loses its middle, never its end.

The literature's passage tasks put the passage first and what the label is about last: boolq's
question, the passage-QA templates' candidate answer. Cutting from the right would drop exactly
that, silently. So a text over the limit keeps its special tokens, the first quarter of the room
left for text and the rest from its end (`cut_middle`), and the run counts the rows cut, per
split and per model (`truncation_counts`), in results.json and summary.md, with one warning line
when more than 1 % of a split's rows are cut (docs/methods.md#fine-tune-mode).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from w2sg.data.splits import SPLIT_NAMES, Splits
from w2sg.errors import W2SGError
from w2sg.models.layers import effective_max_length
from w2sg.models.load import load_config, load_tokenizer
from w2sg.models.resolve import ResolvedModel, resolve_model

#: How a text over the limit is cut; part of every stage's address, so stages cut otherwise
#: (the old rule: the first 128 tokens) are never reused.
RULE = "middle: special tokens kept, 1/4 of the room from the start, the rest from the end"
HEAD_SHARE = 4  # the head keeps 1 / HEAD_SHARE of the room for text
WARN_SHARE = 0.01  # a split with more rows cut than this share gets the warning line
ROLES = ("weak", "strong")


def cut_middle(ids: Sequence[int], limit: int, prefix: int = 0, suffix: int = 0) -> list[int]:
    """`ids` in at most `limit` tokens, the middle of the text cut out.

    Ids that fit come back unchanged. Otherwise the first `prefix` and the last `suffix` ids
    (the tokenizer's special tokens) stay in place and, of the text between them, the first
    quarter of the room left (`limit - prefix - suffix`) and the rest of the room from its
    end: a question or answer at the end of a long passage survives.
    """
    ids = list(ids)
    if len(ids) <= limit:
        return ids
    room = limit - prefix - suffix
    if room < 1 or prefix + suffix > len(ids):
        raise W2SGError(
            f"a token limit of {limit} leaves no room for text beside {prefix + suffix} "
            "special tokens; give a larger --max-length"
        )
    head = room // HEAD_SHARE
    body = ids[prefix : len(ids) - suffix]
    return ids[:prefix] + body[:head] + body[len(body) - (room - head) :] + ids[len(ids) - suffix :]


def _leading(flags: Sequence[int]) -> int:
    """How many of the first flags are set (the special tokens a tokenizer put in front)."""
    n = 0
    for flag in flags:
        if not flag:
            break
        n += 1
    return n


def encode(
    tokenizer: Any, texts: Sequence[Any] | np.ndarray, limit: int
) -> tuple[list[list[int]], np.ndarray]:
    """Token ids per text (special tokens added) cut to `limit` by `cut_middle`, and whether
    each text was cut. The tokenizer's own warning about long inputs is off: they are cut here.
    """
    enc = tokenizer(
        [str(t) for t in texts],
        add_special_tokens=True,
        truncation=False,
        return_special_tokens_mask=True,
        return_attention_mask=False,
        return_token_type_ids=False,
        verbose=False,
    )
    out, cut = [], np.zeros(len(enc["input_ids"]), dtype=bool)
    for k, (ids, special) in enumerate(
        zip(enc["input_ids"], enc["special_tokens_mask"], strict=True)
    ):
        if len(ids) > limit:
            prefix = _leading(special)
            suffix = min(_leading(special[::-1]), len(ids) - prefix)
            ids, cut[k] = cut_middle(ids, limit, prefix, suffix), True
        out.append(list(ids))
    return out, cut


@lru_cache(maxsize=8)
def _tokenizer(resolved: ResolvedModel) -> Any:
    return load_tokenizer(resolved)


@lru_cache(maxsize=16)
def _length(resolved: ResolvedModel, max_length: int | None) -> int:
    return effective_max_length(max_length, _tokenizer(resolved), load_config(resolved))


def model_tokenizer(model: str) -> Any:
    """The tokenizer of `model` (read once per process)."""
    return _tokenizer(resolve_model(model))


def model_length(model: str, max_length: int | None) -> int:
    """The token limit fine-tune mode uses for `model`: `max_length` capped by the model's own
    limit (tokenizer, else position table), or that limit when `max_length` is None."""
    return _length(resolve_model(model), max_length)


def split_counts(tokenizer: Any, splits: Splits, limit: int) -> dict[str, dict[str, int]]:
    """Per split: its rows, how many of them `encode` cuts, and the limit."""
    out = {}
    for name in SPLIT_NAMES:
        texts = getattr(splits, name).texts
        cut = encode(tokenizer, texts, limit)[1] if len(texts) else np.zeros(0, dtype=bool)
        out[name] = {"rows": len(texts), "truncated": int(cut.sum()), "limit": limit}
    return out


def truncation_counts(
    models: dict[str, str], max_length: int | None, splits: Splits
) -> dict[str, dict]:
    """{role: {split: {rows, truncated, limit}}} for each role's model (its own tokenizer)."""
    return {
        role: split_counts(model_tokenizer(m), splits, model_length(m, max_length))
        for role, m in models.items()
    }


def totals(per_seed: Sequence[dict]) -> dict[str, dict]:
    """The counts of several seeds added up per role and split (the limit is the role's)."""
    first = per_seed[0]
    return {
        role: {
            split: {
                "rows": sum(s[role][split]["rows"] for s in per_seed),
                "truncated": sum(s[role][split]["truncated"] for s in per_seed),
                "limit": c["limit"],
            }
            for split, c in splits.items()
        }
        for role, splits in first.items()
    }


def warning(counts: dict[str, dict]) -> str | None:
    """One line naming every split with more than 1 % of its rows cut, or None."""
    over = [
        f"{role} {split} {c['truncated']}/{c['rows']} (limit {c['limit']})"
        for role, splits in counts.items()
        for split, c in splits.items()
        if c["rows"] and c["truncated"] / c["rows"] > WARN_SHARE
    ]
    if not over:
        return None
    return (
        "warning: texts over the token limit lose their middle (start and end kept): "
        + ", ".join(over)
    )


def count_and_warn(
    models: dict[str, str],
    max_length: int | None,
    seeds: Sequence[tuple[int, Splits]],
    log: Callable[[str], None],
) -> tuple[dict[int, dict], dict[str, dict]]:
    """Each seed's counts and their totals; logs the warning line once when one is due."""
    per_seed = {seed: truncation_counts(models, max_length, s) for seed, s in seeds}
    summed = totals(list(per_seed.values()))
    line = warning(summed)
    if line:
        log(line)
    return per_seed, summed
