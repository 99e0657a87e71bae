"""The main job, `w2sg run`: a whole data-centric W2S study on one dataset and model pair.

dataset -> splits -> cached activations -> weak / student / ceiling -> overlap detection ->
mixing experiment -> data-source selection -> results.json, overlap.npz, figures, summary.md.
The algorithms live in `overlap/`, `probes/`, `selection/`; this module only wires them and
owns the files (STYLE: glue that wires stages and owns I/O).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from w2sg import validate
from w2sg.io import write_atomic, write_json
from w2sg.models.provenance import run_provenance
from w2sg.overlap.detect import OverlapResult, detect_overlap
from w2sg.overlap.mixing import mixing_experiment
from w2sg.overlap.similarity import as_similarity
from w2sg.overlap.strength import split_strengths
from w2sg.report.selection_figures import write_selection_figures
from w2sg.report.study import write_study_report
from w2sg.selection.stage import run_selection_stage
from w2sg.stages import StageResult, StageStore, fingerprint
from w2sg.study.config import StudyConfig
from w2sg.study.prepare import PreparedStudy, StudyArrays, prepare_study
from w2sg.study.results import assemble
from w2sg.study.weak_ensemble import label_model_supervision, weak_ensemble

Log = Callable[[str], None]


def run_study(config: StudyConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Run the study of `config` and write its results into `out_dir`; return results.json.

    Each seed's stages (probes, detection, mixing, selection) are saved as they finish under
    `out_dir/stages`; a rerun of the same config resumes from them with identical results.

    Example::

        config = w2sg.StudyConfig(dataset="rotten_tomatoes", weak_train=1000, strong_train=1000,
                                  test=1000, seeds=(0, 1, 2))
        results = w2sg.run_study(config, "runs/rt")  # also runs/rt/summary.md, report.html
        results["pgr"]["accuracy"], results["overlap"]
    """
    validate.instance(config, StudyConfig, "config", "w2sg.StudyConfig(...)")
    out_dir = validate.output_dir(validate.path_like(out_dir, "out_dir"), "out_dir")
    t0 = time.perf_counter()
    prepared = prepare_study(config, log)
    return run_prepared_study(
        config, prepared, out_dir, log, {"data_and_activations_s": time.perf_counter() - t0}
    )


