"""Stages saved as they finish: reused only when intact and of the same inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.stages import StageStore, fingerprint


def _compute(calls: list[int], value: float = 0.25):
    def compute():
        calls.append(1)
        return {"x": value, "t": (1, 2)}, {"a": np.arange(5, dtype=np.float64) / 3}

    return compute


def test_a_finished_stage_is_reused_with_the_same_values(tmp_path):
    store, calls = StageStore(tmp_path), []
    first = store.run("probes", "k1", _compute(calls))
    again = store.run("probes", "k1", _compute(calls))
    assert len(calls) == 1 and again.resumed and not first.resumed
    assert again.value == first.value == {"x": 0.25, "t": [1, 2]}  # JSON round trip both ways
    np.testing.assert_array_equal(again.arrays["a"], np.arange(5) / 3)


def test_another_fingerprint_recomputes(tmp_path):
    store, calls = StageStore(tmp_path), []
    store.run("probes", "k1", _compute(calls))
    result = store.run("probes", "k2", _compute(calls, 0.5))
    assert len(calls) == 2 and result.value["x"] == 0.5 and not result.resumed


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / "probes.npz").write_bytes(b"\x00" * 64),  # garbage arrays
        lambda d: (d / "probes.npz").unlink(),  # arrays missing
        lambda d: (d / "probes.json").write_text("[1, 2]"),  # JSON, but not an object
        lambda d: (d / "probes.json").write_text('{"format": 1, "fingerpr'),  # truncated
    ],
)
def test_a_damaged_stage_is_recomputed_never_served(tmp_path, damage):
    store, calls = StageStore(tmp_path), []
    store.run("probes", "k1", _compute(calls))
    damage(tmp_path)
    result = store.run("probes", "k1", _compute(calls))
    assert len(calls) == 2 and not result.resumed and result.ok
    assert json.loads((tmp_path / "probes.json").read_text())["fingerprint"] == "k1"


def test_a_failing_stage_records_its_reason_and_skips_what_needs_it(tmp_path):
    store = StageStore(tmp_path)

    def fail():
        raise W2SGError("cannot mix: 0 overlap points")

    failed = store.run("mixing", "k", fail)
    assert failed.status == "failed" and "0 overlap" in failed.reason
    assert failed.status_json() == {"status": "failed", "reason": failed.reason}
    skipped = store.run("selection", "k", _compute([]), needs=(failed,))
    assert skipped.status == "skipped" and "mixing" in skipped.reason
    assert not (tmp_path / "mixing.json").exists()  # failures are retried on a rerun


def test_an_unexpected_error_is_not_swallowed(tmp_path):
    def bug():
        raise ZeroDivisionError("a bug")

    with pytest.raises(ZeroDivisionError):
        StageStore(tmp_path).run("probes", "k", bug)


def test_fingerprint_sees_array_values_dtypes_and_order():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert fingerprint(a, {"l2": 1e-3}) == fingerprint(a.copy(), {"l2": 1e-3})
    assert fingerprint(a, {"l2": 1e-3}) != fingerprint(a, {"l2": 1e-2})
    assert fingerprint(a) != fingerprint(a.astype(np.float64))
    assert fingerprint(a) != fingerprint(a[::-1])
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
