"""Dated evidence: load evidence records, verify their artifacts, and judge their age.

A record (a policy approved, a plan tested, a training held, a scan run) is dated; a control
that FedRAMP holds to a frequency carries a ``records:`` rule naming the kinds of record that
evidence it and the parameter that sets how old the newest one may be. Ages are judged against
the evaluation date (``as_of``), never against the clock or ``SOURCE_DATE_EPOCH``.

"Every N months" is due on the same day N months later, clamped to the month's end (a record of
31 January with a monthly obligation is due on 28 or 29 February); "every N days" is due N days
later. A record is current through its due date and overdue the day after.

Reading records (and hashing their artifacts) happens in :func:`load_records` and
:func:`prepare`, before the evaluation judges them; the judgement (:func:`judge`) is pure.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ConfigDict, Field

from . import deployment as dm
from .errors import InputError, InputErrors, Problem
from .findings import (
    WEAKNESS_MISSING,
    WEAKNESS_STATED,
    Evidence,
    FailedCheck,
    Finding,
    Location,
    Status,
)
from .inputs import LoadedDeployment
from .loading import DEFAULT_LIMITS, Limits, SourceMap, load_file

RECORDS_SCHEMA_ID = "https://fedcheck.dev/schemas/records-v1.schema.json"
KINDS: tuple[str, ...] = dm.RecordKind.__args__  # type: ignore[attr-defined]
ArtifactState = Literal["none", "url", "verified", "missing", "changed", "unreadable"]
DueStatus = Literal["overdue", "due", "current", "no_record"]
_PARAM = re.compile(r"^\$([a-z_][a-z0-9_]*)$")


class RecordsFile(dm._Model):
    """A separate file of evidence records (``fedcheck check --records FILE``)."""

    model_config = ConfigDict(
        title="fedcheck evidence records", json_schema_extra={"$id": RECORDS_SCHEMA_ID}
    )

    version: int = Field(..., ge=1, le=1, description="The version of this format: 1.")
    system: str | None = Field(
        None,
        pattern=dm.SYSTEM_ID_PATTERN,
        description="The id of the system the records belong to; when given it must match the "
        "deployment's system.id.",
    )
    records: list[dm.Record] = Field(
        default_factory=list, max_length=10_000, description="The dated evidence records."
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a records file, as committed under ``schemas/``."""
    schema = RecordsFile.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = RECORDS_SCHEMA_ID
    return schema


# --- dates ----------------------------------------------------------------------------------


def parse_date(text: str) -> datetime.date:
    """``YYYY-MM-DD`` -> date; ValueError otherwise."""
    if not re.fullmatch(dm.DATE_PATTERN, text):
        raise ValueError(f"{text!r} is not a date written YYYY-MM-DD")
    return datetime.date.fromisoformat(text)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def due_after(day: datetime.date, every: int, unit: str) -> datetime.date:
    """When evidence dated ``day`` must be renewed, for an obligation every ``every`` ``unit``."""
    if unit == "months":
        return add_months(day, every)
    return day + datetime.timedelta(days=every)


def period_text(every: int, unit: str) -> str:
    """``12, "months"`` -> ``12 months``; the number is the parameter's, never rounded to years."""
    return unit[:-1] if every == 1 else f"{every} {unit}"


# --- loaded records -------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One record as loaded: the model, where it was written, and what its artifact showed."""

    record: dm.Record
    file: str
    path: tuple[str | int, ...]  # in its file, e.g. ("records", 3)
    source: SourceMap = field(repr=False, compare=False)
    artifact: ArtifactState = "none"
    detail: str = ""

    @property
    def date(self) -> datetime.date:
        return datetime.date.fromisoformat(self.record.date)

    def location(self, key: str | None = None) -> Location:
        path = (*self.path, key) if key else self.path
        line, column, _ = self.source.position(path)
        shown = f"records[{self.record.id}]" + (f".{key}" if key else "")
        return Location(self.file, line, column, shown)


