"""The configs of the synthetic experiments (docs/methods.md#synthetic-data).

`MechanismConfig`: the paper's theory experiment (the student trained on overlap points only).
`DetectionGridConfig`: a grid of settings to score overlap detectors where the truth is known.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass

from w2sg import validate
from w2sg.data.synthetic import SyntheticParams
from w2sg.errors import W2SGError
from w2sg.options import option
from w2sg.overlap.detectors import parse_detector


def _numbers(text: str, flag: str, kind: type = float) -> tuple:
    """'0,5,10' -> (0, 5, 10); 'a:b:s' -> range(a, b, s) for integers."""
    try:
        if kind is int and text.count(":") == 2:
            start, stop, step = (int(v) for v in text.split(":"))
            return tuple(range(start, stop, step))
        return tuple(kind(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise W2SGError(f"{flag}: expected numbers separated by commas, got {text!r}") from None


def _counts(text: str, flag: str) -> tuple[int, ...]:
    return _numbers(text, flag, int)


def _proportions(text: str, flag: str) -> tuple[tuple[float, float, float], ...]:
    out = []
    for part in text.split(";"):
        shares = _numbers(part, flag)
        if len(shares) != 3:
            raise W2SGError(f"{flag}: each entry is easy,hard,overlap shares; got {part!r}")
        out.append((shares[0], shares[1], shares[2]))
    return tuple(out)


def _show_proportions(value: tuple[tuple[float, float, float], ...]) -> str:
    return ";".join(",".join(repr(x) for x in shares) for shares in value)


VARIES = ("overlap", "easy_only", "hard_only")


@dataclass(frozen=True)
class MechanismConfig:
    """One mechanism experiment (docs/methods.md#synthetic-data; reference: overlap 0, 5, ..., 95;
    100 + 100; 20 + 20)."""

    vary: str = option("overlap", "The count on the x axis: overlap, easy_only or hard_only.")
    counts: tuple[int, ...] = option(
        tuple(range(0, 100, 5)), "Counts to try: 'a,b,c' or 'start:stop:step'.", parse=_counts
    )
    n_easy_only: int = option(100, "Easy-only points of weak-train and the pool (when not varied).")
    n_hard_only: int = option(100, "Hard-only points (when not varied).")
    n_overlap: int = option(10, "Overlap points (when not varied).")
    n_test: int = option(200, "Test points per type, the same for every count.")
    runs: int = option(50, "Runs per count (the reference uses 500).")
    d_easy: int = option(20, "Dimensions of the easy block.")
    d_hard: int = option(20, "Dimensions of the hard block.")
    noise: float = option(math.sqrt(5.0), "Noise std in a block with signal.")
    absent_noise: float = option(0.0, "Noise std in a block a point lacks.")
    easy_signal: float = option(1.0, "Strength of the easy block's signal.")
    hard_signal: float = option(1.0, "Strength of the hard block's signal.")
    weak_l2: float = option(1e-3, "L2 penalty of the weak probe.")
    student_c: float = option(
        0.01,
        "The student's regularisation as sklearn's C (the reference's 0.01).",
        flag="--student-c",
    )
    seed: int = option(0, "Seed of the whole experiment.")

    def __post_init__(self) -> None:
        check_mechanism(self)

    def to_json(self) -> dict:
        return asdict(self)

    def params(self, count: int, seed: int, mean_seed: int) -> SyntheticParams:
        sizes = {
            "n_easy_only": self.n_easy_only,
            "n_hard_only": self.n_hard_only,
            "n_overlap": self.n_overlap,
            f"n_{self.vary}": count,
        }
        return SyntheticParams(
            **sizes,
            d_easy=self.d_easy,
            d_hard=self.d_hard,
            noise=self.noise,
            absent_noise=self.absent_noise,
            easy_signal=self.easy_signal,
            hard_signal=self.hard_signal,
            seed=seed,
            mean_seed=mean_seed,
        )


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


@dataclass(frozen=True)
class DetectionGridConfig:
    """A grid of synthetic settings to score overlap detectors on (docs/methods.md#detection and
    docs/methods.md#synthetic-data).

    `proportions` are (easy-only, hard-only, overlap) shares of the pool; the weak model learns
    from a ground-truth-labelled draw of the same setting and size.
    """

    absent_noise: tuple[float, ...] = option((0.0, 0.5, 1.5), "Noise std in a block a point lacks.")
    easy_signal: tuple[float, ...] = option((1.0, 2.0, 4.0), "Strengths of the easy signal.")
    hard_signal: tuple[float, ...] = option((1.0, 2.0, 4.0), "Strengths of the hard signal.")
    proportions: tuple[tuple[float, float, float], ...] = option(
        ((1 / 3, 1 / 3, 1 / 3), (0.45, 0.45, 0.1), (0.2, 0.2, 0.6)),
        "easy,hard,overlap shares of the pool; settings separated by ';'.",
        parse=_proportions,
        show=_show_proportions,
    )
    pool_size: tuple[int, ...] = option((150, 900), "Pool sizes.")
    repeats: int = option(3, "Draws (each with its own seed) per setting.")
    detectors: tuple[str, ...] = option(
        ("reference", "knn", "mean"), "Detectors to compare: reference, knn, knn:K, mean."
    )
    noise: float = option(math.sqrt(5.0), "Noise std in a block with signal.")
    d_easy: int = option(20, "Dimensions of the easy block.")
    d_hard: int = option(20, "Dimensions of the hard block.")
    weak_l2: float = option(1e-3, "L2 penalty of the weak probe.")
    seed: int = option(0, "Seed of the whole grid.")

    def __post_init__(self) -> None:
        check_grid(self)

    def to_json(self) -> dict:
        return asdict(self)

    def settings(self) -> list[dict]:
        """Every grid cell as a dict of the varied values."""
        axes = {
            "absent_noise": self.absent_noise,
            "easy_signal": self.easy_signal,
            "hard_signal": self.hard_signal,
            "proportions": self.proportions,
            "pool_size": self.pool_size,
        }
        grid = itertools.product(*axes.values())
        return [dict(zip(axes, values, strict=True)) for values in grid]


def check_grid(cfg: DetectionGridConfig) -> None:
    for name in cfg.detectors:
        parse_detector(name)
    validate.positive(cfg.repeats, "repeats")
    if not cfg.detectors:
        raise W2SGError("the detection grid needs at least one detector")
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
