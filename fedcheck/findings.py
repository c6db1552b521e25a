"""The outcome of an evaluation: findings, their statuses and severities, and the Result.

A Result is the one value every report renders from. ``Result.to_dict`` is the lossless JSON
form (documented in docs/result-format.md) and ``Result.from_dict`` reads it back, so that
``fedcheck report`` renders any format from a saved result without evaluating again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .editions import Rules

RESULT_FORMAT_VERSION = "1"


class Status(str, Enum):
    """What a finding says about one control on one target."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"  # the check itself broke; never counted as a pass
    MANUAL = "manual"  # no automated check could decide: evidence is needed
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"  # a failure accepted by a current waiver (risk acceptance)
    INHERITED = "inherited"  # implemented by a leveraged FedRAMP-authorized provider

    def __str__(self) -> str:
        return self.value

    @property
    def is_failing(self) -> bool:
        return self in (Status.FAIL, Status.ERROR)


#: The order statuses are listed in, most urgent first.
STATUS_ORDER: tuple[Status, ...] = (
    Status.ERROR,
    Status.FAIL,
    Status.WAIVED,
    Status.MANUAL,
    Status.INHERITED,
    Status.PASS,
    Status.NOT_APPLICABLE,
)


class Severity(str, Enum):
    """How much a failure of the control matters; ordered low < moderate < high < critical."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 0, Severity.MODERATE: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


@dataclass(frozen=True, slots=True)
class Location:
    """A position in an input file (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None
    path: str | None = None  # the field, e.g. components[web-ui].access.mfa

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "path": self.path}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Location:
        return cls(data["file"], data.get("line"), data.get("column"), data.get("path"))

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


