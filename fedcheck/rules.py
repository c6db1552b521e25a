"""The declarative check language: type-check expressions against the deployment model, compile.

An expression is data (a mapping read from a control file); nothing in it is ever executed as
Python. ``compile_expression`` checks every path, operator and value against the deployment
model and returns a ``Node`` whose ``test`` closure answers True, False or None (unknown: a field
it needs is not stated) in three-valued (Kleene) logic, and whose ``explain`` walks the same
expression again, only for targets that did not pass, to say which field, where, and why.

The grammar (documented for authors in docs/writing-controls.md)::

    expr  := {field: PATH, OP: value} | {all: [expr...]} | {any: [expr...]} | {not: expr}
           | {every: {in: PATH, where?: expr, assert: expr}} | {some: ...} | {none: ...}
    OP    := equals | not_equals | is | at_least | at_most | greater_than | less_than
           | in | not_in | contains | contains_all | contains_any | present | empty
    value := literal | $parameter | {field: PATH} | {max: PATH} | {min: PATH}
"""

from __future__ import annotations

import difflib
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from pydantic import BaseModel

from . import deployment as dm

Outcome = bool | None  # True, False, or None for "unknown"
Getter = Callable[[Any, "Index"], Any]


class CompileError(Exception):
    """A problem in a control's expression, at a path inside the control document."""

    def __init__(self, path: Sequence[str | int], message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.path = tuple(path)
        self.message = message
        self.fix = fix


# --- the type model ------------------------------------------------------------------------


@dataclass(eq=False)
class FieldType:
    """The type of a value a path can reach."""

    kind: str  # bool | int | float | str | enum | level | tls | object | list
    values: tuple[str, ...] = ()  # for enum, level, tls
    item: FieldType | None = None  # for list
    obj: ObjectType | None = None  # for object

    def describe(self) -> str:
        if self.kind == "list" and self.item is not None:
            return f"a list of {self.item.describe()}"
        if self.kind == "object" and self.obj is not None:
            return f"an object ({self.obj.name})"
        if self.values:
            return f"{self.kind} ({' | '.join(self.values)})"
        return {
            "int": "an integer",
            "float": "a number",
            "bool": "a boolean",
            "str": "a string",
        }.get(self.kind, self.kind)


@dataclass(eq=False)
class Member:
    name: str
    type: FieldType
    getter: Getter
    extension: bool = False
    relation: bool = False  # reaches another object of the document (not a nested value)
    description: str = ""


@dataclass(eq=False)
class ObjectType:
    name: str
    members: dict[str, Member] = field(default_factory=dict)


LEVEL_VALUES = tuple(dm.LEVEL_RANK)
TLS_VALUES = tuple(dm.TLS_RANK)
_IMPACT = set(typing.get_args(dm.ImpactLevel))
_AUTH = set(typing.get_args(dm.Authorization))


def _field_type(annotation: Any, cache: dict[type, ObjectType]) -> FieldType:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _field_type(args[0], cache)
    if origin is typing.Annotated:
        return _field_type(typing.get_args(annotation)[0], cache)
    if origin is Literal:
        values = tuple(str(v) for v in typing.get_args(annotation))
        if set(values) <= _AUTH and (set(values) == _IMPACT or set(values) == _AUTH):
            return FieldType("level", values)
        if set(values) == set(TLS_VALUES):
            return FieldType("tls", values)
        return FieldType("enum", values)
    if origin is list:
        return FieldType("list", item=_field_type(typing.get_args(annotation)[0], cache))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return FieldType("object", obj=_object_type(annotation, cache))
    if annotation is bool:
        return FieldType("bool")
    if annotation is int:
        return FieldType("int")
    if annotation is float:
        return FieldType("float")
    if annotation is str:
        return FieldType("str")
    raise TypeError(f"unsupported annotation {annotation!r}")  # pragma: no cover


def _plain_getter(key: str) -> Getter:
    def get(d: Any, ix: Index) -> Any:
        return d.get(key)

    return get


def _object_type(model: type[BaseModel], cache: dict[type, ObjectType]) -> ObjectType:
    if model in cache:
        return cache[model]
    obj = ObjectType(model.__name__)
    cache[model] = obj
    for name, info in model.model_fields.items():
        key = info.alias or name
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        obj.members[key] = Member(
            key,
            _field_type(info.annotation, cache),
            _plain_getter(key),
            extension=bool(extra.get("x-fedcheck-extension")),
            description=str(info.description or extra.get("description") or ""),
        )
    return obj


class Index:
    """Relations between the objects of one document, computed once per evaluation."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.system: dict[str, Any] = data.get("system") or {}
        self.components: list[dict[str, Any]] = data.get("components") or []
        self.services: list[dict[str, Any]] = data.get("external_services") or []
        self.flows: list[dict[str, Any]] = data.get("data_flows") or []
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.kind_of: dict[str, str] = {}
        self.paths: dict[int, tuple[str | int, ...]] = {id(self.system): ("system",)}
        for i, c in enumerate(self.components):
            self.endpoints[c["id"]] = c
            self.kind_of[c["id"]] = "component"
            self.paths[id(c)] = ("components", i)
        for i, s in enumerate(self.services):
            self.endpoints[s["id"]] = s
            self.kind_of[s["id"]] = "service"
            self.paths[id(s)] = ("external_services", i)
        self.inbound: dict[str, list[dict[str, Any]]] = {}
        self.outbound: dict[str, list[dict[str, Any]]] = {}
        for i, f in enumerate(self.flows):
            self.paths[id(f)] = ("data_flows", i)
            self.inbound.setdefault(f["to"], []).append(f)
            self.outbound.setdefault(f["from"], []).append(f)


_EMPTY: tuple[()] = ()


def _build_targets() -> dict[str, ObjectType]:
    cache: dict[type, ObjectType] = {}
    component = _object_type(dm.Component, cache)
    service = _object_type(dm.ExternalService, cache)
    flow = _object_type(dm.DataFlow, cache)
    system = _object_type(dm.System, cache)

    flow_list = FieldType("list", item=FieldType("object", obj=flow))
    system_t = FieldType("object", obj=system)

    # Endpoints of a flow are a component or an external service: the union of both, plus kind.
    endpoint = ObjectType("Endpoint")
    for source in (component, service):
        for key, member in source.members.items():
            endpoint.members.setdefault(key, member)
    endpoint.members["kind"] = Member(
        "kind",
        FieldType("enum", ("component", "service")),
        lambda d, ix: ix.kind_of.get(d.get("id", "")),
        relation=True,
        description="component or service: which kind of object the endpoint is",
    )
    endpoint_t = FieldType("object", obj=endpoint)

    def rel(name: str, type_: FieldType, getter: Getter, description: str) -> Member:
        return Member(name, type_, getter, relation=True, description=description)

    def system_of(d: Any, ix: Index) -> Any:
        return ix.system

    def inbound(d: Any, ix: Index) -> Any:
        return ix.inbound.get(d.get("id", ""), _EMPTY)

    def outbound(d: Any, ix: Index) -> Any:
        return ix.outbound.get(d.get("id", ""), _EMPTY)

    for obj in (component, service, endpoint):
        obj.members["system"] = rel("system", system_t, system_of, "the system above the target")
        obj.members["inbound_flows"] = rel(
            "inbound_flows", flow_list, inbound, "data flows whose 'to' is this object"
        )
        obj.members["outbound_flows"] = rel(
            "outbound_flows", flow_list, outbound, "data flows whose 'from' is this object"
        )

    flow.members["system"] = rel("system", system_t, system_of, "the system above the flow")
    flow.members["source"] = rel(
        "source",
        endpoint_t,
        lambda d, ix: ix.endpoints.get(d.get("from", "")),
        "the component or external service the flow leaves",
    )
    flow.members["target"] = rel(
        "target",
        endpoint_t,
        lambda d, ix: ix.endpoints.get(d.get("to", "")),
        "the component or external service the flow reaches",
    )
    flow.members["crosses_boundary"] = rel(
        "crosses_boundary",
        FieldType("bool"),
        lambda d, ix: (
            ix.kind_of.get(d.get("from", "")) == "service"
            or ix.kind_of.get(d.get("to", "")) == "service"
        ),
        "true when either end of the flow is an external service",
    )

    system_target = ObjectType("SystemTarget", dict(system.members))
    system_target.members["components"] = rel(
        "components",
        FieldType("list", item=FieldType("object", obj=component)),
        lambda d, ix: ix.components,
        "every component",
    )
    system_target.members["external_services"] = rel(
        "external_services",
        FieldType("list", item=FieldType("object", obj=service)),
        lambda d, ix: ix.services,
        "every external service",
    )
    system_target.members["data_flows"] = rel(
        "data_flows", flow_list, lambda d, ix: ix.flows, "every data flow"
    )
    return {"system": system_target, "component": component, "service": service, "flow": flow}


TARGETS: dict[str, ObjectType] = _build_targets()
TARGET_KINDS = ("system", "component", "service", "flow")


# --- paths -----------------------------------------------------------------------------------


@dataclass(eq=False)
class CompiledPath:
    text: str
    members: tuple[Member, ...]
    type: FieldType  # the type at the end; for a path through a list, the type of each item
    through_list: bool  # the path passes through a list (only allowed in aggregates)
    extension: bool  # some step of the path is a fedcheck extension field
    get: Getter  # single-valued paths: the value or None


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
    return CompiledPath(
        text,
        tuple(members),
        type_,
        through_list,
        any(m.extension for m in members),
        _chain(getters, through_list),
    )


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


# --- values ----------------------------------------------------------------------------------


@dataclass(eq=False)
class Value:
    """The right-hand side of a comparison: a constant, or read from the document."""

    describe: str  # for messages: "15", "$max_idle_minutes (15)", "system.impact_level"
    const: Any = None
    is_const: bool = True
    get: Getter | None = None
    aggregate: str | None = None  # max | min
    path: CompiledPath | None = None


def _rank_of(type_: FieldType) -> dict[str, int] | None:
    if type_.kind == "level":
        return dm.LEVEL_RANK
    if type_.kind == "tls":
        return dm.TLS_RANK
    return None


def _check_literal(value: Any, type_: FieldType, where: Sequence[str | int], what: str) -> None:
    kind = type_.kind
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CompileError(
                where,
                f"{what} must be a number to compare with a {kind} field, got {value!r}",
                "write a number",
            )
    elif kind == "bool":
        if not isinstance(value, bool):
            raise CompileError(
                where, f"{what} must be true or false, got {value!r}", "write true or false"
            )
    elif kind in ("level", "tls", "enum"):
        allowed = LEVEL_VALUES if kind == "level" else type_.values
        if not isinstance(value, str) or value not in allowed:
            hint = ' (TLS versions are strings: write "1.2" in quotes)' if kind == "tls" else ""
            raise CompileError(
                where,
                f"{what} {value!r} is not one of {', '.join(allowed)}{hint}",
                f"use one of: {', '.join(allowed)}",
            )
    elif kind == "str":
        if not isinstance(value, str):
            raise CompileError(where, f"{what} must be a string, got {value!r}", "quote it")
    else:
        raise CompileError(
            where,
            f"cannot compare {type_.describe()} with a value",
            "compare a field that holds a single value",
        )


def _compatible(a: FieldType, b: FieldType) -> bool:
    if a.kind in ("int", "float") and b.kind in ("int", "float"):
        return True
    if a.kind == "level" and b.kind == "level":
        return True
    if a.kind == b.kind and a.kind in ("tls", "bool", "str"):
        return True
    if a.kind == "enum" and b.kind == "enum":
        return bool(set(a.values) & set(b.values))
    return False


def compile_value(
    raw: Any,
    type_: FieldType,
    start: ObjectType,
    params: dict[str, Any],
    where: Sequence[str | int],
    *,
    ordered: bool = False,
) -> Value:
    if isinstance(raw, str) and raw.startswith("$") and not raw.startswith("$$"):
        name = raw[1:]
        if name not in params:
            raise CompileError(
                where,
                f"unknown parameter ${name}",
                _suggest(name, list(params))
                if params
                else "declare it under the control's parameters",
            )
        value = params[name]
        _check_literal(value, type_, where, f"parameter ${name}")
        return Value(f"{value}", const=value)
    if isinstance(raw, dict):
        if len(raw) == 1 and "field" in raw:
            path = compile_path(raw["field"], start, [*where, "field"])
            if not _compatible(type_, path.type):
                raise CompileError(
                    where,
                    f"cannot compare {type_.describe()} with "
                    f"'{path.text}' ({path.type.describe()})",
                    "compare fields of the same kind",
                )
            return Value(path.text, is_const=False, get=path.get, path=path)
        if len(raw) == 1 and next(iter(raw)) in ("max", "min"):
            agg = next(iter(raw))
            path = compile_path(raw[agg], start, [*where, agg], allow_list=True)
            if not path.through_list:
                raise CompileError(
                    where,
                    f"{agg} needs a path through a list, such as inbound_flows.data.impact_level",
                    "use {field: ...} for a single value",
                )
            if not _compatible(type_, path.type) or path.type.kind not in (
                "int",
                "float",
                "level",
                "tls",
            ):
                raise CompileError(
                    where,
                    f"cannot take the {agg} of '{path.text}' "
                    f"({path.type.describe()}) to compare with {type_.describe()}",
                    "aggregate an ordered field of the same kind",
                )
            return Value(
                f"the {agg}imum of {path.text}",
                is_const=False,
                get=path.get,
                aggregate=agg,
                path=path,
            )
        raise CompileError(
            where,
            f"a value must be a literal, a $parameter, {{field: PATH}}, "
            f"{{max: PATH}} or {{min: PATH}}; got keys {sorted(raw)}",
            "see docs/writing-controls.md for the value forms",
        )
    if isinstance(raw, str) and raw.startswith("$$"):
        raw = raw[1:]
    _check_literal(raw, type_, where, "the value")
    return Value(f"{raw}", const=raw)


# --- expression nodes ---------------------------------------------------------------------


@dataclass
class Reason:
    """Why an expression did not hold on a target: one field, its value, the expectation."""

    obj: Any  # the document object the path starts from
    path: str  # path from obj
    actual: Any
    expected: str
    missing: bool = False
    extension: bool = False


class Node(ABC):
    """A compiled expression."""

    test: Callable[[Any, Index], Outcome]
    reads: tuple[str, ...] = ()  # the paths it reads, for documentation

    @abstractmethod
    def explain(self, d: Any, ix: Index) -> list[Reason]:
        """The reasons the expression is not True on ``d`` (empty when it is)."""


def _fmt(v: Any) -> str:
    if v is None:
        return "not stated"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


_COMPARE_OPS = ("at_least", "at_most", "greater_than", "less_than")
_EQ_OPS = ("equals", "not_equals", "is")
_SET_OPS = ("in", "not_in")
_LIST_OPS = ("contains", "contains_all", "contains_any", "empty")
ALL_OPS = (*_EQ_OPS, *_COMPARE_OPS, *_SET_OPS, *_LIST_OPS, "present")

_EXPECT_WORDS = {
    "at_least": "at least",
    "at_most": "at most",
    "greater_than": "more than",
    "less_than": "less than",
    "equals": "",
    "is": "",
    "not_equals": "anything but",
}


class Leaf(Node):
    def __init__(self, path: CompiledPath, op: str, value: Value | None, const_set: Any = None):
        self.path = path
        self.op = op
        self.value = value
        self.const_set = const_set
        self.reads = (path.text,) + ((value.path.text,) if value and value.path else ())
        self.test = self._build()

    # The fast path: a closure specialised on the operator and on whether the value is constant.
    def _build(self) -> Callable[[Any, Index], Outcome]:
        get = self.path.get
        op = self.op
        rank = _rank_of(self.path.type)
        value = self.value
        if op == "present":
            want = bool(self.const_set)
            return lambda d, ix: (get(d, ix) is not None) is want
        if op == "empty":
            want = bool(self.const_set)

            def empty(d: Any, ix: Index) -> Outcome:
                v = get(d, ix)
                return None if v is None else (len(v) == 0) is want

            return empty
        if op in ("in", "not_in"):
            allowed = frozenset(self.const_set)
            negate = op == "not_in"

            def member(d: Any, ix: Index) -> Outcome:
                v = get(d, ix)
                return None if v is None else (v in allowed) is not negate

            return member
        if op in ("contains", "contains_all", "contains_any"):
            items = frozenset(self.const_set)
            if op == "contains_any":

                def contains_any(d: Any, ix: Index) -> Outcome:
                    v = get(d, ix)
                    return None if v is None else not items.isdisjoint(v)

                return contains_any

            def contains_all(d: Any, ix: Index) -> Outcome:
                v = get(d, ix)
                return None if v is None else items.issubset(v)

            return contains_all
        assert value is not None
        compare = _COMPARATORS[op]
        if value.is_const:
            const = value.const
            if rank is not None:
                const = rank[const]

                def ranked(d: Any, ix: Index) -> Outcome:
                    v = get(d, ix)
                    return None if v is None else compare(rank[v], const)

                return ranked

            def plain(d: Any, ix: Index) -> Outcome:
                v = get(d, ix)
                return None if v is None else compare(v, const)

            return plain
        other = value.get
        assert other is not None
        aggregate = value.aggregate

        def dynamic(d: Any, ix: Index) -> Outcome:
            v = get(d, ix)
            if v is None:
                return None  # a field left out never passes, not even against an empty list
            w = other(d, ix)
            if aggregate is not None:
                if any(x is None for x in w):
                    return None
                if not w:
                    return True  # nothing to compare against: vacuously satisfied
                w = (max if aggregate == "max" else min)(
                    w, key=(lambda x: rank[x]) if rank is not None else None
                )
            if v is None or w is None:
                return None
            if rank is not None:
                return compare(rank[v], rank[w])
            return compare(v, w)

        return dynamic

    def expected_text(self, d: Any, ix: Index) -> str:
        op = self.op
        if op == "present":
            return "to be stated" if self.const_set else "not to be stated"
        if op == "empty":
            return "to be empty" if self.const_set else "at least one entry"
        if op in ("in", "not_in"):
            joined = ", ".join(_fmt(x) for x in self.const_set)
            return f"one of {joined}" if op == "in" else f"none of {joined}"
        if op == "contains":
            return f"to include {_fmt(next(iter(self.const_set)))}"
        if op == "contains_all":
            have = self.path.get(d, ix) or []
            lacking = [x for x in self.const_set if x not in have]
            return f"to include {', '.join(map(_fmt, self.const_set))}" + (
                f" (missing {', '.join(map(_fmt, lacking))})" if lacking else ""
            )
        if op == "contains_any":
            return f"to include at least one of {', '.join(map(_fmt, self.const_set))}"
        assert self.value is not None
        words = _EXPECT_WORDS[op]
        if self.value.is_const:
            shown = _fmt(self.value.const)
        else:
            w = self.value.get(d, ix) if self.value.get else None
            if self.value.aggregate and isinstance(w, list):
                rank = _rank_of(self.path.type)
                known = [x for x in w if x is not None]
                w = (
                    (max if self.value.aggregate == "max" else min)(
                        known, key=(lambda x: rank[x]) if rank else None
                    )
                    if known
                    else None
                )
            shown = f"{_fmt(w)} ({self.value.describe})"
        return f"{words} {shown}".strip()

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        outcome = self.test(d, ix)
        if outcome is True:
            return []
        actual = self.path.get(d, ix)
        reasons: list[Reason] = []
        if actual is None:
            reasons.append(
                Reason(
                    d,
                    self.path.text,
                    None,
                    self.expected_text(d, ix),
                    missing=True,
                    extension=self.path.extension,
                )
            )
        if self.value is not None and not self.value.is_const and self.value.path is not None:
            other = self.value.get(d, ix) if self.value.get else None
            missing_other = other is None or (
                isinstance(other, list) and any(x is None for x in other)
            )
            if missing_other:
                reasons.append(
                    Reason(
                        d,
                        self.value.path.text,
                        None,
                        "to be stated",
                        missing=True,
                        extension=self.value.path.extension,
                    )
                )
        if not reasons:
            reasons.append(
                Reason(
                    d,
                    self.path.text,
                    actual,
                    self.expected_text(d, ix),
                    extension=self.path.extension,
                )
            )
        return reasons


_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "at_least": lambda a, b: a >= b,
    "at_most": lambda a, b: a <= b,
    "greater_than": lambda a, b: a > b,
    "less_than": lambda a, b: a < b,
    "equals": lambda a, b: a == b,
    "is": lambda a, b: a == b,
    "not_equals": lambda a, b: a != b,
}


class All(Node):
    def __init__(self, parts: list[Node]):
        self.parts = parts
        self.reads = tuple(r for p in parts for r in p.reads)
        tests = tuple(p.test for p in parts)

        def all_(d: Any, ix: Index) -> Outcome:
            unknown = False
            for t in tests:
                r = t(d, ix)
                if r is False:
                    return False
                if r is None:
                    unknown = True
            return None if unknown else True

        self.test = all_

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        out: list[Reason] = []
        for p in self.parts:
            if p.test(d, ix) is not True:
                out.extend(p.explain(d, ix))
        return out


class AnyOf(Node):
    def __init__(self, parts: list[Node]):
        self.parts = parts
        self.reads = tuple(r for p in parts for r in p.reads)
        tests = tuple(p.test for p in parts)

        def any_(d: Any, ix: Index) -> Outcome:
            unknown = False
            for t in tests:
                r = t(d, ix)
                if r is True:
                    return True
                if r is None:
                    unknown = True
            return None if unknown else False

        self.test = any_

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        if self.test(d, ix) is True:
            return []
        out: list[Reason] = []
        for p in self.parts:
            out.extend(p.explain(d, ix))
        return out


class Not(Node):
    def __init__(self, inner: Node, source: Any):
        self.inner = inner
        self.source = source
        self.reads = inner.reads
        test = inner.test

        def not_(d: Any, ix: Index) -> Outcome:
            r = test(d, ix)
            return None if r is None else not r

        self.test = not_

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        r = self.inner.test(d, ix)
        if r is None:
            return self.inner.explain(d, ix)
        if r is False:
            return []
        reads = self.inner.reads
        path = reads[0] if reads else ""
        getter = _first_leaf(self.inner)
        actual = getter.path.get(d, ix) if getter else None
        return [Reason(d, path, actual, f"not {_describe_source(self.source)}")]


def _first_leaf(node: Node) -> Leaf | None:
    if isinstance(node, Leaf):
        return node
    for attr in ("parts",):
        for p in getattr(node, attr, ()):
            leaf = _first_leaf(p)
            if leaf:
                return leaf
    inner = getattr(node, "inner", None)
    return _first_leaf(inner) if inner else None


def _describe_source(src: Any) -> str:
    if isinstance(src, dict) and "field" in src:
        ops = [k for k in src if k != "field"]
        if ops:
            return f"{src['field']} {ops[0].replace('_', ' ')} {_fmt(src[ops[0]])}"
    return "the condition"


class Quantifier(Node):
    def __init__(self, kind: str, path: CompiledPath, where: Node | None, body: Node):
        self.kind = kind  # every | some | none
        self.path = path
        self.where = where
        self.body = body
        self.reads = (path.text, *(where.reads if where else ()), *body.reads)
        get = path.get
        cond = where.test if where else None
        test_body = body.test

        def items(d: Any, ix: Index) -> Any:
            return get(d, ix)

        if kind == "every":

            def every(d: Any, ix: Index) -> Outcome:
                xs = items(d, ix)
                if xs is None:
                    return None
                unknown = False
                for x in xs:
                    if cond is not None:
                        c = cond(x, ix)
                        if c is False:
                            continue
                        if c is None:
                            unknown = True
                            continue
                    r = test_body(x, ix)
                    if r is False:
                        return False
                    if r is None:
                        unknown = True
                return None if unknown else True

            self.test = every
        else:
            negate = kind == "none"

            def some(d: Any, ix: Index) -> Outcome:
                xs = items(d, ix)
                if xs is None:
                    return None
                unknown = False
                for x in xs:
                    if cond is not None:
                        c = cond(x, ix)
                        if c is False:
                            continue
                        if c is None:
                            unknown = True
                            continue
                    r = test_body(x, ix)
                    if r is True:
                        return False if negate else True
                    if r is None:
                        unknown = True
                if unknown:
                    return None
                return True if negate else False

            self.test = some

    def explain(self, d: Any, ix: Index) -> list[Reason]:
        if self.test(d, ix) is True:
            return []
        xs = self.path.get(d, ix)
        if xs is None:
            return [
                Reason(
                    d,
                    self.path.text,
                    None,
                    "to be stated",
                    missing=True,
                    extension=self.path.extension,
                )
            ]
        out: list[Reason] = []
        for x in xs:
            if self.where is not None:
                c = self.where.test(x, ix)
                if c is False:
                    continue
                if c is None:
                    out.extend(self.where.explain(x, ix))
                    continue
            r = self.body.test(x, ix)
            if self.kind == "every" and r is not True:
                out.extend(self.body.explain(x, ix))
            elif self.kind == "none" and r is True:
                leaf = _first_leaf(self.body)
                out.append(
                    Reason(
                        x,
                        leaf.path.text if leaf else self.path.text,
                        leaf.path.get(x, ix) if leaf else None,
                        f"no entry of {self.path.text} to match",
                    )
                )
            elif self.kind in ("some", "none") and r is None:
                # An entry that leaves a field out: its missing field is the reason (a
                # contract field left out fails, an extension field makes it manual).
                out.extend(self.body.explain(x, ix))
        if not out:
            out.append(
                Reason(
                    d,
                    self.path.text,
                    f"{len(xs)} entries",
                    "at least one entry to satisfy the condition"
                    if self.kind == "some"
                    else "the condition on every entry",
                )
            )
        return out


# --- compiling -----------------------------------------------------------------------------


def compile_expression(
    raw: Any, start: ObjectType, params: dict[str, Any], where: Sequence[str | int]
) -> Node:
    """Type-check and compile one expression; every problem is a CompileError at its path."""
    where = list(where)
    if not isinstance(raw, dict):
        raise CompileError(
            where,
            f"an expression must be a mapping, got {_fmt(raw)}",
            "write {field: PATH, OPERATOR: VALUE}, or all/any/not/every/some/none",
        )
    keys = set(raw)
    for combinator, cls in (("all", All), ("any", AnyOf)):
        if combinator in keys:
            if keys != {combinator}:
                raise CompileError(
                    where,
                    f"'{combinator}' cannot be combined with "
                    f"{sorted(keys - {combinator})} in one mapping",
                    f"put the other conditions inside the {combinator} list",
                )
            items = raw[combinator]
            if not isinstance(items, list) or not items:
                raise CompileError(
                    [*where, combinator],
                    f"'{combinator}' needs a non-empty list of expressions",
                    "list one or more expressions under it",
                )
            return cls(
                [
                    compile_expression(x, start, params, [*where, combinator, i])
                    for i, x in enumerate(items)
                ]
            )
    if "not" in keys:
        if keys != {"not"}:
            raise CompileError(
                where,
                "'not' cannot be combined with other keys in one mapping",
                "wrap the other conditions in all: [...]",
            )
        return Not(compile_expression(raw["not"], start, params, [*where, "not"]), raw["not"])
    for quant in ("every", "some", "none"):
        if quant in keys:
            if keys != {quant}:
                raise CompileError(
                    where,
                    f"'{quant}' cannot be combined with other keys",
                    "wrap them in all: [...]",
                )
            spec = raw[quant]
            qwhere = [*where, quant]
            if not isinstance(spec, dict):
                raise CompileError(
                    qwhere,
                    f"'{quant}' needs a mapping with 'in' and 'assert'",
                    f"write {quant}: {{in: PATH, assert: EXPRESSION}}",
                )
            unknown = set(spec) - {"in", "where", "assert"}
            if unknown:
                bad = sorted(unknown)[0]
                raise CompileError(
                    [*qwhere, bad],
                    f"unknown key '{bad}' in {quant}",
                    _suggest(bad, ["in", "where", "assert"]),
                )
            if "in" not in spec or "assert" not in spec:
                raise CompileError(
                    qwhere,
                    f"'{quant}' needs both 'in' and 'assert'",
                    f"write {quant}: {{in: PATH, assert: EXPRESSION}}",
                )
            path = compile_path(spec["in"], start, [*qwhere, "in"])
            if path.type.kind != "list" or path.type.item is None or path.type.item.obj is None:
                raise CompileError(
                    [*qwhere, "in"],
                    f"'{path.text}' is {path.type.describe()}, not a list of objects",
                    "iterate over components, external_services, data_flows, "
                    "inbound_flows or outbound_flows; for a list of values use "
                    "contains_all/contains_any",
                )
            item = path.type.item.obj
            cond = (
                compile_expression(spec["where"], item, params, [*qwhere, "where"])
                if "where" in spec
                else None
            )
            body = compile_expression(spec["assert"], item, params, [*qwhere, "assert"])
            return Quantifier(quant, path, cond, body)
    if "field" not in keys:
        bad = sorted(keys)[0] if keys else ""
        raise CompileError(
            where,
            f"unknown expression key '{bad}'" if bad else "empty expression",
            _suggest(bad, ["field", "all", "any", "not", "every", "some", "none"]),
        )
    ops = keys - {"field"}
    if len(ops) != 1:
        if not ops:
            raise CompileError(
                where,
                f"the condition on '{raw['field']}' names no operator",
                f"add one of: {', '.join(ALL_OPS)}",
            )
        raise CompileError(
            where,
            f"one operator per condition, got {', '.join(sorted(ops))}",
            "split them into separate conditions under all: [...]",
        )
    op = next(iter(ops))
    if op not in ALL_OPS:
        raise CompileError([*where, op], f"unknown operator '{op}'", _suggest(op, ALL_OPS))
    path = compile_path(raw["field"], start, [*where, "field"])
    ftype = path.type
    arg = raw[op]
    owhere = [*where, op]

    if op == "present":
        if not isinstance(arg, bool):
            raise CompileError(owhere, "present takes true or false", "write present: true")
        return Leaf(path, op, None, arg)
    if op in _LIST_OPS:
        if ftype.kind != "list" or ftype.item is None:
            raise CompileError(
                owhere,
                f"'{op}' needs a list field; '{path.text}' is {ftype.describe()}",
                "use equals/in for a single value",
            )
        if op == "empty":
            if not isinstance(arg, bool):
                raise CompileError(owhere, "empty takes true or false", "write empty: false")
            return Leaf(path, op, None, arg)
        values = _resolve_list(arg if op != "contains" else [arg], params, owhere)
        for i, v in enumerate(values):
            _check_literal(v, ftype.item, [*owhere, i] if op != "contains" else owhere, "the item")
        return Leaf(path, op, None, tuple(values))
    if ftype.kind in ("list", "object"):
        raise CompileError(
            owhere,
            f"'{op}' compares single values; '{path.text}' is {ftype.describe()}",
            "use contains/contains_all/empty for a list, present for an object",
        )
    if op in _SET_OPS:
        values = _resolve_list(arg, params, owhere)
        for i, v in enumerate(values):
            _check_literal(v, ftype, [*owhere, i], "the item")
        return Leaf(path, op, None, tuple(values))
    if op in _COMPARE_OPS and ftype.kind not in ("int", "float", "level", "tls"):
        raise CompileError(
            owhere,
            f"'{op}' needs an ordered field (a number, an impact or "
            f"authorization level, a TLS version); '{path.text}' is "
            f"{ftype.describe()}",
            "use equals or in",
        )
    if op == "is" and ftype.kind != "bool":
        raise CompileError(
            owhere, f"'is' tests a boolean; '{path.text}' is {ftype.describe()}", "use equals"
        )
    value = compile_value(arg, ftype, start, params, owhere)
    return Leaf(path, op, value)


def _resolve_list(arg: Any, params: dict[str, Any], where: Sequence[str | int]) -> list[Any]:
    if isinstance(arg, str) and arg.startswith("$") and not arg.startswith("$$"):
        name = arg[1:]
        if name not in params:
            raise CompileError(
                where,
                f"unknown parameter ${name}",
                _suggest(name, list(params))
                if params
                else "declare it under the control's parameters",
            )
        arg = params[name]
    if not isinstance(arg, list) or not arg:
        raise CompileError(
            where, f"expected a non-empty list, got {_fmt(arg)}", "write a list such as [a, b]"
        )
    return list(arg)
