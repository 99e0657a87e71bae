"""A second error corpus, written apart from tests/test_error_corpus.py: bad inputs for the
newer commands (finetune, sweep, report, results, gap, cache, label functions, WRENCH
folders, Ray addresses, several weak models, cut models, presets) and the public Python API.

Every case must end in one clear line: on the command line exit status 1 or 2 with one
`error:` line that is not an internal error, through the API a `W2SGError`. A case that
reaches real work (loading a transformer's weights, a sweep's warm-up) counts as accepted
silently; the guard below stops it there, so no case trains, extracts or downloads.
"""

from __future__ import annotations

import json
import math
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import w2sg
from w2sg.cli import run_cli

HANG_S = 60  # a case still running after this is a hang


class Accepted(BaseException):
    """Raised where real work would start: the input got through every check."""


class Hang(BaseException):
    """Raised by the alarm: the case ran past HANG_S."""


@dataclass(frozen=True)
class Case:
    """One bad input: a command line (`cli`) or a call of the public API (`api`)."""

    id: str
    kind: str  # "cli" or "api"
    build: Callable[[Path], Any]  # tmp folder -> argv list (cli) or a no-argument call (api)
    env: Callable[[Path], dict[str, str]] | None = None  # environment variables of the case


CASES: list[Case] = []


def cli(case_id: str) -> Callable:
    def add(build: Callable[[Path], list[str]]) -> Callable:
        CASES.append(Case(case_id, "cli", build))
        return build

    return add


def cli_args(case_id: str, *args: str) -> None:
    CASES.append(Case(case_id, "cli", lambda tmp: [a.replace("{tmp}", str(tmp)) for a in args]))


def api(case_id: str, make: Callable[[Path], Callable[[], Any]]) -> None:
    CASES.append(Case(case_id, "api", make))


# --------------------------------------------------------------------------- small data


def _csv(tmp: Path) -> Path:
    """200 reviews whose sentiment word gives the label."""
    path = tmp / "reviews.csv"
    if not path.exists():
        lines = ["text,label"]
        for i in range(200):
            word = ("good", "lovely", "great")[i % 3] if i % 2 else ("bad", "dull", "awful")[i % 3]
            lines.append(f"the film was {word} number {i},{i % 2}")
        path.write_text("\n".join(lines) + "\n")
    return path


SMALL_RUN = ("--weak-train", "20", "--strong-train", "20", "--test", "20", "--no-selection")
SMALL_FT = ("--weak-train", "40", "--strong-train", "40", "--val", "10", "--test", "20")


def _ft(tmp: Path, *extra: str) -> list[str]:
    return ["finetune", "--dataset", str(_csv(tmp)), *SMALL_FT, "--out", str(tmp / "o"), *extra]


def _run(tmp: Path, *extra: str, dataset: str | None = None) -> list[str]:
    data = dataset or str(_csv(tmp))
    return ["run", "--dataset", data, *SMALL_RUN, "--out", str(tmp / "o"), *extra]


