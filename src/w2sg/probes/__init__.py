"""Probes on frozen activations (docs/methods.md#probes, docs/methods.md#interventions)."""

from w2sg.probes.logistic import LogisticProbe

__all__ = ["LogisticProbe"]
