"""PGR across seeds and datasets: intervals, the gap guard, paired tests (SPEC §1, §7).

Pure functions on arrays and DataFrames; the sweep (experiments/) owns the files.
"""

from w2sg.stats.paired import PairedTest, compare_to_baseline, paired_test, w2s_vs_weak
from w2sg.stats.pgr import (
    across_datasets,
    bootstrap_interval,
    gap_guard,
    pgr,
    summarize_datasets,
)

__all__ = [
    "PairedTest",
    "across_datasets",
    "bootstrap_interval",
    "compare_to_baseline",
    "gap_guard",
    "paired_test",
    "pgr",
    "summarize_datasets",
    "w2s_vs_weak",
]