def _write(path: Path, content: str | bytes | Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        path.write_text(json.dumps(content))
    return path


# --------------------------------------------------------------------------- finetune


def ft(case_id: str, *extra: str) -> None:
    CASES.append(Case(f"finetune/{case_id}", "cli", lambda tmp: _ft(tmp, *extra)))


ft("weak-lr-zero", "--weak-lr", "0")
ft("strong-lr-negative", "--strong-lr", "-1e-4")
ft("weak-lr-nan", "--weak-lr", "nan")
ft("strong-lr-minus-inf", "--strong-lr", "-inf")
ft("warmup-ratio-above-one", "--warmup-ratio", "1.5")
ft("warmup-ratio-negative", "--warmup-ratio", "-0.1")
ft("warmup-ratio-and-steps", "--warmup-ratio", "0.2", "--warmup-steps", "10")
ft("warmup-steps-negative", "--warmup-steps", "-1")
ft("weight-decay-nan", "--weight-decay", "nan")
ft("weight-decay-negative", "--weight-decay", "-0.5")
ft("lora-dropout-one", "--lora-dropout", "1.0")
ft("lora-dropout-negative", "--lora-dropout", "-0.1")
ft("lora-rank-zero", "--lora-rank", "0")
ft("lora-rank-above-width", "--lora-rank", "100000")
ft("full-with-lora-alpha", "--full", "--lora-alpha", "32")
ft("full-with-lora-dropout", "--full", "--lora-dropout", "0.1")
ft("lora-alpha-zero", "--lora-alpha", "0")
ft("lora-alpha-minus-inf", "--lora-alpha", "-inf")
ft("epochs-zero", "--epochs", "0")
ft("epochs-float", "--epochs", "1e3")
ft("batch-size-zero", "--batch-size", "0")
ft("minibatch-above-batch", "--batch-size", "8", "--minibatch", "64")
ft("minibatch-tokens-zero", "--minibatch-tokens", "0")
ft("length-groups-zero", "--length-groups", "0")
ft("eval-every-zero", "--eval-every", "0")
ft("patience-zero", "--patience", "0")
ft("max-length-zero", "--max-length", "0")
ft("max-length-above-model", "--max-length", "100000")
ft("loss-empty-entry", "--loss", "xent,,logconf")
ft("loss-unknown", "--loss", "hinge")
ft("loss-window-radius-two", "--loss", "window:2")
ft("loss-window-radius-text", "--loss", "window:abc")
ft("loss-logconf-mean", "--loss", "logconf:mean")
ft("loss-empty", "--loss", "")
ft("weak-loss-unknown", "--weak-loss", "mse")
ft("s2s-negative", "--s2s", "-1")
ft("logconf-warmup-negative", "--logconf-warmup", "-5")
ft("logconf-warmup-without-logconf", "--loss", "xent", "--logconf-warmup", "50")
ft("auc-unknown", "--auc", "probability")
ft("head-init-unknown", "--head-init", "random")
ft("mixing-q-above-one", "--mixing", "--mixing-qs", "0.5,1.5")
ft("mixing-q-repeated", "--mixing", "--mixing-qs", "0.5,0.5")
ft("mixing-qs-empty", "--mixing", "--mixing-qs", "")
ft("intervention-unknown-probe", "--intervention", "filter:svm")
ft("intervention-repeated", "--intervention", "probe:knn,probe:knn")
ft("intervention-val-alone", "--intervention-val", "probe")
ft("k-zero", "--intervention", "probe:knn", "--k", "0")
ft("k-without-intervention", "--k", "25")
ft("contamination-one", "--intervention", "filter:knn", "--contamination", "1.0")
ft("contamination-negative", "--intervention", "filter:knn", "--contamination", "-0.1")
ft("confident-fraction-zero", "--intervention", "confident", "--confident-fraction", "0")
ft("metric-unknown", "--metric", "manhattan")
ft("probe-l2-nan", "--intervention", "probe:logistic", "--probe-l2", "nan")
ft("similarity-unknown", "--similarity", "cosine")
ft("detector-knn-zero", "--detector", "knn:0")
ft("detector-knn-text", "--detector", "knn:abc")
ft("device-cuda-zero", "--device", "cuda:0")
ft("device-tpu", "--device", "tpu")
ft("device-cuda-negative", "--device", "cuda:-1")
ft("weak-tfidf", "--weak", "tfidf")
ft("weak-layer-99", "--weak", "minilm-l6:layer99")
ft("weak-layer-x", "--weak", "minilm-l6:layerx")
ft("strong-layer-negative", "--strong", "mpnet-base:layer-1")
ft("weak-two-models", "--weak", "minilm-l6,mpnet-base")
ft("weak-labelmodel", "--weak", "labelmodel")
ft("preset-typo", "--preset", "openia")
ft("preset-two", "--preset", "eleuther,openai")
ft("preset-empty", "--preset", "")
ft("preset-of-run", "--preset", "wrench")
ft("seeds-repeated", "--seeds", "1,1")
ft("seeds-negative", "--seeds", "-1")
ft("seeds-text", "--seeds", "0,abc")
ft("seeds-empty", "--seeds", "")
ft("weak-train-zero", "--weak-train", "0")
ft("test-negative", "--test", "-5")
ft("pgr-margin-nan", "--pgr-margin", "nan")
ft("pgr-margin-negative", "--pgr-margin", "-0.01")
ft("label-map-both-one", "--label-map", "pos=1,neg=1")
ft("label-map-two", "--label-map", "pos=2")
ft("label-column-missing", "--label-column", "stars")
cli_args("finetune/dataset-unknown", "finetune", "--dataset", "no_such_set", "--out", "{tmp}/o")
cli_args(
    "finetune/text-column-on-named", "finetune", "--dataset", "rotten_tomatoes", "--text-column",
    "body", "--out", "{tmp}/o",
)  # fmt: skip


@cli("finetune/out-is-a-file")
def _(tmp: Path) -> list[str]:
    _write(tmp / "file", "x")
    return [*_ft(tmp)[:-2], "--out", str(tmp / "file")]


# --------------------------------------------------------------------------- sweep files

STUDY_PARAMS = {"weak_train": 20, "strong_train": 20, "test": 20, "selection": False}


def _sweep_base(tmp: Path) -> dict:
    return {
        "name": "t",
        "seeds": [0],
        "pairs": [["minilm-l6", "mpnet-base"]],
        "methods": {"study": {"kind": "study", "params": dict(STUDY_PARAMS)}},
        "datasets": [str(_csv(tmp))],
    }


def _sweep_file(tmp: Path, content: Any) -> Path:
    if isinstance(content, str | bytes):
        return _write(tmp / "sweep.yaml", content)
    return _write(tmp / "sweep.yaml", yaml.safe_dump(content))


def sweep_case(case_id: str, change: Callable[[dict, Path], Any], *options: str) -> None:
    """A sweep file: the base grid as `change(base, tmp)` leaves it (or what it returns)."""

    def build(tmp: Path) -> list[str]:
        base = _sweep_base(tmp)
        made = change(base, tmp)
        path = _sweep_file(tmp, base if made is None else made)
        return ["sweep", str(path), "--out", str(tmp / "sw"), *options]

    CASES.append(Case(f"sweep/{case_id}", "cli", build))


def put(key: str, value: Any) -> Callable[[dict, Path], None]:
    return lambda base, tmp: base.__setitem__(key, value)


def method(body: dict) -> Callable[[dict, Path], None]:
    return lambda base, tmp: base.__setitem__("methods", {"m": body})


def study(**params: Any) -> Callable[[dict, Path], None]:
    return method({"kind": "study", "params": {**STUDY_PARAMS, **params}})


def finetune(**params: Any) -> Callable[[dict, Path], None]:
    sizes = {"weak_train": 40, "strong_train": 40, "val": 10, "test": 20}
    return method({"kind": "finetune", "params": {**sizes, **params}})


def dataset(**entry: Any) -> Callable[[dict, Path], None]:
    def change(base: dict, tmp: Path) -> None:
        base["datasets"] = [{"name": str(_csv(tmp)), **entry}]

    return change


sweep_case("seed-as-text", put("seeds", ["0"]))
sweep_case("seed-fraction", put("seeds", [0.5]))
sweep_case("seeds-not-a-list", put("seeds", 3))
sweep_case("seeds-empty", put("seeds", []))
sweep_case("seed-true", put("seeds", [True]))
sweep_case("seeds-repeated", put("seeds", [1, 2, 1]))
sweep_case("seed-negative", put("seeds", [-2]))
sweep_case("guard-margin-text", put("guard_margin", "0.01"))
sweep_case("guard-margin-negative", put("guard_margin", -0.1))
sweep_case("guard-margin-inf", put("guard_margin", math.inf))
sweep_case("guard-margin-above-one", put("guard_margin", 1.5))
sweep_case("bootstrap-negative", put("bootstrap", -5))
sweep_case("bootstrap-fraction", put("bootstrap", 1.5))
sweep_case("bootstrap-true", put("bootstrap", True))
sweep_case("workers-zero", put("workers", 0))
sweep_case("workers-text", put("workers", "2"))
sweep_case("metric-unknown", put("metric", "f1"))
sweep_case("metric-list", put("metric", ["accuracy"]))
sweep_case("name-empty", put("name", ""))
sweep_case("name-null", put("name", None))
sweep_case("name-mapping", put("name", {"a": 1}))
sweep_case("key-typo", put("seed", [0]))
sweep_case("baseline-unknown", put("baseline", "nope"))
sweep_case("baseline-list", put("baseline", ["study"]))
sweep_case("key-twice", lambda b, t: yaml.safe_dump(b) + "seeds: [1]\n")
sweep_case("cut-short", lambda b, t: yaml.safe_dump(b) + "extra: [0, 1\n")
sweep_case("a-list", lambda b, t: "- name: t\n- seeds: [0]\n")
sweep_case("empty-file", lambda b, t: "")
sweep_case("utf16", lambda b, t: yaml.safe_dump(b).encode("utf-16"))
sweep_case("tab-indent", lambda b, t: "name: t\nmethods:\n\tstudy: {}\n")
sweep_case("pair-one-model", put("pairs", [["minilm-l6"]]))
sweep_case("pair-three-models", put("pairs", [["minilm-l6", "mpnet-base", "minilm-l6"]]))
sweep_case("pairs-flat", put("pairs", ["minilm-l6", "mpnet-base"]))
sweep_case("pairs-repeated", put("pairs", [["minilm-l6", "mpnet-base"]] * 2))
sweep_case("pair-without-strong", put("pairs", [{"weak": "minilm-l6"}]))
sweep_case("pair-number", put("pairs", [["minilm-l6", 5]]))
sweep_case("pair-unknown-model", put("pairs", [["no-such-model-xyz", "mpnet-base"]]))
sweep_case("pair-cut-99", put("pairs", [["minilm-l6:layer99", "mpnet-base"]]))
sweep_case("pair-cut-x", put("pairs", [["minilm-l6:layerx", "mpnet-base"]]))
sweep_case("pairs-mapping", put("pairs", {"weak": "minilm-l6", "strong": "mpnet-base"}))
sweep_case(
    "unknown-model-dry-run", put("pairs", [["no-such-model-xyz", "mpnet-base"]]), "--dry-run"
)
sweep_case(
    "tfidf-in-finetune", lambda b, t: finetune()(b, t) or b.update(pairs=[["tfidf", "mpnet-base"]])
)
sweep_case("strong-tfidf", put("pairs", [["minilm-l6", "tfidf"]]))
sweep_case("datasets-text", put("datasets", "rotten_tomatoes"))
sweep_case("dataset-unknown", put("datasets", ["no_such_dataset_xyz"]))
sweep_case("dataset-repeated", lambda b, t: b.update(datasets=[str(_csv(t))] * 2))
sweep_case("dataset-key-typo", dataset(parms={}))
sweep_case("dataset-without-name", put("datasets", [{"label": "x"}]))
sweep_case("dataset-size-text", dataset(params={"weak_train": "20"}))
sweep_case("dataset-size-negative", dataset(params={"weak_train": -1}))
sweep_case("dataset-param-unknown", dataset(params={"nonsense_param": 1}))
sweep_case("dataset-params-list", dataset(params=[1, 2]))
sweep_case("dataset-pairs-empty", dataset(pairs=[]))
sweep_case("dataset-pair-one-model", dataset(pairs=[["minilm-l6"]]))
sweep_case("dataset-option-unknown", dataset(options={"bogus": 1}))
sweep_case("dataset-label-empty", dataset(label=""))
sweep_case("dataset-param-of-finetune", dataset(params={"lora_rank": 4}))
sweep_case("dataset-param-seeds", dataset(params={"seeds": [0, 1]}))
sweep_case(
    "dataset-labels-repeated",
    lambda b, t: b.update(
        datasets=[{"name": str(_csv(t)), "label": "x"}, {"name": "rotten_tomatoes", "label": "x"}]
    ),
)
sweep_case("methods-empty", put("methods", {}))
sweep_case("method-unknown", put("methods", ["nope"]))
sweep_case("method-l2-nan", study(l2=math.nan))
sweep_case("method-l2-negative", study(l2=-1))
sweep_case("method-mixing-qs-repeated", study(mixing_qs=[0.1, 0.1]))
sweep_case("method-seeds", study(seeds=[0]))
sweep_case("method-dataset", study(dataset="rotten_tomatoes"))
sweep_case("method-weak-model", study(weak_model="minilm-l6"))
sweep_case("method-combiner-one-weak", study(weak_combiner="stacking"))
sweep_case("method-labelmodel-no-functions", study(weak_supervisor="labelmodel"))
sweep_case("finetune-epochs-nan", finetune(epochs=math.nan))
sweep_case("finetune-lora-rank-zero", finetune(lora_rank=0))
sweep_case("finetune-losses-text", finetune(losses="xent"))
sweep_case("finetune-losses-repeated", finetune(losses=["xent", "xent"]))
sweep_case("finetune-device-cuda", finetune(device="cuda:3"))
sweep_case("finetune-lr-text", finetune(strong_lr="fast"))
sweep_case("method-datasets-unknown", method({"kind": "study", "datasets": ["nope"]}))
sweep_case("method-datasets-text", method({"kind": "study", "datasets": "reviews"}))
sweep_case("method-datasets-empty", method({"kind": "study", "datasets": []}))
sweep_case(
    "method-pairs-repeated",
    method({"kind": "study", "pairs": [["minilm-l6", "mpnet-base"]] * 2}),
)
sweep_case("method-key-typo", method({"kind": "study", "extra": 1}))
sweep_case("method-kind-number", method({"kind": 5}))
sweep_case(
    "method-labels-same-slug",
    put("methods", {"a b": {"kind": "study"}, "a_b": {"kind": "study"}}),
)
sweep_case(
    "interventions-repeated",
    method({"kind": "interventions", "params": {"interventions": ["none", "none"]}}),
)
sweep_case("workers-zero-option", lambda b, t: None, "--workers", "0")
sweep_case("workers-and-ray", lambda b, t: None, "--workers", "2", "--ray", "auto")
sweep_case("ray-cpus-without-ray", lambda b, t: None, "--ray-cpus", "2")
sweep_case("ray-timeout-without-ray", lambda b, t: None, "--ray-timeout", "5")
sweep_case("ray-url", lambda b, t: None, "--ray", "http://head:6379")
sweep_case("ray-no-port", lambda b, t: None, "--ray", "head")
sweep_case("ray-no-host", lambda b, t: None, "--ray", ":6379")
sweep_case("ray-port-zero", lambda b, t: None, "--ray", "head:0")
sweep_case("ray-port-too-big", lambda b, t: None, "--ray", "head:70000")
sweep_case("ray-space", lambda b, t: None, "--ray", "a b:1")
sweep_case("ray-timeout-zero", lambda b, t: None, "--ray", "auto", "--ray-timeout", "0")
sweep_case("ray-timeout-nan", lambda b, t: None, "--ray", "auto", "--ray-timeout", "nan")
sweep_case("ray-retries-negative", lambda b, t: None, "--ray", "auto", "--max-retries", "-1")
sweep_case("ray-cpus-zero", lambda b, t: None, "--ray", "auto", "--ray-cpus", "0")
sweep_case("ray-unreachable", lambda b, t: None, "--ray", "127.0.0.1:1", "--ray-timeout", "2")
cli_args("sweep/file-missing", "sweep", "{tmp}/nope.yaml")
cli_args("sweep/file-is-folder", "sweep", "{tmp}")


@cli("sweep/out-is-a-file")
def _(tmp: Path) -> list[str]:
    path = _sweep_file(tmp, _sweep_base(tmp))
    return ["sweep", str(path), "--out", str(_write(tmp / "file", "x"))]


# --------------------------------------------------------------------------- report, results

SWEEP_JSON = {"name": "t", "metric": "accuracy", "guard_margin": 0.01}


def report_case(case_id: str, files: dict[str, Any]) -> None:
    """`w2sg report DIR` on a folder holding `files` (name -> JSON value, text or bytes)."""

    def build(tmp: Path) -> list[str]:
        folder = tmp / "run"
        folder.mkdir()
        for name, content in files.items():
            if content is FOLDER:
                (folder / name).mkdir()
            else:
                _write(folder / name, content)
        return ["report", str(folder)]

    CASES.append(Case(f"report/{case_id}", "cli", build))


FOLDER = object()
MANIFEST_OK = {"cells": {}}
report_case("results-cut-short", {"results.json": '{"config": {"dataset": "x"'})
report_case("results-not-utf8", {"results.json": b'{"config": "\xff\xfe"}'})
report_case("results-a-list", {"results.json": [1, 2]})
report_case("results-empty-object", {"results.json": {}})
report_case("results-config-text", {"results.json": {"config": "x"}})
report_case("results-empty-file", {"results.json": ""})
report_case("results-nan-config", {"results.json": '{"config": NaN}'})
report_case("results-a-folder", {"results.json": FOLDER})
report_case("empty-folder", {})
report_case("sweep-without-manifest", {"sweep.json": SWEEP_JSON, "results.json": FOLDER})
report_case("sweep-json-cut-short", {"sweep.json": '{"name": "t"', "manifest.json": MANIFEST_OK})
report_case(
    "sweep-margin-text",
    {"sweep.json": {**SWEEP_JSON, "guard_margin": "0.01"}, "manifest.json": MANIFEST_OK},
)
report_case(
    "sweep-metric-number", {"sweep.json": {**SWEEP_JSON, "metric": 5}, "manifest.json": MANIFEST_OK}
)
report_case("manifest-cells-list", {"sweep.json": SWEEP_JSON, "manifest.json": {"cells": []}})
report_case(
    "manifest-cell-text", {"sweep.json": SWEEP_JSON, "manifest.json": {"cells": {"x": "done"}}}
)
report_case(
    "manifest-state-number",
    {"sweep.json": SWEEP_JSON, "manifest.json": {"cells": {"x": {"state": 1}}}},
)
report_case("manifest-not-utf8", {"sweep.json": SWEEP_JSON, "manifest.json": b'{"cells": \xe9}'})
report_case(
    "statistics-rows-object",
    {
        "sweep.json": SWEEP_JSON,
        "manifest.json": MANIFEST_OK,
        "statistics.json": {"per_dataset": {}},
    },
)
report_case(
    "statistics-rows-without-fields",
    {
        "sweep.json": SWEEP_JSON,
        "manifest.json": MANIFEST_OK,
        "statistics.json": {"per_dataset": [{"dataset": 1}], "across_datasets": [{}]},
    },
)
report_case(
    "statistics-cut-short",
    {"sweep.json": SWEEP_JSON, "manifest.json": MANIFEST_OK, "statistics.json": '{"per'},
)
report_case("report-html-is-folder", {"results.json": {"config": {}}, "report.html": FOLDER})
cli_args("report/missing-path", "report", "{tmp}/nope")


@cli("report/a-file")
def _(tmp: Path) -> list[str]:
    return ["report", str(_write(tmp / "results.json", {}))]


def _sweep_folder(tmp: Path, **files: Any) -> Path:
    folder = tmp / "bench"
    base = {"sweep.json": SWEEP_JSON, "manifest.json": {"cells": {}}}
    for name, content in {**base, **files}.items():
        _write(folder / name.replace("__", "/"), content)
    return folder


def results_case(case_id: str, *options: str, **files: Any) -> None:
    def build(tmp: Path) -> list[str]:
        folder = _sweep_folder(tmp, **files)
        out = ["--out", str(tmp / "r.md")]
        return ["results", "--sweeps", str(folder), *out, *[o.format(tmp=tmp) for o in options]]

    CASES.append(Case(f"results/{case_id}", "cli", build))


cli_args("results/sweeps-missing", "results", "--sweeps", "{tmp}/nope", "--out", "{tmp}/r.md")
cli_args("results/sweeps-empty", "results", "--sweeps", "", "--out", "{tmp}/r.md")
cli_args("results/sweeps-empty-folder", "results", "--sweeps", "{tmp}", "--out", "{tmp}/r.md")
results_case("sweeps-repeated", "--sweeps", "{tmp}/bench,{tmp}/bench")
results_case("no-cells")
results_case("alpha-zero", "--alpha", "0")
results_case("alpha-above-one", "--alpha", "1.5")
results_case("alpha-nan", "--alpha", "nan")
results_case("bootstrap-zero", "--bootstrap", "0")
results_case("min-seeds-zero", "--min-seeds", "0")
results_case("min-test-negative", "--min-test", "-1")
results_case("finetune-metric-unknown", "--finetune-metric", "f1")
results_case("margin-nan", "--margin", "nan")
results_case("margin-negative", "--margin", "-1")
results_case("out-is-folder", "--out", "{tmp}")
results_case("report-is-folder", "--report", "{tmp}")
results_case("finetune-missing", "--finetune", "{tmp}/nope")
results_case("sweep-json-list", **{"sweep.json": [1]})
results_case("manifest-cut-short", **{"manifest.json": '{"cells": {'})
results_case("manifest-not-utf8", **{"manifest.json": b"\xff"})
results_case(
    "cell-results-list",
    **{
        "manifest.json": {"cells": {"a/b/c/seed0": {"state": "done", "dir": "cells/a"}}},
        "cells__a__results.json": [1],
    },
)


# --------------------------------------------------------------------------- gap


def gap_case(case_id: str, change: Callable[[dict, Path], Any], *options: str) -> None:
    def build(tmp: Path) -> list[str]:
        base = _sweep_base(tmp)
        made = change(base, tmp)
        path = _sweep_file(tmp, base if made is None else made)
        return ["gap", str(path), "--out", str(tmp / "gap"), *options]

    CASES.append(Case(f"gap/{case_id}", "cli", build))


gap_case("min-gap-nan", lambda b, t: None, "--min-gap", "nan")
gap_case("min-gap-negative", lambda b, t: None, "--min-gap", "-0.1")
gap_case("min-gap-above-one", lambda b, t: None, "--min-gap", "2")
gap_case("min-weak-above-one", lambda b, t: None, "--min-weak", "1.5")
gap_case("min-weak-negative", lambda b, t: None, "--min-weak", "-1")
gap_case("bad-yaml", lambda b, t: "name: [t\n")
gap_case("finetune-only", finetune())
gap_case("unknown-dataset", put("datasets", ["no_such_dataset_xyz"]))
gap_case("unknown-model", put("pairs", [["no-such-model-xyz", "mpnet-base"]]))
gap_case("cut-99", put("pairs", [["minilm-l6:layer99", "mpnet-base"]]))
cli_args("gap/file-missing", "gap", "{tmp}/nope.yaml")


@cli("gap/out-is-a-file")
def _(tmp: Path) -> list[str]:
    path = _sweep_file(tmp, _sweep_base(tmp))
    return ["gap", str(path), "--out", str(_write(tmp / "file", "x"))]


# --------------------------------------------------------------------------- cache

cli_args("cache/prune-negative", "cache", "prune", "--max-size", "-5GB")
cli_args("cache/prune-petabytes", "cache", "prune", "--max-size", "5PB")
cli_args("cache/prune-nan", "cache", "prune", "--max-size", "nanMB")
cli_args("cache/prune-overflow", "cache", "prune", "--max-size", "1e400")
cli_args("cache/prune-empty", "cache", "prune", "--max-size", "")
cli_args("cache/prune-unit-only", "cache", "prune", "--max-size", "GB")
cli_args("cache/prune-unknown-unit", "cache", "prune", "--max-size", "10XB")
cli_args("cache/prune-beyond-disks", "cache", "prune", "--max-size", "1e30")
cli_args("cache/prune-hex", "cache", "prune", "--max-size", "0x10")
cli_args("cache/prune-two-units", "cache", "prune", "--max-size", "1GBMB")
cli_args("cache/rm-nothing", "cache", "rm")
cli_args("cache/rm-all-and-prefix", "cache", "rm", "--all", "foo")
cli_args("cache/rm-all-and-model", "cache", "rm", "--all", "--model", "minilm-l6")
cli_args("cache/rm-empty-prefix", "cache", "rm", "")
cli_args("cache/rm-empty-model", "cache", "rm", "--model", "")
cli_args("cache/rm-unknown-option", "cache", "rm", "--everything")


def _cache_is_a_file(tmp: Path) -> dict[str, str]:
    return {"W2SG_CACHE": str(_write(tmp / "cache-file", "not a folder"))}


CASES.append(Case("cache/ls-cache-is-a-file", "cli", lambda tmp: ["cache", "ls"], _cache_is_a_file))
CASES.append(
    Case(
        "cache/prune-cache-is-a-file",
        "cli",
        lambda tmp: ["cache", "prune", "--max-size", "1GB"],
        _cache_is_a_file,
    )
)


# --------------------------------------------------------------------------- label functions

GOOD_LFS = [
    {"name": "pos", "kind": "keywords", "keywords": ["good", "great"], "label": 1},
    {"name": "neg", "kind": "keywords", "keywords": ["bad", "awful"], "label": 0},
    {"name": "neg2", "kind": "keywords", "keywords": ["dull"], "label": 0},
]


def lf_case(case_id: str, content: Any, *options: str, module: str | None = None) -> None:
    """`w2sg run --weak-supervisor labelmodel --label-functions FILE` on the reviews; `content`
    is the file (a list: its functions); `module`: a Python module written beside it."""

    def build(tmp: Path) -> list[str]:
        if module is not None:
            _write(tmp / "lfmods" / f"{_module_name(case_id)}.py", module)
        body = {"name": "t", "functions": content} if isinstance(content, list) else content
        if isinstance(body, str):
            body = body.replace("MOD", _module_name(case_id))
        path = _write(tmp / "lfs.json", body)
        return _run(
            tmp, "--weak-supervisor", "labelmodel", "--label-functions", str(path), *options
        )

    CASES.append(Case(f"label-functions/{case_id}", "cli", build))


def _module_name(case_id: str) -> str:
    return "corpus_lf_" + case_id.replace("-", "_")


def with_lf(**fields: Any) -> list[dict]:
    return [*GOOD_LFS, {"name": "extra", **fields}]


def calling(case_id: str, source: str) -> None:
    """A callable label function from a module holding `source` (its function is `lf`)."""
    target = {"name": "py", "kind": "callable", "target": f"{_module_name(case_id)}:lf"}
    lf_case(case_id, json.dumps({"functions": [*GOOD_LFS, target]}), module=source)


lf_case("yaml-not-json", "functions:\n  - name: pos\n    kind: keywords\n")
lf_case("cut-short", '{"functions": [{"name": "pos", "kind": "keywords"')
lf_case("utf16", json.dumps({"functions": GOOD_LFS}).encode("utf-16"))
lf_case("top-level-list", json.dumps(GOOD_LFS))
lf_case("functions-object", {"functions": {"pos": GOOD_LFS[0]}})
lf_case("functions-empty", {"functions": []})
lf_case("no-kind", with_lf(keywords=["fine"], label=1))
lf_case("kind-unknown", with_lf(kind="lambda", label=1))
lf_case("keywords-empty", with_lf(kind="keywords", keywords=[], label=1))
lf_case("keywords-nested", with_lf(kind="keywords", keywords=[["good"]], label=1))
lf_case("label-two", with_lf(kind="keywords", keywords=["fine"], label=2))
lf_case("label-text", with_lf(kind="keywords", keywords=["fine"], label="1"))
lf_case("label-true", with_lf(kind="keywords", keywords=["fine"], label=True))
lf_case("label-missing", with_lf(kind="keywords", keywords=["fine"]))
lf_case("regex-broken", with_lf(kind="regex", patterns=["(good"], label=1))
lf_case("regex-bare-text", with_lf(kind="regex", patterns="good", label=1))
lf_case("vader-threshold-text", with_lf(kind="vader", positive_at="high"))
lf_case("vader-thresholds-crossed", with_lf(kind="vader", positive_at=-0.5, negative_at=0.5))
lf_case("vader-threshold-out-of-range", with_lf(kind="vader", positive_at=3.0))
lf_case("lexicon-bounds-crossed", with_lf(kind="lexicon", at_least=2.0, at_most=-2.0, label=1))
lf_case("callable-no-colon", with_lf(kind="callable", target="nomodule"))
lf_case("callable-not-callable", with_lf(kind="callable", target="os:sep"))
lf_case("callable-no-module", with_lf(kind="callable", target="no_such_module_xyz:f"))
lf_case("names-repeated", [*GOOD_LFS, GOOD_LFS[0]])
lf_case("name-empty", with_lf(kind="keywords", keywords=["fine"], label=1, name=""))
lf_case("key-unknown", with_lf(kind="keywords", keywords=["fine"], label=1, weight=2))
lf_case("one-function", {"functions": GOOD_LFS[:1]})
calling("function-raises", "def lf(text):\n    raise ValueError('no')\n")
calling("function-two-arguments", "def lf(text, other):\n    return 1\n")
calling("function-returns-text", "def lf(text):\n    return 'yes'\n")
calling("function-returns-half", "def lf(text):\n    return 0.5\n")
calling("function-returns-none", "def lf(text):\n    return None\n")
calling("function-returns-array", "import numpy\ndef lf(text):\n    return numpy.array([1, 0])\n")
calling("module-syntax-error", "def lf(text)\n    return 1\n")
calling("module-raises-on-import", "raise RuntimeError('broken at import')\n")
calling("function-missing", "def other(text):\n    return 1\n")
cli_args(
    "label-functions/with-probe-supervisor", *["run", "--label-functions", "sentiment"],
    *["--out", "{tmp}/o"],
)  # fmt: skip


@cli("label-functions/file-missing")
def _(tmp: Path) -> list[str]:
    return _run(tmp, "--weak-supervisor", "labelmodel", "--label-functions", str(tmp / "no.json"))


@cli("label-functions/a-folder")
def _(tmp: Path) -> list[str]:
    return _run(tmp, "--weak-supervisor", "labelmodel", "--label-functions", str(tmp))


@cli("label-functions/supervisor-unknown")
def _(tmp: Path) -> list[str]:
    return _run(tmp, "--weak-supervisor", "snorkel", "--label-functions", "sentiment")


@cli("label-functions/epochs-zero")
def _(tmp: Path) -> list[str]:
    opts = ("--weak-supervisor", "labelmodel", "--label-functions", "sentiment")
    return _run(tmp, *opts, "--label-model-epochs", "0")


@cli("label-functions/prior-unknown")
def _(tmp: Path) -> list[str]:
    opts = ("--weak-supervisor", "labelmodel", "--label-functions", "sentiment")
    return _run(tmp, *opts, "--label-model-prior", "empirical")


@cli("label-functions/epochs-with-probe")
def _(tmp: Path) -> list[str]:
    return _run(tmp, "--label-model-epochs", "10")


# --------------------------------------------------------------------------- WRENCH folders


def _row(i: int, m: int = 3) -> dict:
    y = i % 2
    return {"label": y, "weak_labels": [y, -1, 1 - y][:m], "data": {"text": f"text {i} {y}"}}


def _split(n: int = 30, m: int = 3) -> dict:
    return {str(i): _row(i, m) for i in range(n)}


def wrench_case(case_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    """`w2sg run --dataset wrench:DIR` with a label model, on a folder `change` spoilt."""

    def build(tmp: Path) -> list[str]:
        files: dict[str, Any] = {f"{s}.json": _split() for s in ("train", "valid", "test")}
        change(files)
        folder = tmp / "wrench"
        folder.mkdir()
        for name, content in files.items():
            if content is not None:
                _write(folder / name, content)
        sizes = ("--weak-train", "8", "--strong-train", "8", "--test", "8", "--no-selection")
        return ["run", "--dataset", f"wrench:{folder}", *sizes, "--weak-supervisor",
                "labelmodel", "--out", str(tmp / "o")]  # fmt: skip

    CASES.append(Case(f"wrench/{case_id}", "cli", build))


def row_change(split: str, i: int, **fields: Any) -> Callable[[dict[str, Any]], None]:
    return lambda files: files[f"{split}.json"][str(i)].update(fields)


wrench_case("valid-missing", lambda f: f.update({"valid.json": None}))
wrench_case("train-cut-short", lambda f: f.update({"train.json": '{"0": {"label": 1'}))
wrench_case("train-not-utf8", lambda f: f.update({"train.json": b'{"0": "\xe9"}'}))
wrench_case("train-a-list", lambda f: f.update({"train.json": [_row(0)]}))
wrench_case("train-empty", lambda f: f.update({"train.json": {}}))
wrench_case("label-text", row_change("train", 3, label="1"))
wrench_case("label-float", row_change("train", 3, label=1.0))
wrench_case("label-null", row_change("valid", 2, label=None))
wrench_case("weak-labels-ragged", row_change("train", 5, weak_labels=[1, 0]))
wrench_case("weak-label-null", row_change("train", 5, weak_labels=[1, None, 0]))
wrench_case("weak-label-three-classes", row_change("test", 1, weak_labels=[2, -1, 0]))
wrench_case("weak-label-minus-two", row_change("test", 1, weak_labels=[-2, -1, 0]))
wrench_case("text-number", row_change("train", 0, data={"text": 7}))
wrench_case("data-missing", lambda f: f["train.json"]["0"].pop("data"))
wrench_case("label-json-list", lambda f: f.update({"label.json": ["neg", "pos"]}))
wrench_case("label-json-null-name", lambda f: f.update({"label.json": {"0": "neg", "1": None}}))
wrench_case("label-json-number", lambda f: f.update({"label.json": 5}))
wrench_case("label-json-three", lambda f: f.update({"label.json": {"0": "a", "1": "b", "2": "c"}}))
wrench_case(
    "span-past-text",
    row_change("train", 4, data={"text": "ab cd", "span1": [0, 2], "span2": [3, 9]}),
)
wrench_case("function-counts-differ", lambda f: f.update({"valid.json": _split(m=2)}))


def _feature_nan(files: dict[str, Any]) -> None:
    for split in ("train.json", "valid.json", "test.json"):
        rows = {str(i): {"label": i % 2, "weak_labels": [i % 2], "data": {"feature": [1.0]}}
                for i in range(30)}  # fmt: skip
        files[split] = rows
    files["train.json"]["3"]["data"]["feature"] = [math.nan]


wrench_case("feature-nan", _feature_nan)
wrench_case(
    "row-id-twice",
    lambda f: f.update(
        {"train.json": json.dumps(_split())[:-1] + ', "0": ' + json.dumps(_row(1)) + "}"}
    ),
)


# --------------------------------------------------------- several weak, cut models, presets

run_case = lambda case_id, *opts: CASES.append(  # noqa: E731
    Case(f"run/{case_id}", "cli", lambda tmp: _run(tmp, *opts))
)
run_case("weak-repeated", "--weak", "minilm-l6,minilm-l6")
run_case("combiner-one-weak", "--weak-combiner", "stacking")
run_case("combiner-unknown", "--weak", "minilm-l6,minilm-l6:layer2", "--weak-combiner", "vote")
run_case("weak-trailing-comma", "--weak", "minilm-l6,")
run_case("tfidf-layer-two", "--weak", "tfidf", "--weak-layer", "2")
run_case("weak-cut-99", "--weak", "minilm-l6:layer99")
run_case("weak-cut-negative", "--weak", "minilm-l6:layer-1")
run_case("weak-cut-x", "--weak", "minilm-l6:layerx")
run_case("weak-layer-past-cut", "--weak", "minilm-l6:layer3", "--weak-layer", "5")
run_case("strong-cut-99", "--strong", "mpnet-base:layer99")
run_case("strong-tfidf", "--strong", "tfidf")
run_case("labelmodel-member-no-functions", "--weak", "labelmodel,minilm-l6")
run_case("preset-of-finetune", "--preset", "eleuther")
run_case("preset-twice", "--preset", "wrench,wrench")
run_case("preset-case", "--preset", "WRENCH")
run_case("weak-empty", "--weak", "")
run_case("weak-only-commas", "--weak", ",,")
run_case("strong-layer-past-end", "--strong-layer", "99")


# --------------------------------------------------------------------------- the Python API


def _acts(n: int = 40, d: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


def _probs(n: int = 40, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.05, 0.95, size=n)


def _labels(n: int = 40) -> np.ndarray:
    return np.arange(n) % 2


def _nan_at(values: np.ndarray, i: int = 3) -> np.ndarray:
    out = np.array(values, dtype=float)
    out.flat[i] = np.nan
    return out


def call(case_id: str, fn: Callable[[], Any]) -> None:
    api(f"api/{case_id}", lambda tmp: fn)


call("detect-overlap-text-probs", lambda: w2sg.detect_overlap(["a"] * 40, _acts()))
call("detect-overlap-lengths", lambda: w2sg.detect_overlap(_probs(40), _acts(39)))
call("detect-overlap-empty", lambda: w2sg.detect_overlap(np.array([]), np.empty((0, 8))))
call("detect-overlap-nan-prob", lambda: w2sg.detect_overlap(_nan_at(_probs()), _acts()))
call("detect-overlap-prob-above-one", lambda: w2sg.detect_overlap(_probs() + 1, _acts()))
call("detect-overlap-acts-1d", lambda: w2sg.detect_overlap(_probs(), _acts()[:, 0]))
call("detect-overlap-similarity", lambda: w2sg.detect_overlap(_probs(), _acts(), similarity="cos"))
call("detect-overlap-detector", lambda: w2sg.detect_overlap(_probs(), _acts(), detector="knn:0"))
call("detect-overlap-inf-acts", lambda: w2sg.detect_overlap(_probs(), _acts() * np.inf))
call("detect-overlap-strict-text", lambda: w2sg.detect_overlap(_probs(), _acts(), strict_hard="y"))
call(
    "detect-overlap-history-width",
    lambda: w2sg.detect_overlap(_probs(), _acts(), history_hard_acts=_acts(5, 3)),
)
call("split-strength-text", lambda: w2sg.split_strength("abc"))
call("split-strength-nan", lambda: w2sg.split_strength(_nan_at(_probs())))
call("split-strength-draws-zero", lambda: w2sg.split_strength(_probs(), draws=0))
call("split-strength-alpha", lambda: w2sg.split_strength(_probs(), alpha=1.5))
call("split-strength-min-effect", lambda: w2sg.split_strength(_probs(), min_effect=-1))
call("split-strength-seed", lambda: w2sg.split_strength(_probs(), seed=-1))
call("split-strength-2d", lambda: w2sg.split_strength(_acts()))
call(
    "similarity-three-classes", lambda: w2sg.similarity(np.arange(40) % 3, _probs(), _probs(seed=2))
)
call("similarity-lengths", lambda: w2sg.similarity(_labels(), _probs(39), _probs()))
call("similarity-nan", lambda: w2sg.similarity(_labels(), _nan_at(_probs()), _probs()))
call("similarity-text-labels", lambda: w2sg.similarity(["pos", "neg"] * 20, _probs(), _probs()))
call("similarity-empty", lambda: w2sg.similarity([], [], []))
call("pgr-margin-nan", lambda: w2sg.pgr(0.6, 0.7, 0.8, margin=math.nan))
call("pgr-text", lambda: w2sg.pgr("0.6", 0.7, 0.8))
call("pgr-above-one", lambda: w2sg.pgr(0.6, 0.7, 1.5))
call("pgr-margin-negative", lambda: w2sg.pgr(0.6, 0.7, 0.8, margin=-1))


def _mixing(**changes: Any) -> Any:
    args = {
        "pool_acts": _acts(40),
        "pool_weak_probs": _probs(40),
        "overlap_idx": np.arange(0, 20),
        "non_overlap_idx": np.arange(20, 40),
        "test_acts": _acts(20, seed=5),
        "test_labels": _labels(20),
    }
    kw = {k: changes.pop(k) for k in list(changes) if k not in args}
    args.update(changes)
    return w2sg.mixing_experiment(*args.values(), **kw)


call("mixing-pool-lengths", lambda: _mixing(pool_weak_probs=_probs(30)))
call("mixing-q-above-one", lambda: _mixing(qs=[1.5]))
call("mixing-q-repeated", lambda: _mixing(qs=[0.5, 0.5]))
call("mixing-index-out-of-range", lambda: _mixing(overlap_idx=np.arange(30, 50)))
call("mixing-index-shared", lambda: _mixing(overlap_idx=np.arange(0, 25)))
call("mixing-label-two", lambda: _mixing(test_labels=np.arange(20) % 3))
call("mixing-seed-negative", lambda: _mixing(seeds=[-1]))
call("mixing-l2-nan", lambda: _mixing(l2=math.nan))
call("mixing-index-float", lambda: _mixing(overlap_idx=np.arange(0, 20) + 0.5))


def _w2s(**changes: Any) -> Any:
    args = {
        "weak_train_x": _acts(30, seed=2),
        "weak_train_y": _labels(30),
        "pool_weak_x": _acts(40, seed=3),
        "pool_strong_x": _acts(40, 12, seed=4),
        "pool_y": _labels(40),
        "test_weak_x": _acts(20, seed=5),
        "test_strong_x": _acts(20, 12, seed=6),
        "test_y": _labels(20),
    }
    kw = {k: changes.pop(k) for k in list(changes) if k not in args}
    args.update(changes)
    return w2sg.weak_to_strong(*args.values(), **kw)


call("w2s-pool-lengths", lambda: _w2s(pool_y=_labels(39)))
call("w2s-l2-negative", lambda: _w2s(l2=-1.0))
call("w2s-test-nan", lambda: _w2s(test_y=_nan_at(_labels(20))))
call("w2s-widths", lambda: _w2s(test_strong_x=_acts(20, 11)))
call("w2s-margin-nan", lambda: _w2s(margin=math.nan))
call("probe-l2-nan", lambda: w2sg.LogisticProbe(l2=math.nan))
call("probe-max-iter-zero", lambda: w2sg.LogisticProbe(max_iter=0))
call("probe-fit-three-classes", lambda: w2sg.LogisticProbe().fit(_acts(), np.arange(40) % 3))
call("probe-fit-1d", lambda: w2sg.LogisticProbe().fit(_acts()[:, 0], _labels()))
call("probe-fit-lengths", lambda: w2sg.LogisticProbe().fit(_acts(), _labels(39)))
call("probe-predict-unfitted", lambda: w2sg.LogisticProbe().predict(_acts()))
call("probe-fit-nan", lambda: w2sg.LogisticProbe().fit(_nan_at(_acts()), _labels()))
call("combiner-unknown", lambda: w2sg.WeakCombiner("vote"))
call(
    "combiner-lengths",
    lambda: w2sg.WeakCombiner("stacking").fit([_probs(40), _probs(39)], _labels()),
)
call("combiner-no-members", lambda: w2sg.WeakCombiner("mean").fit([], _labels()))
call(
    "combiner-predict-members",
    lambda: (
        w2sg.WeakCombiner("mean").fit([_probs(), _probs(seed=3)], _labels()).predict([_probs()])
    ),
)
call(
    "combiner-nan",
    lambda: w2sg.WeakCombiner("stacking").fit([_nan_at(_probs()), _probs(seed=3)], _labels()),
)
call("combiner-bare-array", lambda: w2sg.WeakCombiner("mean").fit(_probs(), _labels()))
call("training-set-unknown", lambda: w2sg.training_set("filter:svm", _acts(), _probs()))
call("training-set-lengths", lambda: w2sg.training_set("none", _acts(), _probs(39)))
call("training-set-none", lambda: w2sg.training_set(None, _acts(), _probs()))
call(
    "training-set-options-dict",
    lambda: w2sg.training_set("filter:knn", _acts(), _probs(), {"kk": 5}),
)


def _selection(**kw: Any) -> Any:
    return w2sg.run_selection_stage(
        _probs(), _acts(), None, ["a", "b"] * 20, _acts(20, seed=7), _labels(20), **kw
    )


call("selection-rounds-zero", lambda: _selection(rounds=0))
call("selection-strategy-unknown", lambda: _selection(strategies=["nope"]))
call("selection-seeds-repeated", lambda: _selection(seeds=[1, 1]))
call("selection-sources-lengths", lambda: w2sg.run_selection_stage(
    _probs(), _acts(), None, ["a", "b"] * 10, _acts(20, seed=7), _labels(20)))  # fmt: skip


def _dataset(n: int = 40) -> Any:
    return w2sg.TextDataset(
        "d", np.array([f"id{i}" for i in range(n)], dtype=object),
        np.array([f"text {i}" for i in range(n)], dtype=object), _labels(n),
    )  # fmt: skip


call("split-sizes-negative", lambda: w2sg.SplitSizes(-1, 10, 0, 10))
call("split-sizes-fraction", lambda: w2sg.SplitSizes(weak_train=1.5))
call("make-splits-too-big", lambda: w2sg.make_splits(_dataset(), w2sg.SplitSizes(30, 30, 0, 30)))
call("make-splits-not-a-dataset", lambda: w2sg.make_splits("rotten_tomatoes"))
call(
    "make-splits-seed-negative",
    lambda: w2sg.make_splits(_dataset(), w2sg.SplitSizes(4, 4, 0, 4), seed=-3),
)
call(
    "text-dataset-lengths",
    lambda: w2sg.TextDataset("d", np.array(["a", "b"]), np.array(["x"]), np.array([0, 1])),
)
call(
    "text-dataset-label-two",
    lambda: w2sg.TextDataset("d", np.array(["a", "b"]), np.array(["x", "y"]), np.array([0, 2])),
)
call("make-synthetic-unknown", lambda: w2sg.make_synthetic(bogus=1))
call("make-synthetic-negative", lambda: w2sg.make_synthetic(n_overlap=-5))
call("load-dataset-number", lambda: w2sg.load_dataset(123))
call("load-dataset-unknown", lambda: w2sg.load_dataset("no_such_dataset_xyz"))
api("api/load-dataset-label-map", lambda tmp: lambda: w2sg.load_dataset(_csv(tmp), label_map="x"))
call("parse-sweep-seed-text", lambda: w2sg.parse_sweep(
    {"datasets": ["rotten_tomatoes"], "pairs": [["minilm-l6", "mpnet-base"]],
     "methods": ["study"], "seeds": ["0"]}))  # fmt: skip
call("parse-sweep-list", lambda: w2sg.parse_sweep([]))
call("load-sweep-none", lambda: w2sg.load_sweep(None))
api("api/load-sweep-folder", lambda tmp: lambda: w2sg.load_sweep(tmp))
call("study-config-size-text", lambda: w2sg.StudyConfig(weak_train="100"))
call("study-config-l2-nan", lambda: w2sg.StudyConfig(l2=math.nan))
call("study-config-qs-repeated", lambda: w2sg.StudyConfig(mixing_qs=(0.1, 0.1)))
call("study-config-seeds-repeated", lambda: w2sg.StudyConfig(seeds=[0, 0]))
call("study-config-combiner-one-weak", lambda: w2sg.StudyConfig(weak_combiner="agreement"))
call("finetune-config-rank-true", lambda: w2sg.FinetuneConfig(lora_rank=True))
call("finetune-config-lr-inf", lambda: w2sg.FinetuneConfig(strong_lr=math.inf))
call("finetune-config-losses-text", lambda: w2sg.FinetuneConfig(losses="xent"))
api(
    "api/run-finetune-device",
    lambda tmp: lambda: w2sg.run_finetune(w2sg.FinetuneConfig(device="cuda:9"), tmp / "o"),
)
call("finetune-config-weak-tfidf", lambda: w2sg.FinetuneConfig(weak_model="tfidf"))
call("interventions-config-empty", lambda: w2sg.InterventionsConfig(interventions=()))
call(
    "interventions-config-repeated",
    lambda: w2sg.InterventionsConfig(interventions=("none", "none")),
)
call("results-config-alpha-zero", lambda: w2sg.ResultsConfig(alpha=0))
call("results-config-sweeps-text", lambda: w2sg.ResultsConfig(sweeps="runs/x"))
call(
    "sweep-config-empty",
    lambda: w2sg.SweepConfig(name="x", datasets=(), pairs=(), methods=(), seeds=()),
)
api("api/run-study-not-config", lambda tmp: lambda: w2sg.run_study("cfg", tmp / "o"))
api(
    "api/run-finetune-study-config",
    lambda tmp: lambda: w2sg.run_finetune(w2sg.StudyConfig(), tmp / "o"),
)
api("api/run-sweep-dict", lambda tmp: lambda: w2sg.run_sweep({"name": "x"}, tmp / "o"))
api("api/run-interventions-none", lambda tmp: lambda: w2sg.run_interventions(None, tmp / "o"))
call("write-report-none", lambda: w2sg.write_report(None))
call("write-report-number", lambda: w2sg.write_report(123))
call("write-results-text", lambda: w2sg.write_results("x"))
call("val-gaps-not-setups", lambda: w2sg.val_gaps([("a", "notsetup")]))
call("get-activations-not-dataset", lambda: w2sg.get_activations("minilm-l6", "texts"))
call("get-activations-layer-99", lambda: w2sg.get_activations("minilm-l6", _dataset(), layers=[99]))
call(
    "get-activations-pooling", lambda: w2sg.get_activations("minilm-l6", _dataset(), pooling="max")
)
call("get-activations-dtype", lambda: w2sg.get_activations("minilm-l6", _dataset(), dtype="int8"))
call(
    "get-activations-batch-zero",
    lambda: w2sg.get_activations("minilm-l6", _dataset(), batch_size=0),
)
call(
    "get-activations-device", lambda: w2sg.get_activations("minilm-l6", _dataset(), device="cuda:5")
)
call("resolve-model-empty", lambda: w2sg.resolve_model(""))
call("resolve-model-none", lambda: w2sg.resolve_model(None))
call("resolve-model-cut-99", lambda: w2sg.resolve_model("minilm-l6:layer99"))
call("fit-tfidf-empty", lambda: w2sg.fit_tfidf([]))
call("fit-tfidf-text", lambda: w2sg.fit_tfidf("just one text"))
call("fit-tfidf-numbers", lambda: w2sg.fit_tfidf([1, 2, 3]))


# --------------------------------------------------------------------------- the runner


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Stop a case where real work would begin: a transformer's weights load, or a sweep's
    workers start on its cells."""
    import transformers

    import w2sg.sweep.run as sweep_run

    def stop(*args: object, **kwargs: object) -> None:
        raise Accepted("real work began")

    monkeypatch.setattr(transformers.AutoModel, "from_pretrained", stop)
    monkeypatch.setattr(sweep_run, "_held", stop)
    monkeypatch.syspath_prepend(str(tmp_path / "lfmods"))


def _alarm(signum: int, frame: object) -> None:
    raise Hang(f"still running after {HANG_S} s")


def outcome(case: Case, tmp: Path, capsys: pytest.CaptureFixture) -> tuple[str, str]:
    """('clear' | 'uncaught' | 'accepted' | 'hang' | 'unclear', what was seen)."""
    made = case.build(tmp)
    env = case.env(tmp) if case.env else {}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_S)
    try:
        if case.kind == "api":
            made()
            return "accepted", "the call returned"
        status = run_cli(made)
    except Accepted as err:
        return "accepted", str(err)
    except Hang as err:
        return "hang", str(err)
    except w2sg.W2SGError as err:
        return ("clear" if case.kind == "api" else "uncaught"), str(err)
    except Exception as err:  # noqa: BLE001 - classified: what the corpus counts
        return "uncaught", f"{type(err).__name__}: {err}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        for k, old in saved.items():
            if old is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = old
    err = capsys.readouterr().err
    if status == 0:
        return "accepted", "exit status 0"
    if "internal error" in err:
        return "uncaught", err.strip()
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    if status in (1, 2) and len(errors) == 1:
        return "clear", errors[0]
    return "unclear", f"exit status {status}: {err.strip()[-300:]}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_one_clear_line(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture, guard: None
) -> None:
    kind, seen = outcome(case, tmp_path, capsys)
    assert kind == "clear", f"{kind}: {seen}"


def test_unreachable_ray_ends_within_its_timeout(
    tmp_path: Path, capsys: pytest.CaptureFixture, guard: None
) -> None:
    """Nothing listens at 127.0.0.1:1: one line naming the address after about --ray-timeout
    seconds, not Ray's minutes of retries."""
    path = _sweep_file(tmp_path, _sweep_base(tmp_path))
    t0 = time.monotonic()
    status = run_cli(["sweep", str(path), "--out", str(tmp_path / "sw"), "--ray", "127.0.0.1:1",
                      "--ray-timeout", "2"])  # fmt: skip
    took = time.monotonic() - t0
    err = capsys.readouterr().err
    assert status == 2
    assert "127.0.0.1:1" in err and "within 2 s" in err
    assert took < 2 + 10, f"took {took:.1f} s"
