"""`w2sg finetune`: weak, students and ceiling trained for real (SPEC §1, §2, §7).

dataset -> splits per seed -> weak model (ground truth) -> students (one per loss, on the weak
model's soft labels) -> strong-to-strong -> ceiling -> interventions (a student per probe
filter / relabel / selection, `w2sg.probes.interventions`) -> overlap partition of
strong_train and test -> results.json, curves figure, summary.md. Every trained model is a
stage: its soft predictions on strong_train, val and test are stored under the w2sg cache,
addressed by everything that produced them, so a rerun with another student loss reuses the
weak model and the ceiling and a killed run resumes from its finished stages.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from w2sg.errors import W2SGError
from w2sg.finetune.classifier import ClassifierConfig
from w2sg.finetune.losses import LossSpec, parse_loss
from w2sg.finetune.trainer import TrainConfig
from w2sg.io import write_atomic, write_json
from w2sg.metrics import evaluate, pgr

Log = Callable[[str], None]
SPLITS = ("strong_train", "val", "test")


@dataclass(frozen=True)
class FinetuneConfig:
    """Everything `w2sg finetune` does; validated before any work (SPEC §7 defaults)."""

    dataset: str = "rotten_tomatoes"
    weak_model: str = "minilm-l6"
    strong_model: str = "mpnet-base"
    weak_train: int = 500
    strong_train: int = 500
    val: int = 200
    test: int = 500
    seeds: tuple[int, ...] = (0,)
    losses: tuple[str, ...] = ("xent", "logconf")
    weak_loss: str = "xent"
    s2s: int = 0
    lora: bool = True
    lora_rank: int = 8
    lora_alpha: float = 16.0
    lora_dropout: float = 0.0
    epochs: int = 3
    batch_size: int = 32
    minibatch: int = 16
    length_groups: int = 8
    weak_lr: float = 5e-4
    strong_lr: float = 5e-4
    warmup_ratio: float = 0.1
    weight_decay: float = 0.1
    eval_every: int = 5
    patience: int | None = None
    max_length: int = 128
    overlap: bool = True
    mixing: bool = False
    mixing_qs: tuple[float, ...] = (0.0, 0.5, 1.0)
    interventions: tuple[str, ...] = ()
    save_models: bool = False
    device: str = "auto"
    dataset_options: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.seeds:
            raise W2SGError("give at least one seed")
        if not self.losses:
            raise W2SGError("give at least one student loss (--loss)")
        if self.s2s < 0:
            raise W2SGError(f"--s2s must be >= 0, not {self.s2s}")
        for name in ("weak_train", "strong_train", "val", "test"):
            if getattr(self, name) <= 0:
                raise W2SGError(f"{name} size must be positive, got {getattr(self, name)}")
        self.loss_specs()
        if LossSpec(name=parse_loss(self.weak_loss).name).needs_weak_labels:
            raise W2SGError(
                f"the weak model trains on ground truth; loss {self.weak_loss!r} needs weak "
                "labels (use xent)"
            )
        self.classifier()
        for role in ("weak", "strong"):
            self.train_config(role, 0)
        smallest = min(self.weak_train, self.strong_train)
        if self.batch_size > smallest:
            raise W2SGError(
                f"batch size {self.batch_size} is larger than the {smallest} train rows"
            )
        if self.mixing and not self.overlap:
            raise W2SGError("--mixing needs the overlap partition; drop --no-overlap")
        if any(not 0 <= q <= 1 for q in self.mixing_qs):
            raise W2SGError("mixing shares q must lie in [0, 1]")
        from w2sg.probes.interventions import InterventionOptions, parse_intervention

        parsed = [parse_intervention(x) for x in self.interventions]
        if len({x.name for x in parsed}) != len(parsed):
            raise W2SGError(f"--intervention names one twice: {list(self.interventions)}")
        k = InterventionOptions().k
        neighbours = [x.name for x in parsed if x.method in ("knn", "topo")]
        if neighbours and self.strong_train <= k:
            raise W2SGError(
                f"{', '.join(neighbours)} use k={k} neighbours among strong_train's rows; "
                f"give --strong-train above {k}"
            )
        if self.device not in ("auto", "cpu") and not self.device.startswith("cuda"):
            raise W2SGError(f"device must be auto, cpu or cuda[:N], not {self.device!r}")

    def loss_specs(self) -> list[LossSpec]:
        return [parse_loss(x) for x in self.losses]

    def classifier(self) -> ClassifierConfig:
        return ClassifierConfig(
            lora=self.lora, rank=self.lora_rank, alpha=self.lora_alpha, dropout=self.lora_dropout
        )

    def train_config(self, role: str, seed: int) -> TrainConfig:
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            minibatch=self.minibatch,
            length_groups=self.length_groups,
            lr=self.weak_lr if role == "weak" else self.strong_lr,
            weight_decay=self.weight_decay,
            warmup_ratio=self.warmup_ratio,
            eval_every=self.eval_every,
            patience=self.patience,
            max_length=self.max_length,
            seed=seed,
        )

    def to_json(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- stage store


def data_digest(splits) -> str:
    """SHA-256 over ids, texts and labels of the four splits (what the stage saw)."""
    h = hashlib.sha256()
    for name in ("weak_train", "strong_train", "val", "test"):
        part = getattr(splits, name)
        for i, t, y in zip(part.ids, part.texts, part.labels, strict=True):
            h.update(f"{name}\x1f{i}\x1f{t}\x1f{int(y)}\x1e".encode())
    return h.hexdigest()


def stage_key(**fields) -> str:
    """The content address of a stage: SHA-256 of its canonical JSON description."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def stage_dir() -> Path:
    from w2sg.paths import cache_dir

    return cache_dir("finetune")


