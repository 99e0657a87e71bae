"""The provenance block of a run's results.json: which weights, device and precision made it."""

from __future__ import annotations

from typing import Any

from w2sg.models.bow import TfidfSettings, sklearn_version
from w2sg.models.load import load_config, pick_device, resolve_dtype
from w2sg.models.names import parse_model_name
from w2sg.models.resolve import resolve_model
from w2sg.provenance import collect_provenance


def model_identity(name: str) -> dict[str, Any]:
    """{name, identity, kind} of a model name, checked before any work.

    A transformer's identity is its weights digest or hub revision, and a cut one
    (`NAME:layerK`) records `cut: K` (a cut deeper than the model is an error here); `tfidf`'s
    is a digest of its settings and scikit-learn's version, with the settings beside it
    (docs/methods.md#the-weak-model-menu).
    """
    if parse_model_name(name).bow:
        settings = TfidfSettings()
        return {
            "name": name,
            "identity": settings.identity(),
            "kind": "bag-of-words",
            "settings": settings.to_json(),
            "scikit-learn": sklearn_version(),
        }
    m = resolve_model(name)
    out: dict[str, Any] = {"name": m.name, "identity": m.identity, "kind": m.kind}
    if m.cut is not None:
        load_config(m)  # a cut deeper than the model fails here, before any work
        out["cut"] = m.cut
    return out


def model_identities(roles: dict[str, str]) -> dict[str, dict[str, Any]]:
    """role -> `model_identity` of each model name."""
    return {role: model_identity(name) for role, name in roles.items()}


def run_provenance(
    models: dict[str, dict[str, Any]],
    *,
    device: str = "auto",
    dtype: str = "auto",
    dtype_label: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`collect_provenance` with the resolved device and dtype (never "auto").

    `dtype_label` replaces the resolved dtype's name where it says more (fine-tune mode trains
    fp32 weights under bf16 autocast)."""
    resolved = pick_device(device)
    label = dtype_label or resolve_dtype(dtype, resolved)
    return collect_provenance(models=models, device=resolved, dtype=label, extra=extra)
