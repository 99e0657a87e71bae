"""The published fine-tuning settings, each traced to the file and line that fix it.

`eleuther`: EleutherAI/w2s at commit a929af0 (the EleutherAI study's code). `openai`:
openai/weak-to-strong at commit 6b450f2, where that code fixes a setting w2sg has (docs/
fidelity.md lists what neither preset can reproduce, e.g. openai's training without dropout).
"""

from __future__ import annotations

from w2sg.presets import Preset, Setting

_E = "EleutherAI/w2s@a929af0 "
_O = "openai/weak-to-strong@6b450f2 "

ELEUTHER = Preset(
    "eleuther",
    "the EleutherAI/w2s settings (commit a929af0)",
    (
        Setting("weak_lr", 5e-4, _E + "w2s/sft_config.py: weak_lr: float = 5e-4"),
        Setting("strong_lr", 8e-5, _E + "w2s/sft_config.py: strong_lr: float = 8e-5"),
        Setting("epochs", 3, _E + "w2s/sft_config.py: n_epochs: float = 3"),
        Setting("batch_size", 32, _E + "w2s/sft_config.py: batch_size: int = 32"),
        Setting("minibatch", 1, _E + "w2s/sft_config.py: minibatch_size: int = 1"),
        Setting("length_groups", 1, _E + "w2s/sft.py: transformers.Trainer's random sampler"),
        Setting("warmup_steps", 40, _E + "w2s/sft_config.py: n_warmup_steps: int = 40"),
        Setting("weight_decay", 0.1, _E + "w2s/sft_config.py: weight_decay: float = 0.1"),
        Setting("eval_every", 25, _E + "w2s/sft_config.py: eval_every: int = 25"),
        Setting("patience", None, _E + "w2s/sft.py: load_best_model_at_end, no early stopping"),
        Setting("logconf_warmup", 100, _E + "w2s/loss.py: logconf_warmup_steps: int = 100"),
        Setting("lora", True, _E + "w2s/sft_config.py: disable_lora: bool = False"),
        Setting("lora_rank", 8, _E + "w2s/model.py: LoraConfig(...) with peft's default r=8"),
        Setting(
            "lora_alpha", 8.0, _E + "w2s/model.py: LoraConfig(...) with peft's default alpha 8"
        ),
        Setting("lora_dropout", 0.0, _E + "w2s/model.py: LoraConfig(...) with peft's default 0.0"),
        Setting(
            "max_length",
            None,
            _E + "w2s/sft.py: tokenizer(..., truncation=True), the tokenizer's own limit",
        ),
        Setting("auc", "logit", _E + "w2s/sft.py: roc_auc(hard_labels, predictions[:, 1])"),
        Setting("head_init", "small", _E + "w2s/model.py: model.score.weight.data *= 0.01"),
        Setting(
            "intervention_val",
            "probe",
            _E + "w2s/sft.py: probe_filter / probe_relabel on 'train' and 'val'",
        ),
        Setting("options.k", 50, _E + "w2s/probe.py: KnnProbeConfig.k: int = 50"),
        Setting("options.probe_l2", 1e-3, _E + "w2s/probe.py: LogisticProbeConfig.l2p = 1e-3"),
        Setting("options.contamination", 0.1, _E + "w2s/sft_config.py: contamination: float = 0.1"),
    ),
)

OPENAI = Preset(
    "openai",
    "the openai/weak-to-strong settings w2sg can take (commit 6b450f2; no LoRA, lr of gpt2)",
    (
        Setting("lora", False, _O + "weak_to_strong/train.py: every parameter trained"),
        Setting("weak_lr", 5e-5, _O + "train_simple.py: MODEL_CONFIGS gpt2 default_lr=5e-5"),
        Setting("strong_lr", 5e-5, _O + "train_simple.py: MODEL_CONFIGS gpt2 default_lr=5e-5"),
        Setting("epochs", 2, _O + "train_simple.py: main(epochs: int = 2)"),
        Setting("batch_size", 32, _O + "train_simple.py: main(batch_size: int = 32)"),
        Setting("minibatch", 1, _O + "train_simple.py: minibatch_size_per_device = 1"),
        Setting("length_groups", 1, _O + "weak_to_strong/train.py: batches in data order"),
        Setting("warmup_steps", 0, _O + "weak_to_strong/train.py: CosineAnnealingLR, no warm-up"),
        Setting(
            "eval_every", 1_000_000, _O + "train_simple.py: eval_every = 1000000 (the last step)"
        ),
        Setting("head_init", "zero", _O + "weak_to_strong/model.py: normal_(std=0.0)"),
    ),
)

PRESETS = {p.name: p for p in (ELEUTHER, OPENAI)}
