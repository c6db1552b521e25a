"""Validate a saved JSON result before any report is rendered from it.

``fedcheck report`` turns a saved result into SARIF, JSON, OSCAL and the rest; a result edited
by hand or truncated by a tool must be refused with its position, not rendered into an invalid
SARIF log or OSCAL document. Every field a renderer reads is checked for its type and form.
"""

from __future__ import annotations

import re
from typing import Any

from .catalog import BASELINES
from .dates import parse_date
from .errors import InputErrors, Problem
from .findings import Severity, Status
from .loading import SourceMap

_SHA256 = re.compile(r"[0-9a-f]{64}")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})"
)
_STATUSES = {s.value for s in Status}
_SEVERITIES = {s.value for s in Severity}


#: Python's type names as a user reads them.
_TYPE_WORDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "dict": "a mapping",
    "list": "a list",
    "NoneType": "nothing (the key is missing or null)",
}


def _shown(value: Any) -> str:
    """A value as a message shows it: never Python's ``None``."""
    return "nothing (the key is missing or null)" if value is None else repr(value)


class _Checker:
    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def fail(self, path: tuple[str | int, ...], message: str, fix: str) -> None:
        if len(self.problems) >= 50:
            return
        line, column, _ = self.source.position(path)
        where = ".".join(str(p) for p in path) or "top level"
        self.problems.append(Problem(self.source.file, line, column, f"{where}: {message}", fix))

    def kind(self, data: Any, path: tuple[str | int, ...], want: type | tuple[type, ...]) -> bool:
        ok = isinstance(data, want) and not (isinstance(data, bool) and want is int)
        if not ok:
            wanted = (want,) if isinstance(want, type) else want
            names = " or ".join(_TYPE_WORDS.get(w.__name__, w.__name__) for w in wanted)
            got = type(data).__name__
            self.fail(
                path,
                f"expected {names}, got {_TYPE_WORDS.get(got, got)}",
                "restore the value fedcheck wrote",
            )
        return ok

    def text(self, data: Any, path: tuple[str | int, ...], *, optional: bool = False) -> None:
        if optional and data is None:
            return
        self.kind(data, path, str)

    def location(self, data: Any, path: tuple[str | int, ...]) -> None:
        if data is None:
            return
        if not self.kind(data, path, dict):
            return
        self.text(data.get("file"), (*path, "file"))
        for key in ("line", "column"):
            value = data.get(key)
            if value is not None and (not self.kind(value, (*path, key), int) or value < 1):
                if isinstance(value, int) and not isinstance(value, bool):
                    self.fail(
                        (*path, key),
                        f"{value} is not a 1-based position",
                        "restore the value fedcheck wrote",
                    )
        self.text(data.get("path"), (*path, "path"), optional=True)


def check_result(data: Any, source: SourceMap) -> None:
    """Raise InputErrors naming every malformed field of a saved result."""
    c = _Checker(source)
    if not c.kind(data, (), dict):
        raise InputErrors(c.problems)
    generated = data.get("generated_at")
    if not isinstance(generated, str) or not _TIMESTAMP.fullmatch(generated):
        c.fail(
            ("generated_at",),
            f"{_shown(generated)} is not an ISO 8601 timestamp",
            "restore the value fedcheck wrote",
        )
    if "as_of" in data:
        try:
            parse_date(data["as_of"])
        except ValueError as exc:
            c.fail(("as_of",), str(exc), "restore the evaluation date fedcheck wrote")
    if data.get("baseline") not in BASELINES:
        c.fail(
            ("baseline",),
            f"{_shown(data.get('baseline'))} is not one of {', '.join(BASELINES)}",
            "restore the baseline fedcheck wrote",
        )
    if c.kind(data.get("system"), ("system",), dict):
        for key, value in data["system"].items():
            c.text(value, ("system", key), optional=True)
    catalog = data.get("catalog")
    if c.kind(catalog, ("catalog",), dict):
        c.text(catalog.get("version"), ("catalog", "version"))
        sha = catalog.get("sha256")
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
            c.fail(
                ("catalog", "sha256"),
                "not a SHA-256 digest (64 lowercase hex digits)",
                "restore the digest fedcheck wrote",
            )
    for key in ("inputs", "deviations", "waivers", "notes", "controls", "findings"):
        if key in data or key in ("controls", "findings"):
            c.kind(data.get(key), (key,), list)
    for i, item in enumerate(data.get("inputs") or []):
        if c.kind(item, ("inputs", i), dict):
            c.text(item.get("role"), ("inputs", i, "role"))
            c.text(item.get("path"), ("inputs", i, "path"))
            sha = item.get("sha256")
            if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
                c.fail(
                    ("inputs", i, "sha256"),
                    "not a SHA-256 digest",
                    "restore the digest fedcheck wrote",
                )
    for i, note in enumerate(data.get("notes") or []):
        c.text(note, ("notes", i))
    for key in ("deviations", "waivers"):
        for i, item in enumerate(data.get(key) or []):
            c.kind(item, (key, i), dict)
    for i, control in enumerate(data.get("controls") or []):
        at: tuple[str | int, ...] = ("controls", i)
        if not c.kind(control, at, dict):
            continue
        for name in ("id", "oscal_id", "title", "family"):
            c.text(control.get(name), (*at, name))
        if control.get("severity") not in _SEVERITIES:
            c.fail(
                (*at, "severity"),
                f"{_shown(control.get('severity'))} is not a severity",
                "restore the value fedcheck wrote",
            )
    findings = data.get("findings") if isinstance(data.get("findings"), list) else []
    for i, f in enumerate(findings):
        at = ("findings", i)
        if not c.kind(f, at, dict):
            continue
        for name in ("control_id", "target", "message"):
            c.text(f.get(name), (*at, name))
        for name in ("title", "family", "remediation", "target_kind"):
            c.text(f.get(name), (*at, name), optional=True)
        if f.get("status") not in _STATUSES:
            c.fail(
                (*at, "status"),
                f"{_shown(f.get('status'))} is not a status",
                f"use one of: {', '.join(sorted(_STATUSES))}",
            )
        if f.get("severity") not in _SEVERITIES:
            c.fail(
                (*at, "severity"),
                f"{_shown(f.get('severity'))} is not a severity",
                f"use one of: {', '.join(sorted(_SEVERITIES))}",
            )
        c.location(f.get("location"), (*at, "location"))
        for j, e in enumerate(f.get("evidence") or []):
            if c.kind(e, (*at, "evidence", j), dict):
                c.text(e.get("path"), (*at, "evidence", j, "path"))
                c.location(e.get("location"), (*at, "evidence", j, "location"))
        if f.get("waiver") is not None:
            c.kind(f.get("waiver"), (*at, "waiver"), dict)
    if c.problems:
        raise InputErrors(c.problems)


__all__ = ["check_result"]
