"""The cheaper CPU dropout: its masks have torch's distribution and scale, a seed fixes them,
and the attention it routes through gives sdpa's numbers and honours the padding mask."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from w2sg.finetune.classifier import build_classifier
from w2sg.finetune.dropout import Dropout, attention, dropout, keep_mask, use_fast_dropout
from w2sg.finetune.specs import ClassifierConfig

Texts = Callable[[int, int], tuple[list[str], np.ndarray]]
QKV = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_keep_mask_drops_with_probability_p(p: float) -> None:
    torch.manual_seed(0)
    mask = keep_mask((1000, 1000), p)
    assert mask.dtype == torch.bool and mask.shape == (1000, 1000)
    # 1e6 Bernoulli draws: the standard error of the mean is below 5e-4
    assert abs((~mask).float().mean().item() - round(p * 65536) / 65536) < 2.5e-3
    # no structure across the three 16-bit slices of a draw, nor along rows or columns
    flat = (~mask).reshape(-1)[:999999].reshape(-1, 3).float().mean(0)
    assert torch.allclose(flat, torch.full((3,), p), atol=4e-3)
    assert abs((~mask).float().mean(0).std().item() - (p * (1 - p) / 1000) ** 0.5) < 3e-3


@pytest.mark.parametrize("p", [1 - 2**-17, 1 - 2**-18, 1 - 1e-9, 1.0, 1.5])
def test_keep_mask_near_one_keeps_nothing(p: float) -> None:
    """p rounds to all 65536 levels: the 16-bit threshold would overflow and keep everything;
    nothing is kept instead, and dropout's output is zeros (finite, not NaN)."""
    torch.manual_seed(0)
    assert not keep_mask((400, 500), p).any()
    if p < 1.0:
        out = dropout(torch.ones(400, 500), p, training=True)
        assert torch.equal(out, torch.zeros(400, 500))


def test_keep_mask_at_its_resolution_near_zero_and_one() -> None:
    """One level below the top keeps 1 in 65536 elements; p below half a level keeps all; the
    generator advances by the same amount for any p."""
    torch.manual_seed(0)
    kept = int(keep_mask((1000, 1000), 1 - 2**-16).sum())
    assert 0 < kept < 50  # 1e6 / 65536 ≈ 15 expected
    assert keep_mask((1000, 1000), 2**-18).all() and keep_mask((10, 10), -0.5).all()
    after = []
    for p in (0.3, 1.0):
        torch.manual_seed(4)
        keep_mask((7, 11), p)
        after.append(torch.rand(3))
    assert torch.equal(after[0], after[1])


def test_a_seed_fixes_the_mask_and_other_seeds_change_it() -> None:
    masks = []
    for seed in (0, 0, 1):
        torch.manual_seed(seed)
        masks.append(keep_mask((7, 13, 5), 0.3))
    assert torch.equal(masks[0], masks[1]) and not torch.equal(masks[0], masks[2])
    assert masks[0].shape == (7, 13, 5)  # 455 elements: not a multiple of 3


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_dropout_zeroes_or_scales_like_torch(dtype: torch.dtype) -> None:
    x = torch.rand(64, 50, dtype=dtype) + 0.5
    torch.manual_seed(3)
    out = dropout(x, 0.2, training=True)
    ours = out != 0
    assert 0.7 < ours.float().mean().item() < 0.9
    expect = x * torch.tensor(1 / 0.8, dtype=dtype)  # torch scales in the input's dtype
    assert torch.equal(out[ours], expect[ours])
    assert torch.equal(dropout(x, 0.2, training=False), x)
    assert torch.equal(dropout(x, 0.0, training=True), x)
    module = Dropout(0.2).eval()
    assert torch.equal(module(x), x) and isinstance(module, torch.nn.Dropout)


def test_dropout_gradient_is_the_mask_times_the_scale() -> None:
    x = torch.rand(40, 30, requires_grad=True)
    torch.manual_seed(5)
    out = dropout(x, 0.25, True)
    out.sum().backward()
    kept = out.detach() != 0
    np.testing.assert_allclose(x.grad[kept].numpy(), 1 / 0.75, rtol=1e-6)
    assert torch.all(x.grad[~kept] == 0)


class _Module(torch.nn.Module):
    is_causal = False


