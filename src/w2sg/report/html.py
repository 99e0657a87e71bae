"""One self-contained HTML page for a study, a fine-tune run or a sweep folder.

Everything is inline (CSS, PNG figures as base64), so the page opens without a network and
can be mailed or archived as one file. What it shows comes from the folder: results.json
(config, provenance, headline metrics, tables), summary.md, every PNG figure; for a sweep
also its manifest, per-dataset table and statistics.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

from w2sg.errors import W2SGError
from w2sg.io import write_atomic

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
    """'sweep' (manifest.json), 'run' (results.json: a study or fine-tune run), or an error."""
    if (folder / "manifest.json").is_file() and (folder / "sweep.json").is_file():
        return "sweep"
    if (folder / "results.json").is_file():
        return "run"
    raise W2SGError(f"{folder} holds neither results.json (a run) nor manifest.json (a sweep)")


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _cell(x: Any) -> str:
    if isinstance(x, float):
        return "n/a" if x != x else f"{x:.4g}"
    if x is None:
        return "n/a"
    if isinstance(x, dict | list):
        return _esc(json.dumps(x)[:200])
    return _esc(x)


def table_html(rows: list[dict], columns: list[str] | None = None, guard_key: str = "") -> str:
    """An HTML table of `rows` (dicts); rows whose `guard_key` is true are greyed."""
    if not rows:
        return "<p>(no rows)</p>"
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{_esc(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cls = ' class="guarded"' if guard_key and r.get(guard_key) else ""
        body.append(
            f"<tr{cls}>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns) + "</tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _kv_table(mapping: dict) -> str:
    rows = [{"key": k, "value": v} for k, v in mapping.items()]
    return table_html(rows, ["key", "value"])


def markdown_html(text: str) -> str:
    """The subset of Markdown summary.md files use: headings, pipe tables, lists, paragraphs."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            level = min(len(line) - len(line.lstrip("#")) + 1, 6)
            out.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
        elif line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            rows = [r for r in block[1:] if not all(set(c) <= set("-: ") for c in r)]
            head = "".join(f"<th>{_inline(c)}</th>" for c in block[0])
            body = "".join(
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            continue
        elif line.startswith(("- ", "* ")):
            items = []
            while i < len(lines) and lines[i].startswith(("- ", "* ")):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            out.append(f"<ul>{''.join(items)}</ul>")
            continue
        elif line.strip() and not line.startswith("!["):  # figures are inlined separately
            out.append(f"<p>{_inline(line)}</p>")
        i += 1
    return "\n".join(out)


def _inline(text: str) -> str:
    text = _esc(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)


def figure_html(path: Path, root: Path) -> str:
    """A PNG inlined as base64 with its file name as caption."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    name = _esc(path.relative_to(root))
    return (
        f'<figure><img alt="{name}" src="data:image/png;base64,{data}">'
        f"<figcaption>{name}</figcaption></figure>"
    )


def _figures(folder: Path, recursive: bool) -> str:
    paths = sorted(folder.rglob("*.png") if recursive else folder.glob("*.png"))
    paths = [p for p in paths if not any(part.endswith(".partial") for part in p.parts)]
    return "\n".join(figure_html(p, folder) for p in paths) or "<p>(no figures)</p>"


def _page(title: str, sections: list[tuple[str, str]]) -> str:
    body = "\n".join(f"<section><h2>{_esc(h)}</h2>\n{content}</section>" for h, content in sections)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head>"
        f"<body><h1>{_esc(title)}</h1>\n{body}\n</body></html>\n"
    )


def _provenance(prov: dict | None) -> str:
    if not prov:
        return "<p>(no provenance recorded)</p>"
    return f"<pre>{_esc(json.dumps(prov, indent=2))}</pre>"


def run_page(folder: Path) -> str:
    """The page of one run (study or fine-tune): metrics, config, provenance, figures, tables."""
    results = json.loads((folder / "results.json").read_text())
    config = results.get("config", {})
    title = f"w2sg run: {config.get('dataset', folder.name)}"
    metrics = [
        {
            "model": m,
            **{
                k: v for k, v in (results.get(m) or {}).items() if isinstance(v, int | float | None)
            },
        }
        for m in ("weak", "w2s", "ceiling", "pgr")
        if isinstance(results.get(m), dict)
    ]
    sections = [("Headline", table_html(metrics) if metrics else "<p>(no metrics)</p>")]
    summary = folder / "summary.md"
    if summary.is_file():
        sections.append(("Summary", markdown_html(summary.read_text())))
    sections.append(("Figures", _figures(folder, recursive=True)))
    tables = [
        (k, v)
        for k, v in results.items()
        if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)
    ]
    for key, rows in tables:
        sections.append((f"Table: {key}", table_html(rows)))
    sections.append(("Config", _kv_table(config)))
    sections.append(("Provenance", _provenance(results.get("provenance"))))
    if "timings" in results:
        sections.append(("Timings", _kv_table(results["timings"])))
    return _page(title, sections)


def sweep_page(folder: Path) -> str:
    """The page of a sweep: PGR per dataset, mixing slopes, statistics, cells, config."""
    config = json.loads((folder / "sweep.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    stats_path = folder / "statistics.json"
    stats = json.loads(stats_path.read_text()) if stats_path.is_file() else {}
    sections = []
    if stats.get("per_dataset"):
        cols = [
            "dataset",
            "method",
            "seeds",
            "weak",
            "w2s",
            "ceiling",
            "gap",
            "pgr_mean",
            "pgr_lo",
            "pgr_hi",
            "pgr_median",
            "overlap_share",
            "mixing_slope",
            "note",
        ]
        sections.append(
            (
                "PGR per dataset and method (means over seeds, 95 % bootstrap CI)",
                table_html(stats["per_dataset"], cols, guard_key="guarded"),
            )
        )
    sections.append(("Figures", _figures(folder, recursive=False)))
    for key, title in (
        ("across_datasets", "Across datasets"),
        ("vs_baseline", f"Against the baseline ({stats.get('baseline')})"),
        ("w2s_vs_weak", "W2S against weak, paired over datasets"),
    ):
        if stats.get(key):
            sections.append((title, table_html(stats[key])))
    cells = [
        {"cell": k, **{f: e.get(f) for f in ("state", "attempts", "duration_s", "error")}}
        for k, e in manifest["cells"].items()
    ]
    sections.append(
        ("Cells", f"<details><summary>{len(cells)} cells</summary>{table_html(cells)}</details>")
    )
    sections.append(("Config", f"<pre>{_esc(json.dumps(config, indent=2))}</pre>"))
    sections.append(
        ("Provenance (first finished cell)", _provenance(_first_provenance(folder, manifest)))
    )
    return _page(f"w2sg sweep: {config.get('name', folder.name)}", sections)


def _first_provenance(folder: Path, manifest: dict) -> dict | None:
    for entry in manifest["cells"].values():
        path = folder / entry["dir"] / "results.json"
        if entry["state"] == "done" and path.is_file():
            return json.loads(path.read_text()).get("provenance")
    return None


def write_html_report(folder: str | Path) -> Path:
    """Write `report.html` into `folder` (a run or a sweep) and return its path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise W2SGError(f"no such folder: {folder}")
    page = sweep_page(folder) if folder_kind(folder) == "sweep" else run_page(folder)
    path = folder / "report.html"
    write_atomic(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return path
