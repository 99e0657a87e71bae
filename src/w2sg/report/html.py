"""summary.md and one self-contained report.html for a run (study, fine-tune, interventions,
probe sweep) or a sweep folder, both rendered from one list of blocks.

The blocks come from the folder's JSON alone (results.json; for a sweep its sweep.json,
manifest.json and statistics.json), so the page shows each table once and never re-reads
summary.md. The page adds what a reader of the HTML needs beside the summary: the figures the
blocks do not show, the config, the provenance and the timings. Everything is inline (CSS,
PNG figures as base64), so the page opens without a network and can be mailed as one file.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from w2sg.errors import W2SGError
from w2sg.io import write_atomic
from w2sg.report.blocks import (
    Block,
    Details,
    Figures,
    Heading,
    Paragraph,
    Preformatted,
    Table,
    figure_paths,
    plain,
    to_html,
    to_markdown,
)
from w2sg.report.files import (
    MANIFEST,
    RESULTS,
    STATISTICS,
    read_manifest,
    read_results,
    read_run_results,
    read_statistics,
    read_sweep_config,
    reading,
)
from w2sg.report.run_summaries import finetune_blocks, interventions_blocks, probe_sweep_blocks
from w2sg.report.study_summary import study_blocks
from w2sg.report.sweep_summary import sweep_blocks
from w2sg.validate import path_like

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#1d2433;background:#fff;line-height:1.45}
h1{border-bottom:2px solid #2a9d8f;padding-bottom:.3rem}h2{margin-top:2rem;color:#264653}
table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:right}
th{background:#f1f5f9}td:first-child,th:first-child{text-align:left}
tr.guarded td{color:#888;background:#fafafa}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #e5e7eb}
figcaption{font-size:.85rem;color:#555}pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;
font-size:.8rem}details{margin:.5rem 0}.bad{color:#b42318}.ok{color:#067647}
"""


def folder_kind(folder: Path) -> str:
    """'sweep' (manifest.json and sweep.json), 'run' (results.json), or an error."""
    if (folder / "manifest.json").is_file() and (folder / "sweep.json").is_file():
        return "sweep"
    if (folder / "results.json").is_file():
        return "run"
    raise W2SGError(f"{folder} holds neither results.json (a run) nor manifest.json (a sweep)")


def _cell(x: Any) -> str:
    if isinstance(x, float):
        return "n/a" if x != x else f"{x:.4g}"
    if x is None:
        return "n/a"
    if isinstance(x, dict | list):
        return json.dumps(x)[:200]
    return str(x)


def _write_text(path: Path, text: str) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    write_atomic(path, write)


def _other_blocks(results: dict) -> list[Block]:
    """A run of a kind without its own report: its headline metrics."""
    name = (results.get("dataset") or {}).get("name") or results.get("config", {}).get("dataset")
    models = [m for m in ("weak", "w2s", "ceiling", "pgr") if isinstance(results.get(m), dict)]
    metrics = list(dict.fromkeys(k for m in models for k in results[m]))
    rows = [(m, *(_cell(results[m].get(k)) for k in metrics)) for m in models]
    return [
        Heading(1, f"w2sg run: {name}"),
        Table(("model", *metrics), rows) if rows else Paragraph("(no metrics)"),
    ]


def run_blocks(results: dict) -> list[Block]:
    """The report of a run, by its kind (told apart by what its results.json holds)."""
    if "students" in results:
        return finetune_blocks(results)
    if "interventions" in results and "probe_layer" in results:
        return interventions_blocks(results)
    if "sweep" in results and "layers" in results:
        return probe_sweep_blocks(results)
    if "stages" in results and "per_seed" in results:
        return study_blocks(results)
    return _other_blocks(results)


def page_html(blocks: list[Block], folder: Path) -> str:
    """The whole page: its title is the text of the blocks' first heading; figures are read
    from paths under `folder` and inlined."""
    title = next((plain(b.text) for b in blocks if isinstance(b, Heading)), folder.name)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
        f"<body>\n{to_html(blocks, folder)}\n</body></html>\n"
    )


def _more_figures(blocks: list[Block], folder: Path, recursive: bool) -> list[Block]:
    """The PNG figures in `folder` that the blocks do not already show."""
    shown = figure_paths(blocks)
    paths = sorted(folder.rglob("*.png") if recursive else folder.glob("*.png"))
    names = [
        p.relative_to(folder).as_posix()
        for p in paths
        if not any(part.endswith(".partial") for part in p.parts)
    ]
    rest = [n for n in names if n not in shown]
    return [Heading(2, "More figures" if shown else "Figures"), Figures(rest)] if rest else []


