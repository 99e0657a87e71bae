"""The main job, `w2sg run`: a whole data-centric W2S study on one dataset and model pair.

dataset -> splits -> cached activations -> weak / student / ceiling -> overlap detection ->
mixing experiment -> data-source selection -> results.json, overlap.npz, figures, summary.md.
The algorithms live in `overlap/`, `probes/`, `selection/`; this module only wires them and
owns the files (STYLE: glue that wires stages and owns I/O).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2sg.data.types import TextDataset
from w2sg.experiments.config import StudyConfig
from w2sg.experiments.w2s import weak_to_strong
from w2sg.io import write_atomic, write_json

Log = Callable[[str], None]


@dataclass(frozen=True)
class StudyArrays:
    """Activations and labels of one seed's splits, as the algorithms take them."""

    weak_train_x: np.ndarray
    weak_train_y: np.ndarray
    pool_ids: np.ndarray
    pool_weak_x: np.ndarray
    pool_strong_x: np.ndarray
    pool_y: np.ndarray
    pool_sources: np.ndarray | None
    test_weak_x: np.ndarray
    test_strong_x: np.ndarray
    test_y: np.ndarray


def _union(parts: list[TextDataset], name: str) -> TextDataset:
    """All rows of `parts`, each once, sorted by id (a stable address for the cache)."""
    sources = [p.sources for p in parts]
    joined = TextDataset(
        name=name,
        ids=np.concatenate([p.ids for p in parts]),
        texts=np.concatenate([p.texts for p in parts]),
        labels=np.concatenate([p.labels for p in parts]),
        sources=None if any(x is None for x in sources) else np.concatenate(sources),
        meta=parts[0].meta,
    )
    _, first = np.unique(joined.ids, return_index=True)  # np.unique sorts: first is id order
    return joined.subset(first)


def _rows(union: TextDataset, part: TextDataset) -> np.ndarray:
    """Positions of `part`'s rows in `union` (whose ids are sorted)."""
    return np.searchsorted(union.ids, part.ids)


@dataclass(frozen=True)
class PreparedStudy:
    """A dataset, its splits per seed, and the activations the algorithms take."""

    dataset: TextDataset
    arrays: dict[int, StudyArrays]  # per split seed


def prepare_study(config: StudyConfig, log: Log = print) -> PreparedStudy:
    """Load the dataset, cut the splits of every seed and extract (cached) activations.

    Both models embed the union of all rows the seeds use, once, sorted by id; a literature
    task's own test pool is reserved for `test` (SPEC §8).
    """
    from w2sg.data import load_dataset, natural_sources, own_test_pool
    from w2sg.data.splits import SplitSizes, make_splits
    from w2sg.models import get_activations, resolve_model

    for model in (config.weak_model, config.strong_model):
        resolve_model(model)  # an unknown or missing model fails before any work
    dataset = load_dataset(config.dataset, **config.dataset_options)
    sizes = SplitSizes(
        weak_train=config.weak_train,
        strong_train=config.strong_train,
        val=config.val,
        test=config.test,
    )
    test_pool = own_test_pool(dataset)
    splits = {
        seed: make_splits(dataset, sizes, seed, test_pool=test_pool) for seed in config.seeds
    }
    parts = [
        part
        for s in splits.values()
        for part in (s.weak_train, s.strong_train, s.val, s.test)
        if len(part)
    ]
    union = _union(parts, dataset.name)
    log(f"{dataset.name}: {len(dataset)} rows; {len(union)} used over {len(config.seeds)} seed(s)")
    acts = {}
    for role, model, layer in (
        ("weak", config.weak_model, config.weak_layer),
        ("strong", config.strong_model, config.strong_layer),
    ):
        log(f"activations: {role} model {model}, layer {layer}")
        acts[role] = get_activations(
            model,
            union,
            split="study",
            layers=(layer,),
            pooling=config.pooling,
            max_length=config.max_length,
            dtype=config.dtype,
        )[layer]
    has_sources = natural_sources(dataset) is not None
    arrays = {
        seed: _arrays(union, acts["weak"], acts["strong"], s, has_sources)
        for seed, s in splits.items()
    }
    return PreparedStudy(dataset=dataset, arrays=arrays)