@dataclass(frozen=True)
class RecordSet:
    """The records of one file (a deployment's ``records:`` section or a records file)."""

    file: str
    sha256: str
    entries: tuple[Entry, ...]
    system: str | None = None
    is_separate: bool = False  # a --records file, not the deployment itself


def _entries(
    records: Sequence[dm.Record], file: str, source: SourceMap, base_dir: str
) -> tuple[Entry, ...]:
    out = []
    for i, record in enumerate(records):
        state, detail = _verify(record.artifact, base_dir)
        out.append(Entry(record, file, ("records", i), source, state, detail))
    return tuple(out)


def _verify(artifact: dm.Artifact | None, base_dir: str) -> tuple[ArtifactState, str]:
    """Hash a path artifact and compare; a URL is only recorded (never fetched)."""
    if artifact is None:
        return "none", ""
    if artifact.path is None:
        return "url", artifact.url or ""
    full = os.path.join(base_dir, artifact.path)
    try:
        with open(full, "rb") as handle:
            digest = hashlib.sha256()
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return "missing", artifact.path
    except OSError as exc:
        return "unreadable", f"{artifact.path} ({exc.strerror or type(exc).__name__})"
    actual = digest.hexdigest()
    if actual != artifact.sha256:
        return "changed", actual
    return "verified", artifact.path


def _artifact_problems(records: Sequence[dm.Record], source: SourceMap, file: str) -> list[Problem]:
    problems = []
    for i, record in enumerate(records):
        art = record.artifact
        if art is None:
            continue
        path = ("records", i, "artifact")
        line, column, _ = source.position(path)
        where = f"records[{record.id}].artifact"
        if (art.path is None) == (art.url is None):
            problems.append(
                Problem(
                    file,
                    line,
                    column,
                    f"{where}: give exactly one of path and url",
                    "write path: (a file relative to this one) with its sha256, or url:",
                )
            )
        elif art.path is not None and art.sha256 is None:
            problems.append(
                Problem(
                    file,
                    line,
                    column,
                    f"{where}: a path artifact needs its sha256",
                    f"add sha256: (the output of sha256sum {art.path})",
                )
            )
        elif art.path is not None and (os.path.isabs(art.path) or art.path.startswith("~")):
            line, column, _ = source.position((*path, "path"))
            problems.append(
                Problem(
                    file,
                    line,
                    column,
                    f"{where}.path: {art.path!r} is absolute",
                    "write the path relative to the file that holds the record",
                )
            )
        elif art.url is not None and art.sha256 is not None:
            problems.append(
                Problem(
                    file,
                    line,
                    column,
                    f"{where}: a URL artifact is never fetched, so its sha256 cannot be verified",
                    "remove sha256, or keep a copy beside the file and give its path",
                )
            )
    return problems


def load_records(path: str, limits: Limits = DEFAULT_LIMITS) -> RecordSet:
    """Read a records file, validate it, and verify the artifacts its records name."""
    doc = load_file(path, limits)
    data = doc.data
    if "version" not in data:
        raise InputError(
            path, 1, 1, "the records file does not say its version", "add 'version: 1'"
        )
    from . import formats

    model = formats.validate(data, doc.source, "records", RecordsFile)
    problems = _artifact_problems(model.records, doc.source, path)
    if problems:
        raise InputErrors(problems)
    base = os.path.dirname(path) or "."
    return RecordSet(
        path,
        doc.sha256,
        _entries(model.records, path, doc.source, base),
        model.system,
        is_separate=True,
    )


def deployment_records(deployment: LoadedDeployment) -> RecordSet:
    """The records of a deployment's own ``records:`` section, artifacts verified."""
    model = deployment.model
    problems = _artifact_problems(model.records, deployment.source, deployment.file)
    if problems:
        raise InputErrors(problems)
    base = os.path.dirname(deployment.file) or "."
    return RecordSet(
        deployment.file,
        deployment.sha256,
        _entries(model.records, deployment.file, deployment.source, base),
    )


