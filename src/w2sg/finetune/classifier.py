"""A sequence classifier on any model w2sg can load, trained fully or with LoRA.

The representation: mean of the last hidden state over non-pad tokens for encoders, the last
non-pad token for decoders (padding is on the right). A linear head
(2 classes) on top, initialised to zero or scaled small. LoRA (`peft`) targets the attention
and MLP projections found by name per architecture.

Precision: trainable parameters are fp32; the forward pass runs under bf16 autocast where the
hardware computes bf16 natively (CUDA with bf16, CPUs with AVX512-BF16 or AMX). With LoRA the
frozen projections are stored in bf16 once, instead of being cast from fp32 on every forward
pass, and peft's upcast of each adapter's input to fp32 (which autocast undoes at once) is
turned off. Both give the very numbers autocast gives on fp32 weights (tested), faster.

Fast kernels (`ClassifierConfig.fast_kernels`, on by default): the cheaper CPU dropout and
attention of `w2sg.finetune.dropout`, and LoRA's scale folded into B where it is a power of
two (`_lean_lora_forward`). They reach into transformers' and peft's internals, so
`fast_kernels_available()` checks those once per process; when something is off the
libraries' own code runs instead and one warning says why.
"""

from __future__ import annotations

import functools
import logging
import math
import types
import warnings
from contextlib import nullcontext
from typing import Any

import torch
from torch import nn

from w2sg.errors import W2SGError
from w2sg.finetune.dropout import attention_problem, use_fast_dropout
from w2sg.finetune.specs import ClassifierConfig
from w2sg.models import load_model, resolve_model
from w2sg.models.load import load_config, resolve_dtype

# Leaf names of the attention and MLP projections per architecture family.
LORA_TARGETS = {
    "bert": ("query", "key", "value", "dense"),  # BERT, MiniLM, RoBERTa
    "mpnet": ("q", "k", "v", "o", "dense"),  # MPNet attention + intermediate/output MLP
    "llama": ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
    "gpt2": ("c_attn", "c_proj", "c_fc"),
}
_SKIP = ("pooler", "lm_head", "relative_attention_bias")
# What `_lean_lora_forward` reads of a peft LoRA layer.
LORA_ATTRIBUTES = (
    "base_layer",
    "lora_A",
    "lora_B",
    "scaling",
    "lora_dropout",
    "active_adapters",
    "disable_adapters",
    "merged",
    "lora_variant",
)
_log = logging.getLogger(__name__)


def lora_target_modules(model: nn.Module) -> list[str]:
    """Full names of the Linear/Conv1D projections LoRA adapts in `model` (may be empty)."""
    leaves = {name for names in LORA_TARGETS.values() for name in names}
    found = []
    for name, module in model.named_modules():
        kind = type(module).__name__
        if kind not in ("Linear", "Conv1D") or any(s in name.split(".") for s in _SKIP):
            continue
        if name.rsplit(".", 1)[-1] in leaves:
            found.append(name)
    return found


def amp_dtype(device: str) -> torch.dtype | None:
    """bf16 where the hardware computes it natively (CUDA with bf16; CPUs with AVX512-BF16 or
    AMX); None (fp32 throughout) elsewhere."""

    return torch.bfloat16 if resolve_dtype("auto", device) == "bfloat16" else None


