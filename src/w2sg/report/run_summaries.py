"""What `w2sg finetune`, `w2sg interventions` and `w2sg probes sweep` report, as blocks built
from each run's results.json alone (summary.md and report.html render the same blocks).

Methods: docs/methods.md#fine-tune-mode, #interventions and #probes.
"""

from __future__ import annotations

from w2sg.report.blocks import Block, Heading, Paragraph, Table


def _f(x: float | None, digits: int = 4) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _pm(stat: dict, digits: int = 4) -> str:
    """'mean ± std' of a stats block, or n/a."""
    if stat.get("mean") is None:
        return "n/a"
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def _finetune_models(results: dict) -> Table:
    """The weak model and ceiling, then every student with its PGR."""
    rows = []
    for key in ("weak", "ceiling"):
        m, sd = results[key], results[f"{key}_std"]
        rows.append(
            (key, _f(m["accuracy"]), _f(sd["accuracy"]), _f(m["auc"]), _f(sd["auc"]), "", "")
        )
    for name, st in results["students"].items():
        rows.append(
            (
                f"student {name}",
                _f(st["accuracy"]["mean"]),
                _f(st["accuracy"]["std"]),
                _f(st["auc"]["mean"]),
                _f(st["auc"]["std"]),
                _pm(st["pgr"]["accuracy"]),
                _pm(st["pgr"]["auc"]),
            )
        )
    return Table(("model", "accuracy", "±", "AUC", "±", "PGR acc", "PGR AUC"), rows)


def _finetune_groups(results: dict) -> list[Block]:
    """Test accuracy per overlap group (docs/methods.md#detection), when the run measured it."""
    if "overlap_groups" not in results:
        return []
    groups = results["overlap_groups"]
    first = next(iter(groups.values()))
    sizes = ", ".join(f"{g} {first[g]['n']:.0f}" for g in first)
    keys = ("overlap", "easy_only", "hard_only")
    return [
        Paragraph(
            f"Test accuracy by overlap group (mean ± std over {len(results['per_seed'])} "
            f"seed(s); mean test points per group: {sizes}):"
        ),
        Table(("model", *keys), [(name, *(_pm(g[k]) for k in keys)) for name, g in groups.items()]),
    ]


def preset_blocks(results: dict) -> list[Block]:
    """The preset the run took, every setting with its value and source, and what differs."""
    block = results.get("preset")
    if not block:
        return []
    rows = [
        (
            s["field"],
            repr(s["value"]),
            repr(s["preset"]),
            "yes" if s["overridden"] else "",
            s["source"],
        )
        for s in block["settings"]
    ]
    changed = sorted(s["field"] for s in block["settings"] if s["overridden"])
    note = f"Preset **{block['name']}**: {block['description']}; " + (
        f"the options given win over it for {', '.join(changed)}."
        if changed
        else "every setting of the preset is in force."
    )
    return [
        Paragraph(note),
        Table(("setting", "value", "preset", "overridden", "source"), rows),
    ]


def _finetune_truncation(results: dict) -> list[Block]:
    """Rows over each model's token limit, per split (runs before the count have none)."""
    if "truncation" not in results:
        return []
    counts = results["truncation"]
    splits = list(next(iter(counts.values())))
    rows = [
        (role, str(next(iter(c.values()))["limit"]),
         *(f"{c[s]['truncated']} / {c[s]['rows']}" for s in splits))
        for role, c in counts.items()
    ]  # fmt: skip
    return [
        Paragraph(
            "Rows cut to the token limit (their middle dropped; start and end kept), summed "
            "over seeds:"
        ),
        Table(("model", "limit", *splits), rows),
    ]


def finetune_blocks(results: dict) -> list[Block]:
    """A fine-tune run: the three models, each student with its PGR, overlap groups."""
    c = results["config"]
    return [
        Heading(1, f"w2sg finetune: {c['dataset']}, {c['weak_model']} -> {c['strong_model']}"),
        Paragraph(
            f"Seeds {list(c['seeds'])}; sizes {c['weak_train']}/{c['strong_train']}/{c['val']}/"
            f"{c['test']}; {'LoRA' if c['lora'] else 'full'}; {c['epochs']} epoch(s)."
        ),
        *preset_blocks(results),
        _finetune_models(results),
        *_finetune_groups(results),
        *_finetune_truncation(results),
        Paragraph(f"Wall time: {results['timings']['total_s']:.0f} s. Figure: curves.png."),
    ]


def _intervention_row(name: str, e: dict) -> tuple[str, ...]:
    return (
        name,
        _pm(e["accuracy"], 3),
        _pm(e["auc"], 3),
        _pm(e["pgr_accuracy"], 3),
        _pm(e["pgr_accuracy_vs_plain"], 3),
        _f(e["n_kept"]["mean"], 0),
        _f(e["weak_label_accuracy_kept"]["mean"], 3),
        _f(e["weak_label_accuracy_dropped"]["mean"], 3),
        _f(e["train_label_accuracy"]["mean"], 3),
    )


_INTERVENTION_COLUMNS = (
    "intervention",
    "accuracy",
    "AUC",
    "PGR (acc)",
    "PGR − plain",
    "kept",
    "weak acc kept",
    "weak acc dropped",
    "train-label acc",
)


def interventions_blocks(results: dict) -> list[Block]:
    """`w2sg interventions`: one table row per intervention, mean ± std over seeds."""
    cfg, table = results["config"], results["interventions"]
    topo = [
        Paragraph(
            f"{name}: TopoCC alone removed {_pm(e['topocc_removed_fraction'], 3)} of the pool."
        )
        for name, e in table.items()
        if "topocc_removed_fraction" in e
    ]
    return [
        Heading(
            1,
            f"Interventions: {results['dataset']['name']}, {cfg['weak_model']} -> "
            f"{cfg['strong_model']}",
        ),
        Paragraph(
            f"Probe layer {results['probe_layer']}, student layer {results['student_layer']}; "
            f"seeds {cfg['seeds']}. Weak accuracy {_pm(results['weak']['accuracy'], 3)}, plain "
            f"student {_pm(results['w2s']['accuracy'], 3)}, "
            f"ceiling {_pm(results['ceiling']['accuracy'], 3)}."
        ),
        *preset_blocks(results),
        Table(_INTERVENTION_COLUMNS, [_intervention_row(n, e) for n, e in table.items()]),
        *topo,
        Paragraph("Figure: interventions_pgr.png (mean ± std over seeds)."),
    ]


def probe_sweep_blocks(results: dict) -> list[Block]:
    """`w2sg probes sweep`: the best (layer, parameter) cell of each probe."""
    rows = []
    for probe, s in results["sweep"].items():
        b = s["best"]
        if b is None:
            rows.append((probe, "n/a", "n/a", "n/a"))
        else:
            rows.append(
                (
                    probe,
                    str(b["layer"]),
                    f"{s['parameter']}={b['value']:g}",
                    f"{b['auc_gain']:+.4f} ± {b['auc_gain_std']:.4f}",
                )
            )
    return [
        Heading(1, f"Probe sweep: {results['dataset']['name']}"),
        Paragraph(
            f"Weak test AUC {_pm(results['weak_auc'], 3)}. Best cell per probe "
            "(test AUC − weak AUC):"
        ),
        Table(("probe", "layer", "parameter", "AUC gain"), rows),
        Paragraph("Figure: probes_sweep.png."),
    ]
