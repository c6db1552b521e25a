"""Render a Result in one of the report formats; each format's module is imported only when asked for.

Every renderer is a pure function ``Result -> str``: the same Result gives byte-identical text.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..findings import Result

#: The report formats, in the order the CLI lists them.
FORMATS: tuple[str, ...] = ("text", "json", "markdown", "html", "sarif", "junit", "oscal", "poam")

#: format -> (module in this package, function in it).
_RENDERERS: dict[str, tuple[str, str]] = {
    "text": ("text", "render_text"),
    "json": ("json", "render_json"),
    "markdown": ("markdown", "render_markdown"),
    "html": ("html", "render_html"),
    "sarif": ("sarif", "render_sarif"),
    "junit": ("junit", "render_junit"),
    "oscal": ("oscal", "render_oscal"),
    "poam": ("oscal", "render_poam"),
}

#: The formats a ``--template`` applies to.
TEMPLATED_FORMATS: tuple[str, ...] = ("markdown", "html")


def render(
    result: Result,
    fmt: str,
    *,
    template: str | None = None,
    color: bool = False,
    quiet: bool = False,
) -> str:
    """Render ``result`` as ``fmt`` (one of FORMATS).

    ``template`` (a Jinja2 file) applies to markdown and html and is ignored by the other formats;
    ``color`` and ``quiet`` (failing findings only) apply to text only.
    """
    try:
        module_name, function_name = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown report format {fmt!r}; use one of: {', '.join(FORMATS)}"
        ) from None
    function = getattr(import_module(f".{module_name}", __name__), function_name)
    if fmt == "text":
        return function(result, color=color, quiet=quiet)  # type: ignore[no-any-return]
    if fmt in TEMPLATED_FORMATS:
        return function(result, template=template)  # type: ignore[no-any-return]
    return function(result)  # type: ignore[no-any-return]


__all__ = ["FORMATS", "TEMPLATED_FORMATS", "render"]
