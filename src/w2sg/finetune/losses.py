"""The student losses of fine-tune mode (docs/methods.md#fine-tune-mode), each a pure function with
explicit state.

Every loss takes 2-class `logits` (n, 2) and soft targets `w` (n,) = P(y=1) in [0, 1] and
returns `(loss, state)`; only `logconf` carries state (a bounded buffer of recent predictions),
and it is passed in and handed back, never hidden in a closure or a global. `window` with
radius "midweak" is resolved per run from that run's weak labels by `resolve_spec`, so one
run's radius can never leak into the next.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from w2sg.errors import W2SGError
from w2sg.finetune.specs import LossSpec


@dataclass(frozen=True)
class LossState:
    """The state a loss carries between minibatches: logconf's recent predictions."""

    buffer: tuple[float, ...] = ()


def midweak_radius(weak_labels: np.ndarray) -> float:
    """Median weak confidence |w − 0.5| of one run's weak labels (docs/methods.md#fine-tune-mode
    `window` midweak)."""
    w = np.asarray(weak_labels, dtype=np.float64)
    if w.ndim != 1 or w.size == 0:
        raise W2SGError("weak_labels must be a non-empty 1-d array")
    return float(np.median(np.abs(w - 0.5)))


def resolve_spec(spec: LossSpec, weak_labels: np.ndarray) -> LossSpec:
    """The spec with `midweak` replaced by this run's own radius (no state outlives the run)."""
    if spec.name == "window" and spec.radius == "midweak":
        return replace(spec, radius=max(midweak_radius(weak_labels), 1e-6))
    return spec


def ramp(spec: LossSpec, step: int) -> float:
    """α at optimizer step `step`: linear from 0 to `spec.alpha` over `warmup_steps`."""
    if spec.warmup_steps is None:
        raise W2SGError("the loss's warmup_steps must be resolved (the trainer does it)")
    if spec.warmup_steps == 0:
        return spec.alpha
    return spec.alpha * min(1.0, step / spec.warmup_steps)


def _targets(w: torch.Tensor) -> torch.Tensor:
    return torch.stack([1.0 - w, w], dim=1)


def _xent(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return -(target * F.log_softmax(logits.float(), dim=-1)).sum(dim=-1)


def xent(logits: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against [1−w, w], averaged over the batch."""
    return _xent(logits, _targets(w.float())).mean()


def kl(logits: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """KL([1−w, w] ‖ softmax(logits)), averaged over the batch (0·log 0 = 0)."""
    t = _targets(w.float())
    neg_entropy = torch.where(t > 0, t * torch.log(t.clamp_min(1e-30)), torch.zeros_like(t))
    return (neg_entropy.sum(dim=-1) + _xent(logits, t)).mean()


def product(logits: torch.Tensor, w: torch.Tensor, spec: LossSpec) -> torch.Tensor:
    """openai/weak-to-strong's product loss: cross-entropy against the normalised product
    [1−w, w]^alpha · softmax(logits)^beta, the target held fixed (no gradient through it)."""
    preds = torch.softmax(logits.float(), dim=-1)
    target = torch.pow(preds, spec.beta) * torch.pow(_targets(w.float()), spec.alpha)
    target = (target / target.sum(dim=-1, keepdim=True)).detach()
    return _xent(logits, target).mean()


def push_buffer(state: LossState, preds: torch.Tensor, size: int) -> LossState:
    """Append the batch's P(y=1) and keep only the most recent `size` of them."""
    merged = state.buffer + tuple(float(p) for p in preds.detach().float().cpu())
    return LossState(buffer=merged[-size:])


def logconf_threshold(spec: LossSpec, state: LossState, w: torch.Tensor) -> float:
    """Hardening threshold t: the buffer's (1 − mean w) quantile, or its median. A one-row
    minibatch has no batch prior: it takes the median, as upstream does (prior 0.5)."""
    buf = np.asarray(state.buffer, dtype=np.float64)
    one_row = w.numel() == 1
    level = 0.5 if spec.threshold == "median" or one_row else 1.0 - float(w.float().mean())
    return float(np.quantile(buf, level))


def logconf(
    logits: torch.Tensor, w: torch.Tensor, spec: LossSpec, step: int, state: LossState
) -> tuple[torch.Tensor, LossState]:
    """Auxiliary log-confidence: CE against (1−α)·w + α·1[f(x) > t]
    (docs/methods.md#fine-tune-mode)."""
    p1 = torch.softmax(logits.float(), dim=-1)[:, 1]
    state = push_buffer(state, p1, spec.buffer_size)
    t = logconf_threshold(spec, state, w)
    hard = (p1.detach() > t).float()
    a = ramp(spec, step)
    target = (1.0 - a) * w.float() + a * hard
    return xent(logits, target), state


def entropy(logits: torch.Tensor, w: torch.Tensor, spec: LossSpec, step: int) -> torch.Tensor:
    """As logconf, with the student's own soft prediction as the auxiliary target
    (docs/methods.md#fine-tune-mode)."""
    p1 = torch.softmax(logits.float(), dim=-1)[:, 1].detach()
    a = ramp(spec, step)
    return xent(logits, (1.0 - a) * w.float() + a * p1)


def window(logits: torch.Tensor, w: torch.Tensor, radius: float) -> torch.Tensor:
    """CE only where the student's max class probability < 0.5 + radius; mean over the batch."""
    probs = torch.softmax(logits.float(), dim=-1)
    keep = (probs.max(dim=-1).values < 0.5 + radius).float()
    return (_xent(logits, _targets(w.float())) * keep).sum() / logits.shape[0]


def compute_loss(
    spec: LossSpec, logits: torch.Tensor, w: torch.Tensor, step: int, state: LossState
) -> tuple[torch.Tensor, LossState]:
    """Dispatch to the loss `spec` names; `spec` must be resolved (see `resolve_spec`)."""
    if spec.name == "xent":
        return xent(logits, w), state
    if spec.name == "kl":
        return kl(logits, w), state
    if spec.name == "logconf":
        return logconf(logits, w, spec, step, state)
    if spec.name == "entropy":
        return entropy(logits, w, spec, step), state
    if spec.name == "product":
        return product(logits, w, spec), state
    if isinstance(spec.radius, str):
        raise W2SGError("window radius 'midweak' must be resolved with resolve_spec first")
    return window(logits, w, float(spec.radius)), state
