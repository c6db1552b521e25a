"""Load control YAML files, validate them against the control schema, and compile their checks.

The bundled catalog (``controls/`` in the source tree, ``fedcheck/_catalog`` once installed)
holds every control of the FedRAMP Rev5 baselines; a profile or ``--controls DIR`` adds custom
controls in the same format. Validated and compiled control data is cached (see
``_load_directory``), keyed by the resolved directory and the names of its files, with each
file's content digest and status, so that a run does not re-parse hundreds of files, nor read
the ones whose status is as it was; the cache is private to the user, pruned, and each entry
carries the digest of its own contents, checked on every use (they decide verdicts): an entry
that is not exactly what was written, or a file whose content is not what the entry says, is a
miss. The SHA-256 of the catalog is always that of the files' contents.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import expressions, targets, values
from ._version import __version__
from .errors import CompileError, InputError, InputErrors, Problem
from .findings import ControlInfo, Severity
from .ids import sort_key as sort_key
from .ids import to_display as to_display
from .ids import to_oscal as to_oscal
from .loading import DEFAULT_LIMITS, Limits, SourceMap, load_file, read_text
from .prose import BoundParameter as BoundParameter
from .prose import bind_prose as bind_prose
from .prose import format_value as format_value
from .scopes import SCOPES_FILE, bundled_scopes
from .scopes import bundled_catalog_dir as bundled_catalog_dir

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .formats.control import ControlFile
    from .formats.control import Parameter as ParameterSpec

BASELINES = ("low", "moderate", "high")


@dataclass(frozen=True)
class Parameter:
    name: str
    values: dict[str, Any]  # by baseline; key "*" for every baseline
    stricter: str
    odp: str | None = None
    description: str = ""
    source: str | None = None

    def value_for(self, baseline: str) -> Any:
        if baseline in self.values:
            return self.values[baseline]
        if "*" in self.values:
            return self.values["*"]
        # A control added to a baseline it does not belong to (or a value stated for some
        # baselines only) takes its strictest stated value, never its first (often loosest).
        return _strictest(self.stricter, list(self.values.values()))


def _strictest(stricter: str, values: list[Any]) -> Any:
    from .deployment import LEVEL_RANK, TLS_RANK

    def rank(v: Any) -> Any:
        for scale in (LEVEL_RANK, TLS_RANK):
            if isinstance(v, str) and v in scale:
                return scale[v]
        return v

    try:
        if stricter == "lower":
            return min(values, key=rank)
        if stricter == "higher":
            return max(values, key=rank)
        if stricter == "superset":
            return max(values, key=len)
        if stricter == "subset":
            return min(values, key=len)
    except TypeError:
        pass
    return values[-1]  # equal: values are stated low to high; the highest baseline's


@dataclass
class Control:
    """One control as written in its YAML file."""

    id: str  # display form
    oscal_id: str
    title: str
    family: str
    baselines: tuple[str, ...]
    severity: Severity
    summary: str = ""
    rationale: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    fedramp_values: tuple[dict[str, Any], ...] = ()
    parameters: dict[str, Parameter] = field(default_factory=dict)
    rules: tuple[dict[str, Any], ...] = ()
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    file: str = ""
    records: tuple[dict[str, Any], ...] = ()  # dated-evidence rules (fedcheck.records)
    source: SourceMap | None = None
    bundled: bool = True
    # The customer configures it itself (its own encryption, MFA, logging, backups): no CRM can
    # make it inherited in full (see fedcheck.crm).
    customer_configured: bool = False
    risk: dict[str, Any] | None = None  # the control's own risk rating defaults (fedcheck.risk)

    @property
    def is_automated(self) -> bool:
        return bool(self.rules) or bool(self.records)

    @property
    def has_examples(self) -> bool:
        return bool(self.examples.get("pass")) and bool(self.examples.get("fail"))

    def parameter_values(
        self, baseline: str, overrides: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        values = {name: p.value_for(baseline) for name, p in self.parameters.items()}
        if overrides:
            values.update(overrides)
        return values

    def bind(
        self,
        baseline: str,
        overrides: dict[str, Any] | None = None,
        sources: dict[str, str] | None = None,
    ) -> dict[str, BoundParameter]:
        """The effective value of every parameter and where it comes from.

        ``sources`` names the origin of each overridden value ("profile agency-x", "deviation
        DEV-1"); an override without one is attributed to "the profile". A value the control
        file itself sets comes from its ``source`` document when FedRAMP sets no number, else
        from the FedRAMP baseline ("FedRAMP High"); a custom control's from the control itself."""
        values = self.parameter_values(baseline, overrides)
        # A custom control's own values are its organization's, not FedRAMP's.
        fedramp = f"FedRAMP {baseline.capitalize()}" if self.bundled else f"control {self.id}"
        bound = {}
        for name, value in values.items():
            param = self.parameters.get(name)
            if overrides and name in overrides:
                source = (sources or {}).get(name) or "the profile"
            elif param is not None and param.source:
                source = param.source
            else:
                source = fedramp
            bound[name] = BoundParameter(name, value, source)
        return bound

    def info(
        self,
        baseline: str,
        overrides: dict[str, Any] | None = None,
        sources: dict[str, str] | None = None,
    ) -> ControlInfo:
        compiled = self.compile(baseline, overrides, sources)
        return ControlInfo(
            id=self.id,
            oscal_id=self.oscal_id,
            title=self.title,
            family=self.family,
            severity=self.severity,
            summary=compiled.summary,
            remediation=compiled.remediation,
            automated=self.is_automated,
            baselines=self.baselines,
            parameters=dict(compiled.params),
            risk=self.risk_defaults(),
        )

    def risk_defaults(self) -> dict[str, dict[str, Any]]:
        """The control's own risk rating defaults: ``""`` for the control, else by check name."""
        out: dict[str, dict[str, Any]] = {}
        if self.risk:
            out[""] = dict(self.risk)
        for rule in self.rules:
            for j, check in enumerate(rule.get("checks") or ()):
                if check.get("risk"):
                    out[check.get("name", f"check-{j + 1}")] = dict(check["risk"])
        return out

    def reads(self) -> list[tuple[str, str]]:
        """The (target kind, field path) pairs the control's checks read, for documentation."""
        out: list[tuple[str, str]] = []
        for compiled in self.compile("high").rules:
            nodes = ([compiled.where] if compiled.where else []) + [
                node
                for c in compiled.checks
                for node in ((c.where, c.node) if c.where is not None else (c.node,))
            ]
            for node in nodes:
                for path in node.reads:
                    if (compiled.target, path) not in out:
                        out.append((compiled.target, path))
        return out

    def compile(
        self,
        baseline: str,
        overrides: dict[str, Any] | None = None,
        sources: dict[str, str] | None = None,
    ) -> CompiledControl:
        """The control's checks for one baseline and tailoring, with every parameter's value
        and source bound into its prose; compiled once per (baseline, values, sources)."""
        if not overrides:
            # Untailored, the values and their sources are the control's own for the baseline:
            # keyed by the baseline alone ("" is no JSON text), without binding them first.
            cached = self._compiled.get((baseline, ""))
            if cached is None:
                cached = _compile_control(self, baseline, self.bind(baseline))
                self._compiled[(baseline, "")] = cached
            return cached
        bound = self.bind(baseline, overrides, sources)
        key = (
            baseline,
            json.dumps(
                {n: [b.value, b.source] for n, b in bound.items()}, sort_keys=True, default=str
            ),
        )
        cached = self._compiled.get(key)
        if cached is None:
            cached = _compile_control(self, baseline, bound)
            self._compiled[key] = cached
        return cached

    @cached_property
    def _compiled(self) -> dict[tuple[str, str], CompiledControl]:
        return {}

    @cached_property
    def canonical_bytes(self) -> bytes:
        """The control's canonical data (JSON, sorted keys), hashed into a report's scope."""
        return json.dumps(_control_data(self), sort_keys=True, default=str).encode()


def generic_prose(control: Control, text: str) -> str:
    """Prose for a page about the control rather than a run: ``{$name}`` gives FedRAMP's value
    for each baseline ("30 (High), 90 (Moderate)") and ``{$name.source}`` "FedRAMP" or the
    parameter's source document."""
    if "{$" not in text:
        return text
    bound: dict[str, BoundParameter] = {}
    for name, param in control.parameters.items():
        shown = {b: format_value(param.value_for(b)) for b in control.baselines or ("high",)}
        if len(set(shown.values())) == 1:
            value = next(iter(shown.values()))
        else:
            value = ", ".join(f"{v} ({b.capitalize()})" for b, v in reversed(shown.items()))
        bound[name] = BoundParameter(name, value, param.source or "FedRAMP")
    try:
        return bind_prose(text, bound)
    except CompileError:
        return text


def _referenced_parameters(raw: Any) -> list[str]:
    """The ``$name`` parameters an expression compares with, in the order written."""
    found: list[str] = []
    if isinstance(raw, str):
        if raw.startswith("$") and not raw.startswith("$$"):
            found.append(raw[1:])
    elif isinstance(raw, dict):
        for value in raw.values():
            found.extend(_referenced_parameters(value))
    elif isinstance(raw, list):
        for value in raw:
            found.extend(_referenced_parameters(value))
    return found


@dataclass
class CompiledCheck:
    name: str
    node: expressions.Node
    message: str | None  # parameters bound; {actual}, {expected}, {path}, {target} left
    fix: str | None = None  # parameters bound
    where: expressions.Node | None = None  # the check's own scope, within the rule's


@dataclass
class CompiledRule:
    target: str
    where: expressions.Node | None
    checks: list[CompiledCheck]


@dataclass
class CompiledControl:
    control: Control
    params: dict[str, Any]
    rules: list[CompiledRule]
    bound: dict[str, BoundParameter] = field(default_factory=dict)
    summary: str = ""  # parameters bound
    remediation: str = ""  # parameters bound


#: Quantifiers (every/some/none) nested deeper than this multiply the work of a check by the
#: length of a list per level (and its explanation by more): refused when the catalog loads.
MAX_QUANTIFIER_DEPTH = 2
#: The most conditions (mappings) one where or assert may hold.
MAX_EXPRESSION_NODES = 200


def _check_cost(raw: Any, where: list[str | int]) -> None:
    """Bound what one expression may cost to evaluate, before it is compiled."""
    nodes = 0
    stack: list[tuple[Any, list[str | int], int]] = [(raw, where, 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict):
            nodes += 1
            if nodes > MAX_EXPRESSION_NODES:
                raise CompileError(
                    where,
                    f"the expression holds more than {MAX_EXPRESSION_NODES} conditions",
                    "split the check into several checks or rules",
                )
            quantifier = next((q for q in ("every", "some", "none") if q in node), None)
            if quantifier is not None:
                depth += 1
                if depth > MAX_QUANTIFIER_DEPTH:
                    raise CompileError(
                        [*path, quantifier],
                        f"quantifiers nested {depth} deep (at most {MAX_QUANTIFIER_DEPTH}): "
                        "each level multiplies the work by the length of a list",
                        "flatten the check: test the inner list in a rule of its own target",
                    )
            stack.extend((v, [*path, k], depth) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, [*path, i], depth) for i, v in enumerate(node))


def _bind_message(
    control: Control,
    text: str | None,
    bound: dict[str, BoundParameter],
    baseline: str,
    check: dict[str, Any],
    where: Sequence[str | int],
) -> str | None:
    """A check's message or fix with its parameters, ``{source}`` (where the values the check
    compares with come from) and ``{baseline}`` bound."""
    if text is None:
        return None
    text = bind_prose(text, bound, where)
    if "{source}" in text:
        names = [n for n in _referenced_parameters(check.get("assert")) if n in bound]
        sources = list(dict.fromkeys(bound[n].source for n in names))
        default = f"FedRAMP {baseline.capitalize()}" if control.bundled else f"control {control.id}"
        text = text.replace("{source}", " and ".join(sources) or default)
    return text.replace("{baseline}", baseline)


def _compile_control(
    control: Control, baseline: str, bound: dict[str, BoundParameter]
) -> CompiledControl:
    params = values.Parameters(
        {name: b.value for name, b in bound.items()},
        {name: b.source for name, b in bound.items()},
        bundled_scopes(),
    )
    try:
        summary = bind_prose(control.summary, bound, ("summary",))
        remediation = bind_prose(control.remediation, bound, ("remediation",))
    except CompileError as exc:
        raise _compile_problem(control, exc) from None
    compiled: list[CompiledRule] = []
    seen: set[str] = set()
    for i, rule in enumerate(control.rules):
        target = rule["target"]
        where_path: list[str | int] = ["rules", i]
        if target in seen:
            raise _compile_problem(
                control,
                CompileError(
                    [*where_path, "target"],
                    f"a second rule for target '{target}'",
                    "merge the checks into the first rule for that target",
                ),
            )
        seen.add(target)
        start = targets.TARGETS[target]
        try:
            if "where" in rule:
                _check_cost(rule["where"], [*where_path, "where"])
            for j, check in enumerate(rule["checks"]):
                _check_cost(check["assert"], [*where_path, "checks", j, "assert"])
            where = (
                expressions.compile_expression(
                    rule["where"], start, params, [*where_path, "where"], scope=True
                )
                if "where" in rule
                else None
            )
            checks = []
            for j, check in enumerate(rule["checks"]):
                at: list[str | int] = [*where_path, "checks", j]
                checks.append(
                    CompiledCheck(
                        check.get("name", f"check-{j + 1}"),
                        expressions.compile_expression(
                            check["assert"], start, params, [*at, "assert"]
                        ),
                        _bind_message(
                            control, check.get("message"), bound, baseline, check, [*at, "message"]
                        ),
                        _bind_message(
                            control, check.get("fix"), bound, baseline, check, [*at, "fix"]
                        ),
                        expressions.compile_expression(
                            check["where"], start, params, [*at, "where"], scope=True
                        )
                        if "where" in check
                        else None,
                    )
                )
        except CompileError as exc:
            raise _compile_problem(control, exc) from None
        compiled.append(CompiledRule(target, where, checks))
    return CompiledControl(control, dict(params), compiled, bound, summary, remediation)


def _compile_problem(control: Control, exc: CompileError) -> InputError:
    line = column = None
    if control.source is not None:
        line, column, _ = control.source.position(exc.path)
    fix = exc.fix or "correct the check at this position (docs/writing-controls.md)"
    return InputError(control.file, line, column, f"{control.id}: {exc.message}", fix)


# --- reading control files -------------------------------------------------------------------


def _schema_path(name: str) -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_schemas" / name, here.parent / "schemas" / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"schema {name} is missing from the installation")


def _format(schema: str) -> str:
    """``control.schema.json`` (or ``control``) -> the format's name, ``control``."""
    return schema.removesuffix(".schema.json")


def schema_validator(name: str) -> Any:
    """A compiled jsonschema validator for one of fedcheck's formats (``control.schema.json``
    or ``control``), built from the schema its model generates (see fedcheck.formats)."""
    from . import formats

    return formats.schema_validator(_format(name))


def schema_problems(data: Any, source: SourceMap, schema: str) -> list[Problem]:
    """Validate data against a format's schema; each error becomes a Problem at its position."""
    from . import formats

    return formats.problems(data, source, _format(schema))


def _parameter(name: str, spec: ParameterSpec) -> Parameter:
    from .formats.control import ValueByBaseline

    value = spec.value
    values = value.values() if isinstance(value, ValueByBaseline) else {"*": value}
    return Parameter(name, values, spec.stricter, spec.odp, spec.description or "", spec.source)


def _dump(item: BaseModel) -> dict[str, Any]:
    """A model's data as the file states it: its keys, and no default it left out."""
    return item.model_dump(by_alias=True, exclude_unset=True)


def control_from_data(
    data: ControlFile | dict[str, Any],
    file: str,
    source: SourceMap | None,
    bundled: bool = True,
) -> Control:
    """The Control of a control file's model (or of data already valid against its schema)."""
    from .formats.control import ControlFile

    model = data if isinstance(data, ControlFile) else ControlFile.model_validate(data)
    oscal = to_oscal(model.id)
    examples = model.examples
    return Control(
        id=to_display(oscal),
        oscal_id=oscal,
        title=model.title,
        family=model.family,
        baselines=tuple(b for b in BASELINES if b in model.baselines),
        severity=Severity(model.severity),
        summary=(model.summary or "").strip(),
        rationale=(model.rationale or "").strip(),
        remediation=(model.remediation or "").strip(),
        references=tuple(model.references or ()),
        fedramp_values=tuple(_dump(v) for v in model.fedramp_values or ()),
        parameters={n: _parameter(n, p) for n, p in (model.parameters or {}).items()},
        # The check language's compiler (rules.py) reads rules as the file states them.
        rules=tuple(_dump(r) for r in model.rules or ()),
        examples={}
        if examples is None
        else {
            key: [_dump(e) for e in found]
            for key, found in (("pass", examples.pass_), ("fail", examples.fail))
            if found is not None
        },
        file=file,
        source=source,
        bundled=bundled,
        records=tuple(_dump(r) for r in model.records or ()),
        customer_configured=bool(model.customer_configured),
        risk=_dump(model.risk) if model.risk is not None else None,
    )


def load_control_file(
    path: str, limits: Limits = DEFAULT_LIMITS, *, bundled: bool = False, check: bool = True
) -> Control:
    """Read, validate and (with ``check``) compile one control file."""
    from . import formats
    from .formats.control import ControlFile

    doc = load_file(path, limits)
    model = formats.validate(doc.data, doc.source, "control", ControlFile)
    family = model.family
    try:
        oscal = to_oscal(model.id)
    except ValueError as exc:
        line, column, _ = doc.source.position(("id",))
        raise InputError(
            path, line, column, str(exc), "write the id as AC-2(3) or ac-2.3"
        ) from None
    if oscal.split("-")[0].upper() != family:
        line, column, _ = doc.source.position(("family",))
        raise InputError(
            path,
            line,
            column,
            f"family {family} does not match the control id {model.id}",
            f"set family: {oscal.split('-')[0].upper()}",
        )
    control = control_from_data(model, path, doc.source, bundled)
    if check:
        _check_parameters(control)
        if control.records:
            from .records import check_rules

            check_rules(control)
        for baseline in control.baselines or ("high",):
            control.compile(baseline)
    return control


def _check_parameters(control: Control) -> None:
    for name, param in control.parameters.items():
        if param.stricter in ("superset", "subset") and not all(
            isinstance(v, list) for v in param.values.values()
        ):
            line = column = None
            if control.source:
                line, column, _ = control.source.position(("parameters", name, "value"))
            raise InputError(
                control.file,
                line,
                column,
                f"{control.id}: parameter {name} is '{param.stricter}' but its value is not a list",
                "give a list value, or use stricter: lower/higher",
            )


def _control_files(directory: Path) -> list[Path]:
    """The control files of a directory: every .yaml/.yml below it but the scopes file at its
    top (``_scopes.yaml``, fedcheck.scopes). Any other file is read as a control, so that a
    control never goes unread, and unjudged, for its name."""
    return [directory / name for name in _control_names(directory)]


def _control_names(directory: Path) -> list[str]:
    """The names of ``_control_files`` relative to the directory ("ac/ac-2.yaml"), in the same
    order: what ``directory.rglob("*")`` finds (symbolic links to directories are not
    followed, a directory that cannot be listed is skipped), as one walk of the directory."""
    found: list[list[str]] = []

    def walk(path: str, parts: list[str]) -> None:
        try:
            with os.scandir(path) as it:
                entries = list(it)
        except PermissionError:
            return
        for entry in entries:
            name = entry.name
            dot = name.rfind(".")
            if (
                0 < dot
                and name[dot:] in (".yaml", ".yml")
                and (parts or name != SCOPES_FILE)
                and _is_file(entry)
            ):
                found.append([*parts, name])
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                walk(entry.path, [*parts, name])

    walk(str(directory), [])
    found.sort()  # as paths compare: part by part
    return ["/".join(parts) for parts in found]


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _join(directory: str, name: str) -> str:
    """``str(Path(directory) / name)`` for a name of ``_control_names``."""
    if directory == ".":
        return name
    return directory + name if directory.endswith("/") else f"{directory}/{name}"


# --- the catalog ---------------------------------------------------------------------------


@dataclass
class Catalog:
    """A set of controls, by OSCAL id, in NIST order."""

    controls: dict[str, Control]
    version: str
    sha256: str
    directories: tuple[str, ...] = ()

    def __iter__(self) -> Any:
        return iter(self.controls.values())

    def __len__(self) -> int:
        return len(self.controls)

    def __contains__(self, control_id: str) -> bool:
        try:
            return to_oscal(control_id) in self.controls
        except ValueError:
            return False

    def get(self, control_id: str) -> Control:
        return self.controls[to_oscal(control_id)]

    def in_baseline(self, baseline: str) -> list[Control]:
        return [c for c in self.controls.values() if baseline in c.baselines]

    def digest_of(self, controls: Iterable[Control]) -> str:
        """SHA-256 over the canonical data of the given controls (for a report's scope)."""
        h = hashlib.sha256()
        # The named scopes the checks expand are part of what judged the run.
        for name, scope in sorted(bundled_scopes().items()):
            blob = {"target": scope.target, "where": scope.where}
            h.update(f"scope {name}\0".encode() + json.dumps(blob, sort_keys=True).encode())
        for c in sorted(controls, key=lambda c: sort_key(c.oscal_id)):
            h.update(c.oscal_id.encode())
            h.update(b"\0")
            h.update(c.canonical_bytes)
            h.update(b"\0")
        return h.hexdigest()


def _control_data(c: Control) -> dict[str, Any]:
    return {
        "id": c.oscal_id,
        "title": c.title,
        "family": c.family,
        "baselines": list(c.baselines),
        "severity": c.severity.value,
        "summary": c.summary,
        "rationale": c.rationale,
        "remediation": c.remediation,
        "references": list(c.references),
        "fedramp_values": list(c.fedramp_values),
        "parameters": {
            n: {
                "value": p.values,
                "stricter": p.stricter,
                "odp": p.odp,
                "description": p.description,
                "source": p.source,
            }
            for n, p in c.parameters.items()
        },
        "rules": list(c.rules),
        "examples": c.examples,
        **({"records": list(c.records)} if c.records else {}),
        **({"customer_configured": True} if c.customer_configured else {}),
        **({"risk": c.risk} if c.risk else {}),
    }


#: How many catalog cache entries are kept (the most recently used).
CACHE_ENTRIES = 16


def _cache_dir() -> Path | None:
    if os.environ.get("FEDCHECK_NO_CACHE"):
        return None
    base = os.environ.get("FEDCHECK_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "fedcheck"


def _private(directory: Path, *, create: bool) -> bool:
    """Is ``directory`` ours alone (created 0700 when asked)? A cache that someone else can
    write decides verdicts for them, so it is not used at all."""
    try:
        if create:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = directory.lstat()
    except OSError:
        return False
    import stat

    if not stat.S_ISDIR(st.st_mode):
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    if st.st_mode & 0o077:
        try:
            os.chmod(directory, 0o700)
        except OSError:
            return False
    return True


def _entry_key(directory: Path, names: Sequence[str]) -> str:
    """The name of a directory's entry: fedcheck's version, the resolved directory, every file's
    name, the control schema, the code that reads and compiles control files, and the named
    scopes the checks compile against. The files' contents are not part of it: the entry holds
    each file's SHA-256, and is used only when every file is as the entry says
    (``_from_cache``)."""
    h = hashlib.sha256(f"{ENTRY_LAYOUT}\0{__version__}\0{directory.resolve()}\0".encode())
    for name in names:  # relative to the directory
        h.update(f"{name}\0".encode())
    h.update(hashlib.sha256(_schema_path("control.schema.json").read_bytes()).digest())
    h.update(_code_digest())
    # A control that compiled against the scopes of its entry's write need not compile against
    # edited ones: the entry is not compiled again when read, so the scopes are part of its key.
    scopes = {name: [s.target, s.where] for name, s in sorted(bundled_scopes().items())}
    h.update(json.dumps(scopes, sort_keys=True).encode())
    return h.hexdigest()[:32]


#: The layout of an entry (part of its key): each file's stat and digest, then the controls.
ENTRY_LAYOUT = "stat-1"
#: A file whose status changed less than this before its entry was written is "racy": its
#: stat may not show a change made within the same tick of the file system's clock, so it is
#: read and hashed on every use, as git does for its index.
RACY_NS = 2_000_000_000


def _now_ns() -> int:
    import time

    return time.time_ns()


def _stat_row(path: str) -> list[int] | None:
    """What a file's status says of its content: inode, size, modification and change time
    (the kernel sets the change time on every change; ``cp -p`` and ``rsync -a`` cannot copy
    it). None for anything but a regular file."""
    import stat

    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


#: The modules whose code decides what a full load of control files accepts and makes of them
#: (reading, validating, compiling, the record checks): part of a cache entry's key.
KEY_CODE = (
    "catalog.py",
    "deployment.py",
    "expressions.py",
    "formats/__init__.py",
    "formats/_schema.py",
    "formats/_validate.py",
    "formats/control.py",
    "ids.py",
    "loading.py",
    "paths.py",
    "prose.py",
    "records.py",
    "scopes.py",
    "targets.py",
    "values.py",
)


@cache
def _code_digest() -> bytes:
    """The SHA-256 of the code that makes an entry of the files (``KEY_CODE``): a change to it
    in a checkout, where the version stays the same, is another key, since an entry's controls
    are not validated or compiled again when read. (An installation without the sources is one
    version's code.)"""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in KEY_CODE:
        try:
            h.update(hashlib.sha256((here / name).read_bytes()).digest())
        except OSError:
            h.update(b"\0")
    return h.digest()


#: An entry starts with the SHA-256 of the rest of it: ``{"digest": "<64 hex>", `` followed by
#: the payload's JSON without its opening brace, so that the entry is one JSON object.
_DIGEST_HEAD = b'{"digest": "'
_DIGEST_TAIL = b'", '
_PAYLOAD_AT = len(_DIGEST_HEAD) + 64 + len(_DIGEST_TAIL)


def _entry_bytes(payload: dict[str, Any]) -> bytes:
    """A cache entry: the payload's JSON, with the digest of exactly those bytes written first."""
    body = json.dumps(payload).encode()
    digest = hashlib.sha256(body).hexdigest().encode()
    return _DIGEST_HEAD + digest + _DIGEST_TAIL + body[1:]


def _entry_payload(data: bytes) -> Any:
    """The payload of a cache entry, or None when the entry is not exactly what was written:
    truncated, edited, corrupted, or of another layout."""
    stated_end = _PAYLOAD_AT - len(_DIGEST_TAIL)
    if not data.startswith(_DIGEST_HEAD) or data[stated_end:_PAYLOAD_AT] != _DIGEST_TAIL:
        return None
    body = b"{" + data[_PAYLOAD_AT:]
    if hashlib.sha256(body).hexdigest().encode() != data[len(_DIGEST_HEAD) : stated_end]:
        return None
    return json.loads(body)


def _from_cache(
    cache: Path, entry: str, files: Sequence[str], limits: Limits, bundled: bool
) -> tuple[list[Control], str] | None:
    """The controls of a cache entry and the catalog's SHA-256, or None (a miss: the files are
    read again) when it is missing or not exactly what a full load of these files wrote.

    An entry is written only after every control of the directory was read, validated against
    the control schema and compiled for each of its baselines (``_load_directory``), in a
    directory of the user's own (``_private``), under a key of fedcheck's version and code, the
    schema, the scopes and the files' names (``_entry_key``). It holds each file's SHA-256 and
    status (``_stat_row``). A file whose status is as the entry says, and was not racy when the
    entry was written (``RACY_NS``), is not read; any other is read and hashed, and a digest
    other than the entry's makes it a miss. Beyond that, what could be wrong with an entry is
    corruption: a truncated write, a disk error, an edit. The digest it carries of its own
    payload is checked first, and anything off about it (the digest, the layout, a file's name,
    a field) makes it a miss. Its controls are compiled when a plan asks for a baseline
    (``Control.compile``), not here. An entry whose files were touched but not changed is
    written again with their new status, so that they need not be read next time."""
    cached = cache / entry
    try:
        if cached.lstat().st_size > limits.max_file_bytes:
            return None
        blob = _entry_payload(cached.read_bytes())
        if not isinstance(blob, dict):
            return None
        entries, rows, written, sha = (
            blob["controls"],
            blob["files"],
            blob["written_ns"],
            blob["sha256"],
        )
        if not (
            isinstance(entries, list)
            and isinstance(rows, list)
            and len(entries) == len(rows) == len(files)
            and isinstance(written, int)
            and isinstance(sha, str)
            and len(sha) == 64
        ):
            return None
        started = _now_ns()
        fresh: list[list[Any]] = []
        refresh = False
        for (name, digest, _), row, path in zip(entries, rows, files, strict=True):
            if name != path or not isinstance(row, list) or len(row) != 5 or row[4] != digest:
                return None
            now = _stat_row(path)
            if now is None or now[1] > limits.max_file_bytes:
                return None  # refused with its reason by the full load
            if now == row[:4] and row[3] < written - RACY_NS:
                fresh.append(row)
                continue
            try:
                raw = read_text(path, limits)[1]
            except InputError:
                return None
            if hashlib.sha256(raw).hexdigest() != digest:
                return None
            fresh.append([*now, digest])
            # Touched but unchanged, or no longer racy: its new status spares the next read.
            refresh = refresh or now != row[:4] or now[3] < started - RACY_NS
        controls = [_control_from_fields(data, name, bundled) for name, _, data in entries]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    if refresh:
        _write_cache(cache, entry, {**blob, "written_ns": started, "files": fresh})
    else:
        try:
            os.utime(cached)  # most recently used: kept longest by the pruning
        except OSError:
            pass
    return controls, sha


def _load_directory(directory: Path, limits: Limits, bundled: bool) -> tuple[list[Control], str]:
    """Load every control file of a directory; returns the controls and the SHA-256 of the files."""
    if not bundled and (directory / SCOPES_FILE).is_file():
        # Custom controls use the bundled scopes; a scopes file here would be silently unread.
        raise InputError(
            str(directory / SCOPES_FILE),
            1,
            1,
            "a control directory of your own cannot define named scopes: only the bundled "
            "catalog's controls/_scopes.yaml is read",
            "write the condition in the control's where, or use a bundled scope such as sign_in",
        )
    names = _control_names(directory)
    prefix = str(directory)
    files = [_join(prefix, name) for name in names]
    cache = _cache_dir()
    entry = ""
    if cache is not None and _private(cache, create=False):
        entry = f"catalog-{_entry_key(directory, names)}.json"
        hit = _from_cache(cache, entry, files, limits, bundled)
        if hit is not None:
            return hit
    started = _now_ns()  # before any file's status is taken (RACY_NS)
    digest = hashlib.sha256()
    controls = []
    problems: list[Problem] = []
    raw_data = []
    rows: list[list[Any]] = []
    for path, name in zip(files, names, strict=True):
        digest.update(name.encode() + b"\0")
        row = _stat_row(path) if cache is not None else None
        try:
            raw = read_text(path, limits)[1]
            digest.update(raw + b"\0")
            control = load_control_file(path, limits, bundled=bundled)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        controls.append(control)
        file_digest = hashlib.sha256(raw).hexdigest()
        raw_data.append((path, file_digest, _cached_fields(control)))
        if row is not None:
            rows.append([*row, file_digest])
    if problems:
        raise InputErrors(problems)
    sha = digest.hexdigest()
    if cache is not None and len(rows) == len(files):
        entry = entry or f"catalog-{_entry_key(directory, names)}.json"
        blob = {"sha256": sha, "written_ns": started, "files": rows, "controls": raw_data}
        _write_cache(cache, entry, blob)
    return controls, sha


def _cached_fields(c: Control) -> dict[str, Any]:
    """A loaded control's fields as JSON, for a cache entry (``_control_from_fields``)."""
    return {
        "id": c.id,
        "oscal_id": c.oscal_id,
        "title": c.title,
        "family": c.family,
        "baselines": list(c.baselines),
        "severity": c.severity.value,
        "summary": c.summary,
        "rationale": c.rationale,
        "remediation": c.remediation,
        "references": list(c.references),
        "fedramp_values": list(c.fedramp_values),
        "parameters": {
            n: {
                "values": p.values,
                "stricter": p.stricter,
                "odp": p.odp,
                "description": p.description,
                "source": p.source,
            }
            for n, p in c.parameters.items()
        },
        "rules": list(c.rules),
        "examples": c.examples,
        "records": list(c.records),
        "customer_configured": c.customer_configured,
        "risk": c.risk,
        "canonical": c.canonical_bytes.decode(),
    }


def _control_from_fields(f: dict[str, Any], file: str, bundled: bool) -> Control:
    """The Control that ``_cached_fields`` wrote (equal to the one loaded from its file, but
    for its source positions, which an entry does not keep)."""
    control = Control(
        id=f["id"],
        oscal_id=f["oscal_id"],
        title=f["title"],
        family=f["family"],
        baselines=tuple(f["baselines"]),
        severity=Severity(f["severity"]),
        summary=f["summary"],
        rationale=f["rationale"],
        remediation=f["remediation"],
        references=tuple(f["references"]),
        fedramp_values=tuple(f["fedramp_values"]),
        parameters={
            n: Parameter(n, p["values"], p["stricter"], p["odp"], p["description"], p["source"])
            for n, p in f["parameters"].items()
        },
        rules=tuple(f["rules"]),
        examples=f["examples"],
        file=file,
        records=tuple(f["records"]),
        source=None,
        bundled=bundled,
        customer_configured=f["customer_configured"],
        risk=f["risk"],
    )
    # What the property computes from the fields above, as the full load computed it.
    control.__dict__["canonical_bytes"] = f["canonical"].encode()
    return control


def _write_cache(directory: Path, name: str, blob: dict[str, Any]) -> None:
    """Write one entry (0600, in a 0700 directory of the user's own), then prune old ones."""
    if not _private(directory, create=True):
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_entry_bytes(blob))
            os.replace(tmp, directory / name)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        return  # a cache that cannot be written only costs time
    _prune(directory)


def _prune(directory: Path, keep: int = CACHE_ENTRIES) -> None:
    """Keep the ``keep`` most recently used entries; drop the rest and stale temporary files."""
    import time

    try:
        entries = sorted(
            directory.glob("catalog-*.json"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in entries[keep:]:
            old.unlink()
        for tmp in directory.glob(".tmp-*.json"):
            if time.time() - tmp.stat().st_mtime > 3600:
                tmp.unlink()
    except OSError:
        pass


def check_scopes(scopes: dict[str, Any]) -> None:
    """Compile every named scope on its target (fedcheck.scopes): a typo in a scope is an error
    at its line in the scopes file, not in each control that uses it."""
    problems: list[Problem] = []
    for scope in scopes.values():
        params = values.Parameters({}, {}, scopes, (scope.name,))
        try:
            expressions.compile_expression(
                scope.where, targets.TARGETS[scope.target], params, ["where"], scope=True
            )
        except CompileError as exc:
            problems.append(
                Problem(
                    scope.file,
                    scope.line,
                    scope.column,
                    f"scope {scope.name}: {exc.message}",
                    exc.fix or "correct the scope's where expression",
                )
            )
    if problems:
        raise InputErrors(problems)


def load_catalog(
    extra_dirs: Sequence[str | os.PathLike[str]] = (),
    *,
    include_bundled: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> Catalog:
    """Load the bundled catalog and any extra control directories into one Catalog."""
    directories: list[tuple[Path, bool]] = []
    if include_bundled:
        directories.append((bundled_catalog_dir(), True))
    check_scopes(bundled_scopes())
    for d in extra_dirs:
        path = Path(d)
        if not path.is_dir():
            raise InputError(
                str(d),
                None,
                None,
                "no such control directory",
                "name a directory of control YAML files",
            )
        directories.append((path, False))
    controls: dict[str, Control] = {}
    digests = []
    for directory, bundled in directories:
        # The bundled catalog is part of the installation, read with the default limits; the
        # run's limits (which a pipeline may lower for untrusted input) apply to the rest.
        loaded, sha = _load_directory(directory, DEFAULT_LIMITS if bundled else limits, bundled)
        digests.append(sha)
        for control in loaded:
            if control.oscal_id in controls:
                first = controls[control.oscal_id]
                raise InputError(
                    control.file,
                    1,
                    1,
                    f"control {control.id} is defined twice (first in {first.file})",
                    "give the custom control an id of its own (a family code such "
                    "as ORG-1), or remove the catalog control with a profile",
                )
            controls[control.oscal_id] = control
    ordered = dict(sorted(controls.items(), key=lambda kv: sort_key(kv[0])))
    combined = (
        digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest()
    )
    return Catalog(ordered, __version__, combined, tuple(str(d) for d, _ in directories))
