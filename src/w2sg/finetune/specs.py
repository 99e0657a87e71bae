"""The options of fine-tune mode as plain dataclasses: a loss, the classifier, training.

Kept apart from the torch code that uses them (`losses`, `classifier`, `trainer`), so a
command's options are known, checked and printed without loading torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from w2sg import validate as v
from w2sg.errors import W2SGError

LOSSES = ("xent", "kl", "logconf", "entropy", "window", "product")
AUCS = ("prob", "logit")  # what val AUC ranks by: P(y=1), or the raw class-1 logit (upstream)
LOGCONF_WARMUP = 100  # steps; EleutherAI/w2s's LogConfidenceLossConfig.logconf_warmup_steps


THRESHOLDS = ("quantile", "median")


@dataclass(frozen=True)
class LossSpec:
    """A loss by name with its options (fine-tune mode's defaults).

    `alpha`, `warmup_steps`: weight of the auxiliary target, ramped linearly from 0 over the
    first `warmup_steps` optimizer steps (`logconf`, `entropy`; default 100, as upstream);
    None = the learning rate's warm-up. `buffer_size`, `threshold`: the hardening threshold of
    `logconf` is the quantile of the most recent `buffer_size` predictions at the minibatch's
    mean weak label ("quantile"; a one-row minibatch takes 0.5, as upstream), or their median
    ("median"). `radius`: `window`'s radius, a number or "midweak". `product` (openai's):
    cross-entropy against the normalised product weak^alpha x student^beta (alpha = beta = 1).
    """

    name: str = "xent"
    alpha: float = 0.5
    warmup_steps: int | None = LOGCONF_WARMUP
    buffer_size: int = 32
    threshold: str = "quantile"
    radius: float | str = 0.15
    beta: float = 1.0  # `product`: the exponent of the student's own prediction

    def __post_init__(self) -> None:
        if self.name not in LOSSES:
            raise W2SGError(f"loss must be one of {', '.join(LOSSES)}, not {self.name!r}")
        v.number(self.alpha, "loss alpha", low=0.0, high=10.0 if self.name == "product" else 1.0)
        v.number(self.beta, "loss beta", low=0.0, high=10.0)
        if self.warmup_steps is not None:
            v.whole(self.warmup_steps, "loss warmup_steps", low=0)
        v.positive(self.buffer_size, "loss buffer_size")
        if self.threshold not in THRESHOLDS:
            raise W2SGError(
                f"logconf threshold must be one of {THRESHOLDS}, not {self.threshold!r}"
            )
        if isinstance(self.radius, str):
            if self.radius != "midweak":
                raise W2SGError(f"window radius must be a number or 'midweak', not {self.radius!r}")
        elif v.number(self.radius, "window radius", low=0.0, high=0.5, low_open=True) <= 0:
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
        if self.name == "product":
            out |= {"alpha": self.alpha, "beta": self.beta}
        return out


def parse_loss(text: str) -> LossSpec:
    """`xent`, `logconf`, `logconf:median`, `window:0.2`, `window:midweak` → a LossSpec."""
    if not isinstance(text, str):
        raise W2SGError(f"a loss is named by text such as 'xent' or 'window:0.2', not {text!r}")
    name, _, option = text.strip().partition(":")
    if name == "product" and not option:
        return LossSpec(name=name, alpha=1.0, beta=1.0)  # openai/weak-to-strong's defaults
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


HEAD_INITS = ("zero", "small")  # small: N(0, 0.02) x 0.01, upstream's scaled score head


@dataclass(frozen=True)
class ClassifierConfig:
    """How the classifier is built: LoRA or full, LoRA's rank/alpha/dropout, head init, and
    whether the fast kernels (cheaper CPU dropout and attention, LoRA's scale folded into B)
    may run (`w2sg.finetune.classifier`)."""

    lora: bool = True
    rank: int = 8
    alpha: float = 16.0
    dropout: float = 0.0
    head_init: str = "zero"  # "zero" | "small"
    fast_kernels: bool = True

    def __post_init__(self) -> None:
        v.flag_value(self.lora, "lora")
        v.flag_value(self.fast_kernels, "fast_kernels")
        v.positive(self.rank, "LoRA rank")
        v.number(self.alpha, "LoRA alpha", low=0.0, low_open=True)
        if v.number(self.dropout, "LoRA dropout", low=0.0) >= 1.0:
            raise W2SGError(f"LoRA dropout must be in [0, 1), not {self.dropout}")
        if self.head_init not in HEAD_INITS:
            raise W2SGError(f"head_init must be 'zero' or 'small', not {self.head_init!r}")

    def to_json(self) -> dict:
        """The options that change the trained weights. `fast_kernels` appears only when off:
        on is what every stage stored before the switch existed, so their keys still hold."""
        base: dict = {"lora": self.lora, "head_init": self.head_init}
        if self.lora:
            base |= {"rank": self.rank, "alpha": self.alpha, "dropout": self.dropout}
        if not self.fast_kernels:
            base["fast_kernels"] = False
        return base


# What a trained model's numbers depend on beyond its options; stored stages are addressed by
# it, so bump it whenever training computes differently (2: dropout masks on CPU drawn by
# w2sg.finetune.dropout, AdamW's fused kernel; 3: attention with dropout computed as
# transformers' eager path does).
REVISION = 3


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation options; the defaults are the reference recipe's (3 epochs, effective
    batch 32). `max_length` is the resolved token limit of the model trained (a longer text
    loses its middle, `w2sg.finetune.truncation`); `minibatch_tokens` caps a minibatch's
    padded tokens (None: rows only)."""

    epochs: int = 3
    batch_size: int = 32
    minibatch: int = 8
    minibatch_tokens: int | None = None
    length_groups: int = 1
    lr: float = 8e-5
    weight_decay: float = 0.1
    warmup_ratio: float = 0.1
    warmup_steps: int | None = None  # the learning rate's warm-up in steps (None: the ratio)
    auc: str = "prob"  # what val AUC ranks by (AUCS)
    max_grad_norm: float = 1.0
    eval_every: int = 5
    patience: int | None = None
    max_length: int = 128
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "minibatch", "length_groups", "eval_every"):
            v.positive(getattr(self, name), name)
        for name in ("minibatch_tokens", "patience"):
            if getattr(self, name) is not None:
                v.positive(getattr(self, name), name)
        v.number(self.lr, "learning rate", low=0.0, low_open=True)
        v.number(self.weight_decay, "weight_decay", low=0.0)
        if v.number(self.warmup_ratio, "warmup_ratio", low=0.0) >= 1.0:
            raise W2SGError(f"warmup_ratio must be in [0, 1), not {self.warmup_ratio}")
        v.number(self.max_grad_norm, "max_grad_norm", low=0.0, low_open=True)
        if self.warmup_steps is not None:
            v.whole(self.warmup_steps, "warmup_steps", low=0)
        if self.auc not in AUCS:
            raise W2SGError(f"auc must be one of {', '.join(AUCS)}, not {self.auc!r}")
        v.seed(self.seed)
        if self.max_length < 2:
            raise W2SGError(f"max_length must be >= 2, not {self.max_length}")

    def check_data(self, n_train: int) -> None:
        """A batch larger than the data is a mistake, not something to round away."""
        if self.batch_size > n_train:
            raise W2SGError(f"batch size {self.batch_size} is larger than the {n_train} train rows")

    def warmup(self, total: int) -> int:
        """Warm-up steps of the learning rate for a run of `total` steps."""
        return (
            self.warmup_steps if self.warmup_steps is not None else int(self.warmup_ratio * total)
        )

    def to_json(self) -> dict:
        """The options (stage keys also carry `REVISION`). `warmup_steps` and `auc` appear only
        when set: their defaults are what every stage stored before they existed."""
        out = asdict(self)
        if out["warmup_steps"] is None:
            del out["warmup_steps"]
        if out["auc"] == "prob":
            del out["auc"]
        return out
