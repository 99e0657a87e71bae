"""The literature registry (docs/tasks.md): every task's formatter on rows in its source's own
schema, and each task's Hub source (issue 15: what `datasets.load_dataset` 5.x receives).

Each case writes a handful of rows per Hub split, in that dataset's column layout, into a temp
folder and loads it with `load_task(name, data_dir=...)`. Nothing reaches the Hub: for the Hub
path, `datasets.load_dataset` is replaced by a function that records its arguments and returns
rows in the source's schema, or raises the exception types datasets 5.x raises (a script
repository, a bare id, a missing repository, no network).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pytest
from datasets.exceptions import DatasetNotFoundError
from huggingface_hub.errors import HfUriError

from w2sg.data.hf_source import PARQUET_BRANCH, HubSource
from w2sg.data.registry import PAPER_TASKS, SOURCES, TASKS, get_task, load_task
from w2sg.data.sources import ETHICS_PARQUET, SCRIPT_REPOS, SIQA_COMMIT, UNPINNED
from w2sg.errors import W2SGError

Row = dict[str, Any]
N_ROWS = 10  # per split


@dataclass(frozen=True)
class Case:
    """Sample rows of one task and what its texts must show.

    `make(tag, i)` builds row i in the source schema; `tag` is unique to the row and appears in
    its first field. `parts(row)`: fragments the text holds, in order. Classification: `label`.
    Multiple choice: `answers(row)` = (right answer or None, wrong answers) and `candidate(text)`
    = the answer the text proposes.
    """

    make: Callable[[str, int], Row]
    parts: Callable[[Row], list[str]]
    splits: dict[str, str] = field(default_factory=lambda: {"train": "train", "test": "test"})
    label: Callable[[Row], int] | None = None
    answers: Callable[[Row], tuple[str | None, list[str]]] | None = None
    candidate: Callable[[str], str] | None = None


def _after(marker: str) -> Callable[[str], str]:
    return lambda text: text.rsplit(marker, 1)[1]


def _quoted_answer(text: str) -> str:
    return text.rsplit('Is the answer "', 1)[1].removesuffix('"?')


def _others(options: list[str], right: str) -> list[str]:
    return [o for o in options if o != right]


def _pick(options: list[str], right: int) -> tuple[str, list[str]]:
    """The right option and the wrong ones."""
    return options[right], _others(options, options[right])


def _best_continuation(text: str) -> str:
    return text.rsplit('Q: Is "', 1)[1].removesuffix('" the best continuation?')


def _utilitarian_pick(text: str) -> str:
    found = re.fullmatch(r"Which is more pleasant\?\n1\) (.*)\n2\) (.*) A: ([12])", text, re.S)
    assert found, text
    return found.group(int(found.group(3)))


VALIDATION = {"train": "train", "test": "validation"}
LETTERS = ["A", "B", "C", "D"]

CASES: dict[str, Case] = {
    "anli-r2": Case(
        make=lambda t, i: {"uid": t, "premise": f"The sky {t} is clear.",
                           "hypothesis": f"It is day {t}.", "label": i % 3, "reason": ""},
        parts=lambda r: [r["premise"], r["hypothesis"], "Does the premise entail the hypothesis?"],
        splits={"train": "train_r2", "test": "test_r2"},
        label=lambda r: int(r["label"] == 0),
    ),
    "cola": Case(
        make=lambda t, i: {"sentence": f"The cat {t} sat.", "label": i % 2, "idx": i},
        parts=lambda r: [r["sentence"]], splits=VALIDATION, label=lambda r: r["label"],
    ),
    "dream": Case(
        make=lambda t, i: {"dialogue_id": f"d{i}", "dialogue": [f"M: hello {t}", f"W: hi {t}"],
                           "question": f"What did he say {t}?",
                           "choice": [f"hello {t}", f"bye {t}", f"maybe {t}"],
                           "answer": [f"hello {t}", f"bye {t}", f"maybe {t}"][i % 3]},
        parts=lambda r: [*r["dialogue"], "Q: " + r["question"]],
        answers=lambda r: _pick(r["choice"], r["choice"].index(r["answer"])),
        candidate=_after(" A: "),
    ),
    "ethics-deontology": Case(
        make=lambda t, i: {"scenario": f"Could you walk my dog {t}?",
                           "excuse": f"But the dog {t} is asleep.", "label": i % 2},
        parts=lambda r: ["morally valid excuse", r["scenario"], r["excuse"]],
        label=lambda r: r["label"],
    ),
    "ethics-justice": Case(
        make=lambda t, i: {"scenario": f"I paid him {t} because he worked.", "label": i % 2},
        parts=lambda r: ["exemplify justice", r["scenario"]], label=lambda r: r["label"],
    ),
    "ethics-virtue": Case(
        make=lambda t, i: {"scenario": f"He helped her {t} up. [SEP] kind", "label": i % 2},
        parts=lambda r: ["match the adjective", r["scenario"]], label=lambda r: r["label"],
    ),
    "ethics-utilitarianism": Case(
        make=lambda t, i: {"baseline": f"I ate cake {t}.", "less_pleasant": f"I dropped it {t}."},
        parts=lambda r: ["Which is more pleasant?"],
        answers=lambda r: (r["baseline"], [r["less_pleasant"]]),
        candidate=_utilitarian_pick,
    ),
    "mc_taco": Case(
        make=lambda t, i: {"sentence": f"He slept {t}.", "question": f"How long {t}?",
                           "answer": f"{i} hours", "label": i % 2, "category": "Event Duration"},
        parts=lambda r: [r["sentence"], r["question"], f"Is the answer {r['answer']}?"],
        splits={"train": "test", "test": "validation"},  # its test split serves as train
        label=lambda r: r["label"],
    ),
    "hellaswag": Case(
        make=lambda t, i: {"ind": i, "activity_label": "Running", "ctx_a": "A man", "ctx_b": "",
                           "ctx": f"A man {t} is running",
                           "endings": [f"he stops {t}", f"he flies {t}", f"he sings {t}",
                                       f"he swims {t}"],
                           "source_id": "x", "split": "train", "split_type": "indomain",
                           "label": str(i % 4)},
        parts=lambda r: [r["ctx"], *r["endings"], "best continuation?"],
        splits=VALIDATION,
        answers=lambda r: _pick(r["endings"], int(r["label"])),
        candidate=_best_continuation,
    ),
    "multirc": Case(
        make=lambda t, i: {"paragraph": f"Anna {t} went home.", "question": f"Where {t}?",
                           "answer": f"home {i}", "idx": {"paragraph": 0, "question": i,
                                                          "answer": 0}, "label": i % 2},
        parts=lambda r: [r["paragraph"], r["question"], r["answer"]],
        splits=VALIDATION, label=lambda r: r["label"],
    ),
    "openbookqa": Case(
        make=lambda t, i: {"id": t, "question_stem": f"What is {t}?",
                           "choices": {"text": [f"{w} {t}" for w in ("alpha", "beta", "gamma",
                                                                      "delta")],
                                       "label": LETTERS},
                           "answerKey": LETTERS[i % 4]},
        parts=lambda r: [r["question_stem"], "A) " + r["choices"]["text"][0],
                         "D) " + r["choices"]["text"][3], "Answer: "],
        answers=lambda r: _pick(r["choices"]["text"], LETTERS.index(r["answerKey"])),
        candidate=_after("Answer: "),
    ),
    "paws": Case(
        make=lambda t, i: {"id": i, "sentence1": f"A dog {t} barks.",
                           "sentence2": f"A barking dog {t}.", "label": i % 2},
        parts=lambda r: [r["sentence1"], r["sentence2"], "semantically equivalent?"],
        label=lambda r: r["label"],
    ),
    "piqa": Case(
        make=lambda t, i: {"goal": f"Open a jar {t}", "sol1": f"twist the lid {t}",
                           "sol2": f"hit the jar {t}", "label": i % 2},
        parts=lambda r: ["Q: " + r["goal"], " A: "], splits=VALIDATION,
        answers=lambda r: _pick([r["sol1"], r["sol2"]], r["label"]),
        candidate=_after(" A: "),
    ),
    "quail": Case(
        make=lambda t, i: {"id": t, "context_id": "c", "question_id": "q", "domain": "fiction",
                           "metadata": {"author": "", "title": "", "url": ""},
                           "context": f"Story {t}.", "question": f"Who won {t}?",
                           "question_type": "Entity_properties",
                           "answers": [f"Ann {t}", f"Bob {t}", f"Cy {t}", f"Di {t}"],
                           "correct_answer_id": i % 4},
        parts=lambda r: [r["context"], r["question"], "Is the answer"], splits=VALIDATION,
        answers=lambda r: _pick(r["answers"], r["correct_answer_id"]),
        candidate=_quoted_answer,
    ),
    "quartz": Case(
        make=lambda t, i: {"id": t, "question": f"Is it hotter {t}?",
                           "choices": {"text": [f"more {t}", f"less {t}"], "label": ["A", "B"]},
                           "answerKey": "AB"[i % 2], "para": f"Heat rises {t}.",
                           "para_id": "p", "para_anno": {}, "question_anno": {}},
        parts=lambda r: [r["para"], r["question"], "Is the answer"],
        answers=lambda r: _pick(r["choices"]["text"], "AB".index(r["answerKey"])),
        candidate=_quoted_answer,
    ),
    "social_i_qa": Case(
        make=lambda t, i: {"context": f"Sam {t} fell.", "question": f"How does Sam feel {t}?",
                           "answerA": f"sad {t}", "answerB": f"glad {t}", "answerC": f"hungry {t}",
                           "label": str(i % 3 + 1)},
        parts=lambda r: [r["context"], r["question"], r["answerA"], r["answerB"], r["answerC"],
                         "Is the answer"],
        splits=VALIDATION,
        answers=lambda r: _pick([r["answerA"], r["answerB"], r["answerC"]], int(r["label"]) - 1),
        candidate=_quoted_answer,
    ),
    "sst2": Case(
        make=lambda t, i: {"idx": i, "sentence": f"a fine film {t}", "label": i % 2},
        parts=lambda r: [r["sentence"]], splits=VALIDATION, label=lambda r: r["label"],
    ),
    "wic": Case(
        make=lambda t, i: {"word": "bank", "sentence1": f"The bank {t} was shut.",
                           "sentence2": f"The river bank {t}.", "start1": 4, "start2": 10,
                           "end1": 8, "end2": 14, "idx": i, "label": i % 2},
        parts=lambda r: [r["sentence1"], r["sentence2"], 'Does "bank" have the same meaning'],
        splits=VALIDATION, label=lambda r: r["label"],
    ),
    "twitter-sentiment": Case(
        make=lambda t, i: {"text": f"loving this {t}", "label": i % 2},
        parts=lambda r: [r["text"]], label=lambda r: r["label"],
    ),
    "sciq": Case(
        make=lambda t, i: {"question": f"What gas {t}?", "distractor3": f"neon {t}",
                           "distractor1": f"argon {t}", "distractor2": f"helium {t}",
                           "correct_answer": f"oxygen {t}", "support": f"Oxygen {t} is a gas."},
        parts=lambda r: ["Q: " + r["question"], " A: "],
        splits={"train": "train", "test": "test", "pooled": "validation"},
        answers=lambda r: (r["correct_answer"],
                           [r["distractor1"], r["distractor2"], r["distractor3"]]),
        candidate=_after(" A: "),
    ),
    "anthropic_hh": Case(
        make=lambda t, i: {"chosen": f"\n\nHuman: hi {t}\n\nAssistant: hello {t}",
                           "rejected": f"\n\nHuman: hi {t}\n\nAssistant: go away {t}"},
        parts=lambda r: [r["chosen"].split("\n\nAssistant")[0]],
        answers=lambda r: (r["chosen"], [r["rejected"]]), candidate=lambda text: text,
    ),
    "cosmos_qa": Case(
        make=lambda t, i: {"id": t, "context": f"We met {t}.", "question": f"Why {t}?",
                           "answer0": f"luck {t}", "answer1": f"fate {t}",
                           "answer2": f"work {t}",
                           "answer3": "None of the above choices ." if i == 3 else f"school {t}",
                           "label": i % 4},
        parts=lambda r: ["Context: " + r["context"], "Question: " + r["question"], "Answer: "],
        splits=VALIDATION,
        answers=lambda r: _cosmos_answers(r), candidate=_after("Answer: "),
    ),
    "boolq": Case(
        make=lambda t, i: {"question": f"is it true {t}", "answer": i % 2 == 0,
                           "passage": f"A passage {t}."},
        parts=lambda r: ["Passage: " + r["passage"], "Question: " + r["question"]],
        splits=VALIDATION, label=lambda r: int(r["answer"]),
    ),
    "amazon_polarity": Case(
        make=lambda t, i: {"label": i % 2, "title": f"Great {t}", "content": f"Works well {t}."},
        parts=lambda r: [r["title"], r["content"]], label=lambda r: r["label"],
    ),
}  # fmt: skip
CASES["sciq_with_support"] = Case(
    make=CASES["sciq"].make,
    parts=lambda r: [r["support"], r["question"], "Is the answer"],
    splits=CASES["sciq"].splits,
    answers=CASES["sciq"].answers,
    candidate=_quoted_answer,
)


def _cosmos_answers(row: Row) -> tuple[str | None, list[str]]:
    options = [row[f"answer{k}"] for k in range(4)]
    right = options[row["label"]]
    if right.startswith("None of the above"):
        return None, _others(options, right)
    return right, _others(options, right)


def _rows(case: Case, hub_split: str) -> list[Row]:
    return [case.make(f"[{hub_split}-{i:02d}]", i) for i in range(N_ROWS)]


def _write(folder: Path, case: Case, suffix: str = ".jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for hub_split in case.splits.values():
        lines = [json.dumps(r) for r in _rows(case, hub_split)]
        (folder / f"{hub_split}{suffix}").write_text("\n".join(lines) + "\n")
    return folder


def _row_of(text: str, rows: list[Row]) -> Row:
    """The one source row whose unique tag (e.g. "[train-03]") the text holds."""
    tag = re.search(r"\[[a-z_0-9]+-\d\d\]", text)
    assert tag, text
    found = [r for r in rows if tag.group(0) in json.dumps(r)]
    assert len(found) == 1, text
    return found[0]


def _check_text(case: Case, text: str, label: int, row: Row) -> None:
    """Template order, and the label the row calls for."""
    at = 0
    for part in case.parts(row):
        found = text.find(part, at)
        assert found >= 0, f"{part!r} missing or out of order in {text!r}"
        at = found + len(part)
    assert label in (0, 1)
    if case.label is not None:
        assert label == case.label(row)
    else:
        right, wrong = case.answers(row)
        proposed = case.candidate(text)
        if label == 1:
            assert proposed == right
        else:
            assert proposed in wrong and proposed != right


@pytest.fixture(scope="module")
def task_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every task's sample rows, one folder per task, as per-split JSON-lines files."""
    base = tmp_path_factory.mktemp("registry")
    return {name: _write(base / name, case) for name, case in CASES.items()}


