"""A corpus of bad inputs: each gives one clear `error:` line (exit 2), never a traceback.

The command cases run the real entry point's `run_cli` in-process (what `w2sg` runs), on
options that must be rejected before any model or dataset loads, so each takes milliseconds.
`{name}` in a case is a file or folder from the `files` fixture. The API cases call the
library and expect W2SGError / ValueError / TypeError whose message names the argument.
"""

from __future__ import annotations

import json
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
