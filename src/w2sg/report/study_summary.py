"""What a study (`w2sg run`) reports, as blocks built from its results.json alone.

summary.md and report.html both render these blocks. The numbers are those of
docs/methods.md#pgr (the model table), #detection, #mixing and #selection.
"""

from __future__ import annotations

import re
from pathlib import Path

from w2sg.overlap.mixing import MixingResult
from w2sg.overlap.strength import describe_split
from w2sg.presets import preset_lines
from w2sg.report.blocks import (
    Block,
    Bold,
    Bullets,
    Code,
    Figures,
    Heading,
    Inline,
    Paragraph,
    Table,
    to_markdown,
)


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def pooled_mixing_summary(results: dict) -> list[dict]:
    """Mixing summary over every (split seed, mixing seed) row: the spread across both."""
    rows = [row for r in results["per_seed"] for row in (r["mixing"] or [])]
    qs = tuple(sorted({row["q"] for row in rows if row["kind"] == "mix"}))
    return MixingResult(rows=rows, qs=qs).summary() if rows else []


def _title(results: dict) -> list[Block]:
    c = results["config"]
    weak = c["weak_model"]
    if "," in weak:  # several weak supervisors, combined
        weak = f"{' + '.join(weak.split(','))} ({c.get('weak_combiner', 'mean')})"
    if c.get("weak_supervisor", "probe") != "probe":  # a label model plays the weak model
        weak = f"{c['weak_supervisor']} on {c.get('label_functions') or 'its label matrix'}"
    return [
        Heading(1, f"W2S study: {c['dataset']}, {weak} → {c['strong_model']}"),
        Paragraph(
            f"w2sg {c['w2sg_version']}; seeds {c['seeds']}; sizes weak_train {c['weak_train']}, "
            f"strong_train {c['strong_train']}, test {c['test']}; layers {c['weak_layer']} / "
            f"{c['strong_layer']}, pooling {c['pooling']}."
        ),
    ]


_MARKUP = re.compile(r"\*\*(.+?)\*\*|`(.+?)`")


def _inline(line: str) -> Inline:
    """A Markdown line's **bold** and `code` as spans, so report.html shows them too."""
    spans: list = []
    at = 0
    for m in _MARKUP.finditer(line):
        spans += [line[at : m.start()], Bold(m[1]) if m[1] is not None else Code(m[2])]
        at = m.end()
    return tuple(x for x in (*spans, line[at:]) if x)


def _preset(results: dict) -> list[Block]:
    """The preset the run started from and every option that departs from it."""
    lines = [line for line in preset_lines(results.get("preset")) if line]
    if not lines:
        return []
    changed = [_inline(line[2:]) for line in lines if line.startswith("- ")]
    rest = [Paragraph(_inline(line)) for line in lines[1:] if not line.startswith("- ")]
    return [Paragraph(_inline(lines[0])), *([Bullets(changed)] if changed else []), *rest]


def _class_prior(results: dict) -> list[Block]:
    """Snorkel's class prior, and the labelled rows it came from (methods.md#weak-supervision)."""
    sup = results.get("weak_supervisor") or {}
    prior, model = sup.get("class_prior"), sup.get("label_model") or {}
    if not prior:
        return []
    fit = f"Label model: Snorkel, {model.get('n_epochs')} epochs; class prior "
    if prior["prior"] == "uniform":
        return [Paragraph(f"{fit}uniform ({prior['why']}).")]
    balance = ", ".join(f"{p:.4f}" for p in prior["class_balance"])
    counts = " / ".join(str(c) for c in prior["class_counts"])
    return [
        Paragraph(
            f"{fit}({balance}) from {prior['source']} (class counts {counts}): {prior['rule']}."
        )
    ]


def _stages(results: dict) -> list[Block]:
    """Stages that did not run, with their reasons (nothing when all ran)."""
    bad = [
        f"seed {seed.removeprefix('seed')}, {name}: {st['status']} — {st.get('reason', '')}"
        for seed, stages in results.get("stages", {}).items()
        for name, st in stages.items()
        if st["status"] != "ok"
    ]
    return [Heading(2, "Stages that did not run"), Bullets(bad)] if bad else []


