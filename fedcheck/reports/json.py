"""Render a Result as its lossless JSON form (``Result.to_dict``), deterministically."""

from __future__ import annotations

import json

from ..findings import Result


def render_json(result: Result) -> str:
    """The JSON result documented in docs/result-format.md, indented, with a final newline."""
    return json.dumps(result.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


__all__ = ["render_json"]
