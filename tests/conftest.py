"""Shared test set-up: an isolated w2sg cache per test session unless one is given, and tiny
randomly initialised models (BERT, GPT-2, Llama) saved to disk with the MiniLM tokenizer.

The tiny models run in milliseconds, so extraction can be checked against a one-text-at-a-time
reference for every pooling, the cache exercised end to end through `resolve_model(path)`, and
a probe-mode run finished on generated data without the real models.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@pytest.fixture(scope="session", autouse=True)
def _w2sg_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point W2SG_CACHE at a session folder; W2SG_TEST_CACHE keeps one across runs.

    Unpacked offline models are reused from the user's cache (W2SG_MODEL_CACHE) where set.
    """
    root = os.environ.get("W2SG_TEST_CACHE")
    path = Path(root) if root else tmp_path_factory.mktemp("w2sg-cache")
    path.mkdir(parents=True, exist_ok=True)
    os.environ["W2SG_CACHE"] = str(path)
    return path


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


_POS = ["good", "great", "superb", "lovely", "fine"]
_NEG = ["bad", "awful", "dull", "boring", "poor"]
_FILL = ["the", "film", "was", "plot", "acting", "music", "story", "really", "cast", "scene"]


@pytest.fixture(scope="session")
def sentiment_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated CSV of 240 short reviews (text, label): a sentiment word says the label,
    one in eight says the other; a bag of words and a tiny model both learn something."""
    import numpy as np

    rng = np.random.default_rng(0)
    lines = ["text,label"]
    for i in range(240):
        y = i % 2
        said = y if rng.random() > 0.125 else 1 - y
        words = [str(w) for w in rng.choice(_FILL, size=int(rng.integers(3, 8)))]
        word = str(rng.choice(_POS if said else _NEG))
        words.insert(int(rng.integers(0, len(words) + 1)), word)
        lines.append(f"{' '.join(words)} {i},{y}")
    path = tmp_path_factory.mktemp("sentiment") / "corpus.csv"
    path.write_text("\n".join(lines) + "\n")
    return path
