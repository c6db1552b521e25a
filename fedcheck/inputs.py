"""Read a deployment description: load it safely, validate it against the model, check references.

Every problem becomes a Problem at ``file:line:column`` with a fix; all problems of a file are
reported together. The result keeps the plain data (what checks read), the pydantic model (what
library users get), and the source map (where each value came from).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from . import deployment as dm
from .errors import InputErrors, Problem
from .findings import Location
from .loading import DEFAULT_LIMITS, Limits, SourceMap, collector_off, load_file, parse_text

SUPPORTED_VERSIONS = (1,)


@dataclass
class LoadedDeployment:
    """A validated deployment description and where each of its values came from."""

    file: str
    data: dict[str, Any]
    model: dm.Deployment
    source: SourceMap
    sha256: str

    @property
    def system_id(self) -> str:
        return self.model.system.id

    def display_path(self, path: tuple[str | int, ...]) -> str:
        return display_path(self.data, path)

    def locate(self, path: tuple[str | int, ...]) -> Location:
        """Where ``path`` (``('components', 0, 'access')``) is in the file, shown with ids
        (``components[web-ui].access``); a path left out points at its nearest stated parent."""
        line, column, _ = self.source.position(path)
        if len(path) >= 2 and isinstance(path[1], int):
            # components[web-ui].access...: the bracketed prefix is the same for every finding
            # on one target, so it is worked out once per target.
            prefixes: dict[tuple[Any, ...], str] = self.__dict__.setdefault("_prefixes", {})
            head = path[:2]
            prefix = prefixes.get(head)
            if prefix is None:
                prefix = prefixes[head] = display_path(self.data, head)
            shown = prefix + "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in path[2:])
        else:
            shown = display_path(self.data, path)
        return Location(self.file, line, column, shown)


def display_path(data: Any, path: tuple[str | int, ...]) -> str:
    """``('components', 0, 'access')`` -> ``components[web-ui].access`` (ids where known)."""
    out = ""
    node = data
    for part in path:
        if isinstance(part, int):
            label: str = str(part)
            if isinstance(node, list) and 0 <= part < len(node):
                item = node[part]
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    label = item["id"]
                node = item
            else:
                node = None
            out += f"[{label}]"
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "top level"


def load_deployment(path: str, limits: Limits = DEFAULT_LIMITS) -> LoadedDeployment:
    """Read and validate a deployment file (YAML, or JSON by its .json extension)."""
    doc = load_file(path, limits)
    return _validate(doc.data, doc.source, path, doc.sha256)


def parse_deployment(
    text: str, file: str = "<string>", limits: Limits = DEFAULT_LIMITS, *, as_json: bool = False
) -> LoadedDeployment:
    """Validate a deployment given as text."""
    data, source = parse_text(text, file, limits, as_json=as_json)
    if not isinstance(data, dict):
        raise InputErrors(
            [Problem(file, 1, 1, "the top level must be a mapping", "start with 'version: 1'")]
        )
    return _validate(data, source, file, hashlib.sha256(text.encode("utf-8")).hexdigest())


def deployment_from_model(model: dm.Deployment, file: str = "<model>") -> LoadedDeployment:
    """Wrap a Deployment built in Python so that it can be evaluated."""
    data = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    source = SourceMap(file, data, {})
    text = repr(data).encode()
    return LoadedDeployment(file, data, model, source, hashlib.sha256(text).hexdigest())


def _validate(data: dict[str, Any], source: SourceMap, file: str, sha: str) -> LoadedDeployment:
    _check_version(data, source, file)
    try:
        # The model of a large system is hundreds of thousands of objects and no cycle: the
        # collector, left on, would spend most of the validation walking them.
        with collector_off():
            model = dm.Deployment.model_validate(data)
            dm.share_fields_sets(model)
    except ValidationError as exc:
        raise InputErrors(_translate(exc, data, source, file)) from None
    problems = _check_references(data, source, file)
    if problems:
        raise InputErrors(_capped(problems, len(problems), file))
    return LoadedDeployment(file, data, model, source, sha)


def _check_version(data: dict[str, Any], source: SourceMap, file: str) -> None:
    if "version" not in data:
        raise InputErrors(
            [
                Problem(
                    file,
                    1,
                    1,
                    "the document does not say which version of the format it is",
                    "add 'version: 1' as the first line",
                )
            ]
        )
    version = data["version"]
    if type(version) is int and version in SUPPORTED_VERSIONS:
        return
    line, column, _ = source.position(("version",))
    if isinstance(version, str) and version.strip() in ("1", "1.0"):
        fix = "write version: 1 (a number)"
    elif isinstance(version, float) and version == 1.0:
        fix = "write version: 1 (an integer; 1.0 is read as a decimal number)"
    else:
        fix = "this fedcheck reads version 1 only; write version: 1 or upgrade fedcheck"
    shown = repr(version) if isinstance(version, (str, float)) else _show(version)
    raise InputErrors([Problem(file, line, column, f"unsupported version {shown}", fix)])


def _model_at(
    loc: tuple[Any, ...], root: type[BaseModel] = dm.Deployment
) -> type[BaseModel] | None:
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = None
        for name, info in model.model_fields.items():
            if (info.alias or name) == part:
                field = info
                break
        if field is None:
            return None
        model = _unwrap(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    for _ in range(4):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        origin = typing.get_origin(annotation)
        if origin is None:
            return annotation
        if origin is typing.Literal:
            return annotation
        annotation = args[0] if args else annotation
    return annotation


def _field_names(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


#: At most this many problems of one file are reported; a file with thousands of errors (a
#: list of a million numbers where components belong) would otherwise flood the terminal.
MAX_PROBLEMS = 50


def _capped(problems: list[Problem], total: int, file: str) -> list[Problem]:
    if total <= MAX_PROBLEMS:
        return problems
    shown = problems[:MAX_PROBLEMS]
    return [
        *shown,
        Problem(
            file,
            None,
            None,
            f"{total - len(shown):,} more problems not shown",
            "fix the problems above first and run again",
        ),
    ]


def _first_errors(exc: ValidationError, count: int) -> list[dict[str, Any]]:
    """The first ``count`` errors, without building a Python dict for every one of them.

    ``exc.errors()`` on a million errors costs seconds and a gigabyte; the JSON form is built
    in Rust, and only its first entries are decoded.
    """
    text = exc.json(include_url=False)
    decoder = json.JSONDecoder()
    errors: list[dict[str, Any]] = []
    index = text.index("[") + 1
    while len(errors) < count:
        while index < len(text) and text[index] in " \n\r\t,":
            index += 1
        if index >= len(text) or text[index] == "]":
            break
        err, index = decoder.raw_decode(text, index)
        err["loc"] = tuple(err.get("loc", ()))
        errors.append(err)
    return errors


def _translate(
    exc: ValidationError,
    data: Any,
    source: SourceMap,
    file: str,
    root: type[BaseModel] = dm.Deployment,
) -> list[Problem]:
    """Each validation error of ``root`` (the deployment model unless another input's) as a
    Problem at its position, with a fix."""
    problems = []
    total = exc.error_count()
    # Locating every one of a million errors would take longer than reading the file; a sample
    # large enough that the first ones by position are among it is translated.
    errors = (
        exc.errors(include_url=False)
        if total <= MAX_PROBLEMS * 4
        else _first_errors(exc, MAX_PROBLEMS * 4)
    )
    for err in errors:
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        kind = err["type"]
        value = err.get("input")
        where = display_path(data, loc)
        key_position = False
        fix: str | None = None
        if kind == "extra_forbidden":
            parent = loc[:-1]
            names = _field_names(_model_at(parent, root))
            bad = str(loc[-1])
            close = difflib.get_close_matches(bad, names, n=1, cutoff=0.6)
            message = f"unknown field '{bad}' in {display_path(data, parent)}"
            fix = (
                f"did you mean '{close[0]}'?" if close else f"known fields here: {', '.join(names)}"
            )
            key_position = True
        elif kind == "missing":
            message = f"{where} is required"
            fix = f"add '{loc[-1]}'"
        elif (
            kind == "literal_error"
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            message = f"{where}: expected a string, got the number {value!r}"
            fix = f'quote it: "{value}" (YAML reads an unquoted {value} as a number)'
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",")]
            message = f"{where}: {value!r} is not one of {', '.join(o for o in options if o)}"
            close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
            fix = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(options)}"
        elif (
            kind in ("string_type",)
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            message = f"{where}: expected a string, got the number {value!r}"
            fix = f'quote it: "{value}" (YAML reads an unquoted {value} as a number)'
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            message = f"{where}: expected an integer, got {_show(value)}"
            fix = "write a whole number without units or quotes"
        elif kind == "bool_type":
            message = f"{where}: expected true or false, got {_show(value)}"
            fix = "write true or false (unquoted)"
        elif kind in ("greater_than_equal", "greater_than"):
            limit = err.get("ctx", {}).get("ge", err.get("ctx", {}).get("gt"))
            message = f"{where}: {value!r} is below the minimum of {limit}"
            fix = "write a positive number" if limit in (0, 1) else f"write at least {limit}"
        elif kind in ("less_than_equal", "less_than"):
            limit = err.get("ctx", {}).get("le", err.get("ctx", {}).get("lt"))
            message = f"{where}: {value!r} is absurdly large (at most {limit:,} is accepted)"
            fix = "check the unit in the field name (_days, _hours, _minutes) and the value"
        elif kind == "string_pattern_mismatch":
            pattern = err.get("ctx", {}).get("pattern", "")
            message = f"{where}: {value!r} does not have the expected form ({pattern})"
            fix = (
                "write a lowercase two-letter country code such as us"
                if pattern == dm.COUNTRY_PATTERN
                else "use letters, digits, '-', '_' and '.' only"
                if pattern == dm.ID_PATTERN
                else "use lowercase letters, digits and '-'"
            )
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            message = f"{where}: expected a mapping of fields, got {_show(value)}"
            fix = "write the fields indented below the key"
        elif kind == "list_type":
            message = f"{where}: expected a list, got {_show(value)}"
            fix = "write the items as [a, b] or as '- item' lines"
        elif kind in ("too_long",):
            message = f"{where}: too many items"
            fix = "shorten the list"
        elif kind in ("too_short", "string_too_short"):
            message = f"{where}: must not be empty"
            fix = "give it a value"
        elif kind == "string_type":
            message = f"{where}: expected a string, got {_show(value)}"
            fix = 'write one value, in quotes ("...") if YAML would read it as something else'
        elif kind == "value_error" and "date" in str(err.get("msg", "")):
            message = f"{where}: {_value_error(err)}"
            fix = "write a date of the calendar as YYYY-MM-DD, for example 2026-12-01"
        else:
            message = f"{where}: {_value_error(err)}"
            schema = "crm" if root.__name__ == "CustomerResponsibilityMatrix" else "deployment"
            fix = f"write {f'{loc[-1]!r}' if loc else 'the document'} in the form that "
            fix += f"`fedcheck schema {schema}` gives for it"
        line, column, _ = source.position(loc, key=key_position)
        problems.append(Problem(file, line, column, message, fix))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return _capped(problems, total, file)


def _value_error(err: Any) -> str:
    """Pydantic's message without its "Value error, " prefix (the message is fedcheck's own)."""
    msg = str(err.get("msg", ""))
    return msg.removeprefix("Value error, ")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return repr(value)


def _check_references(data: dict[str, Any], source: SourceMap, file: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, tuple[str | int, ...]] = {}
    system_id = data["system"]["id"]
    for section in ("components", "external_services", "data_flows"):
        for i, item in enumerate(data.get(section) or []):
            ident = item["id"]
            if ident in seen or ident == system_id:
                first = seen.get(ident, ("system", "id"))
                fl, _, _ = source.position(first)
                line, column, _ = source.position((section, i, "id"))
                problems.append(
                    Problem(
                        file,
                        line,
                        column,
                        f"duplicate id '{ident}' (already used at line {fl} by "
                        f"{display_path(data, first[:2])})",
                        "ids must be unique across the system, components, external services and "
                        "data flows; rename one",
                    )
                )
            else:
                seen[ident] = (section, i, "id")
    endpoints = {c["id"] for c in data.get("components") or []} | {
        s["id"] for s in data.get("external_services") or []
    }
    for i, flow in enumerate(data.get("data_flows") or []):
        for end in ("from", "to"):
            name = flow[end]
            if name not in endpoints:
                line, column, _ = source.position(("data_flows", i, end))
                close = difflib.get_close_matches(name, sorted(endpoints), n=1, cutoff=0.6)
                problems.append(
                    Problem(
                        file,
                        line,
                        column,
                        f"data_flows[{flow['id']}].{end} names '{name}', which is no component or "
                        "external service",
                        f"did you mean '{close[0]}'?"
                        if close
                        else "name the id of a component or external service",
                    )
                )
        if flow["from"] == flow["to"]:
            line, column, _ = source.position(("data_flows", i, "to"))
            problems.append(
                Problem(
                    file,
                    line,
                    column,
                    f"data_flows[{flow['id']}] goes from '{flow['from']}' to itself",
                    "a flow connects two different objects",
                )
            )
    return problems