def load_stage(key: str) -> dict | None:
    """A finished stage (its meta.json is written last), or None."""
    folder = stage_dir() / key[:32]
    meta = folder / "meta.json"
    if not meta.exists():
        return None
    out = json.loads(meta.read_text())
    with np.load(folder / "probs.npz", allow_pickle=False) as z:
        out["ids"] = {s: z[f"ids_{s}"] for s in SPLITS}
        out["probs"] = {s: z[f"probs_{s}"] for s in SPLITS}
    return out


def save_stage(key: str, ids: dict, probs: dict, meta: dict) -> dict:
    """Store a stage's predictions (aligned by row id) and then its meta.json."""
    folder = stage_dir() / key[:32]
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {f"ids_{s}": np.asarray(ids[s]).astype(str) for s in SPLITS}
    arrays |= {f"probs_{s}": np.asarray(probs[s], dtype=np.float64) for s in SPLITS}

    def _write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    write_atomic(folder / "probs.npz", _write)
    write_json(folder / "meta.json", {**meta, "key": key})
    return {**meta, "key": key, "ids": ids, "probs": probs}


# --------------------------------------------------------------------------- one stage


@dataclass(frozen=True)
class SeedData:
    """One seed's splits and what addresses them."""

    seed: int
    splits: object
    digest: str


