"""The verdict sentence of each claim, computed from its numbers by one stated rule
(docs/methods.md#the-benchmark), and the published numbers the claims are read against."""

from __future__ import annotations

import math
from dataclasses import dataclass

SUPPORTED = "supported"
SAME_DIRECTION = "same direction, not significant"
OPPOSITE = "opposite direction"
NO_EFFECT = "no difference"
NO_TEST = "no test (too few tasks)"

VERDICT_RULE = (
    "Verdict rule: **supported** when the effect lies in the published direction and the "
    "one-sided test in that direction has p < {alpha:g}; **same direction, not significant** "
    "when the effect lies in that direction with p >= {alpha:g}; **opposite direction** when "
    "it lies the other way (whatever its p); **no test** with fewer than two tasks."
)
TWO_WAY_RULE = (
    "Verdict rule, per arm: **helps** when the mean difference to the plain student is "
    "positive and the one-sided paired t-test (arm > plain) has p < {alpha:g}; **hurts** when "
    "it is negative and the one-sided test the other way has p < {alpha:g}; otherwise "
    "**higher, not significant** or **lower, not significant**; **no test** with fewer than "
    "two tasks."
)


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def verdict(effect: float | None, p: float | None, alpha: float = 0.05) -> str:
    """The claim's verdict from its effect (positive: the published direction) and the
    one-sided p-value of a test in that direction."""
    if not _finite(effect) or not _finite(p):
        return NO_TEST
    assert effect is not None and p is not None  # _finite above
    if effect > 0:
        return SUPPORTED if p < alpha else SAME_DIRECTION
    return OPPOSITE if effect < 0 else NO_EFFECT


def two_way_verdict(
    effect: float | None, p_greater: float | None, p_less: float | None, alpha: float = 0.05
) -> str:
    """Whether an arm helps or hurts against the plain student: one-sided tests both ways."""
    if not _finite(effect) or not (_finite(p_greater) and _finite(p_less)):
        return NO_TEST
    assert effect is not None and p_greater is not None and p_less is not None
    if effect > 0:
        return "helps" if p_greater < alpha else "higher, not significant"
    if effect < 0:
        return "hurts" if p_less < alpha else "lower, not significant"
    return NO_EFFECT


@dataclass(frozen=True)
class PublishedComparison:
    """A published cross-dataset comparison, with where it was published."""

    claim: str
    wins: int
    datasets: int
    t_p: float
    wilcoxon_p: float
    metric: str
    setting: str
    source: str


# EleutherAI's one cross-dataset result in favour of a modified loss: logconf against xent.
ELEUTHER_LOGCONF_VS_XENT = PublishedComparison(
    claim="logconf beats xent",
    wins=16,
    datasets=21,
    t_p=0.135,
    wilcoxon_p=0.079,
    metric="ROC AUC",
    setting="fine-tuned LMs (Qwen1.5 0.5B and Llama 3 8B, LoRA) on 21 NLP datasets",
    source="EleutherAI, Experiments in Weak-to-Strong Generalization "
    "(https://blog.eleuther.ai/weak-to-strong/, the write-up the EleutherAI/w2s README links)",
)
