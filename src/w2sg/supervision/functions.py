"""Label functions: each maps one example (a text, or a row) to 1, 0 or abstain -1
(docs/methods.md#weak-supervision).

Built-ins: keyword lists, regular expressions, VADER's rule-based sentiment scorer with
thresholds, keyword lists drawn from VADER's lexicon, and any Python callable. A set of them
is read from a JSON file (`load_label_functions`); `sentiment` names the shipped set.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from w2sg import validate as v
from w2sg.errors import W2SGError
from w2sg.io import read_json

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
    if isinstance(label, bool) or label not in (0, 1):
        raise W2SGError(f"label function {name!r}: label must be 0 or 1, got {label!r}")
    return int(label)


def _texts(values: object, name: str, what: str) -> list[str]:
    """A list of non-empty strings, each once: a bare string is an error, not one entry per
    character ("wonderful fresh" is two keywords only when written as a list)."""
    if isinstance(values, str):
        raise W2SGError(
            f"label function {name!r}: {what} must be a list of texts, got the text "
            f"{values!r}; write [{', '.join(repr(w) for w in values.split()) or repr('')}]"
        )
    if not isinstance(values, list | tuple) or not values:
        raise W2SGError(f"label function {name!r}: give at least one of its {what} (a list)")
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise W2SGError(
                f"label function {name!r}: each of its {what} must be a non-empty text, "
                f"got {value!r}"
            )
    v.unique([x.strip().lower() for x in values], f"label function {name!r}: {what}")
    return list(values)


def _word_pattern(words: Sequence[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of `words` as whole words (phrases allowed)."""
    alternatives = sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in alternatives)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.IGNORECASE)


def keyword_lf(name: str, keywords: Sequence[str], label: int) -> LabelFunction:
    """`label` when the text holds any of `keywords` as a whole word or phrase, else abstain."""
    label = _check_label(label, name)
    pattern = _word_pattern(_texts(keywords, name, "keywords"))

    def fn(text: str) -> int:
        return label if pattern.search(str(text)) else ABSTAIN

    return LabelFunction(name, fn, "keywords")


def regex_lf(name: str, patterns: Sequence[str], label: int) -> LabelFunction:
    """`label` when any of the regular expressions matches the text (case-insensitive)."""
    label = _check_label(label, name)
    patterns = _texts(patterns, name, "patterns")
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
    v.number(positive_at, f"label function {name!r}: positive_at")
    v.number(negative_at, f"label function {name!r}: negative_at")
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
    for bound, value in (("at_least", at_least), ("at_most", at_most)):
        if value is not None:
            v.number(value, f"label function {name!r}: {bound}", low=-4.0, high=4.0)
    words = vader_lexicon_words(at_least, at_most)
    if not words:
        raise W2SGError(f"label function {name!r}: no lexicon word has a rating in that range")
    lf = keyword_lf(name, words, label)
    return LabelFunction(name, lf.fn, "lexicon")


def callable_lf(name: str, target: str) -> LabelFunction:
    """A Python function named as `package.module:function`, taking one example."""
    if not isinstance(target, str):
        raise W2SGError(
            f"label function {name!r}: target must be 'module:function', not {target!r}"
        )
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise W2SGError(
            f"label function {name!r}: target must be 'module:function', not {target!r}"
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - the user's module: any error is reported
        raise W2SGError(
            f"label function {name!r}: cannot import module {module_name!r} "
            f"({type(exc).__name__}: {exc}); is it on PYTHONPATH, and does it import?"
        ) from None
    fn = getattr(module, attr, None)
    if fn is None:
        raise W2SGError(f"label function {name!r}: module {module_name!r} has no {attr!r}")
    if not callable(fn):
        raise W2SGError(f"label function {name!r}: {target!r} is not callable")
    _takes_one_argument(fn, name, target)
    return LabelFunction(name, fn, "callable")


def _takes_one_argument(fn: Callable, name: str, target: str) -> None:
    """A label function is called with one example: one that cannot take it fails here."""
    try:
        inspect.signature(fn).bind(None)
    except TypeError:
        raise W2SGError(
            f"label function {name!r}: {target!r} must take one argument (the example)"
        ) from None
    except ValueError:  # a builtin without a signature: its first call will tell
        return


def _build(spec: object, where: str) -> LabelFunction:
    """One label function from its JSON object."""
    if not isinstance(spec, dict) or "name" not in spec or "kind" not in spec:
        raise W2SGError(f"{where}: each function needs a 'name' and a 'kind', got {spec!r:.80}")
    name = v.text(spec["name"], f"{where}: a function's name")
    kind = spec["kind"]
    args = {k: val for k, val in spec.items() if k not in ("name", "kind", "note")}
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
    params = inspect.signature(builders[kind]).parameters
    accepted = set(params) - {"name"}
    missing = [p for p in accepted if params[p].default is inspect.Parameter.empty]
    missing = sorted(set(missing) - set(args))
    if missing:
        raise W2SGError(f"{where}: function {name!r} ({kind}) needs key(s) {', '.join(missing)}")
    unknown = sorted(set(args) - accepted)
    if unknown:
        raise W2SGError(
            f"{where}: function {name!r} ({kind}) has unknown key(s) {', '.join(unknown)}; "
            f"a {kind} function takes {', '.join(sorted(accepted))}"
        )
    try:
        return builders[kind](name, **args)
    except TypeError as exc:
        raise W2SGError(f"{where}: function {name!r} ({kind}): {exc}") from None


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
    v.text(name_or_path, "label functions")
    shipped = RESOURCES / f"{name_or_path}.json"
    if shipped.is_file():
        return shipped
    path = Path(name_or_path)
    if path.is_file():
        return path
    if path.is_dir():
        raise W2SGError(f"label functions {name_or_path!r} is a folder; give a label-function file")
    known = ", ".join(sorted(p.stem for p in RESOURCES.glob("*.json")))
    raise W2SGError(
        f"label functions {name_or_path!r}: no such file and no shipped set of that name "
        f"(shipped: {known})"
    )


def load_label_functions(name_or_path: str) -> LabelFunctionSet:
    """Read a label-function file: {"name", "description", "functions": [{name, kind, ...}]}."""
    path = resolve_label_functions(name_or_path)
    spec = read_json(path, "a label-function file (a JSON object with a list 'functions')")
    entries = spec.get("functions")
    if not isinstance(entries, list) or not entries:
        raise W2SGError(f"{path}: expected a non-empty list 'functions', found {entries!r:.60}")
    functions = tuple(_build(e, str(path)) for e in entries)
    v.unique([f.name for f in functions], f"{path}: function names")
    return LabelFunctionSet(
        name=str(spec.get("name", path.stem)),
        functions=functions,
        source=str(path) if path.parent != RESOURCES else f"w2sg:{path.stem}",
        description=str(spec.get("description", "")),
    )
