"""`w2sg interventions` and `w2sg probes sweep`: probe-based W2S interventions (SPEC §7).

Glue only: the study's preparation (splits, cached activations, weak probe) feeds the pure
interventions of `w2sg.probes.interventions`; each intervention's training set trains the
probe-mode student (the study's logistic probe) on the same splits and weak labels. The
probes read one layer of the strong model [the middle one]; the student reads the study's.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from w2sg import __version__
from w2sg.errors import W2SGError
from w2sg.experiments.config import StudyConfig
from w2sg.io import write_json
from w2sg.metrics import evaluate, pgr
from w2sg.probes.interventions import (
    DEFAULT_INTERVENTIONS,
    InterventionOptions,
    parse_intervention,
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class InterventionsConfig:
    """What `w2sg interventions` does; sizes fit a busy CPU (SPEC §1's are 5,000/5,000/5,000)."""

    dataset: str = "rotten_tomatoes"
    weak_model: str = "minilm-l6"
    strong_model: str = "mpnet-base"
    weak_layer: int = -1
    strong_layer: int = -1  # the student's layer (the study's)
    probe_layer: int | None = None  # the probes' layer; None: the strong model's middle one
    pooling: str = "auto"
    max_length: int | None = None
    dtype: str = "auto"
    weak_train: int = 2000
    strong_train: int = 2000
    test: int = 1000
    seeds: tuple[int, ...] = (0, 1, 2)
    interventions: tuple[str, ...] = DEFAULT_INTERVENTIONS
    student_l2: float = 1e-3
    options: InterventionOptions = field(default_factory=InterventionOptions)
    dataset_options: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [parse_intervention(n).name for n in self.interventions]
        if not names:
            raise W2SGError("give at least one intervention")
        if len(set(names)) != len(names):
            raise W2SGError(f"interventions repeat a name: {', '.join(names)}")
        if not self.student_l2 >= 0:
            raise W2SGError(f"student L2 must be >= 0, got {self.student_l2}")
        self.study_config()  # sizes, seeds, pooling, dtype: checked by the study's config

    def study_config(self) -> StudyConfig:
        """The study whose splits, activations and weak probe the interventions reuse."""
        return StudyConfig(
            dataset=self.dataset,
            weak_model=self.weak_model,
            strong_model=self.strong_model,
            weak_layer=self.weak_layer,
            strong_layer=self.strong_layer,
            pooling=self.pooling,
            max_length=self.max_length,
            dtype=self.dtype,
            weak_train=self.weak_train,
            strong_train=self.strong_train,
            val=0,
            test=self.test,
            seeds=self.seeds,
            l2=self.student_l2,
            similarity=self.options.similarity,
            detector=self.options.detector,
            selection=False,
            dataset_options=self.dataset_options,
        )

    def to_json(self) -> dict:
        out = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(self).items()
        }
        out["w2sg_version"] = __version__
        return out


@dataclass(frozen=True)
class LayerArrays:
    """Strong-model activations of several layers, and each seed's pool and test rows in them."""

    layers: dict[int, np.ndarray]  # requested layer -> (rows of the study's union, dim)
    pool_rows: dict[int, np.ndarray]  # per seed, in strong_train order
    test_rows: dict[int, np.ndarray]


def middle_layer(model: str) -> int:
    """hidden_states index of the model's middle layer (MPNet, 12 layers: 6)."""
    from w2sg.models import resolve_model
    from w2sg.models.extract import num_hidden_layers
    from w2sg.models.load import load_config

    return num_hidden_layers(load_config(resolve_model(model))) // 2


def strong_layers(study: StudyConfig, layers: tuple[int, ...]) -> LayerArrays:
    """One multi-layer extraction of the strong model over the study's rows (cached).

    The rows are the union of every seed's splits sorted by id, as `prepare_study` embeds
    them, so the study's own strong layer is then read from the cache, not extracted again.
    """
    from w2sg.data import load_dataset, own_test_pool
    from w2sg.data.splits import SplitSizes, make_splits
    from w2sg.models import get_activations

    dataset = load_dataset(study.dataset, **study.dataset_options)
    sizes = SplitSizes(
        weak_train=study.weak_train, strong_train=study.strong_train, val=study.val,
        test=study.test,
    )  # fmt: skip
    pool = own_test_pool(dataset)
    splits = {s: make_splits(dataset, sizes, s, test_pool=pool) for s in study.seeds}
    used = np.unique(
        np.concatenate(
            [getattr(sp, part).ids for sp in splits.values()
             for part in ("weak_train", "strong_train", "val", "test")]
        )
    )  # fmt: skip
    order = np.argsort(dataset.ids, kind="stable")
    rows = order[np.searchsorted(dataset.ids[order], used)]
    union = dataset.subset(rows)
    acts = get_activations(
        study.strong_model,
        union,
        split="study",
        layers=layers,
        pooling=study.pooling,
        max_length=study.max_length,
        dtype=study.dtype,
    )
    return LayerArrays(
        layers=acts,
        pool_rows={s: np.searchsorted(union.ids, sp.strong_train.ids) for s, sp in splits.items()},
        test_rows={s: np.searchsorted(union.ids, sp.test.ids) for s, sp in splits.items()},
    )


