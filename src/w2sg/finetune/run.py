"""`w2sg finetune`: weak, students and ceiling trained for real (docs/methods.md#fine-tune-mode).

dataset -> splits per seed -> weak model (ground truth) -> students (one per loss, on the weak
model's soft labels) -> strong-to-strong -> ceiling -> interventions (a student per probe
filter / relabel / selection) -> overlap partition of strong_train and test -> results.json,
curves figure, summary.md. Every trained model is a stage (`w2sg.finetune.store`), so a rerun
with another student loss reuses the weak model and the ceiling and a killed run resumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from w2sg import validate
from w2sg.data import load_dataset, seed_splits
from w2sg.data.types import TextDataset
from w2sg.finetune.classifier import amp_dtype, check_lora
from w2sg.finetune.config import FinetuneConfig
from w2sg.finetune.interventions import interventions
from w2sg.finetune.partition import overlap_by_partition, trained_mixing
from w2sg.finetune.s2s import strong_to_strong
from w2sg.finetune.specs import LossSpec, parse_loss
from w2sg.finetune.stage import SeedData, Target, model_json, pgr_json, train_stage
from w2sg.finetune.store import data_digest
from w2sg.finetune.truncation import count_and_warn
from w2sg.io import write_json
from w2sg.models.layers import check_max_length
from w2sg.models.load import pick_device
from w2sg.models.provenance import model_identities, model_identity, run_provenance
from w2sg.report.finetune import write_finetune_report
from w2sg.stats.metrics import evaluate
from w2sg.stats.pgr import DEFAULT_MARGIN, describe, pgr_of_means, pgr_reasons
from w2sg.stats.similarity import mean_over_seeds, weak_strong_similarity

Log = Callable[[str], None]
METRICS = ("accuracy", "auc")


def _ground_truth(data: SeedData, part: str) -> Target:
    s = data.splits
    labels = getattr(s, part).labels.astype(float)
    return Target(part, labels, s.val.labels.astype(float), "ground_truth")


def _students(config: FinetuneConfig, data: SeedData, weak: dict, log: Log) -> dict[str, dict]:
    """One student per loss on the weak model's soft labels, then strong-to-strong."""
    stages: dict[str, dict] = {}
    for name, spec in zip(config.losses, config.loss_specs(), strict=True):
        target = Target(
            "strong_train", weak["probs"]["strong_train"], weak["probs"]["val"], weak["key"]
        )
        stages[name] = train_stage(config, data, f"student {name}", spec, target, log)
    first_name, first_spec = next(iter(stages)), config.loss_specs()[0]
    parents = [stages[first_name]["key"]]

    def next_student(train_t: np.ndarray, val_t: np.ndarray, i: int) -> dict[str, np.ndarray]:
        target = Target("strong_train", train_t, val_t, parents[-1])
        stage = train_stage(config, data, f"s2s {i}", first_spec, target, log)
        parents.append(stage["key"])
        stages[f"s2s_{i}"] = stage
        return stage["probs"]

    strong_to_strong(stages[first_name]["probs"], config.s2s, next_student)
    return stages


def run_seed(config: FinetuneConfig, data: SeedData, log: Log) -> dict:
    """Weak, students, strong-to-strong and ceiling for one seed; the per-seed results block.

    Training times go under `_train_s` (the run moves them to `timings`)."""
    s, test_y = data.splits, data.splits.test.labels
    weak = train_stage(
        config, data, "weak", parse_loss(config.weak_loss), _ground_truth(data, "weak_train"), log
    )
    ceiling = train_stage(
        config, data, "ceiling", LossSpec(), _ground_truth(data, "strong_train"), log
    )
    stages = _students(config, data, weak, log)
    weak_m, ceil_m = model_json(weak, test_y, config.auc), model_json(ceiling, test_y, config.auc)
    students = {}
    for name, stage in stages.items():
        m = model_json(stage, test_y, config.auc)
        students[name] = {**m, "pgr": pgr_json(weak_m, m, ceil_m, config.pgr_margin)}
    w2s = {k: students[config.losses[0]][k] for k in METRICS}
    out: dict[str, Any] = {
        "seed": data.seed,
        "weak": weak_m,
        "w2s": w2s,
        "ceiling": ceil_m,
        "pgr": pgr_json(weak_m, w2s, ceil_m, config.pgr_margin),
        "pgr_reasons": pgr_reasons(weak_m, w2s, ceil_m, config.pgr_margin),
        "weak_label_accuracy": evaluate(s.strong_train.labels, weak["probs"]["strong_train"]),
        "similarity": _similarity(data, weak, ceiling, stages[config.losses[0]]),
        "students": students,
        "curves": {
            "weak": weak["curve"],
            "ceiling": ceiling["curve"],
            **{n: st["curve"] for n, st in stages.items()},
        },
    }
    log(
        f"seed {data.seed}: weak {weak_m['accuracy']:.4f}, ceiling {ceil_m['accuracy']:.4f}, "
        + ", ".join(f"{n} {v['accuracy']:.4f}" for n, v in students.items())
    )
    if config.interventions:
        out["interventions"] = {}
        for name, trained, info in interventions(config, data, weak, config.loss_specs()[0], log):
            out["interventions"][name] = info
            if trained is None:
                continue
            m = model_json(trained, test_y, config.auc)
            students[name] = {
                **m,
                "pgr": pgr_json(weak_m, m, ceil_m, config.pgr_margin),
                "intervention": info,
            }
            out["curves"][name] = trained["curve"]
            stages[name] = trained
    if config.overlap:
        models = {"weak": weak, "ceiling": ceiling, **stages}
        out["overlap"], pool = overlap_by_partition(config, data, weak, models, log)
        if config.mixing:
            out["mixing"] = trained_mixing(config, data, weak, pool, (weak_m, ceil_m), log)
    named = {"weak": weak, "ceiling": ceiling, **stages}
    out["_train_s"] = {n: round(float(st["train_s"]), 3) for n, st in named.items()}
    return out


