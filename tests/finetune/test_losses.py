"""Each loss of docs/methods.md#fine-tune-mode against its hand computation; the logconf ramp and
buffer; midweak."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from w2sg.errors import W2SGError
from w2sg.finetune.losses import (
    LossState,
    compute_loss,
    entropy,
    kl,
    logconf,
    push_buffer,
    ramp,
    resolve_spec,
    window,
    xent,
)
from w2sg.finetune.specs import LossSpec, parse_loss


def _logits(p1: list[float]) -> torch.Tensor:
    """2-class logits whose softmax gives P(y=1) = p1."""
    p = torch.tensor(p1, dtype=torch.float64)
    return torch.stack([torch.zeros_like(p), torch.log(p / (1 - p))], dim=1)


def _ce(p1: float, t: float) -> float:
    return -((1 - t) * math.log(1 - p1) + t * math.log(p1))


def test_xent_equals_hand_computation() -> None:
    # p1 = 0.75, w = 0.6: -(0.4 ln 0.25 + 0.6 ln 0.75) = 0.727127
    assert float(xent(_logits([0.75]), torch.tensor([0.6]))) == pytest.approx(0.7271269, abs=1e-6)
    got = float(xent(_logits([0.75, 0.2]), torch.tensor([0.6, 1.0])))
    assert got == pytest.approx((_ce(0.75, 0.6) + _ce(0.2, 1.0)) / 2, abs=1e-6)


def test_kl_equals_hand_computation_and_handles_hard_labels() -> None:
    # 0.4 ln(0.4/0.25) + 0.6 ln(0.6/0.75) = 0.054115
    assert float(kl(_logits([0.75]), torch.tensor([0.6]))) == pytest.approx(0.0541151, abs=1e-6)
    # w = 1: KL = -ln p1
    assert float(kl(_logits([0.8]), torch.tensor([1.0]))) == pytest.approx(-math.log(0.8), abs=1e-6)
    assert float(kl(_logits([0.3]), torch.tensor([0.3]))) == pytest.approx(0.0, abs=1e-6)


def test_logconf_ramp_is_linear_not_a_jump() -> None:
    spec = LossSpec(name="logconf", alpha=0.5, warmup_steps=200)
    values = np.array([ramp(spec, s) for s in range(0, 201)])
    assert values[0] == 0.0 and values[100] == pytest.approx(0.25) and values[200] == 0.5
    assert np.allclose(np.diff(values), 0.5 / 200)
    assert ramp(spec, 1000) == 0.5


def test_logconf_equals_hand_computation() -> None:
    p1, w = [0.2, 0.4, 0.7, 0.9], [0.3, 0.3, 0.6, 0.8]
    spec = LossSpec(name="logconf", alpha=0.5, warmup_steps=200)
    loss, state = logconf(_logits(p1), torch.tensor(w), spec, step=100, state=LossState())
    # buffer = p1; mean w = 0.5 -> threshold = 0.5 quantile of the buffer = 0.55
    # hard = [0, 0, 1, 1]; alpha = 0.25; target = 0.75 w + 0.25 hard
    targets = [0.75 * wi + 0.25 * h for wi, h in zip(w, [0, 0, 1, 1], strict=True)]
    expected = np.mean([_ce(p, t) for p, t in zip(p1, targets, strict=True)])
    assert float(loss) == pytest.approx(expected, abs=1e-6)
    assert state.buffer == pytest.approx(tuple(p1))


def test_logconf_threshold_uses_the_buffer_at_the_mean_weak_label() -> None:
    # a buffer of older predictions decides the threshold of a two-row minibatch
    state = LossState(buffer=(0.1, 0.2, 0.3, 0.6, 0.8))
    spec = LossSpec(name="logconf", alpha=0.5, warmup_steps=0)
    # buffer after push: [.1,.2,.3,.6,.8,.5,.5]; mean w = 0.85 -> quantile 0.15 = 0.19
    loss, state = logconf(_logits([0.5, 0.5]), torch.tensor([0.8, 0.9]), spec, 10, state)
    targets = [0.5 * w + 0.5 * 1.0 for w in (0.8, 0.9)]  # 0.5 > 0.19: both hardened to 1
    assert float(loss) == pytest.approx(np.mean([_ce(0.5, t) for t in targets]), abs=1e-6)
    median = LossSpec(name="logconf", alpha=0.5, warmup_steps=0, threshold="median")
    # median of [.1,.2,.3,.6,.8,.5,.5,.5,.5] = 0.5 -> 0.5 > 0.5 is False: hard = 0
    loss, _ = logconf(_logits([0.5, 0.5]), torch.tensor([0.8, 0.9]), median, 10, state)
    assert float(loss) == pytest.approx(np.mean([_ce(0.5, 0.5 * w) for w in (0.8, 0.9)]), abs=1e-6)


def test_logconf_one_row_minibatch_takes_the_median_as_upstream() -> None:
    """With one row the batch has no prior of its own: EleutherAI/w2s uses 0.5 (the median),
    not the row's own label, so a minibatch of 1 reproduces the published loss."""
    state = LossState(buffer=(0.1, 0.2, 0.3, 0.45, 0.6, 0.8))
    spec = LossSpec(name="logconf", alpha=0.5, warmup_steps=0)
    # buffer after push: [.1,.2,.3,.45,.6,.8,.5]; median 0.45 -> 0.5 > 0.45: hard = 1
    # (the quantile at 1 - w = 0.05 would be 0.13: also 1; at w = 0.02 it is 0.78: hard = 0)
    loss, _ = logconf(_logits([0.5]), torch.tensor([0.02]), spec, 10, state)
    assert float(loss) == pytest.approx(_ce(0.5, 0.5 * 0.02 + 0.5 * 1.0), abs=1e-6)


