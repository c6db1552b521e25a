"""Named scopes: a condition that several controls scope on, written once.

``controls/_scopes.yaml`` names conditions such as "components people or programs sign in to";
a control's ``where`` (or a check's, or a quantifier's) says ``{scope: sign_in}`` instead of
pasting the condition, so that correcting it corrects every control that uses it. A scope is an
expression of the check language on one kind of target; it is compiled in the control that uses
it, with the same three-valued, fail-closed scope semantics, and its explanations name the
fields it reads. The catalog validates each scope when it loads (fedcheck.catalog).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import InputErrors, Problem
from .loading import DEFAULT_LIMITS, load_file

SCOPES_FILE = "_scopes.yaml"
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_KINDS = ("system", "component", "service", "flow")
_KEYS = ("target", "description", "where")


@dataclass(frozen=True)
class Scope:
    """One named scope: the kind of target it applies to, what it means, and its condition."""

    name: str
    target: str
    description: str
    where: dict[str, Any]  # an expression of the check language
    file: str
    line: int | None = None
    column: int | None = None


def bundled_catalog_dir() -> Path:
    """The bundled controls: ``controls/`` in the source tree, ``fedcheck/_catalog`` installed."""
    here = Path(__file__).resolve().parent
    installed = here / "_catalog"
    if installed.is_dir():
        return installed
    return here.parent / "controls"


@cache
def bundled_scopes() -> dict[str, Scope]:
    """The scopes of the bundled catalog (none when it has no scopes file)."""
    path = bundled_catalog_dir() / SCOPES_FILE
    return load_scopes(str(path)) if path.is_file() else {}


def load_scopes(path: str) -> dict[str, Scope]:
    """Read and validate a scopes file; InputErrors (file:line:column, fix) for every problem."""
    doc = load_file(path, DEFAULT_LIMITS)
    problems: list[Problem] = []

    def problem(at: tuple[str | int, ...], message: str, fix: str) -> None:
        line, column, _ = doc.source.position(at)
        problems.append(Problem(path, line, column, message, fix))

    data = doc.data
    if data.get("version") != 1:
        problem(("version",), "a scopes file must say version: 1", "put version: 1 at the top")
    for key in sorted(set(data) - {"version", "scopes"}):
        problem((key,), f"unknown key '{key}' in a scopes file", "keep only version and scopes")
    entries = data.get("scopes")
    if not isinstance(entries, dict) or not entries:
        problem(("scopes",), "scopes must map names to scopes", "write scopes: {NAME: {...}}")
        raise InputErrors(problems)
    out: dict[str, Scope] = {}
    for name, entry in entries.items():
        at: tuple[str | int, ...] = ("scopes", name)
        if not _NAME.match(str(name)):
            problem(at, f"scope name {name!r} is not snake_case", "use a name such as sign_in")
            continue
        if not isinstance(entry, dict):
            problem(at, f"scope {name} must be a mapping", "give target, description and where")
            continue
        for key in sorted(set(entry) - set(_KEYS)):
            problem(
                (*at, key), f"unknown key '{key}' in scope {name}", "use target, description, where"
            )
        missing = [k for k in _KEYS if k not in entry]
        if missing:
            problem(
                at, f"scope {name} lacks {', '.join(missing)}", "give target, description and where"
            )
            continue
        if entry["target"] not in _KINDS:
            problem(
                (*at, "target"),
                f"scope {name}: target {entry['target']!r} is not a kind of target",
                f"use one of: {', '.join(_KINDS)}",
            )
            continue
        if not isinstance(entry["description"], str) or not entry["description"].strip():
            problem(
                (*at, "description"), f"scope {name} needs a description", "say what it selects"
            )
            continue
        if not isinstance(entry["where"], dict):
            problem(
                (*at, "where"),
                f"scope {name}: where must be an expression",
                "write {field: ..., OP: ...}",
            )
            continue
        line, column, _ = doc.source.position(at)
        out[name] = Scope(
            name,
            entry["target"],
            " ".join(entry["description"].split()),
            entry["where"],
            path,
            line,
            column,
        )
    if problems:
        raise InputErrors(problems)
    return out


__all__ = ["SCOPES_FILE", "Scope", "bundled_catalog_dir", "bundled_scopes", "load_scopes"]
