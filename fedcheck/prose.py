"""Prose that names parameters: ``{$name}`` is a parameter's effective value, ``{$name.source}``
where that value comes from, bound when a plan is compiled so that no number is written into a
control's prose (a tightened profile is told its own value). A leaf of the check language,
used by the catalog and by the record checks alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import expressions, paths
from .errors import CompileError


@dataclass(frozen=True)
class BoundParameter:
    """A parameter's effective value for one compilation, and where that value comes from."""

    name: str
    value: Any
    source: str  # "FedRAMP High", "profile agency-x", "deviation DEV-1", "NIST SP 800-52r2"


#: A placeholder with the unit that follows it, so that a value of 1 reads "1 month".
_PROSE_VALUE = re.compile(
    r"\{\$([A-Za-z0-9_]*)(\.[A-Za-z0-9_]*)?\}"
    r"(?: ((?:second|minute|hour|day|week|month|year)s)\b)?"
)


def format_value(value: Any) -> str:
    """A parameter value as prose: ``15``, ``1.2``, ``waf, load_balancer``."""
    if isinstance(value, (list, tuple)):
        return ", ".join(expressions._fmt(v) for v in value)
    return expressions._fmt(value)


def bind_prose(text: str, bound: dict[str, BoundParameter], where: Sequence[str | int] = ()) -> str:
    """Fill ``{$name}`` with a parameter's effective value and ``{$name.source}`` with where it
    comes from; a placeholder naming no parameter is a CompileError at ``where``."""
    if "{$" not in text:
        return text

    def fill(m: re.Match[str]) -> str:
        name, attribute = m.group(1), m.group(2)
        placeholder = "{$" + name + (attribute or "") + "}"  # without the unit that follows
        param = bound.get(name)
        if param is None:
            raise CompileError(
                where,
                f"{placeholder} names no parameter of the control",
                paths._suggest(name, list(bound))
                if bound
                else "declare the parameter under the control's parameters",
            )
        if attribute is None:
            unit, shown = m.group(3), format_value(param.value)
            if unit and shown == "1":
                return f"1 {unit[:-1]}"  # "every 1 month", not "every 1 months"
            return shown + (f" {unit}" if unit else "")
        if attribute == ".source":
            return param.source + (f" {m.group(3)}" if m.group(3) else "")
        raise CompileError(
            where,
            f"{placeholder}: a parameter placeholder is {{${name}}} or {{${name}.source}}",
            f"write {{${name}}} for its value or {{${name}.source}} for where it comes from",
        )

    return _PROSE_VALUE.sub(fill, text)


__all__ = ["BoundParameter", "bind_prose", "format_value"]
