"""Neutralize text from input files before it leaves fedcheck, wherever it goes.

An id, a title or a key read from a file reaches a terminal, a CI log, a Markdown or HTML report
and a JUnit file. Terminal escapes (ANSI colours, OSC 8 links, OSC 52 clipboard writes), forged
line breaks, bidirectional overrides (which make a reviewer read ``web`` where the file says
something else) and zero-width characters (which make two different ids look the same) are shown
as visible ``\\uXXXX`` escapes instead. One function, ``neutralize``, is used everywhere.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that steer a terminal or hide what a text says.
_UNSAFE = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab and line feed) and C1 controls, DEL, ESC
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks and overrides
    "\u200b-\u200d\u2060\ufeff"  # zero-width space, joiners, word joiner, BOM
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates (cannot be encoded at all)
    "]"
)
_UNSAFE_OR_NEWLINE = re.compile(_UNSAFE.pattern[:-1] + "\n\t]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x0A:
        return "\\n"
    if code == 0x09:
        return "\\t"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralize(text: str, *, multiline: bool = False) -> str:
    """``text`` with every character that could drive a terminal or hide what the text says
    shown as an escape. With ``multiline`` line feeds and tabs are kept (a message of several
    lines); otherwise they are shown as ``\\n`` and ``\\t`` too, so that a key or a title cannot
    forge a line of output."""
    pattern = _UNSAFE if multiline else _UNSAFE_OR_NEWLINE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)


def is_invisible(text: str) -> bool:
    """Does ``text`` show nothing at all (only spaces, format and control characters)?"""
    return all(unicodedata.category(ch)[0] in ("Z", "C") or ch.isspace() for ch in text)


__all__ = ["is_invisible", "neutralize"]
