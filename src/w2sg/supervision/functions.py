"""Label functions: each maps one example (a text, or a row) to 1, 0 or abstain -1
(docs/methods.md#weak-supervision).

Built-ins: keyword lists, regular expressions, VADER's rule-based sentiment scorer with
thresholds, keyword lists drawn from VADER's lexicon, and any Python callable. A set of them
is read from a JSON file (`load_label_functions`); `sentiment` names the shipped set.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from w2sg.errors import W2SGError

ABSTAIN = -1
RESOURCES = Path(__file__).parent / "resources"
VADER_PIN = "vaderSentiment==3.3.2"


@dataclass(frozen=True)
class LabelFunction:
    """A named rule: `fn(example)` returns 1, 0 or -1 (abstain)."""

    name: str
    fn: Callable[[Any], int]
    kind: str = "callable"

    def __call__(self, example: Any) -> int:
        return self.fn(example)


def _check_label(label: object, name: str) -> int:
    if label not in (0, 1):
        raise W2SGError(f"label function {name!r}: label must be 0 or 1, got {label!r}")
    return int(label)


def _word_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of `words` as whole words (phrases allowed)."""
    alternatives = sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in alternatives)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.IGNORECASE)


def keyword_lf(name: str, keywords: Sequence[str], label: int) -> LabelFunction:
    """`label` when the text holds any of `keywords` as a whole word or phrase, else abstain."""
    label = _check_label(label, name)
    if not keywords:
        raise W2SGError(f"label function {name!r}: give at least one keyword")
    pattern = _word_pattern(keywords)

    def fn(text: str) -> int:
        return label if pattern.search(str(text)) else ABSTAIN

    return LabelFunction(name, fn, "keywords")


def regex_lf(name: str, patterns: Sequence[str], label: int) -> LabelFunction:
    """`label` when any of the regular expressions matches the text (case-insensitive)."""
    label = _check_label(label, name)
    if not patterns:
        raise W2SGError(f"label function {name!r}: give at least one pattern")
    try:
        compiled = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    except re.error as exc:
        raise W2SGError(f"label function {name!r}: bad regular expression ({exc})") from exc

    def fn(text: str) -> int:
        return label if compiled.search(str(text)) else ABSTAIN

    return LabelFunction(name, fn, "regex")


@lru_cache(maxsize=1)
def _vader():
    try:
        from vaderSentiment.vaderSentiment import (
            SentimentIntensityAnalyzer,  # heavy: loaded on first use
        )
    except ImportError as exc:
        raise W2SGError(f"the VADER label functions need {VADER_PIN}: pip install it") from exc
    return SentimentIntensityAnalyzer()


def vader_lf(name: str, positive_at: float = 0.05, negative_at: float = -0.05) -> LabelFunction:
    """VADER's compound score s: 1 when s >= positive_at, 0 when s <= negative_at, else abstain.

    Defaults are VADER's own documented cut-offs for positive / negative text.
    """
    if not -1 <= negative_at < positive_at <= 1:
        raise W2SGError(
            f"label function {name!r}: need -1 <= negative_at < positive_at <= 1, "
            f"got {negative_at}, {positive_at}"
        )
    analyser = _vader()

    def fn(text: str) -> int:
        score = analyser.polarity_scores(str(text))["compound"]
        if score >= positive_at:
            return 1
        return 0 if score <= negative_at else ABSTAIN

    return LabelFunction(name, fn, "vader")


def vader_lexicon_words(at_least: float | None = None, at_most: float | None = None) -> list[str]:
    """Alphabetic words of VADER's lexicon (vader_lexicon.txt, MIT) whose mean rating lies in
    [at_least, at_most]; ratings run from -4 to 4."""
    lexicon = _vader().lexicon  # word -> mean human rating, as the package ships it
    lo = -float("inf") if at_least is None else at_least
    hi = float("inf") if at_most is None else at_most
    words = (w for w, r in lexicon.items() if lo <= r <= hi)
    return sorted(w for w in words if re.fullmatch(r"[a-z][a-z'-]*", w))


