"""The provenance block of a run's results.json: which weights, device and precision made it."""

from __future__ import annotations

from typing import Any

from w2sg.models.load import pick_device, resolve_dtype
from w2sg.models.resolve import resolve_model
from w2sg.provenance import collect_provenance


def model_identities(roles: dict[str, str]) -> dict[str, dict[str, Any]]:
    """role -> {name, identity (weights digest or hub revision), kind} of each model name."""
    out = {}
    for role, name in roles.items():
        m = resolve_model(name)
        out[role] = {"name": m.name, "identity": m.identity, "kind": m.kind}
    return out


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
