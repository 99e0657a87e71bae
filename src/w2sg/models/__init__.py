"""Models: resolving a name or alias, extracting activations, and caching them
(docs/methods.md#activations)."""

from w2sg.models.activations import get_activations
from w2sg.models.extract import POOLINGS, extract_activations, pool
from w2sg.models.load import load_model, resolve_dtype
from w2sg.models.resolve import ALIASES, ResolvedModel, resolve_model

__all__ = [
    "ALIASES",
    "POOLINGS",
    "ResolvedModel",
    "extract_activations",
    "get_activations",
    "load_model",
    "pool",
    "resolve_dtype",
    "resolve_model",
]
