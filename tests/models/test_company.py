"""A text's vector is the same bits alone and among any batch-mates (docs/methods.md#activations),
the activation store's premise: on tiny models of every architecture and on both real offline
models (slow), in float32 and bfloat16, with batch-mates drawn across bucket boundaries.

The texts have every token count from 2 up, so some fill their bucket exactly (alone, their
batch has no padding at all and the model may skip the attention mask) and some sit one token
past a bucket edge; companies are random samples of them in random order.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from w2sg.models.extract import POOLINGS, make_extractor
from w2sg.models.load import prepare_tokenizer

WORDS = "good bad film movie plot great dull story cast music fun long".split()


def texts_by_tokens(tokenizer, counts, seed: int = 0) -> list[str]:
    """One text of random words per token count (special tokens included)."""
    rng = np.random.default_rng(seed)
    special = len(tokenizer("")["input_ids"])
    out = []
    for n in counts:
        text = " ".join(rng.choice(WORDS, n - special))
        assert len(tokenizer(text)["input_ids"]) == n
        out.append(text)
    return out


def company_mismatches(ex, texts, companies: int, size: int, seed: int = 0) -> list[str]:
    """Texts (with layer and company) whose vectors among random batch-mates differ in any bit
    from the text embedded alone."""
    alone = {t: ex.run([t], progress=False) for t in texts}
    rng = np.random.default_rng(seed)
    bad = []
    for c in range(companies):
        company = [texts[i] for i in rng.permutation(len(texts))[:size]]
        together = ex.run(company, progress=False)
        for row, text in enumerate(company):
            for k, v in together.items():
                if not np.array_equal(v[row], alone[text][k][0]):
                    bad.append(f"{text!r} layer {k} company {c}")
    return bad


def _tiny(folder, arch: str, dtype):
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    if arch in ("gpt2", "llama"):
        tokenizer.pad_token = None  # decoders: pad with another token, as load_tokenizer does
    model = AutoModel.from_pretrained(str(folder), dtype=dtype).eval()
    return model, prepare_tokenizer(tokenizer)


@pytest.mark.parametrize("fill", ["auto", "always"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("arch", ["bert", "mpnet", "gpt2", "llama"])
def test_tiny_models_give_the_same_bits_alone_and_among_any_batch_mates(
    tiny_dirs, arch, dtype, fill
):
    model, tokenizer = _tiny(tiny_dirs[arch], arch, dtype)
    texts = texts_by_tokens(tokenizer, range(2, 42))
    texts += texts_by_tokens(tokenizer, (4, 8, 9, 12, 13, 16, 17, 20, 21, 33), seed=1)
    for pooling in POOLINGS:
        # a small budget: several batches per bucket, so short ones are filled with copies
        ex = make_extractor(model, tokenizer, (1, -1), pooling, None, None, "cpu", 48, fill)
        assert company_mismatches(ex, texts, companies=3, size=20) == []
    ex = make_extractor(model, tokenizer, (-1,), "mean", None, 3, "cpu", fill=fill)  # fixed rows
    assert company_mismatches(ex, texts, companies=2, size=20, seed=1) == []


def _fake_batches(row_dependent: bool):
    """A run_batch whose vectors are each text's first token, plus 1e-3 x the row count
    when `row_dependent` (as a kernel whose reductions change with the batch's rows)."""
    calls: list[int] = []

    def run_batch(ids, width):
        calls.append(len(ids))
        v = torch.tensor([[float(x[0])] for x in ids])
        return {0: v + (1e-3 * len(ids) if row_dependent else 0.0)}

    return run_batch, calls


def test_short_batches_run_unfilled_only_after_the_check_found_no_difference():
    from w2sg.models.batching import MIN_BATCH_TOKENS, SHORT_BATCH_CHECKS, ShortBatches

    run_batch, calls = _fake_batches(row_dependent=False)
    short = ShortBatches("auto", 768)
    wide = MIN_BATCH_TOKENS  # one text of this width is enough tokens on its own
    for n in range(1, SHORT_BATCH_CHECKS + 1):  # each checked: filled (4 rows) and as it is
        assert short.run(run_batch, [[n]] * n, 4, wide)[0].tolist() == [[float(n)]] * n
    assert short.free is True and calls == [4, 1, 4, 2]
    assert short.run(run_batch, [[7]], 4, wide)[0].tolist() == [[7.0]] and calls[-1] == 1
    assert short.run(run_batch, [[1]] * 4, 4, wide)[0].shape == (4, 1)  # full: one run
    # a narrow bucket still gets copies up to MIN_BATCH_TOKENS tokens (small-matrix paths)
    narrow = MIN_BATCH_TOKENS // 4
    assert short.run(run_batch, [[9]], 8, narrow)[0].tolist() == [[9.0]] and calls[-1] == 4
    assert short.run(run_batch, [[9]], 2, narrow)[0].tolist() == [[9.0]] and calls[-1] == 2


def test_a_row_count_that_changes_the_bits_keeps_every_short_batch_filled():
    from w2sg.models.batching import MIN_BATCH_TOKENS, ShortBatches

    run_batch, calls = _fake_batches(row_dependent=True)
    short = ShortBatches("auto", 768)
    first = short.run(run_batch, [[5]], 4, MIN_BATCH_TOKENS)[0]
    assert short.free is False and calls == [4, 1]
    assert first.item() == pytest.approx(5.004)  # the filled batch's bits, never the short's
    assert short.run(run_batch, [[5]], 4, MIN_BATCH_TOKENS)[0].item() == pytest.approx(5.004)
    assert calls[-1] == 4
    for rule, hidden in (("always", None), ("auto", 32)):  # asked to fill, or a small model
        run2, calls2 = _fake_batches(row_dependent=False)
        filled = ShortBatches(rule, hidden)
        assert filled.run(run2, [[3]], 4, MIN_BATCH_TOKENS)[0].tolist() == [[3.0]]
        assert calls2 == [4] and filled.free is False
    assert ShortBatches("auto", 384).free is None  # the offline models' sizes are checked
    with pytest.raises(Exception, match="fill must be one of auto, always, not 'sometimes'"):
        ShortBatches("sometimes")


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("model_name", ["minilm-l6", "mpnet-base"])
def test_real_models_give_the_same_bits_alone_and_among_any_batch_mates(model_name, dtype, texts):
    from w2sg.models import load_model, resolve_model

    model, tokenizer = load_model(resolve_model(model_name), dtype, "cpu")
    pool = texts_by_tokens(tokenizer, (3, 7, 8, 9, 12, 13, 16, 17, 24, 25, 32, 33, 40, 64, 65))
    pool += texts  # real sentences of several lengths
    ex = make_extractor(model, tokenizer, (3, -1), "mean", None, None, "cpu")
    assert company_mismatches(ex, pool, companies=3, size=14) == []
    # which short-batch rule the check settled on (both keep the bits; `free` is the fast one)
    print(f"{model_name} {dtype}: short batches unfilled = {ex._short.free}")
