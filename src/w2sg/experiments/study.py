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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from w2sg.data.types import TextDataset
from w2sg.experiments.config import StudyConfig
from w2sg.experiments.stages import StageResult, StageStore, fingerprint
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
    # label-model supervisor (SPEC §9): each split's label matrix and the functions' names
    weak_train_votes: np.ndarray | None = None
    pool_votes: np.ndarray | None = None
    test_votes: np.ndarray | None = None
    vote_names: tuple[str, ...] | None = None


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
    models: dict[str, dict] = dataclasses.field(default_factory=dict)  # role -> name, identity


def prepare_study(config: StudyConfig, log: Log = print) -> PreparedStudy:
    """Load the dataset, cut the splits of every seed and extract (cached) activations.

    Both models embed the union of all rows the seeds use, once, sorted by id; a literature
    task's own test pool is reserved for `test` (SPEC §8).
    """
    from w2sg.data import load_dataset, natural_sources, own_test_pool
    from w2sg.data.splits import SplitSizes, make_splits
    from w2sg.models import get_activations, resolve_model

    label_model = config.weak_supervisor != "probe"  # then no weak model is used (SPEC §9)
    roles = (("weak", config.weak_model), ("strong", config.strong_model))
    models = {  # an unknown or missing model fails before any work
        role: resolve_model(name) for role, name in roles if not (label_model and role == "weak")
    }
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
    acts, votes = {}, None
    if label_model:
        from w2sg.supervision.supervisor import study_label_matrix

        log(f"label functions: {config.label_functions or 'the dataset’s own label matrix'}")
        votes = study_label_matrix(config.label_functions, config.dataset, union.ids, union.texts)
        acts["weak"] = np.zeros((len(union), 0), dtype=np.float32)
    for role, model, layer in (
        ("weak", config.weak_model, config.weak_layer),
        ("strong", config.strong_model, config.strong_layer),
    ):
        if role in acts:
            continue
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
        seed: _arrays(union, acts["weak"], acts["strong"], s, has_sources, votes)
        for seed, s in splits.items()
    }
    identities = {
        role: {"name": m.name, "identity": m.identity, "kind": m.kind}
        for role, m in models.items()
    }
    return PreparedStudy(dataset=dataset, arrays=arrays, models=identities)