class SequenceClassifier(nn.Module):
    """Base model → pooled representation → linear head → 2 logits.

    `amp`: the autocast dtype of the forward pass (None: fp32), on `device_type`."""

    def __init__(
        self,
        base: nn.Module,
        kind: str,
        hidden: int,
        head_init: str,
        amp: torch.dtype | None = None,
        device_type: str = "cpu",
    ) -> None:
        super().__init__()
        self.base = base
        self.kind = kind
        self.amp = amp
        self.device_type = device_type
        self.head = nn.Linear(hidden, 2)
        nn.init.zeros_(self.head.bias)
        if head_init == "zero":
            nn.init.zeros_(self.head.weight)
        else:
            nn.init.normal_(self.head.weight, std=1e-3)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits (n, 2) in float32."""
        amp = torch.autocast(self.device_type, dtype=self.amp) if self.amp else nullcontext()
        with amp:
            out = self.base(input_ids=input_ids, attention_mask=attention_mask)
            hidden = out.last_hidden_state
            mask = attention_mask.to(hidden.dtype).unsqueeze(-1)
            if self.kind == "decoder":
                last = attention_mask.sum(dim=1) - 1
                pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
            else:
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp_min(1.0)
            return self.head(pooled.float()).float()

    def store_frozen_in_amp_dtype(self) -> int:
        """Keep frozen Linear layers in the autocast dtype and stop peft upcasting adapter
        inputs; the numbers do not change (autocast would cast both anyway). Returns the
        number of layers stored in the lower precision (0 without autocast)."""
        if self.amp is None:
            return 0
        n = 0
        for module in self.modules():
            if hasattr(module, "lora_A"):
                lora: Any = module  # a peft LoRA layer: attributes nn.Module does not declare
                lora.cast_input_dtype_enabled = False
            params = list(module.parameters(recurse=False))
            if isinstance(module, nn.Linear) and not any(p.requires_grad for p in params):
                module.to(self.amp)
                n += 1
        return n

    def use_lean_lora_forward(self) -> int:
        """Fold LoRA's scale into its B weight (`_lean_lora_forward`) in every LoRA layer whose
        scales are powers of two, with or without autocast: multiplying by a power of two is
        exact in any floating-point format, so the numbers are peft's. Returns the number of
        layers changed."""
        return sum(_use_lean_lora_forward(m) for m in self.modules() if hasattr(m, "lora_A"))

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """Copies (on CPU) of the trainable parameters: the in-memory checkpoint."""
        params = self.named_parameters()
        return {n: p.detach().to("cpu", copy=True) for n, p in params if p.requires_grad}

    def load_trainable(self, state: dict[str, torch.Tensor]) -> None:
        """Put a checkpoint from `trainable_state` back."""
        params = dict(self.named_parameters())
        with torch.no_grad():
            for n, value in state.items():
                params[n].copy_(value)


def _lean_lora_forward(self: Any, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """peft's LoRA forward for one plain adapter, with the scale alpha / rank applied to B, a
    (d, r) weight, instead of to the (rows, d) output: one pass over the activations fewer,
    forward and backward. Patched only where the scale is a power of two (16 / 8 by default),
    where multiplying before or after the product gives the same bits (bf16 or fp32). Anything else
    (adapters off or merged, several adapters, DoRA, a bias on B, extra arguments) runs peft's
    own forward. `self` is a peft LoRA layer, typed Any: nn.Module's types do not declare what
    this reads (LORA_ATTRIBUTES)."""
    names = self.active_adapters
    name = names[0] if len(names) == 1 else None
    if (
        args
        or kwargs
        or self.disable_adapters
        or self.merged
        or name not in self.lora_A
        or name in self.lora_variant
        or self.lora_B[name].bias is not None
        or not _power_of_two(self.scaling[name])
    ):
        return type(self).forward(self, x, *args, **kwargs)
    result = self.base_layer(x)
    h = self.lora_A[name](self.lora_dropout[name](x))
    return result + nn.functional.linear(h, self.lora_B[name].weight * self.scaling[name])


def _power_of_two(value: float) -> bool:
    """Whether `value` is 2^k for a whole k (scaling by it is exact)."""
    return value > 0 and math.frexp(value)[0] == 0.5


def _use_lean_lora_forward(module: nn.Module) -> bool:
    """Install `_lean_lora_forward` on one LoRA layer if it has what that reads and its
    scales are powers of two; whether it did."""
    scaling = getattr(module, "scaling", None)
    if not all(hasattr(module, a) for a in LORA_ATTRIBUTES) or not isinstance(scaling, dict):
        return False
    if not scaling or not all(map(_power_of_two, scaling.values())):
        return False
    module.forward = types.MethodType(_lean_lora_forward, module)
    return True


def lora_problem() -> str | None:
    """None when peft's LoRA layer has what `_lean_lora_forward` reads and the lean forward
    gives its numbers on a tiny layer; otherwise one line saying what is off."""
    try:
        from peft import LoraConfig, inject_adapter_in_model  # heavy: loaded on first use
    except ImportError as err:
        return f"peft's LoraConfig / inject_adapter_in_model did not import ({err})"
    with torch.random.fork_rng(devices=[]):  # peft initialises A from the global generator
        torch.manual_seed(0)
        tiny = inject_adapter_in_model(
            LoraConfig(r=2, lora_alpha=4, target_modules=["proj"]), _OneLinear()
        )
        layer: Any = tiny.proj  # a peft LoRA layer, as in _lean_lora_forward
        missing = [a for a in LORA_ATTRIBUTES if not hasattr(layer, a)]
        if missing:
            return f"peft's LoRA layer has no {', '.join(missing)}"
        with torch.no_grad():
            layer.lora_B["default"].weight.normal_()
            x = torch.randn(3, 4)
            lean, own = _lean_lora_forward(layer, x), type(layer).forward(layer, x)
    if lean.shape != own.shape or not torch.equal(lean, own):
        return "the LoRA forward with the scale folded into B no longer gives peft's numbers"
    return None


class _OneLinear(nn.Module):
    """One 4 → 4 projection named `proj`: what `lora_problem` adapts."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)