def test_every_task_has_a_case_and_the_spec_table() -> None:
    assert len(TASKS) == 25 and set(CASES) == set(TASKS)
    assert len(PAPER_TASKS) == 19 and set(PAPER_TASKS) <= set(TASKS)
    assert not {"ethics-virtue", "openbookqa", "sciq_with_support"} & set(PAPER_TASKS)
    assert TASKS["mc_taco"].train_split == "test" and TASKS["mc_taco"].test_split == "validation"
    assert (TASKS["anli-r2"].test_split, TASKS["anli-r2"].train_split) == ("test_r2", "train_r2")
    assert TASKS["sciq"].test_pool_size == 3000


@pytest.mark.parametrize("name", sorted(CASES))
def test_task_formats_its_source_rows(name: str, task_dirs: dict[str, Path]) -> None:
    case = CASES[name]
    pooled = "pooled" in case.splits
    everything: list[Row] = []
    seen: list[int] = []
    for part in ("train", "test"):
        hub_names = list(case.splits.values()) if pooled else [case.splits[part]]
        rows = [r for h in hub_names for r in _rows(case, h)]
        data = load_task(name, split=part, data_dir=task_dirs[name])
        assert data.name == name and data.sources is None
        matched = [_row_of(str(t), rows) for t in data.texts]
        for text, label, row in zip(data.texts, data.labels, matched, strict=True):
            _check_text(case, str(text), int(label), row)
        if not pooled:
            assert len(data) == N_ROWS and len({id(r) for r in matched}) == N_ROWS
        everything += matched
        seen += data.labels.tolist()
    assert sorted(seen) != [0] * len(seen) and sorted(seen) != [1] * len(seen)
    if pooled:  # the two parts partition the pool
        assert len({json.dumps(r) for r in everything}) == len(everything) == 3 * N_ROWS


