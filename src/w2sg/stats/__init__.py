"""Metrics and statistics on plain arrays: accuracy, AUC, PGR and its guard, intervals,
paired tests (docs/methods.md#statistics). `w2sg.stats.tables` holds the per-dataset tables
of a sweep (pandas).
"""

from w2sg.stats.intervals import bootstrap_interval
from w2sg.stats.metrics import accuracy, evaluate, roc_auc
from w2sg.stats.paired import PairedTest, paired_test
from w2sg.stats.pgr import PGR, Guard, describe, gap_guard, pgr, pgr_values

__all__ = [
    "PGR",
    "Guard",
    "PairedTest",
    "accuracy",
    "bootstrap_interval",
    "describe",
    "evaluate",
    "gap_guard",
    "paired_test",
    "pgr",
    "pgr_values",
    "roc_auc",
]