# --- dated fields of the deployment -----------------------------------------------------------


@dataclass(frozen=True)
class DatedField:
    """A fact of the contract stated as a day count, and its dated form."""

    section: str  # components
    date_path: tuple[str, ...]  # ("backup", "last_restore_test")
    days_path: tuple[str, ...]  # ("backup", "last_restore_test_days")
    control: str  # the control whose parameter bounds it (for the calendar)
    parameter: str
    what: str


DATED_FIELDS: tuple[DatedField, ...] = (
    DatedField(
        "components",
        ("backup", "last_restore_test"),
        ("backup", "last_restore_test_days"),
        "cp-9.1",
        "max_days_since_restore_test",
        "backups test-restored",
    ),
)


def _get(obj: Any, path: Sequence[str]) -> Any:
    for part in path:
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


class _AgedSource(SourceMap):
    """The source map of a deployment whose dated fields were turned into day counts: a derived
    day count is located at the date it came from."""

    def __init__(self, base: SourceMap, data: Any, derived: dict[tuple[str | int, ...], str]):
        super().__init__(base.file, data, {})
        self._base = base
        self._derived = derived

    def position(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int, bool]:
        parts = tuple(path)
        for n in range(1, len(parts) + 1):
            renamed = self._derived.get(parts[:n])
            if renamed is not None:
                parts = (*parts[: n - 1], renamed, *parts[n:])
                break
        return self._base.position(parts, key=key)


def age_dated_fields(
    deployment: LoadedDeployment, as_of: datetime.date
) -> tuple[LoadedDeployment, list[str], list[Problem]]:
    """Turn each dated fact into its day count as of ``as_of``, so the checks written against
    the day count judge the date. Returns the deployment to evaluate, the notes (one per file
    that uses a day count, which does not age) and the problems (a date after ``as_of``, or both
    forms stated)."""
    data = deployment.data
    problems: list[Problem] = []
    derived: dict[tuple[str | int, ...], str] = {}
    replaced: dict[tuple[str, int], dict[str, Any]] = {}
    undated: list[str] = []
    for spec in DATED_FIELDS:
        for i, item in enumerate(data.get(spec.section) or []):
            date_text = _get(item, spec.date_path)
            days = _get(item, spec.days_path)
            where = f"{spec.section}[{item.get('id', i)}]"
            if date_text is None:
                if days is not None:
                    undated.append(f"{where}.{'.'.join(spec.days_path)}")
                continue
            at: tuple[str | int, ...] = (spec.section, i, *spec.date_path)
            line, column, _ = deployment.source.position(at)
            if days is not None:
                problems.append(
                    Problem(
                        deployment.file,
                        line,
                        column,
                        f"{where}: both {'.'.join(spec.date_path)} and "
                        f"{'.'.join(spec.days_path)} are stated",
                        f"keep {'.'.join(spec.date_path)} (it ages) and remove "
                        f"{'.'.join(spec.days_path)}",
                    )
                )
                continue
            day = datetime.date.fromisoformat(date_text)
            if day > as_of:
                problems.append(_future(deployment.file, line, column, where, spec, day, as_of))
                continue
            copy = replaced.setdefault((spec.section, i), _deep_copy_path(item, spec.days_path))
            parent = copy
            for part in spec.days_path[:-1]:
                parent = parent[part]
            parent[spec.days_path[-1]] = (as_of - day).days
            derived[(spec.section, i, *spec.days_path)] = spec.date_path[-1]
    notes = []
    if undated:
        notes.append(
            f"{deployment.file}: {undated[0]}"
            + (f" and {len(undated) - 1} more" if len(undated) > 1 else "")
            + " state a day count, which does not age: it is read as typed, whatever the "
            "evaluation date; write the dated form (e.g. backup.last_restore_test: YYYY-MM-DD)"
        )
    if not replaced:
        return deployment, notes, problems
    new_data = dict(data)
    for (section, i), item in replaced.items():
        items = list(new_data[section])
        items[i] = item
        new_data[section] = items
    aged = LoadedDeployment(
        deployment.file,
        new_data,
        deployment.model,
        _AgedSource(deployment.source, new_data, derived),
        deployment.sha256,
    )
    return aged, notes, problems