def run_study(config: StudyConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Run the study of `config` and write its results into `out_dir`; return results.json."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    prepared = prepare_study(config, log)
    timings: dict[str, float] = {"data_and_activations_s": time.perf_counter() - t0}

    runs = [
        _run_seed(config, seed, arrays, out, log, timings)
        for seed, arrays in prepared.arrays.items()
    ]
    results = _assemble(config, prepared.dataset, runs, timings, time.perf_counter() - t0)
    write_json(out / "results.json", results)
    from w2sg.report.study import write_study_report

    write_study_report(results, runs, out)
    log(f"wrote {out / 'results.json'} and {out / 'summary.md'}")
    return results


def _arrays(
    union: TextDataset, weak: np.ndarray, strong: np.ndarray, s, has_sources: bool
) -> StudyArrays:
    w, p, t = _rows(union, s.weak_train), _rows(union, s.strong_train), _rows(union, s.test)
    return StudyArrays(
        weak_train_x=weak[w],
        weak_train_y=s.weak_train.labels,
        pool_ids=s.strong_train.ids,
        pool_weak_x=weak[p],
        pool_strong_x=strong[p],
        pool_y=s.strong_train.labels,
        pool_sources=s.strong_train.sources if has_sources else None,
        test_weak_x=weak[t],
        test_strong_x=strong[t],
        test_y=s.test.labels,
    )


def _run_seed(
    config: StudyConfig, seed: int, a: StudyArrays, out: Path, log: Log, timings: dict
) -> dict:
    from w2sg.overlap.mixing import mixing_experiment

    t = time.perf_counter()
    outcome = weak_to_strong(
        a.weak_train_x, a.weak_train_y, a.pool_weak_x, a.pool_strong_x, a.pool_y,
        a.test_weak_x, a.test_strong_x, a.test_y, l2=config.l2,
    )  # fmt: skip
    log(
        f"seed {seed}: weak {outcome.weak['accuracy']:.4f}, w2s {outcome.w2s['accuracy']:.4f}, "
        f"ceiling {outcome.ceiling['accuracy']:.4f}, PGR {_fmt(outcome.pgr['accuracy'])}"
    )
    timings[f"probes_seed{seed}_s"] = time.perf_counter() - t

    t = time.perf_counter()
    detection, overlap_json = _detect(config, seed, a, outcome.pool_weak_probs, out, log)
    timings[f"detect_seed{seed}_s"] = time.perf_counter() - t

    t = time.perf_counter()
    non_overlap = np.sort(np.concatenate([detection.easy_only, detection.hard_only]))
    mixing = mixing_experiment(
        a.pool_strong_x,
        outcome.pool_weak_probs,
        detection.overlap,
        non_overlap,
        a.test_strong_x,
        a.test_y,
        qs=config.mixing_qs,
        seeds=config.mixing_seeds,
        l2=config.l2,
        weak_metrics=outcome.weak,
        ceiling_metrics=outcome.ceiling,
    )
    timings[f"mixing_seed{seed}_s"] = time.perf_counter() - t
    log(f"seed {seed}: mixing slope {_fmt(mixing.slope())} accuracy per unit q")

    selection = None
    if config.selection:
        t = time.perf_counter()
        selection = _selection(config, seed, a, outcome.pool_weak_probs, detection, out, log)
        timings[f"selection_seed{seed}_s"] = time.perf_counter() - t

    return {
        "seed": seed,
        **outcome.to_json(),
        "overlap": overlap_json,
        "mixing": mixing.rows,
        "mixing_summary": mixing.summary(),
        "mixing_slope": mixing.slope(),
        "selection": selection,
        "_detection": detection,
    }


def _detect(
    config: StudyConfig, seed: int, a: StudyArrays, weak_probs: np.ndarray, out: Path, log: Log
):
    """Detect overlap in the pool and save the partition beside results.json (SPEC §3)."""
    from w2sg.overlap.detect import detect_overlap

    detection = detect_overlap(
        weak_probs, a.pool_strong_x, similarity=config.similarity, detector=config.detector
    )
    counts = detection.counts()
    log(
        f"seed {seed}: overlap {counts['n_overlap']}, easy-only {counts['n_easy_only']}, "
        f"hard-only {counts['n_hard_only']}" + (" (fallback)" if detection.fallback else "")
    )
    npz = out / ("overlap.npz" if seed == config.seeds[0] else f"overlap_seed{seed}.npz")
    arrays = {
        "pool_ids": a.pool_ids.astype(str),
        "overlap": detection.overlap,
        "easy_only": detection.easy_only,
        "hard_only": detection.hard_only,
        "confidence": detection.confidence,
        "scores": detection.scores,
        "weak_probs": weak_probs,
        "pool_labels": a.pool_y,
    }
    write_atomic(npz, lambda tmp: _save_npz(tmp, **arrays))
    summary = {
        **counts,
        "confidence_threshold": detection.confidence_threshold,
        "overlap_threshold": detection.overlap_threshold,
        "fallback": detection.fallback,
        "reasons": list(detection.reasons),
        "similarity": detection.similarity,
        "detector": config.detector,
        "file": npz.name,
    }
    return detection, summary


def _selection(config, seed, a: StudyArrays, weak_probs, detection, out: Path, log: Log):
    from w2sg.experiments.selection import run_selection_stage

    kind = "natural" if a.pool_sources is not None else "constructed"
    log(f"seed {seed}: choosing data sources ({kind} arms)")
    return run_selection_stage(
        weak_probs,
        a.pool_strong_x,
        detection,
        a.pool_sources,
        a.test_strong_x,
        a.test_y,
        seeds=config.selection_seeds,
        rounds=config.selection_rounds,
        eval_every=config.selection_eval_every,
        estimator=config.selection_estimator,
        detector=config.detector,
        l2=config.l2,
        out_dir=out / ("selection" if seed == config.seeds[0] else f"selection_seed{seed}"),
        title=f"{config.dataset}: {config.weak_model} -> {config.strong_model}",
    )


def _save_npz(tmp: Path, **arrays: np.ndarray) -> None:
    with open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _mean_std(values: list[float | None]) -> dict:
    vals = [v for v in values if v is not None]
    if not vals:
        return {"mean": None, "std": None}
    return {"mean": float(np.mean(vals)), "std": float(np.std(vals))}


def _assemble(config: StudyConfig, dataset: TextDataset, runs: list[dict], timings, total):
    """results.json: the contract other tools read (issue 4's results contract)."""
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in runs]
    first = clean[0]
    results = {
        "config": config.to_json(),
        "dataset": {
            "name": dataset.name,
            "rows": len(dataset),
            "label_counts": dataset.label_counts(),
            "meta": dataset.meta,
        },
    }
    if len(clean) == 1:
        for key in ("weak", "w2s", "ceiling", "pgr", "overlap", "mixing", "selection"):
            results[key] = first[key]
        results["mixing_summary"] = first["mixing_summary"]
        results["mixing_slope"] = first["mixing_slope"]
        results["weak_label_accuracy"] = first["weak_label_accuracy"]
    else:
        for key in ("weak", "w2s", "ceiling", "pgr"):
            stats = {m: _mean_std([r[key][m] for r in clean]) for m in ("accuracy", "auc")}
            results[key] = {m: st["mean"] for m, st in stats.items()}
            results[f"{key}_std"] = {m: st["std"] for m, st in stats.items()}
        results["pgr_median"] = {
            m: (None if any(r["pgr"][m] is None for r in clean)
                else float(np.median([r["pgr"][m] for r in clean])))
            for m in ("accuracy", "auc")
        }  # fmt: skip
        results["overlap"] = {**first["overlap"], "seed": first["seed"]}
        results["mixing"] = [{**row, "split_seed": r["seed"]} for r in clean for row in r["mixing"]]
        results["selection"] = first["selection"]
    results["per_seed"] = clean
    results["timings"] = {k: round(v, 3) for k, v in timings.items()}
    results["timings"]["total_s"] = round(total, 3)
    return results