def lexicon_lf(
    name: str, label: int, at_least: float | None = None, at_most: float | None = None
) -> LabelFunction:
    """A keyword function over the VADER-lexicon words rated within [at_least, at_most]."""
    if at_least is None and at_most is None:
        raise W2SGError(f"label function {name!r}: give at_least or at_most (a rating bound)")
    words = vader_lexicon_words(at_least, at_most)
    if not words:
        raise W2SGError(f"label function {name!r}: no lexicon word has a rating in that range")
    lf = keyword_lf(name, words, label)
    return LabelFunction(name, lf.fn, "lexicon")


def callable_lf(name: str, target: str) -> LabelFunction:
    """A Python function named as `package.module:function`, taking one example."""
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise W2SGError(
            f"label function {name!r}: target must be 'module:function', not {target!r}"
        )
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise W2SGError(f"label function {name!r}: cannot import {target!r} ({exc})") from exc
    if not callable(fn):
        raise W2SGError(f"label function {name!r}: {target!r} is not callable")
    return LabelFunction(name, fn, "callable")


def _build(spec: dict, where: str) -> LabelFunction:
    """One label function from its JSON object."""
    if not isinstance(spec, dict) or "name" not in spec or "kind" not in spec:
        raise W2SGError(f"{where}: each function needs a 'name' and a 'kind'")
    name, kind = str(spec["name"]), spec["kind"]
    args = {k: v for k, v in spec.items() if k not in ("name", "kind", "note")}
    builders: dict[str, Callable[..., LabelFunction]] = {
        "keywords": keyword_lf,
        "regex": regex_lf,
        "vader": vader_lf,
        "lexicon": lexicon_lf,
        "callable": callable_lf,
    }
    if kind not in builders:
        raise W2SGError(
            f"{where}: function {name!r} has unknown kind {kind!r}; "
            f"use one of {', '.join(builders)}"
        )
    try:
        return builders[kind](name, **args)
    except TypeError as exc:
        raise W2SGError(f"{where}: function {name!r} ({kind}): {exc}") from exc


@dataclass(frozen=True)
class LabelFunctionSet:
    """Label functions read from one file, and where they came from (for results.json)."""

    name: str
    functions: tuple[LabelFunction, ...]
    source: str
    description: str = ""

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.functions]

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "source": self.source,
            "description": self.description,
            "functions": [{"name": f.name, "kind": f.kind} for f in self.functions],
        }


def resolve_label_functions(name_or_path: str) -> Path:
    """The file of a shipped set (`sentiment`) or a user's path; a clear error otherwise."""
    shipped = RESOURCES / f"{name_or_path}.json"
    if shipped.is_file():
        return shipped
    path = Path(name_or_path)
    if path.is_file():
        return path
    known = ", ".join(sorted(p.stem for p in RESOURCES.glob("*.json")))
    raise W2SGError(
        f"label functions {name_or_path!r}: no such file and no shipped set of that name "
        f"(shipped: {known})"
    )


def load_label_functions(name_or_path: str) -> LabelFunctionSet:
    """Read a label-function file: {"name", "description", "functions": [{name, kind, ...}]}."""
    path = resolve_label_functions(name_or_path)
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise W2SGError(f"{path}: not a readable JSON file ({exc})") from exc
    entries = spec.get("functions") if isinstance(spec, dict) else None
    if not isinstance(entries, list) or not entries:
        raise W2SGError(f"{path}: needs a non-empty list 'functions'")
    functions = tuple(_build(e, str(path)) for e in entries)
    names = [f.name for f in functions]
    if len(set(names)) != len(names):
        raise W2SGError(f"{path}: function names must be unique")
    return LabelFunctionSet(
        name=str(spec.get("name", path.stem)),
        functions=functions,
        source=str(path) if path.parent != RESOURCES else f"w2sg:{path.stem}",
        description=str(spec.get("description", "")),
    )
