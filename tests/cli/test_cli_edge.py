"""The entry point's edge: usage errors from either click, Ctrl-C, exit codes, the umask,
and scripts/setup.sh stopping on a failed install."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import typer

import w2sg.cli as cli
from w2sg.io import current_umask, write_json

REPO = Path(__file__).resolve().parents[2]


def _app_raising(exc: BaseException) -> typer.Typer:
    """A one-command app whose command raises `exc` (click package or typer's copy)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.command()
    def go() -> None:
        raise exc

    @app.command()
    def other() -> None:  # two commands, so `go` is a subcommand with a context
        pass

    return app


def _click_errors() -> list[tuple[str, BaseException]]:
    """The same usage errors from the separate click package and typer's bundled copy."""
    out: list[tuple[str, BaseException]] = []
    import click

    out += [
        ("click-usage", click.UsageError("bad usage here")),
        ("click-bad-parameter", click.BadParameter("bad value here", param_hint="--seed")),
        ("click-exception", click.ClickException("click trouble here")),
    ]
    try:
        from typer._click import exceptions as bundled
    except ImportError:  # an older typer without its own copy of click
        return out
    out += [
        ("typer-usage", bundled.UsageError("bad usage here")),
        ("typer-bad-parameter", bundled.BadParameter("bad value here", param_hint="--seed")),
        ("typer-exception", bundled.ClickException("click trouble here")),
    ]
    return out


@pytest.mark.parametrize(("name", "exc"), _click_errors(), ids=[n for n, _ in _click_errors()])
def test_usage_errors_of_either_click_are_one_line_exit_2(
    name: str,
    exc: BaseException,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli, "app", _app_raising(exc))
    assert cli.run_cli(["go"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert ("trouble" if "exception" in name else "bad") in err


def test_click_abort_from_ctrl_c_is_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import click

    def abort_from_interrupt() -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as e:
            raise click.Abort() from e

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(abort_from_interrupt)
    monkeypatch.setattr(cli, "app", app)
    assert cli.run_cli([]) == 130
    assert "interrupted: rerun the same command to resume" in capsys.readouterr().err


def test_ctrl_c_in_a_command_exits_130_with_the_rerun_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "app", _app_raising(KeyboardInterrupt()))
    assert cli.run_cli(["go"]) == 130
    assert capsys.readouterr().err.strip() == "interrupted: rerun the same command to resume"


def test_an_error_wrapping_ctrl_c_is_an_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C during an import can surface as RuntimeError('Error calling __set_name__')."""

    def wrapped() -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as e:
            raise RuntimeError("Error calling __set_name__") from e

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(wrapped)
    monkeypatch.setattr(cli, "app", app)
    assert cli.run_cli([]) == 130
    assert "interrupted: rerun" in capsys.readouterr().err


def test_typer_exit_code_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "app", _app_raising(typer.Exit(3)))
    assert cli.run_cli(["go"]) == 3


def test_an_unexpected_exception_is_one_line_unless_debugging(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "app", _app_raising(RuntimeError("boom")))
    monkeypatch.delenv("W2SG_DEBUG", raising=False)
    assert cli.run_cli(["go"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError: boom" in err
    monkeypatch.setenv("W2SG_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli.run_cli(["go"])


def test_sigint_to_the_real_command_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    """A real `w2sg synth mechanism` interrupted mid-run: status 130, the line, no result."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "w2sg",
            "synth",
            "mechanism",
            "--runs",
            "100000",
            "--counts",
            "0,50",
            "--out",
            str(tmp_path / "out"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        # Ctrl-C's default disposition: started from a background job (`cmd &`), the test and
        # its children ignore SIGINT, Python installs no KeyboardInterrupt handler, and the run
        # would go on (for many minutes at --runs 100000) instead of stopping.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and not _busy(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.3)
        time.sleep(3.0)  # past torch's import, into the runs
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # never leave the run behind, whatever failed above
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted: rerun the same command to resume" in err
    assert "Traceback" not in err + out
    assert not (tmp_path / "out" / "mechanism_overlap.json").exists()


def _busy(pid: int) -> bool:
    """True once the process has loaded torch: the mechanism runs (its probes) have begun."""
    try:
        return "torch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:  # not Linux: a fixed wait instead
        time.sleep(10)
        return True


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
@pytest.mark.parametrize("kind", ["json", "safetensors"])
def test_outputs_follow_the_umask(mask: int, kind: str, tmp_path: Path) -> None:
    """JSON and safetensors (whose writer makes its own 0600 temporary) get 0666 & ~umask."""
    from safetensors.numpy import save_file

    from w2sg.io import write_atomic

    old = os.umask(mask)
    try:
        assert current_umask() == mask
        if kind == "json":
            path = write_json(tmp_path / "results.json", {"a": 1})
        else:
            arrays = {"a": np.zeros(3, dtype=np.float32)}
            path = write_atomic(tmp_path / "a.safetensors", lambda t: save_file(arrays, str(t)))
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def _setup_copy(tmp_path: Path, with_project: bool) -> Path:
    """scripts/setup.sh and constraints.txt in a throwaway checkout whose .venv is ours."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "setup.sh", root / "scripts" / "setup.sh")
    shutil.copy(REPO / "constraints.txt", root / "constraints.txt")
    if with_project:
        (root / "pyproject.toml").write_text(
            '[project]\nname = "w2sg-setup-probe"\nversion = "0"\n'
            'dependencies = ["no-such-package-w2sg-probe==1.0"]\n'
        )
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_dir / "python").chmod(0o755)
    return root


def _run_setup(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # No index at all: pip fails at once, offline, before it could change anything.
    full = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", **env}
    return subprocess.run(
        ["bash", str(root / "scripts" / "setup.sh")],
        capture_output=True,
        text=True,
        env=full,
        timeout=300,
    )


def test_setup_stops_with_pips_message_when_torch_cannot_install(tmp_path: Path) -> None:
    res = _run_setup(_setup_copy(tmp_path, with_project=False), W2SG_TORCH="0.0.0")
    assert res.returncode != 0
    assert "ERROR:" in res.stderr  # pip's own message is shown, not swallowed
    assert "FAILED while installing torch==0.0.0" in res.stderr
    assert "installing w2sg" not in res.stdout  # it stopped at the failing step


def test_setup_stops_when_the_project_install_fails(tmp_path: Path) -> None:
    import torch

    root = _setup_copy(tmp_path, with_project=True)
    res = _run_setup(root, W2SG_TORCH=torch.__version__.split("+")[0])
    assert res.returncode != 0
    assert "FAILED while installing w2sg and its dependencies" in res.stderr
    assert "offline models" not in res.stdout


def test_checking_an_output_folder_creates_nothing(tmp_path: Path) -> None:
    from w2sg.validate import output_dir

    target = tmp_path / "a" / "b"
    assert output_dir(target) == target
    assert not (tmp_path / "a").exists()
    assert list(tmp_path.iterdir()) == []  # the write probe is gone too
