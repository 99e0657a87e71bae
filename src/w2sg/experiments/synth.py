"""Experiments on synthetic data with known overlap (SPEC §6): the mechanism and detection.

- `run_mechanism`: the paper's theory experiment. A weak probe learns from ground truth on the
  weak view (easy block); it labels a pool; the strong student is trained *only on the pool's
  overlap points* with the weak soft labels, and is tested separately on easy-only, hard-only
  and overlap points, as one count (overlap by default; easy-only or hard-only as variants)
  grows. With no overlap points there is nothing to train on: the student predicts chance, 0.5,
  and the result marks those counts as `chance`.
- `run_detection_grid`: overlap detection (SPEC §3) where the truth is known: precision, recall
  and F1 for overlap and for hard-only points, per detector, over a grid of settings and seeds.

Pure functions returning frozen dataclasses; files and figures live in the CLI and `report/`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from w2sg import validate
from w2sg.data.synthetic import TYPES, SyntheticData, SyntheticParams, make_synthetic
from w2sg.errors import W2SGError
from w2sg.metrics import accuracy
from w2sg.overlap.detect import detect_overlap
from w2sg.overlap.detectors import parse_detector
from w2sg.probes.logistic import LogisticProbe, l2_for_sklearn_c

VARIES = ("overlap", "easy_only", "hard_only")


def _seed(*parts: int) -> int:
    """A 32-bit seed derived from a tuple of integers (stable across runs and machines)."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


# --------------------------------------------------------------------------- mechanism


@dataclass(frozen=True)
class MechanismConfig:
    """One mechanism experiment (SPEC §6; reference: overlap 0, 5, ..., 95; 100 + 100; 20 + 20)."""

    vary: str = "overlap"  # which count the x axis varies: overlap, easy_only or hard_only
    counts: tuple[int, ...] = tuple(range(0, 100, 5))
    n_easy_only: int = 100  # fixed counts of the weak-train set and the pool (when not varied)
    n_hard_only: int = 100
    n_overlap: int = 10
    n_test: int = 200  # test points per type, the same for every count
    runs: int = 50
    d_easy: int = 20
    d_hard: int = 20
    noise: float = math.sqrt(5.0)
    absent_noise: float = 0.0
    easy_signal: float = 1.0
    hard_signal: float = 1.0
    weak_l2: float = 1e-3
    student_c: float = 0.01  # the reference's sklearn C, matched at every training size
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    def params(self, count: int, seed: int, mean_seed: int) -> SyntheticParams:
        sizes = {"n_easy_only": self.n_easy_only, "n_hard_only": self.n_hard_only,
                 "n_overlap": self.n_overlap, f"n_{self.vary}": count}
        return SyntheticParams(
            **sizes, d_easy=self.d_easy, d_hard=self.d_hard, noise=self.noise,
            absent_noise=self.absent_noise, easy_signal=self.easy_signal,
            hard_signal=self.hard_signal, seed=seed, mean_seed=mean_seed,
        )


@dataclass(frozen=True)
class MechanismResult:
    """Test accuracy per run, count and true type (axis 2 follows `TYPES`)."""

    config: MechanismConfig
    counts: np.ndarray  # (c,)
    student_acc: np.ndarray  # (runs, c, 3): the W2S student trained on overlap points only
    weak_acc: np.ndarray  # (runs, c, 3): the weak model, for reference
    chance: np.ndarray  # (c,) bool: no overlap training points, the student predicts 0.5
    types: tuple[str, ...] = field(default=TYPES)

    def summary(self) -> dict:
        """Per type: mean, std, 10th and 90th percentiles of student accuracy per count."""
        out: dict = {}
        for t, kind in enumerate(self.types):
            acc = self.student_acc[:, :, t]
            out[kind] = {
                "mean": acc.mean(axis=0).tolist(),
                "std": acc.std(axis=0).tolist(),
                "q10": np.quantile(acc, 0.1, axis=0).tolist(),
                "q90": np.quantile(acc, 0.9, axis=0).tolist(),
                "weak_mean": self.weak_acc[:, :, t].mean(axis=0).tolist(),
            }
        return out

    def to_json(self) -> dict:
        return {
            "experiment": "synthetic mechanism (SPEC §6)",
            "config": self.config.to_json(),
            "x": f"n_{self.config.vary}",
            "counts": self.counts.tolist(),
            "chance": self.chance.tolist(),
            "chance_note": "with 0 overlap training points the student predicts 0.5 (chance)",
            "types": list(self.types),
            "summary": self.summary(),
            "student_acc": self.student_acc.tolist(),
            "weak_acc": self.weak_acc.tolist(),
        }


