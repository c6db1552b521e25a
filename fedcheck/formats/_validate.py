"""Validate a file's data against its format and return it as the format's model.

A control, profile or waiver file is checked against the JSON Schema its model generates (each
violation a problem at its position, with a fix), then read into the model. A CRM or records
file is checked by its model directly, its errors worded as the deployment's are.
"""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import InputErrors, Problem
from ..loading import SourceMap

M = TypeVar("M", bound=BaseModel)

_validators: dict[str, Any] = {}


def schema_validator(kind: str) -> Any:
    """A compiled jsonschema validator for the generated schema of one format (kept per
    process: building it costs more than validating a file)."""
    validator = _validators.get(kind)
    if validator is None:
        import jsonschema

        from . import json_schema

        schema = json_schema(kind)
        schema = {**_inlined(schema, schema.get("$defs", {}), ()), "$defs": schema.get("$defs", {})}
        validator = jsonschema.validators.validator_for(schema)(schema)
        _validators[kind] = validator
    return validator


def _inlined(node: Any, defs: dict[str, Any], within: tuple[str, ...]) -> Any:
    """``node`` with each reference to a definition replaced by the definition itself, except
    where that definition refers to itself (an expression holds expressions). The schema means
    the same; jsonschema resolves a reference far more slowly than it descends into a mapping,
    and a catalog of hundreds of controls is validated on every run."""
    if isinstance(node, list):
        return [_inlined(item, defs, within) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        if name not in within and name in defs:
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**rest, **_inlined(defs[name], defs, (*within, name))}
    return {key: _inlined(value, defs, within) for key, value in node.items() if key != "$defs"}


def problems(data: Any, source: SourceMap, kind: str) -> list[Problem]:
    """Every violation of the format's schema in ``data``, each a Problem at its position."""
    validator = schema_validator(kind)
    found = []
    errors = sorted(
        validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)
    )
    seen_paths: set[tuple[Any, ...]] = set()
    for err in errors:
        path = tuple(err.absolute_path)
        # One problem per place, except that a missing key and an unknown key at the same
        # place are both reported: together they say "did you mean".
        seen_key = (
            path,
            err.validator if err.validator in ("required", "additionalProperties") else "",
        )
        if seen_key in seen_paths:
            continue
        seen_paths.add(seen_key)
        where = ".".join(str(p) for p in path) or "top level"
        fix = f"write the value in the form that `fedcheck schema {kind}` gives"
        message = f"{where}: {err.message}"
        key_position = False
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = list(err.schema.get("properties", {}))
            extra = sorted(set(err.instance) - set(allowed))
            if extra:
                bad = extra[0]
                path = (*path, bad)
                key_position = True
                message = f"{where}: unknown key '{bad}'"
                close = difflib.get_close_matches(bad, allowed, n=1, cutoff=0.6)
                fix = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"allowed keys: {', '.join(sorted(allowed))}"
                )
        elif err.validator == "required":
            fix = "add the missing key"
        elif err.validator == "enum":
            fix = f"use one of: {', '.join(map(str, err.validator_value))}"
        elif err.validator == "type":
            fix = f"write a value of type {err.validator_value}"
        line, column, _ = source.position(path, key=key_position)
        found.append(Problem(source.file, line, column, message, fix))
    return found


#: Formats whose messages are the model's own errors, worded as the deployment's are (their
#: users read them beside deployment messages); the others word their schema's errors.
MODEL_WORDED = frozenset({"crm", "deployment", "records"})


def validate(data: Any, source: SourceMap, kind: str, model: type[M]) -> M:
    """``data`` as an instance of ``model`` (the model of format ``kind``); every problem of
    the file is raised together as InputErrors, each at its file:line:column with a fix."""
    if kind in MODEL_WORDED:
        from ..inputs import _translate

        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise InputErrors(_translate(exc, data, source, source.file, model)) from None
    found = problems(data, source, kind)
    if found:
        raise InputErrors(found)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # The schema is the model's own, so this is a rule the schema cannot state (a model
        # validator); it is still the file's fault, said at its position.
        out = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            line, column, _ = source.position(loc)
            where = ".".join(str(p) for p in loc) or "top level"
            out.append(
                Problem(
                    source.file,
                    line,
                    column,
                    f"{where}: {err['msg']}",
                    f"see the format: fedcheck schema {kind}",
                )
            )
        raise InputErrors(out) from None
