"""A corpus of bad inputs: each gives one clear `error:` line (exit 2), never a traceback.

The command cases run the real entry point's `run_cli` in-process (what `w2sg` runs), on
options that must be rejected before any model or dataset loads, so each takes milliseconds.
`{name}` in a case is a file or folder from the `files` fixture. The API cases call the
library and expect W2SGError / ValueError / TypeError whose message names the argument.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from w2sg.cli import run_cli
from w2sg.errors import W2SGError


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Good and bad inputs on disk: a plain file, weak probs, activations, damaged files."""
    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(0)
    n, d = 40, 6
    paths: dict[str, Path] = {"dir": root / "out"}
    (root / "plain.txt").write_text("not a folder\n")
    paths["file"] = root / "plain.txt"
    np.save(root / "probs.npy", rng.uniform(size=n))
    paths["probs"] = root / "probs.npy"
    np.save(root / "acts.npy", rng.normal(size=(n, d)).astype(np.float32))
    paths["acts"] = root / "acts.npy"
    np.save(root / "acts_short.npy", rng.normal(size=(n - 5, d)))
    paths["acts_short"] = root / "acts_short.npy"
    np.save(root / "acts_zero_cols.npy", np.zeros((n, 0)))
    paths["acts_zero_cols"] = root / "acts_zero_cols.npy"
    np.save(root / "acts_zeros.npy", np.zeros((n, d)))
    paths["acts_zeros"] = root / "acts_zeros.npy"
    np.save(root / "probs_logits.npy", rng.normal(size=n) * 4)
    paths["probs_logits"] = root / "probs_logits.npy"
    (root / "text.npy").write_text("these are not numpy bytes\n")
    paths["text_npy"] = root / "text.npy"
    (root / "garbage.safetensors").write_bytes(b"\x00\x01garbage" * 10)
    paths["garbage_st"] = root / "garbage.safetensors"
    (root / "dict.json").write_text(json.dumps({"a": 1}))
    paths["dict_json"] = root / "dict.json"
    (root / "list.json").write_text(json.dumps([1, 2, 3]))
    paths["list_json"] = root / "list.json"
    (root / "broken.json").write_text("{not json")
    paths["broken_json"] = root / "broken.json"
    (root / "words.csv").write_text("p\nhigh\nlow\n")
    paths["words_csv"] = root / "words.csv"
    (root / "acts.txt").write_text("1 2 3\n")
    paths["acts_txt"] = root / "acts.txt"
    (root / "tiny.csv").write_text(
        "text,label\n" + "".join(f"text number {i},{i % 2}\n" for i in range(20))
    )
    paths["tiny"] = root / "tiny.csv"
    for name, content in (("model_bad_json", "{oops"), ("model_list_json", "[1, 2]")):
        (root / name).mkdir()
        (root / name / "config.json").write_text(content)
        paths[name] = root / name
    (root / "model_no_config").mkdir()
    paths["model_no_config"] = root / "model_no_config"
    (root / "a_dir.npy").mkdir()
    paths["dir_npy"] = root / "a_dir.npy"
    return {k: str(v) for k, v in paths.items()}


DETECT = ["detect", "--weak-probs", "{probs}", "--strong-acts", "{acts}", "--out", "{dir}"]
EXTRACT = ["extract", "--dataset", "{tiny}", "-m", "minilm-l6"]

# (id, argv, text the error line must contain)
COMMAND_CASES: list[tuple[str, list[str], str]] = [
    # usage errors (typer's own click copy or the click package, whichever is installed)
    ("unknown-command", ["bogus"], "No such command"),
    ("unknown-subcommand", ["synth", "bogus"], "No such command"),
    ("unknown-option", ["run", "--bogus"], "No such option"),
    ("unknown-option-cache", ["cache", "rm", "--bogus"], "No such option"),
    ("option-needs-value", ["run", "--seeds"], "requires an argument"),
    ("missing-option", ["detect"], "Missing option"),
    ("missing-argument", ["data", "show"], "Missing argument"),
    ("missing-argument-models", ["models", "get"], "Missing argument"),
    ("seed-not-int", ["extract", "--dataset", "x", "-m", "y", "--seeds", "abc"], "--seeds"),
    ("l2-not-number", ["run", "--l2", "abc"], "--l2"),
    ("rounds-not-int", ["run", "--selection-rounds", "1.5"], "--selection-rounds"),
    ("extra-argument", ["run", "surplus"], "unexpected extra argument"),
    ("runs-not-int", ["synth", "mechanism", "--runs", "many"], "--runs"),
    # seeds
    ("run-negative-seed", ["run", "--seeds=-1"], "--seeds"),
    ("run-float-seed", ["run", "--seeds", "1.5"], "--seeds"),
    ("run-no-seed", ["run", "--seeds", ""], "at least one seed"),
    ("run-repeated-seed", ["run", "--seeds", "0,0"], "repeats"),
    ("run-huge-seed", ["run", "--seeds", str(2**32)], "--seeds"),
    ("run-negative-mixing-seed", ["run", "--mixing-seeds=-2"], "--mixing-seeds"),
    ("run-word-selection-seed", ["run", "--selection-seeds", "a"], "--selection-seeds"),
    ("select-negative-seed", ["select", "--seeds=-1"], "--seeds"),
    ("select-negative-bandit-seed", ["select", "--bandit-seeds=-1"], "--bandit-seeds"),
    ("extract-negative-seed", [*EXTRACT, "--seed", "-1"], "--seed"),
    ("extract-seed-without-split", [*EXTRACT, "--seeds", "3"], "without --split"),
    ("mechanism-negative-seed", ["synth", "mechanism", "--seed", "-1"], "seed"),
    ("grid-negative-seed", ["synth", "detect", "--seed", "-1"], "seed"),
    ("data-show-negative-seed", ["data", "show", "{tiny}", "--seed", "-1"], "--seed"),
    # ranges and names of `w2sg run`
    ("run-zero-rounds", ["run", "--selection-rounds", "0"], "--selection-rounds"),
    ("run-negative-rounds", ["run", "--selection-rounds", "-3"], "--selection-rounds"),
    ("run-negative-l2", ["run", "--l2", "-1"], "l2"),
    ("run-nan-l2", ["run", "--l2", "nan"], "l2"),
    ("run-zero-size", ["run", "--weak-train", "0"], "--weak-train"),
    ("run-odd-size", ["run", "--strong-train", "401"], "strong_train"),
    ("run-negative-test", ["run", "--test", "-2"], "test"),
    ("run-negative-val", ["run", "--val", "-2"], "val"),
    ("run-zero-max-length", ["run", "--max-length", "0"], "--max-length"),
    ("run-zero-eval-every", ["run", "--selection-eval-every", "0"], "--selection-eval-every"),
    ("run-bad-pooling", ["run", "--pooling", "max"], "pooling"),
    ("run-bad-dtype", ["run", "--dtype", "float8"], "dtype"),
    ("run-bad-similarity", ["run", "--similarity", "cos"], "similarity"),
    ("run-bad-detector", ["run", "--detector", "nearest"], "detector"),
    ("run-bad-label-map", ["run", "--label-map", "pos=2"], "label map"),
    ("run-unknown-preset", ["run", "--preset", "wrenchh"], "known: wrench"),
    ("run-zero-label-model-epochs", ["run", "--label-model-epochs", "0"], "--label-model-epochs"),
    ("run-bad-label-model-prior", ["run", "--label-model-prior", "flat"], "--label-model-prior"),
    # `w2sg select`
    ("select-zero-rounds", ["select", "--rounds", "0"], "--rounds"),
    ("select-zero-batch", ["select", "--batch-size", "0"], "--batch-size"),
    ("select-density-above-one", ["select", "--densities", "0.1,1.5"], "densities"),
    ("select-density-word", ["select", "--densities", "low"], "--densities"),
    ("select-bad-strategy", ["select", "--strategies", "ucb,bogus"], "strategies"),
    ("select-bad-arms", ["select", "--arms", "bogus"], "arm"),
    ("select-bad-detection", ["select", "--detection", "bogus"], "--detection"),
    ("select-zero-eval-every", ["select", "--eval-every", "0"], "--eval-every"),
    ("select-negative-l2", ["select", "--l2", "-0.5"], "--l2"),
    ("select-zero-pool", ["select", "--strong-train", "0"], "--strong-train"),
    ("select-odd-size", ["select", "--weak-train", "3"], "weak_train"),
    # `w2sg extract`
    ("extract-bad-layers", [*EXTRACT, "--layers", "a"], "--layers"),
    ("extract-no-layers", [*EXTRACT, "--layers", ","], "--layers"),
    ("extract-bad-pooling", [*EXTRACT, "--pooling", "max"], "--pooling"),
    ("extract-bad-split", [*EXTRACT, "--split", "bogus"], "--split"),
    ("extract-zero-max-length", [*EXTRACT, "--max-length", "0"], "--max-length"),
    ("extract-bad-dtype", [*EXTRACT, "--dtype", "int8"], "--dtype"),
    ("extract-zero-batch", [*EXTRACT, "--batch-size", "0"], "--batch-size"),
    ("extract-out-suffix", [*EXTRACT, "--out", "a.txt"], "--out"),
    ("extract-npy-two-layers", [*EXTRACT, "--layers", "-1,-2", "--out", "a.npy"], "one layer"),
    # `w2sg synth`
    ("mechanism-zero-runs", ["synth", "mechanism", "--runs", "0"], "runs"),
    ("mechanism-negative-noise", ["synth", "mechanism", "--noise", "-1"], "noise"),
    ("mechanism-word-counts", ["synth", "mechanism", "--counts", "a,b"], "--counts"),
    ("mechanism-negative-count", ["synth", "mechanism", "--counts", "-5,5"], "counts"),
    ("mechanism-bad-vary", ["synth", "mechanism", "--vary", "bogus"], "vary"),
    ("mechanism-zero-c", ["synth", "mechanism", "--student-c", "0"], "student_c"),
    ("mechanism-tiny-test", ["synth", "mechanism", "--n-test", "1"], "n_test"),
    ("mechanism-negative-size", ["synth", "mechanism", "--n-overlap", "-1"], "n_overlap"),
    ("grid-zero-seeds", ["synth", "detect", "--seeds", "0"], "seeds"),
    ("grid-small-pool", ["synth", "detect", "--pool-size", "5"], "pool sizes"),
    ("grid-empty-pool", ["synth", "detect", "--pool-size", ""], "pool_size"),
    ("grid-two-shares", ["synth", "detect", "--proportions", "0.5,0.5"], "--proportions"),
    ("grid-bad-detector", ["synth", "detect", "--detectors", "bogus"], "detector"),
    ("grid-negative-noise", ["synth", "detect", "--absent-noise", "-1"], "absent_noise"),
    # `w2sg data`
    ("data-negative-examples", ["data", "show", "{tiny}", "--examples", "-1"], "--examples"),
    ("data-get-unknown", ["data", "get", "bogus"], "unknown dataset"),
    (
        "data-get-missing-sdist",
        ["data", "get", "vader_movies", "--sdist", "{dir}/v.tgz"],
        "--sdist",
    ),
    ("data-show-unknown", ["data", "show", "no_such_dataset"], "no_such_dataset"),
    # `w2sg detect`: options and files
    ("detect-bad-similarity", [*DETECT, "--similarity", "cos"], "--similarity"),
    ("detect-bad-detector", [*DETECT, "--detector", "bogus"], "detector"),
    (
        "detect-missing-probs",
        ["detect", "--weak-probs", "{dir}/none.npy", "--strong-acts", "{acts}", "--out", "{dir}"],
        "--weak-probs",
    ),
    (
        "detect-text-as-npy-acts",
        ["detect", "--weak-probs", "{probs}", "--strong-acts", "{text_npy}", "--out", "{dir}"],
        "not a .npy array",
    ),
    (
        "detect-text-as-npy-probs",
        ["detect", "--weak-probs", "{text_npy}", "--strong-acts", "{acts}", "--out", "{dir}"],
        "--weak-probs",
    ),
    (
        "detect-garbage-safetensors",
        ["detect", "--weak-probs", "{probs}", "--strong-acts", "{garbage_st}", "--out", "{dir}"],
        "--strong-acts",
    ),
    (
        "detect-probs-json-object",
        ["detect", "--weak-probs", "{dict_json}", "--strong-acts", "{acts}", "--out", "{dir}"],
        "--weak-probs",
    ),
    (
        "detect-probs-words-csv",
        ["detect", "--weak-probs", "{words_csv}", "--strong-acts", "{acts}", "--out", "{dir}"],
        "--weak-probs",
    ),
    (
        "detect-acts-txt",
        ["detect", "--weak-probs", "{probs}", "--strong-acts", "{acts_txt}", "--out", "{dir}"],
        "--strong-acts",
    ),
    (
        "detect-acts-broken-json",
        ["detect", "--weak-probs", "{probs}", "--strong-acts", "{broken_json}", "--out", "{dir}"],
        "use .npy or .safetensors",
    ),
    (
        "detect-acts-json-list",
        ["detect", "--weak-probs", "{probs}", "--strong-acts", "{list_json}", "--out", "{dir}"],
        "use .npy or .safetensors",
    ),
    (
        "detect-zero-columns",
        [
            "detect",
            "--weak-probs",
            "{probs}",
            "--strong-acts",
            "{acts_zero_cols}",
            "--out",
            "{dir}",
        ],
        "no columns",
    ),
    (
        "detect-all-zero-acts",
        ["detect", "--weak-probs", "{probs}", "--strong-acts", "{acts_zeros}", "--out", "{dir}"],
        "all zero",
    ),
    (
        "detect-logits-not-probs",
        ["detect", "--weak-probs", "{probs_logits}", "--strong-acts", "{acts}", "--out", "{dir}"],
        "[0, 1]",
    ),
    (
        "detect-misaligned",
        ["detect", "--weak-probs", "{probs}", "--strong-acts", "{acts_short}", "--out", "{dir}"],
        "align",
    ),
    # output folders and files that cannot be written
    ("run-out-is-file", ["run", "--out", "{file}"], "is a file"),
    ("run-out-under-file", ["run", "--out", "{file}/sub"], "which is a file"),
    ("run-out-unwritable", ["run", "--out", "/proc/w2sg-corpus/out"], "cannot write"),
    ("select-out-is-file", ["select", "--out", "{file}"], "is a file"),
    (
        "detect-out-is-file",
        ["detect", "--weak-probs", "{probs}", "--strong-acts", "{acts}", "--out", "{file}"],
        "is a file",
    ),
    ("mechanism-out-is-file", ["synth", "mechanism", "--out", "{file}"], "is a file"),
    ("grid-out-under-file", ["synth", "detect", "--out", "{file}/x"], "which is a file"),
    ("extract-out-under-file", [*EXTRACT, "--out", "{file}/a.npy"], "which is a file"),
    ("extract-out-is-folder", [*EXTRACT, "--out", "{dir_npy}"], "is a folder"),
    # `w2sg interventions` and `w2sg probes sweep`
    ("interventions-negative-seed", ["interventions", "--seeds=-1"], "seeds"),
    ("interventions-zero-k", ["interventions", "--k", "0"], "k must be"),
    ("interventions-contamination", ["interventions", "--contamination", "2"], "contamination"),
    ("interventions-out-is-file", ["interventions", "--out", "{file}"], "is a file"),
    ("probes-negative-k", ["probes", "sweep", "--ks=-1"], "k values"),
    ("probes-negative-l2", ["probes", "sweep", "--l2s=-1"], "L2"),
    ("probes-unknown-probe", ["probes", "sweep", "--probes", "bogus"], "probes"),
    ("probes-out-under-file", ["probes", "sweep", "--out", "{file}/x"], "which is a file"),
    # names that do not exist, and combinations
    ("cache-rm-nothing", ["cache", "rm"], "what to remove"),
    ("cache-rm-all-and-prefix", ["cache", "rm", "abc", "--all"], "--all"),
    ("models-get-unknown", ["models", "get", "bogus"], "unknown alias"),
    (
        "run-unknown-dataset",
        ["run", "--dataset", "no_such_dataset", "--out", "{dir}"],
        "unknown dataset",
    ),
    (
        "run-missing-data-dir",
        ["run", "--dataset", "sst2", "--data-dir", "{dir}/none", "--out", "{dir}"],
        "data dir",
    ),
    (
        "extract-unknown-model",
        ["extract", "--dataset", "{tiny}", "-m", "no_such_model"],
        "unknown model",
    ),
    (
        "data-show-missing-column",
        ["data", "show", "{tiny}", "--label-column", "nope"],
        "--label-column",
    ),
    # local model folders with a damaged or missing config.json (fail before any weights)
    (
        "model-bad-config-json",
        ["extract", "--dataset", "{tiny}", "-m", "{model_bad_json}"],
        "damaged",
    ),
    (
        "model-config-not-object",
        ["extract", "--dataset", "{tiny}", "-m", "{model_list_json}"],
        "not a model configuration",
    ),
    (
        "model-no-config",
        ["extract", "--dataset", "{tiny}", "-m", "{model_no_config}"],
        "no config.json",
    ),
    # the weak model menu: cut models and the bag of words (docs/methods.md)
    ("run-weak-bad-suffix", ["run", "--weak", "minilm-l6:top"], "write layerK"),
    ("run-weak-tfidf-layer", ["run", "--weak", "tfidf", "--weak-layer", "3"], "one layer"),
    ("run-strong-tfidf", ["run", "--strong", "tfidf"], "weak model only"),
    ("run-tfidf-with-a-layer", ["run", "--weak", "tfidf:layer1"], "tfidf has no layers"),
    ("finetune-weak-tfidf", ["finetune", "--weak", "tfidf"], "nothing to fine-tune"),
    ("interventions-strong-tfidf", ["interventions", "--strong", "tfidf"], "weak model only"),
    ("extract-tfidf-layer", [*EXTRACT[:-1], "tfidf", "--layers", "2"], "one layer"),
    ("gap-missing-file", ["gap", "{dir}/none.yaml"], "no such sweep file"),
    ("gap-bad-rule", ["gap", "{file}", "--min-weak", "1.5"], "--min-weak"),
]


