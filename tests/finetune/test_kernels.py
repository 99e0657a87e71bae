"""The fast-kernels switch: inside real training the fast attention gives transformers' numbers,
a missing library internal is caught at start-up (the libraries' own code then runs, with one
warning), the switch is a command-line flag and stages from the two paths never mix."""

from __future__ import annotations

import dataclasses
import logging
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from w2sg.finetune import classifier as classifier_module
from w2sg.finetune.classifier import (
    SequenceClassifier,
    build_classifier,
    fast_kernels_available,
    lora_problem,
)
from w2sg.finetune.dropout import ATTENTION, Dropout, attention, attention_problem, dropout
from w2sg.finetune.specs import ClassifierConfig, LossSpec, TrainConfig
from w2sg.finetune.trainer import train

Texts = Callable[[int, int], tuple[list[str], np.ndarray]]
STEPS = {"epochs": 1, "batch_size": 16, "minibatch": 8, "eval_every": 2, "max_length": 32}
LOGGER = "w2sg.finetune.classifier"


@pytest.fixture
def fresh_check() -> Iterator[None]:
    """Run the start-up check anew in this test, and again after it (its result is cached)."""
    fast_kernels_available.cache_clear()
    yield
    fast_kernels_available.cache_clear()


def _build(
    path: str, fast: bool, attention_p: float | None = None
) -> tuple[SequenceClassifier, Any]:
    """A LoRA classifier in float32 throughout (no autocast), so both paths compare tightly;
    with `attention_p`, every dropout of the model drops with that probability."""
    config = ClassifierConfig(rank=4, dropout=0.1, fast_kernels=fast)
    clf, tok = build_classifier(path, config, "cpu", seed=0, compact=False)
    clf.amp = None
    if attention_p is not None:
        for module in clf.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = attention_p
    return clf, tok


def _fit(clf: SequenceClassifier, tok: Any, texts_of: Texts) -> None:
    texts, y = texts_of(32, 0)
    config = TrainConfig(**STEPS, lr=5e-3)
    train(clf, tok, texts, y.astype(float), texts, y.astype(float), config, LossSpec(), "cpu")


def _self_attention_outputs(clf: SequenceClassifier) -> list[torch.Tensor]:
    """Filled with every self-attention output of the forward passes that follow."""
    seen: list[torch.Tensor] = []

    def keep(_module: torch.nn.Module, _args: Any, out: Any) -> None:
        seen.append(out[0].detach().clone())

    for module in clf.modules():
        if type(module).__name__ == "BertSelfAttention":
            module.register_forward_hook(keep)
    return seen


def test_the_check_passes_with_the_installed_libraries() -> None:
    assert attention_problem() is None
    assert lora_problem() is None
    assert fast_kernels_available() is None


def test_without_dropout_both_paths_give_the_same_attention_in_training(
    tiny: dict[str, str], texts_of: Texts
) -> None:
    """Dropout off: attention outputs inside the real forward passes of a few training steps
    (and their evaluations), and the trained weights, agree between the two paths."""
    runs = []
    for fast in (True, False):
        clf, tok = _build(tiny["bert"], fast, attention_p=0.0)
        kinds = {type(m) for m in clf.modules() if isinstance(m, torch.nn.Dropout)}
        assert kinds == ({Dropout} if fast else {torch.nn.Dropout})
        assert clf.base.config._attn_implementation == (ATTENTION if fast else "sdpa")
        lean = [m for m in clf.modules() if hasattr(m, "lora_A") and "forward" in vars(m)]
        assert bool(lean) == fast
        seen = _self_attention_outputs(clf)
        _fit(clf, tok, texts_of)
        runs.append((seen, clf.trainable_state()))
    (fast_out, fast_state), (slow_out, slow_state) = runs
    assert len(fast_out) == len(slow_out) > 0
    for a, b in zip(fast_out, slow_out, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)
    for name in fast_state:
        torch.testing.assert_close(fast_state[name], slow_state[name], rtol=1e-6, atol=1e-7)


