"""The one config of a study (EleutherAI style): every number traces back to it.

Written into results.json with the w2sg version, so a result says what made it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from w2sg import __version__
from w2sg.errors import W2SGError

DEFAULT_QS = tuple(round(0.1 * i, 1) for i in range(11))


@dataclass(frozen=True)
class StudyConfig:
    """What `w2sg run` does. Defaults: the offline pair on Rotten Tomatoes, sized for a CPU.

    Sizes: 4,000 / 4,000 / 2,760 balanced texts, the most Rotten Tomatoes holds (5,384 rotten);
    SPEC §1's reference sizes are 5,000 / 5,000 / 1,000 / 5,000.
    """

    dataset: str = "rotten_tomatoes"
    weak_model: str = "minilm-l6"
    strong_model: str = "mpnet-base"
    weak_layer: int = -1
    strong_layer: int = -1
    pooling: str = "auto"
    max_length: int | None = None
    dtype: str = "auto"
    weak_train: int = 4000
    strong_train: int = 4000
    val: int = 0
    test: int = 2760
    seeds: tuple[int, ...] = (0,)
    l2: float = 1e-3
    similarity: str = "abs_cosine"
    detector: str = "reference"
    mixing_qs: tuple[float, ...] = DEFAULT_QS
    mixing_seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    selection: bool = True
    selection_seeds: tuple[int, ...] = (0, 1, 2)
    selection_rounds: int = 25
    selection_eval_every: int = 5  # test the collected data's probe every k rounds (and last)
    selection_estimator: str = "reference"  # ô_k of the bandit: reference | calibrated (SPEC §5)
    dataset_options: dict = field(default_factory=dict)  # file columns, data_dir, label map
    weak_supervisor: str = "probe"  # probe (the weak model) | majority | labelmodel (SPEC §9)
    label_functions: str | None = None  # a file or a shipped set; None: a WRENCH task's own

    def __post_init__(self) -> None:
        self._check_values()
        self._check_names()
        self._check_supervision()

    def _check_values(self) -> None:
        """Ranges, types and combinations of every number, before any work starts."""
        from w2sg import validate as v
        from w2sg.data.splits import SplitSizes

        for name in ("weak_train", "strong_train", "test"):
            v.positive(getattr(self, name), f"{name} size")
        v.whole(self.val, "val size", low=0)
        SplitSizes(self.weak_train, self.strong_train, self.val, self.test)  # even sizes
        for name in ("weak_layer", "strong_layer"):
            v.whole(getattr(self, name), name)
        if self.max_length is not None:
            v.positive(self.max_length, "max_length")
        for name in ("seeds", "mixing_seeds", "selection_seeds"):
            if name == "selection_seeds" and self.selection is False and not self.selection_seeds:
                continue  # no selection stage: no seeds needed
            object.__setattr__(self, name, v.seeds(getattr(self, name), name))
        v.l2(self.l2)
        qs = self.mixing_qs
        if isinstance(qs, str) or not isinstance(qs, tuple | list) or not qs:
            raise W2SGError(f"mixing_qs must be a non-empty list of proportions, got {qs!r}")
        for q in qs:
            v.number(q, "mixing proportion q", low=0.0, high=1.0)
        if not isinstance(self.selection, bool):
            raise W2SGError(f"selection must be true or false, got {self.selection!r}")
        v.positive(self.selection_rounds, "selection_rounds")
        v.positive(self.selection_eval_every, "selection_eval_every")
        if not isinstance(self.dataset_options, dict):
            raise W2SGError(f"dataset_options must be a dict, got {self.dataset_options!r}")

    def _check_names(self) -> None:
        """Options that are only used late fail here, before minutes of extraction."""
        from w2sg.models.extract import POOLINGS
        from w2sg.models.load import DTYPES
        from w2sg.overlap.detectors import parse_detector

        if self.pooling not in (*POOLINGS, "auto"):
            raise W2SGError(f"pooling must be auto, {', '.join(POOLINGS)}; not {self.pooling!r}")
        if self.dtype not in DTYPES:
            raise W2SGError(f"dtype must be one of {', '.join(DTYPES)}; not {self.dtype!r}")
        if self.similarity not in ("abs_cosine", "dot"):
            raise W2SGError(f"similarity must be abs_cosine or dot; not {self.similarity!r}")
        parse_detector(self.detector)
        if self.selection_estimator not in ("reference", "calibrated"):
            raise W2SGError(
                "selection_estimator must be reference or calibrated; "
                f"not {self.selection_estimator!r}"
            )

    def _check_supervision(self) -> None:
        """A label-model supervisor needs label functions: a file, a shipped set, or a WRENCH
        dataset's own label matrix (SPEC §9)."""
        from w2sg.data.wrench import wrench_path
        from w2sg.supervision.functions import load_label_functions
        from w2sg.supervision.supervisor import check_supervisor

        check_supervisor(self.weak_supervisor)
        if self.weak_supervisor == "probe":
            if self.label_functions is not None:
                raise W2SGError(
                    "label functions need a label-model supervisor: add --weak-supervisor "
                    "labelmodel or majority"
                )
            return
        if self.label_functions is not None:
            load_label_functions(self.label_functions)  # a bad file fails before extraction
        elif wrench_path(self.dataset) is None:
            raise W2SGError(
                f"--weak-supervisor {self.weak_supervisor} needs --label-functions FILE (or "
                "'sentiment'), or a WRENCH dataset with its own label matrix"
            )
        if self.weak_supervisor == "labelmodel":
            import importlib.util

            if importlib.util.find_spec("snorkel") is None:
                raise W2SGError(
                    "--weak-supervisor labelmodel needs Snorkel: pip install "
                    "'w2sg[weak-supervision]' (or use --weak-supervisor majority)"
                )

    def to_json(self) -> dict:
        out = {
            k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()
        }
        out["w2sg_version"] = __version__
        return out
