"""The bag-of-words weak model `tfidf`: TF-IDF features of each text, the logistic probe on top
(docs/methods.md#the-weak-model-menu).

A feature extractor like a frozen transformer: texts in, a float32 matrix out, which the
study's probes read as they read activations. Its vocabulary and IDF are fitted on a fixed set
of texts the caller names (the study: each split seed's `weak_train`, the only rows the weak
model learns from; never val or test). Fitting reads texts only, never labels, and is a
function of the *set* of fit texts: their order does not matter, ties in term frequency go
to the alphabetically first term, so the features are the same on every run.

The feature count is bounded (`max_features`, the most frequent terms of the fit texts), so a
5,000-row dataset is a 5,000 x 2,048 float32 matrix (41 MB) computed in about a second; the
features are not stored: they cost less to compute than to read back.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from w2sg.errors import W2SGError

TFIDF = "tfidf"
Texts = Sequence[str] | np.ndarray  # a list of texts, or a dataset's `texts` array


@dataclass(frozen=True)
class TfidfSettings:
    """scikit-learn's TfidfVectorizer settings of `tfidf` (each recorded in results)."""

    max_features: int = 2048  # the most frequent terms of the fit texts
    sublinear_tf: bool = True  # 1 + log(tf): a word said twice is not twice the evidence
    lowercase: bool = True
    strip_accents: str = "unicode"
    token_pattern: str = r"(?u)\b\w\w+\b"  # scikit-learn's: words of two or more characters
    ngram_range: tuple[int, int] = (1, 1)  # unigrams: the weakest bag of words
    norm: str = "l2"
    smooth_idf: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.max_features, bool) or not isinstance(self.max_features, int):
            raise W2SGError(f"max_features must be a whole number, got {self.max_features!r}")
        if self.max_features < 1:
            raise W2SGError(f"max_features must be positive, got {self.max_features}")

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def identity(self) -> str:
        """`tfidf:` and a digest of the settings and scikit-learn's version: what the features
        are a function of, besides the fit texts."""
        blob = json.dumps({**self.to_json(), "scikit-learn": sklearn_version()}, sort_keys=True)
        return f"{TFIDF}:{hashlib.sha256(blob.encode()).hexdigest()[:16]}"


def sklearn_version() -> str | None:
    try:
        return md.version("scikit-learn")
    except md.PackageNotFoundError:
        return None


def texts_digest(texts: Texts) -> str:
    """SHA-256 of a set of texts (order-free: the sorted digests of each text)."""
    each = sorted(hashlib.sha256(str(t).encode("utf-8")).digest() for t in texts)
    return hashlib.sha256(b"".join(each)).hexdigest()


@dataclass(frozen=True)
class TfidfModel:
    """A fitted `tfidf`: transform texts into float32 features (rows, vocabulary size)."""

    settings: TfidfSettings
    vocabulary: tuple[str, ...]  # sorted
    fit_rows: int
    fit_digest: str
    vectorizer: Any = field(repr=False, compare=False)

    def transform(self, texts: Texts) -> np.ndarray:
        """TF-IDF features of `texts`: float32, l2-normalised rows (a text with no known
        term is a row of zeros)."""
        matrix = self.vectorizer.transform([str(t) for t in texts])
        return np.ascontiguousarray(matrix.toarray(), dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        """What results record of this fit: settings, vocabulary size, fit texts, versions."""
        return {
            "identity": self.settings.identity(),
            "settings": self.settings.to_json(),
            "vocabulary_size": len(self.vocabulary),
            "fit_rows": self.fit_rows,
            "fit_texts_sha256": self.fit_digest,
            "scikit-learn": sklearn_version(),
        }


def _token_options(settings: TfidfSettings) -> dict[str, Any]:
    return {
        "lowercase": settings.lowercase,
        "strip_accents": settings.strip_accents,
        "token_pattern": settings.token_pattern,
        "ngram_range": settings.ngram_range,
    }


def _vocabulary(texts: list[str], settings: TfidfSettings) -> list[str]:
    """The `max_features` most frequent terms of `texts` (ties: alphabetical), sorted."""
    from sklearn.feature_extraction.text import CountVectorizer  # heavy: loaded on first use

    counter = CountVectorizer(**_token_options(settings), dtype=np.int64)
    try:
        counts = counter.fit_transform(texts)
    except ValueError:  # scikit-learn: "empty vocabulary"
        raise W2SGError(
            f"tfidf: the {len(texts)} fit texts hold no word of two or more characters; "
            "fit it on texts with words"
        ) from None
    terms = sorted(counter.vocabulary_)
    columns = np.array([counter.vocabulary_[t] for t in terms])
    totals = np.asarray(counts.sum(axis=0)).ravel()[columns]
    keep = np.argsort(-totals, kind="stable")[: settings.max_features]
    return sorted(terms[i] for i in keep)


def fit_tfidf(fit_texts: Texts, settings: TfidfSettings | None = None) -> TfidfModel:
    """Fit the vocabulary and IDF of `tfidf` on `fit_texts` (texts only, never labels).

    Example::

        model = fit_tfidf(splits.weak_train.texts)
        x = model.transform(splits.val.texts)              # float32 (rows, <= 2048)
    """
    from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: loaded on first use

    settings = settings or TfidfSettings()
    if isinstance(fit_texts, str | bytes):
        raise W2SGError("tfidf: fit_texts must be a list of texts, got one text; write [text]")
    items = list(fit_texts)
    bad = [t for t in items if not isinstance(t, str)]
    if bad:
        raise W2SGError(
            f"tfidf: fit_texts must be texts, found {bad[0]!r:.40} (a {type(bad[0]).__name__})"
        )
    texts = [str(t) for t in items]
    if not texts:
        raise W2SGError("tfidf needs fit texts: give the texts its vocabulary is fitted on")
    vocabulary = _vocabulary(texts, settings)
    vectorizer = TfidfVectorizer(
        **_token_options(settings),
        vocabulary=vocabulary,
        sublinear_tf=settings.sublinear_tf,
        norm=settings.norm,
        smooth_idf=settings.smooth_idf,
        dtype=np.float32,
    ).fit(texts)
    return TfidfModel(settings, tuple(vocabulary), len(texts), texts_digest(texts), vectorizer)
