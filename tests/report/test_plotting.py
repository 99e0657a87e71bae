"""Saved figures are reproducible: the same figure gives the same bytes on every run."""

from __future__ import annotations

from w2sg.report.plotting import pyplot, save_figure


def _draw(out_dir, stem: str):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["a", "b"], [0.3, 0.7], color="#2ca02c")
    ax.errorbar([0, 1], [0.3, 0.7], yerr=0.05, fmt="none")
    return save_figure(fig, out_dir, stem)


def test_the_same_figure_saves_the_same_bytes(tmp_path):
    first = _draw(tmp_path / "one", "fig")
    second = _draw(tmp_path / "two", "fig")
    assert [p.suffix for p in first] == [".png", ".svg"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    svg = first[1].read_text()
    assert "<dc:date>" not in svg and 'clip-path="url(#' in svg