@pytest.mark.parametrize("name", sorted(CASES))
def test_pairing_is_seeded(name: str, task_dirs: dict[str, Path]) -> None:
    first = load_task(name, data_dir=task_dirs[name], seed=0)
    again = load_task(name, data_dir=task_dirs[name], seed=0)
    other = load_task(name, data_dir=task_dirs[name], seed=1)
    assert first.texts.tolist() == again.texts.tolist()
    assert first.labels.tolist() == again.labels.tolist()
    if TASKS[name].kind == "multiple_choice":
        assert (first.texts.tolist(), first.labels.tolist()) != (
            other.texts.tolist(),
            other.labels.tolist(),
        )
    else:
        assert first.texts.tolist() == other.texts.tolist()


def test_all_pools_both_parts_with_a_source_column(task_dirs: dict[str, Path]) -> None:
    both = load_task("dream", split="all", data_dir=task_dirs["dream"], seed=3)
    train = load_task("dream", split="train", data_dir=task_dirs["dream"], seed=3)
    test = load_task("dream", split="test", data_dir=task_dirs["dream"], seed=3)
    assert both.source_counts() == {"train": N_ROWS, "test": N_ROWS}
    assert both.texts[both.sources == "train"].tolist() == train.texts.tolist()
    assert both.texts[both.sources == "test"].tolist() == test.texts.tolist()
    assert both.meta["split"] == "all" and both.meta["seed"] == 3