def _one_error_line(err: str, needle: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1, err
    assert needle.lower() in errors[0].lower(), errors[0]


@pytest.mark.parametrize(
    ("argv", "needle"), [c[1:] for c in COMMAND_CASES], ids=[c[0] for c in COMMAND_CASES]
)
def test_command_error_is_one_line_and_exit_2(
    argv: list[str], needle: str, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    status = run_cli([a.format(**files) for a in argv])
    out, err = capsys.readouterr()
    assert status == 2, out + err
    assert "Traceback" not in out
    _one_error_line(err, needle)


@pytest.mark.parametrize(
    ("env", "argv", "needle"),
    [
        ("{file}", ["run"], "W2SG_CACHE"),
        ("{file}", EXTRACT, "W2SG_CACHE"),
        ("/proc/w2sg-corpus-cache", ["select"], "W2SG_CACHE"),
        ("/proc/w2sg-corpus-cache", DETECT, "W2SG_CACHE"),
    ],
    ids=[
        "run-cache-is-file",
        "extract-cache-is-file",
        "select-cache-unwritable",
        "detect-cache-unwritable",
    ],
)
def test_a_bad_cache_folder_is_one_line(
    env: str,
    argv: list[str],
    needle: str,
    files: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("W2SG_CACHE", env.format(**files))
    status = run_cli([a.format(**files) for a in argv])
    assert status == 2
    _one_error_line(capsys.readouterr().err, needle)


# ---------------------------------------------------------------- the Python API


def _dataset():
    from w2sg.data.types import TextDataset

    n = 40
    return TextDataset(
        name="tiny",
        texts=np.array([f"t{i}" for i in range(n)], dtype=object),
        labels=np.arange(n) % 2,
        ids=np.array([f"id{i:03d}" for i in range(n)]),
    )


def _fitted_probe():
    from w2sg.probes.logistic import LogisticProbe

    x = np.random.default_rng(0).normal(size=(20, 4))
    return LogisticProbe().fit(x, (x[:, 0] > 0).astype(float))


def _changepoint(arg):
    from w2sg.overlap.changepoint import changepoint_threshold

    return lambda: changepoint_threshold(arg)


def _detect(probs, acts, **kw):
    from w2sg.overlap.detect import detect_overlap

    return lambda: detect_overlap(probs, acts, **kw)


def _probe(**kw):
    from w2sg.probes.logistic import LogisticProbe

    return lambda: LogisticProbe(**kw)


def _fit(x, y):
    from w2sg.probes.logistic import LogisticProbe

    return lambda: LogisticProbe().fit(x, y)


def _splits(*args, **kw):
    from w2sg.data.splits import make_splits

    return lambda: make_splits(*args, **kw)


def _config(**kw):
    from w2sg.study.config import StudyConfig

    return lambda: StudyConfig(**kw)


def _mechanism(**kw):
    from w2sg.synth.config import MechanismConfig

    return lambda: MechanismConfig(**kw)


def _read_config(text: str, tmp: Path):
    from w2sg.models.resolve import read_model_config

    (tmp / "config.json").write_text(text)
    return lambda: read_model_config(tmp / "config.json")


def _synthetic(**kw):
    from w2sg.data.synthetic import make_synthetic

    return lambda: make_synthetic(n_easy_only=5, n_hard_only=5, n_overlap=5, **kw)


def _mixing(**kw):
    from w2sg.overlap.mixing import mixing_experiment

    idx = np.arange(30)
    return lambda: mixing_experiment(
        ACTS, PROBS, idx[:15], idx[15:], ACTS, (PROBS > 0.5), **{"qs": (0.0, 0.5, 1.0), **kw}
    )


def _stage(**kw):
    from w2sg.overlap.detect import detect_overlap
    from w2sg.selection.stage import run_selection_stage

    partition = detect_overlap(PROBS, ACTS)
    return lambda: run_selection_stage(
        PROBS, ACTS, partition, None, ACTS, PROBS > 0.5, rounds=2, **kw
    )


RNG = np.random.default_rng(1)
PROBS = RNG.uniform(size=30)
ACTS = RNG.normal(size=(30, 5))
X = RNG.normal(size=(10, 3))
Y = (X[:, 0] > 0).astype(float)

# (id, callable making the call, needle naming the argument)
API_CASES = [
    ("changepoint-strings", lambda tmp: _changepoint(["a", "b", "c"]), "scores"),
    ("changepoint-one-string", lambda tmp: _changepoint("abc"), "scores"),
    ("changepoint-empty", lambda tmp: _changepoint([]), "no scores"),
    ("changepoint-nan", lambda tmp: _changepoint([0.1, np.nan, 0.3]), "NaN"),
    ("changepoint-dict", lambda tmp: _changepoint({"a": 1.0}), "scores"),
    ("splits-list", lambda tmp: _splits([1, 2, 3]), "ds"),
    ("splits-sizes-dict", lambda tmp: _splits(_dataset(), {"weak_train": 2}), "sizes"),
    ("splits-negative-seed", lambda tmp: _splits(_dataset(), seed=-1), "seed"),
    ("splits-float-seed", lambda tmp: _splits(_dataset(), seed=1.5), "seed"),
    ("probe-negative-l2", lambda tmp: _probe(l2=-1.0), "l2"),
    ("probe-nan-l2", lambda tmp: _probe(l2=float("nan")), "l2"),
    ("probe-string-l2", lambda tmp: _probe(l2="big"), "l2"),
    ("probe-zero-iterations", lambda tmp: _probe(max_iter=0), "max_iter"),
    ("probe-string-labels", lambda tmp: _fit(X, np.array(["pos", "neg"] * 5)), "y"),
    ("probe-zero-columns", lambda tmp: _fit(X[:, :0], Y), "no feature columns"),
    ("probe-one-dimensional-x", lambda tmp: _fit(X[:, 0], Y), "X"),
    ("probe-targets-outside", lambda tmp: _fit(X, Y * 2), "[0, 1]"),
    ("probe-misaligned", lambda tmp: _fit(X, Y[:-1]), "align"),
    ("probe-other-width", lambda tmp: lambda: _fitted_probe().predict(X), "columns"),
    ("probe-string-x", lambda tmp: lambda: _fitted_probe().predict([["a"] * 4]), "X"),
    ("detect-zero-columns", lambda tmp: _detect(PROBS, ACTS[:, :0]), "no columns"),
    ("detect-all-zero", lambda tmp: _detect(PROBS, np.zeros_like(ACTS)), "all zero"),
    ("detect-string-probs", lambda tmp: _detect(["a"] * 30, ACTS), "weak_probs"),
    ("detect-1d-acts", lambda tmp: _detect(PROBS, ACTS[:, 0]), "strong_acts"),
    ("detect-bad-detector", lambda tmp: _detect(PROBS, ACTS, detector="bogus"), "detector"),
    ("detect-misaligned", lambda tmp: _detect(PROBS[:-1], ACTS), "align"),
    ("detect-nan-acts", lambda tmp: _detect(PROBS, np.full_like(ACTS, np.nan)), "strong_acts"),
    ("config-negative-seed", lambda tmp: _config(seeds=(-1,)), "seeds"),
    ("config-seed-string", lambda tmp: _config(seeds="0"), "seeds"),
    ("config-bool-seed", lambda tmp: _config(selection_seeds=(True,)), "selection_seeds"),
    ("config-zero-rounds", lambda tmp: _config(selection_rounds=0), "selection_rounds"),
    ("config-negative-l2", lambda tmp: _config(l2=-1.0), "l2"),
    ("config-q-above-one", lambda tmp: _config(mixing_qs=(0.5, 1.5)), "mixing_qs entry"),
    ("config-float-size", lambda tmp: _config(weak_train=1.5), "weak_train"),
    ("config-no-qs", lambda tmp: _config(mixing_qs=()), "mixing_qs"),
    ("mechanism-bad-dims", lambda tmp: _mechanism(d_easy=0), "d_easy"),
    ("mechanism-bad-seed", lambda tmp: _mechanism(seed=-4), "seed"),
    ("synthetic-negative-seed", lambda tmp: _synthetic(seed=-1), "seed"),
    ("synthetic-negative-mean-seed", lambda tmp: _synthetic(mean_seed=-2), "mean_seed"),
    ("mixing-negative-seed", lambda tmp: _mixing(seeds=(-1,)), "seeds"),
    ("mixing-float-seed", lambda tmp: _mixing(seeds=(0.5,)), "seeds"),
    ("mixing-negative-l2", lambda tmp: _mixing(l2=-1.0), "l2"),
    ("selection-stage-negative-seed", lambda tmp: _stage(seeds=(-3,)), "seeds"),
    ("model-config-broken", lambda tmp: _read_config("{oops", tmp), "config.json"),
    ("model-config-list", lambda tmp: _read_config("[]", tmp), "config.json"),
]


@pytest.mark.parametrize(
    ("make", "needle"), [c[1:] for c in API_CASES], ids=[c[0] for c in API_CASES]
)
def test_api_error_names_the_argument(make, needle: str, tmp_path: Path) -> None:
    with pytest.raises((W2SGError, ValueError, TypeError)) as info:
        make(tmp_path)()
    assert needle.lower() in str(info.value).lower()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("setup", "needle"),
    [("file", "is a file"), ("proc", "W2SG_CACHE")],
    ids=["cache-is-file", "cache-unwritable"],
)
def test_cache_root_names_w2sg_cache(
    setup: str, needle: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from w2sg.paths import cache_root

    target = tmp_path / "f" if setup == "file" else Path("/proc/w2sg-corpus-cache")
    if setup == "file":
        target.write_text("x")
    monkeypatch.setenv("W2SG_CACHE", str(target))
    with pytest.raises(W2SGError, match=needle):
        cache_root()


# ================================================================ the newer commands and APIs
# finetune, sweep, report, probes sweep, label functions, WRENCH folders, the cache, and their
# Python APIs. Each case must fail before any work with one `error:` line (exit 2), never an
# internal error, and leave nothing half-written: the `--out {out}` folder holds no file, a
# report folder gets no report.html, a sweep folder's manifest is untouched.

LATIN1 = "café, naïve".encode("latin-1")
SWEEP_BASE = {
    "name": "corpus",
    "pairs": [["minilm-l6", "minilm-l6"]],
    "methods": {"study": {"params": {"weak_train": 4, "strong_train": 4, "test": 4,
                                     "selection": False, "mixing_seeds": [0],
                                     "mixing_qs": [0.0, 1.0]}}},
    "seeds": [0],
}  # fmt: skip
FT = {"finetune": {"params": {"weak_train": 4, "strong_train": 4, "test": 4, "batch_size": 2}}}
# name -> what the sweep file changes in SWEEP_BASE (None deletes a key), or its raw bytes
SWEEPS: dict[str, dict | bytes] = {
    "good": {},
    "guard_word": {"guard_margin": "abc"},
    "guard_nan": {"guard_margin": float("nan")},
    "guard_negative": {"guard_margin": -0.1},
    "guard_inf": {"guard_margin": float("inf")},
    "bootstrap_word": {"bootstrap": "many"},
    "bootstrap_zero": {"bootstrap": 0},
    "bootstrap_float": {"bootstrap": 99.5},
    "workers_word": {"workers": "two"},
    "workers_zero": {"workers": 0},
    "seeds_repeat": {"seeds": [0, 0]},
    "seeds_negative": {"seeds": [-1]},
    "seeds_text": {"seeds": "0,1"},
    "seeds_bool": {"seeds": [True]},
    "name_list": {"name": [1, 2]},
    "name_bool": {"name": True},
    "metric_unknown": {"metric": "f1"},
    "metric_list": {"metric": ["auc"]},
    "baseline_number": {"baseline": 3},
    "pairs_repeat": {"pairs": [["minilm-l6", "minilm-l6"], ["minilm-l6", "minilm-l6"]]},
    "pair_numbers": {"pairs": [[1, 2]]},
    "pair_three": {"pairs": [["a", "b", "c"]]},
    "datasets_number": {"datasets": [5]},
    "datasets_text": {"datasets": "rotten_tomatoes"},
    "dataset_name_list": {"datasets": [{"name": ["x"]}]},
    "method_unknown": {"methods": ["bogus"]},
    "method_params_list": {"methods": {"study": {"params": [1]}}},
    "method_kind_number": {"methods": {"mine": {"kind": 5}}},
    "cell_text_size": {"methods": {"study": {"params": {"weak_train": "20"}}}},
    "cell_bool_size": {"methods": {"study": {"params": {"weak_train": True}}}},
    "cell_unknown_param": {"methods": {"study": {"params": {"bogus": 1}}}},
    "cell_grid_owned": {"methods": {"study": {"params": {"seeds": [1]}}}},
    "cell_qs_scalar": {"methods": {"study": {"params": {"mixing_qs": 0.5}}}},
    "cell_qs_repeat": {"methods": {"study": {"params": {"mixing_qs": [0.5, 0.5]}}}},
    "cell_selection_text": {"methods": {"study": {"params": {"selection": "no"}}}},
    "cell_selection_idle": {
        "methods": {"study": {"params": {"selection": False, "selection_rounds": 3}}}
    },
    "cell_ft_epochs_nan": {"methods": {"finetune": {"params": {"epochs": float("nan")}}}},
    "cell_ft_alpha_nan": {"methods": {"finetune": {"params": {"lora_alpha": float("nan")}}}},
    "cell_ft_lr_inf": {"methods": {"finetune": {"params": {"strong_lr": float("inf")}}}},
    "cell_ft_k_text": {"methods": {"finetune": {"params": {"options": {"k": "5"}}}}},
    "cell_ft_options_unknown": {"methods": {"finetune": {"params": {"options": {"kk": 5}}}}},
    "cell_ft_qs_idle": {"methods": {"finetune": {"params": {"mixing_qs": [0.5]}}}},
    "cell_ft_loss_twice": {"methods": {"finetune": {"params": {"losses": ["kl", "kl"]}}}},
    "cell_ft_losses_text": {"methods": {"finetune": {"params": {"losses": "xent"}}}},
    "cell_ft_device_word": {"methods": {"finetune": {"params": {"device": "gpu0"}}}},
    "latin1": b"name: " + LATIN1 + b"\n",
    "broken_yaml": b"name: [unclosed\n",
    "key_twice": b"name: a\nseeds: [0]\nseeds: [1]\n",
    "tab_indent": b"name: a\nmethods:\n\tstudy: {}\n",
    "list_yaml": b"- a\n- b\n",
    "empty": b"",
    "unknown_key": {"colour": "blue"},
}
RESULTS_FILES: dict[str, bytes | object] = {
    "cut_short": b'{"weak": {"accu',
    "latin1": b'{"name": "' + LATIN1 + b'"}',
    "list": [1, 2],
    "text": "hello",
    "number": 3,
    "students_number": {"students": 5, "config": {}},
    "study_incomplete": {"stages": {}, "per_seed": []},
    "study_per_seed_text": {"stages": {}, "per_seed": "seed0"},
    "interventions_list": {"interventions": [1], "probe_layer": 3},
    "probe_sweep_number": {"sweep": 1, "layers": 2},
    "empty_file": b"",
    "nul_bytes": b"\x00\x00\x00",
}
SWEEP_FOLDERS: dict[str, dict[str, bytes | object]] = {
    "cells_list": {"manifest.json": {"cells": []}},
    "cells_missing": {"manifest.json": {"sweep": "x"}},
    "cell_text": {"manifest.json": {"cells": {"a/b": "done"}}},
    "cell_no_state": {"manifest.json": {"cells": {"a/b": {"dir": "cells/a"}}}},
    "manifest_cut": {"manifest.json": b'{"cells": {'},
    "manifest_latin1": {"manifest.json": b'{"sweep": "' + LATIN1 + b'"}'},
    "manifest_list": {"manifest.json": [1]},
    "warm_list": {"manifest.json": {"cells": {}, "warm": []}},
    "config_list": {"sweep.json": []},
    "config_no_name": {"sweep.json": {"metric": "accuracy", "guard_margin": 0.01}},
    "config_margin_text": {"sweep.json": {"name": "x", "metric": "a", "guard_margin": "a"}},
    "stats_cut": {"statistics.json": b"{"},
    "stats_rows_object": {"statistics.json": {"per_dataset": {"a": 1}}},
    "stats_row_incomplete": {"statistics.json": {"per_dataset": [{"dataset": "a"}]}},
    "stats_latin1": {"statistics.json": LATIN1},
    "cell_results_damaged": {
        "manifest.json": {"cells": {"c": {"state": "done", "dir": "cells/c"}}},
        "cells/c/results.json": b"{oops",
    },
}
GOOD_SWEEP = {
    "sweep.json": {"name": "x", "metric": "accuracy", "guard_margin": 0.01},
    "manifest.json": {"cells": {}},
}
LF = {"name": "k", "kind": "keywords", "label": 1}
LABEL_FUNCTIONS: dict[str, bytes | object] = {
    "latin1": b'{"functions": [{"name": "' + LATIN1 + b'"}]}',
    "cut_short": b'{"functions": [',
    "list": [LF],
    "no_functions": {"name": "x"},
    "functions_empty": {"functions": []},
    "functions_object": {"functions": {"a": LF}},
    "keywords_text": {"functions": [{**LF, "keywords": "wonderful fresh"}]},
    "keywords_numbers": {"functions": [{**LF, "keywords": [1, 2]}]},
    "keywords_empty": {"functions": [{**LF, "keywords": []}]},
    "keywords_repeat": {"functions": [{**LF, "keywords": ["good", "Good"]}]},
    "keywords_blank": {"functions": [{**LF, "keywords": ["good", " "]}]},
    "label_two": {"functions": [{**LF, "keywords": ["good"], "label": 2}]},
    "label_bool": {"functions": [{**LF, "keywords": ["good"], "label": True}]},
    "label_text": {"functions": [{**LF, "keywords": ["good"], "label": "1"}]},
    "kind_unknown": {"functions": [{**LF, "kind": "neural"}]},
    "key_unknown": {"functions": [{**LF, "keywords": ["good"], "weight": 2}]},
    "name_missing": {"functions": [{"kind": "keywords", "keywords": ["a"], "label": 1}]},
    "name_number": {"functions": [{**LF, "name": 5, "keywords": ["a"]}]},
    "names_repeat": {"functions": [{**LF, "keywords": ["a"]}, {**LF, "keywords": ["b"]}]},
    "entry_text": {"functions": ["keywords good"]},
    "regex_bad": {"functions": [{**LF, "kind": "regex", "patterns": ["("]}]},
    "regex_text": {"functions": [{**LF, "kind": "regex", "patterns": "go+d"}]},
    "vader_word": {"functions": [{"name": "v", "kind": "vader", "positive_at": "high"}]},
    "vader_order": {
        "functions": [{"name": "v", "kind": "vader", "positive_at": -0.5, "negative_at": 0.5}]
    },
    "vader_nan": {"functions": [{"name": "v", "kind": "vader", "positive_at": float("nan")}]},
    "lexicon_bound": {"functions": [{"name": "x", "kind": "lexicon", "label": 1, "at_least": 9}]},
    "callable_no_colon": {"functions": [{"name": "c", "kind": "callable", "target": "mod"}]},
    "callable_number": {"functions": [{"name": "c", "kind": "callable", "target": 5}]},
    "callable_import_fails": {
        "functions": [{"name": "c", "kind": "callable", "target": "corpus_lf_broken:f"}]
    },
    "callable_syntax": {
        "functions": [{"name": "c", "kind": "callable", "target": "corpus_lf_syntax:f"}]
    },
    "callable_missing": {
        "functions": [{"name": "c", "kind": "callable", "target": "corpus_lf_ok:nothing"}]
    },
    "callable_not_callable": {
        "functions": [{"name": "c", "kind": "callable", "target": "corpus_lf_ok:NUMBER"}]
    },
    "callable_no_argument": {
        "functions": [{"name": "c", "kind": "callable", "target": "corpus_lf_ok:no_argument"}]
    },
    "callable_two_arguments": {
        "functions": [{"name": "c", "kind": "callable", "target": "corpus_lf_ok:two_arguments"}]
    },
    "two_functions": {
        "functions": [{**LF, "keywords": ["good"]}, {**LF, "name": "b", "keywords": ["bad"]}]
    },
    "raises": {"functions": [{"name": "c", "kind": "callable", "target": "corpus_lf_ok:raises"}]},
}
LF_MODULES = {
    "corpus_lf_broken": "raise RuntimeError('this module fails on import')\n",
    "corpus_lf_syntax": "def f(x)\n    return 1\n",
    "corpus_lf_ok": (
        "import numpy as np\nNUMBER = 5\n\n"
        "def no_argument():\n    return 1\n\n"
        "def two_arguments(a, b):\n    return 1\n\n"
        "def raises(text):\n    return 1 // 0\n\n"
        "def array(text):\n    return np.array([1, 0])\n\n"
        "def good(text):\n    return 1 if 'good' in text else -1\n"
    ),
}


SPLITS = ("train", "valid", "test")


def _wrench_row(label: object = 1, weak: object = (1, -1)) -> dict:
    return {"label": label, "weak_labels": list(weak) if isinstance(weak, tuple) else weak,
            "data": {"text": "a good film"}}  # fmt: skip


WRENCH_GOOD = {
    s: {str(i): _wrench_row(i % 2) for i in range(4)} for s in ("train", "valid", "test")
}
WRENCH: dict[str, dict[str, bytes | object | None]] = {
    "label_keys_names": {"label.json": {"neg": 0, "pos": 1}},
    "label_list": {"label.json": ["neg", "pos"]},
    "label_latin1": {"label.json": b'{"0": "' + LATIN1 + b'"}'},
    "label_value_list": {"label.json": {"0": ["neg"], "1": "pos"}},
    "label_three": {"label.json": {"0": "a", "1": "b", "2": "c"}},
    "train_latin1": {"train.json": b'{"0": {"label": 1, "data": {"text": "' + LATIN1 + b'"}}}'},
    "train_cut": {"train.json": b'{"0": {"label": '},
    "train_list": {"train.json": [_wrench_row()]},
    "train_empty": {"train.json": {}},
    "row_label_text": {"train.json": {"0": _wrench_row(label="1")}},
    "row_weak_text": {"train.json": {"0": _wrench_row(weak="1,0")}},
    "row_not_object": {"train.json": {"0": [1, 2]}},
    "valid_missing": {"valid.json": None},
}


def _write(path: Path, content: bytes | object) -> None:
    """Bytes as they are, anything else as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    path.write_bytes(data)


def _folder(root: Path, files: dict[str, bytes | object | None]) -> str:
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        if content is None:
            (root / rel).unlink(missing_ok=True)
        else:
            _write(root / rel, content)
    return str(root)


@pytest.fixture(scope="module")
def newer(tmp_path_factory: pytest.TempPathFactory, files: dict[str, str]) -> dict[str, str]:
    """Bad (and a few good) inputs of the newer commands, on disk; `{name}` in a case."""
    import yaml

    root = tmp_path_factory.mktemp("newer")
    out: dict[str, str] = dict(files)
    base = {**SWEEP_BASE, "datasets": [files["tiny"]]}
    for name, change in SWEEPS.items():
        path = root / "sweeps" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(change, bytes):
            path.write_bytes(change)
        else:
            path.write_text(yaml.safe_dump({**base, **change}))
        out[f"sw_{name}"] = str(path)
    for name, content in RESULTS_FILES.items():
        out[f"run_{name}"] = _folder(root / "runs" / name, {"results.json": content})
    for name, changed in SWEEP_FOLDERS.items():
        out[f"swf_{name}"] = _folder(root / "sweepdirs" / name, {**GOOD_SWEEP, **changed})
    out["run_html_folder"] = _folder(root / "runs" / "html_folder", {"results.json": {}})
    (root / "runs" / "html_folder" / "report.html").mkdir()
    out["empty_dir"] = _folder(root / "empty", {})
    for name, content in LABEL_FUNCTIONS.items():
        _write(root / "lf" / f"{name}.json", content)
        out[f"lf_{name}"] = str(root / "lf" / f"{name}.json")
    modules = root / "modules"
    modules.mkdir()
    for name, source in LF_MODULES.items():
        (modules / f"{name}.py").write_text(source)
    out["modules"] = str(modules)
    for name, changed in WRENCH.items():
        good = {f"{s}.json": rows for s, rows in WRENCH_GOOD.items()}
        out[f"wr_{name}"] = _folder(root / "wrench" / name, {**good, **changed})
    out.update(_arrays(root / "arrays"))
    return out


def _arrays(root: Path) -> dict[str, str]:
    """Damaged input arrays of `w2sg detect`: safetensors headers, .npy files of the wrong kind."""
    import struct

    root.mkdir()
    header = json.dumps({"x": {"dtype": "F32", "shape": [40, 6], "data_offsets": [0, 9]}})
    raw = {
        "st_huge": struct.pack("<Q", 10**9) + b"{}",
        "st_json": struct.pack("<Q", 5) + b"notjs",
        "st_empty": b"",
        "st_offsets": struct.pack("<Q", len(header)) + header.encode() + bytes(16),
    }
    out = {}
    for name, data in raw.items():
        (root / f"{name}.safetensors").write_bytes(data)
        out[name] = str(root / f"{name}.safetensors")
    np.save(root / "objects.npy", np.array([{"a": 1}] * 40, dtype=object), allow_pickle=True)
    np.save(root / "text.npy", np.array(["high", "low"] * 20))
    np.save(root / "cube.npy", np.zeros((40, 2, 3)))
    (root / "latin1.json").write_bytes(b"[0.5, " + LATIN1 + b"]")
    for key, name in (
        ("npy_objects", "objects.npy"),
        ("npy_text", "text.npy"),
        ("npy_3d", "cube.npy"),
        ("json_latin1", "latin1.json"),
    ):
        out[key] = str(root / name)  # fmt: skip
    return out


FINETUNE = ["finetune", "--out", "{out}"]
# Cases that read the models' configs (device, LoRA rank, token limit) name the small MiniLM.
FT_MINI = [*FINETUNE, "--weak", "minilm-l6", "--strong", "minilm-l6"]
SWEEP = ["sweep", "--out", "{out}"]
RUN_LF = ["run", "--out", "{out}", "--weak-supervisor", "majority", "--label-functions"]

# (id, argv, text the error line must contain)
NEWER_COMMAND_CASES: list[tuple[str, list[str], str]] = [
    # `w2sg finetune`: numbers that are not numbers of their kind and range
    ("ft-inf-strong-lr", [*FINETUNE, "--strong-lr", "inf"], "--strong-lr"),
    ("ft-nan-weak-lr", [*FINETUNE, "--weak-lr", "nan"], "--weak-lr"),
    ("ft-negative-lr", [*FINETUNE, "--strong-lr=-0.1"], "--strong-lr"),
    ("ft-zero-lr", [*FINETUNE, "--weak-lr", "0"], "--weak-lr"),
    ("ft-word-lr", [*FINETUNE, "--weak-lr", "fast"], "--weak-lr"),
    ("ft-nan-lora-alpha", [*FINETUNE, "--lora-alpha", "nan"], "--lora-alpha"),
    ("ft-zero-lora-alpha", [*FINETUNE, "--lora-alpha", "0"], "--lora-alpha"),
    ("ft-lora-dropout-one", [*FINETUNE, "--lora-dropout", "1"], "--lora-dropout"),
    ("ft-lora-dropout-negative", [*FINETUNE, "--lora-dropout=-0.1"], "--lora-dropout"),
    ("ft-zero-lora-rank", [*FINETUNE, "--lora-rank", "0"], "--lora-rank"),
    ("ft-zero-epochs", [*FINETUNE, "--epochs", "0"], "--epochs"),
    ("ft-word-epochs", [*FINETUNE, "--epochs", "three"], "--epochs"),
    ("ft-zero-minibatch", [*FINETUNE, "--minibatch", "0"], "--minibatch"),
    ("ft-zero-batch", [*FINETUNE, "--batch-size", "0"], "--batch-size"),
    ("ft-zero-length-groups", [*FINETUNE, "--length-groups", "0"], "--length-groups"),
    ("ft-warmup-ratio-one", [*FINETUNE, "--warmup-ratio", "1"], "--warmup-ratio"),
    ("ft-warmup-ratio-nan", [*FINETUNE, "--warmup-ratio", "nan"], "--warmup-ratio"),
    ("ft-negative-weight-decay", [*FINETUNE, "--weight-decay=-1"], "--weight-decay"),
    ("ft-inf-weight-decay", [*FINETUNE, "--weight-decay", "inf"], "--weight-decay"),
    ("ft-zero-eval-every", [*FINETUNE, "--eval-every", "0"], "--eval-every"),
    ("ft-zero-patience", [*FINETUNE, "--patience", "0"], "--patience"),
    ("ft-negative-warmup-steps", [*FINETUNE, "--warmup-steps=-5"], "--warmup-steps"),
    ("ft-max-length-one", [*FINETUNE, "--max-length", "1"], "--max-length"),
    ("ft-negative-s2s", [*FINETUNE, "--s2s=-1"], "--s2s"),
    ("ft-seeds-repeat", [*FINETUNE, "--seeds", "1,1"], "repeats"),
    ("ft-zero-val", [*FINETUNE, "--val", "0"], "--val (checkpoints are chosen on val)"),
    # losses and interventions
    ("ft-loss-twice", [*FINETUNE, "--loss", "xent,xent"], "repeats 'xent'"),
    ("ft-loss-two-spellings", [*FINETUNE, "--loss", "logconf,logconf:quantile"], "twice"),
    ("ft-loss-unknown", [*FINETUNE, "--loss", "hinge"], "loss must be one of"),
    ("ft-loss-empty", [*FINETUNE, "--loss", ""], "at least one student loss"),
    ("ft-window-radius-big", [*FINETUNE, "--loss", "window:0.9"], "window radius"),
    ("ft-window-radius-word", [*FINETUNE, "--loss", "window:wide"], "window radius"),
    ("ft-window-radius-nan", [*FINETUNE, "--loss", "window:nan"], "window radius"),
    ("ft-kl-option", [*FINETUNE, "--loss", "kl:2"], "takes no option"),
    ("ft-weak-loss-logconf", [*FINETUNE, "--weak-loss", "logconf"], "ground truth"),
    ("ft-intervention-twice", [*FINETUNE, "--intervention", "filter:knn,filter:knn"], "repeats"),
    ("ft-intervention-unknown", [*FINETUNE, "--intervention", "bagging"], "unknown intervention"),
    (
        "ft-knn-k-above-pool",
        [*FINETUNE, "--intervention", "filter:knn", "--strong-train", "40", "--k", "50"],
        "--strong-train above 50",
    ),
    ("ft-contamination-nan", [*FINETUNE, "--contamination", "nan"], "contamination"),
    # options that do nothing in the combination given: an error naming both
    ("ft-qs-without-mixing", [*FINETUNE, "--mixing-qs", "0.5"], "--mixing-qs has no effect"),
    ("ft-qs-repeat", [*FINETUNE, "--mixing", "--mixing-qs", "0.5,0.5"], "repeats 0.5"),
    ("ft-q-above-one", [*FINETUNE, "--mixing", "--mixing-qs", "1.5"], "--mixing-qs"),
    ("ft-mixing-without-overlap", [*FINETUNE, "--mixing", "--no-overlap"], "--no-overlap"),
    ("ft-full-with-rank", [*FINETUNE, "--full", "--lora-rank", "4"], "with --full"),
    ("ft-full-with-alpha", [*FINETUNE, "--full", "--lora-alpha", "32"], "--lora-alpha"),
    ("ft-full-with-dropout", [*FINETUNE, "--full", "--lora-dropout", "0.1"], "--lora-dropout"),
    ("ft-openai-with-rank", [*FINETUNE, "--preset", "openai", "--lora-rank", "4"], "openai"),
    (
        "ft-warmup-steps-and-ratio",
        [*FINETUNE, "--warmup-steps", "10", "--warmup-ratio", "0.2"],
        "--warmup-ratio has no effect",
    ),
    (
        "ft-intervention-val-alone",
        [*FINETUNE, "--intervention-val", "probe"],
        "--intervention-val has no effect",
    ),
    (
        "ft-logconf-warmup-without-logconf",
        [*FINETUNE, "--loss", "xent,kl", "--logconf-warmup", "10"],
        "--logconf-warmup has no effect",
    ),
    ("ft-unknown-preset", [*FINETUNE, "--preset", "openaii"], "unknown preset"),
    ("ft-batch-above-rows", [*FINETUNE, "--weak-train", "10", "--batch-size", "32"], "larger"),
    # devices and sizes this machine cannot hold (the models' configs only: no weights load)
    ("ft-device-word", [*FINETUNE, "--device", "cuda:first"], "--device"),
    ("ft-device-tpu", [*FINETUNE, "--device", "tpu"], "--device"),
    ("ft-device-missing", [*FT_MINI, "--device", "cuda:99"], "devices here: cpu"),
    ("ft-rank-above-width", [*FT_MINI, "--lora-rank", "1000000000000"], "above the width"),
    ("ft-rank-just-above", [*FT_MINI, "--lora-rank", "385"], "384"),
    ("ft-max-length-above-limit", [*FT_MINI, "--max-length", "100000"], "512 tokens"),
    ("ft-out-is-file", ["finetune", "--out", "{file}"], "is a file"),
    # `w2sg sweep`: the file's keys and values
    ("sw-guard-word", [*SWEEP, "{sw_guard_word}"], "guard_margin"),
    ("sw-guard-nan", [*SWEEP, "{sw_guard_nan}"], "guard_margin must be a finite"),
    ("sw-guard-negative", [*SWEEP, "{sw_guard_negative}"], "guard_margin"),
    ("sw-guard-inf", [*SWEEP, "{sw_guard_inf}"], "guard_margin"),
    ("sw-bootstrap-word", [*SWEEP, "{sw_bootstrap_word}"], "bootstrap"),
    ("sw-bootstrap-zero", [*SWEEP, "{sw_bootstrap_zero}"], "bootstrap"),
    ("sw-bootstrap-float", [*SWEEP, "{sw_bootstrap_float}"], "bootstrap"),
    ("sw-workers-word", [*SWEEP, "{sw_workers_word}"], "workers"),
    ("sw-workers-zero", [*SWEEP, "{sw_workers_zero}"], "workers"),
    ("sw-seeds-repeat", [*SWEEP, "{sw_seeds_repeat}"], "repeats a seed"),
    ("sw-seeds-negative", [*SWEEP, "{sw_seeds_negative}"], "seeds"),
    ("sw-seeds-text", [*SWEEP, "{sw_seeds_text}"], "seeds must be a list"),
    ("sw-seeds-bool", [*SWEEP, "{sw_seeds_bool}"], "seeds"),
    ("sw-name-list", [*SWEEP, "{sw_name_list}"], "name must be a text"),
    ("sw-name-bool", [*SWEEP, "{sw_name_bool}"], "name must be a text"),
    ("sw-metric-unknown", [*SWEEP, "{sw_metric_unknown}"], "metric must be one of"),
    ("sw-metric-list", [*SWEEP, "{sw_metric_list}"], "metric"),
    ("sw-baseline-number", [*SWEEP, "{sw_baseline_number}"], "baseline"),
    ("sw-pairs-repeat", [*SWEEP, "{sw_pairs_repeat}"], "repeated: minilm-l6 -> minilm-l6"),
    ("sw-pair-numbers", [*SWEEP, "{sw_pair_numbers}"], "pairs[0] weak model"),
    ("sw-pair-three", [*SWEEP, "{sw_pair_three}"], "pairs[0]"),
    ("sw-datasets-number", [*SWEEP, "{sw_datasets_number}"], "datasets[0]"),
    ("sw-datasets-text", [*SWEEP, "{sw_datasets_text}"], "datasets must be a list"),
    ("sw-dataset-name-list", [*SWEEP, "{sw_dataset_name_list}"], "datasets[0].name"),
    ("sw-method-unknown", [*SWEEP, "{sw_method_unknown}"], "unknown sweep method"),
    ("sw-method-params-list", [*SWEEP, "{sw_method_params_list}"], "mapping"),
    ("sw-method-kind-number", [*SWEEP, "{sw_method_kind_number}"], "methods.mine.kind"),
    ("sw-latin1", [*SWEEP, "{sw_latin1}"], "not UTF-8"),
    ("sw-broken-yaml", [*SWEEP, "{sw_broken_yaml}"], "not valid YAML"),
    ("sw-key-twice", [*SWEEP, "{sw_key_twice}"], "line 3, column 1: repeats the key 'seeds'"),
    ("sw-tab-indent", [*SWEEP, "{sw_tab_indent}"], "line 3"),
    ("sw-list-yaml", [*SWEEP, "{sw_list_yaml}"], "found list"),
    ("sw-empty-file", [*SWEEP, "{sw_empty}"], "found nothing"),
    ("sw-unknown-key", [*SWEEP, "{sw_unknown_key}"], "unknown sweep key(s) colour"),
    ("sw-missing-file", [*SWEEP, "{out}.yaml"], "no such sweep file"),
    ("sw-folder-as-file", [*SWEEP, "{empty_dir}"], "is a folder"),
    # one cell's config: the field named, whatever its type
    ("sw-cell-text-size", [*SWEEP, "{sw_cell_text_size}"], "weak_train must be a whole"),
    ("sw-cell-bool-size", [*SWEEP, "{sw_cell_bool_size}"], "weak_train"),
    ("sw-cell-unknown-param", [*SWEEP, "{sw_cell_unknown_param}"], "unknown option(s) bogus"),
    ("sw-cell-grid-owned", [*SWEEP, "{sw_cell_grid_owned}"], "set by the sweep grid"),
    ("sw-cell-qs-scalar", [*SWEEP, "{sw_cell_qs_scalar}"], "mixing_qs must be a list"),
    ("sw-cell-qs-repeat", [*SWEEP, "{sw_cell_qs_repeat}"], "mixing_qs repeats"),
    ("sw-cell-selection-text", [*SWEEP, "{sw_cell_selection_text}"], "selection must be"),
    ("sw-cell-selection-idle", [*SWEEP, "{sw_cell_selection_idle}"], "has no effect"),
    ("sw-cell-ft-epochs-nan", [*SWEEP, "{sw_cell_ft_epochs_nan}"], "epochs"),
    ("sw-cell-ft-alpha-nan", [*SWEEP, "{sw_cell_ft_alpha_nan}"], "lora_alpha"),
    ("sw-cell-ft-lr-inf", [*SWEEP, "{sw_cell_ft_lr_inf}"], "strong_lr"),
    ("sw-cell-ft-k-text", [*SWEEP, "{sw_cell_ft_k_text}"], "options.k"),
    ("sw-cell-ft-options-unknown", [*SWEEP, "{sw_cell_ft_options_unknown}"], "kk"),
    ("sw-cell-ft-qs-idle", [*SWEEP, "{sw_cell_ft_qs_idle}"], "mixing_qs has no effect"),
    ("sw-cell-ft-loss-twice", [*SWEEP, "{sw_cell_ft_loss_twice}"], "losses repeats"),
    ("sw-cell-ft-losses-text", [*SWEEP, "{sw_cell_ft_losses_text}"], "losses must be a list"),
    ("sw-cell-ft-device-word", [*SWEEP, "{sw_cell_ft_device_word}"], "device"),
    # where the cells run
    ("sw-ray-cpus-without-ray", [*SWEEP, "{sw_good}", "--ray-cpus", "2"], "--ray-cpus"),
    ("sw-ray-timeout-alone", [*SWEEP, "{sw_good}", "--ray-timeout", "5"], "no effect"),
    ("sw-max-retries-alone", [*SWEEP, "{sw_good}", "--max-retries", "1"], "no effect"),
    ("sw-workers-and-ray", [*SWEEP, "{sw_good}", "--workers", "2", "--ray", "auto"], "not both"),
    ("sw-ray-malformed", [*SWEEP, "{sw_good}", "--ray", "head node"], "HOST:PORT"),
    ("sw-ray-no-port", [*SWEEP, "{sw_good}", "--ray", "10.0.0.5"], "HOST:PORT"),
    ("sw-ray-port-too-big", [*SWEEP, "{sw_good}", "--ray", "127.0.0.1:99999"], "HOST:PORT"),
    ("sw-ray-scheme", [*SWEEP, "{sw_good}", "--ray", "http://10.0.0.5:6379"], "HOST:PORT"),
    (
        "sw-ray-timeout-zero",
        [*SWEEP, "{sw_good}", "--ray", "127.0.0.1:6379", "--ray-timeout", "0"],
        "--ray-timeout",
    ),
    (
        "sw-ray-timeout-nan",
        [*SWEEP, "{sw_good}", "--ray", "127.0.0.1:6379", "--ray-timeout", "nan"],
        "--ray-timeout",
    ),
    ("sw-out-is-file", ["sweep", "{sw_good}", "--out", "{file}"], "is a file"),
    ("sw-out-under-file", ["sweep", "{sw_good}", "--out", "{file}/sweep"], "which is a file"),
    ("sw-zero-workers-option", [*SWEEP, "{sw_good}", "--workers", "0"], "--workers"),
    # the sweep folder's own manifest, damaged
    (
        "sw-manifest-cells-list",
        ["sweep", "{sw_good}", "--out", "{swf_cells_list}", "--dry-run"],
        "'cells' must be an object",
    ),
    (
        "sw-manifest-cut-short",
        ["sweep", "{sw_good}", "--out", "{swf_manifest_cut}"],
        "ends early",
    ),
    (
        "sw-manifest-cell-text",
        ["sweep", "{sw_good}", "--out", "{swf_cell_text}"],
        "cell 'a/b'",
    ),
    # `w2sg report`: results.json
    ("rep-results-cut-short", ["report", "{run_cut_short}"], "ends early"),
    ("rep-results-latin1", ["report", "{run_latin1}"], "not UTF-8"),
    ("rep-results-list", ["report", "{run_list}"], "found a list"),
    ("rep-results-text", ["report", "{run_text}"], "found a string"),
    ("rep-results-number", ["report", "{run_number}"], "found a number"),
    ("rep-results-students-number", ["report", "{run_students_number}"], "results.json"),
    ("rep-results-study-incomplete", ["report", "{run_study_incomplete}"], "results.json"),
    ("rep-results-per-seed-text", ["report", "{run_study_per_seed_text}"], "results.json"),
    ("rep-results-interventions-list", ["report", "{run_interventions_list}"], "results.json"),
    ("rep-results-probe-sweep-number", ["report", "{run_probe_sweep_number}"], "results.json"),
    ("rep-results-empty-file", ["report", "{run_empty_file}"], "not valid JSON"),
    ("rep-results-nul-bytes", ["report", "{run_nul_bytes}"], "not valid JSON"),
    # a sweep folder's files
    ("rep-sweep-cells-list", ["report", "{swf_cells_list}"], "'cells' must be an object"),
    ("rep-sweep-cells-missing", ["report", "{swf_cells_missing}"], "no field 'cells'"),
    ("rep-sweep-cell-text", ["report", "{swf_cell_text}"], "cell 'a/b'"),
    ("rep-sweep-cell-no-state", ["report", "{swf_cell_no_state}"], "cell 'a/b'"),
    ("rep-sweep-manifest-cut", ["report", "{swf_manifest_cut}"], "manifest.json is not valid"),
    ("rep-sweep-manifest-latin1", ["report", "{swf_manifest_latin1}"], "not UTF-8"),
    ("rep-sweep-manifest-list", ["report", "{swf_manifest_list}"], "found a list"),
    ("rep-sweep-warm-list", ["report", "{swf_warm_list}"], "'warm'"),
    ("rep-sweep-config-list", ["report", "{swf_config_list}"], "sweep.json"),
    ("rep-sweep-config-no-name", ["report", "{swf_config_no_name}"], "no field 'name'"),
    ("rep-sweep-config-margin-text", ["report", "{swf_config_margin_text}"], "guard_margin"),
    ("rep-sweep-stats-cut", ["report", "{swf_stats_cut}"], "statistics.json is not valid"),
    ("rep-sweep-stats-rows-object", ["report", "{swf_stats_rows_object}"], "list of rows"),
    ("rep-sweep-stats-row-incomplete", ["report", "{swf_stats_row_incomplete}"], "no field"),
    ("rep-sweep-stats-latin1", ["report", "{swf_stats_latin1}"], "not UTF-8"),
    ("rep-sweep-cell-results", ["report", "{swf_cell_results_damaged}"], "cells/c/results.json"),
    # where the page goes
    ("rep-html-is-folder", ["report", "{run_html_folder}"], "report.html is a folder"),
    ("rep-path-is-file", ["report", "{file}"], "is a file"),
    ("rep-missing-folder", ["report", "{out}"], "no such folder"),
    ("rep-empty-folder", ["report", "{empty_dir}"], "holds neither"),
    # label-function files (read before any work by `w2sg run`)
    ("lf-latin1", [*RUN_LF, "{lf_latin1}"], "not UTF-8"),
    ("lf-cut-short", [*RUN_LF, "{lf_cut_short}"], "ends early"),
    ("lf-list", [*RUN_LF, "{lf_list}"], "found a list"),
    ("lf-no-functions", [*RUN_LF, "{lf_no_functions}"], "'functions'"),
    ("lf-functions-empty", [*RUN_LF, "{lf_functions_empty}"], "'functions'"),
    ("lf-functions-object", [*RUN_LF, "{lf_functions_object}"], "'functions'"),
    ("lf-keywords-text", [*RUN_LF, "{lf_keywords_text}"], "['wonderful', 'fresh']"),
    ("lf-keywords-numbers", [*RUN_LF, "{lf_keywords_numbers}"], "non-empty text, got 1"),
    ("lf-keywords-empty", [*RUN_LF, "{lf_keywords_empty}"], "at least one"),
    ("lf-keywords-repeat", [*RUN_LF, "{lf_keywords_repeat}"], "repeats 'good'"),
    ("lf-keywords-blank", [*RUN_LF, "{lf_keywords_blank}"], "non-empty text"),
    ("lf-label-two", [*RUN_LF, "{lf_label_two}"], "label must be 0 or 1"),
    ("lf-label-bool", [*RUN_LF, "{lf_label_bool}"], "label must be 0 or 1"),
    ("lf-label-text", [*RUN_LF, "{lf_label_text}"], "label must be 0 or 1"),
    ("lf-kind-unknown", [*RUN_LF, "{lf_kind_unknown}"], "unknown kind 'neural'"),
    ("lf-key-unknown", [*RUN_LF, "{lf_key_unknown}"], "unknown key(s) weight"),
    ("lf-name-missing", [*RUN_LF, "{lf_name_missing}"], "needs a 'name'"),
    ("lf-name-number", [*RUN_LF, "{lf_name_number}"], "name must be a non-empty text"),
    ("lf-names-repeat", [*RUN_LF, "{lf_names_repeat}"], "repeats 'k'"),
    ("lf-entry-text", [*RUN_LF, "{lf_entry_text}"], "needs a 'name'"),
    ("lf-regex-bad", [*RUN_LF, "{lf_regex_bad}"], "bad regular expression"),
    ("lf-regex-text", [*RUN_LF, "{lf_regex_text}"], "patterns must be a list"),
    ("lf-vader-word", [*RUN_LF, "{lf_vader_word}"], "positive_at"),
    ("lf-vader-order", [*RUN_LF, "{lf_vader_order}"], "negative_at < positive_at"),
    ("lf-vader-nan", [*RUN_LF, "{lf_vader_nan}"], "positive_at"),
    ("lf-lexicon-bound", [*RUN_LF, "{lf_lexicon_bound}"], "at_least"),
    ("lf-callable-no-colon", [*RUN_LF, "{lf_callable_no_colon}"], "module:function"),
    ("lf-callable-number", [*RUN_LF, "{lf_callable_number}"], "module:function"),
    ("lf-callable-import-fails", [*RUN_LF, "{lf_callable_import_fails}"], "RuntimeError"),
    ("lf-callable-syntax", [*RUN_LF, "{lf_callable_syntax}"], "SyntaxError"),
    ("lf-callable-missing", [*RUN_LF, "{lf_callable_missing}"], "has no 'nothing'"),
    ("lf-callable-not-callable", [*RUN_LF, "{lf_callable_not_callable}"], "not callable"),
    ("lf-callable-no-argument", [*RUN_LF, "{lf_callable_no_argument}"], "one argument"),
    ("lf-callable-two-arguments", [*RUN_LF, "{lf_callable_two_arguments}"], "one argument"),
    ("lf-missing-file", [*RUN_LF, "{out}.json"], "no such file"),
    ("lf-folder", [*RUN_LF, "{empty_dir}"], "is a folder"),
    (
        "lf-labelmodel-two-functions",
        ["run", "--out", "{out}", "--weak-supervisor", "labelmodel", "--label-functions",
         "{lf_two_functions}"],
        "needs at least 3",
    ),  # fmt: skip
    (
        "lf-function-raises",
        [*RUN_LF, "{lf_raises}", "--dataset", "{tiny}", "--weak-train", "4", "--strong-train",
         "4", "--test", "4", "--strong", "minilm-l6", "--no-selection"],
        "raised ZeroDivisionError",
    ),  # fmt: skip
    ("lf-without-label-model", ["run", "--label-functions", "sentiment"], "label-model"),
    # WRENCH folders (`w2sg data show wrench:DIR` reads them as `w2sg run` does)
    ("wr-label-keys-names", ["data", "show", "wrench:{wr_label_keys_names}"], "found keys"),
    ("wr-label-list", ["data", "show", "wrench:{wr_label_list}"], "found a list"),
    ("wr-label-latin1", ["data", "show", "wrench:{wr_label_latin1}"], "not UTF-8"),
    ("wr-label-value-list", ["data", "show", "wrench:{wr_label_value_list}"], "must be texts"),
    ("wr-label-three", ["data", "show", "wrench:{wr_label_three}"], "multi-class"),
    ("wr-train-latin1", ["data", "show", "wrench:{wr_train_latin1}"], "not UTF-8"),
    ("wr-train-cut", ["data", "show", "wrench:{wr_train_cut}"], "ends early"),
    ("wr-train-list", ["data", "show", "wrench:{wr_train_list}"], "found a list"),
    ("wr-train-empty", ["data", "show", "wrench:{wr_train_empty}"], "at least one row"),
    ("wr-row-label-text", ["data", "show", "wrench:{wr_row_label_text}"], "class index"),
    ("wr-row-weak-text", ["data", "show", "wrench:{wr_row_weak_text}"], "weak_labels"),
    ("wr-row-not-object", ["data", "show", "wrench:{wr_row_not_object}"], "row '0'"),
    ("wr-valid-missing", ["data", "show", "wrench:{wr_valid_missing}"], "valid.json"),
    # `w2sg cache prune`: a size that is no size
    ("cache-prune-nan", ["cache", "prune", "--max-size", "nan"], "finite"),
    ("cache-prune-inf", ["cache", "prune", "--max-size", "inf"], "finite"),
    ("cache-prune-overflow", ["cache", "prune", "--max-size", "1e400"], "finite"),
    ("cache-prune-negative", ["cache", "prune", "--max-size=-5GB"], "size"),
    ("cache-prune-huge", ["cache", "prune", "--max-size", "1e30TB"], "beyond any disk"),
    ("cache-prune-word", ["cache", "prune", "--max-size", "lots"], "size must"),
    ("cache-prune-unit", ["cache", "prune", "--max-size", "5XB"], "size must"),
    ("cache-rm-all-and-model", ["cache", "rm", "--all", "--model", "x"], "--all"),
    # `w2sg probes sweep`: repeats, and one layer named twice
    ("ps-probes-repeat", ["probes", "sweep", "--out", "{out}", "--probes", "knn,knn"], "repeats"),
    ("ps-ks-repeat", ["probes", "sweep", "--out", "{out}", "--ks", "5,5"], "--ks repeats 5"),
    ("ps-l2s-repeat", ["probes", "sweep", "--out", "{out}", "--l2s", "0.1,0.1"], "--l2s"),
    ("ps-layers-repeat", ["probes", "sweep", "--out", "{out}", "--layers", "2,2"], "--layers"),
    (
        "ps-layers-same-layer",
        ["probes", "sweep", "--out", "{out}", "--strong", "minilm-l6", "--layers", "6,-1"],
        "names layer 6 of minilm-l6 twice",
    ),
    (
        "ps-layers-out-of-range",
        ["probes", "sweep", "--out", "{out}", "--strong", "minilm-l6", "--layers", "40"],
        "out of range",
    ),
    ("ps-ks-zero", ["probes", "sweep", "--out", "{out}", "--ks", "0"], "k values"),
    ("ps-l2s-nan", ["probes", "sweep", "--out", "{out}", "--l2s", "nan"], "L2 value"),
    ("ps-metric-bad", ["probes", "sweep", "--out", "{out}", "--metric", "manhattan"], "metric"),
    # `w2sg run`, `w2sg interventions`, `w2sg extract`: repeats and idle options
    (
        "run-selection-idle",
        ["run", "--out", "{out}", "--no-selection", "--selection-rounds", "4"],
        "--selection-rounds has no effect",
    ),
    (
        "run-estimator-idle",
        ["run", "--out", "{out}", "--no-selection", "--selection-estimator", "calibrated"],
        "--selection-estimator has no effect",
    ),
    (
        "run-label-model-epochs-idle",
        ["run", "--out", "{out}", "--label-model-epochs", "50"],
        "--label-model-epochs has no effect",
    ),
    (
        "run-label-model-prior-idle",
        [*RUN_LF, "sentiment", "--label-model-prior", "uniform"],
        "--label-model-prior has no effect",
    ),
    ("run-qs-repeat", ["run", "--out", "{out}", "--mixing-qs", "0.5,0.5"], "repeats 0.5"),
    (
        "interventions-repeat",
        ["interventions", "--out", "{out}", "--interventions", "none,none"],
        "repeat",
    ),
    (
        "interventions-probe-l2-nan",
        ["interventions", "--out", "{out}", "--probe-l2", "nan"],
        "probe_l2",
    ),
    ("extract-layers-repeat", [*EXTRACT, "--layers", "-1,-1"], "--layers repeats"),
    # input arrays of `w2sg detect`
    ("det-st-header-too-large", [*DETECT[:3], "--strong-acts", "{st_huge}", "--out", "{out}"],
     "not a readable .safetensors"),
    ("det-st-header-not-json", [*DETECT[:3], "--strong-acts", "{st_json}", "--out", "{out}"],
     "not a readable .safetensors"),
    ("det-st-empty", [*DETECT[:3], "--strong-acts", "{st_empty}", "--out", "{out}"],
     "not a readable .safetensors"),
    ("det-st-offsets", [*DETECT[:3], "--strong-acts", "{st_offsets}", "--out", "{out}"],
     "not a readable .safetensors"),
    ("det-npy-objects", [*DETECT[:3], "--strong-acts", "{npy_objects}", "--out", "{out}"],
     "not a .npy array"),
    ("det-npy-text-probs", ["detect", "--weak-probs", "{npy_text}", "--strong-acts", "{acts}",
                            "--out", "{out}"], "--weak-probs"),
    ("det-npy-3d-acts", [*DETECT[:3], "--strong-acts", "{npy_3d}", "--out", "{out}"],
     "strong_acts"),
    ("det-probs-json-latin1", ["detect", "--weak-probs", "{json_latin1}", "--strong-acts",
                               "{acts}", "--out", "{out}"], "--weak-probs"),
]  # fmt: skip


class _ReachedWork(Exception):
    """A case got past the checks into the command's work: it was accepted."""


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch, newer: dict[str, str]) -> None:
    """Each command's work stops the test (as an internal error) instead of running: a bad
    input must be refused before it. Label-function modules import from the corpus folder."""
    import w2sg.cli.models
    import w2sg.finetune.run
    import w2sg.study.interventions
    import w2sg.study.prepare
    import w2sg.study.probe_sweep
    import w2sg.sweep.run

    def reached(*args: object, **kwargs: object) -> None:
        raise _ReachedWork("the command started its work")

    monkeypatch.setattr(w2sg.finetune.run, "run_seed", reached)
    monkeypatch.setattr(w2sg.sweep.run, "warm_tasks", reached)
    monkeypatch.setattr(w2sg.study.probe_sweep, "strong_layers", reached)
    monkeypatch.setattr(w2sg.study.interventions, "strong_layers", reached)
    monkeypatch.setattr(w2sg.study.prepare, "_activations", reached)
    monkeypatch.setattr(w2sg.cli.models, "get_activations", reached)
    monkeypatch.syspath_prepend(newer["modules"])
    for name in LF_MODULES:
        sys.modules.pop(name, None)


def _snapshot(folder: str) -> dict[str, bytes]:
    root = Path(folder)
    return {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.is_dir() else {}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [c[1:] for c in NEWER_COMMAND_CASES],
    ids=[c[0] for c in NEWER_COMMAND_CASES],
)
@pytest.mark.usefixtures("no_work")
def test_newer_command_error_is_one_line_and_leaves_nothing(
    argv: list[str],
    needle: str,
    newer: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    args = [a.format(**newer, out=out) for a in argv]
    folders = [a for a in args if Path(a).is_dir()]
    before = {f: _snapshot(f) for f in folders}
    status = run_cli(args)
    printed, err = capsys.readouterr()
    assert "internal error" not in err, err
    assert status == 2, printed + err
    assert "Traceback" not in printed
    _one_error_line(err, needle)
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*")), "half-written"
    for folder, files in before.items():  # nothing written into a folder the case names
        assert _snapshot(folder) == files, folder


@pytest.mark.parametrize(
    "argv",
    [
        [
            *FT_MINI,
            "--dataset",
            "{tiny}",
            "--weak-train",
            "4",
            "--strong-train",
            "4",
            "--val",
            "2",
            "--test",
            "4",
            "--batch-size",
            "2",
        ],
        [*SWEEP, "{sw_good}"],
        ["probes", "sweep", "--out", "{out}", "--strong", "minilm-l6", "--layers", "6,-2"],
        [
            *RUN_LF,
            "sentiment",
            "--dataset",
            "{tiny}",
            "--weak-train",
            "4",
            "--strong-train",
            "4",
            "--test",
            "4",
            "--strong",
            "minilm-l6",
            "--no-selection",
        ],
    ],  # fmt: skip
    ids=["finetune", "sweep", "probes-sweep", "run-label-functions"],
)
@pytest.mark.usefixtures("no_work")
def test_a_good_input_reaches_the_work_guard(
    argv: list[str], newer: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control of the corpus: the same commands with good inputs get past every check to
    the work (stopped here), so a bad input the checks let through would fail its case."""
    status = run_cli([a.format(**newer, out=tmp_path / "out") for a in argv])
    err = capsys.readouterr().err
    assert status == 1 and "_ReachedWork" in err, err


# ---------------------------------------------------------------- the newer Python APIs


def _call(module: str, name: str, *args: object, **kwargs: object):
    """A call of `module.name(*args, **kwargs)`, imported when the case runs."""
    from importlib import import_module

    return lambda: getattr(import_module(module), name)(*args, **kwargs)


def _torch(*values: object, shape: tuple[int, ...] | None = None):
    import torch

    t = torch.tensor(values, dtype=torch.float32)
    return t.reshape(shape) if shape else t


def _logits(n: int = 3):
    import torch

    return torch.zeros((n, 2))


def _loss(name: str, *args: object):
    """A loss function called with arguments built when the case runs."""
    from w2sg.finetune import losses

    fn = getattr(losses, name)
    return lambda: fn(*[a() if callable(a) else a for a in args])


def _lf(returns: object):
    """A label function returning `returns` (or raising it), applied to two texts."""
    from w2sg.supervision import LabelFunction, apply_label_functions

    def fn(text: str) -> object:
        if isinstance(returns, Exception):
            raise returns
        return returns

    return lambda: apply_label_functions([LabelFunction("mine", fn)], ["a", "b"])


def _frame(**columns: list):
    import pandas as pd

    return pd.DataFrame(columns)


TABLE = {
    "dataset": ["a", "a"], "weak_model": ["w", "w"], "strong_model": ["s", "s"],
    "method": ["m", "m"], "seed": [0, 1], "weak_accuracy": [0.6, 0.6],
    "w2s_accuracy": [0.7, 0.7], "ceiling_accuracy": [0.8, 0.8],
}  # fmt: skip


def _finetune(tmp: Path, **kw: object):
    """`run_finetune` on MiniLM (its config read only) into tmp/out."""
    from w2sg.finetune.config import FinetuneConfig
    from w2sg.finetune.run import run_finetune

    base = {"weak_model": "minilm-l6", "strong_model": "minilm-l6"}
    return lambda: run_finetune(FinetuneConfig(**{**base, **kw}), tmp / "out")


def _sweep_with_manifest(tmp: Path, files: dict[str, str], manifest: bytes):
    """`run_sweep` into a folder whose manifest.json is `manifest` (the tiny study grid)."""
    from w2sg.sweep.grid import parse_sweep
    from w2sg.sweep.run import run_sweep

    folder = tmp / "out"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(manifest)
    config = parse_sweep({**SWEEP_BASE, "datasets": [files["tiny"]]})
    return lambda: run_sweep(config, folder, progress=False, log=lambda _m: None)


def _wrench(tmp: Path, **changed: bytes | object):
    from w2sg.data.wrench import load_wrench

    good = {f"{s}.json": rows for s, rows in WRENCH_GOOD.items()}
    folder = _folder(tmp / "wrench", {**good, **changed})
    return lambda: load_wrench(folder)


def _report(tmp: Path, **files: bytes | object):
    from w2sg.report.html import write_html_report

    folder = _folder(tmp / "report", files)
    return lambda: write_html_report(folder)


def _lf_file(tmp: Path, content: bytes | object):
    from w2sg.supervision import load_label_functions

    _write(tmp / "lf.json", content)
    return lambda: load_label_functions(str(tmp / "lf.json"))


def _readonly_rm(tmp: Path, monkeypatch: pytest.MonkeyPatch):
    """`remove_stores(everything=True)` on a store whose folder cannot be removed."""
    import shutil

    import w2sg.models.cache_admin as admin

    monkeypatch.setenv("W2SG_CACHE", str(tmp / "cache"))
    _write(tmp / "cache" / "store" / "abc123" / "store.json", {"model_name": "m"})

    def refuse(path: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Read-only file system", str(path))

    monkeypatch.setattr(shutil, "rmtree", refuse)
    return lambda: admin.remove_stores(everything=True)


L = "w2sg.finetune.losses"
P = "w2sg.stats.pgr"
NAN, INF = float("nan"), float("inf")
# (id, make(tmp, files, monkeypatch) -> the call, text the error must contain)
NEWER_API_CASES = [
    # the losses of fine-tune mode: tensors of the right shape, targets in [0, 1]
    ("xent-numpy-logits", lambda *a: _loss("xent", np.zeros((3, 2)), _torch(0, 1, 0)), "logits"),
    ("xent-numpy-targets", lambda *a: _loss("xent", _logits, np.zeros(3)), "torch tensor"),
    ("xent-strings", lambda *a: _loss("xent", "logits", "w"), "logits must be a torch"),
    ("xent-mismatch", lambda *a: _loss("xent", _logits, lambda: _torch(0, 1)), "shape (3,)"),
    ("xent-three-classes", lambda *a: _loss("xent", lambda: _torch(*[0] * 9, shape=(3, 3)),
                                            lambda: _torch(0, 1, 0)), "(n, 2)"),  # fmt: skip
    ("xent-target-above-one", lambda *a: _loss("xent", _logits, lambda: _torch(0, 1.5, 0)),
     "[0, 1]"),
    ("xent-target-nan", lambda *a: _loss("xent", _logits, lambda: _torch(0, NAN, 0)), "NaN"),
    ("xent-int-targets", lambda *a: _loss("xent", _logits, lambda: _ints(0, 1, 0)), "floats"),
    ("kl-negative-target", lambda *a: _loss("kl", _logits, lambda: _torch(0, -0.2, 0)), "[0, 1]"),
    ("product-mismatch", lambda *a: _loss("product", _logits, lambda: _torch(1.0),
                                          lambda: _spec("product")), "shape"),
    ("logconf-nan", lambda *a: _loss("logconf", _logits, lambda: _torch(NAN, 0, 1),
                                     lambda: _spec("logconf"), 0, lambda: _state()), "NaN"),
    ("entropy-numpy", lambda *a: _loss("entropy", np.zeros((3, 2)), _torch(0, 1, 0),
                                       lambda: _spec("entropy"), 0), "logits"),
    ("window-radius-big", lambda *a: _loss("window", _logits, lambda: _torch(0, 1, 0), 0.9),
     "window radius"),
    ("ramp-negative-step", lambda *a: _loss("ramp", lambda: _spec("logconf"), -1), "step"),
    ("compute-loss-text-spec", lambda *a: _loss("compute_loss", "xent", _logits,
                                                lambda: _torch(0, 1, 0), 0, lambda: _state()),
     "LossSpec"),
    ("midweak-strings", lambda *a: _loss("midweak_radius", ["a", "b"]), "weak_labels"),
    ("midweak-outside", lambda *a: _loss("midweak_radius", np.array([0.2, 1.4])), "[0, 1]"),
    ("parse-loss-none", lambda *a: _call("w2sg.finetune.specs", "parse_loss", None), "text"),
    ("loss-spec-alpha-nan", lambda *a: _call("w2sg.finetune.specs", "LossSpec", "logconf", NAN),
     "alpha"),
    ("loss-spec-buffer-text", lambda *a: _call("w2sg.finetune.specs", "LossSpec",
                                               buffer_size="32"), "buffer_size"),
    ("train-config-lr-inf", lambda *a: _call("w2sg.finetune.specs", "TrainConfig", lr=INF),
     "learning rate"),
    ("train-config-epochs-float", lambda *a: _call("w2sg.finetune.specs", "TrainConfig",
                                                   epochs=1.5), "epochs"),
    ("train-config-grad-norm-zero", lambda *a: _call("w2sg.finetune.specs", "TrainConfig",
                                                     max_grad_norm=0), "max_grad_norm"),
    ("classifier-rank-text", lambda *a: _call("w2sg.finetune.specs", "ClassifierConfig",
                                              rank="8"), "LoRA rank"),
    ("classifier-lora-text", lambda *a: _call("w2sg.finetune.specs", "ClassifierConfig",
                                              lora="yes"), "lora"),
    ("train-targets-nan", lambda *a: _call("w2sg.finetune.trainer", "train", None, None, ["a"],
                                           np.array([NAN]), ["b"], np.array([1.0]), None, None),
     "train_targets"),
    ("train-targets-2d", lambda *a: _call("w2sg.finetune.trainer", "train", None, None, ["a"],
                                          np.ones((1, 2)), ["b"], np.array([1.0]), None, None),
     "train_targets"),
    ("train-val-targets-text", lambda *a: _call("w2sg.finetune.trainer", "train", None, None,
                                                ["a"], [1.0], ["b"], ["yes"], None, None),
     "val_targets"),
    # FinetuneConfig from Python: field names, not flags
    ("ft-config-losses-text", lambda *a: _ft_config(losses="xent"), "losses must be a list"),
    ("ft-config-mixing-text", lambda *a: _ft_config(mixing="yes"), "mixing must be true"),
    ("ft-config-qs-idle", lambda *a: _ft_config(mixing_qs=(0.5,)), "mixing_qs has no effect"),
    ("ft-config-full-rank", lambda *a: _ft_config(lora=False, lora_rank=4), "lora=False"),
    ("ft-config-device-int", lambda *a: _ft_config(device=0), "device"),
    ("ft-config-max-length-float", lambda *a: _ft_config(max_length=12.5), "max_length"),
    ("ft-config-intervention-none", lambda *a: _ft_config(interventions=(None,)),
     "interventions entry"),
    ("ft-config-lr-text", lambda *a: _ft_config(strong_lr="1e-4"), "strong_lr must be a number"),
    ("ft-config-preset-number", lambda *a: _ft_config(preset=3), "preset"),
    ("run-finetune-device", lambda tmp, *a: _finetune(tmp, device="cuda:99"), "devices here"),
    ("run-finetune-rank", lambda tmp, *a: _finetune(tmp, lora_rank=10**6), "above the width"),
    ("run-finetune-max-length", lambda tmp, *a: _finetune(tmp, max_length=10**6), "512 tokens"),
    ("ft-config-options-number", lambda *a: _ft_config(options=5), "options must be"),
    ("ft-config-options-unknown", lambda *a: _ft_config(options={"kk": 1}), "unknown option"),
    ("interventions-config-text", lambda *a: _call("w2sg.study.interventions",
                                                   "InterventionsConfig", interventions="none"),
     "interventions must be a list"),
    ("run-finetune-dict", lambda tmp, *a: _call("w2sg.finetune.run", "run_finetune", {},
                                                tmp / "out"), "FinetuneConfig"),
    ("run-finetune-out-none", lambda *a: lambda: _run_finetune_out(None), "out_dir"),
    # models: devices, LoRA sizes, token limits
    ("pick-device-word", lambda *a: _call("w2sg.models.load", "pick_device", "gpu"), "device"),
    ("pick-device-missing", lambda *a: _call("w2sg.models.load", "pick_device", "cuda:99"),
     "devices here: cpu"),
    ("check-lora-rank", lambda *a: _call("w2sg.finetune.classifier", "check_lora", "minilm-l6",
                                         10**6), "384"),
    ("check-max-length", lambda *a: _call("w2sg.models.layers", "check_max_length", "minilm-l6",
                                          513), "512"),
    # statistics
    ("pgr-text", lambda *a: _call(P, "pgr", "a", 0.5, 0.6), "weak"),
    ("pgr-bool", lambda *a: _call(P, "pgr", 0.5, True, 0.6), "w2s"),
    ("pgr-margin-nan", lambda *a: _call(P, "pgr", 0.5, 0.6, 0.7, margin=NAN), "margin"),
    ("pgr-margin-negative", lambda *a: _call(P, "pgr", 0.5, 0.6, 0.7, margin=-1), "margin"),
    ("pgr-values-text", lambda *a: _call(P, "pgr_values", ["a"], [1], [1]), "weak"),
    ("pgr-values-mismatch", lambda *a: _call(P, "pgr_values", [0.5], [0.6, 0.7], [0.8]),
     "one shape"),
    ("pgr-values-margin-inf", lambda *a: _call(P, "pgr_values", [0.5], [0.6], [0.8],
                                               margin=INF), "margin"),
    ("pgr-over-seeds-mismatch", lambda *a: _call(P, "pgr_over_seeds", [0.5, 0.5], [0.6],
                                                 [0.8, 0.8]), "align"),
    ("pgr-over-seeds-text", lambda *a: _call(P, "pgr_over_seeds", "abc", [0.6], [0.8]), "weak"),
    ("gap-guard-margin-nan", lambda *a: _call(P, "gap_guard", [0.5], [0.6], NAN), "margin"),
    ("gap-guard-mismatch", lambda *a: _call(P, "gap_guard", [0.5, 0.4], [0.6], 0.01), "align"),
    ("describe-text", lambda *a: _call(P, "describe", ["a", "b"]), "values"),
    ("bootstrap-text", lambda *a: _call("w2sg.stats", "bootstrap_interval", ["a", "b"]),
     "values"),
    ("bootstrap-resamples-float", lambda *a: _call("w2sg.stats", "bootstrap_interval", [1, 2],
                                                   n_resamples=1.5), "n_resamples"),
    ("bootstrap-seed-negative", lambda *a: _call("w2sg.stats", "bootstrap_interval", [1, 2],
                                                 seed=-1), "seed"),
    ("bootstrap-level-nan", lambda *a: _call("w2sg.stats", "bootstrap_interval", [1, 2],
                                             level=NAN), "level"),
    ("paired-mismatch", lambda *a: _call("w2sg.stats", "paired_test", [1, 2], [1]),
     "one length"),
    ("paired-text", lambda *a: _call("w2sg.stats", "paired_test", ["x", "y"], [1, 2]), "a must"),
    ("accuracy-mismatch", lambda *a: _call("w2sg.stats", "accuracy", [0, 1], [0.2]), "align"),
    ("accuracy-logits", lambda *a: _call("w2sg.stats", "accuracy", [0, 1], [-2.0, 3.0]),
     "[0, 1]"),
    ("accuracy-label-two", lambda *a: _call("w2sg.stats", "accuracy", [0, 2], [0.1, 0.9]),
     "labels must be 0 or 1"),
    ("accuracy-label-half", lambda *a: _call("w2sg.stats", "accuracy", [0, 0.5], [0.1, 0.9]),
     "labels must be 0 or 1"),
    ("roc-auc-nan", lambda *a: _call("w2sg.stats", "roc_auc", [0, 1], [NAN, 0.5]), "probs"),
    ("roc-auc-text-labels", lambda *a: _call("w2sg.stats", "roc_auc", ["pos", "neg"],
                                             [0.1, 0.9]), "labels"),
    ("evaluate-empty", lambda *a: _call("w2sg.stats", "evaluate", [], []), "no points"),
    ("summarize-missing-column", lambda *a: _call("w2sg.stats.tables", "summarize_datasets",
                                                  _frame(dataset=["a"])), "lacks column"),
    ("summarize-not-frame", lambda *a: _call("w2sg.stats.tables", "summarize_datasets",
                                             {"a": 1}), "DataFrame"),
    ("summarize-margin-nan", lambda *a: _call("w2sg.stats.tables", "summarize_datasets",
                                              _frame(**TABLE), margin=NAN), "margin"),
    ("summarize-metric-unknown", lambda *a: _call("w2sg.stats.tables", "summarize_datasets",
                                                  _frame(**TABLE), metric="f1"), "metric"),
    ("summarize-text-column", lambda *a: _call("w2sg.stats.tables", "summarize_datasets",
                                               _frame(**{**TABLE, "weak_accuracy": ["x", "y"]})),
     "weak_accuracy"),
    ("across-missing-column", lambda *a: _call("w2sg.stats.tables", "across_datasets",
                                               _frame(method=["m"])), "lacks column"),
    ("compare-missing-column", lambda *a: _call("w2sg.stats.tables", "compare_to_baseline",
                                                _frame(method=["m"]), "m"), "lacks column"),
    ("w2s-vs-weak-missing-column", lambda *a: _call("w2sg.stats.tables", "w2s_vs_weak",
                                                    _frame(method=["m"])), "lacks column"),
    # weak supervision: label matrices, label models, label functions
    ("matrix-ragged", lambda *a: _call("w2sg.supervision", "check_label_matrix",
                                       [[1, 0], [1]]), "rectangular"),
    ("matrix-text", lambda *a: _call("w2sg.supervision", "majority_vote", [["1", "a"]]),
     "entries"),
    ("label-model-epochs-negative", lambda *a: _call("w2sg.supervision", "make_label_model",
                                                     "labelmodel", n_epochs=-1), "n_epochs"),
    ("label-model-lr-nan", lambda *a: _call("w2sg.supervision", "SnorkelLabelModel", lr=NAN),
     "lr"),
    ("label-model-balance-text", lambda *a: _call("w2sg.supervision", "SnorkelLabelModel",
                                                  class_balance="ab"), "class_balance"),
    ("label-model-balance-three", lambda *a: _call("w2sg.supervision", "SnorkelLabelModel",
                                                   class_balance=(0.2, 0.3, 0.5)),
     "class_balance"),
    ("label-model-unknown", lambda *a: _call("w2sg.supervision", "make_label_model", "snorkel"),
     "label model must be one of"),
    ("label-model-two-functions", lambda *a: lambda: _fit_labelmodel(2), "needs at least 3"),
    ("summarize-names-count", lambda *a: _call("w2sg.supervision", "summarize",
                                               np.zeros((2, 2)), names=["a"]), "names"),
    ("summarize-labels-two", lambda *a: _call("w2sg.supervision", "summarize", np.zeros((2, 2)),
                                              labels=[0, 2]), "labels"),
    ("class-balance-text", lambda *a: _call("w2sg.supervision", "class_balance", ["a"]),
     "labels must be 0 or 1"),
    ("lf-raises", lambda *a: _lf(ZeroDivisionError("no")), "raised ZeroDivisionError"),
    ("lf-examples-text", lambda *a: _call("w2sg.supervision", "apply_label_functions",
                                          [_keyword()], "one text"), "not one text"),
    ("lf-returns-array", lambda *a: _lf(np.array([1, 0])), "(a ndarray)"),
    ("lf-returns-two", lambda *a: _lf(2), "returned 2"),
    ("lf-returns-bool", lambda *a: _lf(True), "returned True"),
    ("lf-returns-none", lambda *a: _lf(None), "returned None"),
    ("lf-returns-text", lambda *a: _lf("1"), "returned '1'"),
    ("keyword-lf-text", lambda *a: _call("w2sg.supervision", "keyword_lf", "k",
                                         "wonderful fresh", 1), "list of texts"),
    ("keyword-lf-numbers", lambda *a: _call("w2sg.supervision", "keyword_lf", "k", [1], 1),
     "non-empty text"),
    ("regex-lf-text", lambda *a: _call("w2sg.supervision", "regex_lf", "r", "go+d", 1),
     "list of texts"),
    ("callable-lf-no-argument", lambda *a: _call("w2sg.supervision", "callable_lf", "c",
                                                 "corpus_lf_ok:no_argument"), "one argument"),
    ("callable-lf-import-error", lambda *a: _call("w2sg.supervision", "callable_lf", "c",
                                                  "corpus_lf_broken:f"), "cannot import"),
    ("callable-lf-array-at-apply", lambda *a: _apply_callable("corpus_lf_ok:array"), "ndarray"),
    ("load-lf-latin1", lambda tmp, *a: _lf_file(tmp, LABEL_FUNCTIONS["latin1"]), "not UTF-8"),
    ("load-lf-keywords-text", lambda tmp, *a: _lf_file(tmp, LABEL_FUNCTIONS["keywords_text"]),
     "list of texts"),
    ("load-lf-none", lambda *a: _call("w2sg.supervision", "load_label_functions", None),
     "label functions"),
    ("supervise-missing-split", lambda *a: _call("w2sg.supervision.supervisor", "supervise",
                                                 "majority", {}, {}, [], {}), "missing"),
    # interventions
    ("parse-intervention-none", lambda *a: _call("w2sg.interventions.sets", "parse_intervention",
                                                 None), "named by text"),
    ("parse-intervention-number", lambda *a: _call("w2sg.interventions.sets",
                                                   "parse_intervention", 3), "named by text"),
    ("intervention-options-l2-text", lambda *a: _call("w2sg.interventions.sets",
                                                      "InterventionOptions", probe_l2="big"),
     "probe_l2"),
    ("intervention-options-contamination-nan", lambda *a: _call(
        "w2sg.interventions.sets", "InterventionOptions", contamination=NAN), "contamination"),
    ("intervention-options-fraction-zero", lambda *a: _call(
        "w2sg.interventions.sets", "InterventionOptions", confident_fraction=0),
     "confident_fraction"),
    ("training-set-none-name", lambda *a: _call("w2sg.interventions.sets", "training_set", None,
                                                ACTS, PROBS), "named by text"),
    # sweeps
    ("parse-sweep-list", lambda *a: _call("w2sg.sweep.grid", "parse_sweep", [1]), "mapping"),
    ("parse-sweep-seeds-repeat", lambda tmp, files, *a: _parse_sweep(files, seeds=[1, 1]),
     "repeats a seed"),
    ("parse-sweep-guard-nan", lambda tmp, files, *a: _parse_sweep(files, guard_margin=NAN),
     "guard_margin"),
    ("parse-sweep-workers-float", lambda tmp, files, *a: _parse_sweep(files, workers=1.5),
     "workers"),
    ("load-sweep-latin1", lambda tmp, *a: _load_sweep_bytes(tmp, SWEEPS["latin1"]), "not UTF-8"),
    ("run-sweep-manifest-list", lambda tmp, files, *a: _sweep_with_manifest(
        tmp, files, b'{"cells": []}'), "'cells' must be an object"),
    ("run-sweep-manifest-latin1", lambda tmp, files, *a: _sweep_with_manifest(
        tmp, files, LATIN1), "not UTF-8"),
    ("load-sweep-none", lambda *a: _call("w2sg.sweep.grid", "load_sweep", None), "path"),
    ("local-executor-workers-text", lambda *a: _call("w2sg.sweep.executors", "LocalExecutor",
                                                     "2"), "workers"),
    ("ray-executor-timeout-nan", lambda *a: _call("w2sg.sweep.executors", "RayExecutor",
                                                  timeout=NAN), "timeout"),
    ("ray-executor-cpus-zero", lambda *a: _call("w2sg.sweep.executors", "RayExecutor",
                                                num_cpus=0), "num_cpus"),
    ("executor-options-ray", lambda *a: _call("w2sg.sweep.executors", "ExecutorOptions",
                                              ray="x"), "HOST:PORT"),
    ("executor-options-timeout-idle", lambda *a: _call("w2sg.sweep.executors",
                                                       "ExecutorOptions", ray_timeout=5.0),
     "ray_timeout has no effect"),
    ("ray-executor-malformed", lambda *a: _call("w2sg.sweep.executors", "RayExecutor",
                                                "head:port"), "HOST:PORT"),
    ("run-sweep-out-is-file", lambda tmp, files, *a: _run_sweep_out(files, files["file"]),
     "is a file"),
    ("run-finetune-out-under-file", lambda tmp, files, *a: lambda: _run_finetune_out(
        Path(files["file"]) / "run"), "which is a file"),
    ("run-sweep-text", lambda tmp, *a: _call("w2sg.sweep.run", "run_sweep", "sweep.yaml",
                                             tmp / "out"), "load_sweep"),
    ("run-sweep-out-number", lambda tmp, files, *a: _run_sweep_out(files, 3), "out_dir"),
    ("write-report-none", lambda *a: _call("w2sg.report.html", "write_html_report", None),
     "folder must be a path"),
    ("cell-text-size", lambda *a: _call("w2sg.sweep.methods", "dataclass_from", _study_cls(),
                                        {"weak_train": "20"}), "weak_train"),
    # the files a report reads
    ("report-results-list", lambda tmp, *a: _report(tmp, **{"results.json": [1]}), "a list"),
    ("report-results-students-text", lambda tmp, *a: _report(
        tmp, **{"results.json": {"students": "x"}}), "results.json"),
    ("report-manifest-cells-list", lambda tmp, *a: _report(
        tmp, **{**GOOD_SWEEP, "manifest.json": {"cells": [1]}}), "'cells'"),
    ("read-manifest-cut", lambda tmp, *a: _read_manifest(tmp, b"{"), "ends early"),
    # WRENCH folders
    ("wrench-label-keys", lambda tmp, *a: _wrench(tmp, **{"label.json": {"a": 0}}),
     "found keys"),
    ("wrench-train-latin1", lambda tmp, *a: _wrench(tmp, **{"train.json": LATIN1}),
     "not UTF-8"),
    ("wrench-test-list", lambda tmp, *a: _wrench(tmp, **{"test.json": [1]}), "found a list"),
    # the cache
    ("parse-size-nan", lambda *a: _call("w2sg.models.cache_admin", "parse_size", "nan"),
     "finite"),
    ("parse-size-inf", lambda *a: _call("w2sg.models.cache_admin", "parse_size", "inf"),
     "finite"),
    ("remove-stores-read-only", lambda tmp, files, mp: _readonly_rm(tmp, mp), "Read-only"),
]  # fmt: skip


def _run_finetune_out(out: object) -> None:
    from w2sg.finetune.config import FinetuneConfig
    from w2sg.finetune.run import run_finetune

    run_finetune(FinetuneConfig(), out)  # type: ignore[arg-type]  # the bad input on purpose


def _run_sweep_out(files: dict[str, str], out: object):
    from w2sg.sweep.grid import parse_sweep
    from w2sg.sweep.run import run_sweep

    config = parse_sweep({**SWEEP_BASE, "datasets": [files["tiny"]]})
    return lambda: run_sweep(config, out)  # type: ignore[arg-type]  # the bad input on purpose


def _keyword():
    from w2sg.supervision import keyword_lf

    return keyword_lf("k", ["good"], 1)


def _ints(*values: int):
    import torch

    return torch.tensor(values)


def _spec(name: str):
    from w2sg.finetune.specs import LossSpec

    return LossSpec(name=name, warmup_steps=10)


def _state():
    from w2sg.finetune.losses import LossState

    return LossState()


def _ft_config(**kw: object):
    from w2sg.finetune.config import FinetuneConfig

    return lambda: FinetuneConfig(**kw)


def _fit_labelmodel(functions: int) -> None:
    from w2sg.supervision import SnorkelLabelModel

    SnorkelLabelModel().fit(np.ones((10, functions), dtype=np.int8))


def _apply_callable(target: str):
    from w2sg.supervision import apply_label_functions, callable_lf

    return lambda: apply_label_functions([callable_lf("c", target)], ["a good film"])


def _parse_sweep(files: dict[str, str], **changed: object):
    from w2sg.sweep.grid import parse_sweep

    return lambda: parse_sweep({**SWEEP_BASE, "datasets": [files["tiny"]], **changed})


def _load_sweep_bytes(tmp: Path, data: bytes | object):
    from w2sg.sweep.grid import load_sweep

    assert isinstance(data, bytes)
    (tmp / "sweep.yaml").write_bytes(data)
    return lambda: load_sweep(tmp / "sweep.yaml")


def _study_cls() -> type:
    from w2sg.study.config import StudyConfig

    return StudyConfig


def _read_manifest(tmp: Path, data: bytes):
    from w2sg.report.files import read_manifest

    (tmp / "manifest.json").write_bytes(data)
    return lambda: read_manifest(tmp / "manifest.json")


@pytest.mark.parametrize(
    ("make", "needle"), [c[1:] for c in NEWER_API_CASES], ids=[c[0] for c in NEWER_API_CASES]
)
def test_newer_api_error_names_the_argument(
    make,
    needle: str,
    newer: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(newer["modules"])
    for name in LF_MODULES:
        sys.modules.pop(name, None)
    call = make(tmp_path, newer, monkeypatch)
    with pytest.raises(W2SGError) as info:
        call()
    assert needle.lower() in str(info.value).lower(), str(info.value)
    assert "\n" not in str(info.value)
    out = tmp_path / "out"
    written = [p for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"]
    assert not written, written  # nothing half-written (a sweep's own manifest stays as it was)


# ---------------------------------------------------------------- Ray, the cache, training


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("listener", [False, True], ids=["nothing-listens", "not-ray-listens"])
@pytest.mark.usefixtures("no_work")
def test_an_unreachable_ray_cluster_is_one_line_within_the_wait(
    listener: bool, newer: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--ray HOST:PORT` where no Ray cluster answers gives up after --ray-timeout seconds (Ray
    alone retries for minutes), names the address, and writes nothing into the sweep folder."""
    import socket
    import time

    pytest.importorskip("ray")
    server = socket.socket()
    if listener:  # accepts connections, never answers: a port of something else
        server.bind(("127.0.0.1", 0))
        server.listen(4)
    address = f"127.0.0.1:{server.getsockname()[1] if listener else _free_port()}"
    out = tmp_path / "out"
    t0 = time.monotonic()
    try:
        status = run_cli(
            ["sweep", newer["sw_good"], "--out", str(out), "--ray", address, "--ray-timeout", "2"]
        )
    finally:
        server.close()
    took = time.monotonic() - t0
    assert status == 2
    _one_error_line(capsys.readouterr().err, address)
    assert 1.5 <= took < 15, took  # the wait, not minutes
    assert not out.exists()


def _store(cache: Path, name: str, description: bytes | object) -> Path:
    folder = cache / "store" / name
    _write(folder / "store.json", description)
    return folder


def test_cache_rm_names_what_it_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path))
    kept = _store(tmp_path, "aaa111", {"model_name": "keep"})
    gone = _store(tmp_path, "bbb222", {"model_name": "mine", "layer": "six"})  # damaged
    assert run_cli(["cache", "rm", "--model", "mine"]) == 0
    assert capsys.readouterr().out.strip() == "removed 1 activation store(s): bbb222"
    assert kept.is_dir() and not gone.exists()
    assert run_cli(["cache", "rm", "zzz"]) == 0
    assert capsys.readouterr().out.strip() == "removed 0 activation store(s) (none matched)"


def test_cache_rm_on_a_read_only_store_fails_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: `removed 1 activation store(s)` while the store stayed. Now one error line
    naming the store, exit 2, and the store is still listed."""
    import shutil

    monkeypatch.setenv("W2SG_CACHE", str(tmp_path))
    folder = _store(tmp_path, "ccc333", {"model_name": "m"})

    def refuse(path: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(30, "Read-only file system", str(path))

    monkeypatch.setattr(shutil, "rmtree", refuse)
    assert run_cli(["cache", "rm", "--all"]) == 2
    captured = capsys.readouterr()
    assert "removed" not in captured.out
    _one_error_line(captured.err, f"could not remove activation store {folder}")
    assert folder.is_dir()


@pytest.mark.parametrize(
    ("description", "needle"),
    [
        ({"layer": "six", "model_name": "m"}, "field 'layer' must be int"),
        ({"model_name": 5}, "field 'model_name' must be str"),
        ({"model_name": None, "dtype": ["x"]}, "field 'dtype' must be str"),
        ([1, 2], "found a list"),
        (LATIN1, "not UTF-8"),
        (b"{", "not valid JSON"),
    ],
    ids=["layer-text", "name-number", "name-null", "list", "latin1", "cut-short"],
)
def test_cache_ls_names_a_damaged_store_json_and_lists_the_rest(
    description: bytes | object,
    needle: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path))
    _store(tmp_path, "ddd444", {"model_name": "fine", "layer": 3})
    bad = _store(tmp_path, "eee555", description)
    assert run_cli(["cache", "ls"]) == 0
    captured = capsys.readouterr()
    assert "ddd444" in captured.out and "eee555" in captured.out
    warnings = [ln for ln in captured.err.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and str(bad / "store.json") in warnings[0], captured.err
    assert needle.lower() in warnings[0].lower() and "Traceback" not in captured.err
