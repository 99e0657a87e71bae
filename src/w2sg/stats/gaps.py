"""Choosing the weak model on val: the gap each weak choice leaves over seeds, and the rule
that picks one per dataset (docs/methods.md#choosing-the-weak-model). Pure functions on
pandas tables; the command owns the files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.options import Flagged, option

CHOICE = ["dataset", "weak_model", "strong_model", "method"]
MEASURES = ("weak_accuracy", "ceiling_accuracy", "gap")


@dataclass(frozen=True)
class ChoiceRule(Flagged):
    """Which weak choice a dataset gets: the strongest weak model (highest mean val accuracy)
    that still leaves a gap and gives labels worth learning from."""

    min_gap: float = option(
        0.05, "Least mean val gap (ceiling - weak accuracy) the chosen weak model leaves."
    )
    min_weak: float = option(
        0.65, "Least mean val accuracy of the chosen weak model (labels with signal)."
    )

    def __post_init__(self) -> None:
        v.number(self.min_gap, self.flag("min_gap"), low=0.0, high=1.0)
        v.number(self.min_weak, self.flag("min_weak"), low=0.0, high=1.0)


def gap_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per weak choice (dataset, weak, strong, method): mean and sd over its seeds of
    the weak and ceiling val accuracy and of their gap, in the order the choices first appear."""
    missing = [c for c in [*CHOICE, "seed", *MEASURES[:2]] if c not in rows.columns]
    if missing:
        raise W2SGError(f"gap rows lack column(s) {', '.join(missing)}")
    rows = rows.assign(gap=rows["ceiling_accuracy"] - rows["weak_accuracy"])
    out = []
    for key, g in rows.groupby(CHOICE, sort=False):
        entry = dict(zip(CHOICE, key, strict=True))
        for extra in ("weak_train", "strong_train", "val"):
            if extra in g.columns:
                entry[extra] = int(g[extra].iloc[0])
        entry["seeds"] = len(g)
        for m in MEASURES:
            entry[f"{m}_mean"] = float(g[m].mean())
            entry[f"{m}_sd"] = float(g[m].std(ddof=1)) if len(g) > 1 else np.nan
        out.append(entry)
    return pd.DataFrame(out)


def choose_weak(table: pd.DataFrame, rule: ChoiceRule) -> pd.DataFrame:
    """`table` with `eligible` (gap and weak accuracy clear the rule) and `chosen` (per
    dataset, the eligible choice with the highest mean weak accuracy; ties: the first)."""
    eligible = (table["gap_mean"] >= rule.min_gap) & (table["weak_accuracy_mean"] >= rule.min_weak)
    chosen = pd.Series(False, index=table.index)
    for _, g in table[eligible].groupby("dataset", sort=False):
        chosen[g["weak_accuracy_mean"].idxmax()] = True
    return table.assign(eligible=eligible, chosen=chosen)


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown: each measure as mean ± sd over seeds, the chosen rows marked."""
    head = "| dataset | weak | method | sizes | seeds | weak val acc | ceiling val acc | gap | |"
    lines = [head, "|" + " --- |" * 9]
    for r in table.itertuples(index=False):
        sizes = "/".join(str(getattr(r, k, "")) for k in ("weak_train", "strong_train", "val"))
        cells = [mean_sd(getattr(r, f"{m}_mean"), getattr(r, f"{m}_sd")) for m in MEASURES]
        mark = "chosen" if getattr(r, "chosen", False) else ""
        row = [str(x) for x in (r.dataset, r.weak_model, r.method, sizes, r.seeds, *cells, mark)]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def mean_sd(mean: float, sd: float | None) -> str:
    """'0.712 ± 0.018', or the mean alone where the sd is undefined (one seed: NaN, or null
    once written to JSON)."""
    if sd is None or np.isnan(sd):
        return f"{mean:.3f}"
    return f"{mean:.3f} ± {sd:.3f}"