def _deep_copy_path(item: dict[str, Any], path: Sequence[str]) -> dict[str, Any]:
    """A copy of ``item`` with the containers along ``path`` copied (the rest shared)."""
    top = dict(item)
    node = top
    for part in path[:-1]:
        child = dict(node.get(part) or {})
        node[part] = child
        node = child
    return top


def _future(
    file: str,
    line: int,
    column: int,
    where: str,
    spec: DatedField,
    day: datetime.date,
    as_of: datetime.date,
) -> Problem:
    return Problem(
        file,
        line,
        column,
        f"{where}.{'.'.join(spec.date_path)}: {day.isoformat()} is after the evaluation date "
        f"{as_of.isoformat()}",
        "write the date the test was done, or evaluate as of a later date with --as-of",
    )


# --- record rules of controls ---------------------------------------------------------------


@dataclass(frozen=True)
class Obligation:
    """One dated obligation of a control: a kind of record, renewed every so often."""

    name: str
    kinds: tuple[str, ...]
    what: str
    unit: str | None  # months | days | None (a record must exist; it does not age)
    every: int | str | None  # a number, or "$parameter"

    def period(self, params: dict[str, Any]) -> int | None:
        if self.every is None:
            return None
        if isinstance(self.every, int):
            return self.every
        value = params[self.every[1:]]
        return int(value)


def obligations(rules: Sequence[dict[str, Any]]) -> list[Obligation]:
    out = []
    for rule in rules:
        unit = "months" if "every_months" in rule else "days" if "every_days" in rule else None
        every = rule.get("every_months", rule.get("every_days"))
        out.append(
            Obligation(rule["obligation"], tuple(rule["kinds"]), rule["what"].strip(), unit, every)
        )
    return out


def check_rules(control: Any) -> None:
    """Check a control's ``records:`` rules when the catalog loads: a parameter they name must
    exist and be a whole number, an obligation name must be unique, and one period is given."""
    seen: set[str] = set()
    for i, rule in enumerate(control.records):
        at: tuple[str | int, ...] = ("records", i)

        def fail(message: str, fix: str, *key: str, at: tuple[str | int, ...] = at) -> None:
            line = column = None
            if control.source is not None:
                line, column, _ = control.source.position((*at, *key))
            raise InputError(control.file, line, column, f"{control.id}: {message}", fix)

        if rule["obligation"] in seen:
            fail(
                f"a second records rule named {rule['obligation']!r}",
                "give each obligation its own name",
                "obligation",
            )
        seen.add(rule["obligation"])
        if "every_months" in rule and "every_days" in rule:
            fail("give every_months or every_days, not both", "keep one period", "every_days")
        every = rule.get("every_months", rule.get("every_days"))
        key = "every_months" if "every_months" in rule else "every_days"
        if isinstance(every, str):
            m = _PARAM.match(every)
            name = m.group(1) if m else every
            param = control.parameters.get(name)
            if param is None:
                fail(
                    f"{key} names the parameter {every!r}, which the control does not define",
                    f"define parameters.{name}, or correct the name",
                    key,
                )
            values = list(param.values.values())
            if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
                fail(
                    f"parameter {name} gives a period, so its value must be a whole number >= 1",
                    f"write parameters.{name}.value as a number of {key.split('_')[1]}",
                    key,
                )
            if param.stricter != "lower":
                fail(
                    f"parameter {name} is a longest period, so a profile may only lower it",
                    "set stricter: lower",
                    key,
                )


# --- gathering and judging ------------------------------------------------------------------


@dataclass
class Book:
    """Every record an evaluation judges, by the control it evidences."""

    sets: tuple[RecordSet, ...]
    by_control: dict[str, list[Entry]]


