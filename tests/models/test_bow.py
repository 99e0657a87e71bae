"""The bag-of-words weak model `tfidf`: values pinned on a small corpus, fitted on named texts
only, independent of the fit texts' order, bounded, and reachable through get_activations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from w2sg.errors import W2SGError
from w2sg.models.activations import get_text_activations
from w2sg.models.bow import TfidfSettings, fit_tfidf, texts_digest

FIT = ["good good movie", "bad movie", "good plot", "bad bad bad acting"]


def test_values_are_sublinear_smoothed_tfidf_of_the_most_frequent_terms() -> None:
    model = fit_tfidf(FIT, TfidfSettings(max_features=3))
    assert model.vocabulary == ("bad", "good", "movie")  # term counts 4, 3, 2; plot, acting 1
    x = model.transform(["good good movie", "Bad plot", "acting"])
    assert x.dtype == np.float32 and x.shape == (3, 3)
    tf = 1 + math.log(2)  # sublinear tf of "good" said twice; every idf is ln(5/3) + 1
    norm = math.hypot(tf, 1.0)
    np.testing.assert_allclose(x[0], [0.0, tf / norm, 1 / norm], rtol=1e-6)
    np.testing.assert_allclose(x[1], [1.0, 0.0, 0.0])  # lower-cased; plot is not kept
    np.testing.assert_array_equal(x[2], [0.0, 0.0, 0.0])  # no known term: a row of zeros


def test_ties_in_frequency_go_to_the_alphabetically_first_term() -> None:
    model = fit_tfidf(FIT, TfidfSettings(max_features=4))
    assert model.vocabulary == ("acting", "bad", "good", "movie")  # acting before plot


def test_idf_is_fitted_on_the_fit_texts_only() -> None:
    model = fit_tfidf(FIT + ["movie movie", "movie"], TfidfSettings(max_features=3))
    x = model.transform(["good good movie"])[0]
    # movie is now in 4 of 6 texts (idf ln(7/5) + 1), good in 2 (idf ln(7/3) + 1)
    good, movie = (1 + math.log(2)) * (math.log(7 / 3) + 1), math.log(7 / 5) + 1
    np.testing.assert_allclose(x, np.array([0.0, good, movie]) / math.hypot(good, movie), 1e-6)


def test_the_fit_is_a_function_of_the_set_of_texts_not_their_order() -> None:
    rng = np.random.default_rng(0)
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"]
    texts = [" ".join(rng.choice(words, 5)) for _ in range(40)]
    one = fit_tfidf(texts, TfidfSettings(max_features=5))
    other = fit_tfidf(texts[::-1], TfidfSettings(max_features=5))
    assert one.vocabulary == other.vocabulary and len(one.vocabulary) == 5
    np.testing.assert_array_equal(one.transform(texts), other.transform(texts))
    assert one.fit_digest == other.fit_digest == texts_digest(list(reversed(texts)))


def test_describe_records_settings_vocabulary_and_versions() -> None:
    fit = fit_tfidf(FIT).describe()
    assert fit["vocabulary_size"] == 5 and fit["fit_rows"] == 4
    assert fit["settings"]["max_features"] == 2048 and fit["settings"]["sublinear_tf"] is True
    assert fit["identity"].startswith("tfidf:") and fit["scikit-learn"]


def test_text_without_words_and_bad_settings_fail_in_one_line() -> None:
    with pytest.raises(W2SGError, match="no word of two or more characters"):
        fit_tfidf(["a", "!", ""])
    with pytest.raises(W2SGError, match="needs fit texts"):
        fit_tfidf([])
    with pytest.raises(W2SGError, match="max_features must be positive"):
        TfidfSettings(max_features=0)


def test_get_activations_takes_tfidf_with_its_fit_texts() -> None:
    acts = get_text_activations("tfidf", ["good movie", "bad"], layers=(-1, 0), fit_texts=FIT)
    expected = fit_tfidf(FIT).transform(["good movie", "bad"])
    np.testing.assert_array_equal(acts[-1], expected)
    np.testing.assert_array_equal(acts[0], expected)
    with pytest.raises(W2SGError, match="give fit_texts"):
        get_text_activations("tfidf", ["good movie"])
    with pytest.raises(W2SGError, match="one layer of features"):
        get_text_activations("tfidf", ["good movie"], layers=(1,), fit_texts=FIT)
    with pytest.raises(W2SGError, match="fit_texts is for tfidf only"):
        get_text_activations("minilm-l6", ["good movie"], fit_texts=FIT)
