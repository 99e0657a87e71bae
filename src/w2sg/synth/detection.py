"""Overlap detection scored where the truth is known (docs/methods.md#synthetic-data).

Precision, recall and F1 for overlap and for hard-only points, per detector, over a grid of
settings and repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from w2sg.data.synthetic import SyntheticParams, make_synthetic
from w2sg.errors import W2SGError
from w2sg.overlap.detect import detect_overlap
from w2sg.probes.logistic import LogisticProbe
from w2sg.synth.config import DetectionGridConfig
from w2sg.synth.mechanism import _seed

METRICS = (
    "overlap_precision",
    "overlap_recall",
    "overlap_f1",
    "hard_precision",
    "hard_recall",
    "hard_f1",
)


def precision_recall_f1(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 of a predicted boolean set against the true one (0 if empty)."""
    tp = float(np.sum(truth & predicted))
    precision = tp / predicted.sum() if predicted.sum() else 0.0
    recall = tp / truth.sum() if truth.sum() else 0.0
    f1 = 2 * tp / (truth.sum() + predicted.sum()) if truth.sum() + predicted.sum() else 0.0
    return precision, recall, float(f1)


def _sizes(props: Sequence[float], n: int) -> dict[str, int]:
    easy, hard = round(n * props[0]), round(n * props[1])
    return {"n_easy_only": easy, "n_hard_only": hard, "n_overlap": max(0, n - easy - hard)}


def detection_cell(cfg: DetectionGridConfig, setting: dict, seed: int) -> dict[str, list[float]]:
    """One setting and seed: {detector: the six METRICS}."""
    params = SyntheticParams(
        **_sizes(setting["proportions"], setting["pool_size"]),
        d_easy=cfg.d_easy,
        d_hard=cfg.d_hard,
        noise=cfg.noise,
        absent_noise=setting["absent_noise"],
        easy_signal=setting["easy_signal"],
        hard_signal=setting["hard_signal"],
        mean_seed=_seed(cfg.seed, seed, 0),
    )
    train = make_synthetic(params, seed=_seed(cfg.seed, seed, 1))
    pool = make_synthetic(params, seed=_seed(cfg.seed, seed, 2))
    weak = LogisticProbe(l2=cfg.weak_l2).fit(train.weak_x, train.labels)
    probs = weak.predict(pool.weak_x)
    out = {}
    for name in cfg.detectors:
        found = detect_overlap(probs, pool.strong_x, detector=name).labels()
        out[name] = [
            *precision_recall_f1(pool.types == "overlap", found == "overlap"),
            *precision_recall_f1(pool.types == "hard_only", found == "hard_only"),
        ]
    return out


@dataclass(frozen=True)
class DetectionGridResult:
    """Per setting, seed, detector and metric (`METRICS`) the value; rows average the seeds."""

    config: DetectionGridConfig
    settings: tuple[dict, ...]
    values: np.ndarray  # (settings, seeds, detectors, len(METRICS))

    def rows(self) -> list[dict]:
        """One row per setting and detector: the setting, the detector, mean and std per metric."""
        mean, std = self.values.mean(axis=1), self.values.std(axis=1)
        rows = []
        for s, setting in enumerate(self.settings):
            for d, name in enumerate(self.config.detectors):
                row = {**_flat(setting), "detector": name}
                row.update({m: float(mean[s, d, j]) for j, m in enumerate(METRICS)})
                row.update({f"{m}_std": float(std[s, d, j]) for j, m in enumerate(METRICS)})
                rows.append(row)
        return rows

    def overall(self) -> dict[str, dict[str, float]]:
        """Per detector, each metric averaged over every setting and seed."""
        mean = self.values.mean(axis=(0, 1))
        return {
            name: {m: float(mean[d, j]) for j, m in enumerate(METRICS)}
            for d, name in enumerate(self.config.detectors)
        }

    def wins(
        self, metric: str = "overlap_f1", baseline: str = "reference"
    ) -> dict[str, dict[str, int]]:
        """Per detector, the settings where it beats / ties / loses to `baseline` (seed means)."""
        j = METRICS.index(metric)
        mean = self.values.mean(axis=1)[:, :, j]
        b = mean[:, self.config.detectors.index(baseline)]
        return {
            name: {
                "wins": int((mean[:, d] > b + 1e-9).sum()),
                "ties": int((np.abs(mean[:, d] - b) <= 1e-9).sum()),
                "losses": int((mean[:, d] < b - 1e-9).sum()),
            }
            for d, name in enumerate(self.config.detectors)
        }

    def to_json(self) -> dict:
        return {
            "experiment": "synthetic overlap detection (docs/methods.md#synthetic-data)",
            "config": self.config.to_json(),
            "metrics": list(METRICS),
            "overall": self.overall(),
            "wins_vs_reference": self.wins() if "reference" in self.config.detectors else None,
            "rows": self.rows(),
        }


def _flat(setting: dict) -> dict:
    out = {k: v for k, v in setting.items() if k != "proportions"}
    out["easy_share"], out["hard_share"], out["overlap_share"] = (
        round(float(x), 4) for x in setting["proportions"]
    )
    return out


def run_detection_grid(
    cfg: DetectionGridConfig, progress: Callable[[int, int], None] | None = None
) -> DetectionGridResult:
    """Score every detector on every setting and seed of the grid (docs/methods.md#detection,
    docs/methods.md#synthetic-data)."""
    settings = cfg.settings()
    values = np.empty((len(settings), cfg.repeats, len(cfg.detectors), len(METRICS)))
    for s, setting in enumerate(settings):
        for seed in range(cfg.repeats):
            cell = detection_cell(cfg, setting, seed)
            values[s, seed] = [cell[name] for name in cfg.detectors]
        if progress is not None:
            progress(s + 1, len(settings))
    return DetectionGridResult(cfg, tuple(settings), values)


def marginals(result: DetectionGridResult, metric: str = "overlap_f1") -> list[dict]:
    """Per grid axis and value, `metric` per detector averaged over everything else."""
    if metric not in METRICS:
        raise W2SGError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    j = METRICS.index(metric)
    mean = result.values.mean(axis=1)[:, :, j]  # (settings, detectors)
    out = []
    for axis in ("absent_noise", "easy_signal", "hard_signal", "proportions", "pool_size"):
        for value in getattr(result.config, axis):
            keep = [s for s, st in enumerate(result.settings) if st[axis] == value]
            shown = "/".join(f"{v:.2f}" for v in value) if axis == "proportions" else value
            row = {"axis": axis, "value": shown}
            row.update(
                {
                    name: float(mean[keep, d].mean())
                    for d, name in enumerate(result.config.detectors)
                }
            )
            out.append(row)
    return out
