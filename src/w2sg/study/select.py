"""`w2sg select`: the data-source bandit (docs/methods.md#selection) on a dataset, on its own.

splits -> cached activations -> weak probe -> detected partition of strong_train -> arms ->
every strategy over the bandit seeds -> selection.json and figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from w2sg import validate as v
from w2sg.data.types import value_counts
from w2sg.errors import W2SGError
from w2sg.io import write_json
from w2sg.options import default, option
from w2sg.overlap.detect import detect_overlap
from w2sg.overlap.similarity import as_similarity
from w2sg.probes.logistic import LogisticProbe
from w2sg.report.selection_figures import write_selection_figures
from w2sg.selection.arms import DEFAULT_DENSITIES
from w2sg.selection.estimators import (
    DEFAULT_CALIBRATION_SIZE,
    DEFAULT_DETECTION,
    DEFAULT_ESTIMATOR,
    DETECTIONS,
    ESTIMATORS,
)
from w2sg.selection.stage import check_options, run_selection_stage
from w2sg.stats.metrics import evaluate
from w2sg.study.config import SIMILARITIES, ProbeSetup
from w2sg.study.prepare import prepare_study

Log = Callable[[str], None]


@dataclass(frozen=True)
class SelectConfig(ProbeSetup):
    """What `w2sg select` does: one split seed, every strategy over the bandit seeds."""

    weak_train: int = default(600)
    strong_train: int = default(1200)
    test: int = default(600)
    similarity: str = option(
        "abs_cosine",
        "Similarity of the pool's detection: abs_cosine (variant A) or dot (variant B).",
    )
    arms: str = option(
        "auto",
        "Arms: auto, constructed (known overlap densities) or natural "
        "(the dataset's source column).",
    )
    densities: tuple[float, ...] = option(
        DEFAULT_DENSITIES, "Overlap densities of the constructed arms."
    )
    strategies: tuple[str, ...] = option(
        (),
        "Strategies from ucb (the reference bonus), ucb1, random, oracle; empty: all that apply.",
    )
    bandit_seeds: tuple[int, ...] = option((0, 1, 2), "Seeds of the bandit (arms and draw order).")
    rounds: int = option(25, "Rounds T of the bandit.")
    batch_size: int | None = option(None, "Points per pull (default: the smallest arm / T).")
    detection: str = option(
        DEFAULT_DETECTION,
        "How a pulled batch is partitioned: history (the "
        "reference loop), pooled (batch and collected data, re-labelled "
        "each round) or batch (variant A on the batch alone).",
    )
    estimator: str = option(
        DEFAULT_ESTIMATOR,
        "What the UCB index counts: reference (the "
        "detection rule's overlap, relative) or calibrated (thresholds "
        "fixed once from a calibration sample).",
    )
    calibration_size: int = option(
        DEFAULT_CALIBRATION_SIZE,
        "Calibrated estimator: the whole pool up to this many points, else a sample of this size.",
    )
    eval_every: int = option(1, "Train and test the strong probe every k rounds.")

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.seeds) != 1:
            raise W2SGError(
                f"w2sg select runs on one split seed; give one --seeds value, not "
                f"{list(self.seeds)} (the bandit's seeds are --bandit-seeds)"
            )
        v.choice(self.similarity, self.flag("similarity"), SIMILARITIES)
        object.__setattr__(
            self, "bandit_seeds", v.seeds(self.bandit_seeds, self.flag("bandit_seeds"))
        )
        v.positive(self.rounds, self.flag("rounds"))
        if self.batch_size is not None:
            v.positive(self.batch_size, self.flag("batch_size"))
        v.choice(self.detection, self.flag("detection"), DETECTIONS)
        v.choice(self.estimator, self.flag("estimator"), ESTIMATORS)
        v.positive(self.calibration_size, self.flag("calibration_size"))
        v.positive(self.eval_every, self.flag("eval_every"))
        check_options(
            self.strategies or None,
            self.arms,
            self.densities,
            self.detection,
            self.estimator,
            self.calibration_size,
        )

    def stage_options(self) -> dict[str, Any]:
        """The keyword arguments of `run_selection_stage`."""
        return {
            "strategies": list(self.strategies) or None,
            "seeds": self.bandit_seeds,
            "rounds": self.rounds,
            "batch_size": self.batch_size,
            "densities": self.densities,
            "arms": self.arms,
            "detection": self.detection,
            "estimator": self.estimator,
            "calibration_size": self.calibration_size,
            "eval_every": self.eval_every,
            "l2": self.l2,
        }


def select_on_dataset(config: SelectConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Every strategy of `config` on its dataset's pool; writes OUT/selection.json and figures."""
    split_seed = config.seeds[0]
    prepared = prepare_study(config, log)
    data, a = prepared.dataset, prepared.arrays[split_seed]
    weak = LogisticProbe(l2=config.l2).fit(a.weak_train_x, a.weak_train_y)
    pool_probs = weak.predict(a.pool_weak_x)
    weak_test = evaluate(a.test_y, weak.predict(a.test_weak_x))
    partition = detect_overlap(
        pool_probs, a.pool_strong_x, similarity=as_similarity(config.similarity)
    )
    counts = partition.counts()
    log(f"weak test accuracy {weak_test['accuracy']:.4f}; pool partition {counts}")
    out = Path(out_dir)
    stage = run_selection_stage(
        pool_probs,
        a.pool_strong_x,
        partition,
        a.pool_sources,
        a.test_strong_x,
        a.test_y,
        progress=lambda strategy, seed, t: (
            log(f"{strategy}, seed {seed}: round {t}") if t % 5 == 0 else None
        ),
        **config.stage_options(),
    )
    stage["figures"] = [p.name for p in write_selection_figures(stage, out, title=data.name)]
    stage["setup"] = {
        "dataset": data.name,
        "weak_model": config.weak_model,
        "strong_model": config.strong_model,
        "weak_layer": config.weak_layer,
        "strong_layer": config.strong_layer,
        "models": prepared.models,
        "sizes": {
            "weak_train": config.weak_train,
            "strong_train": config.strong_train,
            "test": config.test,
        },
        "split_seed": split_seed,
        "weak_test": weak_test,
        "pool_partition": {
            **counts,
            "similarity": config.similarity,
            "fallback": partition.fallback,
        },
        "pool_sources": {} if a.pool_sources is None else value_counts(a.pool_sources),
    }
    stage["config"] = config.to_json()
    write_json(out / "selection.json", stage)
    log(f"wrote {out / 'selection.json'}")
    return stage
