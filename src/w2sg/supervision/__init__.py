"""Weak supervisors that are not a model: label functions and label models
(docs/methods.md#weak-supervision)."""

from w2sg.supervision.functions import (
    ABSTAIN,
    LabelFunction,
    LabelFunctionSet,
    callable_lf,
    keyword_lf,
    lexicon_lf,
    load_label_functions,
    regex_lf,
    vader_lf,
)
from w2sg.supervision.label_models import (
    LABEL_MODELS,
    MajorityVote,
    SnorkelLabelModel,
    class_balance,
    majority_vote,
    make_label_model,
)
from w2sg.supervision.matrix import (
    LabelMatrixSummary,
    apply_label_functions,
    check_label_matrix,
    summarize,
)

__all__ = [
    "ABSTAIN",
    "LABEL_MODELS",
    "LabelFunction",
    "LabelFunctionSet",
    "LabelMatrixSummary",
    "MajorityVote",
    "SnorkelLabelModel",
    "apply_label_functions",
    "callable_lf",
    "class_balance",
    "check_label_matrix",
    "keyword_lf",
    "lexicon_lf",
    "load_label_functions",
    "majority_vote",
    "make_label_model",
    "regex_lf",
    "summarize",
    "vader_lf",
]
