"""User files (CSV, TSV, JSONL, Parquet) become TextDatasets; every bad input is one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from w2sg.data.files import file_format, load_file, parse_label_map
from w2sg.data.types import text_id
from w2sg.errors import W2SGError

ROWS = [
    {"review": "a lovely film", "sentiment": "pos", "site": "imdb", "key": "r1"},
    {"review": "dull and long", "sentiment": "neg", "site": "imdb", "key": "r2"},
    {"review": "great cast", "sentiment": "pos", "site": "rt", "key": "r3"},
    {"review": "I left early", "sentiment": "neg", "site": "rt", "key": "r4"},
]
OPTIONS = dict(text_column="review", label_column="sentiment", label_map={"pos": 1, "neg": 0})


def _write(path: Path, rows: list[dict]) -> Path:
    frame = pd.DataFrame(rows)
    fmt = file_format(path)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        frame.to_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet", ".csv.gz"])
def test_each_format_loads_with_mapped_labels(tmp_path: Path, suffix: str) -> None:
    ds = load_file(
        _write(tmp_path / f"reviews{suffix}", ROWS),
        source_column="site",
        id_column="key",
        **OPTIONS,
    )
    assert ds.name == "reviews"
    assert ds.texts.tolist() == [r["review"] for r in ROWS]
    assert ds.labels.tolist() == [1, 0, 1, 0]
    assert ds.ids.tolist() == ["r1", "r2", "r3", "r4"]
    assert ds.source_counts() == {"imdb": 2, "rt": 2}
    assert ds.meta["columns"]["text"] == "review" and len(ds.meta["sha256"]) == 64


def test_default_columns_and_numeric_labels_hash_ids(tmp_path: Path) -> None:
    rows = [{"text": "yes", "label": 1}, {"text": "no", "label": 0}, {"text": "", "label": 1}]
    ds = load_file(_write(tmp_path / "plain.jsonl", rows))
    assert ds.texts.tolist() == ["yes", "no"]  # the empty text is dropped
    assert ds.labels.tolist() == [1, 0]
    assert ds.ids.tolist() == [text_id("yes"), text_id("no")]
    assert ds.sources is None


def test_boolean_and_float_labels_read_as_binary(tmp_path: Path) -> None:
    rows = [{"text": "a", "label": True}, {"text": "b", "label": False}]
    assert load_file(_write(tmp_path / "b.jsonl", rows)).labels.tolist() == [1, 0]
    rows = [{"text": "a", "label": 1.0}, {"text": "b", "label": 0.0}]
    assert load_file(_write(tmp_path / "f.parquet", rows)).labels.tolist() == [1, 0]


def test_missing_text_column_lists_available_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", ROWS)
    with pytest.raises(W2SGError) as err:
        load_file(path, label_column="sentiment", label_map={"pos": 1, "neg": 0})
    assert "no text column 'text' (columns: review, sentiment, site, key)" in str(err.value)
    assert "--text-column" in str(err.value)


def test_missing_source_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(W2SGError, match="no source column 'domain'"):
        load_file(_write(tmp_path / "r.csv", ROWS), source_column="domain", **OPTIONS)


def test_string_labels_without_map_say_how_to_map(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", ROWS)
    with pytest.raises(W2SGError) as err:
        load_file(path, text_column="review", label_column="sentiment")
    assert "values 'neg', 'pos' that are not 0/1" in str(err.value)
    assert "--label-map neg=0,pos=1" in str(err.value)


def test_label_missing_from_map_is_named(tmp_path: Path) -> None:
    rows = ROWS + [{"review": "meh", "sentiment": "neutral", "site": "rt", "key": "r5"}]
    with pytest.raises(W2SGError, match="'neutral' missing from the label map"):
        load_file(_write(tmp_path / "r.jsonl", rows), **OPTIONS)


def test_empty_label_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("text,label\na,1\nb,\n")
    with pytest.raises(W2SGError, match="label column 'label' is empty in 1 rows"):
        load_file(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(W2SGError, match="is empty"):
        load_file(path)


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("text,label\n")
    with pytest.raises(W2SGError, match="has no rows"):
        load_file(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.jsonl", b'{"text": "a", "label": 1}\n{"text": \n'),
        ("bad.parquet", b"this is not parquet at all"),
        ("bad.csv", b'text,label\n"unterminated,1\n'),
    ],
)
def test_malformed_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(W2SGError, match="is not valid") as err:
        load_file(path)
    assert "\n" not in str(err.value)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(W2SGError, match="unknown file type .xlsx"):
        load_file(tmp_path / "data.xlsx")
    with pytest.raises(W2SGError, match="no such file"):
        load_file(tmp_path / "absent.csv")


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    rows = [dict(r, key="same") for r in ROWS]
    with pytest.raises(W2SGError, match="ids are not unique"):
        load_file(_write(tmp_path / "r.csv", rows), id_column="key", **OPTIONS)


def test_parse_label_map() -> None:
    assert parse_label_map("pos=1, neg=0") == {"pos": 1, "neg": 0}
    assert parse_label_map("") is None
    with pytest.raises(W2SGError, match="bad label map entry 'pos:1'"):
        parse_label_map("pos:1")
    with pytest.raises(W2SGError, match="bad label map entry 'x=2'"):
        parse_label_map("x=2")
