"""Data-test set-up: the VADER ground truth in the session's w2sg cache, from the real
vaderSentiment sdist (a 2.5 MB `pip download` from PyPI, once per session; skipped where
W2SG_TEST_CACHE already holds the files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from w2sg.data.install import VADER, download_vader_sdist, install_vader, is_installed


@pytest.fixture(scope="session")
def vader_sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real vaderSentiment-3.3.2.tar.gz, downloaded by the installer's own code."""
    return download_vader_sdist(tmp_path_factory.mktemp("vader-sdist"))


@pytest.fixture(scope="session")
def vader_cache(_w2sg_cache: Path, request: pytest.FixtureRequest) -> Path:
    """The cache folder holding the four VADER ground-truth files."""
    if not is_installed(VADER):
        install_vader(request.getfixturevalue("vader_sdist"))
    return _w2sg_cache
