"""Render a Result as one self-contained HTML page (the bundled template or a user's ``--template``).

Autoescaping is always on: a deployment's text is shown, never interpreted. The page has no
script, loads nothing (a Content-Security-Policy says so too), prints cleanly and reads on a phone.
"""

from __future__ import annotations

import os
from typing import Any

from markupsafe import Markup

from ..findings import Result
from ._common import visible
from .templating import render_template

DEFAULT_TEMPLATE = "report.html.j2"


def _finalize(value: Any) -> Any:
    """Show control characters as ``\\xNN`` (HTML cannot carry them); escaping follows."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


def render_html(result: Result, *, template: str | os.PathLike[str] | None = None) -> str:
    """The HTML report of ``result``; ``template`` is a user's Jinja2 template file."""
    return render_template(
        result, DEFAULT_TEMPLATE, template=template, autoescape=True, finalize=_finalize
    )


__all__ = ["DEFAULT_TEMPLATE", "render_html"]
