"""results.json of a study: the contract other tools read (config, metrics, stages, per seed).

With one split seed the top-level blocks are that seed's; with several, the metrics are
means over the seeds where they are defined, with `*_std`, `pgr_median` and `pgr_n_defined`.
"""

from __future__ import annotations

from typing import Any

from w2sg.data.types import TextDataset
from w2sg.stats.pgr import describe, pgr_of_means
from w2sg.stats.similarity import mean_over_seeds
from w2sg.study.config import StudyConfig

METRICS = ("accuracy", "auc")
SINGLE_SEED_KEYS = (
    "weak",
    "w2s",
    "ceiling",
    "pgr",
    "pgr_reasons",
    "overlap",
    "mixing",
    "mixing_summary",
    "mixing_slope",
    "selection",
    "weak_label_accuracy",
    "similarity",
    "weak_ensemble",
)


def _over_seeds(clean: list[dict], margin: float) -> dict:
    """Means (and spread) over seeds of the metrics, PGR (over the seeds that have one, and of
    the means), the mixing slope."""
    out: dict = {}
    for key in ("weak", "w2s", "ceiling", "pgr"):
        stats = {m: describe((r[key] or {}).get(m) for r in clean) for m in METRICS}
        out[key] = {m: s["mean"] for m, s in stats.items()}
        out[f"{key}_std"] = {m: s["std"] for m, s in stats.items()}
        if key == "pgr":
            out["pgr_median"] = {m: s["median"] for m, s in stats.items()}
            out["pgr_n_defined"] = {m: s["n"] for m, s in stats.items()}
            out["pgr_of_means"] = pgr_of_means(out, margin)
    reasons = {
        m: [
            f"seed {r['seed']}: {r['pgr_reasons'][m]}"
            for r in clean
            if m in (r["pgr_reasons"] or {})
        ]
        for m in METRICS
    }
    out["pgr_reasons"] = {m: v for m, v in reasons.items() if v}
    first = clean[0]
    out["overlap"] = (
        None if first["overlap"] is None else {**first["overlap"], "seed": first["seed"]}
    )
    out["mixing"] = [{**row, "split_seed": r["seed"]} for r in clean for row in (r["mixing"] or [])]
    slopes = describe(r["mixing_slope"] for r in clean)
    out["mixing_slope"], out["mixing_slope_std"] = slopes["mean"], slopes["std"]
    out["mixing_slope_n_defined"] = slopes["n"]
    out["selection"] = first["selection"]
    out["similarity"] = mean_over_seeds([r.get("similarity") for r in clean])
    out["weak_ensemble"] = mean_over_seeds([r.get("weak_ensemble") for r in clean])
    return out


def assemble(config: StudyConfig, dataset: TextDataset, runs: list[dict]) -> dict:
    """results.json from the per-seed blocks of `runs` (keys starting with `_` are internal)."""
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in runs]
    first = clean[0]
    results: dict[str, Any] = {
        "config": config.to_json(),
        "preset": config.preset_json(),  # the preset's settings, their sources and overrides
        "dataset": {
            "name": dataset.name,
            "rows": len(dataset),
            "label_counts": dataset.label_counts(),
            "meta": dataset.meta,
        },
        "stages": {f"seed{r['seed']}": r["stages"] for r in clean},
    }
    if len(clean) == 1:
        results.update({key: first[key] for key in SINGLE_SEED_KEYS})
    else:
        results.update(_over_seeds(clean, config.pgr_margin))
    if config.weak_supervisor != "probe":
        results["weak_supervisor"] = {
            "name": config.weak_supervisor,
            **(first["weak_supervision"] or {}),
        }
    results["per_seed"] = clean
    return results
