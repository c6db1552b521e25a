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
_BACKTICKS = re.compile(r"`+")


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
    body = text.replace("|", "\\|")
    if "`" not in text:  # most code spans: a path or a location
        return MarkdownText(f"`{body}`")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return MarkdownText(f"{fence}{pad}{body}{pad}{fence}")


def raw(value: Any) -> MarkdownText:
    """Mark template-built text as Markdown, to print as is."""
    return MarkdownText("" if value is None else str(value))


def _finalize(value: Any) -> Any:
    return md(value)


FILTERS = {"md": md, "md_code": md_code, "raw": raw}


# --- the bundled template's per-finding sections, rendered in Python ------------------------
# A large system has tens of thousands of failing findings; through the sandbox, each costs
# dozens of checked lookups. These functions write exactly what the loops of report.md.j2 write
# (every value through ``md`` or ``md_code``, as the template's ``{{ }}`` does): the bundled
# template prints them when fedcheck renders it, and runs its own loops otherwise (a template
# that extends it, or a copy of it). tests/test_report_speed_paths.py compares the two.


def finding_block(f: dict[str, Any]) -> str:
    """The ``finding_block`` macro of report.md.j2 for the finding view ``f``."""
    out = [
        f"### {md(f['status_label'].upper())} {md(f['control_id'])} {md(f['title'])}: "
        f"{md(f['target'])}\n\n- **Severity:** {md(f['severity'])}\n"
    ]
    risk = f["risk"]
    if risk:
        out.append(
            f"- **Risk:** {md(risk['effective_level'])} (likelihood "
            f"{md(risk['adjusted_likelihood'] or risk['likelihood'])}, impact "
            f"{md(risk['adjusted_impact'] or risk['impact'])}); first detected "
            f"{md(risk['detected'])}, due {md(risk['deadline'])}\n"
        )
    out.append(f"- **Target:** {md(f['target'])} ({md(f['target_kind'])})\n")
    location = f["location"]
    if location["text"]:
        path = f" ({md_code(location['path'])})" if location["path"] else ""
        out.append(f"- **Location:** {md_code(location['text'])}{path}\n")
    out.append(f"- **Finding:** {md(f['message'])}\n")
    for e in f["evidence"]:
        fact: str
        if not e["expected"]:
            fact = md(e["statement"])
        else:
            actual: str = "missing" if e["missing"] else md_code(e["actual"])
            fact = f"{md_code(e['path'])} is {actual}; expected {md(e['expected'])}"
        where = f" ({md_code(e['location']['text'])})" if e["location"]["text"] else ""
        out.append(f"- **Evidence:** {fact}{where}; source: {md(e['source'])}\n\n")
    if f["remediation"]:
        out.append(f"- **Remediation:** {md(f['remediation'])}\n")
    waiver = f["waiver"]
    if waiver:
        poam = f" {md(waiver['poam_id'])}" if waiver["poam_id"] else ""
        out.append(
            f"- **Waiver:** {md(waiver['type'])}{poam}, approved by {md(waiver['approved_by'])} "
            f"on {md(waiver['approved_on'])}, expires {md(waiver['expires'])}\n"
            f"- **Justification:** {md(waiver['justification'])}\n"
        )
    out.append("\n")
    return "".join(out)


def risk_row(f: dict[str, Any]) -> str:
    """One row of the risk table of report.md.j2."""
    risk = f["risk"]
    adjusted = risk["adjusted_level"]
    return (
        f"| {md(f['control_id'])} | {md(f['target'])} | {md(f['status_label'])} | "
        f"{md(risk['likelihood'])}"
        + (f" → {md(risk['adjusted_likelihood'])}" if adjusted else "")
        + f" | {md(risk['impact'])}"
        + (f" → {md(risk['adjusted_impact'])}" if adjusted else "")
        + f" | {md(risk['effective_level'])}"
        + (f" (adjusted from {md(risk['level'])})" if adjusted else "")
        + f" | {md(risk['detected'])} | {md(risk['deadline'])} |\n"
    )


def prerender(context: dict[str, Any]) -> dict[str, Any]:
    """The per-finding sections of report.md.j2 (its ``prerendered`` variable)."""
    return {
        "failing": MarkdownText("".join(map(finding_block, context["failing"]))),
        "waived": MarkdownText("".join(map(finding_block, context["waived"]))),
        "risk_rows": MarkdownText("".join(map(risk_row, context["risks"]["rows"]))),
    }


def render_markdown(result: Result, *, template: str | os.PathLike[str] | None = None) -> str:
    """The Markdown report of ``result``; ``template`` is a user's Jinja2 template file."""
    return render_template(
        result,
        DEFAULT_TEMPLATE,
        template=template,
        autoescape=False,
        filters=FILTERS,
        finalize=_finalize,
        prerender=prerender,
    )


__all__ = ["DEFAULT_TEMPLATE", "md", "md_code", "render_markdown"]
