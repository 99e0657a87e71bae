"""Texts for the extraction tests; the tiny models they run (`tiny_dirs`, `tiny_bert`) are
shared by every test folder (tests/conftest.py)."""

from __future__ import annotations

import pytest

TEXTS = [
    "a great movie",
    "terrible, just terrible acting and a dull plot that goes nowhere at all",
    "ok",
    "I loved the soundtrack but the story was thin.",
    "Not bad.",
    "The director's best work in years, moving and funny in equal measure.",
    "meh",
    "a film that wants to be clever and mostly is",
    "two hours I will never get back",
    "quietly devastating",
    "the cast is wonderful; the script less so",
    "worth seeing on the big screen",
]


@pytest.fixture(scope="session")
def texts() -> list[str]:
    return list(TEXTS)