def test_product_loss_equals_hand_computation() -> None:
    """openai/weak-to-strong's product loss: CE against normalised [1-w, w] * softmax."""
    spec = parse_loss("product")
    assert (spec.alpha, spec.beta) == (1.0, 1.0)
    p1, w = 0.7, 0.6
    t1 = (p1 * w) / (p1 * w + (1 - p1) * (1 - w))  # 0.42 / 0.54
    assert t1 == pytest.approx(0.7777778, abs=1e-6)
    loss, _ = compute_loss(spec, _logits([p1]), torch.tensor([w]), step=0, state=LossState())
    assert float(loss) == pytest.approx(_ce(p1, t1), abs=1e-6)
    sq = LossSpec(name="product", alpha=2.0, beta=1.0)
    t2 = (p1 * w**2) / (p1 * w**2 + (1 - p1) * (1 - w) ** 2)
    loss, _ = compute_loss(sq, _logits([p1]), torch.tensor([w]), step=0, state=LossState())
    assert float(loss) == pytest.approx(_ce(p1, t2), abs=1e-6)


def test_logconf_warms_up_over_its_own_100_steps() -> None:
    """The published default: alpha ramps over 100 optimizer steps, not the learning
    rate's warm-up."""
    spec = parse_loss("logconf")
    assert spec.warmup_steps == 100
    assert ramp(spec, 50) == pytest.approx(0.25) and ramp(spec, 100) == 0.5


def test_logconf_buffer_stays_at_32_most_recent() -> None:
    state = LossState()
    rng = np.random.default_rng(0)
    pushed: list[float] = []
    for _ in range(10):
        batch = rng.uniform(0.01, 0.99, 7)
        pushed += list(batch)
        state = push_buffer(state, torch.tensor(batch), 32)
        assert len(state.buffer) == min(len(pushed), 32)
    assert state.buffer == pytest.approx(tuple(pushed[-32:]))


def test_entropy_equals_hand_computation() -> None:
    spec = LossSpec(name="entropy", alpha=0.5, warmup_steps=100)
    p1, w = [0.3, 0.9], [0.8, 0.1]
    a = 0.5 * 50 / 100
    expected = np.mean([_ce(p, (1 - a) * wi + a * p) for p, wi in zip(p1, w, strict=True)])
    assert float(entropy(_logits(p1), torch.tensor(w), spec, 50)) == pytest.approx(expected)


def test_window_counts_only_uncertain_points() -> None:
    p1, w = [0.5, 0.6, 0.9], [0.2, 0.7, 0.1]
    # max class prob [0.5, 0.6, 0.9] < 0.65 keeps the first two; mean over all three
    expected = (_ce(0.5, 0.2) + _ce(0.6, 0.7)) / 3
    assert float(window(_logits(p1), torch.tensor(w), 0.15)) == pytest.approx(expected, abs=1e-6)


def test_midweak_is_per_run_and_does_not_leak() -> None:
    spec = parse_loss("window:midweak")
    a = resolve_spec(spec, np.array([0.1, 0.45, 0.6, 0.95]))  # |w-.5| = .4,.05,.1,.45
    b = resolve_spec(spec, np.array([0.5, 0.52, 0.4]))  # .0,.02,.1
    assert a.radius == pytest.approx(0.25) and b.radius == pytest.approx(0.02)
    assert spec.radius == "midweak"  # the shared spec is untouched: nothing carries over
    assert resolve_spec(spec, np.array([0.5, 0.52, 0.4])).radius == b.radius
    with pytest.raises(W2SGError, match="resolve_spec"):
        compute_loss(spec, _logits([0.5]), torch.tensor([0.5]), 0, LossState())


def test_bad_loss_names_and_options() -> None:
    with pytest.raises(W2SGError, match="loss must be one of"):
        parse_loss("focal")
    with pytest.raises(W2SGError, match="window radius"):
        parse_loss("window:wide")
    with pytest.raises(W2SGError, match="threshold"):
        parse_loss("logconf:mean")
    assert parse_loss("window:0.2").radius == 0.2