@functools.cache
def fast_kernels_available() -> str | None:
    """None when the fast kernels can run here; otherwise the reason, logged once as a
    warning (the slower path then runs). Checked once per process."""
    try:
        reason = attention_problem() or lora_problem()
    except Exception as err:  # an internal that changed in a way no check foresaw
        reason = f"the check of library internals failed ({type(err).__name__}: {err})"
    if reason is not None:
        _log.warning(
            "fast kernels off: %s; running the slower path (torch's dropout, transformers' "
            "own attention, peft's own LoRA forward)",
            reason,
        )
    return reason


def fast_kernels_on(requested: bool) -> bool:
    """Whether the fast kernels run: asked for and available (the check runs only if asked)."""
    return requested and fast_kernels_available() is None


def build_classifier(
    model: str,
    config: ClassifierConfig,
    device: str = "cpu",
    seed: int = 0,
    *,
    compact: bool = True,
    fast_dropout: bool = True,
) -> tuple[SequenceClassifier, Any]:
    """Load `model` (a w2sg name, alias or path) as a classifier; return it and its tokenizer.

    Weights are float32 and trainable parameters stay so; the forward pass runs under bf16
    autocast where the hardware has it. With LoRA and `compact`, frozen projections are kept
    in bf16 (same numbers, less casting). With `config.fast_kernels` (and the library
    internals they need in place): LoRA's scale is folded into B where it is a power of two
    (same numbers) and, unless `fast_dropout` is False, dropout on CPU draws its masks as
    `w2sg.finetune.dropout` does (same distribution, a third of the cost). The seed fixes the
    head and LoRA initialisation.
    """
    fast = fast_kernels_on(config.fast_kernels)  # before seeding: the check runs once
    resolved = resolve_model(model)
    base, tokenizer = load_model(resolved, dtype="float32", device=device, truncate=True)
    torch.manual_seed(seed)
    if config.lora:
        base = _with_lora(base, config, resolved.name)
    else:
        for p in base.parameters():
            p.requires_grad_(True)
    hidden = int(base.config.hidden_size)
    amp = amp_dtype(device)
    clf = SequenceClassifier(
        base, resolved.kind, hidden, config.head_init, amp, device.split(":")[0]
    ).to(device)
    if config.lora and compact:
        clf.store_frozen_in_amp_dtype()
    if fast and config.lora:
        clf.use_lean_lora_forward()
    if fast and fast_dropout:
        use_fast_dropout(clf)
    return clf.train(), tokenizer


def check_lora(model: str, rank: int | None = None) -> None:
    """Fail before any work when LoRA finds nothing to adapt in `model`, or when `rank` is
    above the width of a layer it adapts (no weights read)."""
    from transformers import AutoModel  # heavy: loaded on first use

    resolved = resolve_model(model)
    with torch.device("meta"):
        skeleton = AutoModel.from_config(load_config(resolved))
    targets = _targets_or_error(skeleton, resolved.name)
    if rank is None:
        return
    modules = dict(skeleton.named_modules())
    narrowest = min(min(modules[t].weight.shape[:2]) for t in targets)
    if rank > narrowest:
        raise W2SGError(
            f"--lora-rank {rank} is above the width of the layers LoRA adapts in "
            f"{resolved.name} ({narrowest}); give {narrowest} or less (8 is usual)"
        )


def _targets_or_error(base: nn.Module, name: str) -> list[str]:
    targets = lora_target_modules(base)
    if not targets:
        known = ", ".join(sorted({n for v in LORA_TARGETS.values() for n in v}))
        raise W2SGError(
            f"LoRA: {name} has no module LoRA knows how to adapt (looked for {known}); "
            "train it fully with --full"
        )
    return targets


def _with_lora(base: nn.Module, config: ClassifierConfig, name: str) -> nn.Module:

    from peft import LoraConfig, get_peft_model  # heavy: loaded on first use

    targets = _targets_or_error(base, name)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,  # type: ignore[arg-type]  # peft: int, but any alpha / r works
        lora_dropout=config.dropout,
        target_modules=targets,
        bias="none",
    )
    with warnings.catch_warnings():  # peft 0.21 asks transformers 5 a deprecated question
        warnings.filterwarnings(
            "ignore", message=".*is_gradient_checkpointing", category=FutureWarning
        )
        return get_peft_model(base, lora)
