"""One block list, two renderings: Markdown and HTML show the same tables and the same text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from w2sg.report.blocks import (
    Bold,
    Bullets,
    Code,
    Details,
    Figures,
    Heading,
    Paragraph,
    Preformatted,
    Table,
    plain,
    to_html,
    to_markdown,
)

BLOCKS = [
    Heading(1, "Report <of> a & b"),
    Paragraph(("Run ", Code("w2sg run"), " first; ", Bold("then"), " read.\nSecond line.")),
    Bullets([(Code("a/b/seed0"), ": failed <x>"), "plain item"]),
    Table(
        ("model", "accuracy", "note"),
        [(Bold("PGR"), "0.5000", ""), ("weak <x>", "0.7000 ± 0.0100", "a | b")],
        guarded=[False, True],
    ),
    Heading(2, "Mixing"),
    Table(("q", "accuracy"), [("0.0", "0.8"), ("1.0", "0.9")]),
    Figures(("mixing.png",), ("mixing",)),
    Preformatted('{"k": "<v>"}'),
]


class Tables(HTMLParser):
    """Every table of an HTML fragment as rows of cell texts (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Pipe tables of Markdown as rows of cells, formatting marks and the rule row dropped."""
    tables, current = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            current = None
            continue
        if current is None:
            current = []
            tables.append(current)
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if not all(set(c) <= set("-") and c for c in cells):
            current.append([re.sub(r"\*\*|`", "", c) for c in cells])
    return tables


def test_markdown_and_html_show_the_same_tables(tmp_path):
    parser = Tables()
    parser.feed(to_html(BLOCKS, tmp_path))
    expected = [
        [[plain(c) for c in row] for row in (b.columns, *b.rows)]
        for b in BLOCKS
        if isinstance(b, Table)
    ]
    assert parser.tables == expected
    assert markdown_tables(to_markdown(BLOCKS)) == expected


def test_markdown_keeps_the_layout_of_summary_files():
    text = to_markdown(BLOCKS)
    assert text.startswith("# Report <of> a & b\n\nRun `w2sg run` first; **then** read.\n")
    assert "\nSecond line.\n\n- `a/b/seed0`: failed <x>\n- plain item\n\n" in text
    assert "| model | accuracy | note |\n| --- | --- | --- |\n| **PGR** | 0.5000 |  |\n" in text
    assert "| weak <x> | 0.7000 ± 0.0100 | a \\| b |" in text
    assert "![mixing](mixing.png)\n\n```\n" in text and text.endswith("```\n")
    assert to_markdown([Paragraph("x"), Figures(())]) == "x\n"  # no figures, no empty line


def test_html_escapes_text_and_renders_code_and_bold_itself(tmp_path):
    page = to_html(BLOCKS, tmp_path)
    assert "<h1>Report &lt;of&gt; a &amp; b</h1>" in page
    assert "<code>w2sg run</code>" in page and "<b>then</b>" in page and "`" not in page
    assert "**" not in page and "<li><code>a/b/seed0</code>: failed &lt;x&gt;</li>" in page
    assert '<tr class="guarded"><td>weak &lt;x&gt;</td>' in page
    assert page.count('class="guarded"') == 1
    assert "read.<br>\nSecond line.</p>" in page
    assert "<pre>{&quot;k&quot;: &quot;&lt;v&gt;&quot;}</pre>" in page
    assert 'class="bad">figure mixing.png is missing' in page


def test_figures_are_inlined_once_and_details_fold_blocks(tmp_path):
    (tmp_path / "mixing.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    page = to_html([*BLOCKS, Details("2 cells", (Table(("cell",), [("a",), ("b",)]),))], tmp_path)
    assert page.count('src="data:image/png;base64,iVBORw0KGgpmYWtl"') == 1
    assert "<details><summary>2 cells</summary><table>" in page


def test_a_table_row_must_fit_its_columns():
    with pytest.raises(ValueError, match="wrong number of cells"):
        Table(("a", "b"), [("1",)])
    with pytest.raises(ValueError, match="one flag per row"):
        Table(("a",), [("1",)], guarded=[True, False])