def check_mechanism(cfg: MechanismConfig) -> None:
    if cfg.vary not in VARIES:
        raise W2SGError(f"vary must be one of {', '.join(VARIES)}, got {cfg.vary!r}")
    if not cfg.counts or min(cfg.counts) < 0:
        raise W2SGError(f"counts must be a non-empty list of counts >= 0, got {cfg.counts}")
    if cfg.runs < 1 or cfg.n_test < 2:
        raise W2SGError(f"need runs >= 1 and n_test >= 2, got {cfg.runs} and {cfg.n_test}")
    for count in cfg.counts:
        validate.whole(count, "counts entry", low=0)
    for name in ("n_easy_only", "n_hard_only", "n_overlap"):
        validate.whole(getattr(cfg, name), name, low=0)
    _check_common(cfg)
    for name in ("easy_signal", "hard_signal", "absent_noise"):
        validate.number(getattr(cfg, name), name, low=0.0 if name == "absent_noise" else None)
    validate.number(cfg.student_c, "student_c", low=0.0, low_open=True)


def _check_common(cfg: MechanismConfig | DetectionGridConfig) -> None:
    """What both synthetic experiments share: dimensions, noise, weak L2, seed."""
    for name in ("d_easy", "d_hard"):
        validate.positive(getattr(cfg, name), name)
    validate.number(cfg.noise, "noise", low=0.0, low_open=True)
    validate.l2(cfg.weak_l2, "weak_l2")
    validate.seed(cfg.seed, "seed")


def _per_type_accuracy(data: SyntheticData, probs: np.ndarray) -> list[float]:
    return [accuracy(data.labels[data.index(t)], probs[data.index(t)]) for t in TYPES]


def mechanism_cell(cfg: MechanismConfig, run: int, i: int, test: SyntheticData,
                   mean_seed: int) -> tuple[list[float], list[float]]:
    """One run at one count: (student accuracy per type, weak accuracy per type) on `test`."""
    count = cfg.counts[i]
    train = make_synthetic(cfg.params(count, _seed(cfg.seed, run, i, 1), mean_seed))
    pool = make_synthetic(cfg.params(count, _seed(cfg.seed, run, i, 2), mean_seed))
    if len(np.unique(train.labels)) < 2:
        raise W2SGError(f"the weak training set at count {count} has one class; raise the counts")
    weak = LogisticProbe(l2=cfg.weak_l2).fit(train.weak_x, train.labels)
    weak_acc = _per_type_accuracy(test, weak.predict(test.weak_x))
    overlap = pool.index("overlap")
    if len(overlap) == 0:  # nothing to learn from: chance
        return [0.5] * len(TYPES), weak_acc
    soft = weak.predict(pool.weak_x[overlap])
    l2 = l2_for_sklearn_c(cfg.student_c, len(overlap))
    student = LogisticProbe(l2=l2).fit(pool.strong_x[overlap], soft)
    return _per_type_accuracy(test, student.predict(test.strong_x)), weak_acc


def run_mechanism(
    cfg: MechanismConfig, progress: Callable[[int, int], None] | None = None
) -> MechanismResult:
    """The theory experiment (SPEC §6) over `cfg.runs` runs; `progress(done, total)` per run."""
    check_mechanism(cfg)
    c = len(cfg.counts)
    student = np.empty((cfg.runs, c, len(TYPES)))
    weak = np.empty_like(student)
    for run in range(cfg.runs):
        mean_seed = _seed(cfg.seed, run, 0)
        test = make_synthetic(
            cfg.params(0, _seed(cfg.seed, run, 3), mean_seed),
            n_easy_only=cfg.n_test, n_hard_only=cfg.n_test, n_overlap=cfg.n_test,
        )
        for i in range(c):
            student[run, i], weak[run, i] = mechanism_cell(cfg, run, i, test, mean_seed)
        if progress is not None:
            progress(run + 1, cfg.runs)
    counts = np.asarray(cfg.counts, dtype=np.int64)
    n_overlap = counts if cfg.vary == "overlap" else np.full(c, cfg.n_overlap)
    return MechanismResult(cfg, counts, student, weak, chance=n_overlap == 0)


# --------------------------------------------------------------------------- detection


@dataclass(frozen=True)
class DetectionGridConfig:
    """A grid of synthetic settings to score overlap detectors on (SPEC §3 and §6).

    `proportions` are (easy-only, hard-only, overlap) shares of the pool; the weak model learns
    from a ground-truth-labelled draw of the same setting and size.
    """

    absent_noise: tuple[float, ...] = (0.0, 0.5, 1.5)
    easy_signal: tuple[float, ...] = (1.0, 2.0, 4.0)
    hard_signal: tuple[float, ...] = (1.0, 2.0, 4.0)
    proportions: tuple[tuple[float, float, float], ...] = (
        (1 / 3, 1 / 3, 1 / 3), (0.45, 0.45, 0.1), (0.2, 0.2, 0.6),
    )
    pool_size: tuple[int, ...] = (150, 900)
    seeds: int = 3
    detectors: tuple[str, ...] = ("reference", "knn", "mean")
    noise: float = math.sqrt(5.0)
    d_easy: int = 20
    d_hard: int = 20
    weak_l2: float = 1e-3
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    def settings(self) -> list[dict]:
        """Every grid cell as a dict of the varied values."""
        axes = {"absent_noise": self.absent_noise, "easy_signal": self.easy_signal,
                "hard_signal": self.hard_signal, "proportions": self.proportions,
                "pool_size": self.pool_size}
        grid = itertools.product(*axes.values())
        return [dict(zip(axes, values, strict=True)) for values in grid]


