"""The student losses of fine-tune mode (SPEC §7), each a pure function with explicit state.

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

LOSSES = ("xent", "kl", "logconf", "entropy", "window")
THRESHOLDS = ("quantile", "median")


@dataclass(frozen=True)
class LossSpec:
    """A loss by name with its options (SPEC §7 defaults).

    `alpha`, `warmup_steps`: weight of the auxiliary target, ramped linearly from 0 over the
    first `warmup_steps` optimizer steps (`logconf`, `entropy`); None = the trainer's warm-up.
    `buffer_size`, `threshold`: the hardening threshold of `logconf` is the quantile of the
    most recent `buffer_size` predictions at the batch's mean weak label ("quantile"), or
    their median ("median", the EleutherAI balanced variant). `radius`: `window`'s radius,
    a number or "midweak".
    """

    name: str = "xent"
    alpha: float = 0.5
    warmup_steps: int | None = None
    buffer_size: int = 32
    threshold: str = "quantile"
    radius: float | str = 0.15

    def __post_init__(self) -> None:
        if self.name not in LOSSES:
            raise W2SGError(f"loss must be one of {', '.join(LOSSES)}, not {self.name!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise W2SGError(f"loss alpha must be in [0, 1], not {self.alpha}")
        if self.warmup_steps is not None and self.warmup_steps < 0:
            raise W2SGError(f"loss warmup_steps must be >= 0, not {self.warmup_steps}")
        if self.buffer_size < 1:
            raise W2SGError(f"loss buffer_size must be >= 1, not {self.buffer_size}")
        if self.threshold not in THRESHOLDS:
            raise W2SGError(
                f"logconf threshold must be one of {THRESHOLDS}, not {self.threshold!r}"
            )
        if isinstance(self.radius, str):
            if self.radius != "midweak":
                raise W2SGError(f"window radius must be a number or 'midweak', not {self.radius!r}")
        elif not 0.0 < float(self.radius) <= 0.5:
            raise W2SGError(f"window radius must be in (0, 0.5], not {self.radius}")

    @property
    def needs_weak_labels(self) -> bool:
        """Every loss but `xent` is defined against a weak supervisor's soft labels."""
        return self.name != "xent"

    def to_json(self) -> dict:
        """The options that change this loss's numbers (cache key and results.json)."""
        out: dict = {"name": self.name}
        if self.name in ("logconf", "entropy"):
            out |= {"alpha": self.alpha, "warmup_steps": self.warmup_steps}
        if self.name == "logconf":
            out |= {"buffer_size": self.buffer_size, "threshold": self.threshold}
        if self.name == "window":
            out["radius"] = self.radius
        return out


@dataclass(frozen=True)
class LossState:
    """The state a loss carries between minibatches: logconf's recent predictions."""

    buffer: tuple[float, ...] = ()


def parse_loss(text: str) -> LossSpec:
    """`xent`, `logconf`, `logconf:median`, `window:0.2`, `window:midweak` → a LossSpec."""
    name, _, option = text.strip().partition(":")
    if not option:
        return LossSpec(name=name)
    if name == "window":
        try:
            return LossSpec(name=name, radius=option if option == "midweak" else float(option))
        except ValueError:
            raise W2SGError(
                f"window radius must be a number or 'midweak', not {option!r}"
            ) from None
    if name == "logconf":
        return LossSpec(name=name, threshold=option)
    raise W2SGError(f"loss {name!r} takes no option (got {text!r})")


def midweak_radius(weak_labels: np.ndarray) -> float:
    """Median weak confidence |w − 0.5| of one run's weak labels (SPEC §7 `window` midweak)."""
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


def push_buffer(state: LossState, preds: torch.Tensor, size: int) -> LossState:
    """Append the batch's P(y=1) and keep only the most recent `size` of them."""
    merged = state.buffer + tuple(float(p) for p in preds.detach().float().cpu())
    return LossState(buffer=merged[-size:])


def logconf_threshold(spec: LossSpec, state: LossState, w: torch.Tensor) -> float:
    """Hardening threshold t: the buffer's (1 − mean w) quantile, or its median."""
    buf = np.asarray(state.buffer, dtype=np.float64)
    level = 0.5 if spec.threshold == "median" else 1.0 - float(w.float().mean())
    return float(np.quantile(buf, level))


def logconf(
    logits: torch.Tensor, w: torch.Tensor, spec: LossSpec, step: int, state: LossState
) -> tuple[torch.Tensor, LossState]:
    """Auxiliary log-confidence: CE against (1−α)·w + α·1[f(x) > t] (SPEC §7)."""
    p1 = torch.softmax(logits.float(), dim=-1)[:, 1]
    state = push_buffer(state, p1, spec.buffer_size)
    t = logconf_threshold(spec, state, w)
    hard = (p1.detach() > t).float()
    a = ramp(spec, step)
    target = (1.0 - a) * w.float() + a * hard
    return xent(logits, target), state


def entropy(logits: torch.Tensor, w: torch.Tensor, spec: LossSpec, step: int) -> torch.Tensor:
    """As logconf, with the student's own soft prediction as the auxiliary target (SPEC §7)."""
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
    if isinstance(spec.radius, str):
        raise W2SGError("window radius 'midweak' must be resolved with resolve_spec first")
    return window(logits, w, float(spec.radius)), state
