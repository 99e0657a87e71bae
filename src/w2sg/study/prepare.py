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
from w2sg.errors import W2SGError
from w2sg.models import get_activations
from w2sg.models.bow import fit_tfidf
from w2sg.models.layers import resolve_layer
from w2sg.models.names import parse_model_name
from w2sg.models.provenance import model_identity
from w2sg.probes.w2s import W2SOutcome, weak_to_strong
from w2sg.stats.pgr import DEFAULT_MARGIN
from w2sg.study.config import ProbeSetup, StudyConfig
from w2sg.supervision.label_models import check_function_count
from w2sg.supervision.supervisor import SUPERVISORS, ValidationLabels, study_label_matrix

Log = Callable[[str], None]


@dataclass(frozen=True)
class WeakView:
    """One of several weak supervisors on a seed's splits: a weak model's activations, or
    (a label model, `labelmodel` or `majority`) none: it reads the label matrix."""

    name: str
    train_x: np.ndarray | None = None
    pool_x: np.ndarray | None = None
    test_x: np.ndarray | None = None

    def arrays(self) -> list[np.ndarray]:
        """Its arrays, for a stage's fingerprint."""
        return [x for x in (self.train_x, self.pool_x, self.test_x) if x is not None]


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
    # several weak supervisors (docs/methods.md#several-weak-supervisors), in --weak's order;
    # None for one weak model (then weak_*_x above are its activations)
    weak_views: tuple[WeakView, ...] | None = None

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
    members: tuple[str, ...] = (),
) -> StudyArrays:
    w, p, t = (_positions(union, getattr(s, k)) for k in ("weak_train", "strong_train", "test"))
    weak, strong = acts["weak"], acts["strong"]
    matrix, names = (None, None) if votes is None else votes[:2]
    views = None
    if len(members) > 1:
        first = next((m for m in members if m not in SUPERVISORS), None)
        role = {m: "weak" if m == first else f"weak:{m}" for m in members}
        views = tuple(
            WeakView(m) if m in SUPERVISORS else WeakView(m, *(acts[role[m]][i] for i in (w, p, t)))
            for m in members
        )
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
        weak_views=views,
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


def model_activations(
    config: ProbeSetup, model: str, layer: int, union: TextDataset, progress: bool = True
) -> np.ndarray:
    """`model`'s vectors of `union` at `layer`, with the config's pooling, length and dtype
    (the activation store embeds new texts only)."""
    return get_activations(
        model,
        union,
        layers=(layer,),
        pooling=config.pooling,
        max_length=config.max_length,
        dtype=config.dtype,
        progress=progress,
    )[layer]


def _activations(config: ProbeSetup, union: TextDataset, weak: list[str], log: Log) -> dict:
    """Each model's activations of `union` at its layer (the store embeds new texts only):
    "weak" is the first weak model's (no columns when a label model is the only weak
    supervisor), "weak:NAME" each weak model's when there are several. A bag-of-words weak
    model is not read here: `_bow_features` fits it on each seed's weak_train."""
    acts: dict[str, np.ndarray] = {}
    if not weak:  # a label model is the weak supervisor: no weak model is read
        acts["weak"] = np.zeros((len(union), 0), dtype=np.float32)
    jobs = [("weak" if i == 0 else f"weak:{m}", m, config.weak_layer) for i, m in enumerate(weak)]
    for role, model, layer in (*jobs, ("strong", config.strong_model, config.strong_layer)):
        if parse_model_name(model).bow:
            continue
        log(f"activations: {role} model {model}, layer {layer}")
        acts[role] = model_activations(config, model, layer, union)
    return acts


def weak_members(config: ProbeSetup) -> tuple[str, ...]:
    """The weak supervisors of `config`: its weak models (and label models) in --weak's order."""
    return config.weak_members() if isinstance(config, StudyConfig) else (config.weak_model,)


def _bow_features(name: str, s: Splits, union: TextDataset, record: dict, log: Log) -> np.ndarray:
    """The bag-of-words weak model's features of `union`, fitted on this seed's weak_train
    texts only (docs/methods.md#the-weak-model-menu); its fit is added to `record`."""
    model = fit_tfidf(s.weak_train.texts)
    fit = model.describe()
    log(
        f"features: weak model {name}, fitted on weak_train of seed {s.seed} "
        f"({fit['fit_rows']} texts, {fit['vocabulary_size']} terms)"
    )
    record.setdefault("fits", {})[str(s.seed)] = {
        k: fit[k] for k in ("vocabulary_size", "fit_rows", "fit_texts_sha256")
    }
    return model.transform(union.texts)


def _check_layers(config: ProbeSetup, weak: list[str]) -> None:
    """Each model has the layer asked of it (read from its config, no weights), before the
    first extraction rather than after it."""
    jobs = [(m, "weak_layer") for m in weak] + [(config.strong_model, "strong_layer")]
    for model, name in jobs:
        if parse_model_name(model).bow:
            continue
        layer = getattr(config, name)
        try:
            resolve_layer(layer, model)
        except W2SGError as err:
            raise W2SGError(f"{config.flag(name)} {layer} of {model}: {err}") from None


def prepare_study(config: ProbeSetup, log: Log = print) -> PreparedStudy:
    """Load the dataset, cut the splits of every seed and extract (cached) activations.

    Both models embed the union of all rows the seeds use, once, sorted by id; a literature
    task's own test pool is reserved for `test` (docs/tasks.md). A bag-of-words weak model is
    fitted on each seed's weak_train instead, so a seed's numbers do not depend on the others.
    """
    supervisor = getattr(config, "weak_supervisor", "probe")
    label_model = supervisor != "probe"  # then no weak model is used
    members = weak_members(config)
    weak = [] if label_model else [m for m in members if m not in SUPERVISORS]
    roles = [("weak" if i == 0 else f"weak:{m}", m) for i, m in enumerate(weak)]
    models = {  # an unknown or missing model fails before any work
        role: model_identity(name) for role, name in (*roles, ("strong", config.strong_model))
    }
    _check_layers(config, weak)
    dataset, splits = load_splits(config, log)
    union = rows_used(dataset, splits.values())
    log(f"{dataset.name}: {len(dataset)} rows; {len(union)} used over {len(config.seeds)} seed(s)")
    votes = None
    if label_model or len(weak) < len(members):
        assert isinstance(config, StudyConfig)
        log(f"label functions: {config.label_functions or 'the dataset’s own label matrix'}")
        votes = study_label_matrix(config.label_functions, config.dataset, union.ids, union.texts)
        source = config.label_functions or f"{config.dataset} (its own label matrix)"
        for name in (config.weak_supervisor,) if label_model else config.label_model_members():
            check_function_count(name, votes[0].shape[1], source)
    acts = _activations(config, union, weak, log)
    has_sources = natural_sources(dataset) is not None
    arrays = {}
    for seed, s in splits.items():
        validation = None if votes is None else validation_rows(config, dataset, s)
        seed_acts = dict(acts)
        for role, name in roles:  # bag-of-words weak models: fitted on this seed's weak_train
            if parse_model_name(name).bow:
                seed_acts[role] = _bow_features(name, s, union, models[role], log)
        arrays[seed] = _arrays(union, seed_acts, s, has_sources, votes, validation, members)
    return PreparedStudy(dataset=dataset, arrays=arrays, models=models)


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