def _resolve_layer(layer: int | None, model: str) -> int:
    from w2sg.models import resolve_model
    from w2sg.models.extract import normalise_layers, num_hidden_layers
    from w2sg.models.load import load_config

    n_layers = num_hidden_layers(load_config(resolve_model(model)))
    if layer is None:
        return n_layers // 2
    return normalise_layers((layer,), n_layers)[0]


def _provenance(config) -> dict:
    from w2sg.models import resolve_dtype, resolve_model
    from w2sg.models.load import pick_device
    from w2sg.provenance import collect_provenance

    device = pick_device("auto")
    models = {
        role: {"name": m.name, "identity": m.identity}
        for role, m in (
            ("weak", resolve_model(config.weak_model)),
            ("strong", resolve_model(config.strong_model)),
        )
    }
    return collect_provenance(
        models=models, device=device, dtype=resolve_dtype(config.dtype, device)
    )


def run_interventions(config: InterventionsConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Every chosen intervention on the same splits and weak labels, per seed; write results."""
    from w2sg.experiments.study import prepare_study

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    study = config.study_config()
    probe_layer = _resolve_layer(config.probe_layer, config.strong_model)
    student_layer = _resolve_layer(config.strong_layer, config.strong_model)
    log(f"probe layer {probe_layer}, student layer {student_layer} of {config.strong_model}")
    layers = strong_layers(study, tuple(sorted({probe_layer, student_layer})))
    prepared = prepare_study(study, log)
    timings = {"data_and_activations_s": time.perf_counter() - t0}
    runs = []
    for seed, arrays in prepared.arrays.items():
        t = time.perf_counter()
        probe_x = layers.layers[probe_layer]
        runs.append(
            run_seed(
                config, seed, arrays,
                probe_x[layers.pool_rows[seed]], probe_x[layers.test_rows[seed]], log,
            )
        )  # fmt: skip
        timings[f"seed{seed}_s"] = time.perf_counter() - t
    results = {
        "config": config.to_json(),
        "provenance": _provenance(config),
        "dataset": {"name": prepared.dataset.name, "rows": len(prepared.dataset)},
        "probe_layer": probe_layer,
        "student_layer": student_layer,
        **summarise(runs, [parse_intervention(n).name for n in config.interventions]),
        "per_seed": runs,
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
    results["timings"]["total_s"] = round(time.perf_counter() - t0, 3)
    write_json(out / "results.json", results)
    from w2sg.report.interventions import write_interventions_report

    write_interventions_report(results, out)
    log(f"wrote {out / 'results.json'} and {out / 'summary.md'}")
    return results


def run_seed(config: InterventionsConfig, seed: int, a, probe_pool, probe_test, log: Log) -> dict:
    """One seed: weak / plain student / ceiling, then each intervention's student or probe."""
    from w2sg.experiments.w2s import weak_to_strong

    outcome = weak_to_strong(
        a.weak_train_x, a.weak_train_y, a.pool_weak_x, a.pool_strong_x, a.pool_y,
        a.test_weak_x, a.test_strong_x, a.test_y, l2=config.student_l2,
    )  # fmt: skip
    weak_probs = outcome.pool_weak_probs
    rows = {}
    for name in config.interventions:
        spec = parse_intervention(name)
        row = intervention_row(
            spec, config, a, weak_probs, probe_pool, probe_test, outcome.w2s
        )
        gaps = {m: pgr(outcome.weak[m], row["test"][m], outcome.ceiling[m]) for m in row["test"]}
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
        "interventions": rows,
    }


