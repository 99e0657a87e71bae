"""Provenance: what made a number is recorded, with resolved values and no times."""

from __future__ import annotations

import json
from importlib import metadata

from w2sg import __version__
from w2sg.provenance import collect_provenance, library_versions


def test_library_versions_match_the_installed_distributions() -> None:
    versions = library_versions(("numpy", "no-such-distribution-w2sg"))
    assert versions["numpy"] == metadata.version("numpy")
    assert versions["no-such-distribution-w2sg"] is None


def test_provenance_records_models_device_dtype_and_is_json() -> None:
    models = {"weak": {"name": "minilm-l6", "identity": "sha256:abc"}}
    prov = collect_provenance(models=models, device="cpu", dtype="float32")
    assert prov["w2sg"]["version"] == __version__
    assert prov["device"] == "cpu" and prov["dtype"] == "float32"
    assert prov["models"] == models
    assert prov["machine"]["cores"] >= 1 and prov["machine"]["cpu"]
    assert set(prov["libraries"]) >= {"torch", "transformers", "numpy", "scikit-learn"}
    json.dumps(prov)  # serialisable as is


def test_describe_is_dirty_for_changes_outside_the_ignored_outputs(tmp_path):
    import subprocess

    from w2sg.provenance import git_describe

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "docs" / "results").mkdir(parents=True)
    for name in ("code.py", "docs/results.md", "docs/results/fig.svg"):
        (tmp_path / name).write_text("one\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    page, figures = tmp_path / "docs" / "results.md", tmp_path / "docs" / "results"
    clean = git_describe(tmp_path)
    assert clean and not clean.endswith("-dirty")
    page.write_text("two\n")
    (figures / "fig.svg").write_text("two\n")
    (tmp_path / "new.txt").write_text("untracked\n")
    assert git_describe(tmp_path, ignore=[page, figures]) == clean  # its own outputs only
    assert git_describe(tmp_path) == clean + "-dirty"
    (tmp_path / "code.py").write_text("two\n")
    assert git_describe(tmp_path, ignore=[page, figures]) == clean + "-dirty"
