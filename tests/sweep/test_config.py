"""A sweep file is validated before any work: every bad name or key is one clear error."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from w2sg.errors import W2SGError
from w2sg.sweep.grid import check_names, load_sweep, parse_sweep, plan_cells

from .conftest import grid


def test_the_grid_is_datasets_x_pairs_x_methods_x_seeds(tiny_csvs):
    raw = grid(tiny_csvs, seeds=(0, 1))
    raw["methods"]["strong_l2"] = {
        "kind": "study",
        "params": {**raw["methods"]["study"]["params"], "l2": 0.1},
    }
    cells = plan_cells(parse_sweep(raw))
    assert len(cells) == 2 * 1 * 2 * 2
    assert cells[0].id == "tiny0/minilm-l6__minilm-l6/study/seed0"
    assert cells[0].config.seeds == (0,) and cells[0].config.mixing_seeds == (0,)
    assert {c.config.l2 for c in cells if c.method == "strong_l2"} == {0.1}
    assert len({c.digest for c in cells}) == len(cells)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown sweep key.*colour"),
        ({"methods": {"studdy": {}}}, "unknown sweep method 'studdy'"),
        ({"methods": {"study": {"params": {"weak_trian": 10}}}}, "unknown option.*weak_trian"),
        ({"methods": {"study": {"params": {"seeds": [1]}}}}, "seeds is set by the sweep grid"),
        ({"methods": {"study": {"params": {"test": -2}}}}, "test must be positive"),
        ({"seeds": ["a"]}, "seeds entry must be a whole number"),
        ({"baseline": "other"}, "baseline 'other' is not a method"),
        ({"pairs": [["minilm-l6"]]}, r"pairs\[0\]"),
    ],
)
def test_bad_sweep_files_fail_with_one_clear_error(tiny_csvs, change, message):
    with pytest.raises(W2SGError, match=message):
        plan_cells(parse_sweep({**grid(tiny_csvs), **change}))


def test_unknown_dataset_and_model_fail_before_any_work(tiny_csvs):
    with pytest.raises(W2SGError, match="unknown dataset 'rotten_tomatoe'"):
        check_names(parse_sweep({**grid(tiny_csvs), "datasets": ["rotten_tomatoe"]}))
    with pytest.raises(W2SGError, match="unknown model 'tiny-bert'"):
        check_names(parse_sweep({**grid(tiny_csvs), "pairs": [["tiny-bert", "minilm-l6"]]}))


def test_cli_prints_one_error_line_and_dry_run_lists_cells(tiny_csvs, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**grid(tiny_csvs), "methods": {"nope": {}}}))
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(grid(tiny_csvs, seeds=(0, 1))))
    proc = subprocess.run([sys.executable, "-m", "w2sg", "sweep", str(bad)],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown sweep method 'nope'; known:")
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "w2sg", "sweep", str(good), "--dry-run", "--out",
         str(tmp_path / "out")], capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "4 cells; 4 to run"
    assert lines[0].split() == ["run", "pending", "tiny0/minilm-l6__minilm-l6/study/seed0"]
    assert not (tmp_path / "out").exists()


def test_the_shipped_offline_sweep_is_valid():
    from pathlib import Path

    config = load_sweep(Path(__file__).parents[2] / "configs" / "offline.yaml")
    cells = plan_cells(config)
    assert len(config.datasets) == 10 and config.seeds == (0, 1, 2)
    assert len(cells) == 10 * 1 * 3
    assert config.pairs == (("minilm-l6", "mpnet-base"),)


def test_a_dataset_and_a_method_may_name_their_own_pairs_and_datasets(tiny_csvs):
    raw = grid(tiny_csvs, seeds=(0,))
    raw["datasets"] = [
        {"name": str(tiny_csvs[0]), "label": "first", "pairs": [["mpnet-base", "minilm-l6"]]},
        {"name": str(tiny_csvs[1]), "label": "second"},
    ]
    raw["methods"]["only_first"] = {
        "kind": "study",
        "params": raw["methods"]["study"]["params"],
        "datasets": ["first"],
        "pairs": [["minilm-l6", "mpnet-base"]],
    }
    cells = {c.id: c for c in plan_cells(parse_sweep(raw))}
    assert sorted(cells) == [
        "first/minilm-l6__mpnet-base/only_first/seed0",  # the method's pair wins
        "first/mpnet-base__minilm-l6/study/seed0",  # the dataset's own pair
        "second/minilm-l6__minilm-l6/study/seed0",  # the sweep's pair
    ]
    assert cells["first/mpnet-base__minilm-l6/study/seed0"].config.weak_model == "mpnet-base"
    assert cells["first/minilm-l6__mpnet-base/only_first/seed0"].config.strong_model == (
        "mpnet-base"
    )


@pytest.mark.parametrize(
    ("methods", "datasets", "message"),
    [
        ({"study": {"datasets": ["thrid"]}}, None, r"methods.study.datasets: no dataset .*thrid"),
        ({"study": {"pairs": [["a"]]}}, None, r"methods.study.pairs\[0\] must be"),
        ({"study": {"colour": 1}}, None, "known: kind, params, pairs, datasets"),
        (None, [{"name": "x.csv", "pairs": []}], r"datasets\[0\].pairs is empty"),
    ],
)
def test_bad_pairs_and_dataset_lists_are_one_clear_error(tiny_csvs, methods, datasets, message):
    raw = grid(tiny_csvs)
    if methods:
        raw["methods"] = methods
    if datasets:
        raw["datasets"] = datasets
    with pytest.raises(W2SGError, match=message):
        parse_sweep(raw)


def test_the_benchmark_sweeps_are_valid_and_sized_as_documented():
    from pathlib import Path

    configs = Path(__file__).parents[2] / "configs"
    probe = load_sweep(configs / "benchmark.yaml")
    cells = plan_cells(probe)
    assert probe.seeds == (0, 1, 2, 3, 4) and len(probe.datasets) == 10
    assert {m.kind for m in probe.methods} == {"study", "interventions"}
    label_model = next(m for m in probe.methods if m.params.get("weak_supervisor") == "labelmodel")
    sentiment = {"rotten_tomatoes", "vader_movies", "vader_tweets", "vader_amazon", "vader_nyt"}
    assert set(label_model.datasets or ()) == sentiment
    for d in probe.datasets:
        p = d.params
        assert p["val"] > 0 and p["test"] >= 300, d.name  # choices on val; tests large enough
        # 1,000 strong_train rows wherever the task holds them (not the 1,598 of this one)
        assert p["strong_train"] >= 1000 or d.name == "newsgroups_christian_atheism", d.name
    assert len(cells) == 10 * 5 * 2 + 5 * 5
    # each task names its own weak choice (made on val by `w2sg gap configs/weak_gap.yaml`),
    # at the weak_train size the scan measured it at
    menu = load_sweep(configs / "weak_gap.yaml")
    scanned = {w for w, _ in menu.pairs}
    sizes = {m.params["weak_train"] for m in menu.methods}
    for d in probe.datasets:
        assert d.pairs is not None and len(d.pairs) == 1, d.name
        assert d.pairs[0][0] in scanned and d.pairs[0][1] == "mpnet-base", d.name
        assert d.params["weak_train"] in sizes, d.name
    assert len({d.pairs[0][0] for d in probe.datasets if d.pairs}) > 1  # not one pair for all
    finetune = load_sweep(configs / "benchmark-finetune.yaml")
    ft_cells = plan_cells(finetune)
    assert finetune.seeds == (0, 1, 2) and 2 <= len(finetune.datasets) <= 3
    assert {c.config.losses for c in ft_cells} == {("xent", "logconf")}
    assert {c.config.preset for c in ft_cells} == {None, "eleuther"}
    # rotten_tomatoes' cells are `w2sg finetune [--preset eleuther] --seeds 0,1,2` (the
    # measurements page's commands): the same sizes, so they share the trained stages
    from w2sg.finetune.config import FinetuneConfig

    cli = FinetuneConfig()
    rt = [c for c in ft_cells if c.dataset == "rotten_tomatoes"]
    assert len(rt) == 6
    for c in rt:
        sizes = (c.config.weak_train, c.config.strong_train, c.config.val, c.config.test)
        assert sizes == (cli.weak_train, cli.strong_train, cli.val, cli.test)


def test_warm_ups_that_cover_others_run_first(tiny_csvs):
    from w2sg.sweep.run import warm_tasks

    raw = grid(tiny_csvs, seeds=(0, 1))
    raw["methods"]["interventions"] = {"kind": "interventions", "params": {"weak_layer": 1}}
    tasks = warm_tasks(plan_cells(parse_sweep(raw)), threads=1)
    # one warm-up per dataset and method; both interventions' before either study's
    assert [t.method for t in tasks] == ["interventions", "interventions", "study", "study"]
    # the two seeds' configs, as one config with both seeds: each row is read once
    assert [len(t.configs) for t in tasks] == [1, 1, 1, 1]
    assert [t.configs[0].seeds for t in tasks] == [(0, 1)] * 4
