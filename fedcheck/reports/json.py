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
_CHUNK = 2000  # findings per piece


def _items(key: str, items: list[Any]) -> Iterator[str]:
    yield f"  {json.dumps(key)}: "
    if not items:
        yield "[]"
        return
    encode = _COMPACT.encode
    for start in range(0, len(items), _CHUNK):
        lead = "[\n    " if start == 0 else ",\n    "
        yield lead + ",\n    ".join(encode(item.to_dict()) for item in items[start:start + _CHUNK])
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
            yield from _items(key, list(result.controls))
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            yield f"  {json.dumps(key)}: {text}"
    yield ",\n"
    yield from _items("findings", list(result.findings))
    yield "\n}\n"


def render_json(result: Result) -> str:
    """The JSON result documented in docs/result-format.md, with a final newline."""
    return "".join(iter_json(result))


__all__ = ["iter_json", "render_json"]