def prepare(
    deployment: LoadedDeployment,
    catalog: Any,
    as_of: datetime.date,
    extra: Sequence[RecordSet] = (),
) -> tuple[LoadedDeployment, Book, list[str]]:
    """Age the deployment's dated fields and gather its records and those of ``extra`` files.

    Raises InputErrors (exit 2) for a record or date after ``as_of``, a record naming a control
    the catalog lacks, a record id used twice, or a records file of another system."""
    from .ids import to_oscal

    aged, notes, problems = age_dated_fields(deployment, as_of)
    sets = (deployment_records(deployment), *extra)
    seen: dict[str, Entry] = {}
    by_control: dict[str, list[Entry]] = {}
    for rs in sets:
        if rs.system is not None and rs.system != deployment.system_id:
            line, column, _ = (
                rs.entries[0].source.position(("system",)) if rs.entries else (1, 1, 0)
            )
            problems.append(
                Problem(
                    rs.file,
                    line,
                    column,
                    f"the records are for system {rs.system!r}, not {deployment.system_id!r}",
                    "pass the records file of this system, or correct system:",
                )
            )
            continue
        for entry in rs.entries:
            rec = entry.record
            first = seen.get(rec.id)
            if first is not None:
                loc = entry.location("id")
                problems.append(
                    Problem(
                        entry.file,
                        loc.line,
                        loc.column,
                        f"record id {rec.id!r} is used twice (first at {first.location('id')})",
                        "give every record its own id",
                    )
                )
                continue
            seen[rec.id] = entry
            if entry.date > as_of:
                loc = entry.location("date")
                problems.append(
                    Problem(
                        entry.file,
                        loc.line,
                        loc.column,
                        f"records[{rec.id}].date: {rec.date} is after the evaluation date "
                        f"{as_of.isoformat()}",
                        "write the date the record was performed or approved, or evaluate as "
                        "of a later date with --as-of",
                    )
                )
                continue
            for j, ref in enumerate(rec.controls):
                try:
                    key = to_oscal(ref)
                except ValueError:
                    key = ""
                if key not in catalog.controls:
                    line, column, _ = entry.source.position((*entry.path, "controls", j))
                    problems.append(
                        Problem(
                            entry.file,
                            line,
                            column,
                            f"records[{rec.id}].controls: {ref!r} is no control of the catalog",
                            "write a control id such as AC-1 or CP-4",
                        )
                    )
                    continue
                by_control.setdefault(key, []).append(entry)
    if problems:
        raise InputErrors(problems)
    return aged, Book(sets, by_control), notes


@dataclass(frozen=True)
class State:
    """Where one obligation of one control stands on the evaluation date."""

    control_id: str
    title: str
    obligation: Obligation
    every: int | None
    source: str  # who sets the period: "FedRAMP High", "the profile"
    last: Entry | None
    due: datetime.date | None
    status: DueStatus

    @property
    def period(self) -> str:
        if self.every is None or self.obligation.unit is None:
            return "no renewal period"
        return f"at least every {period_text(self.every, self.obligation.unit)}"


def judge(
    control: Any,
    baseline: str,
    overrides: dict[str, Any] | None,
    book: Book,
    as_of: datetime.date,
    within_days: int = 0,
    sources: dict[str, str] | None = None,
) -> tuple[list[State], list[Entry]]:
    """The state of each obligation of ``control``, and the records evidencing it whose
    artifact is missing, changed or unreadable (those never count). ``sources`` names where an
    overridden period comes from ("profile agency-x", "deviation DEV-1")."""
    bound = control.bind(baseline, overrides, sources)
    params = {name: b.value for name, b in bound.items()}
    entries = book.by_control.get(control.oscal_id, [])
    broken = [e for e in entries if e.artifact in ("missing", "changed", "unreadable")]
    states = []
    for ob in obligations(control.records):
        every = ob.period(params)
        name = ob.every[1:] if isinstance(ob.every, str) else None
        source = bound[name].source if name in bound else f"FedRAMP {baseline.capitalize()}"
        usable = [e for e in entries if e.record.kind in ob.kinds and e not in broken]
        last = max(usable, key=lambda e: (e.date, e.record.id), default=None)
        if last is None:
            states.append(
                State(control.id, control.title, ob, every, source, None, None, "no_record")
            )
            continue
        due = due_after(last.date, every, ob.unit) if every and ob.unit else None
        if due is not None and due < as_of:
            status: DueStatus = "overdue"
        elif due is not None and (due - as_of).days <= within_days:
            status = "due"
        else:
            status = "current"
        states.append(State(control.id, control.title, ob, every, source, last, due, status))
    return states, broken