def _qkv(lengths: list[int], heads: int = 3, dim: int = 8) -> QKV:
    torch.manual_seed(0)
    b, n = len(lengths), max(lengths)
    q, k, v = (torch.randn(b, heads, n, dim) for _ in range(3))
    keep = torch.arange(n)[None, :] < torch.tensor(lengths)[:, None]  # (b, n) real tokens
    return q, k, v, keep[:, None, None, :].expand(b, 1, n, n)


def test_attention_equals_sdpa_and_ignores_padded_keys() -> None:
    """With a dropout too small to drop anything, the float32 path equals torch's SDPA; and a
    padded row's output equals the same row attended alone."""
    q, k, v, mask = _qkv([6, 4, 2])
    module = _Module().train()
    out, weights = attention(module, q, k, v, mask, dropout=1e-9, scaling=0.3)
    assert weights is None and out.shape == (3, 6, 3, 8)  # (batch, length, heads, dim)
    expect = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.3)
    torch.testing.assert_close(out, expect.transpose(1, 2), rtol=1e-5, atol=1e-6)
    alone, _ = attention(module, q[1:2, :, :4], k[1:2, :, :4], v[1:2, :, :4], None,
                         dropout=1e-9, scaling=0.3)  # fmt: skip
    torch.testing.assert_close(out[1:2, :4], alone, rtol=1e-5, atol=1e-6)


def test_attention_in_bf16_stays_in_bf16_and_near_float32() -> None:
    """Under autocast the products run in bf16, as transformers' eager attention runs them."""
    q, k, v, mask = _qkv([6, 3])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, _ = attention(_Module().train(), *(t.bfloat16() for t in (q, k, v)), mask,
                           dropout=1e-9, scaling=0.3)  # fmt: skip
    expect = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.3).transpose(1, 2)
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), expect, rtol=0.05, atol=0.05)


def test_attention_drops_probabilities_and_defers_to_sdpa_otherwise() -> None:
    q, k, v, mask = _qkv([5, 5])
    module = _Module().train()
    torch.manual_seed(1)
    dropped, _ = attention(module, q, k, v, mask, dropout=0.5, scaling=0.3)
    torch.manual_seed(1)
    again, _ = attention(module, q, k, v, mask, dropout=0.5, scaling=0.3)
    plain = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.3).transpose(1, 2)
    assert torch.equal(dropped, again) and not torch.allclose(dropped, plain, atol=1e-3)
    module.eval()  # not training: transformers' sdpa function, dropout off
    out, _ = attention(module, q, k, v, mask, dropout=0.0, scaling=0.3)
    torch.testing.assert_close(out, plain, rtol=1e-5, atol=1e-6)


def test_fast_dropout_leaves_predictions_alone_and_fixes_training_by_seed(
    tiny: dict[str, str], texts_of: Texts
) -> None:
    """Swapped into a model: every dropout module replaced, eval logits bit-identical to the
    stock model's, and two training-mode passes under one seed identical."""
    texts, _ = texts_of(6, 0)
    stock, tok = build_classifier(tiny["bert"], ClassifierConfig(), "cpu", seed=0,
                                  fast_dropout=False)  # fmt: skip
    fast, _ = build_classifier(tiny["bert"], ClassifierConfig(), "cpu", seed=0)
    torch.nn.init.normal_(stock.head.weight)
    fast.head.load_state_dict(stock.head.state_dict())
    enc = tok(texts, padding=True, return_tensors="pt")
    kinds = {type(m) for m in fast.modules() if isinstance(m, torch.nn.Dropout)}
    assert kinds == {Dropout}
    assert fast.base.config._attn_implementation == "w2sg_sdpa"
    with torch.no_grad():
        stock.eval(), fast.eval()
        assert torch.equal(stock(enc.input_ids, enc.attention_mask),
                           fast(enc.input_ids, enc.attention_mask))  # fmt: skip
        fast.train()
        runs = []
        for _ in range(2):
            torch.manual_seed(7)
            runs.append(fast(enc.input_ids, enc.attention_mask))
        assert torch.equal(runs[0], runs[1])
        assert not torch.equal(runs[0], stock(enc.input_ids, enc.attention_mask))


def test_use_fast_dropout_counts_what_it_swaps(tiny: dict[str, str]) -> None:
    from transformers import AutoModel

    model = AutoModel.from_pretrained(tiny["mpnet"])
    before = sum(type(m) is torch.nn.Dropout for m in model.modules())
    assert before > 0 and use_fast_dropout(model) == before
    assert not any(type(m) is torch.nn.Dropout for m in model.modules())
