"""A report as a list of blocks, and its two renderings: Markdown (summary.md) and HTML.

Each kind of run builds its blocks once, from its results.json; summary.md and report.html
are two renderings of that one list, so they say the same and show each table once. Text is
plain: inline code and bold are `Code` and `Bold` spans, which each renderer writes in its
own syntax (HTML escapes everything else), so no renderer has to parse the other's output.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Code:
    """Inline code: `text` in Markdown, <code> in HTML."""

    text: str


@dataclass(frozen=True)
class Bold:
    """Bold text: **text** in Markdown, <b> in HTML."""

    text: str


@dataclass(frozen=True)
class Link:
    """A link: [text](target) in Markdown, <a href> in HTML (`target` relative or absolute)."""

    text: str
    target: str


Span = str | Code | Bold | Link
Inline = Span | tuple[Span, ...]


def _tuple(block, name: str) -> None:
    """Store a sequence field of a frozen block as a tuple: callers may pass lists, and the
    block stays immutable and hashable."""
    object.__setattr__(block, name, tuple(getattr(block, name)))


@dataclass(frozen=True)
class Heading:
    level: int
    text: Inline


@dataclass(frozen=True)
class Paragraph:
    """One paragraph; a newline in `text` breaks the line without starting a new paragraph."""

    text: Inline


@dataclass(frozen=True)
class Bullets:
    items: Sequence[Inline]

    def __post_init__(self) -> None:
        _tuple(self, "items")


@dataclass(frozen=True)
class Table:
    """Rows of cells under `columns`; a true `guarded[i]` greys row i in HTML."""

    columns: Sequence[Inline]
    rows: Sequence[Sequence[Inline]]
    guarded: Sequence[bool] = ()

    def __post_init__(self) -> None:
        _tuple(self, "columns")
        object.__setattr__(self, "rows", tuple(tuple(r) for r in self.rows))
        _tuple(self, "guarded")
        if any(len(r) != len(self.columns) for r in self.rows):
            raise ValueError(f"a row of table {self.columns} has the wrong number of cells")
        if self.guarded and len(self.guarded) != len(self.rows):
            raise ValueError("guarded needs one flag per row")


@dataclass(frozen=True)
class Figures:
    """Image files, relative to the report's folder; `alts` default to the file stems."""

    paths: Sequence[str]
    alts: Sequence[str] = ()

    def __post_init__(self) -> None:
        _tuple(self, "paths")
        _tuple(self, "alts")

    def named(self) -> list[tuple[str, str]]:
        alts = self.alts or tuple(Path(p).stem for p in self.paths)
        return list(zip(alts, self.paths, strict=True))


@dataclass(frozen=True)
class Preformatted:
    """Text shown as is (a fenced block in Markdown, <pre> in HTML)."""

    text: str


@dataclass(frozen=True)
class Details:
    """Blocks a reader opens on demand (<details> in HTML; in Markdown, shown as they are)."""

    summary: str
    blocks: Sequence[Heading | Paragraph | Bullets | Table | Figures | Preformatted]

    def __post_init__(self) -> None:
        _tuple(self, "blocks")


Block = Heading | Paragraph | Bullets | Table | Figures | Preformatted | Details


def _spans(text: Inline) -> tuple[Span, ...]:
    return text if isinstance(text, tuple) else (text,)


def plain(text: Inline) -> str:
    """The text of `text` without any formatting."""
    return "".join(s if isinstance(s, str) else s.text for s in _spans(text))


def _md(text: Inline) -> str:
    out = []
    for s in _spans(text):
        if isinstance(s, Code):
            out.append(f"`{s.text}`")
        elif isinstance(s, Bold):
            out.append(f"**{s.text}**")
        elif isinstance(s, Link):
            out.append(f"[{s.text}]({s.target})")
        else:
            out.append(s)
    return "".join(out)


def _md_block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + _md(block.text)]
    if isinstance(block, Paragraph):
        return _md(block.text).split("\n")
    if isinstance(block, Bullets):
        return [f"- {_md(item)}" for item in block.items]
    if isinstance(block, Table):
        rows = [block.columns, *block.rows]
        lines = ["| " + " | ".join(_md(c).replace("|", "\\|") for c in row) + " |" for row in rows]
        return [lines[0], "| " + " | ".join("---" for _ in block.columns) + " |", *lines[1:]]
    if isinstance(block, Figures):
        return [" ".join(f"![{alt}]({path})" for alt, path in block.named())]
    if isinstance(block, Details):
        return to_markdown([Paragraph(block.summary), *block.blocks]).rstrip("\n").split("\n")
    return ["```", *block.text.split("\n"), "```"]


def to_markdown(blocks: Iterable[Block]) -> str:
    """summary.md: each block followed by a blank line (empty figure lists are left out)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Figures) and not block.paths:
            continue
        lines += [*_md_block(block), ""]
    return "\n".join(lines)


def _html(text: Inline) -> str:
    out = []
    for s in _spans(text):
        if isinstance(s, Code):
            out.append(f"<code>{html.escape(s.text)}</code>")
        elif isinstance(s, Bold):
            out.append(f"<b>{html.escape(s.text)}</b>")
        elif isinstance(s, Link):
            out.append(f'<a href="{html.escape(s.target)}">{html.escape(s.text)}</a>')
        else:
            out.append(html.escape(s))
    return "".join(out).replace("\n", "<br>\n")


def table_html(table: Table) -> str:
    """An HTML table; guarded rows carry class="guarded" (greyed by the page's style)."""
    head = "".join(f"<th>{_html(c)}</th>" for c in table.columns)
    body = []
    for i, row in enumerate(table.rows):
        guarded = ' class="guarded"' if table.guarded and table.guarded[i] else ""
        body.append(f"<tr{guarded}>" + "".join(f"<td>{_html(c)}</td>" for c in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def figure_html(path: Path, root: Path) -> str:
    """A PNG inlined as base64 with its path under `root` as caption."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    name = html.escape(str(path.relative_to(root)))
    return (
        f'<figure><img alt="{name}" src="data:image/png;base64,{data}">'
        f"<figcaption>{name}</figcaption></figure>"
    )


def _figures_html(block: Figures, folder: Path) -> str:
    out = []
    for _, name in block.named():
        path = folder / name
        if path.is_file():
            out.append(figure_html(path, folder))
        else:
            out.append(f'<p class="bad">figure {html.escape(name)} is missing</p>')
    return "\n".join(out)


def _html_block(block: Block, folder: Path) -> str:
    if isinstance(block, Heading):
        level = min(max(block.level, 1), 6)
        return f"<h{level}>{_html(block.text)}</h{level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_html(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_html(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Table):
        return table_html(block)
    if isinstance(block, Figures):
        return _figures_html(block, folder)
    if isinstance(block, Details):
        inner = to_html(block.blocks, folder)
        return f"<details><summary>{html.escape(block.summary)}</summary>{inner}</details>"
    return f"<pre>{html.escape(block.text)}</pre>"


def to_html(blocks: Iterable[Block], folder: str | Path) -> str:
    """The blocks as an HTML fragment; figures (paths under `folder`) inlined as base64 PNG."""
    return "\n".join(_html_block(b, Path(folder)) for b in blocks)


def figure_paths(blocks: Sequence[Block]) -> set[str]:
    """Every figure path the blocks show."""
    inner = [i for b in blocks if isinstance(b, Details) for i in b.blocks]
    return {p for b in [*blocks, *inner] if isinstance(b, Figures) for p in b.paths}
