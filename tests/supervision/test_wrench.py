"""The WRENCH-format reader on small written folders (docs/methods.md#weak-supervision)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from w2sg.data import load_dataset, own_test_pool
from w2sg.data.wrench import load_wrench, mark_entities, wrench_path
from w2sg.errors import W2SGError


def _write(folder: Path, splits: dict[str, dict], labels: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        (folder / f"{split}.json").write_text(json.dumps(rows))
    if labels is not None:
        (folder / "label.json").write_text(json.dumps(labels))
    return folder


def _text_rows(prefix: str, n: int) -> dict:
    return {
        str(i): {
            "label": i % 2,
            "weak_labels": [i % 2, -1 if i % 3 else 1 - i % 2, -1],
            "data": {"text": f"{prefix} text number {i}"},
        }
        for i in range(n)
    }


@pytest.fixture
def text_task(tmp_path: Path) -> Path:
    splits = {
        "train": _text_rows("train", 6),
        "valid": _text_rows("valid", 2),
        "test": _text_rows("test", 4),
    }
    return _write(tmp_path / "toy_text", splits, {"0": "ham", "1": "spam"})


def test_text_task_reads_labels_abstains_and_texts(text_task):
    task = load_wrench(text_task)
    assert task.kind == "text" and task.class_names == ("ham", "spam")
    assert task.n_functions == 3
    train = task.splits["train"]
    assert train.ids.tolist() == ["0", "1", "2", "3", "4", "5"]
    assert train.labels.tolist() == [0, 1, 0, 1, 0, 1]
    assert train.weak_labels.dtype == np.int8
    assert train.weak_labels[:4].tolist() == [[0, 1, -1], [1, -1, -1], [0, -1, -1], [1, 0, -1]]
    assert train.texts[2] == "train text number 2" and train.features is None


def test_text_task_as_a_dataset_keeps_wrenchs_test_split(text_task):
    ds = load_dataset(f"wrench:{text_task}")
    assert len(ds) == 12 and ds.name == "wrench_toy_text"
    assert ds.ids[:2].tolist() == ["train:0", "train:1"]
    assert own_test_pool(ds).sum() == 4
    assert load_dataset(str(text_task)).ids.tolist() == ds.ids.tolist()  # a plain folder works
    task = load_wrench(text_task)
    matrix = task.label_matrix(np.array(["test:3", "train:0"]))
    assert matrix.tolist() == [[1, 0, -1], [0, 1, -1]]


def test_feature_task_reads_features(tmp_path):
    rows = {
        s: {
            f"r{i}": {
                "label": i % 2,
                "weak_labels": [i % 2, -1],
                "data": {"feature": [float(i), 2.5 * i, -1]},
            }
            for i in range(n)
        }
        for s, n in (("train", 5), ("valid", 2), ("test", 3))
    }
    task = load_wrench(_write(tmp_path / "toy_features", rows))
    assert task.kind == "feature" and task.class_names == ("0", "1")
    test = task.splits["test"]
    np.testing.assert_array_equal(test.features, [[0, 0, -1], [1, 2.5, -1], [2, 5, -1]])
    assert test.texts is None and test.weak_labels.tolist() == [[0, -1], [1, -1], [0, -1]]
    with pytest.raises(W2SGError, match="feature task"):
        task.to_text_dataset()


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ({"label": 1, "weak_labels": [1, 0, -1]}, "row 'bad': missing 'data'"),
        ({"label": "x", "weak_labels": [1, 0, -1], "data": {"text": "t"}}, "row 'bad': label"),
        ({"label": 1, "weak_labels": [1, 0], "data": {"text": "t"}}, "row 'bad': 2 weak labels"),
        ({"label": 1, "weak_labels": [1, -2, 0], "data": {"text": "t"}}, "row 'bad': weak_"),
        ({"label": 1, "weak_labels": [1, 0, 0], "data": {}}, "row 'bad': data needs"),
        ({"label": 1, "weak_labels": [1, 0, 0], "data": {"feature": [1]}}, "row 'bad': a feature"),
    ],
)
def test_a_malformed_row_is_named_with_its_file(text_task, row, match):
    rows = _text_rows("valid", 2)
    rows["bad"] = row
    (text_task / "valid.json").write_text(json.dumps(rows))
    with pytest.raises(W2SGError, match=match) as info:
        load_wrench(text_task)
    assert "valid.json" in str(info.value)


def test_multiclass_tasks_are_refused_clearly(tmp_path, text_task):
    rows = _text_rows("train", 3)
    rows["1"]["label"] = 2
    (text_task / "train.json").write_text(json.dumps(rows))
    with pytest.raises(W2SGError, match="multi-class WRENCH task \\(3 classes\\)"):
        load_wrench(text_task)
    (text_task / "label.json").write_text(json.dumps({"0": "a", "1": "b", "2": "c"}))
    with pytest.raises(W2SGError, match="multi-class"):
        load_wrench(text_task)


def test_missing_files_and_folders(tmp_path, text_task):
    (text_task / "test.json").unlink()
    with pytest.raises(W2SGError, match="needs test.json"):
        load_wrench(text_task)
    with pytest.raises(W2SGError, match="no such WRENCH folder"):
        load_dataset(f"wrench:{tmp_path / 'nowhere'}")
    assert wrench_path(str(tmp_path)) is None


def _feature_task(folder: Path, seed: int = 0) -> Path:
    """A feature task whose label functions see one feature each, noisily; the MLP sees all."""
    rng = np.random.default_rng(seed)
    splits = {}
    for split, n in (("train", 800), ("valid", 50), ("test", 400)):
        y = rng.integers(0, 2, n)
        x = rng.normal(size=(n, 6)) + np.outer(2 * y - 1, [1.0, 1.0, 1.0, 1.0, 0, 0])
        votes = (x[:, :3] > 0).astype(int) ^ (rng.random((n, 3)) < 0.2)  # 20 % flipped
        weak = np.where(np.abs(x[:, :3]) > 0.3, votes, -1)
        splits[split] = {
            str(i): {"label": int(y[i]), "weak_labels": weak[i].tolist(),
                     "data": {"feature": x[i].tolist()}}
            for i in range(n)
        }  # fmt: skip
    return _write(folder, splits)


def test_feature_task_runs_label_model_weak_and_mlp_strong(tmp_path):
    from w2sg.study.feature_task import run_feature_task

    task = load_wrench(_feature_task(tmp_path / "toy"))
    run = run_feature_task(task, label_model="majority", seed=0, epochs=30)
    out = run.outcome
    test = task.splits["test"]
    assert out.weak["accuracy"] == ((run.supervision.test_probs > 0.5) == test.labels).mean()
    # the MLP sees every feature: it beats the votes it learned from, and its ceiling is high
    assert out.ceiling["accuracy"] > 0.9
    assert out.w2s["accuracy"] > out.weak["accuracy"] + 0.05
    counts = run.overlap.counts()
    assert counts["n_overlap"] + counts["n_easy_only"] + counts["n_hard_only"] == 400
    assert run.to_json()["weak_supervisor"]["label_model"] == {"name": "majority"}


def _relation_row(i: int, text: str, e1: str, e2: str) -> dict:
    """A row in the schema of WRENCH's relation tasks: entities and their character spans."""
    s1, s2 = text.index(e1), text.index(e2)
    data = {"text": text, "entity1": e1, "entity2": e2,
            "span1": [s1, s1 + len(e1)], "span2": [s2, s2 + len(e2)]}  # fmt: skip
    return {"label": i % 2, "weak_labels": [i % 2, -1, 1 - i % 2], "data": data}


