"""Probes on frozen activations (SPEC §2, §7)."""

from w2sg.probes.logistic import LogisticProbe

__all__ = ["LogisticProbe"]
