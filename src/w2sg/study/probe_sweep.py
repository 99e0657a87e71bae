"""`w2sg probes sweep`: layers x k x L2 of the probes, as the EleutherAI study's heat-map.

Probe test AUC minus the weak labels' test AUC, for every layer of the strong model and every
k (kNN, TopoFilter) or L2 (logistic), from one multi-layer extraction (docs/methods.md#probes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.progress import track

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.interventions.sets import InterventionOptions, probe_predictions
from w2sg.io import write_json
from w2sg.models.layers import model_layers, normalise_layers
from w2sg.models.provenance import run_provenance
from w2sg.options import default, option
from w2sg.probes.knn import METRICS
from w2sg.report.interventions import write_sweep_report
from w2sg.stats.metrics import roc_auc
from w2sg.stats.pgr import describe
from w2sg.study.config import ProbeSetup
from w2sg.study.prepare import prepare_study, strong_layers

Log = Callable[[str], None]
SWEEP_PROBES = ("knn", "logistic", "topo")


@dataclass(frozen=True)
class ProbeSweepConfig(ProbeSetup):
    """What `w2sg probes sweep` does: layers x k (kNN, topo) and x L2 (logistic)."""

    weak_train: int = default(2000)
    strong_train: int = default(2000)
    test: int = default(1000)
    layers: tuple[int, ...] = option(
        (), "Strong layers to probe, comma-separated (default: every layer after the embeddings)."
    )
    ks: tuple[int, ...] = option((10, 50, 200), "k values of the kNN and TopoFilter probes.")
    l2s: tuple[float, ...] = option((1e-4, 1e-2, 1.0), "L2 values of the logistic probe.")
    probes: tuple[str, ...] = option(SWEEP_PROBES, "Probes to sweep: knn, logistic, topo.")
    metric: str = option("euclidean", "Distance of kNN and TopoFilter: euclidean or cosine.")

    def __post_init__(self) -> None:
        super().__post_init__()
        probes = v.strings(self.probes, self.flag("probes"))
        bad = [p for p in probes if p not in SWEEP_PROBES]
        if bad or not probes:
            raise W2SGError(f"probes must be some of {', '.join(SWEEP_PROBES)}; got {bad}")
        for name, each in (("ks", self._k), ("l2s", self._l2), ("layers", self._layer)):
            values = getattr(self, name)
            if isinstance(values, str) or not isinstance(values, tuple | list):
                raise W2SGError(f"{self.flag(name)} must be a list, got {values!r}")
            for value in values:
                each(value)
            v.unique(values, self.flag(name))
        if not self.ks:
            raise W2SGError(f"k values: give at least one ({self.flag('ks')})")
        if not self.l2s:
            raise W2SGError(f"give at least one L2 value ({self.flag('l2s')})")
        v.choice(self.metric, self.flag("metric"), METRICS)

    def _k(self, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise W2SGError(
                f"k values must be positive integers ({self.flag('ks')}), got {value!r}"
            )

    def _l2(self, value: object) -> None:
        v.l2(value, f"L2 value ({self.flag('l2s')})")

    def _layer(self, value: object) -> None:
        v.whole(value, f"{self.flag('layers')} entry")


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
    out = []
    for value in values:
        if probe == "logistic":
            options = InterventionOptions(probe_l2=float(value), metric=metric)
        else:
            options = InterventionOptions(k=int(value), metric=metric)
        auc = roc_auc(test_y, probe_predictions(probe, pool_x, weak_probs, test_x, options))
        out.append(None if auc is None else auc - weak_auc)
    return out


def _grids(config: ProbeSweepConfig, layers: tuple[int, ...], acts, prepared):
    """Per probe, the (seeds, layers, values) grid of AUC gains, and each seed's weak AUC."""
    grids = {
        p: np.full((len(config.seeds), len(layers), len(_values(config, p))), np.nan)
        for p in config.probes
    }
    weak_aucs = []
    jobs = [
        (si, s, li, layer) for si, s in enumerate(config.seeds) for li, layer in enumerate(layers)
    ]
    outcomes = {}
    for si, seed, li, layer in track(jobs, description="probes sweep", transient=True):
        a = prepared.arrays[seed]
        if seed not in outcomes:
            outcomes[seed] = a.weak_to_strong(config.l2, margin=config.pgr_margin)
            weak_aucs.append(outcomes[seed].weak["auc"])
        x = acts.layers[layer]
        for p in config.probes:
            cells = sweep_cells(
                p,
                _values(config, p),
                x[acts.pool_rows[seed]],
                outcomes[seed].pool_weak_probs,
                x[acts.test_rows[seed]],
                a.test_y,
                outcomes[seed].weak["auc"],
                config.metric,
            )
            grids[p][si, li] = [np.nan if c is None else c for c in cells]
    return grids, weak_aucs


def run_probe_sweep(config: ProbeSweepConfig, out_dir: str | Path, log: Log = print) -> dict:
    """Layers x parameters -> probe test AUC minus weak AUC, from one multi-layer extraction."""
    out = Path(out_dir)
    t0 = time.perf_counter()
    n_layers = model_layers(config.strong_model)
    layers = tuple(normalise_layers(config.layers or tuple(range(1, n_layers + 1)), n_layers))
    for i, layer in enumerate(layers):
        if layer in layers[:i]:
            raise W2SGError(
                f"--layers names layer {layer} of {config.strong_model} twice "
                f"({config.layers[layers.index(layer)]} and {config.layers[i]}: it has "
                f"{n_layers} layers, -1 = {n_layers}); give each layer once"
            )
    out.mkdir(parents=True, exist_ok=True)
    acts = strong_layers(config, layers, log)
    prepared = prepare_study(config, log)
    grids, weak_aucs = _grids(config, layers, acts, prepared)
    results = {
        "config": config.to_json(),
        "provenance": run_provenance(
            prepared.models,
            dtype=config.dtype,
        ),
        "dataset": {"name": prepared.dataset.name, "rows": len(prepared.dataset)},
        "layers": list(layers),
        "weak_auc": describe(weak_aucs),
        "sweep": {p: _sweep_json(grids[p], layers, _values(config, p), p) for p in config.probes},
        "timings": {"total_s": round(time.perf_counter() - t0, 3)},
    }
    write_json(out / "results.json", results)
    write_sweep_report(results, out)
    log(f"wrote {out / 'results.json'} and {out / 'summary.md'}")
    return results


def _values(config: ProbeSweepConfig, probe: str) -> tuple:
    return config.l2s if probe == "logistic" else config.ks


def _sweep_json(grid: np.ndarray, layers: tuple, values: tuple, probe: str) -> dict:
    """Mean (and std over seeds) AUC gain per (layer, value), and the best cell."""
    mean = np.nanmean(grid, axis=0) if np.isfinite(grid).any() else grid[0]
    std = np.nanstd(grid, axis=0) if np.isfinite(grid).any() else grid[0]
    best = None
    if np.isfinite(mean).any():
        li, vi = np.unravel_index(np.nanargmax(mean), mean.shape)
        best = {
            "layer": layers[li],
            "value": values[vi],
            "auc_gain": float(mean[li, vi]),
            "auc_gain_std": float(std[li, vi]),
        }
    return {
        "parameter": "l2" if probe == "logistic" else "k",
        "values": list(values),
        "auc_gain": [[None if not np.isfinite(v) else float(v) for v in row] for row in mean],
        "auc_gain_std": [[None if not np.isfinite(v) else float(v) for v in row] for row in std],
        "best": best,
    }