def _models(results: dict) -> list[Block]:
    """Weak, W2S, ceiling and PGR (docs/methods.md#pgr): the headline table."""
    if results["weak"] is None:
        return []
    several = len(results["config"]["seeds"]) > 1
    header = "mean ± std over seeds" if several else "test"
    rows = []
    for name in ("weak", "w2s", "ceiling", "pgr"):
        std = results.get(f"{name}_std") or {}
        cells = [
            _f(results[name][m]) + (f" ± {_f(std.get(m))}" if several else "")
            for m in ("accuracy", "auc")
        ]
        rows.append((Bold("PGR") if name == "pgr" else name, *cells))
    if several:
        med = results.get("pgr_median") or {}
        rows.append(("PGR median", _f(med.get("accuracy")), _f(med.get("auc"))))
        of_means = results.get("pgr_of_means") or {}
        rows.append(("PGR of the means", _f(of_means.get("accuracy")), _f(of_means.get("auc"))))
    return [Table((f"model ({header})", "accuracy", "ROC AUC"), rows)]


def _pgr_reasons(results: dict) -> list[Block]:
    out = []
    for metric, why in (results.get("pgr_reasons") or {}).items():
        text = "; ".join(why) if isinstance(why, list) else why
        out.append(f"PGR on {metric}: {text}.")
    counts = results.get("pgr_n_defined")
    if counts:
        n = len(results["per_seed"])
        out.append(
            "PGR is defined on "
            + ", ".join(f"{metric} for {k} of {n} seeds" for metric, k in counts.items())
            + " (mean and median over those)."
        )
    return [Paragraph("\n".join(out))] if out else []


_SIMILARITY_ROWS = (
    ("test", "weak_vs_ceiling", "ceiling, test"),
    ("test", "weak_vs_student", "W2S student, test"),
    ("pool", "weak_vs_ceiling", "ceiling, strong_train (its own training rows)"),
)


def similarity_table(sim: dict | None, several: bool = False) -> list[Block]:
    """How alike the weak model's errors are to the ceiling's and the student's
    (docs/methods.md#similarity)."""
    rows = []
    for split, pair, name in _SIMILARITY_ROWS:
        s = ((sim or {}).get(split) or {}).get(pair)
        if s:
            cells = (s["error_agreement"], s["error_kappa"], s["capa"], s["shared_errors"])
            rows.append((name, *(_f(c) for c in cells)))
    if not rows:
        return []
    columns = ("weak against", "error agreement", "kappa of errors", "CAPA", "shared errors")
    note = " (means over split seeds)" if several else ""
    return [
        Paragraph(
            f"Similarity of the weak model's errors{note}: error agreement is the share of "
            "points both get right or both get wrong, kappa and CAPA correct it for chance; "
            "shared errors is the share of the weak model's errors the other makes too."
        ),
        Table(columns, rows),
    ]


def _weak_supervisors(results: dict) -> list[Block]:
    """Several weak supervisors: each one's test metrics and weight, the combination, and PGR
    against the best single one (docs/methods.md#several-weak-supervisors)."""
    ens = results.get("weak_ensemble")
    if not ens:
        return []
    comb, weak = ens["combiner"], results["weak"] or {}
    weights = comb.get("weights") or {}
    rows = [
        (name, _f(weights.get(name)), _f(m["accuracy"]), _f(m["auc"]), _f(m["weak_label_accuracy"]))
        for name, m in ens["members"].items()
    ]
    rows.append(
        (Bold(f"{comb['combiner']} of them"), "", _f(weak.get("accuracy")), _f(weak.get("auc")),
         _f(results.get("weak_label_accuracy")))
    )  # fmt: skip
    best = ens.get("best_single") or {}
    pgr_best, pgr = ens.get("pgr_best_single") or {}, results.get("pgr") or {}
    return [
        Heading(2, "Weak supervisors"),
        Table(("weak supervisor", "weight", "accuracy", "ROC AUC", "weak-label accuracy"), rows),
        Paragraph(
            f"PGR on accuracy against the combination (the study's weak): "
            f"{_f(pgr.get('accuracy'))}; against the best single weak supervisor "
            f"({best.get('accuracy', 'n/a')}): {_f(pgr_best.get('accuracy'))}. On ROC AUC: "
            f"{_f(pgr.get('auc'))} and {_f(pgr_best.get('auc'))} (best single "
            f"{best.get('auc', 'n/a')})."
        ),
    ]


def _diagnostics(results: dict) -> list[Block]:
    """Before training the student: are the thresholds of detection found gaps or arbitrary
    cuts (docs/methods.md#split-strength), and how alike weak and strong err."""
    first = results["per_seed"][0]
    o = first.get("overlap") or {}
    lines = [
        describe_split(o.get("confidence_split"), "confidence split (t1)"),
        describe_split(o.get("overlap_split"), "overlap split (t2)"),
    ]
    lines = [line for line in lines if line]
    several = len(results["config"]["seeds"]) > 1
    table = similarity_table(results.get("similarity"), several)
    if not lines and not table:
        return []
    seed = f" (split seed {first['seed']})" if several and lines else ""
    text = [Paragraph("\n".join(lines))] if lines else []
    return [Heading(2, f"Can this study work?{seed}"), *text, *table]


