"""The literature registry: 25 public tasks turned into binary (text, label) datasets.

SPEC §8. Each task names its Hub source (`HubSource`: a namespaced id that `datasets` 5.x
loads without a script, config, revision, data_dir, the row counts of the record), which
split is the test pool and which is train, and a small formatter (`w2sg.data.formatters`)
that turns one source row into (text, label).
Multiple-choice pairings are drawn from a numpy Generator seeded by (seed, split), so the same
seed and row order always give the same texts, for `split="train"` alone or inside "all". Ids
are short hashes of the texts: a cached activation is then always of exactly that text,
whatever seed made it (identical texts collapse to one row).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from w2sg.data import formatters as f
from w2sg.data.hf_source import PARQUET_BRANCH, HubSource, SourceSplit, hub_split, local_split
from w2sg.data.types import TextDataset
from w2sg.errors import W2SGError

Split = Literal["train", "test", "all"]
Kind = Literal["classification", "multiple_choice"]

#: sciq has no fixed test split: all its splits are pooled and this many rows (seed 0) test.
SCIQ_TEST_POOL = 3000
#: the 19 tasks of the overlap-density paper (all but the ethics sets, openbookqa and
#: sciq_with_support).
PAPER_TASKS: tuple[str, ...] = (
    "anli-r2",
    "cola",
    "dream",
    "mc_taco",
    "hellaswag",
    "multirc",
    "paws",
    "piqa",
    "quail",
    "quartz",
    "social_i_qa",
    "sst2",
    "wic",
    "twitter-sentiment",
    "sciq",
    "anthropic_hh",
    "cosmos_qa",
    "boolq",
    "amazon_polarity",
)
_STREAM = {"test": 0, "train": 1}  # each split draws from its own seeded stream


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

# ---------------------------------------------------------------- Hub sources (datasets 5.x)
# `datasets` 5.x runs no loading scripts and takes only namespaced ids, so every source is a
# namespaced repository of data files: the dataset's own (moved) repository, a Parquet mirror,
# or a script repository's Parquet export (`refs/convert/parquet`, where the script's configs
# are folders: `data_dir=<config>`). Where the record shows a full commit id, it is pinned.

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
S = SOURCES

TASKS: dict[str, TaskSpec] = {
    t.name: t
    for t in (
        _task(
            "anli-r2",
            S["anli-r2"],
            "test_r2",
            "train_r2",
            f.format_anli,
            CLS,
            "premise hypothesis label",
            f.T_ANLI,
            "NLI round 2; 1 = entailment",
            "CC BY-NC 4.0",
        ),
        _task(
            "cola",
            S["cola"],
            "validation",
            "train",
            f.format_sentence,
            CLS,
            "sentence label",
            f.T_SENTENCE,
            "grammatical acceptability; 1 = acceptable",
        ),
        _task(
            "dream",
            S["dream"],
            "test",
            "train",
            f.format_dream,
            MC,
            "dialogue question choice answer",
            f.T_DREAM,
            "dialogue reading comprehension",
        ),
        _task(
            "ethics-deontology",
            S["ethics-deontology"],
            "test",
            "train",
            f.format_deontology,
            CLS,
            "scenario excuse label",
            f.T_DEONTOLOGY,
            "is the excuse valid; 1 = valid",
            "MIT",
        ),
        _task(
            "ethics-justice",
            S["ethics-justice"],
            "test",
            "train",
            f.format_justice,
            CLS,
            "scenario label",
            f.T_JUSTICE,
            "is the statement just; 1 = just",
            "MIT",
        ),
        _task(
            "ethics-virtue",
            S["ethics-virtue"],
            "test",
            "train",
            f.format_virtue,
            CLS,
            "scenario label",
            f.T_VIRTUE,
            "does the trait fit; 1 = fits",
            "MIT",
        ),
        _task(
            "ethics-utilitarianism",
            S["ethics-utilitarianism"],
            "test",
            "train",
            f.format_utilitarianism,
            MC,
            "baseline less_pleasant",
            f.T_UTILITARIANISM,
            "which scenario is more pleasant; 1 = the stated choice is right",
            "MIT",
        ),
        _task(
            "mc_taco",
            S["mc_taco"],
            "validation",
            "test",
            f.format_mc_taco,
            CLS,
            "sentence question answer label",
            f.T_MC_TACO,
            "temporal commonsense; 1 = plausible (its larger test split serves as train)",
        ),
        _task(
            "hellaswag",
            S["hellaswag"],
            "validation",
            "train",
            f.format_hellaswag,
            MC,
            "ctx endings label",
            f.T_HELLASWAG,
            "best continuation of a scene",
            "MIT",
        ),
        _task(
            "multirc",
            S["multirc"],
            "validation",
            "train",
            f.format_multirc,
            CLS,
            "paragraph question answer label",
            f.T_PASSAGE_QA,
            "multi-sentence reading; 1 = true",
        ),
        _task(
            "openbookqa",
            S["openbookqa"],
            "test",
            "train",
            f.format_openbookqa,
            MC,
            "question_stem choices answerKey",
            f.T_OPENBOOKQA,
            "elementary science questions",
        ),
        _task(
            "paws",
            S["paws"],
            "test",
            "train",
            f.format_paws,
            CLS,
            "sentence1 sentence2 label",
            f.T_PAWS,
            "paraphrase detection; 1 = paraphrase",
        ),
        _task(
            "piqa",
            S["piqa"],
            "validation",
            "train",
            f.format_piqa,
            MC,
            "goal sol1 sol2 label",
            f.T_QA_LINE,
            "physical commonsense: goal and solution",
        ),
        _task(
            "quail",
            S["quail"],
            "validation",
            "train",
            f.format_quail,
            MC,
            "context question answers correct_answer_id",
            f.T_PASSAGE_QA,
            "reading comprehension",
            "CC BY-NC-SA 4.0",
        ),
        _task(
            "quartz",
            S["quartz"],
            "test",
            "train",
            f.format_quartz,
            MC,
            "para question choices answerKey",
            f.T_QUARTZ,
            "qualitative relations",
            "CC BY 4.0",
        ),
        _task(
            "social_i_qa",
            S["social_i_qa"],
            "validation",
            "train",
            f.format_social_i_qa,
            MC,
            "context question answerA answerB answerC label",
            f.T_SOCIAL_I_QA,
            "social commonsense",
        ),
        _task(
            "sst2",
            S["sst2"],
            "validation",
            "train",
            f.format_sentence,
            CLS,
            "sentence label",
            f.T_SENTENCE,
            "movie-review sentiment; 1 = positive",
        ),
        _task(
            "wic",
            S["wic"],
            "validation",
            "train",
            f.format_wic,
            CLS,
            "word sentence1 sentence2 label",
            f.T_WIC,
            "word sense in context; 1 = same sense",
            "CC BY-NC 4.0",
        ),
        _task(
            "twitter-sentiment",
            S["twitter-sentiment"],
            "test",
            "train",
            f.format_text,
            CLS,
            "text label",
            f.T_TEXT,
            "tweet sentiment; 1 = positive",
        ),
        _task(
            "sciq",
            S["sciq"],
            _SCIQ_ALL,
            _SCIQ_ALL,
            f.format_sciq,
            MC,
            "question correct_answer distractor1 distractor2 distractor3",
            f.T_QA_LINE,
            "science exam questions",
            "CC BY-NC 3.0",
            SCIQ_TEST_POOL,
        ),
        _task(
            "sciq_with_support",
            S["sciq_with_support"],
            _SCIQ_ALL,
            _SCIQ_ALL,
            f.format_sciq_with_support,
            MC,
            "support question correct_answer distractor1 distractor2 distractor3",
            f.T_SCIQ_SUPPORT,
            "science questions with a supporting passage",
            "CC BY-NC 3.0",
            SCIQ_TEST_POOL,
        ),
        _task(
            "anthropic_hh",
            S["anthropic_hh"],
            "test",
            "train",
            f.format_anthropic_hh,
            MC,
            "chosen rejected",
            f.T_DIALOGUE,
            "helpful/harmless dialogues; 1 = chosen",
            "MIT",
        ),
        _task(
            "cosmos_qa",
            S["cosmos_qa"],
            "validation",
            "train",
            f.format_cosmos_qa,
            MC,
            "context question answer0 answer1 answer2 answer3 label",
            f.T_COSMOS,
            "commonsense reading comprehension",
            "CC BY 4.0",
        ),
        _task(
            "boolq",
            S["boolq"],
            "validation",
            "train",
            f.format_boolq,
            CLS,
            "question passage answer",
            f.T_BOOLQ,
            "yes/no questions; 1 = yes",
            "CC BY-SA 3.0",
        ),
        _task(
            "amazon_polarity",
            S["amazon_polarity"],
            "test",
            "train",
            f.format_amazon_polarity,
            CLS,
            "title content label",
            f.T_AMAZON,
            "product-review sentiment; 1 = positive",
            "Apache 2.0",
        ),
    )
}


def get_task(name: str) -> TaskSpec:
    """The task called `name` (case, `_` and `-` are forgiven); unknown names list the known."""
    if name in TASKS:
        return TASKS[name]
    canon = {_canon(n): n for n in TASKS}
    if _canon(name) in canon:
        return TASKS[canon[_canon(name)]]
    raise W2SGError(f"unknown task '{name}'; known tasks: {', '.join(TASKS)}")


def _canon(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def load_task(
    name: str, *, split: Split = "train", data_dir: str | Path | None = None, seed: int = 0
) -> TextDataset:
    """Load task `name` as a binary TextDataset (SPEC §8).

    `split`: "train", "test" (the task's test pool) or "all" (both, with a source column
    saying which). Rows come from the Hub (the task's `HubSource`), or from `data_dir`, a local
    copy in the source's schema: a save_to_disk folder or per-split files named for the Hub's
    splits (`train.jsonl`, `validation.parquet`, `test/0000.parquet`, ...); a
    `data_dir/<task name>` folder, and in it the source's `data_dir` (a Parquet export's config
    folder), are used when present. `seed` draws the multiple-choice pairings.
    """
    spec = get_task(name)
    if split not in ("train", "test", "all"):
        raise W2SGError(f"split must be 'train', 'test' or 'all', not '{split}'")
    root = _task_root(spec, data_dir)
    parts = ("train", "test") if split == "all" else (split,)
    texts: list[str] = []
    labels: list[int] = []
    sources: list[str] = []
    origins: list[str] = []
    for part in parts:
        rng = np.random.default_rng([seed, _STREAM[part]])
        for text, label in _formatted(spec, _part_rows(spec, part, root, origins), rng, origins):
            texts.append(text)
            labels.append(label)
            sources.append(part)
    meta = {
        "task": spec.name,
        "split": split,
        "seed": seed,
        "origin": "; ".join(dict.fromkeys(origins)),
        "hub_id": spec.hub_id,
        "config": spec.config,
        "revision": spec.source.revision,
        "data_dir": spec.source.data_dir,
        "template": spec.template,
        "kind": spec.kind,
        "licence": spec.licence or "see the dataset card",
    }
    return TextDataset.from_rows(
        spec.name, texts, labels, sources=sources if split == "all" else None, meta=meta
    )


def _task_root(spec: TaskSpec, data_dir: str | Path | None) -> Path | None:
    if data_dir is None:
        return None
    root = Path(data_dir).expanduser()
    return root / spec.name if (root / spec.name).is_dir() else root


def _part_rows(spec: TaskSpec, part: str, root: Path | None, origins: list[str]) -> Iterable:
    """The source rows of the train or test part (pooled sources: the fixed seed-0 pool)."""
    hub_names = (spec.test_split if part == "test" else spec.train_split).split("+")
    loaded = [_checked(spec, _fetch(spec, s, root)) for s in hub_names]
    origins.extend(s.origin for s in loaded)
    if spec.test_pool_size is None:
        return (row for s in loaded for row in s.rows)
    pool = [row for s in loaded for row in s.rows]
    n_test = min(spec.test_pool_size, len(pool) // 2)  # tiny local copies keep a train part
    order = np.random.default_rng(0).permutation(len(pool))  # as datasets' train_test_split
    index = order[:n_test] if part == "test" else order[n_test:]
    return (pool[i] for i in index)


def _fetch(spec: TaskSpec, hub_name: str, root: Path | None) -> SourceSplit:
    if root is None:
        return hub_split(spec.name, spec.source, hub_name)
    config_dir = root / spec.source.data_dir if spec.source.data_dir else None
    return local_split(config_dir if config_dir and config_dir.is_dir() else root, hub_name)


def _checked(spec: TaskSpec, source: SourceSplit) -> SourceSplit:
    """Fail early, on one line, when a local copy lacks a column the formatter reads."""
    have = set(source.rows.column_names)
    missing = [c for c in spec.columns if c not in have]
    if missing:
        raise W2SGError(
            f"{spec.name}: {source.origin} has no column {', '.join(repr(c) for c in missing)} "
            f"(it has: {', '.join(sorted(have))}); "
            f"{spec.hub_id} rows need: {', '.join(spec.columns)}"
        )
    return source


def _formatted(
    spec: TaskSpec, rows: Iterable, rng: np.random.Generator, origins: list[str]
) -> Iterator[tuple[str, int]]:
    for i, row in enumerate(rows):
        try:
            yield spec.formatter(row, rng)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            raise W2SGError(
                f"{spec.name}: row {i} of {origins[-1]} does not fit the {spec.hub_id} schema "
                f"({type(error).__name__}: {error}); check the file"
            ) from error
