"""Render a Result as its lossless JSON form (``Result.to_dict``), deterministically.

The document is indented for reading, except that each finding (and each control) sits on one
line: a result of a large system holds hundreds of thousands of findings, and Python's JSON
encoder is many times faster on compact values than with indentation. One finding per line also
makes two results easy to compare with a line diff. ``iter_json`` yields the same text in
pieces, so that a large result is written without holding the whole document in memory twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..findings import Result

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
_string = json.encoder.encode_basestring  # a str as a JSON string, non-ASCII kept (C version)
_CHUNK = 2000  # findings per piece


class _FindingEncoder:
    """Encodes findings exactly as ``_COMPACT.encode(finding.to_dict())`` would, faster.

    Most findings of a large system are passes with no evidence and no waiver, and everything in
    them but the target and its location is the same for every target of one control: that
    text is encoded once per control and reused.
    """

    def __init__(self) -> None:
        self._parts: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self._files = {}

    def __call__(self, finding: Any) -> str:
        if finding.evidence or finding.waiver is not None or finding.risk is not None:
            return _COMPACT.encode(finding.to_dict())
        key = (
            finding.control_id,
            finding.title,
            finding.family,
            finding.status,
            finding.severity,
            finding.target_kind,
            finding.message,
            finding.remediation,
        )
        parts = self._parts.get(key)
        if parts is None:
            encode = _COMPACT.encode
            head = encode(
                {
                    "control_id": finding.control_id,
                    "title": finding.title,
                    "family": finding.family,
                    "status": finding.status.value,
                    "severity": finding.severity.value,
                }
            )[:-1]
            middle = (
                f', "target_kind": {encode(finding.target_kind)}, '
                f'"message": {encode(finding.message)}, "location": '
            )
            tail = (
                f', "evidence": [], "remediation": {encode(finding.remediation)}, "waiver": null}}'
            )
            parts = self._parts[key] = (head + ', "target": ', middle, tail)
        location = finding.location
        return (
            parts[0]
            + _string(finding.target)
            + parts[1]
            + (self._location(location) if location is not None else "null")
            + parts[2]
        )

    def _location(self, location: Any) -> str:
        # Location.to_dict, encoded by hand: file, line, column, path.
        file = self._files.get(location.file)
        if file is None:
            file = self._files[location.file] = _string(location.file)
        line = "null" if location.line is None else str(int(location.line))
        column = "null" if location.column is None else str(int(location.column))
        path = "null" if location.path is None else _string(location.path)
        return f'{{"file": {file}, "line": {line}, "column": {column}, "path": {path}}}'

    _files: dict[str, str]


def _items(key: str, items: list[Any], encode: Any) -> Iterator[str]:
    yield f"  {json.dumps(key)}: "
    if not items:
        yield "[]"
        return
    for start in range(0, len(items), _CHUNK):
        lead = "[\n    " if start == 0 else ",\n    "
        yield lead + ",\n    ".join(encode(item) for item in items[start : start + _CHUNK])
    yield "\n  ]"


def iter_json(result: Result) -> Iterator[str]:
    """The JSON result documented in docs/result-format.md, in pieces that join to render_json."""
    data = result.to_dict(include_findings=False)
    yield "{\n"
    first = True
    for key, value in data.items():
        if not first:
            yield ",\n"
        first = False
        if key == "controls":
            yield from _items(
                key, list(result.controls), lambda control: _COMPACT.encode(control.to_dict())
            )
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            yield f"  {json.dumps(key)}: {text}"
    yield ",\n"
    yield from _items("findings", list(result.findings), _FindingEncoder())
    yield "\n}\n"


def render_json(result: Result) -> str:
    """The JSON result documented in docs/result-format.md, with a final newline."""
    return "".join(iter_json(result))


__all__ = ["iter_json", "render_json"]
