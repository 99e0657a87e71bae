"""The weak model menu in fine-tune mode: a cut model (`NAME:layerK`) trains its first K blocks
as a stage of its own; `tfidf` has nothing to fine-tune and says so in one line."""

from __future__ import annotations

import sys

import pytest

import w2sg.finetune.stage as stage_module
from w2sg.cli import main
from w2sg.finetune.config import FinetuneConfig
from w2sg.finetune.run import run_finetune


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory, texts_of) -> str:
    texts, labels = texts_of(200, 3)
    path = tmp_path_factory.mktemp("ft-menu") / "toy.csv"
    lines = ["text,label"] + [f"{t},{y}" for t, y in zip(texts, labels, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _config(csv_path: str, weak: str, strong: str) -> FinetuneConfig:
    return FinetuneConfig(
        dataset=csv_path, weak_model=weak, strong_model=strong, weak_train=32, strong_train=32,
        val=32, test=32, losses=("xent",), epochs=1, batch_size=16, minibatch=16,
        eval_every=2, max_length=16, overlap=False,
    )  # fmt: skip


def test_a_cut_weak_model_trains_as_its_own_stage(tmp_path, csv_path, tiny, monkeypatch):
    trained: list[int] = []
    real = stage_module.build_classifier

    def spy(model, *args, **kwargs):
        clf, tok = real(model, *args, **kwargs)
        trained.append(len(clf.base.base_model.model.encoder.layer))  # LoRA wraps the base
        return clf, tok

    monkeypatch.setattr(stage_module, "build_classifier", spy)
    full = run_finetune(_config(csv_path, tiny["bert"], tiny["mpnet"]), tmp_path / "full",
                        log=lambda _: None)  # fmt: skip
    assert trained == [2, 2, 2]  # weak, student, ceiling
    trained.clear()
    cut = run_finetune(_config(csv_path, f"{tiny['bert']}:layer1", tiny["mpnet"]),
                       tmp_path / "cut", log=lambda _: None)  # fmt: skip
    assert trained == [1, 2]  # the cut weak model is trained anew; the ceiling is reused
    assert cut["provenance"]["models"]["weak"]["cut"] == 1
    assert cut["ceiling"] == full["ceiling"]


def test_tfidf_is_not_a_fine_tune_weak_model(monkeypatch, capsys, csv_path) -> None:
    monkeypatch.setattr(sys, "argv", ["w2sg", "finetune", "--dataset", csv_path, "--weak",
                                      "tfidf"])  # fmt: skip
    with pytest.raises(SystemExit) as ex:
        main()
    err = capsys.readouterr().err.strip()
    assert ex.value.code == 2 and "\n" not in err
    assert "a bag-of-words model has nothing to fine-tune" in err
