"""The activation cache (SPEC §2): hits equal fresh runs, keys miss on any change, runs resume,
damaged files are recomputed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError
from w2sg.models import activations, cache, extract_activations, get_activations


@pytest.fixture()
def dataset(texts) -> TextDataset:
    return TextDataset.from_rows("toy", texts, [i % 2 for i in range(len(texts))])


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "cache"))


class _Counter:
    """Counts how many batches the extractor runs."""

    def __init__(self, monkeypatch):
        self.batches = 0
        original = activations.make_extractor

        def counting(*args, **kwargs):
            ex = original(*args, **kwargs)
            run_batch = ex.run_batch

            def counted(ids):
                self.batches += 1
                return run_batch(ids)

            ex.run_batch = counted
            return ex

        monkeypatch.setattr(activations, "make_extractor", counting)


def _get(model, ds, **kw):
    kw = {"split": "all", "layers": (-1,), "dtype": "float32", "progress": False} | kw
    return get_activations(model, ds, **kw)


def test_cached_equals_fresh_and_second_call_does_not_run_the_model(
    tiny_bert, dataset, monkeypatch
):
    first = _get(tiny_bert, dataset, layers=(-1, 1))
    fresh = extract_activations(
        tiny_bert, dataset.texts.tolist(), layers=(-1, 1), dtype="float32", progress=False
    )
    np.testing.assert_allclose(first[-1], fresh[-1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(first[1], fresh[1], rtol=1e-5, atol=1e-6)
    counter = _Counter(monkeypatch)
    again = _get(tiny_bert, dataset, layers=(2, 1))  # 2 is -1 for a 2-layer model
    assert counter.batches == 0
    assert isinstance(again[2], np.memmap) and again[2].dtype == np.float32
    assert np.array_equal(again[2], first[-1]) and np.array_equal(again[1], first[1])


@pytest.mark.parametrize(
    "change",
    [
        {"layers": (0,)},
        {"pooling": "first"},
        {"dtype": "bfloat16"},
        {"max_length": 8},
        {"split": "test"},
        {"dataset": "renamed"},
        {"order": "reversed"},
    ],
)
def test_changing_any_part_of_the_key_misses(tiny_bert, dataset, monkeypatch, change):
    _get(tiny_bert, dataset)
    counter = _Counter(monkeypatch)
    _get(tiny_bert, dataset)
    assert counter.batches == 0
    ds = dataset
    if change.pop("dataset", None):
        ds = TextDataset.from_rows("renamed", dataset.texts, dataset.labels)
    if change.pop("order", None):
        ds = dataset.subset(np.arange(len(dataset))[::-1])
    _get(tiny_bert, ds, **change)
    assert counter.batches > 0
    assert len(cache.list_artifacts()) == 2


def test_a_killed_run_resumes_and_gives_the_same_array(tiny_bert, dataset, monkeypatch):
    monkeypatch.setattr(cache, "CHUNK_ROWS", 3)  # 12 texts → 4 chunks
    whole = _get(tiny_bert, dataset, layers=(-1, 0), batch_size=2)
    cache.remove_artifacts(everything=True)

    written = []
    original = cache.write_chunk

    def dying(run_dir, index, positions, vectors):
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(index)
        original(run_dir, index, positions, vectors)

    monkeypatch.setattr(cache, "write_chunk", dying)
    with pytest.raises(KeyboardInterrupt):
        _get(tiny_bert, dataset, layers=(-1, 0), batch_size=2)
    assert cache.list_artifacts() == []
    monkeypatch.setattr(cache, "write_chunk", original)
    counter = _Counter(monkeypatch)
    resumed = _get(tiny_bert, dataset, layers=(-1, 0), batch_size=7)  # plan of the first run
    assert counter.batches == 4  # two chunks of 3 rows left, batches of 2
    assert np.array_equal(resumed[-1], whole[-1]) and np.array_equal(resumed[0], whole[0])
    assert not any((cache.activations_dir() / "partial").glob("*/chunk-*"))


def test_a_corrupt_or_partial_file_is_recomputed(tiny_bert, dataset, monkeypatch):
    good = np.array(_get(tiny_bert, dataset)[-1])
    (manifest,) = cache.list_artifacts()
    data = cache.activations_dir() / f"{manifest['digest']}.safetensors"
    raw = bytearray(data.read_bytes())
    raw[-5] ^= 0xFF  # flip a byte of the last vector
    data.write_bytes(bytes(raw))
    counter = _Counter(monkeypatch)
    again = _get(tiny_bert, dataset)[-1]
    assert counter.batches > 0 and np.array_equal(again, good)
    data.write_bytes(data.read_bytes()[:100])  # truncated
    counter.batches = 0
    assert np.array_equal(_get(tiny_bert, dataset)[-1], good) and counter.batches > 0
    data.with_suffix(".json").write_text("{not json")
    counter.batches = 0
    assert np.array_equal(_get(tiny_bert, dataset)[-1], good) and counter.batches > 0


def test_a_damaged_chunk_is_recomputed(tmp_path):
    positions = np.array([4, 1, 2])
    vectors = {3: np.ones((3, 2), dtype=np.float32)}
    cache.write_chunk(tmp_path, 0, positions, vectors)
    got = cache.read_chunk(tmp_path, 0, positions, [3])
    assert np.array_equal(got[3], vectors[3])
    assert cache.read_chunk(tmp_path, 0, np.array([1, 2, 4]), [3]) is None  # other rows
    cache.write_chunk(tmp_path, 0, positions, vectors)
    path = tmp_path / "chunk-00000.safetensors"
    path.write_bytes(path.read_bytes()[:-4])
    assert cache.read_chunk(tmp_path, 0, positions, [3]) is None
    assert not path.exists()


def test_manifest_records_the_key_and_ls_rm_work(tiny_bert, dataset):
    _get(tiny_bert, dataset, layers=(-1, 0))
    manifests = cache.list_artifacts()
    assert sorted(m["key"]["layer"] for m in manifests) == [0, 2]
    m = manifests[0]
    assert m["key"]["dataset"] == "toy" and m["key"]["rows"] == len(dataset)
    assert m["key"]["ids_sha256"] == cache.ids_sha256(dataset.ids.tolist())
    assert m["key"]["model"].startswith("sha256:") and m["dim"] == 32
    on_disk = json.loads((cache.activations_dir() / f"{m['digest']}.json").read_text())
    assert on_disk == m
    assert cache.remove_artifacts(prefix=m["digest"][:6]) == [m["digest"]]
    assert len(cache.remove_artifacts(model=tiny_bert)) == 1
    assert cache.list_artifacts() == []
    with pytest.raises(W2SGError, match="say what to remove"):
        cache.remove_artifacts()


def test_bad_arguments_are_one_line_errors(tiny_bert, dataset):
    with pytest.raises(W2SGError, match="no rows"):
        _get(tiny_bert, dataset.subset([]))
    with pytest.raises(W2SGError, match="TextDataset"):
        _get(tiny_bert, list(dataset.texts))
    with pytest.raises(W2SGError, match="pooling"):
        _get(tiny_bert, dataset, pooling="max")
    with pytest.raises(W2SGError, match="dtype"):
        _get(tiny_bert, dataset, dtype="int8")
    with pytest.raises(W2SGError, match="out of range"):
        _get(tiny_bert, dataset, layers=(5,))
    with pytest.raises(W2SGError, match="max_length"):
        _get(tiny_bert, dataset, max_length=0)
