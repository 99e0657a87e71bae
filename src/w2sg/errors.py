"""The one error type a user sees: a single line that says what went wrong and what to do.

Library code raises `W2SGError` for bad input; the CLI prints its message on one line and
exits with status 2, never a traceback from deep inside.
"""

from __future__ import annotations


class W2SGError(Exception):
    """Bad input or a missing resource, with a message that says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))  # always one line
