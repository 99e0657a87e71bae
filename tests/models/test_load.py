"""Model files are read once per process: tokenizers shared, configurations copied."""

from __future__ import annotations

import os
import shutil

from w2sg.models.load import load_config, load_tokenizer
from w2sg.models.resolve import resolve_model


def test_a_tokenizer_is_loaded_once_until_its_files_change(tiny_bert, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_bert, folder)
    resolved = resolve_model(str(folder))
    first = load_tokenizer(resolved)
    assert load_tokenizer(resolved) is first
    assert first.padding_side == "right" and first.pad_token is not None
    stamp = (folder / "tokenizer.json").stat().st_mtime_ns + 10**9
    os.utime(folder / "tokenizer.json", ns=(stamp, stamp))  # a new version of the files
    again = load_tokenizer(resolved)
    assert again is not first
    assert again("a film")["input_ids"] == first("a film")["input_ids"]


def test_each_caller_gets_its_own_configuration(tiny_bert):
    resolved = resolve_model(tiny_bert)
    config = load_config(resolved)
    blocks = config.num_hidden_layers
    config.num_hidden_layers = 0  # a caller's change stays its own
    assert load_config(resolved).num_hidden_layers == blocks
    cut = load_config(resolve_model(f"{tiny_bert}:layer1"))
    assert cut.num_hidden_layers == 1 and load_config(resolved).num_hidden_layers == blocks
