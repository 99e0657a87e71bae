"""summary.md and report.html of each kind of run and of a sweep folder, from JSON written by
hand into a temporary folder (no models): every table once, nothing read back from summary.md."""

from __future__ import annotations

import json
import re

from w2sg.report.html import write_html_report, write_run_report

from .pages import PNG, STALE, sections, tables_per_heading


def _stat(mean, std=0.01):
    return {"mean": mean, "std": std}


def study_results() -> dict:
    mixing = [
        {"kind": "mix", "q": q, "seed": 0, "accuracy": 0.7 + 0.1 * q, "auc": 0.8}
        for q in (0.0, 0.5, 1.0)
    ] + [{"kind": "baseline", "q": None, "seed": 0, "accuracy": 0.74, "auc": 0.79}]
    overlap = {"n_overlap": 30, "n_easy_only": 40, "n_hard_only": 30, "fallback": False,
               "confidence_threshold": 0.4, "overlap_threshold": 0.8, "reasons": []}  # fmt: skip
    selection = {
        "arms": {"kind": "natural", "names": ["news", "web"]},
        "config": {"detection": "history", "estimator": "reference"},
        "strategies": {
            "ucb": {
                "summary": {
                    "final": {"estimated_ratio": _stat(0.4), "accuracy": _stat(0.8)},
                    "pulls_mean": [1.0, 3.0],
                }
            },
        },  # fmt: skip
        "figures": ["selection/selection_pulls.png", "selection/selection_pulls.svg"],
    }
    return {
        "config": {"dataset": "toy", "weak_model": "small", "strong_model": "large",
                   "seeds": [0], "w2sg_version": "0.1", "weak_train": 10, "strong_train": 100,
                   "test": 50, "weak_layer": 1, "strong_layer": 2, "pooling": "mean"},
        "stages": {"seed0": {"probes": {"status": "ok"},
                             "extra": {"status": "failed", "reason": "it <broke>"}}},
        "weak": {"accuracy": 0.7, "auc": 0.75}, "w2s": {"accuracy": 0.8, "auc": 0.85},
        "ceiling": {"accuracy": 0.9, "auc": 0.95}, "pgr": {"accuracy": 0.5, "auc": 0.5},
        "per_seed": [{"seed": 0, "overlap": overlap, "mixing": mixing}],
        "mixing_slope": 0.1, "selection": selection,
        "provenance": {"w2sg": {"version": "0.1"}},
        "timings": {"data_and_activations_s": 0.5, "total_s": 2.0},
    }  # fmt: skip


