"""Tiny randomly initialised models (BERT, GPT-2, Llama, MPNet) saved to disk, with the MiniLM
tokenizer.

They run in milliseconds, so extraction can be checked against a one-text-at-a-time reference
for every pooling, and the cache can be exercised end to end through `resolve_model(path)`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

TEXTS = [
    "a great movie",
    "terrible, just terrible acting and a dull plot that goes nowhere at all",
    "ok",
    "I loved the soundtrack but the story was thin.",
    "Not bad.",
    "The director's best work in years, moving and funny in equal measure.",
    "meh",
    "a film that wants to be clever and mostly is",
    "two hours I will never get back",
    "quietly devastating",
    "the cast is wonderful; the script less so",
    "worth seeing on the big screen",
]


@pytest.fixture(scope="session")
def texts() -> list[str]:
    return list(TEXTS)


def _minilm_dir() -> Path:
    from w2sg.models.resolve import _locate_minilm

    return _locate_minilm()[0]


@pytest.fixture(scope="session")
def minilm_tokenizer_dir() -> Path:
    return _minilm_dir()


def _configs() -> dict:
    import transformers as tf

    common = {"vocab_size": 30522}
    return {
        "bert": tf.BertConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                              num_attention_heads=4, max_position_embeddings=128, **common),
        "gpt2": tf.GPT2Config(n_embd=32, n_layer=2, n_head=4, n_positions=128,
                              bos_token_id=101, eos_token_id=102, **common),
        "llama": tf.LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                num_attention_heads=4, num_key_value_heads=2,
                                max_position_embeddings=128, bos_token_id=101,
                                eos_token_id=102, **common),
        "mpnet": tf.MPNetConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                num_attention_heads=4, max_position_embeddings=130, **common),
    }  # fmt: skip


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """name → folder with a tiny model (random weights, seed 0) and the MiniLM tokenizer."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(_minilm_dir()))
    out = {}
    for name, config in _configs().items():
        torch.manual_seed(0)
        model = AutoModel.from_config(config)
        if name == "gpt2":
            model.config.architectures = ["GPT2LMHeadModel"]
        folder = tmp_path_factory.mktemp(f"tiny-{name}")
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        out[name] = folder
    return out


@pytest.fixture(scope="session")
def tiny_bert(tiny_dirs: dict[str, Path]) -> str:
    return str(tiny_dirs["bert"])
