"""The weak model per task on the results page: the chosen rows of a val scan, or one error."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from w2sg.benchmark.choice import choice_blocks
from w2sg.errors import W2SGError
from w2sg.report.blocks import to_markdown
from w2sg.stats.gaps import ChoiceRule, choose_weak, gap_table


def _scan(tmp_path: Path, split: str = "val") -> Path:
    """A gaps.json as `w2sg gap` writes it, from per-seed rows of two tasks and two choices."""
    rows = []
    for seed, (a, b) in enumerate([(0.70, 0.66), (0.72, 0.64), (0.71, 0.65)]):
        for dataset, weak, acc, ceiling in (
            ("rt", "minilm-l6", a, 0.84),
            ("rt", "tfidf", b, 0.84),
            ("nyt", "minilm-l6", 0.80, 0.82),  # a gap of 0.02: no choice
        ):
            rows.append({"dataset": dataset, "weak_model": weak, "strong_model": "mpnet-base",
                         "method": "weak400", "weak_train": 400, "strong_train": 1000,
                         "val": 400, "seed": seed, "weak_accuracy": acc,
                         "ceiling_accuracy": ceiling})  # fmt: skip
    table = choose_weak(gap_table(pd.DataFrame(rows)), ChoiceRule())
    chosen = table[table["chosen"]]
    data = {
        "split": split,
        "rule": {"min_gap": 0.05, "min_weak": 0.65},
        "choices": {r["dataset"]: r["weak_model"] for r in chosen.to_dict("records")},
        "without_choice": sorted(set(table["dataset"]) - set(chosen["dataset"])),
        "table": json.loads(table.to_json(orient="records")),
    }
    path = tmp_path / "gaps.json"
    path.write_text(json.dumps(data))
    return path


def test_the_page_lists_each_chosen_weak_model_with_its_val_gap(tmp_path: Path) -> None:
    text = to_markdown(choice_blocks(_scan(tmp_path)))
    assert "## The weak model per task" in text
    line = next(x for x in text.splitlines() if x.startswith("| rt "))
    # minilm-l6 is the stronger eligible choice: weak 0.710 ± 0.010, gap 0.840 - 0.710 = 0.130
    assert "`minilm-l6`" in line and "0.710 ± 0.010" in line and "0.130 ± 0.010" in line
    assert "tfidf" not in line
    assert "No choice clears the rule on nyt." in text
    assert "at least 0.05" in text and "never on test" in text


def test_a_scan_on_test_or_a_broken_file_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(W2SGError, match="on 'test'; the benchmark's choices are made on val"):
        choice_blocks(_scan(tmp_path, split="test"))
    cut = tmp_path / "cut.json"
    cut.write_text(_scan(tmp_path).read_text()[:50])
    with pytest.raises(W2SGError, match="not valid JSON"):
        choice_blocks(cut)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"split": "val", "rule": {}, "choices": {}, "table": [{"x": 1}]}))
    with pytest.raises(W2SGError, match="bad.json"):
        choice_blocks(bad)
