"""The configs of the probe-mode commands: every number of a result traces back to one.

`ProbeSetup` is what every probe-mode command shares (`RunSetup`: dataset, model pair, sizes, split
seeds; then layers, pooling, precision, the probes' L2); `StudyConfig` (`w2sg run`) adds overlap
detection, mixing, selection and weak supervision, and takes presets (`w2sg.presets`: `--preset
wrench` sets the label model as WRENCH does). Each field is also the command's flag
(`w2sg.options`); the config is written into results.json with the w2sg version, so a result says
what made it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from w2sg import validate as v
from w2sg.data.wrench import wrench_path
from w2sg.errors import W2SGError
from w2sg.models.extract import POOLINGS
from w2sg.models.load import DTYPES
from w2sg.models.names import check_strong_model, check_weak_model
from w2sg.options import internal, option
from w2sg.overlap.detectors import parse_detector
from w2sg.presets import Preset, Presettable, Setting
from w2sg.probes.combine import check_combiner
from w2sg.setup import RunSetup
from w2sg.supervision.functions import load_label_functions
from w2sg.supervision.label_models import check_function_count
from w2sg.supervision.supervisor import PRIORS, SUPERVISORS, check_supervisor

DEFAULT_QS = tuple(round(0.1 * i, 1) for i in range(11))
SIMILARITIES = ("abs_cosine", "dot")
_WRENCH = "JieyuZ2/wrench@2eed5b4"
WRENCH_PRESET = Preset(
    "wrench",
    "the label model as JieyuZ2/wrench fits Snorkel",
    (
        Setting(
            "label_model_epochs",
            100,
            f"{_WRENCH} wrench/labelmodel/snorkel.py:20 (Snorkel.__init__, n_epochs=100)",
        ),
        Setting(
            "label_model_prior",
            "wrench",
            f"{_WRENCH} wrench/labelmodel/snorkel.py:52 (balance = self._init_balance(...)) and "
            "wrench/basemodel.py:303 (balance = (sorted_counts + 1) / sum(sorted_counts))",
        ),
    ),
)


@dataclass(frozen=True)
class ProbeSetup(RunSetup):
    """A run whose models are frozen: each read at one layer, a logistic probe on top."""

    weak_layer: int = option(
        -1,
        "Layer of the weak model (hidden_states index; -1 the last, which for a cut "
        "model such as minilm-l6:layer2 is its layer 2; tfidf has one layer).",
    )
    strong_layer: int = option(-1, "Layer of the strong model read by the student.")
    pooling: str = option(
        "auto",
        "Pooling over tokens: auto (mean for encoders, last token "
        "for decoders), mean, last or first.",
    )
    max_length: int | None = option(None, "Token limit per text (default: the model's own limit).")
    dtype: str = option("auto", "Precision of extraction: auto, float32, bfloat16 or float16.")
    l2: float = option(1e-3, "L2 penalty of the weak probe and the student (logistic probes).")

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("weak_layer", "strong_layer"):
            v.whole(getattr(self, name), self.flag(name))
        check_weak_model(self.weak_model, self.weak_layer, self.flag("weak_model"))
        check_strong_model(self.strong_model, self.flag("strong_model"))
        if self.max_length is not None:
            v.positive(self.max_length, self.flag("max_length"))
        v.l2(self.l2, self.flag("l2"))
        v.choice(self.pooling, self.flag("pooling"), ("auto", *POOLINGS))
        v.choice(self.dtype, self.flag("dtype"), DTYPES)


@dataclass(frozen=True)
class StudyConfig(ProbeSetup, Presettable):
    """What `w2sg run` does. Defaults: the offline pair on Rotten Tomatoes, sized for a CPU.

    Sizes: 4,000 / 4,000 / 2,760 balanced texts, the most Rotten Tomatoes holds (5,384 rotten);
    the literature's reference sizes are 5,000 / 5,000 / 1,000 / 5,000 (docs/methods.md#splits).
    A preset (`preset="wrench"`) fills in its settings where no option was given
    (`StudyConfig.from_preset("wrench", ...)` in Python; docs/fidelity.md).
    """

    presets: ClassVar[Mapping[str, Preset]] = {"wrench": WRENCH_PRESET}
    several_weak: ClassVar[bool] = True  # --weak takes a comma-separated list here

    preset: str | None = option(
        None,
        "Published settings to start from: wrench (the label model as WRENCH fits it). "
        "An option given explicitly wins; summary.md names it.",
    )

    similarity: str = option(
        "abs_cosine", "Overlap similarity: abs_cosine (variant A) or dot (variant B)."
    )
    detector: str = option(
        "reference",
        "Overlap score: reference (max similarity to a hard-only point), knn, knn:K or mean.",
    )
    mixing_qs: tuple[float, ...] = option(
        DEFAULT_QS, "Overlap shares q of the mixing experiment, comma-separated."
    )
    mixing_seeds: tuple[int, ...] = option(
        (0, 1, 2, 3, 4), "Seeds of the mixing experiment's draws."
    )
    selection: bool = option(True, "Run the data-source selection stage.")
    selection_seeds: tuple[int, ...] = option(
        (0, 1, 2), "Seeds of the selection bandit (arms and draw order)."
    )
    selection_rounds: int = option(25, "Rounds T of the selection bandit.")
    selection_eval_every: int = option(
        5, "Test the probe on the collected data every k rounds (and after the last)."
    )
    selection_estimator: str = option(
        "reference",
        "The bandit's overlap estimate: reference "
        "(relative, as the paper) or calibrated (thresholds fixed "
        "once).",
    )
    weak_supervisor: str = option(
        "probe",
        "The weak supervisor: probe (the weak model), "
        "labelmodel or majority (a label model on label "
        "functions).",
    )
    label_functions: str | None = option(
        None,
        "Label-function file, or 'sentiment' (shipped); "
        "a WRENCH dataset (wrench:DIR) brings its own.",
    )
    weak_combiner: str = option(
        "mean",
        "How several weak models are combined: mean (of the soft labels), stacking (a logistic "
        "regression on their logits, fitted on weak_train) or agreement (no labels: a two-class "
        "mixture over their logits).",
    )
    label_model_epochs: int = option(500, "Epochs of Snorkel's label model (labelmodel).")
    label_model_prior: str = option(
        "validation",
        "Class prior of Snorkel's label model: validation ((class count + 1) / (rows + 2) of "
        "the labelled validation rows: the study's val split when --val > 0, else a WRENCH "
        "dataset's valid.json; uniform without such rows), wrench (WRENCH's own expression, "
        "(count + 1) / rows) or uniform.",
    )
    preset_given: tuple[str, ...] = internal()  # the options given explicitly (the CLI's)
    preset_overrides: tuple[str, ...] = internal(init=False)  # where the run leaves its preset

    def __post_init__(self) -> None:
        given = self.given_fields()  # before the preset fills in its settings
        self._apply_preset()
        super().__post_init__()
        for name in ("mixing_seeds", "selection_seeds"):
            if name == "selection_seeds" and self.selection is False and not self.selection_seeds:
                continue  # no selection stage: no seeds needed
            object.__setattr__(self, name, v.seeds(getattr(self, name), self.flag(name)))
        qs = self.mixing_qs
        if isinstance(qs, str) or not isinstance(qs, tuple | list) or not qs:
            raise W2SGError(
                f"{self.flag('mixing_qs')} must be a non-empty list of proportions, got {qs!r}"
            )
        for q in qs:
            v.number(q, self.flag("mixing_qs") + " entry", low=0.0, high=1.0)
        v.unique(qs, self.flag("mixing_qs"))
        if not isinstance(self.selection, bool):
            raise W2SGError(
                f"{self.flag('selection')} must be true or false, got {self.selection!r}"
            )
        v.positive(self.selection_rounds, self.flag("selection_rounds"))
        v.positive(self.selection_eval_every, self.flag("selection_eval_every"))
        v.choice(self.similarity, self.flag("similarity"), SIMILARITIES)
        parse_detector(self.detector)
        v.choice(
            self.selection_estimator, self.flag("selection_estimator"), ("reference", "calibrated")
        )
        self._check_weak_list()
        self._check_supervision()
        self._check_no_effect(given)

    def _check_no_effect(self, given: set[str]) -> None:
        """An option that changes nothing in the combination given is an error naming both."""
        cli = self.flag("selection").startswith("--")
        rules = (
            (
                (
                    "selection_seeds",
                    "selection_rounds",
                    "selection_eval_every",
                    "selection_estimator",
                ),
                self.selection is False,
                f"with {'--no-selection' if cli else 'selection=False'}",
            ),
            (
                ("label_model_epochs", "label_model_prior"),
                self.weak_supervisor != "labelmodel",
                f"without {self.flag('weak_supervisor')} labelmodel",
            ),
        )
        for names, idle, why in rules:
            for name in (n for n in names if n in given and idle):
                raise W2SGError(
                    f"{self.flag(name)} has no effect {why}; drop {self.flag(name)} or change "
                    "the other option"
                )

    def weak_members(self) -> tuple[str, ...]:
        """The weak models of --weak, in order (one for a plain study)."""
        return tuple(name.strip() for name in self.weak_model.split(","))

    def _check_weak_list(self) -> None:
        """Several weak models: each named once, no empty name, a known combiner
        (docs/methods.md#several-weak-supervisors). Unknown models fail when resolved, before
        any data is read."""
        flag, names = self.flag("weak_model"), self.weak_members()
        check_combiner(self.weak_combiner)
        if any(not n for n in names):
            raise W2SGError(f"{flag} has an empty name in {self.weak_model!r}")
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise W2SGError(f"{flag} lists {', '.join(twice)} twice: give each weak model once")
        if len(names) == 1:
            if names[0] in SUPERVISORS:
                raise W2SGError(
                    f"{flag} {names[0]} alone: use --weak-supervisor {names[0]} for a label "
                    "model as the only weak supervisor"
                )
            if self.weak_combiner != "mean":
                raise W2SGError(f"{self.flag('weak_combiner')} needs several weak models")
            return
        if "probe" in names:
            raise W2SGError(f"{flag}: 'probe' is not a model; name the weak models")
        if self.weak_supervisor != "probe":
            raise W2SGError(
                f"--weak-supervisor {self.weak_supervisor} replaces a single weak model; to "
                f"combine a label model with weak models, list it in {flag} (e.g. "
                f"{flag} {names[0]},{self.weak_supervisor})"
            )

    def label_model_members(self) -> tuple[str, ...]:
        """The label models among the weak models (labelmodel, majority)."""
        return tuple(n for n in self.weak_members() if n in SUPERVISORS)

    def _check_supervision(self) -> None:
        """A label-model supervisor needs label functions: a file, a shipped set, or a WRENCH
        dataset's own label matrix (docs/methods.md#weak-supervision)."""
        check_supervisor(self.weak_supervisor)
        v.positive(self.label_model_epochs, self.flag("label_model_epochs"))
        v.choice(self.label_model_prior, self.flag("label_model_prior"), PRIORS)
        label_model = self.weak_supervisor
        if label_model == "probe" and self.label_model_members():
            label_model = self.label_model_members()[0]  # a label model among --weak
        if label_model == "probe":
            if self.label_functions is not None:
                raise W2SGError(
                    "label functions need a label-model supervisor: add --weak-supervisor "
                    "labelmodel or majority"
                )
            return
        if self.label_functions is not None:
            lfs = load_label_functions(self.label_functions)  # a bad file fails before extraction
            check_function_count(self.weak_supervisor, len(lfs.functions), lfs.source)
        elif wrench_path(self.dataset) is None:
            raise W2SGError(
                f"{self._label_model_flag(label_model)} needs --label-functions FILE (or "
                "'sentiment'), or a WRENCH dataset with its own label matrix"
            )
        uses_snorkel = "labelmodel" in (self.weak_supervisor, *self.label_model_members())
        if uses_snorkel and importlib.util.find_spec("snorkel") is None:
            raise W2SGError(
                "labelmodel needs Snorkel: pip install 'w2sg[weak-supervision]' (or use majority)"
            )

    def _label_model_flag(self, name: str) -> str:
        """How the user asked for a label model: --weak-supervisor NAME or --weak ...,NAME."""
        if self.weak_supervisor != "probe":
            return f"--weak-supervisor {name}"
        return f"{self.flag('weak_model')} {self.weak_model}"
