"""Render a Result as one self-contained HTML page (the bundled template or a user's ``--template``).

Autoescaping is always on: a deployment's text is shown, never interpreted. The page has no
script, loads nothing (a Content-Security-Policy says so too), prints cleanly and reads on a phone.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape

from ..findings import Result
from ._common import visible
from .templating import render_template

DEFAULT_TEMPLATE = "report.html.j2"


def _finalize(value: Any) -> Any:
    """Show control characters as ``\\xNN`` (HTML cannot carry them); escaping follows."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


# --- the bundled template's per-finding sections, rendered in Python ------------------------
# A large system has tens of thousands of failing findings; through the sandbox, each costs
# dozens of checked lookups. These functions write exactly what the loops of report.html.j2
# write (every value as its ``{{ }}`` prints it: shown with ``visible``, then escaped): the
# bundled template prints them when fedcheck renders it, and runs its own loops otherwise (a
# template that extends it, or a copy of it). tests/test_report_speed_paths.py compares the two.


def h(value: Any) -> str:
    """What ``{{ value }}`` prints in the HTML templates."""
    if type(value) is str:
        return _h_text(value)
    return str(escape(_finalize(value)))


@lru_cache(maxsize=16_384)  # ids, titles, labels, severities and fixes repeat on every row
def _h_text(text: str) -> str:
    return str(escape(visible(text)))


def _location(loc: dict[str, Any]) -> str:
    """The ``location`` macro of report.html.j2."""
    if not loc["text"]:
        return ""
    path = f' <code class="path">{h(loc["path"])}</code>' if loc["path"] else ""
    return f'<code class="loc">{h(loc["text"])}</code>{path}'


def finding_card(f: dict[str, Any], id: str) -> str:  # noqa: A002 - the macro's argument
    """The ``finding_card`` macro of report.html.j2 for the finding view ``f``."""
    status, severity, target = h(f["status"]), h(f["severity"]), h(f["target"])
    out = [
        f'<article class="finding {status}" id="{h(id)}">\n'
        f'  <h3><span class="badge {status}">{h(f["status_label"])}</span> '
        f'<span class="control">{h(f["control_id"])}</span> {h(f["title"])} '
        f'<span class="target">{target}</span></h3>\n'
        "  <dl>\n"
        f'    <dt>Severity</dt><dd><span class="sev {severity}">{severity}</span></dd>\n'
        f"    <dt>Target</dt><dd>{target} ({h(f['target_kind'])})</dd>\n"
    ]
    if f["location"]["text"]:
        out.append(f"    <dt>Location</dt><dd>{_location(f['location'])}</dd>\n")
    out.append(f'    <dt>Finding</dt><dd class="message">{h(f["message"])}</dd>\n')
    if f["evidence"]:
        out.append('    <dt>Evidence</dt>\n    <dd><ul class="evidence">\n')
        for e in f["evidence"]:
            if not e["expected"]:
                fact = h(e["statement"])
            else:
                actual = "<em>missing</em>" if e["missing"] else f"<code>{h(e['actual'])}</code>"
                fact = f"<code>{h(e['path'])}</code> is {actual}; expected {h(e['expected'])}"
            where = e["location"]["text"]
            where = f' <code class="loc">{h(where)}</code>' if where else ""
            out.append(
                f'      <li>{fact}{where} <span class="source">(source: {h(e["source"])})'
                "</span></li>\n"
            )
        out.append("    </ul></dd>\n")
    if f["remediation"]:
        out.append(f'    <dt>Remediation</dt><dd class="remediation">{h(f["remediation"])}</dd>\n')
    waiver = f["waiver"]
    if waiver:
        poam = f" {h(waiver['poam_id'])}" if waiver["poam_id"] else ""
        out.append(
            f"    <dt>Waiver</dt><dd>{h(waiver['type'])}{poam}, approved by "
            f"{h(waiver['approved_by'])} on {h(waiver['approved_on'])}, expires "
            f"{h(waiver['expires'])}</dd>\n"
            f"    <dt>Justification</dt><dd>{h(waiver['justification'])}</dd>\n"
        )
    out.append("  </dl>\n</article>\n")
    return "".join(out)


def failing_row(f: dict[str, Any]) -> str:
    """One row of the failing-findings table of report.html.j2 (a large system)."""
    where = f["location"]["text"]
    where = f'<code class="loc">{h(where)}</code>' if where else ""
    return (
        f'    <tr><td>{h(f["status_label"])}</td><td class="control">{h(f["control_id"])}</td>'
        f"<td>{h(f['target'])}</td><td>{h(f['severity'])}</td><td>{where}</td>"
        f"<td>{h(f['message'])}</td><td>{h(f['fix'])}</td></tr>\n"
    )


def risk_row(f: dict[str, Any]) -> str:
    """One row of the risk table of report.html.j2."""
    risk = f["risk"]
    adjusted = risk["adjusted_level"]
    likelihood = h(risk["likelihood"])
    if risk["adjusted_likelihood"] and adjusted:
        likelihood += f" &rarr; {h(risk['adjusted_likelihood'])}"
    impact = h(risk["impact"])
    if risk["adjusted_impact"] and adjusted:
        impact += f" &rarr; {h(risk['adjusted_impact'])}"
    level = h(risk["effective_level"])
    if adjusted:
        level += f" (adjusted from {h(risk['level'])})"
    return (
        f"    <tr><td>{h(f['control_id'])}</td><td>{h(f['target'])}</td>"
        f"<td>{h(f['status_label'])}</td><td>{likelihood}</td><td>{impact}</td><td>{level}</td>"
        f"<td>{h(risk['detected'])}</td><td>{h(risk['deadline'])}</td>"
        f"<td>{h(risk['rationale'])}</td></tr>\n"
    )


def _cards(findings: list[dict[str, Any]], prefix: str) -> Markup:
    # Each card is followed by the line break after its {{ }} in the template.
    return Markup(
        "".join(finding_card(f, f"{prefix}-{i}") + "\n" for i, f in enumerate(findings, 1))
    )


def prerender(context: dict[str, Any]) -> dict[str, Any]:
    """The per-finding sections of report.html.j2 (its ``prerendered`` variable)."""
    failing = context["failing"]
    as_rows = context["summarized"]["failing_as_rows"]
    return {
        "failing_rows": Markup("".join(map(failing_row, failing)) if as_rows else ""),
        "failing_cards": Markup("") if as_rows else _cards(failing, "failing"),
        "waived_cards": _cards(context["waived"], "waived"),
        "risk_rows": Markup("".join(map(risk_row, context["risks"]["rows"]))),
    }


def render_html(result: Result, *, template: str | os.PathLike[str] | None = None) -> str:
    """The HTML report of ``result``; ``template`` is a user's Jinja2 template file."""
    return render_template(
        result,
        DEFAULT_TEMPLATE,
        template=template,
        autoescape=True,
        finalize=_finalize,
        prerender=prerender,
    )


__all__ = ["DEFAULT_TEMPLATE", "render_html"]
