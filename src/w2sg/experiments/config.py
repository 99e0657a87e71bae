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

    def __post_init__(self) -> None:
        for name in ("weak_train", "strong_train", "test"):
            if getattr(self, name) <= 0:
                raise W2SGError(f"{name} size must be positive, got {getattr(self, name)}")
        if not self.seeds:
            raise W2SGError("give at least one seed")
        if any(q < 0 or q > 1 for q in self.mixing_qs):
            raise W2SGError("mixing proportions q must lie in [0, 1]")
        self._check_names()

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

    def to_json(self) -> dict:
        out = {
            k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()
        }
        out["w2sg_version"] = __version__
        return out
