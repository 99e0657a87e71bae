"""Shared test set-up: an isolated w2sg cache per test session unless one is given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _w2sg_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point W2SG_CACHE at a session folder; W2SG_TEST_CACHE keeps one across runs.

    Unpacked offline models are reused from the user's cache (W2SG_MODEL_CACHE) where set.
    """
    root = os.environ.get("W2SG_TEST_CACHE")
    path = Path(root) if root else tmp_path_factory.mktemp("w2sg-cache")
    path.mkdir(parents=True, exist_ok=True)
    os.environ["W2SG_CACHE"] = str(path)
    return path
