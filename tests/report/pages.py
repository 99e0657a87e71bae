"""Reading a generated report.html in tests: its sections by heading, tables per section."""

from __future__ import annotations

import html
import re

STALE = "A STALE SUMMARY.MD THE PAGE MUST NOT SHOW"
PNG = b"\x89PNG\r\n\x1a\nfake"


def sections(page: str) -> dict[str, str]:
    """The page's body cut at its headings: heading text -> what follows up to the next one."""
    parts = re.split(r"<h[1-6]>(.*?)</h[1-6]>", page.split("<body>", 1)[1])
    return dict(zip(map(html.unescape, parts[1::2]), parts[2::2], strict=True))


def tables_per_heading(page: str) -> dict[str, int]:
    return {h: body.count("<table") for h, body in sections(page).items()}
