"""`w2sg report`: one self-contained page for a sweep and a run, rendered in headless Chromium."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from w2sg.data import load_dataset
from w2sg.errors import W2SGError
from w2sg.report.blocks import Code, Heading, Table, to_html
from w2sg.report.html import write_html_report

from .chromium import chromium, render

STUDY = {"weak_layer": 1, "weak_train": 60, "strong_train": 80, "test": 60,
         "mixing_seeds": [0], "mixing_qs": [0.0, 0.5, 1.0], "selection": False}  # fmt: skip


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    """A real tiny sweep: one user CSV, two methods, two seeds, run in this process."""
    from w2sg.sweep.executors import LocalExecutor
    from w2sg.sweep.grid import parse_sweep
    from w2sg.sweep.run import run_sweep

    tmp = tmp_path_factory.mktemp("report")
    rt = load_dataset("rotten_tomatoes")
    rng = np.random.default_rng(1)
    pick = np.concatenate([rng.choice(np.flatnonzero(rt.labels == c), 120, replace=False)
                           for c in (0, 1)])  # fmt: skip
    pd.DataFrame({"text": rt.texts[pick], "label": rt.labels[pick]}).to_csv(
        tmp / "reviews.csv", index=False
    )
    config = parse_sweep({
        "name": "report-test", "datasets": [str(tmp / "reviews.csv")],
        "pairs": [["minilm-l6", "minilm-l6"]], "seeds": [0, 1], "baseline": "study",
        "methods": {"study": {"params": STUDY},
                    "study_l2": {"kind": "study", "params": {**STUDY, "l2": 0.1}}},
        "bootstrap": 500,
    })  # fmt: skip
    out = tmp / "sweep"
    run_sweep(config, out, executor=LocalExecutor(1), progress=False, log=lambda _: None)
    return out


@pytest.mark.slow
def test_the_sweep_page_holds_every_figure_and_table_inline(sweep_folder):
    page = (sweep_folder / "report.html").read_text()
    pngs = sorted(p.name for p in sweep_folder.glob("*.png"))
    assert pngs == ["mixing_slope_by_dataset.png", "pgr_by_dataset.png"]
    assert page.count('src="data:image/png;base64,') == len(pngs)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from a network
    stats = json.loads((sweep_folder / "statistics.json").read_text())
    row = stats["per_dataset"][0]
    assert f"{row['pgr_mean']:.3f}" in page and "Against the baseline (PGR)" in page
    assert "Per dataset (means over seeds)" in page and "reviews/minilm-l6__minilm-l6" in page


@pytest.mark.slow
def test_a_run_folder_gets_its_own_page(sweep_folder):
    cell = sweep_folder / "cells/reviews/minilm-l6__minilm-l6/study/seed0"
    path = write_html_report(cell)
    page = path.read_text()
    results = json.loads((cell / "results.json").read_text())
    assert f"{results['w2s']['accuracy']:.4f}" in page
    assert page.count("data:image/png;base64,") == len(list(cell.rglob("*.png")))
    assert "Config" in page and "Provenance" in page
    with pytest.raises(W2SGError, match="neither results.json"):
        write_html_report(sweep_folder / "cells")


def test_blocks_are_escaped(tmp_path):
    table = Table(("a", "b"), [("<x>", Code("c"))], guarded=[True])
    html = to_html([Heading(2, "T"), table], tmp_path)
    assert "<h2>T</h2>" in html and "<td>&lt;x&gt;</td>" in html and "<code>c</code>" in html
    assert '<tr class="guarded">' in html


@pytest.mark.slow
@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (CI installs it)")
def test_the_page_renders_in_chromium(sweep_folder, tmp_path):
    from matplotlib import image

    out = render(sweep_folder / "report.html", tmp_path / "profile")
    assert out["errors"] == []
    assert all(u.startswith(("file:", "data:")) for u in out["urls"]), out["urls"]
    assert len(out["images"]) == 2
    assert all(done and width > 0 for done, width in out["images"])
    pixels = image.imread(io.BytesIO(out["png"]))
    assert pixels.shape[0] > 100 and pixels[..., :3].std() > 0.05  # not a blank page
    assert (pixels[..., :3].mean(axis=2) < 0.9).mean() > 0.01


@pytest.mark.slow
def test_the_report_command_writes_the_page(sweep_folder):
    import subprocess
    import sys

    (sweep_folder / "report.html").unlink()
    proc = subprocess.run([sys.executable, "-m", "w2sg", "report", str(sweep_folder)],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(sweep_folder / "report.html")
    assert (sweep_folder / "report.html").stat().st_size > 10_000
    bad = subprocess.run([sys.executable, "-m", "w2sg", "report", str(sweep_folder / "nope")],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.startswith("error: no such folder")
