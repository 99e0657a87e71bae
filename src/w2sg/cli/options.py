"""Parsing shared by the commands' options."""

from __future__ import annotations

from w2sg.errors import W2SGError


def comma_list(text: str, cast: type, what: str) -> list:
    """`"0, 1,2"` -> [0, 1, 2] with `cast`; a bad item is one clear error naming the option."""
    try:
        return [cast(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise W2SGError(f"{what} must be a comma-separated list, got {text!r}") from None


def dataset_options(
    text_column: str | None,
    label_column: str | None,
    label_map: str | None,
    source_column: str | None,
    data_dir: object | None,
) -> dict:
    """The file-column and local-copy options of `load_dataset`, leaving out those not given."""
    from w2sg.data.files import parse_label_map

    given = {
        "text_column": text_column,
        "label_column": label_column,
        "label_map": parse_label_map(label_map),
        "source_column": source_column,
        "data_dir": None if data_dir is None else str(data_dir),
    }
    return {k: v for k, v in given.items() if v is not None}