METRICS = ("overlap_precision", "overlap_recall", "overlap_f1",
           "hard_precision", "hard_recall", "hard_f1")


def precision_recall_f1(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 of a predicted boolean set against the true one (0 if empty)."""
    tp = float(np.sum(truth & predicted))
    precision = tp / predicted.sum() if predicted.sum() else 0.0
    recall = tp / truth.sum() if truth.sum() else 0.0
    f1 = 2 * tp / (truth.sum() + predicted.sum()) if truth.sum() + predicted.sum() else 0.0
    return precision, recall, float(f1)


def check_grid(cfg: DetectionGridConfig) -> None:
    for name in cfg.detectors:
        parse_detector(name)
    if cfg.seeds < 1 or not cfg.detectors:
        raise W2SGError("the detection grid needs seeds >= 1 and at least one detector")
    for props in cfg.proportions:
        if len(props) != 3 or min(props) < 0 or not math.isclose(sum(props), 1.0, abs_tol=1e-6):
            raise W2SGError(f"proportions must be three shares >= 0 summing to 1, got {props}")
    for name in ("absent_noise", "easy_signal", "hard_signal", "proportions", "pool_size"):
        if not getattr(cfg, name):
            raise W2SGError(f"{name}: give at least one value")
    for value in cfg.absent_noise:
        validate.number(value, "absent_noise entry", low=0.0)
    for value in (*cfg.easy_signal, *cfg.hard_signal):
        validate.number(value, "signal strength")
    for size in cfg.pool_size:
        validate.whole(size, "pool_size entry")
    if min(cfg.pool_size) < 10:
        raise W2SGError(f"pool sizes must be >= 10, got {cfg.pool_size}")
    _check_common(cfg)


def _sizes(props: Sequence[float], n: int) -> dict[str, int]:
    easy, hard = round(n * props[0]), round(n * props[1])
    return {"n_easy_only": easy, "n_hard_only": hard, "n_overlap": max(0, n - easy - hard)}


def detection_cell(cfg: DetectionGridConfig, setting: dict, seed: int) -> dict[str, list[float]]:
    """One setting and seed: {detector: the six METRICS}."""
    params = SyntheticParams(
        **_sizes(setting["proportions"], setting["pool_size"]), d_easy=cfg.d_easy,
        d_hard=cfg.d_hard, noise=cfg.noise, absent_noise=setting["absent_noise"],
        easy_signal=setting["easy_signal"], hard_signal=setting["hard_signal"],
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
        return {name: {m: float(mean[d, j]) for j, m in enumerate(METRICS)}
                for d, name in enumerate(self.config.detectors)}

    def wins(
        self, metric: str = "overlap_f1", baseline: str = "reference"
    ) -> dict[str, dict[str, int]]:
        """Per detector, the settings where it beats / ties / loses to `baseline` (seed means)."""
        j = METRICS.index(metric)
        mean = self.values.mean(axis=1)[:, :, j]
        b = mean[:, self.config.detectors.index(baseline)]
        return {name: {"wins": int((mean[:, d] > b + 1e-9).sum()),
                       "ties": int((np.abs(mean[:, d] - b) <= 1e-9).sum()),
                       "losses": int((mean[:, d] < b - 1e-9).sum())}
                for d, name in enumerate(self.config.detectors)}

    def to_json(self) -> dict:
        return {"experiment": "synthetic overlap detection (SPEC §3, §6)",
                "config": self.config.to_json(), "metrics": list(METRICS),
                "overall": self.overall(),
                "wins_vs_reference": self.wins() if "reference" in self.config.detectors else None,
                "rows": self.rows()}


def _flat(setting: dict) -> dict:
    out = {k: v for k, v in setting.items() if k != "proportions"}
    out["easy_share"], out["hard_share"], out["overlap_share"] = (
        round(float(x), 4) for x in setting["proportions"])
    return out


def run_detection_grid(
    cfg: DetectionGridConfig, progress: Callable[[int, int], None] | None = None
) -> DetectionGridResult:
    """Score every detector on every setting and seed of the grid (SPEC §3, §6)."""
    check_grid(cfg)
    settings = cfg.settings()
    values = np.empty((len(settings), cfg.seeds, len(cfg.detectors), len(METRICS)))
    for s, setting in enumerate(settings):
        for seed in range(cfg.seeds):
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
            row.update({name: float(mean[keep, d].mean())
                        for d, name in enumerate(result.config.detectors)})
            out.append(row)
    return out
