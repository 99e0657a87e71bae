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
    try:
        w = np.asarray(weak_labels, dtype=np.float64)
    except (TypeError, ValueError):
        raise W2SGError(f"weak_labels must be numbers in [0, 1], got {weak_labels!r:.60}") from None
    if w.ndim != 1 or w.size == 0:
        raise W2SGError("weak_labels must be a non-empty 1-d array")
    if not ((w >= 0) & (w <= 1)).all():
        raise W2SGError("weak_labels must be soft labels in [0, 1] (no NaN)")
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
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise W2SGError(f"step must be a whole number >= 0, got {step!r}")
    if spec.warmup_steps == 0:
        return spec.alpha
    return spec.alpha * min(1.0, step / spec.warmup_steps)


def check_inputs(logits: object, w: object) -> None:
    """2-class `logits` (n, 2) and soft targets `w` (n,) in [0, 1], both float tensors: one
    error naming the argument otherwise (the losses' public entry)."""
    for name, value in (("logits", logits), ("w", w)):
        if not isinstance(value, torch.Tensor):
            raise W2SGError(
                f"{name} must be a torch tensor, got {type(value).__name__} "
                "(convert with torch.as_tensor)"
            )
        if not value.is_floating_point():
            raise W2SGError(f"{name} must hold floats, got {value.dtype}")
    assert isinstance(logits, torch.Tensor) and isinstance(w, torch.Tensor)  # checked above
    if logits.ndim != 2 or logits.shape[1] != 2:
        raise W2SGError(f"logits must have shape (n, 2), got {tuple(logits.shape)}")
    if w.ndim != 1 or w.shape[0] != logits.shape[0]:
        raise W2SGError(
            f"w must have shape ({logits.shape[0]},), one target per row of logits; got "
            f"{tuple(w.shape)}"
        )
    if not bool(((w >= 0) & (w <= 1)).all()):  # NaN fails both comparisons
        raise W2SGError("w must hold soft targets P(y=1) in [0, 1] (no NaN)")


def _targets(w: torch.Tensor) -> torch.Tensor:
    return torch.stack([1.0 - w, w], dim=1)


def _xent(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return -(target * F.log_softmax(logits.float(), dim=-1)).sum(dim=-1)


def xent(logits: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against [1−w, w], averaged over the batch."""
    check_inputs(logits, w)
    return _xent(logits, _targets(w.float())).mean()


def kl(logits: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """KL([1−w, w] ‖ softmax(logits)), averaged over the batch (0·log 0 = 0)."""
    check_inputs(logits, w)
    t = _targets(w.float())
    neg_entropy = torch.where(t > 0, t * torch.log(t.clamp_min(1e-30)), torch.zeros_like(t))
    return (neg_entropy.sum(dim=-1) + _xent(logits, t)).mean()


def product(logits: torch.Tensor, w: torch.Tensor, spec: LossSpec) -> torch.Tensor:
    """openai/weak-to-strong's product loss: cross-entropy against the normalised product
    [1−w, w]^alpha · softmax(logits)^beta, the target held fixed (no gradient through it)."""
    check_inputs(logits, w)
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
    check_inputs(logits, w)
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
    check_inputs(logits, w)
    p1 = torch.softmax(logits.float(), dim=-1)[:, 1].detach()
    a = ramp(spec, step)
    return xent(logits, (1.0 - a) * w.float() + a * p1)


def window(logits: torch.Tensor, w: torch.Tensor, radius: float) -> torch.Tensor:
    """CE only where the student's max class probability < 0.5 + radius; mean over the batch."""
    check_inputs(logits, w)
    if isinstance(radius, bool) or not isinstance(radius, int | float) or not 0 < radius <= 0.5:
        raise W2SGError(f"window radius must be a number in (0, 0.5], got {radius!r}")
    probs = torch.softmax(logits.float(), dim=-1)
    keep = (probs.max(dim=-1).values < 0.5 + radius).float()
    return (_xent(logits, _targets(w.float())) * keep).sum() / logits.shape[0]


def compute_loss(
    spec: LossSpec, logits: torch.Tensor, w: torch.Tensor, step: int, state: LossState
) -> tuple[torch.Tensor, LossState]:
    """Dispatch to the loss `spec` names; `spec` must be resolved (see `resolve_spec`)."""
    if not isinstance(spec, LossSpec):
        raise W2SGError(f"spec must be a LossSpec (see parse_loss), got {spec!r:.60}")
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
