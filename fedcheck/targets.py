"""The target schema: what a check can read on each kind of target, declared once.

The fields come from the pydantic models of the contract (fedcheck.deployment); the relations of
the document (the ``system`` above every target, a flow's resolved ``source`` and ``target``, the
``inbound_flows`` and ``outbound_flows`` of a component or service, the lists of the system) are
declared here, once, as members with ``relation=True``. The type checker (fedcheck.paths,
fedcheck.expressions), the evaluator (``Index`` and ``document_path``, which follows a relation
back to the line it reaches) and the docs generator all read ``TARGETS``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from pydantic import BaseModel

from . import deployment as dm

Outcome = bool | None  # True, False, or None for "unknown"
Getter = Callable[[Any, "Index"], Any]


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
    zero_disables: bool = False  # 0 switches the safeguard off: it never satisfies a check


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


#: Fields of the contract whose value 0 switches their safeguard off (a lock of no time at all):
#: such a value is stated, but no check on the field is satisfied by it.
ZERO_DISABLES: frozenset[tuple[type[BaseModel], str]] = frozenset(
    {(dm.Access, "session_timeout_minutes"), (dm.Lockout, "lock_minutes")}
)


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
            zero_disables=(model, key) in ZERO_DISABLES,
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


def _relations() -> dict[str, Getter]:
    """Every relation of the target schema, by name (a name means one thing on every type)."""
    out: dict[str, Getter] = {}
    seen: set[int] = set()
    todo = list(TARGETS.values())
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        for member in obj.members.values():
            if member.relation:
                out.setdefault(member.name, member.getter)
            item = member.type.item if member.type.kind == "list" else member.type
            if item is not None and item.obj is not None:
                todo.append(item.obj)
    return out


RELATIONS: dict[str, Getter] = _relations()


def document_path(obj: Any, path: str, ix: Index) -> tuple[str | int, ...]:
    """Where a path read from ``obj`` lands in the document, following relations.

    A stored field extends the path; a relation that reaches one object of the document (the
    system, a flow's source or target) continues from that object's own place; a relation that
    reaches a list or a computed value ends the path at the object it starts from; a field left
    out points at its nearest stated parent (the path as far as it is stated, then the rest)."""
    current: Any = obj
    result: list[str | int] = list(ix.paths.get(id(obj), ()))
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(current, dict):
            break
        if part in current:
            result.append(part)
            current = current[part]
            continue
        relation = RELATIONS.get(part)
        if relation is None:
            result.extend(parts[i:])
            break
        reached = relation(current, ix)
        place = ix.paths.get(id(reached)) if isinstance(reached, dict) else None
        if place is None:
            break
        current, result = reached, list(place)
    return tuple(result)
