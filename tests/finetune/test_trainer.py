"""The classifier and the lean trainer on tiny real models: the loss falls, the restored
checkpoint is the best val AUC one, LoRA touches only adapters and head, one seed → one result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from w2sg.errors import W2SGError
from w2sg.finetune.classifier import SequenceClassifier, build_classifier, lora_target_modules
from w2sg.finetune.specs import ClassifierConfig, LossSpec, TrainConfig
from w2sg.finetune.trainer import TrainResult, predict, tokenize, train
from w2sg.stats.metrics import roc_auc

Texts = Callable[[int, int], tuple[list[str], np.ndarray]]

FAST = {"epochs": 4, "batch_size": 16, "minibatch": 8, "eval_every": 2, "max_length": 32}


def _fit(
    make_texts: Texts, model: str, lora: bool, lr: float, seed: int = 0, **over: Any
) -> tuple[SequenceClassifier, Any, TrainResult, tuple[list[str], np.ndarray]]:
    texts, y = make_texts(64, 0)
    val_texts, val_y = make_texts(32, 1)
    clf, tok = build_classifier(model, ClassifierConfig(lora=lora, rank=4), "cpu", seed=seed)
    config = TrainConfig(**{**FAST, "lr": lr, "seed": seed, **over})
    result = train(clf, tok, texts, y.astype(float), val_texts, val_y.astype(float), config,
                   LossSpec(), "cpu")  # fmt: skip
    return clf, tok, result, (val_texts, val_y)


def test_loss_falls_and_best_checkpoint_is_restored(tiny: dict[str, str], texts_of: Texts) -> None:
    clf, tok, result, (val_texts, val_y) = _fit(texts_of, tiny["bert"], lora=False, lr=5e-3)
    losses = [c["loss"] for c in result.curve]
    assert losses[-1] < losses[0] - 0.03
    aucs = [c["val_auc"] for c in result.curve]
    assert result.best_val_auc == max(aucs)
    assert result.best_step == result.curve[int(np.argmax(aucs))]["step"]
    probs = predict(clf, tokenize(tok, val_texts, 32), int(tok.pad_token_id), "cpu")
    assert roc_auc(val_y, probs) == pytest.approx(result.best_val_auc, abs=1e-9)


def test_lora_changes_only_adapters_and_head(tiny: dict[str, str], texts_of: Texts) -> None:
    clf, _tok = build_classifier(tiny["bert"], ClassifierConfig(lora=True, rank=4), "cpu")
    before = {n: p.detach().clone() for n, p in clf.named_parameters()}
    texts, y = texts_of(32, 0)
    config = TrainConfig(**{**FAST, "epochs": 2, "lr": 1e-2})
    train(clf, _tok, texts, y.astype(float), texts, y.astype(float), config, LossSpec(), "cpu")
    changed = {n for n, p in clf.named_parameters() if not torch.equal(p, before[n])}
    assert changed, "training changed nothing"
    assert all("lora_" in n or n.startswith("head.") for n in changed), changed
    assert any("lora_B" in n for n in changed) and {"head.weight", "head.bias"} <= changed


def test_one_seed_gives_identical_weights(tiny: dict[str, str], texts_of: Texts) -> None:
    a = _fit(texts_of, tiny["bert"], lora=True, lr=5e-3, seed=3, epochs=1)[0].trainable_state()
    b = _fit(texts_of, tiny["bert"], lora=True, lr=5e-3, seed=3, epochs=1)[0].trainable_state()
    c = _fit(texts_of, tiny["bert"], lora=True, lr=5e-3, seed=4, epochs=1)[0].trainable_state()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_lora_targets_per_architecture(tiny: dict[str, str], texts_of: Texts) -> None:
    from transformers import AutoModel

    leaves = {
        name: {m.rsplit(".", 1)[-1] for m in lora_target_modules(AutoModel.from_pretrained(path))}
        for name, path in tiny.items()
    }
    assert leaves["bert"] == {"query", "key", "value", "dense"}
    assert leaves["mpnet"] == {"q", "k", "v", "o", "dense"}
    assert leaves["llama"] == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                               "down_proj"}  # fmt: skip
    assert leaves["distilbert"] == set()
    bert = lora_target_modules(AutoModel.from_pretrained(tiny["bert"]))
    assert not any("pooler" in m for m in bert)


def test_decoder_classifier_trains(tiny: dict[str, str], texts_of: Texts) -> None:
    _clf, _tok, result, _ = _fit(texts_of, tiny["llama"], lora=True, lr=5e-3, epochs=2)
    assert result.steps == 8 and len(result.curve) == 4


def test_bad_training_inputs(tiny: dict[str, str], texts_of: Texts) -> None:
    with pytest.raises(W2SGError, match="no module LoRA knows"):
        build_classifier(tiny["distilbert"], ClassifierConfig(lora=True), "cpu")
    with pytest.raises(W2SGError, match="learning rate must be > 0"):
        TrainConfig(lr=0.0)
    with pytest.raises(W2SGError, match="larger than the 64 train rows"):
        _fit(texts_of, tiny["bert"], lora=False, lr=1e-3, batch_size=128)


@pytest.mark.slow
def test_minilm_lora_few_steps(texts_of: Texts) -> None:
    """The offline MiniLM: LoRA on its 36 projections, two steps, only adapters and head move."""
    clf, tok = build_classifier("minilm-l6", ClassifierConfig(lora=True), "cpu")
    assert sum("lora_A" in n for n, _ in clf.named_parameters()) == 36
    before = {n: p.detach().clone() for n, p in clf.named_parameters()}
    texts, y = texts_of(16, 0)
    config = TrainConfig(epochs=2, batch_size=8, minibatch=8, lr=1e-3, eval_every=1,
                         max_length=16)  # fmt: skip
    result = train(clf, tok, texts, y.astype(float), texts, y.astype(float), config,
                   LossSpec(), "cpu")  # fmt: skip
    assert result.steps == 4 and all(c["val_auc"] is not None for c in result.curve)
    changed = {n for n, p in clf.named_parameters() if not torch.equal(p, before[n])}
    assert changed and all("lora_" in n or n.startswith("head.") for n in changed)


def test_frozen_layers_in_bf16_give_the_same_weights_as_autocast(
    tiny: dict[str, str], texts_of: Texts
) -> None:
    """Storing LoRA's frozen projections in bf16 (and not upcasting adapter inputs) is only a
    speed-up: training gives bit-identical adapters and head to autocast on fp32 weights."""
    texts, y = texts_of(32, 0)
    config = TrainConfig(**{**FAST, "epochs": 1, "lr": 5e-3})
    states = []
    for compact in (True, False):
        clf, tok = build_classifier(
            tiny["bert"],
            ClassifierConfig(lora=True, rank=4),
            "cpu",
            seed=1,
            compact=compact,
            fast_dropout=False,
        )
        frozen = [m.weight.dtype for m in clf.modules() if isinstance(m, torch.nn.Linear)
                  and not m.weight.requires_grad]  # fmt: skip
        expect = clf.amp if compact and clf.amp is not None else torch.float32
        assert frozen and set(frozen) == {expect}
        lora = [m for m in clf.modules() if hasattr(m, "lora_A")]
        lean = [m for m in lora if "forward" in vars(m)]  # LoRA's scale folded into B
        assert lora and len(lean) == len(lora)  # with or without autocast, compact or not
        train(clf, tok, texts, y.astype(float), texts, y.astype(float), config, LossSpec(), "cpu")
        states.append(clf.trainable_state())
    assert states[0].keys() == states[1].keys()
    assert all(states[0][k].dtype == torch.float32 for k in states[0])
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])


def test_minibatches_respect_the_row_cap_and_the_token_budget() -> None:
    from w2sg.finetune.trainer import _minibatches

    rng = np.random.default_rng(0)
    ids = [[0] * int(n) for n in rng.integers(3, 60, size=200)]
    batch = rng.permutation(200)[:32]
    for size, budget in ((8, None), (32, 256), (4, 512), (32, 10)):
        groups = _minibatches(ids, batch, size, budget)
        np.testing.assert_array_equal(np.sort(np.concatenate(groups)), np.sort(batch))
        for g in groups:
            longest = max(len(ids[i]) for i in g)
            assert len(g) <= size
            assert budget is None or len(g) == 1 or len(g) * longest <= budget
        lengths = [len(ids[i]) for g in groups for i in g]
        assert lengths == sorted(lengths)  # bucketed by length
    # short rows share one pass; rows longer than half the budget go alone
    short_and_long = [[0] * 2] * 16 + [[0] * 50] * 2
    groups = _minibatches(short_and_long, np.arange(18), 32, 64)
    assert [len(g) for g in groups] == [16, 1, 1]


def test_epoch_batches_group_rows_of_similar_length() -> None:
    from w2sg.finetune.trainer import epoch_batches

    lengths = np.random.default_rng(0).integers(3, 60, size=500)
    plain = epoch_batches(lengths, 32, np.random.default_rng(1))
    perm = np.random.default_rng(1).permutation(500)  # ungrouped: the permutation, cut
    assert all(np.array_equal(b, perm[k * 32 : (k + 1) * 32]) for k, b in enumerate(plain))
    for groups in (2, 4, 8):
        batches = epoch_batches(lengths, 32, np.random.default_rng(1), groups)
        again = epoch_batches(lengths, 32, np.random.default_rng(1), groups)
        assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))
        assert len(batches) == 16 == len(plain)  # ceil(500 / 32), one partial batch
        assert sorted(len(b) for b in batches)[0] == 500 - 15 * 32
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(500))

        def spread(bs: list[np.ndarray]) -> float:
            return float(np.mean([np.ptp(lengths[b]) for b in bs]))

        assert spread(batches) < spread(plain) / groups * 1.5  # similar lengths share a batch
    # a pool holds `groups` batches of the permutation: the first pool's rows, in some batches
    batches = epoch_batches(lengths, 32, np.random.default_rng(1), 4)
    pool = set(perm[:128].tolist())
    assert sum(set(b.tolist()) <= pool for b in batches) == 4


@pytest.mark.parametrize("alpha", [16.0, 12.0])
def test_lean_lora_forward_gives_peft_numbers(
    tiny: dict[str, str], texts_of: Texts, alpha: float
) -> None:
    """Folding the scale into B is used where alpha / rank is a power of two and gives
    peft's outputs and gradients bit for bit; elsewhere peft's own forward runs."""
    clf, _ = build_classifier(tiny["bert"], ClassifierConfig(rank=4, alpha=alpha), "cpu", seed=0)
    layers = [m for m in clf.modules() if hasattr(m, "lora_A")]
    assert layers and all(("forward" in vars(m)) == (alpha == 16.0) for m in layers)
    torch.manual_seed(0)
    x = torch.randn(5, 7, 32)
    for m in layers[:3]:
        torch.nn.init.normal_(m.lora_B["default"].weight)
        grads = []
        for forward in (m.forward, lambda t, m=m: type(m).forward(m, t)):
            m.zero_grad()
            with torch.autocast("cpu", dtype=clf.amp or torch.float32, enabled=bool(clf.amp)):
                out = forward(x)
            out.float().square().sum().backward()
            grads.append((out.detach(), m.lora_A["default"].weight.grad.clone(),
                          m.lora_B["default"].weight.grad.clone()))  # fmt: skip
        assert all(torch.equal(a, b) for a, b in zip(*grads, strict=True))
