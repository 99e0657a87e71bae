"""How the benchmark writes numbers and the fixed prose beside them: every number with its
uncertainty (mean ± std over seeds, or a 95 % interval in brackets)."""

from __future__ import annotations

import math
from typing import Any

from w2sg.benchmark.claims import Across
from w2sg.report.blocks import Block, Bold, Code, Paragraph


def num(x: Any, digits: int = 3) -> str:
    """A number, or n/a when there is none."""
    if x is None:
        return "n/a"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "n/a" if not math.isfinite(v) else f"{v:.{digits}f}"


def ci(mean: Any, lo: Any, hi: Any, digits: int = 3) -> str:
    """'mean [lo, hi]' (the 95 % bootstrap interval); 'mean [no interval]' when it has none."""
    if num(mean) == "n/a":
        return "n/a"
    if num(lo) == "n/a" or num(hi) == "n/a":
        return f"{num(mean, digits)} [no interval]"
    return f"{num(mean, digits)} [{num(lo, digits)}, {num(hi, digits)}]"


def pm(mean: Any, std: Any, digits: int = 3) -> str:
    """'mean ± std' (over seeds)."""
    if num(mean) == "n/a":
        return "n/a"
    return f"{num(mean, digits)} ± {num(std, digits)}"


def pval(p: Any) -> str:
    """A p-value to three decimals (below 0.001 as '< 0.001')."""
    if num(p) == "n/a":
        return "n/a"
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def across_sentence(claim: str, result: Across, direction: str) -> Paragraph:
    """'Across N tasks: ... on k, mean [interval]; p-values. Verdict: ...'."""
    t = result.test
    if t.n < 2:
        return Paragraph(
            (
                f"{claim}: {t.n} task(s) qualify; no test across tasks. Verdict: ",
                Bold(result.verdict),
                ".",
            )
        )
    return Paragraph(
        (
            f"{claim}, across {t.n} tasks: {direction} on {t.wins} (below on {t.losses}); "
            f"mean {ci(t.mean_diff, result.lo, result.hi, 4)}; one-sided paired t-test "
            f"{p_is(t.t_p)}, Wilcoxon signed-rank {p_is(t.wilcoxon_p)}. Verdict: ",
            Bold(result.verdict),
            ".",
        )
    )


def made_by(commands: list[str], describe: str | None, commits: list[str], times: str) -> Paragraph:
    """The line under a table: the commands that made it, the repository's commit when the
    page was written, the commits its cells were computed at, and the sweep's cold and cached
    time (`times`)."""
    spans: list = ["Made by "]
    for i, c in enumerate(commands):
        spans += [", then " if i else "", Code(c)]
    cells = ", ".join(commits) if commits else "unknown"
    spans.append(f" (page at {describe or 'an unknown commit'}; cells at {cells}; {times}).")
    return Paragraph(tuple(s for s in spans if s))


OVERLAP_PAPER_DIFFERS = (
    "What differs from the published setting: the overlap-density paper also trains logistic "
    "probes on frozen activations, but of LLMs (weak Qwen 0.5B, strong Llama 8B, last token) "
    "on NLP datasets of the W2S literature with 5,000-row splits; here the weak model is a "
    "small encoder or bag-of-words model (MiniLM-L6, 23M parameters, or TF-IDF), the strong "
    "one MPNet-base (110M, mean pooling), on the offline sentiment, topic and authorship "
    "tasks, with at most 4,000 rows per split."
)
ELEUTHER_PROBES_DIFFER = (
    "What differs from the published setting: EleutherAI filtered or relabelled the training "
    "set of a fine-tuned student (Qwen1.5 0.5B weak, Llama 3 8B strong, LoRA) on 21 NLP "
    "datasets; here the student is the probe-mode student (a logistic probe on MPNet-base's "
    "frozen activations) and the tasks are the offline ones."
)


def p_is(p: Any) -> str:
    """'p = 0.012' or 'p < 0.001' (for sentences)."""
    text = pval(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def rule(text: str, alpha: float) -> Block:
    """A verdict rule paragraph with its significance level filled in."""
    return Paragraph(_bold_spans(text.format(alpha=alpha)))


def _bold_spans(text: str) -> tuple:
    """'a **b** c' -> ('a ', Bold('b'), ' c')."""
    parts = text.split("**")
    return tuple(Bold(p) if i % 2 else p for i, p in enumerate(parts) if p)