def finding(
    control: Any,
    baseline: str,
    overrides: dict[str, Any] | None,
    book: Book,
    as_of: datetime.date,
    deployment: LoadedDeployment,
    sources: dict[str, str] | None = None,
) -> Finding:
    """The one finding of a control's records rules on the system.

    Each obligation that is not met (no record, or its newest record overdue) and each record
    whose artifact does not verify is one failed check, with its own message and fix: a missing
    record or artifact is evidence missing, an overdue record or a changed artifact a confirmed
    weakness. ``sources`` names where a tightened period comes from ("deviation DEV-1")."""
    states, broken = judge(control, baseline, overrides, book, as_of, sources=sources)
    failed: list[FailedCheck] = []
    evidence: list[Evidence] = []
    passing: list[tuple[str, Evidence]] = []
    for entry in broken:
        check, ev = _broken_artifact(entry)
        failed.append(check)
        evidence.append(ev)
    for st in states:
        ob = st.obligation
        need = f"required {st.period} ({st.source})" if st.every else f"required ({st.source})"
        kinds = " or ".join(ob.kinds)
        if st.last is None:
            line, column, _ = deployment.source.position(("records",))
            loc = Location(deployment.file, line, column, "records")
            text = f"no {'/'.join(ob.kinds)} record evidences {ob.what}; {need}"
            expected = f"{_article(kinds)} {kinds} record listing {control.id}" + (
                f", {st.period}" if st.every else ""
            )
            evidence.append(
                Evidence(
                    "records",
                    None,
                    expected,
                    loc,
                    True,
                    statement=f"no {kinds} record lists {control.id}; expected one"
                    + (f" {st.period} ({st.source})" if st.every else f" ({st.source})"),
                )
            )
            failed.append(
                FailedCheck(
                    ob.name,
                    text,
                    f"Add a {kinds} record listing {control.id} to `records:` (or a "
                    "`--records` file): the date it was performed or approved, the approver's "
                    "role, and its artifact"
                    + (f"; renew it {st.period} ({st.source})." if st.every else "."),
                    loc,
                    WEAKNESS_MISSING,
                )
            )
            continue
        rec = st.last.record
        loc = st.last.location("date")
        age = (as_of - st.last.date).days
        if st.status == "overdue" and st.due is not None:
            late = (as_of - st.due).days
            earliest = _earliest(st, as_of)
            text = (
                f"{ob.what}: last on {rec.date} (record {rec.id}), due {st.due.isoformat()}, "
                f"overdue by {late} day{'s' if late != 1 else ''}; {need}"
            )
            evidence.append(
                Evidence(
                    loc.path or "",
                    rec.date,
                    f"on or after {earliest}",
                    loc,
                    statement=f"{loc.path} is {rec.date}; expected on or after {earliest} "
                    f"({st.period}, {st.source})",
                )
            )
            failed.append(
                FailedCheck(
                    ob.name,
                    text,
                    f"Perform {ob.what} again and add its {kinds} record listing {control.id} "
                    f"(dated on or after {earliest}); {need}.",
                    loc,
                    WEAKNESS_STATED,
                )
            )
        else:
            due_text = f", next due {st.due.isoformat()}" if st.due else ""
            text = f"{ob.what}: {rec.date} (record {rec.id}, {age} days old){due_text}; {need}"
            expected = f"on or after {_earliest(st, as_of)}" if st.due else "stated"
            passing.append((text, Evidence(loc.path or "", rec.date, expected, loc)))
    common: dict[str, Any] = dict(
        control_id=control.id,
        severity=control.severity,
        target=deployment.system_id,
        target_kind="system",
        title=control.title,
        family=control.family,
    )
    if failed:
        return Finding(
            status=Status.FAIL,
            message="; ".join(c.message for c in failed),
            location=failed[0].location,
            evidence=(*evidence, *(e for _, e in passing)),
            remediation="\n\n".join(dict.fromkeys(c.fix for c in failed)),
            weakness=WEAKNESS_STATED
            if any(c.weakness == WEAKNESS_STATED for c in failed)
            else WEAKNESS_MISSING,
            failed_checks=tuple(failed),
            **common,
        )
    return Finding(
        status=Status.PASS,
        message="; ".join(text for text, _ in passing),
        location=passing[0][1].location if passing else Location(deployment.file),
        evidence=tuple(e for _, e in passing),
        remediation=_remediation(control, baseline, overrides, sources),
        **common,
    )