@pytest.fixture
def relation_task(tmp_path: Path) -> Path:
    texts = [
        ("Alice married Bob in 1990.", "Alice", "Bob"),
        ("Carol met Dave, then Erin.", "Erin", "Carol"),  # entity 2 comes first
        ("Lithium induced tremor.", "Lithium", "tremor"),
    ]
    splits = {
        split: {f"{split}{i}": _relation_row(i, *texts[i]) for i in range(3)}
        for split in ("train", "valid", "test")
    }
    return _write(tmp_path / "toy_relation", splits)


def test_relation_tasks_mark_both_entity_spans_in_the_text(relation_task):
    ds = load_dataset(f"wrench:{relation_task}")
    texts = dict(zip(ds.ids.tolist(), ds.texts.tolist(), strict=True))
    assert texts["train:train0"] == "[E1]Alice[/E1] married [E2]Bob[/E2] in 1990."
    assert texts["test:test1"] == "[E2]Carol[/E2] met Dave, then [E1]Erin[/E1]."
    assert texts["valid:valid2"] == "[E1]Lithium[/E1] induced [E2]tremor[/E2]."
    assert "[E1]" in ds.meta["entity_markers"]
    task = load_wrench(relation_task)  # the split keeps the text as written, and the spans
    assert task.splits["train"].texts[0] == "Alice married Bob in 1990."
    assert task.splits["train"].spans[0].tolist() == [0, 5, 14, 17]
    assert mark_entities("ab", (1, 2), (0, 1)) == "[E2]a[/E2][E1]b[/E1]"  # adjacent spans


def test_text_tasks_without_spans_read_as_written(text_task):
    ds = load_dataset(f"wrench:{text_task}")
    assert not any("[E1]" in t for t in ds.texts) and "entity_markers" not in ds.meta


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"text": "Ann and Ben", "span1": [0, 3]}, "needs both data.span1 and data.span2"),
        ({"text": "Ann and Ben", "span1": [0, 3], "span2": [8, 12]}, "data.span2 must be"),
        ({"text": "Ann and Ben", "span1": [3, 3], "span2": [8, 11]}, "data.span1 must be"),
        ({"text": "Ann and Ben", "span1": "0-3", "span2": [8, 11]}, "data.span1 must be"),
        ({"text": "Ann and Ben", "span1": [0, 5], "span2": [4, 11]}, "overlap"),
    ],
)
def test_a_bad_entity_span_is_named_with_its_row(relation_task, data, match):
    rows = {"bad": {"label": 0, "weak_labels": [0, -1, 1], "data": data}}
    (relation_task / "test.json").write_text(json.dumps(rows))
    with pytest.raises(W2SGError, match=match) as info:
        load_wrench(relation_task)
    assert "test.json: row 'bad'" in str(info.value)
