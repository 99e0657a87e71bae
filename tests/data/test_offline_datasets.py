"""Every offline dataset loads from its package with the documented size, balance and meta."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from w2sg.data import load_dataset
from w2sg.data.offline import OFFLINE
from w2sg.data.types import TextDataset

# (rows of label 0, rows of label 1) as loaded from the pinned packages
EXPECTED_COUNTS = {
    "rotten_tomatoes": (5_384, 7_368),
    "vader_movies": (5_325, 5_241),
    "vader_tweets": (1_299, 2_897),
    "vader_amazon": (1_480, 2_120),
    "vader_nyt": (2_704, 2_180),
    "vader": (10_808, 12_438),
    "election_tweets": (2_628, 3_086),
    "newsgroups_space_med": (989, 983),
    "newsgroups_autos_motorcycles": (993, 989),
    "newsgroups_baseball_hockey": (999, 994),
    "newsgroups_christian_atheism": (799, 996),
}


@cache
def _load(name: str) -> TextDataset:
    return load_dataset(name)


def test_every_offline_dataset_has_expected_counts() -> None:
    assert set(EXPECTED_COUNTS) == set(OFFLINE)


@pytest.mark.parametrize("name", sorted(OFFLINE))
def test_offline_dataset_loads_clean(name: str, request: pytest.FixtureRequest) -> None:
    if name.startswith("vader"):
        request.getfixturevalue("vader_cache")
    ds = _load(name)
    zeros, ones = EXPECTED_COUNTS[name]
    assert ds.name == name
    assert ds.label_counts() == {0: zeros, 1: ones}
    assert len(ds) == OFFLINE[name].rows == zeros + ones
    assert all(isinstance(t, str) and t.strip() for t in ds.texts)
    assert set(np.unique(ds.labels).tolist()) == {0, 1}
    assert len(set(ds.ids.tolist())) == len(ds)
    for key in ("origin", "package", "file", "licence", "label"):
        assert ds.meta[key], key


def test_vader_combined_is_the_four_domains(vader_cache) -> None:
    combined = _load("vader")
    per_domain = {d: len(_load(f"vader_{d}")) for d in ("movies", "tweets", "amazon", "nyt")}
    assert combined.source_counts() == per_domain
    assert combined.meta["licence"] == "MIT"
    tweets = _load("vader_tweets")
    assert set(tweets.sources.tolist()) == {"tweets"}


def test_vader_labels_follow_the_rating(vader_cache) -> None:
    tweets = _load("vader_tweets")
    by_text = dict(zip(tweets.texts.tolist(), tweets.labels.tolist(), strict=True))
    # ground truth rows 1 and 2 of tweets_GroundTruth.txt have ratings 2.73 and 1.44
    assert by_text["Yay. Another good phone interview."] == 1


def test_rotten_tomatoes_drops_plot_rows() -> None:
    ds = _load("rotten_tomatoes")
    assert not any(t.startswith("Vijay Singh Rajput (Amitabh Bachchan)") for t in ds.texts)
    assert ds.meta["licence"] == "Apache-2.0"
    assert ds.meta["file"].endswith("rotten_tomatoes_corpus_full.csv.bz2")


def test_election_tweets_label_is_the_author_and_retweets_are_dropped() -> None:
    ds = _load("election_tweets")
    by_text = dict(zip(ds.texts.tolist(), ds.labels.tolist(), strict=True))
    trump = [t for t in by_text if t.startswith("Join me for a 3pm rally - tomorrow at the Mid")]
    clinton = [t for t in by_text if t.startswith("The question in this election: Who can put")]
    assert [by_text[t] for t in trump] == [1]
    assert [by_text[t] for t in clinton] == [0]
    assert not any(t.startswith("Couldn't be more proud of @HillaryClinton") for t in by_text)


def test_newsgroups_pair_meta_names_the_groups() -> None:
    ds = _load("newsgroups_space_med")
    assert ds.meta["label"] == "1 = sci.space, 0 = sci.med"
    assert "20newsgroups-train.tab" in ds.meta["file"]
    assert "20newsgroups-test.tab" in ds.meta["file"]
