"""W2S interventions in probe mode (docs/methods.md#interventions, docs/methods.md#detection): each
one picks the student's training set.

Every intervention is a pure function of the strong model's activations of the pool, the weak
soft labels, and options, returning a `TrainingSet` (pool positions and the labels to train
on). Any student can consume it: the probe-mode student (a logistic probe) today, a
fine-tuned student later (`finetune --intervention`), with no change here.

Names:
  none              the plain student: every point, weak labels
  probe:METHOD      the probe fitted to the weak labels IS the student (predictions on test)
  filter:METHOD     drop the fraction [0.1] where the probe disagrees most with the weak label
  relabel:METHOD    every point, labelled with the probe's soft prediction
  confident         keep the most confident fraction [0.5] of weak labels, 2|p - 0.5|
  overlap           only the detected overlap points (docs/methods.md#detection)
  overlap+hard      the overlap and the hard-only points (the easy-only ones dropped)
METHOD: knn, logistic or topo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.options import option
from w2sg.overlap.detect import detect_overlap
from w2sg.overlap.detectors import parse_detector
from w2sg.overlap.similarity import as_similarity
from w2sg.probes.knn import METRICS, KNNProbe, check_probe_inputs
from w2sg.probes.logistic import LogisticProbe
from w2sg.probes.topofilter import topo_predict, topofilter

METHODS = ("knn", "logistic", "topo")
PLAIN = ("none", "confident", "overlap", "overlap+hard")
WITH_METHOD = ("probe", "filter", "relabel")
DEFAULT_INTERVENTIONS = (
    "none",
    *(f"{kind}:{m}" for kind in WITH_METHOD for m in METHODS),
    "confident",
    "overlap",
    "overlap+hard",
)


@dataclass(frozen=True)
class InterventionOptions:
    """The probes' and interventions' knobs (defaults: docs/methods.md#interventions)."""

    k: int = option(50, "Neighbours of the kNN and TopoFilter probes.")
    metric: str = option("euclidean", "Distance of kNN and TopoFilter: euclidean or cosine.")
    probe_l2: float = option(1e-2, "L2 penalty of the logistic probe (an intervention's).")
    contamination: float = option(0.1, "Fraction of the pool filter:M removes.")
    confident_fraction: float = option(0.5, "Fraction of the pool `confident` keeps.")
    similarity: str = option(
        "abs_cosine", "Overlap similarity (the overlap interventions): abs_cosine or dot."
    )
    detector: str = option(
        "reference", "Overlap detector (the overlap interventions): reference, knn, knn:K or mean."
    )

    def __post_init__(self) -> None:
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise W2SGError(f"k must be a positive integer, got {self.k!r}")
        if self.metric not in METRICS:
            raise W2SGError(f"metric must be one of {', '.join(METRICS)}; not {self.metric!r}")
        v.l2(self.probe_l2, "probe_l2")
        if v.number(self.contamination, "contamination", low=0.0) >= 1:
            raise W2SGError(f"contamination must lie in [0, 1), got {self.contamination}")
        v.number(self.confident_fraction, "confident_fraction", low=0.0, high=1.0, low_open=True)
        if self.similarity not in ("abs_cosine", "dot"):
            raise W2SGError(f"similarity must be abs_cosine or dot; not {self.similarity!r}")
        parse_detector(self.detector)

    @classmethod
    def of(cls, value: object, name: str = "options") -> InterventionOptions:
        """Options from an InterventionOptions, a mapping of its fields, or None."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, Mapping):
            raise W2SGError(f"{name} must be an InterventionOptions or a mapping, got {value!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(map(str, set(value) - known))
        if unknown:
            raise W2SGError(
                f"{name}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return cls(**value)


@dataclass(frozen=True)
class Intervention:
    """A parsed intervention name: its kind and, for probe/filter/relabel, the probe."""

    kind: str
    method: str | None = None

    @property
    def name(self) -> str:
        return self.kind if self.method is None else f"{self.kind}:{self.method}"


def parse_intervention(name: str) -> Intervention:
    """`"filter:knn"` -> Intervention("filter", "knn"); an unknown name is one clear error."""
    if not isinstance(name, str):
        raise W2SGError(
            f"an intervention is named by text such as 'none' or 'filter:knn', not {name!r}"
        )
    text = name.strip().lower()
    known = ", ".join(DEFAULT_INTERVENTIONS)
    kind, _, method = text.partition(":")
    if kind in PLAIN and not method:
        return Intervention(kind)
    if kind in WITH_METHOD:
        if method in METHODS:
            return Intervention(kind, method)
        raise W2SGError(
            f"intervention {name!r}: {kind} needs a probe, one of "
            + ", ".join(f"{kind}:{m}" for m in METHODS)
        )
    raise W2SGError(f"unknown intervention {name!r}; choose from {known}")


@dataclass(frozen=True)
class TrainingSet:
    """What the student trains on: pool positions (sorted) and their labels in [0, 1]."""

    name: str
    indices: np.ndarray
    labels: np.ndarray
    info: dict = field(default_factory=dict)  # e.g. TopoCC's removed fraction

    @property
    def n_kept(self) -> int:
        return len(self.indices)


def probe_train_predictions(
    method: str | None, acts: np.ndarray, weak_probs: np.ndarray, options: InterventionOptions
) -> np.ndarray:
    """The probe's soft prediction for every pool point (kNN and topo: self excluded)."""
    if method == "knn":
        return KNNProbe(k=options.k, metric=options.metric).fit(acts, weak_probs).predict_train()
    if method == "logistic":
        probe = LogisticProbe(l2=options.probe_l2).fit(acts, weak_probs)
        return probe.predict(acts)
    if method == "topo":
        return topo_predict(acts, weak_probs, k=options.k, metric=options.metric)
    raise W2SGError(f"unknown probe {method!r}; choose from {', '.join(METHODS)}")


def probe_predictions(
    method: str | None,
    acts: np.ndarray,
    weak_probs: np.ndarray,
    test_acts: np.ndarray,
    options: InterventionOptions,
) -> np.ndarray:
    """`probe:METHOD`: the probe fitted to the pool's weak labels, predicting `test_acts`."""
    if method == "knn":
        return KNNProbe(k=options.k, metric=options.metric).fit(acts, weak_probs).predict(test_acts)
    if method == "logistic":
        return LogisticProbe(l2=options.probe_l2).fit(acts, weak_probs).predict(test_acts)
    if method == "topo":
        return topo_predict(acts, weak_probs, test_acts, k=options.k, metric=options.metric)
    raise W2SGError(f"unknown probe {method!r}; choose from {', '.join(METHODS)}")


def n_dropped(fraction: float, n: int) -> int:
    """round(fraction * n), but never every point."""
    return min(round(fraction * n), n - 1)


def filter_training_set(
    method: str | None, acts: np.ndarray, weak_probs: np.ndarray, options: InterventionOptions
) -> TrainingSet:
    """`filter:METHOD`: drop the `contamination` fraction most at odds with the probe."""
    name = f"filter:{method}"
    if method == "topo":
        result = topofilter(
            acts, weak_probs, options.contamination, k=options.k, metric=options.metric
        )
        info = {
            "topocc_removed_fraction": result.topocc_removed_fraction,
            "removed_fraction": result.removed_fraction,
        }
        return TrainingSet(name, result.kept, weak_probs[result.kept], info)
    disagreement = np.abs(probe_train_predictions(method, acts, weak_probs, options) - weak_probs)
    order = np.argsort(-disagreement, kind="stable")
    kept = np.sort(order[n_dropped(options.contamination, len(order)) :])
    return TrainingSet(name, kept, weak_probs[kept])


def training_set(
    intervention: str | Intervention,
    acts: np.ndarray,
    weak_probs: np.ndarray,
    options: InterventionOptions | None = None,
) -> TrainingSet:
    """The training set an intervention gives (pool positions, labels); see the module doc.

    `probe:METHOD` trains no separate student: its training set is the whole pool with weak
    labels (what the probe is fitted to); `probe_predictions` gives its test predictions.

    Example::

        spec = parse_intervention("filter:knn")
        chosen = w2sg.training_set(spec, pool_acts, weak_probs, InterventionOptions(k=50))
        student = w2sg.LogisticProbe().fit(pool_acts[chosen.indices], chosen.labels)
    """
    spec = (
        intervention if isinstance(intervention, Intervention) else parse_intervention(intervention)
    )
    options = InterventionOptions.of(options)  # None, the options, or a mapping of them
    x, p = check_probe_inputs(acts, weak_probs, f"intervention {spec.name}")
    everything = np.arange(len(p))
    if spec.kind in ("none", "probe"):
        return TrainingSet(spec.name, everything, p)
    if spec.kind == "filter":
        return filter_training_set(spec.method, x, p, options)
    if spec.kind == "relabel":
        labels = probe_train_predictions(spec.method, x, p, options)
        return TrainingSet(spec.name, everything, np.clip(labels, 0.0, 1.0))
    if spec.kind == "confident":
        confidence = 2 * np.abs(p - 0.5)
        order = np.argsort(-confidence, kind="stable")
        keep = len(p) - n_dropped(1 - options.confident_fraction, len(p))
        kept = np.sort(order[:keep])
        info = {"confidence_threshold": float(confidence[order[keep - 1]])}
        return TrainingSet(spec.name, kept, p[kept], info)
    return _overlap_training_set(spec, x, p, options)


def _overlap_training_set(
    spec: Intervention, x: np.ndarray, p: np.ndarray, options: InterventionOptions
) -> TrainingSet:
    """`overlap` / `overlap+hard`: the points overlap detection keeps
    (docs/methods.md#detection)."""
    detection = detect_overlap(
        p,
        x,
        similarity=as_similarity(options.similarity),
        detector=options.detector,
    )
    parts = [detection.overlap]
    if spec.kind == "overlap+hard":
        parts.append(detection.hard_only)
    kept = np.sort(np.concatenate(parts)).astype(np.int64)
    info = {**detection.counts(), "fallback": detection.fallback}
    return TrainingSet(spec.name, kept, p[kept], info)


def validation_set(
    intervention: str | Intervention,
    train_acts: np.ndarray,
    train_weak: np.ndarray,
    val_acts: np.ndarray,
    val_weak: np.ndarray,
    options: InterventionOptions | None = None,
) -> TrainingSet:
    """The validation rows and targets of an intervention's student, as the published code
    makes them: `filter:*` drops the `contamination` fraction of val most at odds with the
    probe fitted to the pool (TopoFilter filters val's own graph), `relabel:*` takes the probe's
    predictions on val; every other intervention keeps val's weak labels."""
    spec = (
        intervention if isinstance(intervention, Intervention) else parse_intervention(intervention)
    )
    options = options or InterventionOptions()
    x, p = check_probe_inputs(train_acts, train_weak, f"intervention {spec.name}")
    vx, vp = check_probe_inputs(val_acts, val_weak, f"intervention {spec.name} (val)")
    everything = np.arange(len(vp))
    if spec.kind == "filter" and spec.method == "topo":
        return filter_training_set("topo", vx, vp, options)
    if spec.kind == "filter":
        preds = probe_predictions(spec.method, x, p, vx, options)
        order = np.argsort(-np.abs(preds - vp), kind="stable")
        kept = np.sort(order[n_dropped(options.contamination, len(order)) :])
        return TrainingSet(spec.name, kept, vp[kept])
    if spec.kind == "relabel":
        preds = probe_predictions(spec.method, x, p, vx, options)
        return TrainingSet(spec.name, everything, np.clip(preds, 0.0, 1.0))
    return TrainingSet(spec.name, everything, vp)