def intervention_row(spec, config, a, weak_probs, probe_pool, probe_test, plain: dict) -> dict:
    """Test metrics of one intervention's student (or probe), and what it kept."""
    from w2sg.probes.interventions import probe_predictions, training_set
    from w2sg.probes.logistic import LogisticProbe

    ts = training_set(spec, probe_pool, weak_probs, config.options)
    if spec.kind == "none":
        test = plain  # the study's plain student, trained exactly so
    elif spec.kind == "probe":
        preds = probe_predictions(spec.method, probe_pool, weak_probs, probe_test, config.options)
        test = evaluate(a.test_y, preds)
    elif ts.n_kept == 0:
        test = {"accuracy": None, "auc": None}
    else:
        student = LogisticProbe(l2=config.student_l2).fit(a.pool_strong_x[ts.indices], ts.labels)
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


def _stats(values: list) -> dict:
    vals = [v for v in values if v is not None]
    if not vals:
        return {"mean": None, "std": None, "n": 0}
    return {"mean": float(np.mean(vals)), "std": float(np.std(vals)), "n": len(vals)}


def summarise(runs: list[dict], names: list[str]) -> dict:
    """Mean and spread (std over seeds) per intervention; PGR also relative to `none`."""
    base = {
        key: {m: _stats([r[key][m] for r in runs]) for m in ("accuracy", "auc")}
        for key in ("weak", "w2s", "ceiling")
    }
    table = {}
    for name in names:
        rows = [r["interventions"][name] for r in runs]
        entry = {
            m: _stats([row["test"][m] for row in rows]) for m in ("accuracy", "auc")
        }
        for m in ("accuracy", "auc"):
            entry[f"pgr_{m}"] = _stats([row["pgr"][m] for row in rows])
            plain = [pgr(r["weak"][m], r["w2s"][m], r["ceiling"][m]).value for r in runs]
            entry[f"pgr_{m}_vs_plain"] = _stats(
                [_diff(row["pgr"][m], b) for row, b in zip(rows, plain, strict=True)]
            )
        for key in ("n_kept", "kept_fraction", "weak_label_accuracy_kept",
                    "weak_label_accuracy_dropped", "train_label_accuracy"):  # fmt: skip
            entry[key] = _stats([row[key] for row in rows])
        topo = [row["info"].get("topocc_removed_fraction") for row in rows]
        if any(v is not None for v in topo):
            entry["topocc_removed_fraction"] = _stats(topo)
        table[name] = entry
    return {**base, "interventions": table}


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


SWEEP_PROBES = ("knn", "logistic", "topo")


@dataclass(frozen=True)
class SweepConfig:
    """What `w2sg probes sweep` does: layers x k (kNN, topo) and x L2 (logistic)."""

    dataset: str = "rotten_tomatoes"
    weak_model: str = "minilm-l6"
    strong_model: str = "mpnet-base"
    weak_layer: int = -1
    layers: tuple[int, ...] = ()  # hidden_states indices; empty: every layer after embeddings
    ks: tuple[int, ...] = (10, 50, 200)
    l2s: tuple[float, ...] = (1e-4, 1e-2, 1.0)
    probes: tuple[str, ...] = SWEEP_PROBES
    metric: str = "euclidean"
    pooling: str = "auto"
    max_length: int | None = None
    dtype: str = "auto"
    weak_train: int = 2000
    strong_train: int = 2000
    test: int = 1000
    seeds: tuple[int, ...] = (0,)
    weak_l2: float = 1e-3
    dataset_options: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = [p for p in self.probes if p not in SWEEP_PROBES]
        if bad or not self.probes:
            raise W2SGError(f"probes must be some of {', '.join(SWEEP_PROBES)}; got {bad}")
        if not self.ks or any(isinstance(k, bool) or int(k) != k or k < 1 for k in self.ks):
            raise W2SGError(f"k values must be positive integers, got {self.ks}")
        if not self.l2s or any(not x >= 0 for x in self.l2s):
            raise W2SGError(f"L2 values must be >= 0, got {self.l2s}")
        InterventionOptions(metric=self.metric)
        self.study_config()

    def study_config(self) -> StudyConfig:
        return InterventionsConfig(
            dataset=self.dataset, weak_model=self.weak_model, strong_model=self.strong_model,
            weak_layer=self.weak_layer, pooling=self.pooling, max_length=self.max_length,
            dtype=self.dtype, weak_train=self.weak_train, strong_train=self.strong_train,
            test=self.test, seeds=self.seeds, student_l2=self.weak_l2,
            dataset_options=self.dataset_options,
        ).study_config()  # fmt: skip

    to_json = InterventionsConfig.to_json


