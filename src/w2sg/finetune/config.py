"""What `w2sg finetune` does: one frozen config, validated before any work.

Defaults follow the EleutherAI study's (docs/methods.md#fine-tune-mode) except where
docs/fidelity.md says why not; each field is also the command's flag (`w2sg.options`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import ClassVar

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.finetune.presets import PRESETS
from w2sg.finetune.specs import (
    AUCS,
    HEAD_INITS,
    LOGCONF_WARMUP,
    ClassifierConfig,
    LossSpec,
    TrainConfig,
    parse_loss,
)
from w2sg.interventions.sets import InterventionOptions, parse_intervention
from w2sg.models.load import check_device_name
from w2sg.models.names import check_strong_model, parse_model_name
from w2sg.options import default, internal, option
from w2sg.presets import Preset, Presettable
from w2sg.setup import RunSetup

TOKENS_PER_ROW = 128  # the default token budget per minibatch row (--minibatch-tokens)
KNOBS = tuple(f.name for f in fields(InterventionOptions))  # --k, --metric, ...: interventions
DEVICE_HELP = "Device: auto (a GPU when there is one), cpu, cuda or cuda:N."


@dataclass(frozen=True)
class FinetuneConfig(Presettable, RunSetup):
    """Weak model, students (one per loss) and ceiling, each fine-tuned.

    `preset="eleuther"` (or `"openai"`) takes every setting the published code fixes, each
    traced to its source (`w2sg.finetune.presets`); options given explicitly win over it.
    """

    presets: ClassVar[Mapping[str, Preset]] = PRESETS

    weak_train: int = default(500)
    strong_train: int = default(500)
    val: int = default(200)
    test: int = default(500)
    preset: str | None = option(
        None,
        "Published settings to take: eleuther (EleutherAI/w2s) or openai "
        "(openai/weak-to-strong); options given explicitly win over them.",
    )
    losses: tuple[str, ...] = option(
        ("xent", "logconf"),
        "Student losses: xent, kl, logconf[:median], entropy, window[:R|:midweak], product.",
        flag="--loss",
    )
    logconf_warmup: int | None = option(
        LOGCONF_WARMUP,
        "Steps over which the auxiliary weight of logconf and entropy ramps "
        "up (none: the learning rate's warm-up).",
    )
    weak_loss: str = option("xent", "Loss of the weak model (trained on ground truth).")
    s2s: int = option(0, "Strong-to-strong iterations after the first student.")
    lora: bool = option(
        True, "LoRA adapters (--lora) or full fine-tuning (--full).", flag="--lora/--full"
    )
    lora_rank: int = option(8, "LoRA rank.")
    lora_alpha: float = option(16.0, "LoRA alpha (the adapter's scale is alpha / rank).")
    lora_dropout: float = option(0.0, "LoRA dropout.")
    fast_kernels: bool = option(
        True,
        "Faster CPU dropout and attention and a leaner LoRA forward, built on library "
        "internals checked at start-up (off: the libraries' own, slower code).",
        flag="--fast-kernels/--no-fast-kernels",
    )
    epochs: int = option(3, "Epochs.")
    batch_size: int = option(32, "Effective batch (gradient accumulation over minibatches).")
    minibatch: int = option(16, "Rows per forward pass.")
    minibatch_tokens: int | None = option(
        None,
        "Padded tokens per forward pass at most (rows × the longest row; a longer row goes "
        f"alone); default: --minibatch × {TOKENS_PER_ROW}, so short texts batch --minibatch "
        "rows and long ones fewer.",
    )
    length_groups: int = option(
        8,
        "Batches of rows of similar length, drawn from pools of this "
        "many batches (1: plain random batches).",
    )
    weak_lr: float = option(5e-4, "Learning rate of the weak model.")
    strong_lr: float = option(
        5e-4,
        "Learning rate of students and ceiling (the published "
        "8e-5 leaves this CPU pair at chance; docs/fidelity.md).",
    )
    warmup_ratio: float = option(0.1, "Share of the steps of the learning rate's warm-up.")
    warmup_steps: int | None = option(
        None, "The learning rate's warm-up in steps (replaces --warmup-ratio)."
    )
    weight_decay: float = option(0.1, "AdamW weight decay.")
    eval_every: int = option(5, "Evaluate on val every N optimizer steps.")
    auc: str = option(
        "prob",
        "What AUC ranks by, for checkpoint choice and test: prob (P(y=1)) or logit "
        "(the raw class-1 logit, as the published code).",
    )
    head_init: str = option(
        "zero", "The classifier head's start: zero, or small (N(0, 0.02) x 0.01, as upstream)."
    )
    patience: int | None = option(None, "Stop after N evaluations without a better val AUC.")
    max_length: int | None = option(
        None,
        "Token limit per text (default: each model's own limit); a longer text loses its "
        "middle, not its start or end.",
    )
    overlap: bool = option(True, "Group test accuracy by the overlap partition.")
    mixing: bool = option(False, "Train students on mixes of overlap share q.")
    mixing_qs: tuple[float, ...] = option((0.0, 0.5, 1.0), "Overlap shares q of the mixes.")
    interventions: tuple[str, ...] = option(
        (),
        "Probe interventions, each with a fine-tuned student (the first --loss): "
        "filter:M, relabel:M, probe:M (M = knn, logistic or topo), confident, overlap, "
        "overlap+hard.",
        flag="--intervention",
    )
    intervention_val: str = option(
        "weak",
        "Validation targets of an intervention's student: weak (the weak labels, every "
        "row) or probe (filtered or relabelled by the probe, as the published code).",
    )
    options: InterventionOptions = option(factory=InterventionOptions)
    save_models: bool = option(False, "Also store each model's trainable weights.")
    device: str = option("auto", DEVICE_HELP)

    preset_given: tuple[str, ...] = internal()
    preset_overrides: tuple[str, ...] = internal(init=False)

    def __post_init__(self) -> None:
        given = self.given_fields()  # before the preset fills in its settings
        object.__setattr__(self, "options", InterventionOptions.of(self.options))
        self._apply_preset()
        super().__post_init__()
        self._check_models()
        self._check_values()
        v.choice(self.auc, self.flag("auc"), AUCS)
        v.choice(self.head_init, self.flag("head_init"), HEAD_INITS)
        v.choice(self.intervention_val, self.flag("intervention_val"), ("weak", "probe"))
        self._check_losses()
        self.classifier()
        for role in ("weak", "strong"):  # the options' checks; the model's limit comes later
            self.train_config(role, 0, self.max_length or TOKENS_PER_ROW)
        smallest = min(self.weak_train, self.strong_train)
        if self.batch_size > smallest:
            raise W2SGError(
                f"batch size {self.batch_size} is larger than the {smallest} train rows"
            )
        if "minibatch" in given and self.minibatch > self.batch_size:
            raise W2SGError(
                f"{self.flag('minibatch')} {self.minibatch} is above {self.flag('batch_size')} "
                f"{self.batch_size}: a forward pass holds one batch at most; give "
                f"{self.flag('minibatch')} {self.batch_size} or less"
            )
        if self.mixing and not self.overlap:
            raise W2SGError("--mixing needs the overlap partition; drop --no-overlap")
        self._check_interventions()
        self._check_no_effect(given)
        check_device_name(self.device, self.flag("device"))

    def _check_values(self) -> None:
        """Each number a number of its kind and range, each switch true or false."""
        for name in ("epochs", "batch_size", "minibatch", "length_groups", "eval_every"):
            v.positive(getattr(self, name), self.flag(name))
        v.positive(self.lora_rank, self.flag("lora_rank"))
        v.positive(self.val, f"{self.flag('val')} (checkpoints are chosen on val)")
        v.whole(self.s2s, self.flag("s2s"), low=0)
        for name in ("logconf_warmup", "warmup_steps"):
            if getattr(self, name) is not None:
                v.whole(getattr(self, name), self.flag(name), low=0)
        if self.patience is not None:
            v.positive(self.patience, self.flag("patience"))
        if self.max_length is not None:
            v.whole(self.max_length, self.flag("max_length"), low=2)
        if self.minibatch_tokens is not None:
            v.positive(self.minibatch_tokens, self.flag("minibatch_tokens"))
        for name in ("weak_lr", "strong_lr", "lora_alpha"):
            v.number(getattr(self, name), self.flag(name), low=0.0, low_open=True)
        v.number(self.weight_decay, self.flag("weight_decay"), low=0.0)
        for name in ("lora_dropout", "warmup_ratio"):
            if v.number(getattr(self, name), self.flag(name), low=0.0) >= 1.0:
                raise W2SGError(f"{self.flag(name)} must be below 1, got {getattr(self, name)}")
        for name in ("lora", "fast_kernels", "overlap", "mixing", "save_models"):
            v.flag_value(getattr(self, name), self.flag(name))
        qs = self.mixing_qs
        if isinstance(qs, str) or not isinstance(qs, tuple | list) or not qs:
            raise W2SGError(f"{self.flag('mixing_qs')} must be a non-empty list, got {qs!r}")
        for q in qs:
            v.number(q, self.flag("mixing_qs") + " entry", low=0.0, high=1.0)
        v.unique(qs, self.flag("mixing_qs"))
        if self.preset is not None:
            v.text(self.preset, self.flag("preset"))
        v.text(self.device, self.flag("device"))

    def _check_losses(self) -> None:
        """The students' losses: given, each once (also when two spellings mean one loss),
        and a weak loss that trains on ground truth."""
        losses = v.strings(self.losses, self.flag("losses"))
        if not losses:
            raise W2SGError(f"give at least one student loss ({self.flag('losses')})")
        specs = self.loss_specs()
        for i, spec in enumerate(specs):
            for j in range(i):
                if specs[j] == spec:
                    raise W2SGError(
                        f"{self.flag('losses')} names one loss twice ({losses[j]!r} and "
                        f"{losses[i]!r}); give each once"
                    )
        weak = v.text(self.weak_loss, self.flag("weak_loss"))
        if LossSpec(name=parse_loss(weak).name).needs_weak_labels:
            raise W2SGError(
                f"the weak model trains on ground truth; loss {self.weak_loss!r} needs weak "
                "labels (use xent)"
            )

    def _check_models(self) -> None:
        """Both models are transformers fine-tuned here (a cut one trains its first K blocks);
        the bag-of-words weak model is a probe-mode model (docs/methods.md#the-weak-model-menu)."""
        weak = parse_model_name(self.weak_model, self.flag("weak_model"))
        if weak.bow:
            raise W2SGError(
                f"{self.flag('weak_model')} {weak.text}: fine-tune mode fine-tunes the weak "
                "model, and a bag-of-words model has nothing to fine-tune; use it in probe mode "
                "(w2sg run, w2sg interventions) or give a transformer"
            )
        check_strong_model(self.strong_model, self.flag("strong_model"))

    def _check_interventions(self) -> None:
        names = v.strings(self.interventions, self.flag("interventions"))
        parsed = [parse_intervention(x) for x in names]
        v.unique([x.name for x in parsed], self.flag("interventions"))
        k = self.options.k
        neighbours = [x.name for x in parsed if x.method in ("knn", "topo")]
        if neighbours and self.strong_train <= k:
            raise W2SGError(
                f"{', '.join(neighbours)} use k={k} neighbours among strong_train's rows; "
                f"give --strong-train above {k}"
            )

    def _check_no_effect(self, given: set[str]) -> None:
        """An option that changes nothing in the combination given is an error naming both:
        the user meant something that would not happen."""
        losses = {s.name for s in self.loss_specs()} | {parse_loss(self.weak_loss).name}
        full = "--full" if self.flag("lora").startswith("--") else "lora=False"
        rules = (
            (("lora_rank", "lora_alpha", "lora_dropout"), not self.lora, f"with {full}"),
            (("mixing_qs",), not self.mixing, f"without {self.flag('mixing')}"),
            (
                ("warmup_ratio",),
                self.warmup_steps is not None,
                f"with {self.flag('warmup_steps')} (the steps replace the ratio)",
            ),
            (
                ("intervention_val", *KNOBS),  # the knobs as the command line names them
                not self.interventions,
                f"without {self.flag('interventions')}",
            ),
            (
                ("logconf_warmup",),
                not losses & {"logconf", "entropy"},
                f"without a logconf or entropy loss ({self.flag('losses')})",
            ),
        )
        for names, idle, why in rules:
            for name in names:
                if name in given and idle:
                    raise W2SGError(
                        f"{self.flag(name)} has no effect {why}"
                        + (f" (under the {self.preset} preset)" if self.preset else "")
                        + f"; drop {self.flag(name)} or change the other option"
                    )

    def loss_specs(self) -> list[LossSpec]:
        """The students' losses, with logconf's and entropy's own warm-up."""
        return [replace(parse_loss(x), warmup_steps=self.logconf_warmup) for x in self.losses]

    def classifier(self) -> ClassifierConfig:
        return ClassifierConfig(
            head_init=self.head_init,
            lora=self.lora,
            rank=self.lora_rank,
            alpha=self.lora_alpha,
            dropout=self.lora_dropout,
            fast_kernels=self.fast_kernels,
        )

    def train_config(self, role: str, seed: int, model_limit: int) -> TrainConfig:
        """The trainer's options for a `role` model whose own token limit is `model_limit`
        (`w2sg.finetune.truncation.model_length`): the length used is `max_length` capped by
        it, or it; the token budget `minibatch_tokens`, or minibatch × 128."""
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            minibatch=self.minibatch,
            minibatch_tokens=self.minibatch_tokens or self.minibatch * TOKENS_PER_ROW,
            length_groups=self.length_groups,
            lr=self.weak_lr if role == "weak" else self.strong_lr,
            weight_decay=self.weight_decay,
            warmup_ratio=self.warmup_ratio,
            warmup_steps=self.warmup_steps,
            auc=self.auc,
            eval_every=self.eval_every,
            patience=self.patience,
            max_length=min(self.max_length or model_limit, model_limit),
            seed=seed,
        )
