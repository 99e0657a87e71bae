"""`w2sg interventions`: every probe-mode W2S intervention on the same splits and weak labels.

Glue only: the study's preparation (splits, cached activations) feeds the pure interventions
of `w2sg.interventions`; each intervention's training set trains the probe-mode student (the
study's logistic probe) on the same splits and weak labels (docs/methods.md#interventions).
The probes read one layer of the strong model [the middle one]; the student reads the study's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.interventions.sets import (
    DEFAULT_INTERVENTIONS,
    InterventionOptions,
    parse_intervention,
    probe_predictions,
    training_set,
)
from w2sg.io import write_json
from w2sg.models.layers import resolve_layer
from w2sg.models.provenance import run_provenance
from w2sg.options import default, internal, option
from w2sg.presets import Preset, Presettable, Setting
from w2sg.probes.logistic import LogisticProbe
from w2sg.report.interventions import write_interventions_report
from w2sg.stats.metrics import evaluate
from w2sg.stats.pgr import DEFAULT_MARGIN, describe, pgr
from w2sg.stats.similarity import mean_over_seeds
from w2sg.study.config import ProbeSetup
from w2sg.study.prepare import prepare_study, strong_layers

Log = Callable[[str], None]


_E = "EleutherAI/w2s@a929af0 "
ELEUTHER = Preset(
    "eleuther",
    "the EleutherAI/w2s probe settings (commit a929af0)",
    (
        Setting("options.k", 50, _E + "w2s/probe.py: KnnProbeConfig.k: int = 50"),
        Setting("options.probe_l2", 1e-3, _E + "w2s/probe.py: LogisticProbeConfig.l2p = 1e-3"),
        Setting("options.contamination", 0.1, _E + "w2s/sft_config.py: contamination: float = 0.1"),
        Setting("probe_layer", None, _E + "w2s/sft.py: probe_layer = all_acts.shape[1] // 2"),
    ),
)


@dataclass(frozen=True)
class InterventionsConfig(Presettable, ProbeSetup):
    """What `w2sg interventions` does; sizes fit a busy CPU (the literature's: 5,000 each)."""

    presets: ClassVar[Mapping[str, Preset]] = {"eleuther": ELEUTHER}

    weak_train: int = default(2000)
    strong_train: int = default(2000)
    test: int = default(1000)
    seeds: tuple[int, ...] = default((0, 1, 2))
    probe_layer: int | None = option(
        None, "The probes' layer of the strong model (default: its middle one)."
    )
    interventions: tuple[str, ...] = option(
        DEFAULT_INTERVENTIONS,
        "Interventions: none, probe:M, filter:M, relabel:M (M = knn, logistic or topo), "
        "confident, overlap, overlap+hard.",
    )
    options: InterventionOptions = option(factory=InterventionOptions)
    preset: str | None = option(
        None,
        "Published probe settings to take: eleuther (EleutherAI/w2s); options given "
        "explicitly win over them.",
    )
    preset_given: tuple[str, ...] = internal()
    preset_overrides: tuple[str, ...] = internal(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", InterventionOptions.of(self.options))
        self._apply_preset()
        super().__post_init__()
        names = [parse_intervention(n).name for n in v.strings(self.interventions, "interventions")]
        if not names:
            raise W2SGError("give at least one intervention")
        if len(set(names)) != len(names):
            raise W2SGError(f"interventions repeat a name: {', '.join(names)}")
        if self.probe_layer is not None and (
            isinstance(self.probe_layer, bool) or not isinstance(self.probe_layer, int)
        ):
            raise W2SGError(f"probe_layer must be a whole number, got {self.probe_layer!r}")


def probe_and_student_layers(config: InterventionsConfig) -> tuple[int, int]:
    """(the probes' layer, the student's layer) of the strong model, as hidden_states indices."""
    return (
        resolve_layer(config.probe_layer, config.strong_model),
        resolve_layer(config.strong_layer, config.strong_model),
    )


def warm_interventions(config: InterventionsConfig, log: Log = print) -> None:
    """Extract (and cache) every activation `run_interventions` reads: the strong model at the
    probes' and the student's layers, and the study's weak and strong activations.

    A sweep calls it once per (dataset, models, layers) before its cells run, as the study's
    warm-up does, so the cells read the activation store only."""
    layers = tuple(sorted(set(probe_and_student_layers(config))))
    strong_layers(config, layers, log)
    prepare_study(config, log)


def run_interventions(config: InterventionsConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Every chosen intervention on the same splits and weak labels, per seed; write results.

    Example::

        config = w2sg.InterventionsConfig(interventions=("none", "filter:topo", "overlap"))
        results = w2sg.run_interventions(config, "runs/iv")
        results["interventions"]["filter:topo"]["pgr_accuracy"]["mean"]
    """
    v.instance(config, InterventionsConfig, "config", "w2sg.InterventionsConfig(...)")
    out = v.output_dir(v.path_like(out_dir, "out_dir"), "out_dir")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    probe_layer, student_layer = probe_and_student_layers(config)
    log(f"probe layer {probe_layer}, student layer {student_layer} of {config.strong_model}")
    layers = strong_layers(config, tuple(sorted({probe_layer, student_layer})), log)
    prepared = prepare_study(config, log)
    timings = {"data_and_activations_s": time.perf_counter() - t0}
    runs = []
    for seed, arrays in prepared.arrays.items():
        t = time.perf_counter()
        probe_x = layers.layers[probe_layer]
        runs.append(
            run_seed(
                config,
                seed,
                arrays,
                probe_x[layers.pool_rows[seed]],
                probe_x[layers.test_rows[seed]],
                log,
            )
        )
        timings[f"seed{seed}_s"] = time.perf_counter() - t
    results = {
        "config": config.to_json(),
        "preset": config.preset_json(),
        "provenance": run_provenance(
            prepared.models,
            dtype=config.dtype,
        ),
        "dataset": {"name": prepared.dataset.name, "rows": len(prepared.dataset)},
        "probe_layer": probe_layer,
        "student_layer": student_layer,
        **summarise(
            runs, [parse_intervention(n).name for n in config.interventions], config.pgr_margin
        ),
        "per_seed": runs,
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
    results["timings"]["total_s"] = round(time.perf_counter() - t0, 3)
    write_json(out / "results.json", results)
    write_interventions_report(results, out)
    log(f"wrote {out / 'results.json'} and {out / 'summary.md'}")
    return results


def run_seed(config: InterventionsConfig, seed: int, a, probe_pool, probe_test, log: Log) -> dict:
    """One seed: weak / plain student / ceiling, then each intervention's student or probe."""
    outcome = a.weak_to_strong(config.l2, margin=config.pgr_margin)
    weak_probs = outcome.pool_weak_probs
    rows = {}
    for name in config.interventions:
        spec = parse_intervention(name)
        row = intervention_row(spec, config, a, weak_probs, probe_pool, probe_test, outcome.w2s)
        gaps = {
            m: pgr(outcome.weak[m], row["test"][m], outcome.ceiling[m], config.pgr_margin)
            for m in row["test"]
        }
        row["pgr"] = {m: g.value for m, g in gaps.items()}
        rows[spec.name] = row
        log(
            f"seed {seed}: {spec.name:<16} accuracy {_fmt(row['test']['accuracy'])}, "
            f"PGR {_fmt(row['pgr']['accuracy'])}, kept {row['n_kept']}"
        )
    return {
        "seed": seed,
        "weak": outcome.weak,
        "w2s": outcome.w2s,
        "ceiling": outcome.ceiling,
        "weak_label_accuracy": outcome.weak_label_accuracy,
        "similarity": outcome.similarity,
        "interventions": rows,
    }


def intervention_row(spec, config, a, weak_probs, probe_pool, probe_test, plain: dict) -> dict:
    """Test metrics of one intervention's student (or probe), and what it kept."""
    ts = training_set(spec, probe_pool, weak_probs, config.options)
    if spec.kind == "none":
        test = plain  # the study's plain student, trained exactly so
    elif spec.kind == "probe":
        preds = probe_predictions(spec.method, probe_pool, weak_probs, probe_test, config.options)
        test = evaluate(a.test_y, preds)
    elif ts.n_kept == 0:
        test = {"accuracy": None, "auc": None}
    else:
        student = LogisticProbe(l2=config.l2).fit(a.pool_strong_x[ts.indices], ts.labels)
        test = evaluate(a.test_y, student.predict(a.test_strong_x))
    right = (weak_probs > 0.5) == (a.pool_y == 1)
    dropped = np.setdiff1d(np.arange(len(weak_probs)), ts.indices)
    trained_right = (ts.labels > 0.5) == (a.pool_y[ts.indices] == 1)
    return {
        "test": test,
        "n_kept": ts.n_kept,
        "kept_fraction": ts.n_kept / len(weak_probs),
        "weak_label_accuracy_kept": _mean(right[ts.indices]),
        "weak_label_accuracy_dropped": _mean(right[dropped]),
        "train_label_accuracy": _mean(trained_right),
        "info": ts.info,
    }


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def _mean(x: np.ndarray) -> float | None:
    return float(np.mean(x)) if len(x) else None


def summarise(runs: list[dict], names: list[str], margin: float = DEFAULT_MARGIN) -> dict:
    """Mean and spread (std over seeds) per intervention; PGR also relative to `none`."""
    base = {
        key: {m: describe([r[key][m] for r in runs]) for m in ("accuracy", "auc")}
        for key in ("weak", "w2s", "ceiling")
    }
    table = {}
    for name in names:
        rows = [r["interventions"][name] for r in runs]
        entry = {m: describe([row["test"][m] for row in rows]) for m in ("accuracy", "auc")}
        for m in ("accuracy", "auc"):
            entry[f"pgr_{m}"] = describe([row["pgr"][m] for row in rows])
            plain = [pgr(r["weak"][m], r["w2s"][m], r["ceiling"][m], margin).value for r in runs]
            entry[f"pgr_{m}_vs_plain"] = describe(
                [_diff(row["pgr"][m], b) for row, b in zip(rows, plain, strict=True)]
            )
        for key in (
            "n_kept",
            "kept_fraction",
            "weak_label_accuracy_kept",
            "weak_label_accuracy_dropped",
            "train_label_accuracy",
        ):
            entry[key] = describe([row[key] for row in rows])
        topo = [row["info"].get("topocc_removed_fraction") for row in rows]
        if any(v is not None for v in topo):
            entry["topocc_removed_fraction"] = describe(topo)
        table[name] = entry
    similarity = mean_over_seeds([r.get("similarity") for r in runs])
    return {**base, "similarity": similarity, "interventions": table}


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b
