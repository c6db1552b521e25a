"""Terraform resource addresses, parsed by a scanner that never splits on dots.

An address is ``module.NAME[KEY]`` steps, then ``[data.]TYPE.NAME[KEY]``, where a key is an
integer (``count``) or a JSON string (``for_each``) that may itself hold dots, brackets and
quotes: ``aws_instance.x["test.1"]``, ``module.db.module.db_1.aws_db_instance.this[0]``. An
``iac:`` binding may write ``[*]`` for "every instance" of a ``count``/``for_each`` resource or
module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

Key = int | str | None  # None: no key; an int: count; a str: for_each


class _Wildcard:
    """The ``[*]`` of a pattern: every instance."""

    def __repr__(self) -> str:
        return "[*]"


WILDCARD = _Wildcard()
PatternKey = int | str | _Wildcard | None

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INT = re.compile(r"[0-9]+")


class AddressError(ValueError):
    """A string that is no resource address; the message says where it goes wrong."""


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    key: PatternKey = None


@dataclass(frozen=True, slots=True)
class Address:
    """A parsed resource address (or an ``iac:`` pattern, when a key is ``[*]``)."""

    modules: tuple[Step, ...]
    mode: str  # managed | data
    type: str
    name: str
    key: PatternKey = None

    @property
    def is_pattern(self) -> bool:
        return self.key is WILDCARD or any(m.key is WILDCARD for m in self.modules)

    @property
    def module_path(self) -> tuple[str, ...]:
        """The module names from the root, without instance keys: ``("db", "db_1")``."""
        return tuple(m.name for m in self.modules)

    @property
    def module(self) -> str:
        """The module instance address, empty for the root module."""
        return ".".join(f"module.{m.name}{_key_text(m.key)}" for m in self.modules)

    def matches(self, other: Address) -> bool:
        """Does this address (or pattern) name ``other``, a concrete address?"""
        if (self.mode, self.type, self.name) != (other.mode, other.type, other.name):
            return False
        if len(self.modules) != len(other.modules):
            return False
        for mine, theirs in zip(self.modules, other.modules, strict=True):
            if mine.name != theirs.name or not _key_matches(mine.key, theirs.key):
                return False
        return _key_matches(self.key, other.key)

    def generalized(self) -> Address:
        """The pattern naming every instance of this resource: each key becomes ``[*]``."""
        return Address(
            tuple(Step(m.name, WILDCARD if m.key is not None else None) for m in self.modules),
            self.mode,
            self.type,
            self.name,
            WILDCARD if self.key is not None else None,
        )

    def __str__(self) -> str:
        head = f"{self.module}." if self.modules else ""
        mode = "data." if self.mode == "data" else ""
        return f"{head}{mode}{self.type}.{self.name}{_key_text(self.key)}"


def _key_matches(pattern: PatternKey, key: PatternKey) -> bool:
    if pattern is WILDCARD:
        return key is not None
    return pattern == key and type(pattern) is type(key)


def _key_text(key: PatternKey) -> str:
    if key is None:
        return ""
    if key is WILDCARD:
        return "[*]"
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(key, ensure_ascii=False) + "]"


def parse_address(text: str, *, pattern: bool = False) -> Address:
    """Parse a resource address; with ``pattern``, ``[*]`` keys are accepted too."""
    pos = 0
    modules: list[Step] = []

    def fail(why: str) -> AddressError:
        return AddressError(f"{text!r} is not a resource address: {why} at character {pos + 1}")

    def name() -> str:
        nonlocal pos
        match = _NAME.match(text, pos)
        if match is None:
            raise fail("expected a name")
        pos = match.end()
        return match.group()

    def dot() -> None:
        nonlocal pos
        if not text.startswith(".", pos):
            raise fail("expected '.'")
        pos += 1

    def key() -> PatternKey:
        nonlocal pos
        if not text.startswith("[", pos):
            return None
        pos += 1
        value: PatternKey
        if text.startswith("*]", pos):
            if not pattern:
                raise fail("'[*]' is a pattern, not an address")
            value, pos = WILDCARD, pos + 1
        elif text.startswith('"', pos):
            try:
                decoded, end = json.JSONDecoder().raw_decode(text, pos)
            except json.JSONDecodeError:
                raise fail("unterminated string key") from None
            if not isinstance(decoded, str):
                raise fail("expected a string key")
            value, pos = decoded, end
        else:
            match = _INT.match(text, pos)
            if match is None:
                raise fail('expected an index: a number, a "string" or *')
            value, pos = int(match.group()), match.end()
        if not text.startswith("]", pos):
            raise fail("expected ']'")
        pos += 1
        return value

    while text.startswith("module.", pos):
        pos += len("module.")
        step_name = name()
        modules.append(Step(step_name, key()))
        dot()
    mode = "managed"
    if text.startswith("data.", pos):
        mode, pos = "data", pos + len("data.")
    rtype = name()
    dot()
    rname = name()
    rkey = key()
    if pos != len(text):
        raise fail("unexpected text")
    return Address(tuple(modules), mode, rtype, rname, rkey)


__all__ = ["WILDCARD", "Address", "AddressError", "Step", "parse_address"]