def _train_stage(
    config: FinetuneConfig, data: SeedData, role: str, loss: LossSpec, train_part: str,
    targets: np.ndarray, val_targets: np.ndarray, parent: str, log: Log,
    rows: np.ndarray | None = None,
) -> dict:  # fmt: skip
    """Train one model (or reuse the stored stage) and predict strong_train, val and test.

    `rows` (positions in `train_part`) trains on a subset, e.g. a mix of the mixing experiment.
    """
    from w2sg.finetune.classifier import build_classifier
    from w2sg.finetune.trainer import REVISION, predict, tokenize, train
    from w2sg.models import resolve_model
    from w2sg.models.load import pick_device

    model = config.weak_model if role == "weak" else config.strong_model
    resolved = resolve_model(model)
    tcfg = config.train_config("weak" if role == "weak" else "strong", data.seed)
    key = stage_key(
        role="weak" if role == "weak" else "strong",
        model=resolved.identity,
        data=data.digest,
        split_seed=data.seed,
        sizes=[config.weak_train, config.strong_train, config.val, config.test],
        train=tcfg.to_json(),
        trainer=REVISION,
        classifier=config.classifier().to_json(),
        loss=loss.to_json(),
        train_part=train_part,
        targets=parent,
        rows=None if rows is None else stage_key(ids=getattr(data.splits, train_part).ids[rows]),
    )
    found = load_stage(key)
    if found is not None:
        log(f"seed {data.seed}: {role} reused from the cache ({key[:12]})")
        return {**found, "key": key}
    device = pick_device(config.device)
    s = data.splits
    t0 = time.perf_counter()
    clf, tok = build_classifier(model, config.classifier(), device, seed=data.seed)
    bar = _bar(f"seed {data.seed} {role}")
    texts = getattr(s, train_part).texts
    if rows is not None:
        texts, targets = texts[rows], np.asarray(targets)[rows]
    result = train(
        clf, tok, texts, targets, s.val.texts, val_targets, tcfg, loss, device, progress=bar
    )
    bar(None)
    probs = {
        part: predict(clf, tokenize(tok, getattr(s, part).texts, tcfg.max_length),
                      int(tok.pad_token_id), device)
        for part in SPLITS
    }  # fmt: skip
    ids = {part: getattr(s, part).ids.astype(str) for part in SPLITS}
    meta = {
        "role": role,
        "model": resolved.name,
        "identity": resolved.identity,
        "curve": result.curve,
        "best_step": result.best_step,
        "best_val_auc": result.best_val_auc,
        "steps": result.steps,
        "train_s": time.perf_counter() - t0,
        "examples_per_s": result.examples / max(time.perf_counter() - t0, 1e-9),
    }
    if config.save_models:
        import torch

        folder = stage_dir() / key[:32]
        folder.mkdir(parents=True, exist_ok=True)
        weights = clf.trainable_state()
        write_atomic(folder / "trainable.pt", lambda tmp: torch.save(weights, tmp))
    del clf
    return save_stage(key, ids, probs, meta)


def _bar(desc: str):
    """A tqdm bar fed by the trainer's per-step callback; call with None to close it."""
    from tqdm.auto import tqdm

    state: dict = {}

    def update(info: dict | None) -> None:
        if info is None:
            if "bar" in state:
                state["bar"].close()
            return
        if "bar" not in state:
            state["bar"] = tqdm(total=info["total"], desc=desc, leave=False)
        state["bar"].update(1)
        if info["val_auc"] is not None:
            state["auc"] = info["val_auc"]
        state["bar"].set_postfix(loss=f"{info['loss']:.4f}", val_auc=state.get("auc", "-"))

    return update


# --------------------------------------------------------------------------- one seed


def _model_json(stage: dict, test_y: np.ndarray) -> dict:
    return {
        **evaluate(test_y, stage["probs"]["test"]),
        "best_step": stage["best_step"],
        "best_val_auc": stage["best_val_auc"],
        "train_s": round(stage["train_s"], 3),
        "stage": stage["key"][:16],
    }


def _pgr_json(weak: dict, model: dict, ceiling: dict) -> dict:
    return {m: pgr(weak[m], model[m], ceiling[m]).to_json() for m in ("accuracy", "auc")}