def run_study(config: StudyConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Run the study of `config` and write its results into `out_dir`; return results.json.

    Each seed's stages (probes, detection, mixing, selection) are saved as they finish under
    `out_dir/stages`; a rerun of the same config resumes from them with identical results.
    """
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
    results = _assemble(config, prepared.dataset, runs)
    results["provenance"] = _provenance(config, prepared, resumed)
    results["timings"] = {k: round(v, 3) for k, v in timings.items()}
    results["timings"]["total_s"] = round(
        time.perf_counter() - t0 + timings.get("data_and_activations_s", 0.0), 3
    )
    write_json(out / "results.json", results)
    from w2sg.report.study import write_study_report

    write_study_report(results, runs, out)
    from w2sg.report.html import write_html_report

    write_html_report(out)
    log(f"wrote {out / 'results.json'}, {out / 'summary.md'} and {out / 'report.html'}")
    return results


def _provenance(config: StudyConfig, prepared: PreparedStudy, resumed: list[str]) -> dict:
    from w2sg.models.load import pick_device, resolve_dtype
    from w2sg.provenance import collect_provenance

    device = pick_device("auto")
    return collect_provenance(
        models=prepared.models,
        device=device,
        dtype=resolve_dtype(config.dtype, device),
        extra={"resumed_stages": resumed},
    )


def _arrays(
    union: TextDataset, weak: np.ndarray, strong: np.ndarray, s, has_sources: bool, votes=None
) -> StudyArrays:
    w, p, t = _rows(union, s.weak_train), _rows(union, s.strong_train), _rows(union, s.test)
    matrix, names = (None, None) if votes is None else votes[:2]
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
        weak_train_votes=None if matrix is None else matrix[w],
        pool_votes=None if matrix is None else matrix[p],
        test_votes=None if matrix is None else matrix[t],
        vote_names=names,
    )


# Config fields that only a later stage reads: changing them keeps the earlier stages.
_MIXING_FIELDS = ("mixing_qs", "mixing_seeds")
_SELECTION_FIELDS = (
    "selection", "selection_seeds", "selection_rounds", "selection_eval_every",
    "selection_estimator",
)  # fmt: skip


def _stage_keys(config: StudyConfig, seed: int, a: StudyArrays) -> dict[str, str]:
    """Fingerprints of each stage: the config fields it reads, the seed and its input arrays."""
    cfg = config.to_json()
    late = (*_MIXING_FIELDS, *_SELECTION_FIELDS)
    inputs = [getattr(a, f.name) for f in dataclasses.fields(a)]
    base = fingerprint(
        {k: v for k, v in cfg.items() if k not in late},
        seed,
        *(np.asarray(x).astype(str) if np.asarray(x).dtype == object else np.asarray(x)
          for x in inputs if x is not None),
    )  # fmt: skip
    return {
        "probes": base,
        "detection": base,
        "mixing": fingerprint(base, {k: cfg.get(k) for k in _MIXING_FIELDS}),
        "selection": fingerprint(base, {k: cfg.get(k) for k in _SELECTION_FIELDS}),
    }


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
        "detection", lambda: _detect(config, a, probes.arrays["pool_weak_probs"]), (probes,)
    )
    partition = _write_partition(config, seed, a, probes, detection, out, log)
    mixing = stage("mixing", lambda: _mixing(config, seed, a, probes, partition, log),
                   (probes, detection))  # fmt: skip
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
        "weak": p.get("weak"),
        "w2s": p.get("w2s"),
        "ceiling": p.get("ceiling"),
        "pgr": p.get("pgr"),
        "pgr_reasons": p.get("pgr_reasons", {}),
        "weak_label_accuracy": p.get("weak_label_accuracy"),
        "weak_supervision": p.get("weak_supervision"),
        "overlap": detection.value,
        "mixing": m.get("rows"),
        "mixing_summary": m.get("summary"),
        "mixing_slope": m.get("slope"),
        "selection": None if selection is None else selection.value,
        "_detection": partition,
    }


def _probes(config: StudyConfig, seed: int, a: StudyArrays, log: Log):
    """Weak, student and ceiling probes (SPEC §1, §2): metrics, PGR and the weak labels.

    With a label-model supervisor (SPEC §9) the label model replaces the weak probe.
    """
    supervision = None
    if a.pool_votes is not None:
        from w2sg.supervision.supervisor import supervise

        supervision = supervise(
            config.weak_supervisor,
            {"weak_train": a.weak_train_votes, "strong_train": a.pool_votes,
             "test": a.test_votes},
            {"weak_train": a.weak_train_y, "strong_train": a.pool_y, "test": a.test_y},
            list(a.vote_names or ()),
            {"source": config.label_functions or f"{config.dataset} (its own label matrix)"},
            seed=seed,
        )  # fmt: skip
    outcome = weak_to_strong(
        a.weak_train_x, a.weak_train_y, a.pool_weak_x, a.pool_strong_x, a.pool_y,
        a.test_weak_x, a.test_strong_x, a.test_y, l2=config.l2,
        weak_probs=None if supervision is None else (supervision.pool_probs,
                                                     supervision.test_probs),
    )  # fmt: skip
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
    return value, arrays


def _detect(config: StudyConfig, a: StudyArrays, weak_probs: np.ndarray):
    """Detect overlap in the pool (SPEC §3): the summary and the partition's arrays."""
    from w2sg.overlap.detect import detect_overlap

    detection = detect_overlap(
        weak_probs, a.pool_strong_x, similarity=config.similarity, detector=config.detector
    )
    summary = {
        **detection.counts(),
        "confidence_threshold": detection.confidence_threshold,
        "overlap_threshold": detection.overlap_threshold,
        "fallback": detection.fallback,
        "reasons": list(detection.reasons),
        "similarity": detection.similarity,
        "detector": config.detector,
    }
    arrays = {
        name: getattr(detection, name)
        for name in ("overlap", "easy_only", "hard_only", "confidence", "scores")
    }
    return summary, arrays


def _write_partition(config, seed, a: StudyArrays, probes, detection, out: Path, log: Log):
    """The detected partition as an OverlapResult, and overlap.npz beside results.json."""
    from w2sg.overlap.detect import OverlapResult

    if not detection.ok:
        return None
    v, arr = detection.value, detection.arrays
    partition = OverlapResult(
        overlap=arr["overlap"], easy_only=arr["easy_only"], hard_only=arr["hard_only"],
        confidence=arr["confidence"], scores=arr["scores"],
        confidence_threshold=v["confidence_threshold"],
        overlap_threshold=v["overlap_threshold"], fallback=v["fallback"],
        reasons=tuple(v["reasons"]), similarity=v["similarity"], detector=v["detector"],
    )  # fmt: skip
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
    """The mixing experiment (SPEC §4) on the detected partition."""
    from w2sg.overlap.mixing import mixing_experiment

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
    )
    log(f"seed {seed}: mixing slope {_fmt(mixing.slope())} accuracy per unit q")
    return {"rows": mixing.rows, "summary": mixing.summary(), "slope": mixing.slope()}, None


