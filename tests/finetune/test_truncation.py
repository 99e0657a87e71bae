"""Texts over the token limit lose their middle, not their end, and the run counts them: the rule
on its own, and a boolq task file with passages far over a tiny model's limit run end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import w2sg.finetune.stage as stage_module
import w2sg.finetune.trainer as trainer_module
from w2sg.errors import W2SGError
from w2sg.finetune.config import FinetuneConfig
from w2sg.finetune.run import prepare, run_finetune
from w2sg.finetune.truncation import RULE, cut_middle, encode, totals, warning

LIMIT = 48  # the tiny tokenizers' model_max_length (tiny MPNet's position table holds 62)
WORDS = "the river city old house green small dog ran over hill under bridge near long".split()


# ------------------------------------------------------------------------------ the rule


def test_cut_middle_keeps_head_and_tail_exactly() -> None:
    ids = list(range(100))
    out = cut_middle(ids, 20, prefix=1, suffix=1)  # room 18: head 4, tail 14
    assert out == [0, 1, 2, 3, 4, *range(85, 99), 99]
    assert cut_middle(ids, 9) == [0, 1, *range(93, 100)]  # no special tokens: head 9 // 4


def test_cut_middle_leaves_short_texts_and_never_exceeds_the_limit() -> None:
    assert cut_middle([5, 6, 7], 3, 1, 1) == [5, 6, 7]
    assert cut_middle([5, 6], 40, 1, 1) == [5, 6]
    rng = np.random.default_rng(0)
    for _ in range(300):
        n, prefix, suffix = (
            int(rng.integers(1, 80)),
            int(rng.integers(0, 3)),
            int(rng.integers(0, 3)),
        )
        limit = int(rng.integers(prefix + suffix + 1, 90))
        ids = list(range(1000, 1000 + n + prefix + suffix))
        out = cut_middle(ids, limit, prefix, suffix)
        assert len(out) == min(limit, len(ids))
        if len(ids) > limit:
            room = limit - prefix - suffix
            head = prefix + room // 4
            assert out[:head] == ids[:head]  # the start, special tokens included
            assert out[head:] == ids[len(ids) - (limit - head) :]  # the end, exactly
    with pytest.raises(W2SGError, match="no room for text"):
        cut_middle(list(range(10)), 2, 1, 1)


def test_encode_keeps_special_tokens_in_place(tiny) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny["bert"])
    question = "is it true that the dog can swim"
    long = "Passage: " + " ".join(WORDS * 10) + "\nQuestion: " + question
    ids, cut = encode(tok, [long, "Passage: short\nQuestion: why"], 32)
    assert cut.tolist() == [True, False] and len(ids[0]) == 32
    assert ids[0][0] == tok.cls_token_id and ids[0][-1] == tok.sep_token_id
    decoded = tok.decode(ids[0], skip_special_tokens=True)
    assert decoded.startswith("passage : the river") and decoded.endswith(question)
    assert ids[1] == tok("Passage: short\nQuestion: why")["input_ids"]


def test_warning_only_above_one_percent() -> None:
    seed = {"weak": {"val": {"rows": 100, "truncated": 1, "limit": 64}},
            "strong": {"val": {"rows": 100, "truncated": 0, "limit": 512}}}  # fmt: skip
    assert warning(totals([seed])) is None
    summed = totals([seed, seed])
    assert summed["weak"]["val"] == {"rows": 200, "truncated": 2, "limit": 64}
    seed["strong"]["val"]["truncated"] = 2
    line = warning(totals([seed]))
    assert line is not None and "\n" not in line and "strong val 2/100 (limit 512)" in line


def test_config_resolves_the_limit_and_the_token_budget() -> None:
    config = FinetuneConfig(weak_train=64, strong_train=64, val=16, test=16)
    assert config.max_length is None
    t = config.train_config("strong", 0, 512)
    assert (t.max_length, t.minibatch_tokens) == (512, 16 * 128)
    capped = FinetuneConfig(weak_train=64, strong_train=64, val=16, test=16, max_length=128)
    assert capped.train_config("weak", 0, 64).max_length == 64
    with pytest.raises(W2SGError, match="max.length must be >= 2"):
        FinetuneConfig(max_length=1)


# ------------------------------------------------------------------- a boolq task end to end


def _boolq_rows(split: str, n: int, rng: np.random.Generator) -> list[dict]:
    """Rows in google/boolq's schema; two in three with a passage far over the limit."""
    rows = []
    for i in range(n):
        words = int(rng.integers(60, 160)) if i % 3 else 3
        passage = " ".join(rng.choice(WORDS, size=words))
        question = f"is it true that row {i} of {split} is green"
        rows.append({"question": question, "answer": i % 2 == 0, "passage": passage})
    return rows


