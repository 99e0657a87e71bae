"""A probe-mode study's inputs: the dataset, its splits per seed, and cached activations.

dataset -> splits of every seed -> the rows they use, once, sorted by id -> each model's
activations of those rows (the activation store) -> per seed, the arrays the algorithms take.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from w2sg.data import load_dataset, natural_sources, rows_used, seed_splits
from w2sg.data.splits import Splits
from w2sg.data.types import TextDataset
from w2sg.models import get_activations, resolve_model
from w2sg.probes.w2s import W2SOutcome, weak_to_strong
from w2sg.stats.pgr import DEFAULT_MARGIN
from w2sg.study.config import ProbeSetup, StudyConfig
from w2sg.supervision.label_models import check_function_count
from w2sg.supervision.supervisor import ValidationLabels, study_label_matrix

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
    # label-model supervisor (docs/methods.md#weak-supervision): each split's label matrix
    weak_train_votes: np.ndarray | None = None
    pool_votes: np.ndarray | None = None
    test_votes: np.ndarray | None = None
    vote_names: tuple[str, ...] | None = None
    # labelled validation rows for the label model's class prior, and which rows they are
    val_labels: np.ndarray | None = None
    val_source: str | None = None

    def validation(self) -> ValidationLabels | None:
        """The labelled validation rows of the label model's class prior, if any."""
        if self.val_labels is None or self.val_source is None:
            return None
        return ValidationLabels(self.val_labels, self.val_source)

    def weak_to_strong(
        self,
        l2: float,
        weak_probs: tuple[np.ndarray, np.ndarray] | None = None,
        margin: float = DEFAULT_MARGIN,
    ) -> W2SOutcome:
        """Weak, student and ceiling probes on these arrays (`w2sg.probes.w2s`)."""
        return weak_to_strong(
            self.weak_train_x,
            self.weak_train_y,
            self.pool_weak_x,
            self.pool_strong_x,
            self.pool_y,
            self.test_weak_x,
            self.test_strong_x,
            self.test_y,
            l2=l2,
            weak_probs=weak_probs,
            margin=margin,
        )


@dataclass(frozen=True)
class PreparedStudy:
    """A dataset, its splits per seed, and the activations the algorithms take."""

    dataset: TextDataset
    arrays: dict[int, StudyArrays]  # per split seed
    models: dict[str, dict] = dataclasses.field(default_factory=dict)  # role -> name, identity


def _positions(union: TextDataset, part: TextDataset) -> np.ndarray:
    """Positions of `part`'s rows in `union` (whose ids are sorted)."""
    return np.searchsorted(union.ids, part.ids)


def _arrays(
    union: TextDataset,
    acts: dict[str, np.ndarray],
    s: Splits,
    has_sources: bool,
    votes: tuple | None,
    validation: ValidationLabels | None = None,
) -> StudyArrays:
    w, p, t = (_positions(union, getattr(s, k)) for k in ("weak_train", "strong_train", "test"))
    weak, strong = acts["weak"], acts["strong"]
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
        val_labels=None if validation is None else validation.labels,
        val_source=None if validation is None else validation.source,
    )


def validation_rows(config: ProbeSetup, dataset: TextDataset, s: Splits) -> ValidationLabels | None:
    """Labelled validation rows for a label model's class prior: the study's val split when
    --val > 0, else a WRENCH dataset's valid.json (all its rows), else none."""
    if config.val > 0:
        return ValidationLabels(s.val.labels, f"the study's val split (split seed {s.seed})")
    if dataset.meta.get("format") == "wrench" and dataset.sources is not None:
        valid = dataset.sources.astype(str) == "valid"
        if valid.any():
            where = dataset.meta.get("wrench_path", dataset.name)
            return ValidationLabels(np.asarray(dataset.labels)[valid], f"valid.json of {where}")
    return None


def load_splits(config: ProbeSetup, log: Log = print) -> tuple[TextDataset, dict[int, Splits]]:
    """The dataset and the splits of every seed of `config`."""
    dataset = load_dataset(config.dataset, **config.dataset_options.load_kwargs())
    return dataset, seed_splits(dataset, config.sizes(), config.seeds)


def _activations(config: ProbeSetup, union: TextDataset, skip_weak: bool, log: Log) -> dict:
    """Each model's activations of `union` at its layer (the store embeds new texts only)."""
    acts: dict[str, np.ndarray] = {}
    if skip_weak:  # a label model is the weak supervisor: no weak model is read
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
            layers=(layer,),
            pooling=config.pooling,
            max_length=config.max_length,
            dtype=config.dtype,
        )[layer]
    return acts


def prepare_study(config: ProbeSetup, log: Log = print) -> PreparedStudy:
    """Load the dataset, cut the splits of every seed and extract (cached) activations.

    Both models embed the union of all rows the seeds use, once, sorted by id; a literature
    task's own test pool is reserved for `test` (docs/tasks.md).
    """
    supervisor = getattr(config, "weak_supervisor", "probe")
    label_model = supervisor != "probe"  # then no weak model is used
    roles = (("weak", config.weak_model), ("strong", config.strong_model))
    models = {  # an unknown or missing model fails before any work
        role: resolve_model(name) for role, name in roles if not (label_model and role == "weak")
    }
    dataset, splits = load_splits(config, log)
    union = rows_used(dataset, splits.values())
    log(f"{dataset.name}: {len(dataset)} rows; {len(union)} used over {len(config.seeds)} seed(s)")
    votes = None
    if label_model:
        assert isinstance(config, StudyConfig)
        log(f"label functions: {config.label_functions or 'the dataset’s own label matrix'}")
        votes = study_label_matrix(config.label_functions, config.dataset, union.ids, union.texts)
        source = config.label_functions or f"{config.dataset} (its own label matrix)"
        check_function_count(config.weak_supervisor, votes[0].shape[1], source)
    acts = _activations(config, union, label_model, log)
    has_sources = natural_sources(dataset) is not None
    arrays = {}
    for seed, s in splits.items():
        validation = None if votes is None else validation_rows(config, dataset, s)
        arrays[seed] = _arrays(union, acts, s, has_sources, votes, validation)
    identities = {
        role: {"name": m.name, "identity": m.identity, "kind": m.kind} for role, m in models.items()
    }
    return PreparedStudy(dataset=dataset, arrays=arrays, models=identities)


@dataclass(frozen=True)
class LayerArrays:
    """Strong-model activations of several layers, and each seed's pool and test rows in them."""

    layers: dict[int, np.ndarray]  # requested layer -> (rows of the study's union, dim)
    pool_rows: dict[int, np.ndarray]  # per seed, in strong_train order
    test_rows: dict[int, np.ndarray]


def strong_layers(config: ProbeSetup, layers: tuple[int, ...], log: Log = print) -> LayerArrays:
    """One multi-layer extraction of the strong model over the study's rows (cached).

    The rows are those `prepare_study` embeds (every seed's splits, sorted by id), so the
    study's own strong layer is then read from the store, not extracted again.
    """
    dataset, splits = load_splits(config, log)
    union = rows_used(dataset, splits.values())
    acts = get_activations(
        config.strong_model,
        union,
        layers=layers,
        pooling=config.pooling,
        max_length=config.max_length,
        dtype=config.dtype,
    )
    return LayerArrays(
        layers=acts,
        pool_rows={s: _positions(union, sp.strong_train) for s, sp in splits.items()},
        test_rows={s: _positions(union, sp.test) for s, sp in splits.items()},
    )
