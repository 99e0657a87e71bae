"""Overlap detection (SPEC §3) and the mixing experiment (SPEC §4)."""

from w2sg.overlap.changepoint import ChangePoint, changepoint_threshold
from w2sg.overlap.detect import OverlapResult, detect_overlap

__all__ = ["ChangePoint", "OverlapResult", "changepoint_threshold", "detect_overlap"]
