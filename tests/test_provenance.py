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
