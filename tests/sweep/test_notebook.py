"""The walkthrough notebook is stored without outputs and executes from top to bottom."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow  # the real MiniLM model

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "walkthrough.ipynb"


def test_the_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_the_walkthrough_notebook_executes(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the kernel's work folder lands in tmp_path
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute()
    text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                   for c in nb.cells if c.cell_type == "code" for o in c.outputs)  # fmt: skip
    assert "precision" in text and "'pgr'" in text
    assert "report.html" in text and "pgr_mean" in text
    assert not any(o.output_type == "error" for c in nb.cells for o in c.get("outputs", []))
    assert list(tmp_path.glob("w2sg-notebook-*"))  # its work folder, removed with tmp_path
