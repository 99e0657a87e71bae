"""What `w2sg results` does: one frozen config, each field also the command's flag."""

from __future__ import annotations

from dataclasses import dataclass

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.options import Flagged, option
from w2sg.stats.pgr import check_margin

MIN_SEEDS = 3  # fewer split seeds: an interval over seeds means little
MIN_TEST = 300  # fewer test rows: accuracy's standard error exceeds 0.025
MIN_STRONG_TRAIN = 300  # fewer pool rows: the overlap partition and the mixes are a handful


@dataclass(frozen=True)
class ResultsConfig(Flagged):
    """Which sweep folders make the benchmark, where its page goes, and its statistics' rules
    (docs/methods.md#the-benchmark).

    Example::

        config = w2sg.ResultsConfig(sweeps=("runs/benchmark",), finetune="runs/benchmark-finetune")
    """

    sweeps: tuple[str, ...] = option(
        ("runs/benchmark",),
        "Probe-tier sweep folders, comma-separated (their cells are pooled).",
    )
    finetune: str | None = option(
        None,
        "The fine-tune tier's sweep folder (claim c: logconf against xent); without it the "
        "section says how to make it.",
    )
    gaps: str | None = option(
        None,
        "The weak-model scan's gaps.json (w2sg gap, val only): its chosen rows justify each "
        "task's weak model on the page.",
    )
    out: str = option(
        "docs/results.md",
        "The Markdown file to write; its figures go into a folder beside it of the same name "
        "(docs/results/).",
    )
    report: str | None = option(
        None, "The HTML report to write (default: results.html in the first sweep folder)."
    )
    margin: float | None = option(
        None,
        "PGR guard margin: no PGR where ceiling - weak is below it (default: the sweeps' "
        "guard_margin).",
    )
    alpha: float = option(0.05, "Significance level of the one-sided tests behind each verdict.")
    bootstrap: int = option(10000, "Bootstrap resamples of every interval.")
    min_seeds: int = option(MIN_SEEDS, "Fewer split seeds than this: flagged, not a result.")
    min_test: int = option(MIN_TEST, "Fewer test rows than this: flagged, not a result.")
    min_strong_train: int = option(
        MIN_STRONG_TRAIN, "Fewer strong_train rows than this: flagged, not a result."
    )
    finetune_metric: str = option(
        "auc", "Metric of claim (c): auc (as EleutherAI compare) or accuracy."
    )

    def __post_init__(self) -> None:
        sweeps = self.sweeps
        if isinstance(sweeps, str) or not isinstance(sweeps, tuple | list) or not sweeps:
            raise W2SGError(f"{self.flag('sweeps')} must name at least one sweep folder")
        object.__setattr__(self, "sweeps", tuple(str(s) for s in sweeps))
        v.unique(self.sweeps, self.flag("sweeps"))
        if self.margin is not None:
            check_margin(self.margin, self.flag("margin"))
        v.number(self.alpha, self.flag("alpha"), low=0.0, high=0.5, low_open=True)
        v.positive(self.bootstrap, self.flag("bootstrap"))
        v.positive(self.min_seeds, self.flag("min_seeds"))
        v.whole(self.min_test, self.flag("min_test"), low=0)
        v.whole(self.min_strong_train, self.flag("min_strong_train"), low=0)
        v.choice(self.finetune_metric, self.flag("finetune_metric"), ("auc", "accuracy"))
