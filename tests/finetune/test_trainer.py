"""The classifier and the lean trainer on tiny real models: the loss falls, the restored
checkpoint is the best val AUC one, LoRA touches only adapters and head, one seed → one result."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from w2sg.errors import W2SGError
from w2sg.finetune.classifier import ClassifierConfig, build_classifier, lora_target_modules
from w2sg.finetune.losses import LossSpec
from w2sg.finetune.trainer import TrainConfig, predict, tokenize, train
from w2sg.metrics import roc_auc

FAST = {"epochs": 4, "batch_size": 16, "minibatch": 8, "eval_every": 2, "max_length": 32}


def _fit(make_texts, model: str, lora: bool, lr: float, seed: int = 0, **over):
    texts, y = make_texts(64, 0)
    val_texts, val_y = make_texts(32, 1)
    clf, tok = build_classifier(model, ClassifierConfig(lora=lora, rank=4), "cpu", seed=seed)
    config = TrainConfig(**{**FAST, "lr": lr, "seed": seed, **over})
    result = train(clf, tok, texts, y.astype(float), val_texts, val_y.astype(float), config,
                   LossSpec(), "cpu")  # fmt: skip
    return clf, tok, result, (val_texts, val_y)


def test_loss_falls_and_best_checkpoint_is_restored(tiny, texts_of) -> None:
    clf, tok, result, (val_texts, val_y) = _fit(texts_of, tiny["bert"], lora=False, lr=5e-3)
    losses = [c["loss"] for c in result.curve]
    assert losses[-1] < losses[0] - 0.03
    aucs = [c["val_auc"] for c in result.curve]
    assert result.best_val_auc == max(aucs)
    assert result.best_step == result.curve[int(np.argmax(aucs))]["step"]
    probs = predict(clf, tokenize(tok, val_texts, 32), int(tok.pad_token_id), "cpu")
    assert roc_auc(val_y, probs) == pytest.approx(result.best_val_auc, abs=1e-9)


def test_lora_changes_only_adapters_and_head(tiny, texts_of) -> None:
    clf, _tok = build_classifier(tiny["bert"], ClassifierConfig(lora=True, rank=4), "cpu")
    before = {n: p.detach().clone() for n, p in clf.named_parameters()}
    texts, y = texts_of(32, 0)
    config = TrainConfig(**{**FAST, "epochs": 2, "lr": 1e-2})
    train(clf, _tok, texts, y.astype(float), texts, y.astype(float), config, LossSpec(), "cpu")
    changed = {n for n, p in clf.named_parameters() if not torch.equal(p, before[n])}
    assert changed, "training changed nothing"
    assert all("lora_" in n or n.startswith("head.") for n in changed), changed
    assert any("lora_B" in n for n in changed) and {"head.weight", "head.bias"} <= changed


def test_one_seed_gives_identical_weights(tiny, texts_of) -> None:
    a = _fit(texts_of, tiny["bert"], lora=True, lr=5e-3, seed=3, epochs=1)[0].trainable_state()
    b = _fit(texts_of, tiny["bert"], lora=True, lr=5e-3, seed=3, epochs=1)[0].trainable_state()
    c = _fit(texts_of, tiny["bert"], lora=True, lr=5e-3, seed=4, epochs=1)[0].trainable_state()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_lora_targets_per_architecture(tiny, texts_of) -> None:
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


def test_decoder_classifier_trains(tiny, texts_of) -> None:
    _clf, _tok, result, _ = _fit(texts_of, tiny["llama"], lora=True, lr=5e-3, epochs=2)
    assert result.steps == 8 and len(result.curve) == 4


def test_bad_training_inputs(tiny, texts_of) -> None:
    with pytest.raises(W2SGError, match="no module LoRA knows"):
        build_classifier(tiny["distilbert"], ClassifierConfig(lora=True), "cpu")
    with pytest.raises(W2SGError, match="learning rate must be > 0"):
        TrainConfig(lr=0.0)
    with pytest.raises(W2SGError, match="larger than the 64 train rows"):
        _fit(texts_of, tiny["bert"], lora=False, lr=1e-3, batch_size=128)


@pytest.mark.slow
def test_minilm_lora_few_steps(texts_of) -> None:
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


def test_frozen_layers_in_bf16_give_the_same_weights_as_autocast(tiny, texts_of) -> None:
    """Storing LoRA's frozen projections in bf16 (and not upcasting adapter inputs) is only a
    speed-up: training gives bit-identical adapters and head to autocast on fp32 weights."""
    texts, y = texts_of(32, 0)
    config = TrainConfig(**{**FAST, "epochs": 1, "lr": 5e-3})
    states = []
    for compact in (True, False):
        clf, tok = build_classifier(
            tiny["bert"], ClassifierConfig(lora=True, rank=4), "cpu", seed=1, compact=compact
        )
        frozen = [m.weight.dtype for m in clf.modules() if isinstance(m, torch.nn.Linear)
                  and not m.weight.requires_grad]  # fmt: skip
        expect = clf.amp if compact and clf.amp is not None else torch.float32
        assert frozen and set(frozen) == {expect}
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
