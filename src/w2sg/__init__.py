"""w2sg: weak-to-strong generalization research through the lens of overlap density."""

__version__ = "0.1.0"
