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

The language lives in four modules, one job each: fedcheck.targets (the target schema: what a
check can read, relations declared once), fedcheck.paths (field paths), fedcheck.values (the
right-hand side of a comparison, parameters bound) and fedcheck.expressions (the nodes and
``compile_expression``). This module is their one public face.
"""

from __future__ import annotations

from .errors import CompileError
from .expressions import (
    ALL_OPS,
    All,
    AnyOf,
    Leaf,
    Node,
    Not,
    Quantifier,
    Reason,
    compile_expression,
)
from .paths import CompiledPath, compile_path
from .targets import (
    LEVEL_VALUES,
    TARGET_KINDS,
    TARGETS,
    TLS_VALUES,
    ZERO_DISABLES,
    FieldType,
    Getter,
    Index,
    Member,
    ObjectType,
    Outcome,
    document_path,
)
from .values import Parameters, Value, compile_value

__all__ = [
    "ALL_OPS",
    "LEVEL_VALUES",
    "TARGETS",
    "TARGET_KINDS",
    "TLS_VALUES",
    "ZERO_DISABLES",
    "All",
    "AnyOf",
    "CompileError",
    "CompiledPath",
    "FieldType",
    "Getter",
    "Index",
    "Leaf",
    "Member",
    "Node",
    "Not",
    "ObjectType",
    "Outcome",
    "Parameters",
    "Quantifier",
    "Reason",
    "Value",
    "compile_expression",
    "compile_path",
    "compile_value",
    "document_path",
]
