"""Extraction (docs/methods.md#activations): pooled vectors equal a one-text-at-a-time reference,
any padding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from w2sg.errors import W2SGError
from w2sg.models.batching import batch_rows, bucket_lengths, bucket_of, length_order, plan_batches
from w2sg.models.extract import POOLINGS, make_extractor, normalise_layers, pool
from w2sg.models.load import prepare_tokenizer


def _load(folder: Path, padding_side: str, drop_pad: bool = False, dtype=torch.float32):
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    tokenizer.padding_side = padding_side
    if drop_pad:
        tokenizer.pad_token = None
    model = AutoModel.from_pretrained(str(folder), dtype=dtype).eval()
    return model, tokenizer


def _reference(model, tokenizer, text: str, layer: int, pooling: str) -> np.ndarray:
    """hidden_states[layer] of the text alone (no padding), pooled by hand."""
    ids = tokenizer(text, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        hidden = model(input_ids=ids, output_hidden_states=True).hidden_states[layer][0]
    vec = {"last": hidden[-1], "first": hidden[0], "mean": hidden.mean(0)}[pooling]
    return vec.float().numpy()


@pytest.mark.parametrize("arch", ["bert", "mpnet", "gpt2", "llama"])
@pytest.mark.parametrize("padding_side", ["left", "right"])
def test_pooled_vectors_equal_unpadded_reference(tiny_dirs, arch, padding_side, texts):
    drop_pad = arch in ("gpt2", "llama")  # decoders: a tokenizer without a pad token
    model, tokenizer = _load(tiny_dirs[arch], padding_side, drop_pad)
    reference_tok = _load(tiny_dirs[arch], "right")[1]
    tokenizer = prepare_tokenizer(tokenizer)
    assert tokenizer.pad_token is not None
    for pooling in POOLINGS:
        ex = make_extractor(model, tokenizer, (0, 1, -1), pooling, None, 5, "cpu")
        got = ex.run(texts, progress=False)
        assert sorted(got) == [0, 1, 2]
        for layer in (0, 1, 2):
            ref = np.stack([_reference(model, reference_tok, t, layer, pooling) for t in texts])
            np.testing.assert_allclose(got[layer], ref, rtol=1e-4, atol=1e-5)


def test_layers_past_the_deepest_requested_are_not_run(tiny_dirs, texts):
    model, tokenizer = _load(tiny_dirs["bert"], "right")
    calls = []
    handle = model.encoder.layer[1].register_forward_hook(lambda *a: calls.append(1))
    try:
        ex = make_extractor(model, prepare_tokenizer(tokenizer), (1,), "mean", None, 4, "cpu")
        got = ex.run(texts, progress=False)
    finally:
        handle.remove()
    assert calls == []
    ref = np.stack([_reference(model, tokenizer, t, 1, "mean") for t in texts])
    np.testing.assert_allclose(got[1], ref, rtol=1e-4, atol=1e-5)


def test_max_length_truncates_like_the_tokenizer(tiny_dirs, texts):
    model, tokenizer = _load(tiny_dirs["bert"], "right")
    ex = make_extractor(model, prepare_tokenizer(tokenizer), (-1,), "mean", 4, None, "cpu")
    got = ex.run(texts, progress=False)[2]
    ids = tokenizer(texts[1], return_tensors="pt", truncation=True, max_length=4)["input_ids"]
    assert ids.shape[1] == 4
    with torch.no_grad():
        ref = model(input_ids=ids).last_hidden_state[0].mean(0).numpy()
    np.testing.assert_allclose(got[1], ref, rtol=1e-4, atol=1e-5)


def test_bfloat16_is_close_to_float32(tiny_dirs, texts):
    results = {}
    for dtype in (torch.float32, torch.bfloat16):
        model, tokenizer = _load(tiny_dirs["llama"], "right", dtype=dtype)
        ex = make_extractor(model, prepare_tokenizer(tokenizer), (-1,), "mean", None, 8, "cpu")
        results[dtype] = ex.run(texts, progress=False)[2]
    a, b = results[torch.float32], results[torch.bfloat16]
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cos.min() >= 0.99


def test_nan_activations_are_reported(tiny_dirs, texts):
    model, tokenizer = _load(tiny_dirs["bert"], "right")
    with torch.no_grad():
        model.encoder.layer[0].output.dense.weight[0, 0] = float("nan")
    ex = make_extractor(model, prepare_tokenizer(tokenizer), (-1,), "mean", None, 4, "cpu")
    with pytest.raises(W2SGError, match="NaN"):
        ex.run(texts, progress=False)


def test_pool_is_mask_driven_on_both_padding_sides():
    hidden = torch.arange(2 * 4 * 3, dtype=torch.float32).reshape(2, 4, 3)
    right = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    left = torch.tensor([[0, 1, 1, 1], [0, 0, 1, 1]])
    assert torch.equal(pool(hidden, right, "last"), torch.stack([hidden[0, 2], hidden[1, 1]]))
    assert torch.equal(pool(hidden, left, "last"), torch.stack([hidden[0, 3], hidden[1, 3]]))
    assert torch.equal(pool(hidden, right, "first"), torch.stack([hidden[0, 0], hidden[1, 0]]))
    assert torch.equal(pool(hidden, left, "first"), torch.stack([hidden[0, 1], hidden[1, 2]]))
    np.testing.assert_allclose(pool(hidden, left, "mean")[1], hidden[1, 2:].mean(0))
    np.testing.assert_allclose(pool(hidden, right, "mean")[0], hidden[0, :3].mean(0))


def test_buckets_are_fixed_steps_ending_at_max_length():
    assert list(bucket_lengths(64)) == list(range(4, 65, 4))
    assert list(bucket_lengths(512)[16:]) == [80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
                                              448, 512]  # fmt: skip
    assert list(bucket_lengths(70)[-2:]) == [64, 70]
    assert list(bucket_lengths(3)) == [3]
    assert list(bucket_of(np.array([1, 4, 5, 64, 65, 129, 512]), 512)) == [4, 4, 8, 64, 80, 160,
                                                                           512]  # fmt: skip
    with pytest.raises(W2SGError, match="longer than max_length"):
        bucket_of(np.array([13]), 12)


def test_batches_hold_one_bucket_and_one_shape_per_bucket():
    lengths = np.array([5, 30, 7, 30, 2, 12, 9, 1, 29, 32, 5, 33])
    order = length_order(lengths)
    assert list(lengths[order]) == sorted(lengths, reverse=True)
    batches = plan_batches(lengths[order], 64, token_budget=70)
    positions = np.concatenate([b for _, b in batches])
    assert np.array_equal(np.sort(positions), np.arange(len(lengths)))
    for width, b in batches:
        assert set(bucket_of(lengths[order][b], 64)) == {width}  # padded to its own bucket
        assert len(b) <= batch_rows(width, 70)
    assert [(w, len(b)) for w, b in batches] == [(36, 1), (32, 2), (32, 2), (12, 2), (8, 3),
                                                 (4, 2)]  # fmt: skip
    assert [batch_rows(n, 70) for n in (32, 12, 4, 1)] == [2, 5, 17, 64]
    assert batch_rows(32, 70, max_batch=3) == 3


def test_bad_layers_and_pooling_are_one_line_errors(tiny_dirs):
    with pytest.raises(W2SGError, match="out of range"):
        normalise_layers([3], 2)
    with pytest.raises(W2SGError, match="empty"):
        normalise_layers([], 2)
    assert normalise_layers([-1, 0, -3], 2) == [2, 0, 0]
    model, tokenizer = _load(tiny_dirs["bert"], "right")
    with pytest.raises(W2SGError, match="pooling must be one of"):
        make_extractor(model, prepare_tokenizer(tokenizer), (-1,), "max", None, None, "cpu")