def show_value(value: Any) -> str:
    """A value of the deployment as a sentence shows it: ``true``, ``15``, ``waf, vpn``."""
    if value is None:
        return "not stated"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(show_value(v) for v in value) if value else "empty"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def evidence_statement(
    path: str, actual: Any, expected: str, missing: bool, source: str = ""
) -> str:
    """One sentence about the deployment: what the field says and what it should say (and who
    says so, when a parameter sets the expected value)."""
    if source and expected:
        expected = f"{expected} ({source})"
    if missing:
        if not expected or expected == "a stated value":
            return f"{path} is not stated"
        return f"{path} is not stated; expected {expected}"
    if not expected:
        return f"{path} is {show_value(actual)}"
    return f"{path} is {show_value(actual)}; expected {expected}"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact behind a verdict: the field read, its value, and what was expected of it."""

    path: str
    actual: Any
    expected: str
    location: Location | None = None
    missing: bool = False
    #: Where the value comes from: None for the description (declared), else e.g. "evidenced by
    #: aws_s3_bucket.logs in plan.json: ..." (the plan's SHA-256 is among the Result's inputs).
    #: Keyword-only: the sixth positional argument is the statement, and a sentence passed
    #: there must never be read as a source.
    source: str | None = field(default=None, kw_only=True)

    @property
    def source_label(self) -> str:
        return self.source or "declared"

    statement: str = ""  # the fact as a sentence about the deployment (made when left out)

    def __post_init__(self) -> None:
        if not self.statement:
            sentence = evidence_statement(self.path, self.actual, self.expected, self.missing)
            object.__setattr__(self, "statement", sentence)

    @property
    def sentence(self) -> str:
        return self.statement

    def to_dict(self) -> dict[str, Any]:
        data = {
            "path": self.path,
            "actual": self.actual,
            "expected": self.expected,
            "missing": self.missing,
            "location": self.location.to_dict() if self.location else None,
            "statement": self.sentence,
        }
        if self.source is not None:
            data["source"] = self.source
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        loc = data.get("location")
        return cls(
            data["path"],
            data.get("actual"),
            data.get("expected", ""),
            Location.from_dict(loc) if loc else None,
            bool(data.get("missing", False)),
            str(data.get("statement") or ""),
            source=data.get("source"),
        )


#: What a failing or manual finding rests on: a fact the description does not state (evidence
#: missing), or a stated value that falls short (a confirmed weakness).
WEAKNESS_MISSING = "missing"
WEAKNESS_STATED = "stated"


@dataclass(frozen=True, slots=True)
class FailedCheck:
    """One check of a control that did not hold on a target, with its own message and fix."""

    name: str
    message: str
    fix: str
    location: Location | None = None
    weakness: str = WEAKNESS_STATED  # missing | stated

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "message": self.message,
            "fix": self.fix,
            "location": self.location.to_dict() if self.location else None,
            "weakness": self.weakness,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FailedCheck:
        loc = data.get("location")
        return cls(
            str(data.get("name", "")),
            str(data.get("message", "")),
            str(data.get("fix", "")),
            Location.from_dict(loc) if loc else None,
            str(data.get("weakness") or WEAKNESS_STATED),
        )


@dataclass(frozen=True, slots=True)
class Waiver:
    """An accepted risk: a failure of ``control`` on ``target`` that does not fail the gate."""

    control: str
    target: str
    justification: str
    approved_by: str
    approved_on: str
    expires: str
    type: str = "poam"
    poam_id: str | None = None
    location: Location | None = None
    # FedRAMP deviation details (fedcheck.waivers documents each and when it is required).
    approver_role: str | None = None
    evidence: str | None = None  # a false positive's evidence
    mitigating_factors: tuple[str, ...] = ()  # a risk adjustment's
    adjusted_likelihood: str | None = None
    adjusted_impact: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "control": self.control,
            "target": self.target,
            "justification": self.justification,
            "approved_by": self.approved_by,
            "approved_on": self.approved_on,
            "expires": self.expires,
            "type": self.type,
            "poam_id": self.poam_id,
            "location": self.location.to_dict() if self.location else None,
        }
        optional = {
            "approver_role": self.approver_role,
            "evidence": self.evidence,
            "mitigating_factors": list(self.mitigating_factors) or None,
            "adjusted_likelihood": self.adjusted_likelihood,
            "adjusted_impact": self.adjusted_impact,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Waiver:
        loc = data.get("location")
        return cls(
            data["control"],
            data["target"],
            data["justification"],
            data["approved_by"],
            data["approved_on"],
            data["expires"],
            data.get("type", "poam"),
            data.get("poam_id"),
            Location.from_dict(loc) if loc else None,
            data.get("approver_role"),
            data.get("evidence"),
            tuple(data.get("mitigating_factors") or ()),
            data.get("adjusted_likelihood"),
            data.get("adjusted_impact"),
        )


#: FedRAMP's risk levels (likelihood, impact and exposure), in order.
RISK_LEVELS: tuple[str, ...] = ("low", "moderate", "high")


@dataclass(frozen=True, slots=True)
class Risk:
    """The FedRAMP risk rating of a failing finding (fedcheck.risk computes it).

    ``likelihood`` and ``impact`` are the initial facets, ``level`` the risk exposure they give;
    a risk adjustment adds the ``adjusted_*`` values. ``detected`` is the original detection day
    (kept across runs) and ``deadline`` the day remediation is due at the effective level.
    """

    likelihood: str
    impact: str
    level: str
    detected: str
    deadline: str
    basis: str  # why the likelihood: stated-wrong | not-stated | check-error
    rationale: str  # where the defaults come from, in words
    adjusted_likelihood: str | None = None
    adjusted_impact: str | None = None
    adjusted_level: str | None = None

    @property
    def effective_level(self) -> str:
        return self.adjusted_level or self.level

    @property
    def rank(self) -> int:
        return RISK_LEVELS.index(self.effective_level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "likelihood": self.likelihood,
            "impact": self.impact,
            "level": self.level,
            "detected": self.detected,
            "deadline": self.deadline,
            "basis": self.basis,
            "rationale": self.rationale,
            "adjusted_likelihood": self.adjusted_likelihood,
            "adjusted_impact": self.adjusted_impact,
            "adjusted_level": self.adjusted_level,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Risk:
        return cls(
            data["likelihood"],
            data["impact"],
            data["level"],
            data["detected"],
            data["deadline"],
            data.get("basis", ""),
            data.get("rationale", ""),
            data.get("adjusted_likelihood"),
            data.get("adjusted_impact"),
            data.get("adjusted_level"),
        )


@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """The verdict of one control on one target.

    Treat it as immutable (use ``dataclasses.replace``); it is not frozen only because an
    evaluation creates one per (control, target), hundreds of thousands on a large system, and a
    frozen dataclass is several times slower to construct.
    """

    control_id: str  # display form, e.g. AC-2(3)
    status: Status
    severity: Severity
    target: str  # the system id, or a component, flow or external service id
    target_kind: str  # system | component | flow | service
    message: str
    title: str = ""
    family: str = ""
    location: Location | None = None
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""
    waiver: Waiver | None = None
    risk: Risk | None = None  # the FedRAMP risk rating, set on failing and waived findings
    weakness: str | None = None  # for fail and manual findings: missing | stated
    failed_checks: tuple[FailedCheck, ...] = ()  # each check that did not hold, in order

    @property
    def is_failing(self) -> bool:
        return self.status.is_failing

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the finding in a result: its control and its target."""
        return self.control_id, self.target

    def to_dict(self) -> dict[str, Any]:
        return {
            "control_id": self.control_id,
            "title": self.title,
            "family": self.family,
            "status": self.status.value,
            "severity": self.severity.value,
            "target": self.target,
            "target_kind": self.target_kind,
            "message": self.message,
            "location": self.location.to_dict() if self.location else None,
            "evidence": [e.to_dict() for e in self.evidence],
            "remediation": self.remediation,
            "waiver": self.waiver.to_dict() if self.waiver else None,
            **({"risk": self.risk.to_dict()} if self.risk is not None else {}),
            "weakness": self.weakness,
            "failed_checks": [c.to_dict() for c in self.failed_checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        loc = data.get("location")
        waiver = data.get("waiver")
        risk = data.get("risk")
        return cls(
            control_id=data["control_id"],
            status=Status(data["status"]),
            severity=Severity(data["severity"]),
            target=data["target"],
            target_kind=data.get("target_kind", "system"),
            message=data["message"],
            title=data.get("title", ""),
            family=data.get("family", ""),
            location=Location.from_dict(loc) if loc else None,
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", [])),
            remediation=data.get("remediation", ""),
            waiver=Waiver.from_dict(waiver) if waiver else None,
            risk=Risk.from_dict(risk) if risk else None,
            weakness=data.get("weakness"),
            failed_checks=tuple(FailedCheck.from_dict(c) for c in data.get("failed_checks", [])),
        )


@dataclass(frozen=True, slots=True)
class RootCause:
    """One field of one target that several controls' findings rest on: one fix, one work item.

    The per-control findings stay, each with its own status, for the assessment results."""

    path: str  # the field, e.g. components[web-ui].logging.events
    location: Location | None
    targets: tuple[str, ...]  # the targets of the findings (usually one)
    controls: tuple[str, ...]  # the related control ids, in result order
    findings: tuple[tuple[str, str], ...]  # the keys (control id, target) of the findings
    weakness: str  # missing | stated: whether the field is left out or stated and wrong

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "location": self.location.to_dict() if self.location else None,
            "target": self.targets[0] if len(self.targets) == 1 else None,
            "targets": list(self.targets),
            "controls": list(self.controls),
            "findings": [{"control_id": c, "target": t} for c, t in self.findings],
            "weakness": self.weakness,
        }


_ROOT_CAUSE_STATUSES = (Status.FAIL, Status.MANUAL, Status.ERROR)


def root_causes(findings: tuple[Finding, ...] | list[Finding]) -> tuple[RootCause, ...]:
    """Group the failing and evidence-needed findings by the field they rest on; a field read by
    findings of two or more controls is a root cause. In the order the fields first appear."""
    groups: dict[tuple[str, str], list[tuple[Finding, Evidence]]] = {}
    for f in findings:
        if f.status not in _ROOT_CAUSE_STATUSES or not f.evidence:
            continue
        seen: set[tuple[str, str]] = set()
        for e in f.evidence:
            key = (e.location.file if e.location else "", e.path)
            if key in seen:
                continue
            seen.add(key)
            groups.setdefault(key, []).append((f, e))
    out = []
    for (_, path), items in groups.items():
        controls = tuple(dict.fromkeys(f.control_id for f, _ in items))
        if len(controls) < 2:
            continue
        first = items[0][1]
        out.append(
            RootCause(
                path=path,
                location=first.location,
                targets=tuple(dict.fromkeys(f.target for f, _ in items)),
                controls=controls,
                findings=tuple(dict.fromkeys(f.key for f, _ in items)),
                weakness=WEAKNESS_MISSING if all(e.missing for _, e in items) else WEAKNESS_STATED,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ControlInfo:
    """What a report needs to know of a control it lists (a rule in SARIF, a control in OSCAL)."""

    id: str  # display form
    oscal_id: str
    title: str
    family: str
    severity: Severity
    summary: str
    remediation: str
    automated: bool
    baselines: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    #: The control's own risk rating defaults (fedcheck.risk): "" for the control, else by check.
    risk: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "oscal_id": self.oscal_id,
            "title": self.title,
            "family": self.family,
            "severity": self.severity.value,
            "summary": self.summary,
            "remediation": self.remediation,
            "automated": self.automated,
            "baselines": list(self.baselines),
            "parameters": self.parameters,
            **({"risk": self.risk} if self.risk else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ControlInfo:
        return cls(
            data["id"],
            data["oscal_id"],
            data["title"],
            data["family"],
            Severity(data["severity"]),
            data.get("summary", ""),
            data.get("remediation", ""),
            bool(data["automated"]),
            tuple(data.get("baselines", ())),
            dict(data.get("parameters", {})),
            dict(data.get("risk") or {}),
        )


@dataclass(frozen=True, slots=True)
class InputFile:
    """An input of the run, identified by its SHA-256 digest."""

    role: str  # deployment | profile | waivers | baseline-result
    path: str
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "path": self.path, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputFile:
        return cls(data["role"], data["path"], data["sha256"])


#: The statuses of a finding an automated check reached: a run with none of them verified
#: nothing (only manual, inherited or not-applicable findings), and never passes the gate.
VERIFYING_STATUSES = frozenset({Status.PASS, Status.FAIL, Status.ERROR, Status.WAIVED})


def verified_anything(findings: Iterable[Finding]) -> bool:
    """Did an automated check reach a verdict on any finding? The one answer to "did this run
    verify anything", used by the gate (exit_code), the run's note and ``fedcheck diff``."""
    return any(f.status in VERIFYING_STATUSES for f in findings)


def _gate_rank(f: Finding) -> int:
    return f.risk.rank if f.risk is not None else min(f.severity.rank, 2)


@dataclass(frozen=True)
class Result:
    """Everything one evaluation produced; every report is a function of this value."""

    findings: tuple[Finding, ...]
    system: dict[str, Any]
    baseline: str
    controls: tuple[ControlInfo, ...]
    catalog_version: str
    catalog_sha256: str
    tool_version: str
    generated_at: str
    inputs: tuple[InputFile, ...] = ()
    deviations: tuple[dict[str, Any], ...] = ()  # loosened parameters and removed controls
    waivers: tuple[
        dict[str, Any], ...
    ] = ()  # each waiver with its state: applied | expired | stale
    notes: tuple[str, ...] = ()
    as_of: str = ""  # the evaluation date (YYYY-MM-DD) dated facts were judged against
    rules: Rules | None = None  # the rule edition, its version and class (fedcheck.editions)

    # -- summaries ------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        counter = Counter(f.status for f in self.findings)
        return {s.value: counter.get(s, 0) for s in STATUS_ORDER}

    def counts_by_family(self) -> dict[str, dict[str, int]]:
        table: dict[str, Counter[Status]] = {}
        for f in self.findings:
            table.setdefault(f.family, Counter())[f.status] += 1
        return {
            family: {s.value: table[family].get(s, 0) for s in STATUS_ORDER}
            for family in sorted(table)
        }

    def failing(self, threshold: Severity | None = None) -> list[Finding]:
        """Findings that fail the gate: every error, and failures at or above ``threshold``.

        A failure is compared by its FedRAMP risk exposure (the adjusted one after a risk
        adjustment), or by its control's severity when it carries no rating; ``critical`` asks
        for the top risk level, ``high``, since FedRAMP's exposure scale ends there.
        """
        out = []
        for f in self.findings:
            if f.status is Status.ERROR:
                out.append(f)
            elif f.status is Status.FAIL and (
                threshold is None or _gate_rank(f) >= min(threshold.rank, 2)
            ):
                out.append(f)
        return out

    def __post_init__(self) -> None:
        # A Result built without an evaluation date (or saved before it was recorded) was
        # judged on the day it was generated.
        if not self.as_of:
            object.__setattr__(self, "as_of", self.generated_at[:10])

    @property
    def as_of_date(self) -> str:
        """The evaluation date, ``YYYY-MM-DD``."""
        return self.as_of

    @property
    def root_causes(self) -> tuple[RootCause, ...]:
        """Fields that findings of several controls rest on (see ``root_causes``)."""
        cached: tuple[RootCause, ...] | None = self.__dict__.get("_root_causes")
        if cached is None:
            cached = root_causes(self.findings)
            object.__setattr__(self, "_root_causes", cached)
        return cached

    @property
    def verified_anything(self) -> bool:
        """Whether the run verified anything automatically (see ``verified_anything``)."""
        return verified_anything(self.findings)

    def to_dict(self, *, include_findings: bool = True) -> dict[str, Any]:
        data = {
            "format": "fedcheck-result",
            "format_version": RESULT_FORMAT_VERSION,
            "tool": {"name": "fedcheck", "version": self.tool_version},
            "generated_at": self.generated_at,
            "as_of": self.as_of_date,
            "system": self.system,
            "baseline": self.baseline,
            "rules": self.rules.to_dict() if self.rules else None,
            "catalog": {"version": self.catalog_version, "sha256": self.catalog_sha256},
            "inputs": [i.to_dict() for i in self.inputs],
            "summary": {"by_status": self.counts(), "by_family": self.counts_by_family()},
            "deviations": list(self.deviations),
            "waivers": list(self.waivers),
            "notes": list(self.notes),
            "root_causes": [r.to_dict() for r in self.root_causes],
            "controls": [c.to_dict() for c in self.controls],
        }
        if include_findings:
            data["findings"] = [f.to_dict() for f in self.findings]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        if data.get("format") != "fedcheck-result":
            raise ValueError("not a fedcheck result (its 'format' is not 'fedcheck-result')")
        if str(data.get("format_version")) != RESULT_FORMAT_VERSION:
            raise ValueError(
                f"result format version {data.get('format_version')!r} is not supported "
                f"(this fedcheck reads version {RESULT_FORMAT_VERSION})"
            )
        return cls(
            findings=tuple(Finding.from_dict(f) for f in data["findings"]),
            system=dict(data["system"]),
            baseline=data["baseline"],
            controls=tuple(ControlInfo.from_dict(c) for c in data["controls"]),
            catalog_version=data["catalog"]["version"],
            catalog_sha256=data["catalog"]["sha256"],
            tool_version=data["tool"]["version"],
            generated_at=data["generated_at"],
            inputs=tuple(InputFile.from_dict(i) for i in data.get("inputs", [])),
            deviations=tuple(data.get("deviations", [])),
            waivers=tuple(data.get("waivers", [])),
            notes=tuple(data.get("notes", [])),
            as_of=str(data.get("as_of") or ""),
            rules=_rules_from(data.get("rules")),
        )


def _rules_from(data: Any) -> Rules | None:
    from .editions import Rules

    return Rules.from_dict(data) if isinstance(data, dict) else None
