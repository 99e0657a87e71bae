"""w2sg: weak-to-strong generalization research through the lens of overlap density.

The public API, for notebooks and scripts (imported on first use, so `import w2sg` is fast):

    import w2sg

    ds = w2sg.load_dataset("rotten_tomatoes")
    splits = w2sg.make_splits(ds, w2sg.SplitSizes(2000, 2000, 0, 1000), seed=0)
    acts = w2sg.get_activations("mpnet-base", splits.strong_train)[-1]
    partition = w2sg.detect_overlap(weak_probs, acts)       # arrays in, a partition out
    w2sg.split_strength(partition.confidence).verdict      # t1: 'found' gap or 'arbitrary' cut
    w2sg.similarity(test_y, weak_test_probs, strong_test_probs).capa  # alike errors
    w2sg.WeakCombiner("stacking").fit([p_a, p_b], y).predict([q_a, q_b])  # several weak
    results = w2sg.run_study(w2sg.StudyConfig(weak_train=1000), "runs/mine")
    w2sg.write_report("runs/mine")

Every name below has its own docstring with an example; docs/methods.md explains the methods.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# name -> (module, attribute): what `w2sg.<name>` is.
_API: dict[str, tuple[str, str]] = {
    # data
    "load_dataset": ("w2sg.data", "load_dataset"),
    "list_datasets": ("w2sg.data", "list_datasets"),
    "make_splits": ("w2sg.data.splits", "make_splits"),
    "SplitSizes": ("w2sg.data.splits", "SplitSizes"),
    "TextDataset": ("w2sg.data.types", "TextDataset"),
    "make_synthetic": ("w2sg.data.synthetic", "make_synthetic"),
    # models
    "get_activations": ("w2sg.models.activations", "get_activations"),
    "resolve_model": ("w2sg.models.resolve", "resolve_model"),
    "fit_tfidf": ("w2sg.models.bow", "fit_tfidf"),
    # algorithms on plain arrays
    "detect_overlap": ("w2sg.overlap.detect", "detect_overlap"),
    "OverlapResult": ("w2sg.overlap.detect", "OverlapResult"),
    "split_strength": ("w2sg.overlap.strength", "split_strength"),
    "SplitStrength": ("w2sg.overlap.strength", "SplitStrength"),
    "mixing_experiment": ("w2sg.overlap.mixing", "mixing_experiment"),
    "weak_to_strong": ("w2sg.probes.w2s", "weak_to_strong"),
    "LogisticProbe": ("w2sg.probes.logistic", "LogisticProbe"),
    "WeakCombiner": ("w2sg.probes.combine", "WeakCombiner"),
    "training_set": ("w2sg.interventions.sets", "training_set"),
    "run_selection_stage": ("w2sg.selection.stage", "run_selection_stage"),
    "pgr": ("w2sg.stats.pgr", "pgr"),
    "similarity": ("w2sg.stats.similarity", "similarity"),
    "Similarity": ("w2sg.stats.similarity", "Similarity"),
    # runs
    "run_study": ("w2sg.study.run", "run_study"),
    "StudyConfig": ("w2sg.study.config", "StudyConfig"),
    "run_finetune": ("w2sg.finetune.run", "run_finetune"),
    "FinetuneConfig": ("w2sg.finetune.config", "FinetuneConfig"),
    "run_interventions": ("w2sg.study.interventions", "run_interventions"),
    "InterventionsConfig": ("w2sg.study.interventions", "InterventionsConfig"),
    "load_sweep": ("w2sg.sweep.grid", "load_sweep"),
    "parse_sweep": ("w2sg.sweep.grid", "parse_sweep"),
    "SweepConfig": ("w2sg.sweep.grid", "SweepConfig"),
    "run_sweep": ("w2sg.sweep.run", "run_sweep"),
    "val_gaps": ("w2sg.study.val_gap", "val_gaps"),
    "run_val_gap": ("w2sg.sweep.val_gap", "run_val_gap"),
    "write_results": ("w2sg.benchmark.run", "write_results"),
    "ResultsConfig": ("w2sg.benchmark.config", "ResultsConfig"),
    "write_report": ("w2sg.report.html", "write_html_report"),
    "W2SGError": ("w2sg.errors", "W2SGError"),
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    """Import a public name on first use (`w2sg.run_study` loads the study, not torch)."""
    if name not in _API:
        raise AttributeError(f"module 'w2sg' has no attribute {name!r}")
    module, attribute = _API[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
