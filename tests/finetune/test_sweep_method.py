"""Fine-tune mode as a sweep method: cells that differ only in the student loss share the
weak model and the ceiling, and the sweep's statistics compare each loss with the baseline."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import w2sg.finetune.stage as trainer_module  # where the run calls `train`
from w2sg.sweep.executors import LocalExecutor
from w2sg.sweep.grid import parse_sweep
from w2sg.sweep.methods import get_method
from w2sg.sweep.run import run_sweep

# Full fine-tuning of the tiny BERT learns the toy task at lr 5e-3 (the ceiling); at 1e-6 the
# weak model learns nothing, so ceiling - weak clears the sweep's guard margin.
PARAMS = {"weak_train": 48, "strong_train": 48, "val": 32, "test": 40, "epochs": 4,
          "batch_size": 16, "minibatch": 8, "weak_lr": 1e-6, "strong_lr": 5e-3, "lora": False,
          "eval_every": 2, "max_length": 24, "overlap": False}  # fmt: skip


def test_finetune_cells_share_weak_and_ceiling_and_compare_losses(
    tmp_path, monkeypatch, texts_of, tiny
) -> None:
    texts, labels = texts_of(200, 3)
    csv = tmp_path / "toy.csv"
    pd.DataFrame({"text": texts, "label": labels}).to_csv(csv, index=False)
    monkeypatch.setenv("W2SG_CACHE", str(tmp_path / "cache"))
    calls: list[int] = []
    real = trainer_module.train

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "train", counting)
    config = parse_sweep({
        "name": "ft", "datasets": [str(csv)], "pairs": [[tiny["bert"], tiny["bert"]]],
        "methods": {
            "ft_xent": {"kind": "finetune", "params": {**PARAMS, "losses": ["xent"]}},
            "ft_entropy": {"kind": "finetune", "params": {**PARAMS, "losses": ["entropy"]}},
        },
        "seeds": [0, 1], "baseline": "ft_xent", "bootstrap": 200, "metric": "auc",
    })  # fmt: skip
    run = run_sweep(config, tmp_path / "out", executor=LocalExecutor(1), progress=False,
                    log=lambda _: None)  # fmt: skip
    assert run.counts == {"done": 4}
    assert len(calls) == 2 * 4  # per seed: weak, ceiling, xent, entropy (which reused two)
    out = tmp_path / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    table = pd.read_parquet(out / "table.parquet")
    for entry, row in zip(manifest["cells"].values(), table.itertuples(), strict=True):
        results = json.loads((out / entry["dir"] / "results.json").read_text())
        assert row.w2s_accuracy == results["w2s"]["accuracy"]
        assert row.method == entry["method"] and list(results["students"]) == (
            ["xent"] if row.method == "ft_xent" else ["entropy"]
        )
    logs = [(out / e["dir"] / "log.txt").read_text() for e in manifest["cells"].values()
            if e["method"] == "ft_entropy"]  # fmt: skip
    assert len(logs) == 2 and all("weak reused" in t and "ceiling reused" in t for t in logs)
    stats = json.loads((out / "statistics.json").read_text())
    assert not any(r["guarded"] for r in stats["per_dataset"]), stats["per_dataset"]
    assert [r["method"] for r in stats["vs_baseline"]] == ["ft_entropy"]


def test_finetune_method_rejects_unknown_options() -> None:
    from w2sg.errors import W2SGError
    from w2sg.sweep.methods import GridPoint

    method = get_method("finetune")
    point = GridPoint("rotten_tomatoes", "minilm-l6", "mpnet-base", 0)
    with pytest.raises(W2SGError, match="unknown option.*l2"):
        method.make_config(point, {"l2": 0.1})
    assert method.make_config(point, {"losses": ["kl"]}).losses == ("kl",)
