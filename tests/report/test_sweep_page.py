"""A sweep folder's summary.md and report.html from hand-made sweep.json, manifest.json and
statistics.json: the per-dataset table once with its guarded rows greyed, the tests, cells."""

from __future__ import annotations

import json

from w2sg.report.html import write_html_report, write_sweep_folder_report

from .pages import PNG, STALE, sections, tables_per_heading

CONFIG = {"name": "tiny", "metric": "accuracy", "guard_margin": 0.01, "baseline": "study"}


def _row(dataset: str, method: str, guarded: bool) -> dict:
    return {
        "dataset": dataset, "weak_model": "small", "strong_model": "large", "method": method,
        "seeds": 2, "weak": 0.6, "w2s": 0.7, "ceiling": 0.605 if guarded else 0.9, "gap": 0.3,
        "pgr_mean": 0.3333333, "pgr_median": 0.34, "pgr_lo": None if guarded else 0.2,
        "pgr_hi": None if guarded else 0.45, "pgr_seeds": 2, "overlap_share": 0.25,
        "mixing_slope": None, "guarded": guarded,
        "note": "excluded: ceiling - weak = 0.0050 < margin 0.01" if guarded else "",
    }  # fmt: skip


def _test(method: str, **extra) -> dict:
    note = "fewer than 2 paired datasets: no test"
    return {"method": method, **extra, "n": 1, "wins": 1, "losses": 0, "mean_diff": 0.05,
            "t_p": None, "wilcoxon_p": None, "note": note}  # fmt: skip


STATISTICS = {
    "metric": "accuracy", "guard_margin": 0.01, "baseline": "study", "bootstrap_resamples": 100,
    "per_dataset": [_row("alpha", "study", False), _row("alpha", "l2", False),
                    _row("beta", "study", True), _row("beta", "l2", True)],
    "across_datasets": [{"weak_model": "small", "strong_model": "large", "method": m,
                         "datasets": 1, "excluded": 1, "pgr_mean": 0.333, "pgr_median": 0.333}
                        for m in ("l2", "study")],
    "w2s_vs_weak": [_test("l2", comparison="w2s > weak"), _test("study", comparison="w2s > weak")],
    "vs_baseline": [_test("l2", baseline="study")],
}  # fmt: skip


def _manifest() -> dict:
    cells = {
        f"{d}/small__large/{m}/seed{s}": {"dir": f"cells/{d}/{m}/seed{s}", "state": "done",
                                          "attempts": 1, "duration_s": 2.5, "error": None}
        for d in ("alpha", "beta") for m in ("study", "l2") for s in (0, 1)
    }  # fmt: skip
    cells["gamma/small__large/study/seed0"] = {
        "dir": "cells/gamma/study/seed0", "state": "failed", "attempts": 2, "duration_s": 0.1,
        "error": "W2SGError: gamma is <too> small",
    }  # fmt: skip
    return {"cells": cells, "warm": {}}


def _folder(tmp_path):
    (tmp_path / "sweep.json").write_text(json.dumps(CONFIG))
    (tmp_path / "manifest.json").write_text(json.dumps(_manifest()))
    (tmp_path / "statistics.json").write_text(json.dumps(STATISTICS))
    (tmp_path / "pgr_by_dataset.png").write_bytes(PNG)
    cell = tmp_path / "cells/alpha/study/seed0"
    cell.mkdir(parents=True)
    (cell / "results.json").write_text(json.dumps({"provenance": {"w2sg": {"version": "9.9"}}}))
    (cell / "models.png").write_bytes(PNG)  # a cell's figure belongs to the cell's own page
    return tmp_path


def test_the_sweep_page_from_hand_made_statistics(tmp_path):
    folder = _folder(tmp_path)
    (folder / "summary.md").write_text(f"# {STALE}\n")
    page = write_html_report(folder).read_text()
    assert STALE not in page
    assert tables_per_heading(page) == {
        "Sweep tiny": 0, "Failed cells": 0, "Per dataset (means over seeds)": 1,
        "Across datasets": 1, "Against the baseline (PGR)": 1,
        "W2S against weak (per dataset)": 1, "Figures": 0, "Cells": 1, "Config": 0,
        "Provenance (first finished cell)": 0,
    }  # fmt: skip
    per = sections(page)["Per dataset (means over seeds)"]
    rows = per.split("<tr")[2:]  # after the header row
    assert ['class="guarded"' in r for r in rows] == [False, False, True, True]
    assert "<td>0.333 [n/a, n/a]</td>" in per and "<td>0.333 [0.200, 0.450]</td>" in per
    assert "<li><code>gamma/small__large/study/seed0</code>: W2SGError: gamma is &lt;" in page
    assert "<td>l2 vs study</td>" in page and "<p>Cells: 8 done, 1 failed.</p>" in page
    assert page.count("data:image/png;base64,") == 1  # the sweep's figure, not the cell's
    assert "<summary>9 cells</summary>" in page and "&quot;version&quot;: &quot;9.9&quot;" in page


def test_summary_md_and_page_of_a_sweep_say_the_same(tmp_path):
    folder = _folder(tmp_path)
    write_sweep_folder_report(folder, CONFIG, _manifest(), STATISTICS)
    text = (folder / "summary.md").read_text()
    page = (folder / "report.html").read_text()
    assert "| beta | study | 0.600 | 0.700 | 0.605 | 0.333 [n/a, n/a] | 0.340 | 0.250 | n/a" in text
    assert "| l2 vs study | 1 | 1 | 0 | 0.0500 | n/a | n/a | fewer than 2" in text
    assert "- `gamma/small__large/study/seed0`: W2SGError: gamma is <too> small\n" in text
    assert text.count("\n| --- |") == 4 and page.count("<table") == 5  # + the cells, in HTML only


def test_a_sweep_without_finished_cells(tmp_path):
    folder = _folder(tmp_path)
    (folder / "statistics.json").unlink()
    page = write_html_report(folder).read_text()
    assert "<p>No finished cells yet.</p>" in page and page.count("<table") == 1  # the cells
