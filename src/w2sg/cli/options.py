"""Parsing shared by the commands' options."""

from __future__ import annotations

from w2sg.errors import W2SGError


def comma_list(text: str, cast: type, what: str) -> list:
    """`"0, 1,2"` -> [0, 1, 2] with `cast`; a bad item is one clear error naming the option."""
    try:
        return [cast(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise W2SGError(f"{what} must be a comma-separated list, got {text!r}") from None