def _similarity(data: SeedData, weak: dict, ceiling: dict, student: dict) -> dict:
    """Weak against ceiling and the first student on test, against ceiling on strong_train."""
    s, w, c = data.splits, weak["probs"], ceiling["probs"]
    pool = (s.strong_train.labels, w["strong_train"], c["strong_train"])
    return weak_strong_similarity(
        s.test.labels, w["test"], c["test"], student["probs"]["test"], pool
    )


def prepare(config: FinetuneConfig, log: Log) -> tuple[TextDataset, list[SeedData]]:
    """Load the dataset and cut each seed's splits (as `prepare_study` does, without acts)."""
    pick_device(config.device)  # a device this machine does not have: one line, first
    for model in (config.weak_model, config.strong_model):
        model_identity(model)  # an unknown model, or a cut deeper than the model, fails here
        check_max_length(model, config.max_length)
        if config.lora:
            check_lora(model, config.lora_rank)
    dataset = load_dataset(config.dataset, **config.dataset_options.load_kwargs())
    splits = seed_splits(dataset, config.sizes(), config.seeds)
    seeds = [SeedData(seed=k, splits=s, digest=data_digest(s)) for k, s in splits.items()]
    log(f"{dataset.name}: {len(dataset)} rows; sizes {config.sizes().describe()}")
    return dataset, seeds


def run_finetune(config: FinetuneConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Run `config`, write results.json, curves figure and summary.md into `out_dir`.

    Example::

        config = w2sg.FinetuneConfig(losses=("xent", "logconf"), seeds=(0, 1, 2))
        results = w2sg.run_finetune(config, "runs/ft")
        results["students"]["logconf"]["pgr"]["accuracy"]["mean"]
    """
    validate.instance(config, FinetuneConfig, "config", "w2sg.FinetuneConfig(...)")
    out = validate.output_dir(validate.path_like(out_dir, "out_dir"), "out_dir")
    t0 = time.perf_counter()
    dataset, seeds = prepare(config, log)
    cut, cut_total = count_and_warn(
        {"weak": config.weak_model, "strong": config.strong_model},
        config.max_length,
        [(d.seed, d.splits) for d in seeds],
        log,
    )
    out.mkdir(parents=True, exist_ok=True)
    runs, timings = [], {}
    for data in seeds:
        t = time.perf_counter()
        run = {**run_seed(config, data, log), "truncation": cut[data.seed]}
        for name, seconds in run.pop("_train_s").items():
            timings[f"seed{data.seed}/{name}_train_s"] = seconds
        runs.append(run)
        timings[f"seed{data.seed}_s"] = round(time.perf_counter() - t, 3)
    timings["total_s"] = round(time.perf_counter() - t0, 3)
    amp = amp_dtype(pick_device(config.device))
    results = {
        "config": config.to_json(),
        "preset": config.preset_json(),
        "provenance": run_provenance(
            model_identities({"weak": config.weak_model, "strong": config.strong_model}),
            device=config.device,
            dtype_label="float32 (bf16 autocast)" if amp is not None else "float32",
        ),
        "dataset": {"name": dataset.name, "rows": len(dataset)},
        "truncation": cut_total,  # rows over the token limit per model and split, all seeds
        **assemble(runs, config.pgr_margin),
        "timings": timings,
    }
    write_json(out / "results.json", results)
    write_finetune_report(results, out)
    log(f"wrote {out / 'results.json'} and {out / 'summary.md'}")
    return results


def _groups(runs: list[dict]) -> dict:
    """Per model and overlap group: test accuracy over seeds, and the group's mean size."""
    groups = runs[0]["overlap"]["test_accuracy_by_group"]
    return {
        model: {
            g: describe(r["overlap"]["test_accuracy_by_group"][model][g] for r in runs)
            | {"n": describe(r["overlap"]["test"][f"n_{g}"] for r in runs)["mean"]}
            for g in groups[model]
        }
        for model in groups
    }


def assemble(runs: list[dict], margin: float = DEFAULT_MARGIN) -> dict:
    """The `w2sg run` contract (weak, w2s, ceiling, pgr, per_seed) plus `students`."""
    out: dict = {}
    for key in ("weak", "w2s", "ceiling", "pgr"):
        stats = {m: describe(r[key][m] for r in runs) for m in METRICS}
        out[key] = {m: st["mean"] for m, st in stats.items()}
        out[f"{key}_std"] = {m: st["std"] for m, st in stats.items()}
    pgrs = {m: describe(r["pgr"][m] for r in runs) for m in METRICS}
    out["pgr_median"] = {m: s["median"] for m, s in pgrs.items()}
    out["pgr_n_defined"] = {m: s["n"] for m, s in pgrs.items()}
    out["pgr_of_means"] = pgr_of_means(out, margin)
    reasons = {
        m: [
            f"seed {r['seed']}: {r['pgr_reasons'][m]}"
            for r in runs
            if m in r.get("pgr_reasons", {})
        ]
        for m in METRICS
    }
    out["pgr_reasons"] = {m: v for m, v in reasons.items() if v}
    out["similarity"] = mean_over_seeds([r.get("similarity") for r in runs])
    out["students"] = {
        name: {
            **{m: describe(r["students"][name][m] for r in runs) for m in METRICS},
            "pgr": {m: describe(r["students"][name]["pgr"][m] for r in runs) for m in METRICS},
        }
        for name in runs[0]["students"]
    }
    if all("overlap" in r for r in runs):
        out["overlap_groups"] = _groups(runs)
    out["per_seed"] = runs
    return out
