"""Where each literature task's rows come from on the Hub (datasets 5.x), and what a task is.

`datasets` 5.x runs no loading scripts and takes only namespaced ids, so every source is a
namespaced repository of data files: the dataset's own (moved) repository, a Parquet mirror,
or a script repository's Parquet export (`refs/convert/parquet`, where the script's configs
are folders: `data_dir=<config>`). Where the record shows a full commit id, it is pinned
(docs/tasks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from w2sg.data import formatters as f
from w2sg.data.hf_source import PARQUET_BRANCH, HubSource

Kind = Literal["classification", "multiple_choice"]


#: sciq has no fixed test split: all its splits are pooled and this many rows (seed 0) test.
SCIQ_TEST_POOL = 3000


@dataclass(frozen=True)
class TaskSpec:
    """One task: its source on the Hub, its splits, and how a row becomes (text, label)."""

    name: str
    source: HubSource
    test_split: str  # Hub split(s) of the test pool; "a+b+c" pools splits
    train_split: str
    formatter: f.Formatter
    kind: Kind
    columns: tuple[str, ...]  # the source columns the formatter reads
    template: str  # the text layout the formatter writes
    description: str
    licence: str | None = None  # where known; otherwise see the dataset card
    test_pool_size: int | None = None  # pooled sources: rows of the fixed test pool (seed 0)

    @property
    def hub_id(self) -> str:
        """The namespaced Hub id of the source."""
        return self.source.id

    @property
    def config(self) -> str | None:
        """The source's config name (None: the repository's only or default config)."""
        return self.source.config


def _task(
    name: str,
    hub: HubSource,
    test: str,
    train: str,
    fmt: f.Formatter,
    kind: Kind,
    columns: str,
    template: str,
    description: str,
    licence: str | None = None,
    pool: int | None = None,
) -> TaskSpec:
    """A TaskSpec from one compact table row (columns: space-separated)."""
    cols = tuple(columns.split())
    return TaskSpec(name, hub, test, train, fmt, kind, cols, template, description, licence, pool)


CLS: Kind = "classification"


MC: Kind = "multiple_choice"


_SCIQ_ALL = "train+validation+test"


#: hendrycks/ethics's Parquet export at a parquet-converter commit whose tree holds all five
#: config folders (huggingface.co/datasets/hendrycks/ethics/tree/a915b474…). The split folders
#: are the script's: validation = test.csv, test = test_hard.csv (the test pool stays "hard").
ETHICS_PARQUET = "a915b47457c891ae9b511e12d41567a4bb085375"


#: lighteval/siqa, the Parquet mirror lm-evaluation-harness uses for social_i_qa (#3943), at
#: the commit that added its card (labels stay the strings "1".."3").
SIQA_COMMIT = "54c6a1f8cb6daf4f5abf24a601852612fb35eb25"


#: Repositories whose main branch holds a loading script (Hub file browser and commit
#: history, lm-evaluation-harness #2790 / #3943): usable only through their Parquet export.
#: (CogComp/mc_taco's main still holds mc_taco.py at 0930ef7; lm-evaluation-harness loads it
#: from main, which datasets 5.x refuses.)
SCRIPT_REPOS: frozenset[str] = frozenset(
    {
        "hendrycks/ethics",
        "dataset-org/dream",
        "allenai/cosmos_qa",
        "CogComp/mc_taco",
        "ybisk/piqa",
        "allenai/social_i_qa",
        "EleutherAI/hendrycks_ethics",
        "lighteval/hendrycks_ethics",
    }
)


#: Mirrors and Parquet exports whose commit could not be found in the record: they load the
#: current state of that branch. Each says why; everything else of that kind is pinned.
UNPINNED: dict[str, str] = {
    "dream": "Parquet export of dataset-org/dream; no commit id of it found",
    "mc_taco": "Parquet export of CogComp/mc_taco; no commit id of it found",
    "cosmos_qa": "Parquet export of allenai/cosmos_qa; no commit id of it found",
    "piqa": "baber/piqa (lm-evaluation-harness #2790); only the short id 142f6d7 found",
}


def _ethics(config: str) -> HubSource:
    return HubSource("hendrycks/ethics", revision=ETHICS_PARQUET, data_dir=config)


_SUPER_GLUE = "aps/super_glue"


_SCIQ_ROWS = (("train", 11679), ("validation", 1000), ("test", 1000))


SOURCES: dict[str, HubSource] = {
    "anli-r2": HubSource("facebook/anli"),
    "cola": HubSource("nyu-mll/glue", "cola"),
    # rows: TFDS community catalog huggingface:dream/plain_text (the script's own counts)
    "dream": HubSource(
        "dataset-org/dream",
        revision=PARQUET_BRANCH,
        data_dir="plain_text",
        rows=(("train", 6116), ("validation", 2040), ("test", 2041)),
    ),
    "ethics-deontology": _ethics("deontology"),
    "ethics-justice": _ethics("justice"),
    "ethics-virtue": _ethics("virtue"),
    "ethics-utilitarianism": _ethics("utilitarianism"),
    "mc_taco": HubSource("CogComp/mc_taco", revision=PARQUET_BRANCH, data_dir="plain_text"),
    # rows: the card's dataset_info (validation; train only as "39.9k" in the viewer)
    "hellaswag": HubSource("Rowan/hellaswag", rows=(("validation", 10042),)),
    # aps/super_glue is where the canonical super_glue moved; Parquet on main since #16
    "multirc": HubSource(_SUPER_GLUE, "multirc"),
    "openbookqa": HubSource("allenai/openbookqa", "main"),
    # rows: the card's dataset_info (labeled_final)
    "paws": HubSource(
        "google-research-datasets/paws",
        "labeled_final",
        rows=(("train", 49401), ("validation", 8000), ("test", 8000)),
    ),
    "piqa": HubSource("baber/piqa", mirror=True),
    # rows: the card's dataset_info
    "quail": HubSource(
        "textmachinelab/quail", rows=(("train", 10246), ("validation", 2164), ("challenge", 556))
    ),
    "quartz": HubSource("allenai/quartz"),
    # rows: the card's dataset_info at that commit
    "social_i_qa": HubSource(
        "lighteval/siqa",
        revision=SIQA_COMMIT,
        mirror=True,
        rows=(("train", 33410), ("validation", 1954)),
    ),
    "sst2": HubSource("stanfordnlp/sst2"),
    "wic": HubSource(_SUPER_GLUE, "wic"),
    "twitter-sentiment": HubSource("EleutherAI/twitter-sentiment"),
    # rows: TFDS community catalog huggingface:sciq (the script's own counts)
    "sciq": HubSource("allenai/sciq", rows=_SCIQ_ROWS),
    "sciq_with_support": HubSource("allenai/sciq", rows=_SCIQ_ROWS),
    "anthropic_hh": HubSource("Anthropic/hh-rlhf"),
    # rows: TFDS community catalog huggingface:cosmos_qa (the script's own counts)
    "cosmos_qa": HubSource(
        "allenai/cosmos_qa",
        revision=PARQUET_BRANCH,
        data_dir="default",
        rows=(("train", 25262), ("validation", 2985), ("test", 6963)),
    ),
    # rows: google/boolq's card and TFDS huggingface:boolq; `answer` is a bool
    "boolq": HubSource("google/boolq", rows=(("train", 9427), ("validation", 3270))),
    # rows: the card's dataset_info
    "amazon_polarity": HubSource(
        "fancyzhx/amazon_polarity", rows=(("train", 3_600_000), ("test", 400_000))
    ),
}
