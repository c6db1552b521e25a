"""Field paths of the check language: ``access.session_timeout_minutes`` on a target, type-checked
against the target schema (fedcheck.targets) and compiled into a getter."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import CompileError
from .targets import FieldType, Getter, Index, Member, ObjectType


@dataclass(eq=False)
class CompiledPath:
    text: str
    members: tuple[Member, ...]
    type: FieldType  # the type at the end; for a path through a list, the type of each item
    through_list: bool  # the path passes through a list (only allowed in aggregates)
    extension: bool  # some step of the path is a fedcheck extension field
    get: Getter  # single-valued paths: the value or None
    #: The keys read, when every step is a stored field (no relation, no list): the getter is
    #: then ``d.get(k1)``, ``.get(k2)``... and a check may read them inline (fedcheck.expressions).
    keys: tuple[str, ...] | None = None


def _suggest(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(sorted(options))}"


def compile_path(
    text: Any, start: ObjectType, where: Sequence[str | int], *, allow_list: bool = False
) -> CompiledPath:
    if not isinstance(text, str) or not text:
        raise CompileError(
            where,
            f"a field path must be a non-empty string, got {text!r}",
            "write a dotted path such as access.session_timeout_minutes",
        )
    parts = text.split(".")
    obj: ObjectType | None = start
    members: list[Member] = []
    type_: FieldType | None = None
    through_list = False
    for i, part in enumerate(parts):
        if obj is None:
            assert type_ is not None
            raise CompileError(
                where,
                f"'{'.'.join(parts[:i])}' is {type_.describe()}, it has no field '{part}'",
                "end the path there or pick another field",
            )
        member = obj.members.get(part)
        if member is None:
            raise CompileError(
                where,
                f"unknown field '{part}' in path '{text}' ({obj.name} has no such field)",
                _suggest(part, list(obj.members)),
            )
        members.append(member)
        type_ = member.type
        if type_.kind == "list" and type_.item is not None and i < len(parts) - 1:
            if not allow_list:
                raise CompileError(
                    where,
                    f"'{'.'.join(parts[: i + 1])}' is a list; a path cannot reach into it here",
                    "use every/some/none over the list, or an aggregate {max: ...}",
                )
            through_list = True
            type_ = type_.item
        obj = type_.obj if type_.kind == "object" else None
    assert type_ is not None
    getters = tuple(m.getter for m in members)
    keys = None if through_list or any(m.relation for m in members) else tuple(parts)
    return CompiledPath(
        text,
        tuple(members),
        type_,
        through_list,
        any(m.extension for m in members),
        _chain(getters, through_list) if keys is None else plain_getter(keys),
        keys,
    )


def plain_getter(keys: tuple[str, ...]) -> Getter:
    """The getter of a path of stored fields, reading the dicts directly: what chaining the
    members' own getters (each ``d.get(key)``) gives, in one call instead of one per step."""
    if len(keys) == 1:
        (k1,) = keys

        def get1(d: Any, ix: Index) -> Any:
            return d.get(k1)

        return get1
    if len(keys) == 2:
        k1, k2 = keys

        def get2(d: Any, ix: Index) -> Any:
            v = d.get(k1)
            return None if v is None else v.get(k2)

        return get2
    if len(keys) == 3:
        k1, k2, k3 = keys

        def get3(d: Any, ix: Index) -> Any:
            v = d.get(k1)
            if v is None:
                return None
            v = v.get(k2)
            return None if v is None else v.get(k3)

        return get3

    def get_n(d: Any, ix: Index) -> Any:
        for k in keys:
            d = d.get(k)
            if d is None:
                return None
        return d

    return get_n


def _chain(getters: tuple[Getter, ...], multi: bool) -> Getter:
    if multi:

        def get_many(d: Any, ix: Index) -> Any:
            values = [d]
            for g in getters:
                nxt: list[Any] = []
                for v in values:
                    if v is None:
                        nxt.append(None)
                        continue
                    r = g(v, ix)
                    if isinstance(r, (list, tuple)):
                        nxt.extend(r)
                    else:
                        nxt.append(r)
                values = nxt
            return values

        return get_many
    if len(getters) == 1:
        return getters[0]
    if len(getters) == 2:
        g1, g2 = getters

        def get2(d: Any, ix: Index) -> Any:
            v = g1(d, ix)
            return None if v is None else g2(v, ix)

        return get2

    def get(d: Any, ix: Index) -> Any:
        for g in getters:
            if d is None:
                return None
            d = g(d, ix)
        return d

    return get
