"""A study gives the same results.json from an empty store and from one filled beforehand by a
study with other seeds and sizes (docs/methods.md#activations): a text's vector does not depend
on its company."""

from __future__ import annotations

import json

import pytest


def _strip(results: dict) -> dict:
    return {k: v for k, v in results.items() if k not in ("provenance", "timings")}


@pytest.mark.slow
def test_a_study_is_identical_from_an_empty_and_a_prefilled_store(tmp_path, monkeypatch):
    from w2sg.models.cache_admin import list_stores
    from w2sg.study.config import StudyConfig
    from w2sg.study.run import run_study

    small = {"selection": False, "mixing_seeds": (0,), "mixing_qs": (0.0, 0.5, 1.0)}
    target = StudyConfig(weak_train=30, strong_train=30, test=30, **small)
    other = StudyConfig(weak_train=40, strong_train=20, test=50, seeds=(1,), **small)
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "empty"))
    cold = run_study(target, tmp_path / "cold", log=lambda _m: None)
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "filled"))
    run_study(other, tmp_path / "other", log=lambda _m: None)
    before = sum(s["texts"] for s in list_stores())
    warm = run_study(target, tmp_path / "warm", log=lambda _m: None)
    after = sum(s["texts"] for s in list_stores())
    assert 0 < after - before < 2 * 90  # some texts were already there, new ones were added
    assert json.dumps(_strip(cold), sort_keys=True) == json.dumps(_strip(warm), sort_keys=True)
    saved = json.loads((tmp_path / "warm" / "results.json").read_text())
    assert _strip(saved) == json.loads(json.dumps(_strip(cold)))