def run_seed(config: FinetuneConfig, data: SeedData, log: Log) -> dict:
    """Weak, students, strong-to-strong and ceiling for one seed; the per-seed results block."""
    from w2sg.finetune.s2s import strong_to_strong

    s = data.splits
    test_y = s.test.labels
    xent = LossSpec()
    weak = _train_stage(
        config, data, "weak", parse_loss(config.weak_loss), "weak_train",
        s.weak_train.labels.astype(float), s.val.labels.astype(float), "ground_truth", log,
    )  # fmt: skip
    ceiling = _train_stage(
        config, data, "ceiling", xent, "strong_train", s.strong_train.labels.astype(float),
        s.val.labels.astype(float), "ground_truth", log,
    )  # fmt: skip
    stages: dict[str, dict] = {}
    for name, spec in zip(config.losses, config.loss_specs(), strict=True):
        stages[name] = _train_stage(
            config, data, f"student {name}", spec, "strong_train", weak["probs"]["strong_train"],
            weak["probs"]["val"], weak["key"], log,
        )  # fmt: skip
    first_name, first_spec = next(iter(stages)), config.loss_specs()[0]
    parents = [stages[first_name]["key"]]

    def next_student(train_t: np.ndarray, val_t: np.ndarray, i: int) -> dict[str, np.ndarray]:
        stage = _train_stage(
            config, data, f"s2s {i}", first_spec, "strong_train", train_t, val_t, parents[-1], log
        )
        parents.append(stage["key"])
        stages[f"s2s_{i}"] = stage
        return stage["probs"]

    strong_to_strong(stages[first_name]["probs"], config.s2s, next_student)

    weak_m, ceil_m = _model_json(weak, test_y), _model_json(ceiling, test_y)
    students = {}
    for name, stage in stages.items():
        m = _model_json(stage, test_y)
        students[name] = {**m, "pgr": _pgr_json(weak_m, m, ceil_m)}
    w2s = {k: students[first_name][k] for k in ("accuracy", "auc")}
    out = {
        "seed": data.seed,
        "weak": weak_m,
        "w2s": w2s,
        "ceiling": ceil_m,
        "pgr": _pgr_json(weak_m, w2s, ceil_m),
        "weak_label_accuracy": evaluate(s.strong_train.labels, weak["probs"]["strong_train"]),
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
        for name, stage, info in interventions(config, data, weak, first_spec, log):
            out["interventions"][name] = info
            if stage is None:
                continue
            m = _model_json(stage, test_y)
            students[name] = {**m, "pgr": _pgr_json(weak_m, m, ceil_m), "intervention": info}
            out["curves"][name] = stage["curve"]
            stages[name] = stage
    if config.overlap:
        out["overlap"], pool = overlap_by_partition(config, data, weak, ceiling, stages, log)
        if config.mixing:
            out["mixing"] = trained_mixing(config, data, weak, pool, (weak_m, ceil_m), log)
    return out


def frozen_layers(config: FinetuneConfig) -> tuple[int, ...]:
    """The strong model's frozen layers the run reads: the last for the overlap partition, the
    middle for the intervention probes. One pass embeds both; the store serves the second."""
    from w2sg.experiments.interventions import middle_layer

    layers = [-1] if config.overlap else []
    if config.interventions:
        layers.append(middle_layer(config.strong_model))
    return tuple(layers)


def interventions(config: FinetuneConfig, data: SeedData, weak: dict, spec: LossSpec, log: Log):
    """Each `--intervention` (SPEC §7) with a fine-tuned student: the probes are fitted to the
    fine-tuned weak model's soft labels of strong_train on the strong model's frozen
    activations (middle layer); `filter:*`, `relabel:*`, `confident`, `overlap`, `overlap+hard`
    pick the rows and labels a student (the first `--loss`) trains on; `probe:*` is itself
    the student (its test predictions). Yields (name, stage or None, info)."""
    from w2sg.experiments.interventions import middle_layer
    from w2sg.models import get_activations
    from w2sg.probes.interventions import (
        InterventionOptions,
        parse_intervention,
        probe_predictions,
        training_set,
    )

    s = data.splits
    layer = middle_layer(config.strong_model)
    acts = {
        part: get_activations(
            config.strong_model, getattr(s, part), layers=frozen_layers(config),
            max_length=config.max_length, device=config.device, progress=False,
        )[layer]
        for part in ("strong_train", "test")
    }  # fmt: skip
    weak_train = np.asarray(weak["probs"]["strong_train"], dtype=np.float64)
    options = InterventionOptions()
    for raw in config.interventions:
        spec_i = parse_intervention(raw)
        name = spec_i.name
        if spec_i.kind == "none":
            yield name, None, {"same_as": config.losses[0]}
            continue
        if spec_i.kind == "probe":
            t0 = time.perf_counter()
            test = probe_predictions(spec_i.method, acts["strong_train"], weak_train,
                                     acts["test"], options)  # fmt: skip
            stage = {"probs": {"test": np.clip(test, 0.0, 1.0)}, "curve": [], "best_step": None,
                     "best_val_auc": None, "train_s": time.perf_counter() - t0,
                     "key": stage_key(probe=name, weak=weak["key"], layer=layer)}  # fmt: skip
            yield name, stage, {"layer": layer, "trained": False}
            continue
        chosen = training_set(spec_i, acts["strong_train"], weak_train, options)
        info = {"layer": layer, "kept": chosen.n_kept, "of": len(weak_train), **chosen.info}
        if chosen.n_kept < config.batch_size:
            reason = f"{chosen.n_kept} rows kept, below the batch size {config.batch_size}"
            log(f"seed {data.seed}: intervention {name} skipped: {reason}")
            yield name, None, {**info, "skipped": reason}
            continue
        targets = weak_train.copy()
        targets[chosen.indices] = chosen.labels
        labels_digest = hashlib.sha256(np.ascontiguousarray(targets).tobytes()).hexdigest()
        parent = stage_key(weak=weak["key"], intervention=name, layer=layer, labels=labels_digest)
        stage = _train_stage(
            config, data, f"student {name}", spec, "strong_train", targets,
            weak["probs"]["val"], parent, log, rows=chosen.indices,
        )  # fmt: skip
        yield name, stage, info


def trained_mixing(config, data: SeedData, weak, pool, ends, log: Log) -> list[dict]:
    """SPEC §4 with trained students: an xent student per overlap share q, and the random
    baseline of the same size, each on the weak model's soft labels of its rows."""
    from w2sg.finetune.mixing import baseline_rows, mix_rows, mix_size

    non_overlap = np.sort(np.concatenate([pool.easy_only, pool.hard_only]))
    m = mix_size(pool.overlap, non_overlap)
    if m < config.batch_size:
        log(f"seed {data.seed}: mixing skipped: mixes of {m} rows < batch {config.batch_size}")
        return [{"skipped": f"mix size {m} is below the batch size {config.batch_size}"}]
    draws = [(f"q={q}", q, mix_rows(pool.overlap, non_overlap, q, i, data.seed))
             for i, q in enumerate(config.mixing_qs)]  # fmt: skip
    draws.append(("random", None, baseline_rows(pool.n, m, data.seed)))
    rows_out = []
    for name, q, rows in draws:
        stage = _train_stage(
            config, data, f"mixing {name}", LossSpec(), "strong_train",
            weak["probs"]["strong_train"], weak["probs"]["val"], weak["key"], log, rows=rows,
        )  # fmt: skip
        metrics = evaluate(data.splits.test.labels, stage["probs"]["test"])
        rows_out.append({"mix": name, "q": q, "size": int(len(rows)), **metrics,
                         "pgr": _pgr_json(ends[0], metrics, ends[1])})  # fmt: skip
    return rows_out


def overlap_by_partition(config, data: SeedData, weak, ceiling, stages, log: Log) -> dict:
    """Partition strong_train and test with the fine-tuned weak model's soft labels and the
    strong model's frozen activations (SPEC §3), and each model's test accuracy per group.

    The test partition runs the same detector on the test points with the weak model's test
    predictions (the detector is transductive: it needs a pool to draw its thresholds from).
    """
    from w2sg.models import get_activations
    from w2sg.overlap.detect import detect_overlap

    s = data.splits
    parts = {}
    for part in ("strong_train", "test"):
        acts = get_activations(
            config.strong_model, getattr(s, part), layers=frozen_layers(config),
            max_length=config.max_length, device=config.device, progress=False,
        )[-1]  # fmt: skip
        parts[part] = detect_overlap(weak["probs"][part], acts)
    test = parts["test"]
    groups = {"overlap": test.overlap, "easy_only": test.easy_only, "hard_only": test.hard_only}
    y = s.test.labels
    models = {"weak": weak, "ceiling": ceiling, **stages}
    by_group = {
        name: {
            g: _group_accuracy(st["probs"]["test"], y, rows) for g, rows in groups.items()
        }
        for name, st in models.items()
    }  # fmt: skip
    log(f"seed {data.seed}: overlap on strong_train {parts['strong_train'].counts()}")
    summary = {
        "strong_train": parts["strong_train"].counts(),
        "test": test.counts(),
        "test_accuracy_by_group": by_group,
    }
    return summary, parts["strong_train"]


def _group_accuracy(probs: np.ndarray, y: np.ndarray, rows: np.ndarray) -> float | None:
    if len(rows) == 0:
        return None
    return float(np.mean((probs[rows] > 0.5) == y[rows]))


# --------------------------------------------------------------------------- the run


def prepare(config: FinetuneConfig, log: Log) -> tuple[object, list[SeedData]]:
    """Load the dataset and cut each seed's splits (as `prepare_study` does, without acts)."""
    from w2sg.data import load_dataset, own_test_pool
    from w2sg.data.splits import SplitSizes, make_splits
    from w2sg.finetune.classifier import check_lora
    from w2sg.models import resolve_model

    for model in (config.weak_model, config.strong_model):
        resolve_model(model)
        if config.lora:
            check_lora(model)
    dataset = load_dataset(config.dataset, **config.dataset_options)
    sizes = SplitSizes(config.weak_train, config.strong_train, config.val, config.test)
    pool = own_test_pool(dataset)
    seeds = []
    for seed in config.seeds:
        splits = make_splits(dataset, sizes, seed, test_pool=pool)
        seeds.append(SeedData(seed=seed, splits=splits, digest=data_digest(splits)))
    log(f"{dataset.name}: {len(dataset)} rows; sizes {sizes.describe()}")
    return dataset, seeds


def run_finetune(config: FinetuneConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Run `config`, write results.json, curves figure and summary.md into `out_dir`."""
    from w2sg.models import resolve_model
    from w2sg.models.load import pick_device, resolve_dtype
    from w2sg.provenance import collect_provenance

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    dataset, seeds = prepare(config, log)
    runs, timings = [], {}
    for data in seeds:
        t = time.perf_counter()
        runs.append(run_seed(config, data, log))
        timings[f"seed{data.seed}_s"] = round(time.perf_counter() - t, 3)
    timings["total_s"] = round(time.perf_counter() - t0, 3)
    device = pick_device(config.device)
    models = {
        role: {"name": r.name, "identity": r.identity}
        for role, r in (("weak", resolve_model(config.weak_model)),
                        ("strong", resolve_model(config.strong_model)))
    }  # fmt: skip
    results = {
        "config": config.to_json(),
        "provenance": collect_provenance(
            models=models, device=device, dtype=_train_dtype(device, resolve_dtype)
        ),
        "dataset": {"name": dataset.name, "rows": len(dataset)},
        **assemble(runs),
        "timings": timings,
    }
    write_json(out / "results.json", results)
    from w2sg.report.finetune import write_finetune_report

    write_finetune_report(results, out)
    log(f"wrote {out / 'results.json'} and {out / 'summary.md'}")
    return results


def _train_dtype(device: str, resolve_dtype) -> str:
    """Weights fp32; the forward pass under bf16 autocast where the hardware has it."""
    return "float32 (bf16 autocast)" if resolve_dtype("auto", device) == "bfloat16" else "float32"


def _stats(values: list) -> dict:
    vals = [v for v in values if v is not None]
    if not vals:
        return {"mean": None, "std": None, "median": None}
    return {"mean": float(np.mean(vals)), "std": float(np.std(vals)),
            "median": float(np.median(vals))}  # fmt: skip


def assemble(runs: list[dict]) -> dict:
    """The `w2sg run` contract (weak, w2s, ceiling, pgr, per_seed) plus `students`."""
    out: dict = {}
    for key in ("weak", "w2s", "ceiling", "pgr"):
        stats = {m: _stats([r[key][m] for r in runs]) for m in ("accuracy", "auc")}
        out[key] = {m: st["mean"] for m, st in stats.items()}
        out[f"{key}_std"] = {m: st["std"] for m, st in stats.items()}
    out["pgr_median"] = {
        m: _stats([r["pgr"][m] for r in runs])["median"] for m in ("accuracy", "auc")
    }
    students = {}
    for name in runs[0]["students"]:
        per = [r["students"][name] for r in runs]
        students[name] = {
            **{m: _stats([p[m] for p in per]) for m in ("accuracy", "auc")},
            "pgr": {m: _stats([p["pgr"][m] for p in per]) for m in ("accuracy", "auc")},
        }
    out["students"] = students
    if all("overlap" in r for r in runs):
        groups = runs[0]["overlap"]["test_accuracy_by_group"]
        out["overlap_groups"] = {
            model: {
                g: _stats([r["overlap"]["test_accuracy_by_group"][model][g] for r in runs])
                | {"n": _stats([r["overlap"]["test"][f"n_{g}"] for r in runs])["mean"]}
                for g in groups[model]
            }
            for model in groups
        }  # fmt: skip
    out["per_seed"] = runs
    return out
