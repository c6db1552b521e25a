"""Values of the check language: the right-hand side of a comparison (a literal, a ``$parameter``
whose effective value and source are bound at compile time, ``{field: PATH}``, ``{max: PATH}``
or ``{min: PATH}``), type-checked against the field it is compared with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import deployment as dm
from .errors import CompileError
from .paths import CompiledPath, _suggest, compile_path
from .targets import LEVEL_VALUES, FieldType, Getter, ObjectType


class Parameters(dict[str, Any]):
    """A control's parameter values for one compilation, with where each value comes from
    ("FedRAMP High", "profile agency-x"), so that an expectation names its source."""

    def __init__(
        self,
        values: dict[str, Any],
        sources: dict[str, str] | None = None,
        scopes: Mapping[str, Any] | None = None,
        expanding: tuple[str, ...] = (),
    ) -> None:
        super().__init__(values)
        self.sources = dict(sources or {})
        #: The named scopes a ``{scope: NAME}`` may use (fedcheck.scopes), and those being
        #: expanded (a scope that uses itself is refused).
        self.scopes: Mapping[str, Any] = scopes or {}
        self.expanding = expanding


def _source_of(params: dict[str, Any], name: str) -> str:
    sources: dict[str, str] = getattr(params, "sources", {})
    return sources.get(name, "")


@dataclass(eq=False)
class Value:
    """The right-hand side of a comparison: a constant, or read from the document."""

    describe: str  # for messages: "15", "$max_idle_minutes (15)", "system.impact_level"
    const: Any = None
    is_const: bool = True
    get: Getter | None = None
    aggregate: str | None = None  # max | min
    path: CompiledPath | None = None
    source: str = ""  # for a $parameter: where its value comes from


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
        return Value(f"{value}", const=value, source=_source_of(params, name))
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