def _selection(config, seed, a: StudyArrays, probes, partition, out: Path, log: Log):
    """The data-source selection stage (SPEC §5) on this seed's pool."""
    from w2sg.experiments.selection import run_selection_stage

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
        out_dir=out / ("selection" if seed == config.seeds[0] else f"selection_seed{seed}"),
        title=f"{config.dataset}: {config.weak_model} -> {config.strong_model}",
    )
    return value, None


def _save_npz(tmp: Path, **arrays: np.ndarray) -> None:
    with open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _defined(values: list[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None]


def _seed_stats(clean: list[dict], key: str) -> tuple[dict, dict, dict, dict]:
    """Mean, std, median and count over the seeds where each metric of `key` is defined."""
    mean, std, median, count = {}, {}, {}, {}
    for m in ("accuracy", "auc"):
        vals = _defined([(r[key] or {}).get(m) for r in clean])
        mean[m] = float(np.mean(vals)) if vals else None
        std[m] = float(np.std(vals)) if vals else None
        median[m] = float(np.median(vals)) if vals else None
        count[m] = len(vals)
    return mean, std, median, count


def _assemble(config: StudyConfig, dataset: TextDataset, runs: list[dict]) -> dict:
    """results.json: the contract other tools read (config, metrics, stages, per seed)."""
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
        "stages": {f"seed{r['seed']}": r["stages"] for r in clean},
    }
    if len(clean) == 1:
        for key in ("weak", "w2s", "ceiling", "pgr", "pgr_reasons", "overlap", "mixing"):
            results[key] = first[key]
        results["mixing_summary"] = first["mixing_summary"]
        results["mixing_slope"] = first["mixing_slope"]
        results["selection"] = first["selection"]
        results["weak_label_accuracy"] = first["weak_label_accuracy"]
    else:
        for key in ("weak", "w2s", "ceiling", "pgr"):
            mean, std, median, count = _seed_stats(clean, key)
            results[key], results[f"{key}_std"] = mean, std
            if key == "pgr":
                results["pgr_median"], results["pgr_n_defined"] = median, count
        results["pgr_reasons"] = {
            m: [f"seed {r['seed']}: {r['pgr_reasons'][m]}" for r in clean
                if m in (r["pgr_reasons"] or {})]
            for m in ("accuracy", "auc")
        }  # fmt: skip
        results["pgr_reasons"] = {m: v for m, v in results["pgr_reasons"].items() if v}
        results["overlap"] = None if first["overlap"] is None else {
            **first["overlap"], "seed": first["seed"]
        }  # fmt: skip
        results["mixing"] = [
            {**row, "split_seed": r["seed"]} for r in clean for row in (r["mixing"] or [])
        ]
        slopes = _defined([r["mixing_slope"] for r in clean])
        results["mixing_slope"] = float(np.mean(slopes)) if slopes else None
        results["mixing_slope_std"] = float(np.std(slopes)) if slopes else None
        results["mixing_slope_n_defined"] = len(slopes)
        results["selection"] = first["selection"]
    if config.weak_supervisor != "probe":
        results["weak_supervisor"] = {"name": config.weak_supervisor,
                                      **(first["weak_supervision"] or {})}
    results["per_seed"] = clean
    return results
