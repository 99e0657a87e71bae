"""The activation store (docs/methods.md#activations): addressed per text, shared,
company-independent, safe.

Tiny random models (conftest) run in milliseconds, so every property is checked on values.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError
from w2sg.models import activations, cache, cache_admin, extract_activations, get_activations


@pytest.fixture()
def dataset(texts) -> TextDataset:
    return TextDataset.from_rows("toy", texts, [i % 2 for i in range(len(texts))])


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "cache"))


class _Counter:
    """Counts the texts the extractor embeds."""

    def __init__(self, monkeypatch):
        self.texts = 0
        original = activations.make_extractor

        def counting(*args, **kwargs):
            ex = original(*args, **kwargs)
            run_rows = ex.run_rows

            def counted(ids, rows, *rest):
                self.texts += len(rows)
                return run_rows(ids, rows, *rest)

            ex.run_rows = counted
            return ex

        monkeypatch.setattr(activations, "make_extractor", counting)


def _get(model, ds, **kw):
    kw = {"layers": (-1,), "dtype": "float32", "progress": False} | kw
    return get_activations(model, ds, **kw)


def _ds(texts, name="toy", ids=None) -> TextDataset:
    ids = ids or [f"t{i}" for i in range(len(texts))]
    labels = [i % 2 for i in range(len(texts))]
    return TextDataset.from_rows(name, list(texts), labels, ids=ids, dedupe=False)


def _shards(pattern="*.safetensors") -> list[Path]:
    return sorted(cache.store_root().glob(f"*/shard-{pattern}"))


def test_stored_equals_fresh_and_only_new_texts_are_embedded(tiny_bert, texts, monkeypatch):
    count = _Counter(monkeypatch)
    first = _get(tiny_bert, _ds(texts[:8]), layers=(-1, 1))
    assert count.texts == 8
    fresh = extract_activations(tiny_bert, texts[:8], layers=(-1, 1), dtype="float32",
                                progress=False)  # fmt: skip
    np.testing.assert_array_equal(first[-1], fresh[-1])
    np.testing.assert_array_equal(first[1], fresh[1])
    # other rows, order, dataset name and ids: only the 4 unseen texts run
    again = _get(tiny_bert, _ds(texts[::-1], name="other"), layers=(1, -1))
    assert count.texts == 12
    np.testing.assert_array_equal(again[-1][::-1][:8], first[-1])
    # a subset in any order: nothing runs
    sub = _get(tiny_bert, _ds([texts[5], texts[0]]), layers=(1,))
    assert count.texts == 12
    np.testing.assert_array_equal(sub[1], first[1][[5, 0]])


def test_duplicate_texts_are_embedded_once(tiny_bert, texts, monkeypatch):
    count = _Counter(monkeypatch)
    got = _get(tiny_bert, _ds([texts[1], texts[2], texts[1], texts[1]]))[-1]
    assert count.texts == 2
    np.testing.assert_array_equal(got[0], got[2])
    np.testing.assert_array_equal(got[0], got[3])


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_a_texts_vector_does_not_depend_on_its_company(tiny_dirs, texts, dtype):
    model = str(tiny_dirs["llama"])
    for batch_size in (None, 3):  # the default shape rule, and a fixed number of rows
        kw = {"dtype": dtype, "batch_size": batch_size, "progress": False}
        alone = [extract_activations(model, [t], **kw)[-1][0] for t in texts]
        together = extract_activations(model, texts[::-1] + texts[:5], **kw)[-1][::-1]
        for i in range(len(texts)):
            np.testing.assert_array_equal(alone[i], together[i + 5])


def test_an_edited_text_gets_a_new_vector_never_a_stale_one(tiny_bert, texts, monkeypatch):
    ids = [f"r{i}" for i in range(4)]
    old = _get(tiny_bert, _ds(texts[:4], name="reviews", ids=ids))[-1]
    edited = texts[:3] + ["an entirely different review of another film"]
    count = _Counter(monkeypatch)
    new = _get(tiny_bert, _ds(edited, name="reviews", ids=ids))[-1]
    assert count.texts == 1
    np.testing.assert_array_equal(new[:3], old[:3])
    assert not np.allclose(new[3], old[3])
    np.testing.assert_array_equal(
        new[3], extract_activations(tiny_bert, edited[3:], dtype="float32", progress=False)[-1][0]
    )


@pytest.mark.parametrize(
    "change",
    [{"pooling": "last"}, {"max_length": 4}, {"layers": (1,)}, {"dtype": "bfloat16"}],
)
def test_changing_any_part_of_the_store_key_misses(tiny_bert, dataset, monkeypatch, change):
    _get(tiny_bert, dataset)
    count = _Counter(monkeypatch)
    _get(tiny_bert, dataset, **change)
    assert count.texts == len(dataset)
    assert len(cache_admin.list_stores()) == 2


def test_an_interrupted_run_keeps_finished_shards(tiny_bert, dataset, monkeypatch):
    reference = _get(tiny_bert, dataset)[-1]
    cache_admin.remove_stores(everything=True)
    monkeypatch.setattr(cache, "SHARD_ROWS", 4)
    original = activations.make_extractor
    calls = {"n": 0}

    def dying(*args, **kwargs):
        ex = original(*args, **kwargs)
        run_batch = ex.run_batch

        def run(ids, width=None):
            calls["n"] += 1
            if calls["n"] > 6:
                raise KeyboardInterrupt
            return run_batch(ids, width)

        ex.run_batch = run
        return ex

    monkeypatch.setattr(activations, "make_extractor", dying)
    with pytest.raises(KeyboardInterrupt):
        _get(tiny_bert, dataset)
    kept = sum(json.loads(p.read_text())["rows"] for p in _shards("*.json"))
    assert 0 < kept < len(dataset)
    monkeypatch.setattr(activations, "make_extractor", original)
    count = _Counter(monkeypatch)
    resumed = _get(tiny_bert, dataset)[-1]
    assert count.texts == len(dataset) - kept
    np.testing.assert_array_equal(resumed, reference)


def _garbage_header(data: Path) -> None:
    raw = bytearray(data.read_bytes())
    raw[8:40] = b"#" * 32  # the header length is right, its JSON is not
    data.write_bytes(bytes(raw))


def _manifest_not_object(data: Path) -> None:
    data.with_suffix(".json").write_text("[1, 2, 3]\n")


def _truncated(data: Path) -> None:
    data.write_bytes(data.read_bytes()[:-100])


def _wrong_checksum(data: Path) -> None:
    raw = bytearray(data.read_bytes())
    raw[-3] ^= 0xFF  # same size, one flipped vector byte
    data.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    "damage", [_garbage_header, _manifest_not_object, _truncated, _wrong_checksum]
)
def test_a_damaged_shard_is_reported_once_dropped_and_reembedded(
    tiny_bert, dataset, monkeypatch, capsys, damage
):
    reference = _get(tiny_bert, dataset)[-1]
    (data,) = _shards()
    damage(data)
    capsys.readouterr()
    count = _Counter(monkeypatch)
    again = _get(tiny_bert, dataset)[-1]
    err = [line for line in capsys.readouterr().err.splitlines() if "damaged" in line]
    assert len(err) == 1 and data.stem in err[0]
    assert count.texts == len(dataset)
    np.testing.assert_array_equal(again, reference)
    assert not data.exists() and len(_shards()) == 1


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_files_are_as_readable_as_the_umask_allows(tiny_bert, dataset, umask):
    old = os.umask(umask)
    try:
        _get(tiny_bert, dataset)
    finally:
        os.umask(old)
    files = [p for p in cache.store_root().rglob("*") if p.is_file()]
    assert len(files) == 3  # store.json, one shard and its manifest
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask, p


_WRITER = """
import sys
from w2sg.data.types import TextDataset
from w2sg.models import get_activations
texts = sys.argv[2].split("|")
ds = TextDataset.from_rows("w", texts, [0] * len(texts))
get_activations(sys.argv[1], ds, dtype="float32", progress=False)
"""


def test_two_processes_writing_overlapping_texts(tiny_bert, texts, tmp_path):
    env = {**os.environ, "W2SG_CACHE": str(tmp_path / "cache")}
    parts = ("|".join(texts[:8]), "|".join(texts[4:]))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, tiny_bert, p],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for p in parts
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert not any("damaged" in e for e in errors)
    assert len(_shards()) >= 2
    got = _get(tiny_bert, _ds(texts))[-1]
    fresh = extract_activations(tiny_bert, texts, dtype="float32", progress=False)[-1]
    np.testing.assert_array_equal(got, fresh)


def test_ls_rm_and_prune(tiny_bert, texts, monkeypatch):
    _get(tiny_bert, _ds(texts[:6]))
    _get(tiny_bert, _ds(texts[6:]))
    _get(tiny_bert, _ds(texts[:2]), pooling="last")
    stores = cache_admin.list_stores()
    assert sorted(s["texts"] for s in stores) == [2, 12]
    assert {s["pooling"] for s in stores} == {"mean", "last"}
    # the tiny BERT's position table (128) is shorter than its tokenizer's limit (512): it decides
    assert all(s["max_length"] == 128 and s["dtype"] == "float32" for s in stores)
    # least recently used shard goes first: use the first shard again, then bound the size
    manifests = sorted(_shards("*.json"), key=lambda p: p.stat().st_mtime)
    for i, p in enumerate(manifests):
        os.utime(p, (1000 + i, 1000 + i))
    _get(tiny_bert, _ds(texts[:1]))  # touches the shard holding texts[:6]
    sizes = {p: json.loads(p.read_text())["bytes"] for p in manifests}
    total = sum(sizes.values())
    removed, freed = cache_admin.prune(total - 1)
    assert removed == 1 and freed == sizes[manifests[1]] and not manifests[1].exists()
    assert cache_admin.prune(0)[0] == 2 and not _shards()
    with pytest.raises(W2SGError, match="size must look like"):
        cache_admin.parse_size("lots")
    assert cache_admin.parse_size("2GB") == 2 << 30
    assert cache_admin.parse_size("500 mb") == 500 << 20
    assert len(cache_admin.remove_stores(model=Path(tiny_bert).name)) == 2
    assert cache_admin.list_stores() == []
    with pytest.raises(W2SGError, match="say what to remove"):
        cache_admin.remove_stores()


def test_bad_arguments_are_one_line_errors(tiny_bert, dataset):
    with pytest.raises(W2SGError, match="TextDataset"):
        get_activations(tiny_bert, ["a"])  # type: ignore[arg-type]
    with pytest.raises(W2SGError, match="no rows"):
        get_activations(tiny_bert, dataset.subset(np.array([], dtype=int)))
    with pytest.raises(W2SGError, match="pooling"):
        get_activations(tiny_bert, dataset, pooling="max")
    with pytest.raises(W2SGError, match="batch_size"):
        get_activations(tiny_bert, dataset, batch_size=0)


def test_a_kept_store_reads_only_new_shards_and_forgets_removed_ones(
    tiny_bert, texts, monkeypatch, capsys
):
    """Stores stay open in a process: a second look reads only shards published since; a
    store removed under it (cache cleared) is embedded again, without a 'damaged' report."""
    reference = _get(tiny_bert, _ds(texts))[-1]
    loads: list[Path] = []
    original = cache.Store._load_shard

    def counted(self, manifest):
        loads.append(manifest)
        return original(self, manifest)

    monkeypatch.setattr(cache.Store, "_load_shard", counted)
    count = _Counter(monkeypatch)
    np.testing.assert_array_equal(_get(tiny_bert, _ds(texts))[-1], reference)
    assert loads == [] and count.texts == 0  # the open store's index answered
    _get(tiny_bert, _ds(["a text no one has embedded yet"]))
    assert len(loads) == 1 and count.texts == 1  # its new shard, read once
    for store in cache.store_root().iterdir():
        for f in store.iterdir():
            f.unlink()
    capsys.readouterr()
    again = _get(tiny_bert, _ds(texts))[-1]
    assert count.texts == 1 + len(texts)
    np.testing.assert_array_equal(again, reference)
    assert "damaged" not in capsys.readouterr().err


def test_a_store_is_opened_once_per_root_and_key(tmp_path):
    key = cache.StoreKey("m", -1, "mean", "float32", 512, "plan")
    first = cache.open_store(key, root=tmp_path / "a")
    assert cache.open_store(key, root=tmp_path / "a") is first
    assert cache.open_store(key, root=tmp_path / "b") is not first
    other = cache.StoreKey("m", 1, "mean", "float32", 512, "plan")
    assert cache.open_store(other, root=tmp_path / "a") is not first