def _key_values(title: str, mapping: dict | None) -> list[Block]:
    if not mapping:
        return []
    return [Heading(2, title), Table(("key", "value"), [(k, _cell(v)) for k, v in mapping.items()])]


def _provenance(title: str, prov: dict | None) -> list[Block]:
    text = json.dumps(prov, indent=2) if prov else None
    return [
        Heading(2, title),
        Preformatted(text) if text else Paragraph("(no provenance recorded)"),
    ]


def run_page(folder: Path, results: dict, blocks: list[Block]) -> str:
    """The page of one run: its blocks, the other figures, config, provenance, timings."""
    return page_html(
        [
            *blocks,
            *_more_figures(blocks, folder, recursive=True),
            *_key_values("Config", results.get("config")),
            *_provenance("Provenance", results.get("provenance")),
            *_key_values("Timings", results.get("timings")),
        ],
        folder,
    )


def write_run_report(results: dict, out_dir: str | Path) -> None:
    """summary.md and report.html of a run, both from the blocks of its results.json."""
    out = Path(out_dir)
    blocks = run_blocks(results)
    text, page = to_markdown(blocks), run_page(out, results, blocks)
    _write_text(out / "summary.md", text)
    _write_text(out / "report.html", page)


def _first_provenance(folder: Path, manifest: dict) -> dict | None:
    for entry in manifest["cells"].values():
        path = folder / str(entry.get("dir")) / "results.json"
        if entry["state"] == "done" and path.is_file():
            return read_results(path).get("provenance")
    return None


def sweep_page(folder: Path, config: dict, manifest: dict, blocks: list[Block]) -> str:
    """The page of a sweep: its blocks, its figures, the cells, config and provenance."""
    fields = ("state", "attempts", "duration_s", "error")
    cells = Table(
        ("cell", *fields),
        [(k, *(_cell(e.get(f)) for f in fields)) for k, e in manifest["cells"].items()],
    )
    return page_html(
        [
            *blocks,
            *_more_figures(blocks, folder, recursive=False),
            Heading(2, "Cells"),
            Details(f"{len(cells.rows)} cells", (cells,)),
            Heading(2, "Config"),
            Preformatted(json.dumps(config, indent=2)),
            *_provenance("Provenance (first finished cell)", _first_provenance(folder, manifest)),
        ],
        folder,
    )


def write_sweep_folder_report(folder: Path, config: dict, manifest: dict, statistics: dict) -> None:
    """summary.md and report.html of a sweep folder, both from one list of blocks."""
    blocks = sweep_blocks(config, manifest, statistics)
    text, page = to_markdown(blocks), sweep_page(folder, config, manifest, blocks)
    _write_text(folder / "summary.md", text)
    _write_text(folder / "report.html", page)


def _check_page_path(path: Path) -> None:
    """A folder where report.html goes is one error saying so."""
    if path.is_dir():
        raise W2SGError(
            f"{path} is a folder, where w2sg report writes the page report.html; move or "
            "remove that folder and run it again"
        )


def _write_page(path: Path, page: str) -> Path:
    """report.html written atomically; a folder in its place is one error saying so."""
    _check_page_path(path)
    _write_text(path, page)
    return path


def write_html_report(folder: str | Path) -> Path:
    """Write `report.html` into `folder` (a run or a sweep) and return its path."""
    folder = path_like(folder, "folder")
    if folder.is_file():
        raise W2SGError(f"{folder} is a file; give the folder of a run or a sweep")
    if not folder.is_dir():
        raise W2SGError(f"no such folder: {folder}")
    _check_page_path(folder / "report.html")  # where the page goes, before reading anything
    if folder_kind(folder) == "sweep":
        config = read_sweep_config(folder / "sweep.json")
        manifest = read_manifest(folder / "manifest.json")
        stats_path = folder / "statistics.json"
        statistics = read_statistics(stats_path)
        with reading(stats_path, STATISTICS):
            blocks = sweep_blocks(config, manifest, statistics)
        with reading(folder / "manifest.json", MANIFEST):
            page = sweep_page(folder, config, manifest, blocks)
    else:
        path = folder / "results.json"
        results = read_run_results(path)
        with reading(path, RESULTS):
            page = run_page(folder, results, run_blocks(results))
    return _write_page(folder / "report.html", page)
