"""Every claim's numbers from the benchmark's sweep folders (docs/methods.md#the-benchmark):
which rows feed which claim, computed once and handed to the page."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from w2sg.benchmark.claims import (
    TASK,
    Across,
    RankCorrelation,
    Sizes,
    headline,
    mixing_slopes,
    overlap_predicts_pgr,
    selection_claim,
    size_flags,
)
from w2sg.benchmark.comparisons import interventions_claim, logconf_claim
from w2sg.benchmark.inputs import SweepData
from w2sg.stats.intervals import bootstrap_interval
from w2sg.stats.paired import PairedTest, paired_test


@dataclass(frozen=True)
class Bench:
    """The numbers of every section of the page."""

    method: str | None  # the study method the claims read (the first with a weak model)
    head: pd.DataFrame
    weak_supervision: pd.DataFrame
    w2s_test: PairedTest
    pgr_interval: tuple[float | None, float | None]
    mixing: tuple[pd.DataFrame, Across]
    selection: tuple[pd.DataFrame, list[Across]]
    overlap: tuple[pd.DataFrame, RankCorrelation]
    interventions: tuple[pd.DataFrame, pd.DataFrame]
    logconf: tuple[pd.DataFrame, pd.DataFrame] | None
    logconf_small: pd.DataFrame  # fine-tune tasks and methods too small to count


def pooled(sweeps: list[SweepData], name: str) -> pd.DataFrame:
    """One table (`table`, `arms` or `selection`) of several sweep folders, stacked."""
    frames = [getattr(s, name) for s in sweeps if not getattr(s, name).empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def study_rows(table: pd.DataFrame, probe: bool) -> pd.DataFrame:
    """Finished study cells whose weak supervisor is the weak model (`probe`), or those where
    a label model is (not `probe`)."""
    if table.empty:
        return table
    rows = table[(table["state"] == "done") & (table["kind"] == "study")]
    is_probe = rows["weak_supervisor"] == "probe"
    return rows[is_probe if probe else ~is_probe]


def main_method(table: pd.DataFrame) -> str | None:
    """The study method the claims read: the first (in grid order) with a weak model."""
    rows = study_rows(table, probe=True)
    return str(rows["method"].iloc[0]) if len(rows) else None


def _where(frame: pd.DataFrame, column: str, value: object) -> pd.DataFrame:
    return frame if frame.empty else frame[frame[column] == value]


def _column(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(float) if len(frame) else np.array([])


def compute(
    probe: list[SweepData],
    finetune: SweepData | None,
    *,
    margin: float,
    sizes: Sizes,
    n_resamples: int,
    alpha: float,
    finetune_metric: str = "auc",
    metric: str = "accuracy",
) -> Bench:
    """Every claim on the probe tier (and, when given, the fine-tune tier)."""
    table = pooled(probe, "table")
    n, a = n_resamples, alpha
    head = headline(study_rows(table, probe=True), margin=margin, n_resamples=n, sizes=sizes)
    method = main_method(table)
    main = _where(head, "method", method)
    kept = main[main["kept"]] if len(main) else pd.DataFrame(columns=TASK)
    studies = _where(study_rows(table, probe=True), "method", method)
    ft_flags = _finetune_flags(finetune, sizes)
    selection = _where(pooled(probe, "selection"), "method", method)
    return Bench(
        method=method,
        head=head,
        weak_supervision=headline(
            study_rows(table, probe=False), margin=margin, n_resamples=n, sizes=sizes
        ),
        w2s_test=paired_test(_column(kept, "w2s"), _column(kept, "weak")),
        pgr_interval=bootstrap_interval(_column(kept, "pgr_mean"), n_resamples=n),
        mixing=mixing_slopes(studies, kept, n_resamples=n, alpha=a),
        selection=selection_claim(selection, kept, n_resamples=n, alpha=a),
        overlap=overlap_predicts_pgr(main, n_resamples=n, alpha=a),
        interventions=interventions_claim(
            pooled(probe, "arms"), metric, kept=kept.reindex(columns=TASK), n_resamples=n, alpha=a
        ),
        logconf=None
        if finetune is None
        else logconf_claim(
            finetune.arms,
            finetune_metric,
            kept=ft_flags[~ft_flags["too_small"]],
            n_resamples=n,
            alpha=a,
        ),
        logconf_small=ft_flags[ft_flags["too_small"]],
    )


def _finetune_flags(finetune: SweepData | None, sizes: Sizes) -> pd.DataFrame:
    """Per task and method of the fine-tune tier: the size rule's flag (empty without it)."""
    table = finetune.table if finetune is not None else pd.DataFrame()
    done = table[table["state"] == "done"] if len(table) else table
    if done.empty:
        return pd.DataFrame(columns=[*TASK, "method", "too_small", "size_note"])
    return size_flags(done, sizes)