def run_prepared_study(
    config: StudyConfig,
    prepared: PreparedStudy,
    out_dir: str | Path,
    log: Log = print,
    timings: dict[str, float] | None = None,
) -> dict:
    """The study's stages on prepared arrays (any source: a dataset, a notebook, a test)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    timings = dict(timings or {})
    resumed: list[str] = []
    runs = [
        _run_seed(config, seed, arrays, out, log, timings, resumed)
        for seed, arrays in prepared.arrays.items()
    ]
    results = assemble(config, prepared.dataset, runs)
    results["provenance"] = run_provenance(
        prepared.models, dtype=config.dtype, extra={"resumed_stages": resumed}
    )
    results["timings"] = {k: round(v, 3) for k, v in timings.items()}
    results["timings"]["total_s"] = round(
        time.perf_counter() - t0 + timings.get("data_and_activations_s", 0.0), 3
    )
    write_json(out / "results.json", results)
    write_study_report(results, runs, out)
    log(f"wrote {out / 'results.json'}, {out / 'summary.md'} and {out / 'report.html'}")
    return results


# Config fields that record how the config was made, not what it computes (the preset's
# values are in the fields it set): a run's stages do not depend on them.
_BOOKKEEPING = ("preset", "preset_given", "preset_overrides")
# Config fields that only a later stage reads: changing them keeps the earlier stages.
_MIXING_FIELDS = ("mixing_qs", "mixing_seeds")
_SELECTION_FIELDS = (
    "selection",
    "selection_seeds",
    "selection_rounds",
    "selection_eval_every",
    "selection_estimator",
)


def _stage_keys(config: StudyConfig, seed: int, a: StudyArrays) -> dict[str, str]:
    """Fingerprints of each stage: the config fields it reads, the seed and its input arrays."""
    cfg = config.to_json()
    late = (*_MIXING_FIELDS, *_SELECTION_FIELDS, *_BOOKKEEPING)
    inputs = [getattr(a, f.name) for f in dataclasses.fields(a) if f.name != "weak_views"]
    for view in a.weak_views or ():  # several weak supervisors: each one's name and arrays
        inputs += [np.array(view.name), *view.arrays()]
    base = fingerprint(
        {k: v for k, v in cfg.items() if k not in late},
        seed,
        *(
            np.asarray(x).astype(str) if np.asarray(x).dtype == object else np.asarray(x)
            for x in inputs
            if x is not None
        ),
    )
    return {
        "probes": base,
        "detection": base,
        "mixing": fingerprint(base, {k: cfg.get(k) for k in _MIXING_FIELDS}),
        "selection": fingerprint(base, {k: cfg.get(k) for k in _SELECTION_FIELDS}),
    }


# What the probes stage gives each seed's block of results.json, in this order.
_PROBE_KEYS = (
    "weak",
    "w2s",
    "ceiling",
    "pgr",
    "pgr_reasons",
    "weak_label_accuracy",
    "similarity",
    "weak_supervision",
    "weak_ensemble",
)


def _run_seed(
    config: StudyConfig,
    seed: int,
    a: StudyArrays,
    out: Path,
    log: Log,
    timings: dict,
    resumed: list[str],
) -> dict:
    """The stages of one split seed, each saved when it finishes and reused on a rerun."""
    store = StageStore(out / "stages" / f"seed{seed}")
    keys = _stage_keys(config, seed, a)

    def stage(name: str, compute, needs=()) -> StageResult:
        t = time.perf_counter()
        result = store.run(name, keys[name], compute, needs)
        timings[f"{name}_seed{seed}_s"] = time.perf_counter() - t
        if result.resumed:
            resumed.append(f"seed{seed}/{name}")
            log(f"seed {seed}: {name} resumed from {store.folder}")
        elif not result.ok:
            log(f"seed {seed}: {name} stage {result.status}: {result.reason}")
        return result

    probes = stage("probes", lambda: _probes(config, seed, a, log))
    detection = stage(
        "detection", lambda: _detect(config, a, (probes.arrays or {})["pool_weak_probs"]), (probes,)
    )
    partition = _write_partition(config, seed, a, probes, detection, out, log)
    mixing = stage(
        "mixing", lambda: _mixing(config, seed, a, probes, partition, log), (probes, detection)
    )
    selection = None
    if config.selection:
        selection = stage(
            "selection",
            lambda: _selection(config, seed, a, probes, partition, out, log),
            (probes, detection),
        )
    stages = [s for s in (probes, detection, mixing, selection) if s is not None]
    p = probes.value or {}
    m = mixing.value or {}
    return {
        "seed": seed,
        "stages": {s.name: s.status_json() for s in stages},
        **{key: p.get(key) for key in _PROBE_KEYS},
        "pgr_reasons": p.get("pgr_reasons", {}),
        "overlap": detection.value,
        "mixing": m.get("rows"),
        "mixing_summary": m.get("summary"),
        "mixing_slope": m.get("slope"),
        "selection": None if selection is None else selection.value,
        "_detection": partition,
    }


def _probes(config: StudyConfig, seed: int, a: StudyArrays, log: Log):
    """Weak, student and ceiling probes (docs/methods.md#splits, docs/methods.md#activations):
    metrics, PGR and the weak labels.

    With a label-model supervisor (docs/methods.md#weak-supervision) the label model replaces the
    weak probe.
    """
    supervision = ensemble = None
    if a.weak_views is not None:  # several weak supervisors, combined
        ensemble = weak_ensemble(config, seed, a)
    elif a.pool_votes is not None:
        supervision = label_model_supervision(config, seed, a, config.weak_supervisor)
    weak_probs = None if supervision is None else (supervision.pool_probs, supervision.test_probs)
    if ensemble is not None:
        weak_probs = (ensemble.pool_probs, ensemble.test_probs)
    outcome = a.weak_to_strong(config.l2, weak_probs, config.pgr_margin)
    log(
        f"seed {seed}: weak {outcome.weak['accuracy']:.4f}, w2s {outcome.w2s['accuracy']:.4f}, "
        f"ceiling {outcome.ceiling['accuracy']:.4f}, PGR {_fmt(outcome.pgr['accuracy'])}"
    )
    arrays = {
        "pool_weak_probs": outcome.pool_weak_probs,
        "test_weak_probs": outcome.test_weak_probs,
    }
    value = outcome.to_json()
    if supervision is not None:
        value["weak_supervision"] = supervision.to_json()
    if ensemble is not None:
        value["weak_ensemble"] = ensemble.to_json(outcome, config.pgr_margin)
    return value, arrays


def _detect(config: StudyConfig, a: StudyArrays, weak_probs: np.ndarray):
    """Detect overlap in the pool (docs/methods.md#detection): the summary and the partition's
    arrays."""
    detection = detect_overlap(
        weak_probs,
        a.pool_strong_x,
        similarity=as_similarity(config.similarity),
        detector=config.detector,
    )
    summary = {
        **detection.counts(),
        "confidence_threshold": detection.confidence_threshold,
        "overlap_threshold": detection.overlap_threshold,
        "fallback": detection.fallback,
        "reasons": list(detection.reasons),
        "similarity": detection.similarity,
        "detector": config.detector,
        **split_strengths(detection),
    }
    arrays = {
        name: getattr(detection, name)
        for name in ("overlap", "easy_only", "hard_only", "confidence", "scores")
    }
    return summary, arrays


def _write_partition(config, seed, a: StudyArrays, probes, detection, out: Path, log: Log):
    """The detected partition as an OverlapResult, and overlap.npz beside results.json."""
    if not detection.ok:
        return None
    v, arr = detection.value, detection.arrays
    partition = OverlapResult(
        overlap=arr["overlap"],
        easy_only=arr["easy_only"],
        hard_only=arr["hard_only"],
        confidence=arr["confidence"],
        scores=arr["scores"],
        confidence_threshold=v["confidence_threshold"],
        overlap_threshold=v["overlap_threshold"],
        fallback=v["fallback"],
        reasons=tuple(v["reasons"]),
        similarity=v["similarity"],
        detector=v["detector"],
    )
    log(
        f"seed {seed}: overlap {v['n_overlap']}, easy-only {v['n_easy_only']}, "
        f"hard-only {v['n_hard_only']}" + (" (fallback)" if v["fallback"] else "")
    )
    npz = out / ("overlap.npz" if seed == config.seeds[0] else f"overlap_seed{seed}.npz")
    v["file"] = npz.name
    arrays = {
        "pool_ids": a.pool_ids.astype(str),
        **{k: arr[k] for k in ("overlap", "easy_only", "hard_only", "confidence", "scores")},
        "weak_probs": probes.arrays["pool_weak_probs"],
        "pool_labels": a.pool_y,
    }
    write_atomic(npz, lambda tmp: _save_npz(tmp, **arrays))
    return partition


def _mixing(config: StudyConfig, seed: int, a: StudyArrays, probes, partition, log: Log):
    """The mixing experiment (docs/methods.md#mixing) on the detected partition."""
    p = probes.value
    non_overlap = np.sort(np.concatenate([partition.easy_only, partition.hard_only]))
    mixing = mixing_experiment(
        a.pool_strong_x,
        probes.arrays["pool_weak_probs"],
        partition.overlap,
        non_overlap,
        a.test_strong_x,
        a.test_y,
        qs=config.mixing_qs,
        seeds=config.mixing_seeds,
        l2=config.l2,
        weak_metrics=p["weak"],
        ceiling_metrics=p["ceiling"],
        margin=config.pgr_margin,
    )
    log(f"seed {seed}: mixing slope {_fmt(mixing.slope())} accuracy per unit q")
    return {"rows": mixing.rows, "summary": mixing.summary(), "slope": mixing.slope()}, None


def _selection(config, seed, a: StudyArrays, probes, partition, out: Path, log: Log):
    """The data-source selection stage (docs/methods.md#selection) on this seed's pool."""
    kind = "natural" if a.pool_sources is not None else "constructed"
    log(f"seed {seed}: choosing data sources ({kind} arms)")
    value = run_selection_stage(
        probes.arrays["pool_weak_probs"],
        a.pool_strong_x,
        partition,
        a.pool_sources,
        a.test_strong_x,
        a.test_y,
        seeds=config.selection_seeds,
        rounds=config.selection_rounds,
        eval_every=config.selection_eval_every,
        estimator=config.selection_estimator,
        detector=config.detector,
        l2=config.l2,
    )
    folder = out / ("selection" if seed == config.seeds[0] else f"selection_seed{seed}")
    title = f"{config.dataset}: {config.weak_model} -> {config.strong_model}"
    paths = write_selection_figures(value, folder, title=title)
    value["figures"] = [f"{folder.name}/{p.name}" for p in paths]
    return value, None


def _save_npz(tmp: Path, **arrays: np.ndarray) -> None:
    with open(tmp, "wb") as fh:
        np.savez_compressed(fh, allow_pickle=True, **arrays)  # the default, named: not a key


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"