def _remediation(
    control: Any, baseline: str, overrides: dict[str, Any] | None, sources: dict[str, str] | None
) -> str:
    """The control's remediation with its parameters bound (the number a profile sets, not
    FedRAMP's, when it tightens one)."""
    from .prose import bind_prose

    return str(bind_prose(control.remediation, control.bind(baseline, overrides, sources)))


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _broken_artifact(entry: Entry) -> tuple[FailedCheck, Evidence]:
    """The failed check and evidence of a record whose artifact is missing, changed or
    unreadable (such a record never counts as evidence)."""
    art = entry.record.artifact
    shown = art.path if art is not None else "?"
    rid = entry.record.id
    loc = entry.location("artifact")
    expected = f"sha256 {art.sha256}" if art is not None else "a readable artifact"
    if entry.artifact == "missing":
        text = f"record {rid}: its artifact {shown} is missing"
        fix = (
            f"Put {shown} back beside the file that holds record {rid}, or correct its "
            "`artifact.path`."
        )
        actual: Any = None
        weakness = WEAKNESS_MISSING
    elif entry.artifact == "changed":
        text = (
            f"record {rid}: its artifact {shown} has changed since it was recorded "
            "(SHA-256 differs)"
        )
        fix = (
            f"Restore the approved version of {shown}; if the document was revised and "
            f"approved again, add a new record for it with sha256 {entry.detail}."
        )
        actual = entry.detail
        weakness = WEAKNESS_STATED
    else:
        text = f"record {rid}: its artifact {entry.detail} cannot be read"
        fix = f"Make {shown} readable by the user that runs fedcheck."
        actual = None
        weakness = WEAKNESS_MISSING
    evidence = Evidence(loc.path or "", actual, expected, loc, entry.artifact == "missing")
    return FailedCheck(f"artifact-{rid}", text, fix, loc, weakness), evidence


def _earliest(state: State, as_of: datetime.date) -> str:
    """The oldest date a record may carry and still be current on ``as_of``."""
    if state.every is None or state.obligation.unit is None:
        return "any date"
    if state.obligation.unit == "days":
        return (as_of - datetime.timedelta(days=state.every)).isoformat()
    # The earliest day d with add_months(d, every) >= as_of (add_months never decreases).
    day = add_months(as_of, -state.every) - datetime.timedelta(days=4)
    while add_months(day, state.every) < as_of:
        day += datetime.timedelta(days=1)
    return day.isoformat()


__all__ = [
    "DATED_FIELDS",
    "KINDS",
    "Book",
    "Entry",
    "Obligation",
    "RecordSet",
    "RecordsFile",
    "State",
    "add_months",
    "age_dated_fields",
    "check_rules",
    "deployment_records",
    "due_after",
    "finding",
    "judge",
    "json_schema",
    "load_records",
    "obligations",
    "parse_date",
    "prepare",
]
