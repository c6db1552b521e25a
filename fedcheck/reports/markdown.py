"""Render a Result as a Markdown report (the bundled template or a user's ``--template``).

Every ``{{ value }}`` is escaped for Markdown automatically (``finalize``), so a deployment's
text shows literally: it cannot open a table cell, a heading, a link or raw HTML. Text that the
template itself builds as Markdown can opt out with the ``raw`` filter.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from ..findings import Result
from ._common import visible
from .templating import render_template

DEFAULT_TEMPLATE = "report.md.j2"

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# What makes a line a heading, list item, ordered item or rule when the value starts a line.
_BLOCK_START = re.compile(r"^(#{1,6}|[-+])(?=\s|$)|^([-=])(?=[-=\s]*$)|^(\d{1,9})([.)])(?=\s|$)")
_WHITESPACE = re.compile(r"\s+")


class MarkdownText(Markup):
    """Text already escaped for Markdown (never escaped twice)."""


def _escape_block_start(m: re.Match[str]) -> str:
    if m.group(3) is not None:
        return f"{m.group(3)}\\{m.group(4)}"
    return "\\" + (m.group(1) or m.group(2))


def md(value: Any) -> MarkdownText:
    """``value`` as Markdown text that renders literally, on one line (table-safe)."""
    if isinstance(value, MarkdownText):
        return value
    return _md_text("" if value is None else str(value))


@lru_cache(maxsize=16_384)
def _md_text(text: str) -> MarkdownText:
    # Control ids, titles, targets and labels repeat on every row of a large report.
    text = visible(" ".join(text.split()))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    text = _BLOCK_START.sub(_escape_block_start, text)
    return MarkdownText(text)


def md_code(value: Any) -> MarkdownText:
    """``value`` as an inline code span, with a fence longer than any backtick run inside
    (a pipe is written ``\\|`` so that it cannot end a table cell)."""
    text = visible(_WHITESPACE.sub(" ", "" if value is None else str(value)).strip())
    if not text:
        return MarkdownText("")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    body = text.replace("|", "\\|")
    return MarkdownText(f"{fence}{pad}{body}{pad}{fence}")


def raw(value: Any) -> MarkdownText:
    """Mark template-built text as Markdown, to print as is."""
    return MarkdownText("" if value is None else str(value))


def _finalize(value: Any) -> Any:
    return md(value)


FILTERS = {"md": md, "md_code": md_code, "raw": raw}


def render_markdown(result: Result, *, template: str | os.PathLike[str] | None = None) -> str:
    """The Markdown report of ``result``; ``template`` is a user's Jinja2 template file."""
    return render_template(
        result,
        DEFAULT_TEMPLATE,
        template=template,
        autoescape=False,
        filters=FILTERS,
        finalize=_finalize,
    )


__all__ = ["DEFAULT_TEMPLATE", "md", "md_code", "render_markdown"]
