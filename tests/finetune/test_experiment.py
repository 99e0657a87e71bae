"""`w2sg finetune` end to end on tiny models: results contract, stage reuse, s2s chaining, a
killed run resuming with the same numbers, and bad inputs as one error line."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

import w2sg.finetune.stage as trainer_module  # where the run calls `train`
from w2sg.cli import main
from w2sg.finetune.config import FinetuneConfig
from w2sg.finetune.run import run_finetune
from w2sg.finetune.s2s import strong_to_strong


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory, texts_of) -> str:
    texts, labels = texts_of(260, 7)
    folder = tmp_path_factory.mktemp("ft-data")
    path = folder / "toy.csv"
    lines = ["text,label"] + [f"{t},{y}" for t, y in zip(texts, labels, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _config(csv_path: str, tiny: dict, **over) -> FinetuneConfig:
    base = dict(
        dataset=csv_path, weak_model=tiny["bert"], strong_model=tiny["mpnet"], weak_train=48,
        strong_train=48, val=32, test=40, losses=("xent", "window:midweak"), s2s=1, epochs=4,
        batch_size=16, minibatch=8, weak_lr=1e-2, strong_lr=1e-2, eval_every=2, max_length=24,
        overlap=False,
    )  # fmt: skip
    return FinetuneConfig(**{**base, **over})


def _numbers(results: dict) -> dict:
    seed = results["per_seed"][0]
    return {
        "weak": seed["weak"]["auc"],
        "ceiling": seed["ceiling"]["auc"],
        **{n: s["auc"] for n, s in seed["students"].items()},
    }


def test_strong_to_strong_relabels_with_the_previous_student() -> None:
    seen = []

    def student(train_t, val_t, i):
        seen.append((train_t.copy(), val_t.copy()))
        return {"strong_train": train_t * 0 + i / 10, "val": val_t * 0 + i / 10, "test": val_t}

    first = {"strong_train": np.full(3, 0.9), "val": np.full(2, 0.8), "test": np.zeros(2)}
    out = strong_to_strong(first, 3, student)
    assert [float(s[0][0]) for s in seen] == [0.9, 0.1, 0.2]
    assert [float(s[1][0]) for s in seen] == [0.8, 0.1, 0.2]
    assert len(out) == 3 and float(out[-1]["strong_train"][0]) == pytest.approx(0.3)


def test_run_contract_reuse_and_resume(tmp_path, monkeypatch, csv_path, tiny) -> None:
    config = _config(csv_path, tiny)
    calls: list[int] = []
    real_train = trainer_module.train

    def killed_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt  # the run is killed in its third stage
        calls.append(1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "train", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        run_finetune(config, tmp_path / "a", log=lambda _m: None)
    monkeypatch.setattr(trainer_module, "train", _counting(real_train, calls := []))
    resumed = run_finetune(config, tmp_path / "a", log=lambda _m: None)
    assert len(calls) == 3  # weak and ceiling came from the cache; two students + one s2s ran
    for key in ("config", "provenance", "weak", "w2s", "ceiling", "pgr", "per_seed", "students"):
        assert key in resumed
    assert set(resumed["students"]) == {"xent", "window:midweak", "s2s_1"}
    sim = resumed["similarity"]  # weak against ceiling and student (methods.md#similarity)
    assert 0.0 <= sim["test"]["weak_vs_ceiling"]["error_agreement"] <= 1.0
    assert {"weak_vs_student"} <= set(sim["test"]) and "weak_vs_ceiling" in sim["pool"]
    curves = resumed["per_seed"][0]["curves"]
    assert [c["step"] for c in curves["xent"]] == [2, 4, 6, 8, 10, 12]  # 3 steps × 4 epochs
    # val AUC against the weak labels (undefined only if the weak model calls one class)
    assert all(c["val_auc"] is None or 0.0 <= c["val_auc"] <= 1.0 for c in curves["xent"])
    assert all(c["val_auc"] is not None for c in curves["ceiling"])
    assert (tmp_path / "a" / "summary.md").exists() and (tmp_path / "a" / "curves.png").exists()

    # the same numbers as an uninterrupted run in a fresh cache
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "fresh-cache"))
    monkeypatch.setattr(trainer_module, "train", _counting(real_train, calls := []))
    fresh = run_finetune(config, tmp_path / "b", log=lambda _m: None)
    assert len(calls) == 5
    assert _numbers(fresh) == _numbers(resumed)

    # another student loss reuses the weak model and the ceiling
    monkeypatch.setattr(trainer_module, "train", _counting(real_train, calls := []))
    other = run_finetune(
        _config(csv_path, tiny, losses=("kl",), s2s=0), tmp_path / "c", log=lambda _m: None
    )
    assert len(calls) == 1
    assert other["weak"] == fresh["weak"] and other["ceiling"] == fresh["ceiling"]


def _counting(real, calls: list):
    def wrapped(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    return wrapped


def _error(monkeypatch, capsys, args: list[str]) -> str:
    monkeypatch.setattr(sys, "argv", ["w2sg", "finetune", *args])
    with pytest.raises(SystemExit) as ex:
        main()
    assert ex.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_bad_inputs_give_one_error_line(monkeypatch, capsys, csv_path, tiny) -> None:
    assert "loss must be one of" in _error(monkeypatch, capsys, ["--loss", "xent,focal"])
    assert "--strong-lr must be > 0" in _error(monkeypatch, capsys, ["--strong-lr", "0"])
    assert "larger than the" in _error(
        monkeypatch, capsys, ["--batch-size", "64", "--weak-train", "40"]
    )
    assert "unknown intervention 'bogus'" in _error(
        monkeypatch, capsys, ["--intervention", "filter:knn,bogus"]
    )
    assert "give --strong-train above 50" in _error(
        monkeypatch, capsys, ["--intervention", "filter:topo", "--strong-train", "50"]
    )
    assert "--intervention repeats 'confident'" in _error(
        monkeypatch, capsys, ["--intervention", "confident,confident"]
    )
    err = _error(
        monkeypatch, capsys,
        ["--dataset", csv_path, "--weak", tiny["distilbert"], "--strong", tiny["bert"],
         "--weak-train", "48", "--strong-train", "48", "--val", "32", "--test", "40",
         "--batch-size", "16", "--no-overlap"],
    )  # fmt: skip
    assert "no module LoRA knows" in err
    with pytest.raises(Exception, match="needs weak labels"):
        FinetuneConfig(weak_loss="logconf")


def test_training_that_diverges_stops_with_one_line_and_stores_nothing(
    monkeypatch, capsys, csv_path, tiny, tmp_path
) -> None:
    """A learning rate that sends the weights to infinity: the run stops at the first
    non-finite loss with one line naming the model, the step and the loss, writes no results
    and stores no stage (a rerun with a sane rate trains it afresh)."""
    from w2sg.finetune import store

    before = set(store.store().folder.glob("*.json"))
    out = tmp_path / "diverged"
    monkeypatch.setattr(
        sys, "argv",
        ["w2sg", "finetune", "--dataset", csv_path, "--weak", tiny["bert"], "--strong",
         tiny["mpnet"], "--weak-train", "48", "--strong-train", "48", "--val", "32", "--test",
         "40", "--batch-size", "16", "--minibatch", "8", "--max-length", "24", "--no-overlap",
         "--weak-lr", "1e30", "--out", str(out)],
    )  # fmt: skip
    with pytest.raises(SystemExit) as ex:
        main()
    assert ex.value.code == 2
    printed = capsys.readouterr().err  # the log and the progress bars share stderr
    errors = [ln for ln in re.split(r"[\r\n]", printed) if ln.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in printed, printed
    assert errors[0].startswith("error: seed 0 weak: training diverged at step "), errors[0]
    assert "the loss is nan" in errors[0] or "the loss is inf" in errors[0]
    assert not (out / "results.json").exists()
    assert set(store.store().folder.glob("*.json")) == before


def test_run_finetune_stops_when_the_strong_model_diverges(csv_path, tiny, tmp_path) -> None:
    from w2sg.errors import W2SGError

    config = _config(csv_path, tiny, losses=("xent",), s2s=0, epochs=1, strong_lr=1e30)
    with pytest.raises(W2SGError, match=r"seed 0 ceiling: training diverged at step \d+"):
        run_finetune(config, tmp_path / "run", log=lambda _m: None)
    assert not (tmp_path / "run" / "results.json").exists()


def test_overlap_groups_and_trained_mixing(tmp_path, csv_path, tiny) -> None:
    config = _config(
        csv_path, tiny, strong_train=96, losses=("xent",), s2s=0, batch_size=8, epochs=2,
        overlap=True, mixing=True, mixing_qs=(0.0, 1.0),
    )  # fmt: skip
    results = run_finetune(config, tmp_path / "m", log=lambda _m: None)
    seed = results["per_seed"][0]
    ov = seed["overlap"]
    assert sum(ov["strong_train"][k] for k in ("n_overlap", "n_easy_only", "n_hard_only")) == 96
    assert sum(ov["test"][k] for k in ("n_overlap", "n_easy_only", "n_hard_only")) == 40
    assert set(ov["test_accuracy_by_group"]) == {"weak", "ceiling", "xent"}
    for model, groups in ov["test_accuracy_by_group"].items():
        for g, acc in groups.items():
            assert results["overlap_groups"][model][g]["mean"] == acc
    assert (
        "Test accuracy by overlap group (mean ± std over 1 seed(s)"
        in (tmp_path / "m" / "summary.md").read_text()
    )
    mixes = seed["mixing"]
    if "skipped" not in mixes[0]:
        assert [m["mix"] for m in mixes] == ["q=0.0", "q=1.0", "random"]
        assert len({m["size"] for m in mixes}) == 1  # the baseline has the mixes' size
        assert all(0.0 <= m["accuracy"] <= 1.0 for m in mixes)
    else:
        assert "below the batch size" in mixes[0]["skipped"]


def test_interventions_train_a_student_on_the_rows_and_labels_they_pick(
    tmp_path, monkeypatch, csv_path, tiny
) -> None:
    """`--intervention` with a fine-tuned student: filter drops 10 % of strong_train, relabel
    trains on the probe's labels, probe:* is the kNN probe's own test prediction."""
    from w2sg.interventions.sets import InterventionOptions, probe_predictions
    from w2sg.models import get_activations
    from w2sg.models.layers import middle_layer
    from w2sg.stats.metrics import evaluate

    config = _config(csv_path, tiny, strong_train=80, test=40, losses=("xent",), s2s=0,
                     interventions=("filter:logistic", "relabel:logistic", "probe:knn",
                                    "confident"))  # fmt: skip
    seen: list[tuple[int, np.ndarray]] = []
    real_train = trainer_module.train

    def spy(model, tok, texts, targets, *args, **kwargs):
        seen.append((len(texts), np.asarray(targets, dtype=float).copy()))
        return real_train(model, tok, texts, targets, *args, **kwargs)

    monkeypatch.setattr(trainer_module, "train", spy)
    results = run_finetune(config, tmp_path / "run", log=lambda _m: None)
    seed = results["per_seed"][0]
    assert set(seed["students"]) == {"xent", "filter:logistic", "relabel:logistic",
                                     "probe:knn", "confident"}  # fmt: skip
    info = seed["interventions"]
    assert (info["filter:logistic"]["kept"], info["confident"]["kept"]) == (72, 40)
    # weak, ceiling, xent, then filter (72 rows), relabel (80), confident (40); probe: no training
    assert [n for n, _ in seen] == [48, 80, 80, 72, 80, 40]
    weak_labels = seen[2][1]
    assert not np.allclose(seen[4][1], weak_labels)  # relabel: the probe's labels
    assert np.isin(seen[3][1], weak_labels).all()  # filter: a subset of the weak labels
    assert set(results["students"]) >= {"filter:logistic", "probe:knn"}
    assert "pgr" in seed["students"]["probe:knn"] and info["probe:knn"]["trained"] is False

    # probe:knn's numbers are the kNN probe's own, on the middle layer's activations
    from w2sg.finetune.run import prepare

    _ds, seeds = prepare(config, lambda _m: None)
    s = seeds[0].splits
    layer = middle_layer(tiny["mpnet"])
    acts = {part: get_activations(tiny["mpnet"], getattr(s, part), layers=(layer,),
                                  max_length=24, progress=False)[layer]
            for part in ("strong_train", "test")}  # fmt: skip
    weak_probs = seen[2][1]
    expect = probe_predictions("knn", acts["strong_train"], weak_probs, acts["test"],
                               InterventionOptions())  # fmt: skip
    assert seed["students"]["probe:knn"]["auc"] == pytest.approx(
        evaluate(s.test.labels, expect)["auc"]
    )


def test_assemble_gives_spread_over_seeds_for_students_and_overlap_groups() -> None:
    from w2sg.finetune.run import assemble

    def run(seed: int, acc: float, ov: float) -> dict:
        m = {"accuracy": acc, "auc": acc + 0.1}
        return {
            "seed": seed, "weak": m, "w2s": m, "ceiling": m, "pgr": {"accuracy": 0.5, "auc": 0.5},
            "students": {"xent": {**m, "pgr": {"accuracy": acc, "auc": None}}},
            "overlap": {"test": {"n_overlap": 10 + seed, "n_easy_only": 5, "n_hard_only": 5},
                        "test_accuracy_by_group": {"xent": {"overlap": ov, "easy_only": None,
                                                            "hard_only": 0.5}}},
        }  # fmt: skip

    out = assemble([run(0, 0.6, 0.8), run(1, 0.8, 0.9)])
    assert out["students"]["xent"]["accuracy"]["mean"] == pytest.approx(0.7)
    assert out["students"]["xent"]["accuracy"]["std"] == pytest.approx(0.1)
    assert out["students"]["xent"]["pgr"]["auc"]["mean"] is None
    g = out["overlap_groups"]["xent"]
    assert g["overlap"]["mean"] == pytest.approx(0.85) and g["overlap"]["n"] == 10.5
    assert g["easy_only"]["mean"] is None and g["hard_only"]["std"] == 0.0


def test_the_eleuther_preset_runs_end_to_end(tmp_path, csv_path, tiny) -> None:
    """Under the preset: AUC ranks by the raw class-1 logit, a filter intervention filters val
    too, and results.json records the preset's resolved settings."""
    from w2sg.finetune.store import load_stage
    from w2sg.stats.metrics import roc_auc

    config = FinetuneConfig.from_preset(
        "eleuther", dataset=csv_path, weak_model=tiny["bert"], strong_model=tiny["mpnet"],
        weak_train=48, strong_train=80, val=40, test=40, losses=("xent",), epochs=1,
        minibatch=8, batch_size=16, weak_lr=1e-2, strong_lr=1e-2, max_length=24, overlap=False,
        interventions=("filter:logistic",),
    )  # fmt: skip
    assert config.preset_overrides == (
        "batch_size", "epochs", "max_length", "minibatch", "strong_lr", "weak_lr"
    )  # fmt: skip
    results = run_finetune(config, tmp_path, log=lambda _: None)
    assert results["preset"]["name"] == "eleuther"
    assert {s["field"] for s in results["preset"]["settings"] if s["overridden"]} == set(
        config.preset_overrides
    )
    seed = results["per_seed"][0]
    weak = load_stage(_full_key(seed["weak"]["stage"]))
    assert weak is not None and "test" in weak["logits"]
    from w2sg.data import load_dataset, seed_splits

    splits = seed_splits(load_dataset(csv_path), config.sizes(), (0,))[0]
    assert seed["weak"]["auc"] == pytest.approx(roc_auc(splits.test.labels, weak["logits"]["test"]))
    val = seed["interventions"]["filter:logistic"]["val"]
    assert val["targets"] == "probe (filter)" and val["rows"] == 36  # round(0.1 * 40) dropped


def _full_key(prefix: str) -> str:
    """A stored stage's full key from the prefix results.json shows."""
    import json

    from w2sg.finetune.store import store

    path = next(p for p in store().folder.glob("*.json") if p.stem.startswith(prefix))
    return json.loads(path.read_text())["fingerprint"]
