"""A real `w2sg run` killed with SIGKILL mid-way resumes to the uninterrupted run's numbers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SMALL = [
    "--weak", "minilm-l6", "--weak-layer", "1", "--strong", "minilm-l6",
    "--weak-train", "160", "--strong-train", "200", "--test", "160",
    "--mixing-seeds", "0,1", "--selection-seeds", "0", "--selection-rounds", "6",
]  # fmt: skip


def _cmd(out: Path) -> list[str]:
    return [sys.executable, "-m", "w2sg", "run", *SMALL, "--out", str(out)]


def _numbers(out: Path) -> dict:
    results = json.loads((out / "results.json").read_text())
    return {k: v for k, v in results.items() if k not in ("provenance", "timings")}


def _stop_when(out: Path, marker: str, sig: int, timeout: float = 600) -> tuple[int, str]:
    """Start a run, send it `sig` as soon as `marker`'s stage is saved: (exit code, stderr).

    The run gets Ctrl-C's default disposition back: a test process started in the background
    (`cmd &` in a script) ignores SIGINT, its children inherit that, and Python then installs
    no KeyboardInterrupt handler, so the run would finish instead of stopping."""

    def default_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen(_cmd(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)  # fmt: skip
    stage = out / "stages" / "seed0" / f"{marker}.json"
    deadline = time.monotonic() + timeout
    while not stage.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(sig)
    _, stderr = proc.communicate()
    return proc.returncode, stderr


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uninterrupted")
    proc = subprocess.run(_cmd(out), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.mark.parametrize(("marker", "sig"), [("probes", signal.SIGKILL), ("mixing", signal.SIGINT)])
def test_stopped_run_resumes_to_the_uninterrupted_results(reference, tmp_path, marker, sig):
    out = tmp_path / "stopped"
    code, stderr = _stop_when(out, marker, sig)
    assert not (out / "results.json").exists(), "the run finished before it could be stopped"
    if sig == signal.SIGINT:  # Ctrl-C: one line, exit 130, nothing half-written
        assert code == 130
        assert "interrupted: rerun the same command to resume" in stderr
        assert "Traceback" not in stderr
        assert not list(out.rglob(".*.tmp"))
    proc = subprocess.run(_cmd(out), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _numbers(out) == _numbers(reference)
    resumed = json.loads((out / "results.json").read_text())["provenance"]["resumed_stages"]
    assert f"seed0/{marker}" in resumed and "seed0/probes" in resumed
    assert "resumed from" in proc.stderr