def test_meta_names_origin_template_and_licence(task_dirs: dict[str, Path]) -> None:
    data = load_task("boolq", split="test", data_dir=task_dirs["boolq"])
    assert str(task_dirs["boolq"] / "validation.jsonl") in data.meta["origin"]
    assert data.meta["template"] == "Passage: {passage}\nQuestion: {question}"
    assert data.meta["licence"] == "CC BY-SA 3.0" and data.meta["hub_id"] == "google/boolq"
    assert load_task("dream", data_dir=task_dirs["dream"]).meta["licence"] == "see the dataset card"


def test_ids_hash_texts_and_repeated_texts_collapse(tmp_path: Path) -> None:
    rows = [{"sentence": s, "label": y, "idx": i} for i, (s, y) in enumerate(
        [("same words", 1), ("other words", 0), ("same words", 1)])]  # fmt: skip
    (tmp_path / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    data = load_task("sst2", data_dir=tmp_path)
    assert data.texts.tolist() == ["same words", "other words"]
    assert len(set(data.ids.tolist())) == 2 and all(len(i) == 16 for i in data.ids)


def test_empty_texts_are_dropped(tmp_path: Path) -> None:
    rows = [{"text": "", "label": 1}, {"text": "  ", "label": 0}, {"text": "fine", "label": 1}]
    (tmp_path / "test.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    data = load_task("twitter-sentiment", split="test", data_dir=tmp_path)
    assert data.texts.tolist() == ["fine"] and data.labels.tolist() == [1]


def test_cosmos_none_of_the_above_is_always_label_0(tmp_path: Path) -> None:
    row = CASES["cosmos_qa"].make("[validation-03]", 3)
    assert row["answer3"] == "None of the above choices ." and row["label"] == 3
    (tmp_path / "validation.jsonl").write_text(json.dumps(row) + "\n")
    for seed in range(8):
        data = load_task("cosmos_qa", split="test", data_dir=tmp_path, seed=seed)
        assert data.labels.tolist() == [0]
        assert "None of the above" not in str(data.texts[0])


def test_utilitarianism_puts_the_pleasant_scenario_first_or_second(
    task_dirs: dict[str, Path],
) -> None:
    data = load_task("ethics-utilitarianism", data_dir=task_dirs["ethics-utilitarianism"])
    firsts = {str(t).split("\n")[1].startswith("1) I ate cake") for t in data.texts}
    assert firsts == {True, False}


def test_sciq_test_pool_matches_datasets_train_test_split(task_dirs: dict[str, Path]) -> None:
    folder = task_dirs["sciq"]
    pool = [r for h in ("train", "validation", "test") for r in _rows(CASES["sciq"], h)]
    split = datasets.Dataset.from_list(pool).train_test_split(test_size=N_ROWS * 3 // 2, seed=0)
    expected = [r["question"] for r in split["test"]]
    data = load_task("sciq", split="test", data_dir=folder)
    assert [_row_of(str(t), pool)["question"] for t in data.texts] == expected
    support = load_task("sciq_with_support", split="test", data_dir=folder)
    assert [_row_of(str(t), pool)["question"] for t in support.texts] == expected


def test_save_to_disk_dataset_dict(tmp_path: Path) -> None:
    case = CASES["hellaswag"]
    saved = datasets.DatasetDict(
        {h: datasets.Dataset.from_list(_rows(case, h)) for h in ("train", "validation")}
    )
    saved.save_to_disk(str(tmp_path / "hs"))
    data = load_task("hellaswag", split="test", data_dir=tmp_path / "hs")
    rows = _rows(case, "validation")
    assert len(data) == N_ROWS
    for text, label in zip(data.texts, data.labels, strict=True):
        _check_text(case, str(text), int(label), _row_of(str(text), rows))


def test_save_to_disk_folder_per_split_under_the_task_name(tmp_path: Path) -> None:
    case = CASES["boolq"]
    for h in ("train", "validation"):
        datasets.Dataset.from_list(_rows(case, h)).save_to_disk(str(tmp_path / "boolq" / h))
    data = load_task("boolq", data_dir=tmp_path)  # finds tmp_path/boolq
    assert sorted(data.labels.tolist()) == [0] * 5 + [1] * 5
    assert str(tmp_path / "boolq" / "train") in data.meta["origin"]


def test_parquet_and_csv_files(tmp_path: Path) -> None:
    case = CASES["hellaswag"]
    (tmp_path / "pq" / "data").mkdir(parents=True)
    shard = tmp_path / "pq" / "data" / "train-00000-of-00001.parquet"
    datasets.Dataset.from_list(_rows(case, "train")).to_parquet(str(shard))
    assert len(load_task("hellaswag", data_dir=tmp_path / "pq")) == N_ROWS
    datasets.Dataset.from_list(_rows(CASES["boolq"], "train")).to_csv(str(tmp_path / "train.csv"))
    data = load_task("boolq", data_dir=tmp_path)
    assert data.labels.tolist() == [int(i % 2 == 0) for i in range(N_ROWS)]


def test_unknown_task_lists_the_known_ones() -> None:
    with pytest.raises(W2SGError, match=r"unknown task 'imdb'; known tasks: anli-r2, cola.*boolq"):
        load_task("imdb")
    assert get_task("ANLI_R2").name == "anli-r2" and get_task("Social-I-QA").name == "social_i_qa"


def test_bad_split_argument(task_dirs: dict[str, Path]) -> None:
    with pytest.raises(W2SGError, match="split must be 'train', 'test' or 'all', not 'val'"):
        load_task("boolq", split="val", data_dir=task_dirs["boolq"])  # type: ignore[arg-type]


def test_missing_split_names_the_folder_and_the_split(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text(json.dumps({"question": "q", "answer": True,
                                                      "passage": "p"}) + "\n")  # fmt: skip
    with pytest.raises(W2SGError, match=rf"{tmp_path}: no 'validation' split found.*train.jsonl"):
        load_task("boolq", split="test", data_dir=tmp_path)


def test_missing_column_names_the_file_and_the_column(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text(json.dumps({"question": "q", "passage": "p"}) + "\n")
    with pytest.raises(W2SGError) as error:
        load_task("boolq", data_dir=tmp_path)
    message = str(error.value)
    assert "train.jsonl" in message and "has no column 'answer'" in message
    assert "\n" not in message


def test_saved_dataset_dict_without_the_split(tmp_path: Path) -> None:
    datasets.DatasetDict({"train": datasets.Dataset.from_list(_rows(CASES["sst2"], "train"))}
                         ).save_to_disk(str(tmp_path))  # fmt: skip
    with pytest.raises(W2SGError, match="saved DatasetDict has no 'validation' split"):
        load_task("sst2", split="test", data_dir=tmp_path)


def test_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(W2SGError, match="does not exist"):
        load_task("sst2", data_dir=tmp_path / "nowhere")


def test_row_outside_the_schema_names_the_file(tmp_path: Path) -> None:
    row = CASES["openbookqa"].make("[train-00]", 0) | {"answerKey": "E"}
    (tmp_path / "train.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(W2SGError, match=r"openbookqa: row 0 of .*train.jsonl does not fit"):
        load_task("openbookqa", data_dir=tmp_path)


def test_unlabelled_rows_are_refused(tmp_path: Path) -> None:
    row = CASES["cosmos_qa"].make("[validation-00]", 0) | {"label": -1}
    (tmp_path / "validation.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(W2SGError, match="answer index -1 is not one of the 4 choices"):
        load_task("cosmos_qa", split="test", data_dir=tmp_path)


def test_unreachable_hub_says_to_pass_a_data_dir(tmp_path: Path) -> None:
    code = (
        "from w2sg.data.registry import load_task\n"
        "from w2sg.errors import W2SGError\n"
        "try:\n    load_task('boolq')\nexcept W2SGError as e:\n    print('ERR', e)\n"
    )
    env = os.environ | {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
                        "HF_HOME": str(tmp_path / "hf")}  # fmt: skip
    env.pop("HF_DATASETS_CACHE", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    assert done.stdout.startswith(
        "ERR boolq: could not load split 'train' of google/boolq from the Hugging Face Hub: "
        "the Hub is unreachable (Couldn't reach 'google/boolq' on the Hub"
    )
    assert "pass --data-dir with a local copy" in done.stdout
    assert done.stdout.count("\n") == 1


def test_formatters_draw_from_the_given_generator() -> None:
    row = CASES["sciq"].make("[x-00]", 0)
    texts = {TASKS["sciq"].formatter(row, np.random.default_rng(s))[0] for s in range(40)}
    assert texts == {f"Q: What gas [x-00]? A: {a} [x-00]"
                     for a in ("oxygen", "argon", "helium", "neon")}  # fmt: skip


# ================================================================ Hub sources (issue 15)

#: the tasks whose mirror or Parquet export could not be pinned to a commit from the record
EXPECTED_UNPINNED = {"dream", "mc_taco", "cosmos_qa", "piqa"}
#: the hub ids as the record has them today (issue 15's table, checked against
#: lm-evaluation-harness task files and the dataset cards)
EXPECTED_IDS = {
    "anli-r2": "facebook/anli", "cola": "nyu-mll/glue", "dream": "dataset-org/dream",
    "ethics-deontology": "hendrycks/ethics", "ethics-justice": "hendrycks/ethics",
    "ethics-virtue": "hendrycks/ethics", "ethics-utilitarianism": "hendrycks/ethics",
    "mc_taco": "CogComp/mc_taco", "hellaswag": "Rowan/hellaswag", "multirc": "aps/super_glue",
    "openbookqa": "allenai/openbookqa", "paws": "google-research-datasets/paws",
    "piqa": "baber/piqa", "quail": "textmachinelab/quail", "quartz": "allenai/quartz",
    "social_i_qa": "lighteval/siqa", "sst2": "stanfordnlp/sst2", "wic": "aps/super_glue",
    "twitter-sentiment": "EleutherAI/twitter-sentiment", "sciq": "allenai/sciq",
    "sciq_with_support": "allenai/sciq", "anthropic_hh": "Anthropic/hh-rlhf",
    "cosmos_qa": "allenai/cosmos_qa", "boolq": "google/boolq",
    "amazon_polarity": "fancyzhx/amazon_polarity",
}  # fmt: skip
HEX40 = re.compile(r"[0-9a-f]{40}")


# ---------------------------------------------------------------- the registry, pinned


def test_every_task_has_its_source_and_every_id_is_namespaced() -> None:
    assert set(SOURCES) == set(TASKS)
    assert {name: spec.hub_id for name, spec in TASKS.items()} == EXPECTED_IDS
    for name, spec in TASKS.items():
        assert spec.source is SOURCES[name]
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", spec.hub_id), name


def test_no_script_repository_is_loaded_from_its_main_branch() -> None:
    for name, source in SOURCES.items():
        if source.id in SCRIPT_REPOS:
            assert source.revision == PARQUET_BRANCH or source.pinned, name
    # the bare ids and script repositories datasets 5.x refuses appear nowhere
    refused = {"super_glue", "paws", "quail", "sciq", "boolq", "amazon_polarity", "piqa",
               "social_i_qa", "dream", "mc_taco", "cosmos_qa", "ybisk/piqa",
               "allenai/social_i_qa"}  # fmt: skip
    assert not refused & {s.id for s in SOURCES.values()}


def test_revisions_are_pinned_commits_except_the_listed_ones() -> None:
    for name, source in SOURCES.items():
        assert source.revision in (None, PARQUET_BRANCH) or HEX40.fullmatch(source.revision), name
    needs_pin = {n for n, s in SOURCES.items() if s.mirror or s.revision is not None}
    unpinned = {n for n in needs_pin if not SOURCES[n].pinned}
    assert unpinned == EXPECTED_UNPINNED == set(UNPINNED)
    assert all(UNPINNED[n] for n in UNPINNED)  # each says why
    assert SOURCES["social_i_qa"].revision == SIQA_COMMIT
    assert SIQA_COMMIT == "54c6a1f8cb6daf4f5abf24a601852612fb35eb25"
    assert ETHICS_PARQUET == "a915b47457c891ae9b511e12d41567a4bb085375"


def test_ethics_reads_its_parquet_export_and_tests_on_the_hard_set() -> None:
    for config in ("deontology", "justice", "virtue", "utilitarianism"):
        spec = TASKS[f"ethics-{config}"]
        assert (spec.source.id, spec.source.revision) == ("hendrycks/ethics", ETHICS_PARQUET)
        assert spec.source.data_dir == config and spec.config is None
        assert (spec.test_split, spec.train_split) == ("test", "train")  # test = test_hard.csv


def test_row_counts_of_the_record() -> None:
    recorded = {n: dict(s.rows) for n, s in SOURCES.items() if s.rows}
    sciq = {"train": 11679, "validation": 1000, "test": 1000}
    assert recorded == {
        "dream": {"train": 6116, "validation": 2040, "test": 2041},
        "hellaswag": {"validation": 10042},
        "paws": {"train": 49401, "validation": 8000, "test": 8000},
        "quail": {"train": 10246, "validation": 2164, "challenge": 556},
        "social_i_qa": {"train": 33410, "validation": 1954},
        "sciq": sciq, "sciq_with_support": sciq,
        "cosmos_qa": {"train": 25262, "validation": 2985, "test": 6963},
        "boolq": {"train": 9427, "validation": 3270},
        "amazon_polarity": {"train": 3_600_000, "test": 400_000},
    }  # fmt: skip
    for name, counts in recorded.items():  # each count is of a split the task reads, or more
        spec = TASKS[name]
        assert spec.test_split.split("+")[0] in counts, name


def test_describe_shortens_a_pinned_commit() -> None:
    assert SOURCES["ethics-virtue"].describe() == "hendrycks/ethics @a915b474 [data_dir=virtue]"
    assert SOURCES["paws"].describe() == "google-research-datasets/paws (labeled_final)"
    assert SOURCES["dream"].describe() == (
        "dataset-org/dream @refs/convert/parquet [data_dir=plain_text]"
    )
    assert HubSource("a/b", revision="main").pinned is False


# ---------------------------------------------------------------- loading through the Hub path


class FakeHub:
    """Stands in for `datasets.load_dataset`: records the call, returns source-schema rows."""

    def __init__(self, sizes: dict[str, int] | None = None, error: Exception | None = None):
        self.calls: list[dict[str, Any]] = []
        self.sizes = sizes or {}
        self.error = error
        self.by_tag: dict[str, dict] = {}

    def __call__(self, path: str, name: str | None = None, **kwargs: Any) -> datasets.Dataset:
        self.calls.append({"path": path, "name": name, **kwargs})
        if self.error is not None:
            raise self.error
        task = next(
            n
            for n, s in SOURCES.items()
            if (s.id, s.config, s.data_dir) == (path, name, kwargs["data_dir"])
        )
        split = kwargs["split"]
        rows = []
        for i in range(self.sizes.get(split, N_ROWS)):  # distinct rows, tags as "[test12-34]"
            tag = f"[{split}{i // 100}-{i % 100:02d}]"
            rows.append(CASES[task].make(tag, i))
            self.by_tag[tag] = rows[-1]
        return datasets.Dataset.from_list(rows)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_each_task_passes_its_whole_source_to_load_dataset(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = TASKS[name]
    source = SOURCES[name]
    if sum(source.expected_rows(s) or 0 for s in spec.test_split.split("+")) > 5000:
        source = dataclasses.replace(source, rows=())  # keep the test small; counts: below
        monkeypatch.setitem(TASKS, name, dataclasses.replace(spec, source=source))
    hub = FakeHub(sizes=dict(source.rows))
    monkeypatch.setattr(datasets, "load_dataset", hub)
    data = load_task(name, split="test")
    assert [c["split"] for c in hub.calls] == spec.test_split.split("+")
    for call in hub.calls:
        assert call == {"path": source.id, "name": source.config, "split": call["split"],
                        "revision": source.revision, "data_dir": source.data_dir}  # fmt: skip
    assert data.meta["hub_id"] == source.id and data.meta["revision"] == source.revision
    assert data.meta["origin"].startswith(f"hub:{source.describe()} [")
    total = sum(source.expected_rows(s) or N_ROWS for s in spec.test_split.split("+"))
    assert len(data) == (min(spec.test_pool_size, total // 2) if spec.test_pool_size else total)
    for text, label in zip(data.texts, data.labels, strict=True):
        tag = re.search(r"\[[a-z_0-9]+-\d\d\]", str(text))
        assert tag, text
        _check_text(CASES[name], str(text), int(label), hub.by_tag[tag.group(0)])


def test_the_record_count_passes_and_a_wrong_count_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(datasets, "load_dataset", FakeHub(sizes={"validation": 1954}))
    assert len(load_task("social_i_qa", split="test")) == 1954
    monkeypatch.setattr(datasets, "load_dataset", FakeHub(sizes={"validation": 1953}))
    with pytest.raises(W2SGError) as error:
        load_task("social_i_qa", split="test")
    assert str(error.value) == (
        "social_i_qa: split 'validation' of lighteval/siqa @54c6a1f8 has 1,953 rows, the record "
        "says 1,954; this is not the expected copy of the dataset (check the id and revision, "
        "or pass --data-dir with a local copy)"
    )


HUB_FAILURES = {
    "script": (RuntimeError("Dataset scripts are no longer supported, but found boolq.py"),
               "the repository holds a loading script, which datasets 5.x does not run"),
    "bare id": (HfUriError(uri="boolq", msg="Repository id must be 'namespace/name', got "
                                            "'boolq'."),
                "the id is not of the form 'namespace/name'"),
    "missing": (DatasetNotFoundError("Dataset 'google/boolq' doesn't exist on the Hub or "
                                     "cannot be accessed."),
                "no such dataset on the Hub, or no access"),
    "offline": (ConnectionError("Couldn't reach 'google/boolq' on the Hub (OfflineModeIsEnabled)"),
                "the Hub is unreachable"),
    "bad config": (ValueError("BuilderConfig 'x' not found.\nAvailable: ['default']"),
                   "ValueError: BuilderConfig 'x' not found."),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(HUB_FAILURES))
def test_a_hub_failure_is_one_line_naming_task_source_and_remedy(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error, reason = HUB_FAILURES[kind]
    monkeypatch.setattr(datasets, "load_dataset", FakeHub(error=error))
    with pytest.raises(W2SGError) as raised:
        load_task("boolq", split="test")
    message = str(raised.value)
    assert message.startswith(
        f"boolq: could not load split 'validation' of google/boolq from the Hugging Face Hub: "
        f"{reason}"
    )
    assert message.endswith(
        "; pass --data-dir with a local copy (a save_to_disk folder or files named "
        "validation.jsonl / validation.parquet / validation.csv)"
    )
    assert "\n" not in message and raised.value.__cause__ is error


def test_a_hub_failure_of_an_export_names_its_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "load_dataset", FakeHub(error=ConnectionError("offline")))
    with pytest.raises(W2SGError) as raised:
        load_task("ethics-virtue", split="test")
    assert str(raised.value) == (
        "ethics-virtue: could not load split 'test' of hendrycks/ethics @a915b474 "
        "[data_dir=virtue] from the Hugging Face Hub: the Hub is unreachable (offline); pass "
        "--data-dir with a local copy (a save_to_disk folder or files named test.jsonl / "
        "test.parquet / test.csv, or virtue/test/*.parquet)"
    )


# ---------------------------------------------------------------- local copies, source schemas


def _parquet(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    datasets.Dataset.from_list(rows).to_parquet(str(path))


def test_an_ethics_export_copy_keeps_the_hard_test_set(tmp_path: Path) -> None:
    """A downloaded Parquet export (`<config>/<split>/0000.parquet`, all four configs)."""
    case = CASES["ethics-justice"]
    for config in ("deontology", "justice", "virtue", "utilitarianism"):
        for split, tag in (("train", "train"), ("validation", "easy"), ("test", "hard")):
            maker = CASES[f"ethics-{config}"].make
            _parquet(tmp_path / config / split / "0000.parquet",
                     [maker(f"[{tag}-{i:02d}]", i) for i in range(6)])  # fmt: skip
    data = load_task("ethics-justice", split="test", data_dir=tmp_path)
    assert len(data) == 6 and all("[hard-" in str(t) for t in data.texts)
    assert str(tmp_path / "justice" / "test" / "0000.parquet") in data.meta["origin"]
    rows = [case.make(f"[hard-{i:02d}]", i) for i in range(6)]
    for text, label in zip(data.texts, data.labels, strict=True):
        _check_text(case, str(text), int(label), _row_of(str(text), rows))
    virtue = load_task("ethics-virtue", split="train", data_dir=tmp_path)
    assert all("[train-" in str(t) and "[SEP]" in str(t) for t in virtue.texts)


def test_siqa_string_labels_in_parquet_and_a_zero_based_copy_is_refused(tmp_path: Path) -> None:
    case = CASES["social_i_qa"]
    rows = _rows(case, "validation")
    assert {type(r["label"]) for r in rows} == {str}
    _parquet(tmp_path / "siqa" / "validation.parquet", rows)
    data = load_task("social_i_qa", split="test", data_dir=tmp_path / "siqa")
    for text, label in zip(data.texts, data.labels, strict=True):
        _check_text(case, str(text), int(label), _row_of(str(text), rows))
    shifted = [r | {"label": str(int(r["label"]) - 1)} for r in rows]  # a 0-based relabelling
    _parquet(tmp_path / "zero" / "validation.parquet", shifted)
    with pytest.raises(W2SGError, match=r"label '0' is not one of '1', '2', '3' \(1-based"):
        load_task("social_i_qa", split="test", data_dir=tmp_path / "zero")


def test_boolq_bool_answers_in_parquet(tmp_path: Path) -> None:
    rows = _rows(CASES["boolq"], "validation")
    _parquet(tmp_path / "validation.parquet", rows)
    assert (
        datasets.Dataset.from_parquet(str(tmp_path / "validation.parquet")).features["answer"].dtype
        == "bool"
    )
    data = load_task("boolq", split="test", data_dir=tmp_path)
    by_passage = {r["passage"]: int(r["answer"]) for r in rows}
    got = {str(t).split("\n")[0].removeprefix("Passage: "): int(y)
           for t, y in zip(data.texts, data.labels, strict=True)}  # fmt: skip
    assert got == by_passage and set(got.values()) == {0, 1}


def test_hellaswag_string_labels_in_parquet(tmp_path: Path) -> None:
    case = CASES["hellaswag"]
    rows = _rows(case, "validation")
    assert {type(r["label"]) for r in rows} == {str}
    _parquet(tmp_path / "data" / "validation-00000-of-00001.parquet", rows)
    data = load_task("hellaswag", split="test", data_dir=tmp_path)
    assert len(data) == len(rows)
    for text, label in zip(data.texts, data.labels, strict=True):
        _check_text(case, str(text), int(label), _row_of(str(text), rows))


def test_piqa_mirror_files_named_by_split(tmp_path: Path) -> None:
    """baber/piqa keeps the original columns; a copy saved per split loads as the original."""
    case = CASES["piqa"]
    rows = _rows(case, "validation")
    _parquet(tmp_path / "validation" / "0000.parquet", rows)
    data = load_task("piqa", split="test", data_dir=tmp_path)
    for text, label in zip(data.texts, data.labels, strict=True):
        _check_text(case, str(text), int(label), _row_of(str(text), rows))


def test_datasets_resolves_a_parquet_export_with_the_registry_arguments(tmp_path: Path) -> None:
    """datasets 5.x's own file resolution on an export's layout (config folders of split
    folders, next to older top-level files and duckdb indexes), given the registry's data_dir:
    the same resolution the Hub path runs at the pinned revision."""
    export = tmp_path / "ethics-export"
    for config in ("deontology", "utilitarianism"):
        maker = CASES[f"ethics-{config}"].make
        for split, tag in (("train", "train"), ("validation", "easy"), ("test", "hard")):
            _parquet(export / config / split / "0000.parquet",
                     [maker(f"[{tag}-{i:02d}]", i) for i in range(3)])  # fmt: skip
            (export / config / split / "index.duckdb").write_bytes(b"\0" * 64)
        _parquet(export / config / "ethics-test.parquet", [maker("[stale-00]", 0)])
    source = SOURCES["ethics-utilitarianism"]
    rows = datasets.load_dataset(
        str(export),
        source.config,
        split="test",
        data_dir=source.data_dir,
        cache_dir=str(tmp_path / "cache"),
    )
    assert list(rows["baseline"]) == [f"I ate cake [hard-{i:02d}]." for i in range(3)]  # test_hard
