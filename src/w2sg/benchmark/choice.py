"""The page's account of the weak model per task: the rows of `w2sg gap`'s gaps.json that
chose it, measured on val only (docs/methods.md#choosing-the-weak-model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from w2sg.errors import W2SGError
from w2sg.io import read_json
from w2sg.report.blocks import Block, Code, Heading, Paragraph, Table
from w2sg.report.files import reading, require
from w2sg.stats.gaps import mean_sd

GAPS = "the gaps.json of `w2sg gap` (an object with 'split', 'rule', 'choices' and 'table')"


def read_gaps(path: str | Path) -> dict[str, Any]:
    """gaps.json checked to be a val scan with its rule, choices and table (one error line
    naming the file otherwise)."""
    data = read_json(path, GAPS)
    require(data, {"split": str, "rule": dict, "choices": dict, "table": list}, Path(path), GAPS)
    if data["split"] != "val":
        raise W2SGError(
            f"{path}: a weak-model scan on {data['split']!r}; the benchmark's choices are made "
            "on val only (rerun w2sg gap)"
        )
    return data


def _pm(row: dict[str, Any], name: str) -> str:
    return mean_sd(row[f"{name}_mean"], row.get(f"{name}_sd"))


def choice_blocks(path: str | Path) -> list[Block]:
    """A section: the rule, the command, and per task the chosen weak model with its val gap
    (tasks without an eligible choice named)."""
    with reading(Path(path), GAPS + " measured on val"):
        data = read_gaps(path)
        return _section(path, data["rule"], [r for r in data["table"] if r["chosen"]],
                        [str(d) for d in data.get("without_choice") or []])  # fmt: skip


def _section(path: str | Path, rule: dict, rows: list[dict], missing: list[str]) -> list[Block]:
    table = Table(
        ("task", "weak model", "weak_train", "val: weak", "val: ceiling", "val: gap"),
        [
            (
                str(r["dataset"]),
                Code(str(r["weak_model"])),
                str(r["weak_train"]),
                _pm(r, "weak_accuracy"),
                _pm(r, "ceiling_accuracy"),
                _pm(r, "gap"),
            )
            for r in rows
        ],
    )
    note = (
        f" No choice clears the rule on {', '.join(missing)}."
        if missing
        else " Every task has a choice."
    )
    return [
        Heading(2, "The weak model per task"),
        Paragraph(
            (
                "Chosen on val, never on test, by ",
                Code("w2sg gap configs/weak_gap.yaml"),
                f" ({path}): per task, the weak model (and weak_train size) with the highest "
                f"mean val accuracy among those whose mean val gap to the MPNet-base ceiling is "
                f"at least {float(rule['min_gap']):g} and whose own accuracy is at least "
                f"{float(rule['min_weak']):g}. Mean ± standard deviation over the scan's split "
                "seeds; the benchmark's config names these choices." + note,
            )
        ),
        table,
    ]
