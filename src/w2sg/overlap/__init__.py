"""Overlap detection and the mixing experiment (docs/methods.md#detection, #mixing)."""

from w2sg.overlap.changepoint import ChangePoint, changepoint_threshold
from w2sg.overlap.detect import OverlapResult, detect_overlap
from w2sg.overlap.mixing import MixingResult, mixing_experiment
from w2sg.overlap.similarity import max_similarity

__all__ = [
    "ChangePoint",
    "MixingResult",
    "OverlapResult",
    "changepoint_threshold",
    "detect_overlap",
    "max_similarity",
    "mixing_experiment",
]