@pytest.fixture(scope="module")
def boolq_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("boolq")
    rng = np.random.default_rng(3)
    for split, n in (("train", 100), ("validation", 40)):  # test rows come from validation
        lines = [json.dumps(r) for r in _boolq_rows(split, n, rng)]
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def short_tiny(tiny, tmp_path_factory) -> dict[str, str]:
    """The tiny BERT and MPNet with a tokenizer whose own limit is LIMIT tokens."""
    from transformers import AutoTokenizer

    out = {}
    for name in ("bert", "mpnet"):
        folder = tmp_path_factory.mktemp(f"short-{name}")
        shutil.copytree(tiny[name], folder, dirs_exist_ok=True)
        tok = AutoTokenizer.from_pretrained(tiny[name], model_max_length=LIMIT)
        tok.save_pretrained(folder)
        out[name] = str(folder)
    return out


def test_boolq_run_counts_cut_rows_and_keeps_every_question(
    tmp_path, monkeypatch, boolq_dir, short_tiny
) -> None:
    from transformers import AutoTokenizer

    config = FinetuneConfig(
        dataset="boolq", dataset_options={"data_dir": str(boolq_dir)},
        weak_model=short_tiny["bert"], strong_model=short_tiny["mpnet"], weak_train=32,
        strong_train=32, val=16, test=16, losses=("xent",), epochs=1, batch_size=16,
        minibatch=8, eval_every=2, overlap=False,
    )  # fmt: skip
    fed: list[list[int]] = []
    real_collate = trainer_module._collate

    def spy(ids, rows, pad, device):
        fed.extend(list(ids[i]) for i in rows)
        return real_collate(ids, rows, pad, device)

    keys: list[dict] = []
    real_key = stage_module.stage_key
    monkeypatch.setattr(trainer_module, "_collate", spy)
    monkeypatch.setattr(stage_module, "stage_key", lambda **f: keys.append(f) or real_key(**f))
    lines: list[str] = []
    results = run_finetune(config, tmp_path / "run", log=lines.append)

    # every split of both models counted, as the tokenizer sees the texts
    tok = AutoTokenizer.from_pretrained(short_tiny["mpnet"])
    splits = prepare(config, lambda _m: None)[1][0].splits
    for role in ("weak", "strong"):
        for split in ("weak_train", "strong_train", "val", "test"):
            texts = getattr(splits, split).texts
            over = sum(len(tok(str(t))["input_ids"]) > LIMIT for t in texts)
            expect = {"rows": len(texts), "truncated": over, "limit": LIMIT}
            assert results["per_seed"][0]["truncation"][role][split] == expect
            assert results["truncation"][role][split] == expect
    assert 0 < results["truncation"]["strong"]["val"]["truncated"] < 16

    # what the models saw: at most LIMIT tokens, the passage's start and the question's end
    questions = [
        str(t).rsplit("Question: ", 1)[1]
        for part in ("weak_train", "strong_train", "val", "test")
        for t in getattr(splits, part).texts
    ]
    assert len(fed) > 100 and max(map(len, fed)) == LIMIT
    for ids in fed:
        text = tok.decode(ids, skip_special_tokens=True)
        assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id
        assert text.startswith("passage :")
        assert any(text.endswith(q) for q in questions), text

    # one warning line; the stage key holds the resolved limit and the rule
    warned = [x for x in lines if x.startswith("warning: texts over the token limit")]
    assert len(warned) == 1 and "strong val" in warned[0]
    stage_keys = [k for k in keys if "truncation" in k]
    assert stage_keys and all(k["truncation"] == RULE for k in stage_keys)
    assert {k["train"]["max_length"] for k in stage_keys} == {LIMIT}
    assert {k["train"]["minibatch_tokens"] for k in stage_keys} == {8 * 128}
    summary = (tmp_path / "run" / "summary.md").read_text()
    cut = results["truncation"]["strong"]["val"]["truncated"]
    assert "Rows cut to the token limit" in summary and f"| {cut} / 16 |" in summary
