"""Presets: every published setting pinned to the upstream line it came from; the options a
user gives win over a preset and are recorded; a bad preset is one error line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from w2sg.cli.build import build_config
from w2sg.errors import W2SGError
from w2sg.finetune.config import FinetuneConfig
from w2sg.finetune.presets import PRESETS
from w2sg.report.blocks import to_markdown
from w2sg.report.run_summaries import preset_blocks

# What was read in the published code (EleutherAI/w2s at a929af0; openai/weak-to-strong at
# 6b450f2): field -> (value, the file and the text that sets it).
ELEUTHER = {
    "weak_lr": (5e-4, "w2s/sft_config.py: weak_lr: float = 5e-4"),
    "strong_lr": (8e-5, "w2s/sft_config.py: strong_lr: float = 8e-5"),
    "epochs": (3, "w2s/sft_config.py: n_epochs: float = 3"),
    "batch_size": (32, "w2s/sft_config.py: batch_size: int = 32"),
    "minibatch": (1, "w2s/sft_config.py: minibatch_size: int = 1"),
    "length_groups": (1, "w2s/sft.py"),
    "warmup_steps": (40, "w2s/sft_config.py: n_warmup_steps: int = 40"),
    "weight_decay": (0.1, "w2s/sft_config.py: weight_decay: float = 0.1"),
    "eval_every": (25, "w2s/sft_config.py: eval_every: int = 25"),
    "patience": (None, "w2s/sft.py"),
    "logconf_warmup": (100, "w2s/loss.py: logconf_warmup_steps: int = 100"),
    "lora": (True, "w2s/sft_config.py: disable_lora: bool = False"),
    "lora_rank": (8, "w2s/model.py"),
    "lora_alpha": (8.0, "w2s/model.py"),
    "lora_dropout": (0.0, "w2s/model.py"),
    "auc": ("logit", "w2s/sft.py: roc_auc(hard_labels, predictions[:, 1])"),
    "head_init": ("small", "w2s/model.py: model.score.weight.data *= 0.01"),
    "max_length": (None, "w2s/sft.py: tokenizer(..., truncation=True), the tokenizer's own limit"),
    "intervention_val": ("probe", "w2s/sft.py: probe_filter / probe_relabel"),
    "options.k": (50, "w2s/probe.py: KnnProbeConfig.k: int = 50"),
    "options.probe_l2": (1e-3, "w2s/probe.py: LogisticProbeConfig.l2p = 1e-3"),
    "options.contamination": (0.1, "w2s/sft_config.py: contamination: float = 0.1"),
}
OPENAI = {
    "lora": (False, "weak_to_strong/train.py"),
    "weak_lr": (5e-5, "train_simple.py: MODEL_CONFIGS gpt2 default_lr=5e-5"),
    "strong_lr": (5e-5, "train_simple.py: MODEL_CONFIGS gpt2 default_lr=5e-5"),
    "epochs": (2, "train_simple.py: main(epochs: int = 2)"),
    "batch_size": (32, "train_simple.py: main(batch_size: int = 32)"),
    "minibatch": (1, "train_simple.py: minibatch_size_per_device = 1"),
    "length_groups": (1, "weak_to_strong/train.py"),
    "warmup_steps": (0, "weak_to_strong/train.py: CosineAnnealingLR"),
    "eval_every": (1_000_000, "train_simple.py: eval_every = 1000000"),
    "head_init": ("zero", "weak_to_strong/model.py: normal_(std=0.0)"),
}


@pytest.mark.parametrize(("name", "table", "repo"), [
    ("eleuther", ELEUTHER, "EleutherAI/w2s@a929af0"),
    ("openai", OPENAI, "openai/weak-to-strong@6b450f2"),
])  # fmt: skip
def test_every_preset_value_is_pinned_to_its_upstream_source(name, table, repo) -> None:
    settings = {s.field: s for s in PRESETS[name].settings}
    assert set(settings) == set(table)
    for field, (value, where) in table.items():
        s = settings[field]
        assert s.value == value and type(s.value) is type(value), field
        assert s.source.startswith(repo) and where in s.source, (field, s.source)


def test_a_preset_fills_in_its_settings_and_nested_ones() -> None:
    c = FinetuneConfig.from_preset("eleuther")
    assert (c.strong_lr, c.minibatch, c.eval_every, c.auc) == (8e-5, 1, 25, "logit")
    assert c.options.probe_l2 == 1e-3 and c.loss_specs()[1].warmup_steps == 100
    assert c.preset_overrides == ()
    assert FinetuneConfig().preset_overrides == () and FinetuneConfig().strong_lr == 5e-4


def test_an_option_given_wins_over_the_preset_and_is_recorded() -> None:
    c = FinetuneConfig.from_preset("eleuther", strong_lr=1e-4, eval_every=5)
    assert c.strong_lr == 1e-4 and c.eval_every == 5 and c.minibatch == 1
    assert c.preset_overrides == ("eval_every", "strong_lr")
    block = c.preset_json()
    assert block is not None
    over = {s["field"]: s for s in block["settings"] if s["overridden"]}
    assert over["strong_lr"]["value"] == 1e-4 and over["strong_lr"]["preset"] == 8e-5
    # the summary says so, beside the preset's sources
    text = to_markdown(preset_blocks({"preset": block}))
    assert "the options given win over it for eval_every, strong_lr" in text
    assert "w2s/sft_config.py: strong_lr: float = 8e-5" in text


def test_an_option_given_on_the_command_line_wins_even_at_its_default() -> None:
    """`--eval-every 5` is the w2sg default, yet given explicitly it overrides the preset."""
    from w2sg.cli.build import specs

    given = {spec.name: None for spec in specs(FinetuneConfig)}
    given.update(preset="eleuther", eval_every=5, seeds="0", losses="xent,logconf",
                 mixing_qs="0,0.5,1", interventions="")  # fmt: skip
    for spec in specs(FinetuneConfig):
        if given.get(spec.name) is None and spec.default is not None:
            given[spec.name] = spec.default if spec.kind is not tuple else ",".join(
                str(x) for x in spec.default)  # fmt: skip
    c = build_config(FinetuneConfig, given, explicit=["preset", "eval_every"])
    assert c.eval_every == 5 and c.preset_overrides == ("eval_every",) and c.minibatch == 1


def test_an_unknown_preset_is_one_line() -> None:
    with pytest.raises(W2SGError, match="unknown preset 'eleutherai'.*known: eleuther, openai"):
        FinetuneConfig(preset="eleutherai")
    done = subprocess.run(
        [sys.executable, "-m", "w2sg", "finetune", "--preset", "nope"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: unknown preset 'nope' for FinetuneConfig; known: eleuther, openai"
    ]


def test_a_copy_of_a_preset_config_keeps_its_settings_without_calling_them_given() -> None:
    """`dataclasses.replace` hands the preset's values back as arguments: they are still the
    preset's, not options given (eleuther's `intervention_val` without interventions is fine),
    while a value the user gave is still checked."""
    import dataclasses

    copy = dataclasses.replace(FinetuneConfig.from_preset("eleuther"), seeds=(1,))
    assert copy.intervention_val == "probe" and copy.preset_overrides == ()
    with pytest.raises(W2SGError, match="intervention_val has no effect"):
        FinetuneConfig.from_preset("eleuther", intervention_val="weak")