def test_with_dropout_the_fast_attention_is_eager_attention_with_its_mask(
    tiny: dict[str, str], texts_of: Texts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dropout on, training: every call of the fast attention function gives what
    transformers' own eager attention gives on the same inputs and the same dropout mask."""
    from transformers import AttentionInterface
    from transformers.models.bert.modeling_bert import eager_attention_forward

    clf, tok = _build(tiny["bert"], True, attention_p=0.3)
    calls: list[tuple] = []

    def recorded(module: torch.nn.Module, *args: Any, **kwargs: Any) -> tuple[torch.Tensor, None]:
        state = torch.get_rng_state()
        out, weights = attention(module, *args, **kwargs)
        inputs = tuple(a.detach().clone() if a is not None else None for a in args)
        calls.append((module.training, state, inputs, dict(kwargs), out.detach().clone()))
        return out, weights

    AttentionInterface.register(ATTENTION, recorded)
    try:
        _fit(clf, tok, texts_of)
    finally:
        AttentionInterface.register(ATTENTION, attention)
    training = [c for c in calls if c[0]]
    assert training and all(c[3]["dropout"] == 0.3 for c in training)
    module = types.SimpleNamespace(training=True)
    for _, state, (q, k, v, mask), kwargs, out in training:
        assert mask is not None and mask.dtype == torch.bool  # the fast path's condition
        additive = torch.zeros(mask.shape).masked_fill(~mask, torch.finfo(q.dtype).min)
        with monkeypatch.context() as patch:
            patch.setattr(torch.nn.functional, "dropout", dropout)  # eager's dropout, our mask
            torch.set_rng_state(state)
            expect, _ = eager_attention_forward(
                module, q, k, v, additive, scaling=kwargs["scaling"], dropout=kwargs["dropout"]
            )
        torch.testing.assert_close(out, expect, rtol=1e-5, atol=1e-6)
        undropped, _ = eager_attention_forward(module, q, k, v, additive, kwargs["scaling"])
        assert not torch.allclose(out, undropped, atol=1e-3)  # dropout did drop


def test_a_missing_internal_falls_back_logs_once_and_trains(
    tiny: dict[str, str],
    texts_of: Texts,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fresh_check: None,
) -> None:
    """With transformers' sdpa function gone, the check names it, one warning says the slower
    path runs, and the model trains exactly as with the switch off."""
    import transformers.integrations.sdpa_attention as sdpa

    monkeypatch.delattr(sdpa, "sdpa_attention_forward")
    caplog.set_level(logging.WARNING, logger=LOGGER)
    states = []
    for fast in (True, True, False):
        clf, tok = _build(tiny["bert"], fast)
        assert all(
            type(m) is torch.nn.Dropout for m in clf.modules() if isinstance(m, torch.nn.Dropout)
        )
        assert clf.base.config._attn_implementation == "sdpa"
        assert not any("forward" in vars(m) for m in clf.modules() if hasattr(m, "lora_A"))
        _fit(clf, tok, texts_of)
        states.append(clf.trainable_state())
    reason = fast_kernels_available()
    assert reason is not None and "sdpa_attention_forward is missing" in reason
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert len(lines) == 1 and reason in lines[0] and "slower path" in lines[0]
    assert "\n" not in lines[0]
    for state in states[1:]:
        assert all(torch.equal(states[0][n], state[n]) for n in states[0])


Attention = Callable[..., tuple[torch.Tensor, Any]]


def _renamed(real: Attention) -> Attention:
    """transformers' sdpa function with its mask parameter under another name."""

    def forward(
        module: torch.nn.Module,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None,
        dropout: float = 0.0,
        scaling: float | None = None,
        is_causal: bool | None = None,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, Any]:
        return real(module, query, key, value, mask, dropout, scaling, is_causal, **kwargs)

    return forward


def _heads_first(real: Attention) -> Attention:
    """transformers' sdpa function returning (batch, heads, seq, head_dim)."""

    def forward(
        module: torch.nn.Module,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        attention_mask: torch.Tensor | None,
        dropout: float = 0.0,
        scaling: float | None = None,
        is_causal: bool | None = None,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, Any]:
        args = (module, query, key, value, attention_mask, dropout, scaling, is_causal)
        out, weights = real(*args, **kwargs)
        return out.transpose(1, 2), weights

    return forward


def test_the_check_catches_a_changed_signature_or_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    import transformers.integrations.sdpa_attention as sdpa

    real = sdpa.sdpa_attention_forward
    monkeypatch.setattr(sdpa, "sdpa_attention_forward", _renamed(real))
    assert "takes (module, query, key, value, mask," in (attention_problem() or "")
    monkeypatch.setattr(sdpa, "sdpa_attention_forward", _heads_first(real))
    assert "returns shape (2, 3, 5, 4)" in (attention_problem() or "")
    monkeypatch.undo()
    assert attention_problem() is None


def test_the_check_catches_a_changed_lora_layer(
    monkeypatch: pytest.MonkeyPatch, fresh_check: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A peft whose LoRA layer lost `lora_variant` is named; so is any surprise in a check."""
    import peft

    real = peft.inject_adapter_in_model

    def without_variants(*args: Any, **kwargs: Any) -> torch.nn.Module:
        model = real(*args, **kwargs)
        for module in model.modules():
            if hasattr(module, "lora_A"):
                del module.lora_variant
        return model

    monkeypatch.setattr(peft, "inject_adapter_in_model", without_variants)
    assert lora_problem() == "peft's LoRA layer has no lora_variant"
    caplog.set_level(logging.WARNING, logger=LOGGER)
    assert fast_kernels_available() == lora_problem()
    monkeypatch.setattr(classifier_module, "attention_problem", lambda: 1 / 0)
    fast_kernels_available.cache_clear()
    assert "ZeroDivisionError" in (fast_kernels_available() or "")  # a surprise falls back too
    assert len([r for r in caplog.records if r.name == LOGGER]) == 2


def test_the_switch_is_a_flag_and_part_of_the_stage_key(
    tiny: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_check: None
) -> None:
    from w2sg.cli import app
    from w2sg.finetune.config import FinetuneConfig
    from w2sg.finetune.stage import SeedData, Target, _key

    result = CliRunner().invoke(app, ["finetune", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "--fast-kernels" in result.output
    assert "--no-fast-kernels" in result.output
    csv = tmp_path / "toy.csv"
    csv.write_text("text,label\n" + "".join(f"row {i},{i % 2}\n" for i in range(400)))
    on = FinetuneConfig(dataset=str(csv), weak_model=tiny["bert"], strong_model=tiny["mpnet"])
    off = dataclasses.replace(on, fast_kernels=False)
    assert on.fast_kernels and "fast_kernels" not in on.classifier().to_json()  # keys kept
    data = SeedData(seed=0, splits=None, digest="digest")  # type: ignore[arg-type]
    target = Target("weak_train", np.zeros(3), np.zeros(2), "ground_truth")
    keys = {c.fast_kernels: _key(c, data, "weak", LossSpec(), target) for c in (on, off)}
    assert keys[True] != keys[False]
    import transformers.integrations.sdpa_attention as sdpa

    monkeypatch.delattr(sdpa, "sdpa_attention_forward")
    fast_kernels_available.cache_clear()  # asked for but unavailable: the slow path's key
    assert _key(on, data, "weak", LossSpec(), target) == keys[False]
