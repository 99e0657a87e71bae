"""The model's token limit: one rule for extraction, the cache key and the option check."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from w2sg.errors import W2SGError
from w2sg.models.layers import check_max_length, effective_max_length, max_length_limit


@pytest.mark.parametrize(
    ("tokenizer_limit", "positions", "expected"),
    [
        (512, 512, 512),  # MiniLM-L6
        (512, 514, 512),  # MPNet-base: two positions are padding offsets
        (1024, 512, 512),  # a position table shorter than the tokenizer's limit decides
        (int(1e30), 514, 514),  # the tokenizer's "no limit" sentinel: the table decides
        (None, None, 512),  # nothing known
        (256, None, 256),
    ],
)
def test_the_limit_is_the_shorter_of_tokenizer_and_position_table(
    tokenizer_limit, positions, expected
) -> None:
    tokenizer = SimpleNamespace(model_max_length=tokenizer_limit)
    config = SimpleNamespace(max_position_embeddings=positions)
    assert max_length_limit(tokenizer, config) == expected
    assert effective_max_length(None, tokenizer, config) == expected
    assert effective_max_length(10_000, tokenizer, config) == expected
    assert effective_max_length(64, tokenizer, config) == 64


def test_gpt2_style_configs_name_their_table_n_positions() -> None:
    tokenizer = SimpleNamespace(model_max_length=4096)
    assert max_length_limit(tokenizer, SimpleNamespace(n_positions=1024)) == 1024


def test_the_check_and_extraction_agree(tiny_bert: str) -> None:
    """The check refuses exactly what extraction would cut: the same limit, one line."""
    from w2sg.models.load import load_config, load_tokenizer
    from w2sg.models.resolve import resolve_model

    resolved = resolve_model(tiny_bert)
    limit = max_length_limit(load_tokenizer(resolved), load_config(resolved))
    check_max_length(tiny_bert, limit)  # the limit itself is accepted
    with pytest.raises(W2SGError, match=rf"above what .* takes \({limit} tokens\); give {limit}"):
        check_max_length(tiny_bert, limit + 1)