def sweep_cells(
    probe: str,
    values: tuple,
    pool_x: np.ndarray,
    weak_probs: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    weak_auc: float,
    metric: str,
) -> list[float | None]:
    """Test AUC minus the weak labels' test AUC, for each k (kNN, topo) or L2 (logistic)."""
    from w2sg.metrics import roc_auc
    from w2sg.probes.interventions import probe_predictions

    out = []
    for v in values:
        if probe == "logistic":
            options = InterventionOptions(probe_l2=float(v), metric=metric)
        else:
            options = InterventionOptions(k=int(v), metric=metric)
        auc = roc_auc(test_y, probe_predictions(probe, pool_x, weak_probs, test_x, options))
        out.append(None if auc is None else auc - weak_auc)
    return out


def run_probe_sweep(config: SweepConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Layers x parameters -> probe test AUC minus weak AUC, from one multi-layer extraction."""
    from rich.progress import track

    from w2sg.experiments.study import prepare_study
    from w2sg.experiments.w2s import weak_to_strong
    from w2sg.models import resolve_model
    from w2sg.models.extract import normalise_layers, num_hidden_layers
    from w2sg.models.load import load_config

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    n_layers = num_hidden_layers(load_config(resolve_model(config.strong_model)))
    layers = tuple(normalise_layers(config.layers or tuple(range(1, n_layers + 1)), n_layers))
    study = config.study_config()
    acts = strong_layers(study, layers)
    prepared = prepare_study(study, log)
    grids = {p: np.full((len(config.seeds), len(layers), len(_values(config, p))), np.nan)
             for p in config.probes}  # fmt: skip
    weak_aucs = []
    jobs = [(si, s, li, layer) for si, s in enumerate(config.seeds) for li, layer in
            enumerate(layers)]  # fmt: skip
    outcomes = {}
    for si, seed, li, layer in track(jobs, description="probes sweep", transient=True):
        a = prepared.arrays[seed]
        if seed not in outcomes:
            outcomes[seed] = weak_to_strong(
                a.weak_train_x, a.weak_train_y, a.pool_weak_x, a.pool_strong_x, a.pool_y,
                a.test_weak_x, a.test_strong_x, a.test_y, l2=config.weak_l2,
            )  # fmt: skip
            weak_aucs.append(outcomes[seed].weak["auc"])
        x = acts.layers[layer]
        for p in config.probes:
            cells = sweep_cells(
                p, _values(config, p), x[acts.pool_rows[seed]], outcomes[seed].pool_weak_probs,
                x[acts.test_rows[seed]], a.test_y, outcomes[seed].weak["auc"], config.metric,
            )  # fmt: skip
            grids[p][si, li] = [np.nan if c is None else c for c in cells]
    results = {
        "config": config.to_json(),
        "provenance": _provenance(config),
        "dataset": {"name": prepared.dataset.name, "rows": len(prepared.dataset)},
        "layers": list(layers),
        "weak_auc": _stats(weak_aucs),
        "sweep": {p: _sweep_json(grids[p], layers, _values(config, p), p) for p in config.probes},
        "timings": {"total_s": round(time.perf_counter() - t0, 3)},
    }
    write_json(out / "results.json", results)
    from w2sg.report.interventions import write_sweep_report

    write_sweep_report(results, out)
    log(f"wrote {out / 'results.json'} and {out / 'summary.md'}")
    return results


def _values(config: SweepConfig, probe: str) -> tuple:
    return config.l2s if probe == "logistic" else config.ks


def _sweep_json(grid: np.ndarray, layers: tuple, values: tuple, probe: str) -> dict:
    """Mean (and std over seeds) AUC gain per (layer, value), and the best cell."""
    mean = np.nanmean(grid, axis=0) if np.isfinite(grid).any() else grid[0]
    std = np.nanstd(grid, axis=0) if np.isfinite(grid).any() else grid[0]
    best = None
    if np.isfinite(mean).any():
        li, vi = np.unravel_index(np.nanargmax(mean), mean.shape)
        best = {"layer": layers[li], "value": values[vi], "auc_gain": float(mean[li, vi]),
                "auc_gain_std": float(std[li, vi])}  # fmt: skip
    return {
        "parameter": "l2" if probe == "logistic" else "k",
        "values": list(values),
        "auc_gain": [[None if not np.isfinite(v) else float(v) for v in row] for row in mean],
        "auc_gain_std": [[None if not np.isfinite(v) else float(v) for v in row] for row in std],
        "best": best,
    }