def test_the_study_page_shows_each_table_once_and_not_summary_md(tmp_path):
    results = study_results()
    (tmp_path / "results.json").write_text(json.dumps(results))
    (tmp_path / "summary.md").write_text(f"# {STALE}\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n")
    for name in ("models.png", "mixing.png", "extra.png", "selection/selection_pulls.png"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(PNG)
    page = write_html_report(tmp_path).read_text()
    assert STALE not in page and "<th>a</th>" not in page
    assert tables_per_heading(page) == {
        "W2S study: toy, small → large": 1,  # the headline table
        "Stages that did not run": 0,
        "Overlap detection (split seed 0)": 0,
        "Mixing experiment (mean ± std over mixing seeds)": 1,
        "Choosing data sources (first split seed)": 1,
        "More figures": 0,
        "Config": 1,
        "Provenance": 0,
        "Timings": 1,
    }
    assert page.count("<th>model (test)</th>") == 1 and page.count("<td><b>PGR</b></td>") == 1
    assert "<li>seed 0, extra: failed — it &lt;broke&gt;</li>" in page
    assert page.count("data:image/png;base64,") == 4  # each PNG once, where its section is
    assert 'class="bad">figure weak_confidence.png is missing' in page
    assert "extra.png" in sections(page)["More figures"]
    selection = sections(page)["Choosing data sources (first split seed)"]
    assert "selection/selection_pulls.png" in selection


def test_summary_md_and_the_page_come_from_the_same_blocks(tmp_path):
    write_run_report(study_results(), tmp_path)
    text = (tmp_path / "summary.md").read_text()
    page = (tmp_path / "report.html").read_text()
    assert text.startswith("# W2S study: toy, small → large\n\nw2sg 0.1; seeds [0]; sizes")
    assert "| **PGR** | 0.5000 | 0.5000 |" in text and "| random subset | 0.7400 ± 0.0000 |" in text
    assert "Natural arms: news, web. Detection rule history" in text
    assert "| ucb | n/a | 0.4000 | 0.8000 | n/a | 1.0 / 3.0 |" in text
    assert text.endswith("Total time 2.0 s (data and activations 0.5 s).\n")
    for heading in re.findall(r"^#+ (.*)$", text, flags=re.M):
        assert heading in sections(page)
    md_headers = re.findall(r"^\| (.*) \|\n\| ---", text, flags=re.M)
    html_headers = [
        " | ".join(re.findall(r"<th>(.*?)</th>", head))
        for head in re.findall(r"<thead>(.*?)</thead>", page)
    ]
    assert html_headers == [*md_headers, "key | value", "key | value"]  # + config, timings


def finetune_results() -> dict:
    student = {"accuracy": _stat(0.8), "auc": _stat(0.85),
               "pgr": {"accuracy": _stat(0.5), "auc": _stat(None, None)}}  # fmt: skip
    return {
        "config": {"dataset": "toy.csv", "weak_model": "small", "strong_model": "large",
                   "seeds": [0], "weak_train": 8, "strong_train": 8, "val": 4, "test": 8,
                   "lora": False, "epochs": 1},
        "weak": {"accuracy": 0.7, "auc": 0.75}, "weak_std": {"accuracy": 0.0, "auc": 0.0},
        "ceiling": {"accuracy": 0.9, "auc": 0.95}, "ceiling_std": {"accuracy": 0.0, "auc": 0.0},
        "w2s": {"accuracy": 0.8, "auc": 0.85}, "pgr": {"accuracy": 0.5, "auc": 0.5},
        "students": {"xent": student}, "per_seed": [{"seed": 0, "curves": {}}],
        "provenance": {}, "timings": {"total_s": 3.0},
    }  # fmt: skip


def test_a_fine_tune_page_has_its_own_blocks(tmp_path):
    write_run_report(finetune_results(), tmp_path)
    text = (tmp_path / "summary.md").read_text()
    page = (tmp_path / "report.html").read_text()
    assert text.startswith("# w2sg finetune: toy.csv, small -> large\n")
    assert "| student xent | 0.8000 | 0.0100 | 0.8500 | 0.0100 | 0.5000 ± 0.0100 | n/a |" in text
    assert text.endswith("Wall time: 3 s. Figure: curves.png.\n")
    assert tables_per_heading(page) == {
        "w2sg finetune: toy.csv, small -> large": 1, "Config": 1, "Provenance": 0, "Timings": 1,
    }  # fmt: skip
    assert "(no provenance recorded)" in page


def test_interventions_and_probe_sweep_pages(tmp_path):
    row = {k: _stat(0.6) for k in ("accuracy", "auc", "pgr_accuracy", "pgr_accuracy_vs_plain",
           "n_kept", "weak_label_accuracy_kept", "weak_label_accuracy_dropped",
           "train_label_accuracy", "topocc_removed_fraction")}  # fmt: skip
    interventions = {
        "config": {"weak_model": "small", "strong_model": "large", "seeds": [0]},
        "dataset": {"name": "toy"}, "probe_layer": 3, "student_layer": 6,
        "weak": {"accuracy": _stat(0.6)}, "w2s": {"accuracy": _stat(0.7)},
        "ceiling": {"accuracy": _stat(0.9)}, "interventions": {"filter:topo": row},
        "per_seed": [{"seed": 0}],
    }  # fmt: skip
    write_run_report(interventions, tmp_path / "i")
    text = (tmp_path / "i" / "summary.md").read_text()
    assert "| filter:topo | 0.600 ± 0.010 |" in text
    assert "filter:topo: TopoCC alone removed 0.600 ± 0.010 of the pool." in text
    page = (tmp_path / "i" / "report.html").read_text()
    assert tables_per_heading(page)["Interventions: toy, small -> large"] == 1
    probes = {
        "dataset": {"name": "toy"}, "layers": [1, 2], "weak_auc": _stat(0.7),
        "sweep": {"knn": {"parameter": "k", "values": [3], "best": {"layer": 2, "value": 3,
                                                                    "auc_gain": 0.05,
                                                                    "auc_gain_std": 0.01}},
                  "logistic": {"parameter": "l2", "values": [0.1], "best": None}},
    }  # fmt: skip
    write_run_report(probes, tmp_path / "p")
    text = (tmp_path / "p" / "summary.md").read_text()
    assert "| knn | 2 | k=3 | +0.0500 ± 0.0100 |\n| logistic | n/a | n/a | n/a |" in text
    page = (tmp_path / "p" / "report.html").read_text()
    assert tables_per_heading(page) == {"Probe sweep: toy": 1, "Provenance": 0}
