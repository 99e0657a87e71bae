"""`w2sg gap SWEEP.yaml`: the val gap of every (dataset, weak, strong, method) of a sweep grid,
and the weak model the rule chooses per dataset (docs/methods.md#choosing-the-weak-model).

The grid is a sweep file's (its pairs are the weak choices, its probe-mode methods give the
sizes and layers); each cell's ceiling and weak probes are scored on val, never on test,
in one process (no cell folders: a whole grid is a few hundred probe fits).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from w2sg import validate
from w2sg.errors import W2SGError
from w2sg.io import write_atomic, write_json
from w2sg.models.provenance import model_identity, run_provenance
from w2sg.stats.gaps import ChoiceRule, choose_weak, gap_table, markdown
from w2sg.study.config import ProbeSetup
from w2sg.study.val_gap import val_gaps
from w2sg.sweep.grid import Cell, SweepConfig, check_names, plan_cells

Log = Callable[[str], None]


def probe_cells(config: SweepConfig) -> list[Cell]:
    """The sweep's cells, each checked to be a probe-mode cell with val rows."""
    check_names(config)
    cells = plan_cells(config)
    for c in cells:
        if not isinstance(c.config, ProbeSetup):
            raise W2SGError(
                f"cell {c.id}: the val gap is measured with probes; method kind {c.kind!r} is "
                "not a probe-mode method (use kind: study)"
            )
    return cells


def gap_rows(cells: list[Cell], log: Log = print) -> pd.DataFrame:
    """One row per cell: its val weak and ceiling accuracy (and AUC)."""
    by_id = {c.id: c for c in cells}
    rows = []
    for r in val_gaps([(c.id, c.config) for c in cells], log):
        c = by_id[str(r.key)]
        rows.append(
            {
                "dataset": c.dataset,
                "weak_model": c.weak,
                "strong_model": c.strong,
                "method": c.method,
                "weak_train": c.config.weak_train,
                "strong_train": c.config.strong_train,
                "val": c.config.val,
                "seed": r.seed,
                "weak_accuracy": r.weak_accuracy,
                "ceiling_accuracy": r.ceiling_accuracy,
                "weak_auc": r.weak_auc,
                "ceiling_auc": r.ceiling_auc,
            }
        )
    return pd.DataFrame(rows)


def run_val_gap(
    config: SweepConfig, out_dir: str | Path, rule: ChoiceRule | None = None, log: Log = print
) -> dict[str, Any]:
    """Measure every cell's val gap, choose a weak model per dataset; write gaps.csv (per seed),
    gap_table.csv, gaps.md and gaps.json into `out_dir`; return gaps.json's content."""
    validate.instance(config, SweepConfig, "config", "w2sg.load_sweep(path)")
    rule = ChoiceRule() if rule is None else rule
    validate.instance(rule, ChoiceRule, "rule", "ChoiceRule(min_gap=..., min_weak=...)")
    out = validate.output_dir(validate.path_like(out_dir, "out_dir"), "out_dir")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rows = gap_rows(probe_cells(config), log)
    table = choose_weak(gap_table(rows), rule)
    chosen = table[table["chosen"]]
    result = {
        "split": "val",
        "sweep": config.to_json(),
        "rule": {"min_gap": rule.min_gap, "min_weak": rule.min_weak},
        "choices": {r["dataset"]: _choice(r) for r in _records(chosen)},
        "without_choice": sorted(set(table["dataset"]) - set(chosen["dataset"])),
        "table": _records(table),
        "provenance": run_provenance(_models(config)),
        "timings": {"total_s": round(time.perf_counter() - t0, 3)},
    }
    write_atomic(out / "gaps.csv", lambda tmp: rows.to_csv(tmp, index=False))
    write_atomic(out / "gap_table.csv", lambda tmp: table.to_csv(tmp, index=False))
    write_atomic(out / "gaps.md", lambda tmp: tmp.write_text(markdown(table)))
    write_json(out / "gaps.json", result)
    return result


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON values (NaN as null)."""
    return json.loads(frame.to_json(orient="records"))


def _choice(r: dict[str, Any]) -> dict[str, Any]:
    keys = ("weak_model", "strong_model", "method", "weak_accuracy_mean", "ceiling_accuracy_mean")
    return {**{k: r[k] for k in keys}, "gap_mean": r["gap_mean"], "gap_sd": r["gap_sd"]}


def _models(config: SweepConfig) -> dict[str, dict[str, Any]]:
    """Every model of the grid, by name, as results record it (weights, cut, tfidf settings)."""
    pairs = [*config.pairs, *(p for d in config.datasets for p in d.pairs or ())]
    return {name: model_identity(name) for name in sorted({m for p in pairs for m in p})}
