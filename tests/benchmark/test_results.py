"""`w2sg results` end to end on generated sweep folders: every section, its figures, the
report; a missing or wrong folder is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from w2sg.cli import run_cli

SECTIONS = (
    "# Results",
    "## How these tables were made",
    "## Headline: weak, W2S and ceiling per task",
    "## (a) Mixing",
    "## (b) Selection",
    "## (c) Fine-tune tier: logconf against xent",
    "## (d) Interventions against the plain student",
    "## (e) Across tasks: does the share of overlap points predict PGR?",
    "## Weak supervision",
)


def _results(*args: str) -> int:
    return run_cli(["results", "--bootstrap", "500", *args])


def test_results_writes_every_section_figure_and_the_report(probe_sweep, finetune_sweep, tmp_path):
    out = tmp_path / "docs" / "results.md"
    report = tmp_path / "report.html"
    assert _results("--sweeps", str(probe_sweep), "--finetune", str(finetune_sweep),
                    "--out", str(out), "--report", str(report)) == 0  # fmt: skip
    text = out.read_text()
    at = [text.index(s) for s in SECTIONS]
    assert at == sorted(at)
    assert "[measurements.md](measurements.md)" in text
    assert "[methods.md](methods.md#the-benchmark)" in text
    # the sweep's own times: two cold runs (one killed) and the cached rerun
    assert "cold 1 h 56 min (2 run(s) computing" in text and "1 of them stopped early" in text
    assert "cached rerun 42.0 s" in text
    # the fine-tune tier's nine cells record 9 x 1,020 s of training in their stages
    assert "the cells' trained stages record 2 h 33 min of training" in text
    assert text.count("trained stages record") == 1  # the probe tier trains no stages
    assert text.count("Made by `w2sg sweep configs/benchmark.yaml`, then `w2sg results") >= 6
    assert "cells at abcdef0; sweep cold 1 h 56 min, cached 42.0 s)." in text
    # the guard, the size rule, the one PGR rule
    assert "too small: not a result; 2 seed(s) < 3; test 100 < 300" in text
    assert "excluded: ceiling - weak = 0.0050 < margin 0.01" in text  # said once, not twice
    assert "no PGR: ceiling - weak = 0.005 < 0.01" not in text
    # (a), (b), (e) supported on the generated data; (d) one arm helps, one hurts
    assert "Mixing slope above zero, across 4 tasks" in text
    assert "Spearman's rho 1.00 [1.00, 1.00]" in text and text.count("**supported**") >= 4
    assert "| filter:topo | 4 | 4 | 0 |" in text and "**helps**" in text and "**hurts**" in text
    # (c): logconf above xent on 2 of 3 tasks, beside EleutherAI's 16 of 21
    assert "| w2sg: finetune | 3 | 2 | 1 |" in text
    assert "| EleutherAI (published) | 21 | 16 | 5 | not published | 0.135 | 0.079 |" in text
    assert "| t0 (weak-a → strong-b) | labelmodel | 3 |" in text
    for stem in ("mixing_slopes", "ucb_minus_random", "interventions_vs_plain", "overlap_vs_pgr"):
        assert (out.parent / "results" / f"{stem}.png").is_file()
        assert (out.parent / "results" / f"{stem}.svg").is_file()
        assert f"](results/{stem}.png)" in text
    page = report.read_text()
    assert "<h2>(e) Across tasks" in page and "data:image/png;base64," in page
    assert '<a href="methods.md#the-benchmark">' in page


def test_a_rerun_writes_the_same_page(probe_sweep, tmp_path):
    out = tmp_path / "results.md"
    assert _results("--sweeps", str(probe_sweep), "--out", str(out)) == 0
    first = out.read_text()
    assert _results("--sweeps", str(probe_sweep), "--out", str(out)) == 0
    assert out.read_text() == first
    assert (probe_sweep / "results.html").is_file()  # the report's default place


def test_without_the_finetune_tier_the_section_says_how_to_make_it(probe_sweep, tmp_path):
    out = tmp_path / "results.md"
    assert _results("--sweeps", str(probe_sweep), "--out", str(out)) == 0
    text = out.read_text()
    section = text[text.index("## (c)") : text.index("## (d)")]
    assert "`make results-finetune`" in section and "w2sg: finetune" not in section
    assert "16 of 21" in section  # the published claim is still stated


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("missing", "error: no such sweep folder: "),
        ("empty", "is not a sweep folder: it holds no manifest.json and sweep.json"),
        ("file", "is a file, not a sweep folder"),
    ],
)
def test_a_bad_folder_is_one_clear_line(tmp_path, capsys, folder, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "file").write_text("x")
    out = tmp_path / "results.md"
    assert _results("--sweeps", str(tmp_path / folder), "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and not out.exists()


def test_bad_options_fail_before_reading(probe_sweep, tmp_path, capsys):
    out = str(tmp_path / "results.md")
    assert _results("--sweeps", str(probe_sweep), "--out", out, "--alpha", "0.7") == 2
    assert _results("--sweeps", str(probe_sweep), "--out", out, "--finetune-metric", "f1") == 2
    assert _results("--sweeps", str(probe_sweep), "--finetune", str(tmp_path / "no"),
                    "--out", out) == 2  # fmt: skip
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert "--alpha must be <= 0.5" in lines[0] and "--finetune-metric" in lines[1]
    assert not Path(out).exists()