def _overlap(results: dict) -> list[Block]:
    first = results["per_seed"][0]
    o = first["overlap"]
    if o is None:
        return []
    fallback = f"; fallback: {'; '.join(o['reasons'])}" if o["fallback"] else ""
    return [
        Heading(2, f"Overlap detection (split seed {first['seed']})"),
        Paragraph(
            f"{o['n_overlap']} overlap, {o['n_easy_only']} easy-only, {o['n_hard_only']} "
            f"hard-only points in strong_train; confidence threshold "
            f"{_f(o['confidence_threshold'])}, overlap threshold {_f(o['overlap_threshold'])}"
            f"{fallback}."
        ),
        Figures(("weak_confidence.png", "overlap_scores.png"), ("confidence", "scores")),
    ]


def _mixing(results: dict) -> list[Block]:
    summary = pooled_mixing_summary(results)
    if not summary:
        return []
    several = len(results["config"]["seeds"]) > 1
    spread = "split seeds × mixing seeds" if several else "mixing seeds"
    rows = [
        (
            f"{r['q']:.1f}",
            f"{r['accuracy_mean']:.4f} ± {r['accuracy_std']:.4f}",
            _f(r.get("auc_mean")),
        )
        for r in summary
        if r["kind"] == "mix"
    ]
    base = next((r for r in summary if r["kind"] == "baseline"), None)
    if base and base["accuracy_mean"] is not None:
        rows.append(
            (
                "random subset",
                f"{base['accuracy_mean']:.4f} ± {base['accuracy_std']:.4f}",
                _f(base.get("auc_mean")),
            )
        )
    slope = _f(results["mixing_slope"])
    if several:
        slope += f" ± {_f(results.get('mixing_slope_std'))} over seeds"
    return [
        Heading(2, f"Mixing experiment (mean ± std over {spread})"),
        Table(("q", "accuracy (mean ± std)", "AUC (mean)"), rows),
        Paragraph(f"Slope of mean accuracy against q: {slope}."),
        Figures(("mixing.png", "models.png"), ("mixing", "models")),
    ]


def selection_blocks(sel: dict) -> list[Block]:
    """The selection stage's final round per strategy (means over selection seeds)."""
    arms, cfg = sel["arms"], sel.get("config", {})
    rows = []
    for name, block in sel["strategies"].items():
        fin = block["summary"]["final"]
        # true ratio and regret need known densities: n/a for natural arms
        mean = [_f((fin.get(k) or {}).get("mean")) for k in _SELECTION_KEYS]
        pulls = " / ".join(f"{p:.1f}" for p in block["summary"]["pulls_mean"])
        rows.append((name, *mean, pulls))
    figures = [Path(f).name for f in sel.get("figures", []) if str(f).endswith(".png")]
    return [
        Heading(2, "Choosing data sources (first split seed)"),
        Paragraph(
            f"{arms['kind'].capitalize()} arms: {', '.join(arms['names'])}. Detection rule "
            f"{cfg.get('detection', 'history')}, estimator {cfg.get('estimator', 'reference')}. "
            "Final round, mean over selection seeds:"
        ),
        Table(
            (
                "strategy",
                "true overlap ratio",
                "estimated ratio",
                "test accuracy",
                "regret",
                "pulls",
            ),
            rows,
        ),
        Figures(tuple(f"selection/{f}" for f in figures)),
    ]


_SELECTION_KEYS = ("true_ratio", "estimated_ratio", "accuracy", "regret")


def selection_markdown(sel: dict) -> list[str]:
    """The selection section as Markdown lines."""
    return to_markdown(selection_blocks(sel)).splitlines()


def study_blocks(results: dict) -> list[Block]:
    """The study's report: title, models and PGR, the preset and the label model's prior,
    failed stages, overlap, mixing, selection."""
    t = results.get("timings", {})
    total, extract = t.get("total_s", 0), t.get("data_and_activations_s", 0)
    return [
        *_title(results),
        *_models(results),  # the headline, under the title (not under the failed stages)
        *_pgr_reasons(results),
        *_weak_supervisors(results),
        *_diagnostics(results),
        *_preset(results),
        *_class_prior(results),
        *_stages(results),
        *_overlap(results),
        *_mixing(results),
        *(selection_blocks(results["selection"]) if results.get("selection") else []),
        Paragraph(f"Total time {total:.1f} s (data and activations {extract:.1f} s)."),
    ]
