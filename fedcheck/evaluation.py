"""evaluate(deployment, catalog, ...) -> Result: judge every control of a baseline on every target.

Pure: no I/O. One finding per (control, target), in a deterministic order (controls in NIST
order; targets system, components, external services, data flows, each in document order).
Fail closed: a field the contract defines and a check needs, left out, fails the check; a field
fedcheck adds beyond the contract, left out, makes it ``manual``; a check that raises is an
``error`` finding and the rest of the run goes on.
"""

from __future__ import annotations

import functools
import gc
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from . import deployment as dm
from . import mas, targets, vdr
from ._version import __version__
from .catalog import (
    Catalog,
    CompiledCheck,
    CompiledControl,
    CompiledRule,
    Control,
)
from .expressions import Reason
from .findings import (
    WEAKNESS_MISSING,
    WEAKNESS_STATED,
    Evidence,
    FailedCheck,
    Finding,
    InputFile,
    Location,
    Result,
    Severity,
    Status,
    evidence_statement,
    show_value,
    verified_anything,
)
from .inputs import LoadedDeployment, deployment_from_model
from .plan import (
    Admitted,
    EvidenceHook,
    Plan,
    Tailoring,
    admit,
    compile_plan,
    select_baseline,
)
from .risk import Ratings
from .targets import Outcome

if TYPE_CHECKING:
    from .crm import Crm, Inheritance

_TARGET_ORDER = {"system": 0, "component": 1, "service": 2, "flow": 3}
_SECTION = {"component": "components", "service": "external_services", "flow": "data_flows"}


def evaluate(
    plan: Plan | LoadedDeployment | dm.Deployment,
    subject: Admitted | Catalog | LoadedDeployment,
    *,
    baseline: str | None = None,
    tailoring: Tailoring | None = None,
    generated_at: str | None = None,
    inputs: Sequence[InputFile] = (),
    as_of: date | None = None,
    records: Sequence[Any] = (),
    evidence: EvidenceHook | None = None,
    crms: Sequence[Crm] = (),
    edition: str | None = None,
    cert_class: str | None = None,
) -> Result:
    """Judge a deployment: ``evaluate(plan, admitted)`` runs a compiled plan on an admitted
    deployment (see fedcheck.plan), purely: no I/O, no environment, no input error.

    ``evaluate(plan, deployment)`` admits the deployment first (its input checks may raise
    InputError). The 0.1 form ``evaluate(deployment, catalog, baseline=..., tailoring=...,
    as_of=..., records=..., evidence=..., crms=..., edition=..., cert_class=...)`` compiles
    the plan first: the baseline defaults to the system's impact level (or a CR26 class's),
    ``as_of`` to today, ``edition`` to the profile's ``rules:`` or the one in force on ``as_of``.
    """
    if isinstance(plan, Plan):
        if isinstance(subject, Admitted):
            return _run(plan, subject)
        if isinstance(subject, LoadedDeployment):
            admitted = admit(
                plan,
                subject,
                records=records,
                evidence=evidence,
                inputs=inputs,
                generated_at=generated_at,
            )
            return _run(plan, admitted)
        raise TypeError("evaluate(plan, ...) takes an Admitted or a LoadedDeployment")
    deployment = deployment_from_model(plan) if isinstance(plan, dm.Deployment) else plan
    if not isinstance(subject, Catalog):
        raise TypeError("evaluate(deployment, ...) takes the Catalog second")
    if edition is None and tailoring is not None:
        edition = tailoring.rules
    compiled = compile_plan(
        subject,
        baseline=select_baseline(deployment, baseline, edition=edition, cert_class=cert_class),
        tailoring=tailoring,
        edition=edition,
        cert_class=cert_class,
        crms=crms,
        as_of=as_of,
    )
    admitted = admit(
        compiled,
        deployment,
        records=records,
        evidence=evidence,
        inputs=inputs,
        generated_at=generated_at,
    )
    return _run(compiled, admitted)


def _run(plan: Plan, admitted: Admitted) -> Result:
    """The compiled checks of ``plan`` on an admitted deployment: the Result (pure)."""
    with _collector_paused():
        return _judged(plan, admitted)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration, as it was before afterwards.

    An evaluation allocates a few objects per finding, hundreds of thousands on a large system,
    none of them in a reference cycle and all of them kept in the Result: each collection the
    allocations trigger would only scan them, and the loaded document, again and find nothing
    (it was 40 percent of the whole catalog's evaluation time). Reference counting frees
    everything the evaluation drops, as before; a cycle made meanwhile is collected later."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _judged(plan: Plan, admitted: Admitted) -> Result:
    deployment = admitted.deployment
    chosen, run_rules, as_of, book = plan.baseline, plan.rules, plan.as_of, admitted.book
    run = _Run(deployment, Ratings(as_of, [p.info for p in plan.controls]))
    inherited = admitted.inherited
    system_level = deployment.model.system.impact_level
    findings: list[Finding] = []
    for planned in plan.controls:
        control, compiled = planned.control, planned.compiled
        source = inherited.get(control.oscal_id)
        if source is not None and source.responsibility == "provider":
            findings.append(_inherited(control, source, system_level, deployment))
            continue
        if not control.is_automated:
            findings.append(_manual(compiled, deployment, chosen, source))
            continue
        if run_rules.vdr and control.oscal_id in vdr.VDR_REPLACES:
            findings.append(_replaced_by_vdr(control, deployment))
            continue
        evaluated = _evaluate_control(compiled, run)
        if control.records:
            from . import records as _records

            evaluated.append(
                _records.finding(
                    control, chosen, planned.overrides, book, as_of, deployment, planned.sources
                )
            )
        if source is not None:  # shared: the records too evidence the customer's part
            evaluated = _shared(evaluated, source)
        findings.extend(evaluated)

    if admitted.evidence is not None:
        findings = admitted.evidence.adjust(findings, plan.selected, deployment)

    infos = [p.info for p in plan.controls]
    notes = list(admitted.notes)
    if run_rules.edition == "cr26":
        if run_rules.vdr:
            infos.extend(vdr.infos(run_rules))
            findings.extend(vdr.evaluate_vdr(deployment.data, run_rules, deployment.locate))
        infos.extend(mas.infos(run_rules))
        findings.extend(mas.evaluate_mas(deployment.data, deployment.locate))
        parties = mas.third_parties(deployment.data)
        notes.append(
            "third-party information resources (MAS-CSO-TPR): "
            + ("; ".join(parties) if parties else "none listed")
        )
    if not verified_anything(findings):
        notes.append(
            "no automated control applied to this deployment: nothing was verified "
            "automatically, so the run does not pass"
        )
    if plan.dated_by_caller:
        notes.append(dated_note(as_of))
    inputs = admitted.inputs
    system = deployment.model.system
    result = Result(
        findings=tuple(findings),
        system={
            "id": system.id,
            "name": system.name,
            "owner": system.owner,
            "description": system.description,
            "impact_level": system.impact_level,
            "environment": system.environment,
        },
        baseline=chosen,
        controls=tuple(infos),
        catalog_version=plan.catalog.version,
        catalog_sha256=plan.catalog_sha256,
        tool_version=__version__,
        generated_at=admitted.generated_at,
        inputs=(
            InputFile("deployment", deployment.file, deployment.sha256),
            *inputs,
            *(c.input_file for c in plan.crms if c.input_file not in inputs),
        ),
        deviations=tuple(plan.tailoring.deviations),
        notes=tuple(notes),
        as_of=as_of.isoformat(),
        rules=run_rules,
    )
    from .risk import rate

    return rate(result, ratings=run.ratings)  # FedRAMP risk ratings of the failures


def dated_note(as_of: date) -> str:
    """What a run dated by its caller says about its date, in every report."""
    return (
        f"evaluated as of {as_of.isoformat()}, a date set by the caller (--as-of), not the "
        "day of the run: dated facts such as waiver expiries were judged against that day"
    )


def _shared(findings: Iterable[Finding], source: Inheritance) -> list[Finding]:
    """The findings of a shared control, each saying that it checks the customer's part."""
    from dataclasses import replace

    note = f" (shared with {source.crm.provider}: {source.reason}; this checks the customer's part)"
    return [replace(f, message=f.message + note) for f in findings]


class _Run:
    """What the findings of one evaluation share: the document's relations (``Index``), where
    each target starts, the Location of each field a finding points at, the text that the
    findings of one control share, and the risk ratings (one ``Risk`` per distinct rating)."""

    __slots__ = (
        "deployment",
        "ix",
        "ratings",
        "_listed",
        "_at",
        "_located",
        "_joined",
        "_fixes",
    )

    def __init__(self, deployment: LoadedDeployment, ratings: Ratings) -> None:
        self.deployment = deployment
        self.ix = targets.Index(deployment.data)
        self.ratings = ratings
        self._listed: dict[str, tuple[list[dict[str, Any]], list[Location]]] = {}
        self._at: dict[int, Location] = {}  # id(target) -> where it starts
        self._located: dict[tuple[str | int, ...], Location] = {}  # document path -> Location
        self._joined: dict[tuple[str, ...], str] = {}  # the fixes of a finding -> its remediation
        self._fixes: dict[int, str] = {}  # id(check) -> its fix

    def targets(self, kind: str) -> tuple[list[dict[str, Any]], list[Location]]:
        """The targets of a kind, in document order, each with where it starts (made once)."""
        listed = self._listed.get(kind)
        if listed is None:
            ix = self.ix
            found = (
                [ix.system]
                if kind == "system"
                else ix.components
                if kind == "component"
                else ix.services
                if kind == "service"
                else ix.flows
            )
            listed = self._listed[kind] = (found, [self.target_location(t) for t in found])
        return listed

    def target_location(self, target: dict[str, Any]) -> Location:
        """Where a target starts in the document."""
        key = id(target)
        location = self._at.get(key)
        if location is None:
            location = self._at[key] = self.locate(self.ix.paths.get(key, ()))
        return location

    def locate(self, path: tuple[str | int, ...]) -> Location:
        """``deployment.locate(path)``, once per path: the findings of several controls that
        point at one field share its Location."""
        location = self._located.get(path)
        if location is None:
            location = self._located[path] = self.deployment.locate(path)
        return location

    def fix(self, check: CompiledCheck, compiled: CompiledControl) -> str:
        """A failed check's fix: its own, else the control's remediation (parameters bound)."""
        fix = self._fixes.get(id(check))
        if fix is None:
            fix = self._fixes[id(check)] = (check.fix or compiled.remediation).strip()
        return fix

    def remediation(self, fixes: tuple[str, ...]) -> str:
        """The remediation of a finding from the fixes of its failed checks, each once (one
        string for every finding of a control that fails the same checks)."""
        text = self._joined.get(fixes)
        if text is None:
            text = self._joined[fixes] = "\n\n".join(dict.fromkeys(f for f in fixes if f))
        return text


def _fedramp_values(control: Control, baseline: str) -> str:
    """The FedRAMP values of a manual control for ``baseline``, as the evidence will be held to."""
    parts = []
    for v in control.fedramp_values:
        value = (v.get("differs_in") or {}).get(baseline, v.get("value"))
        if value:
            text = " ".join(str(value).split())
            parts.append(f"{v['label']}: {text}" if v.get("label") else text)
    return "; ".join(parts)


def _manual_message(compiled: CompiledControl, baseline: str = "high") -> str:
    control = compiled.control
    summary = compiled.summary or control.title
    values = _fedramp_values(control, baseline)
    if values and "at the FedRAMP values below" in summary:
        summary = summary.replace(
            "at the FedRAMP values below",
            f"at the FedRAMP {baseline.capitalize()} values ({values})",
        )
    if summary.lower().startswith("evidence needed"):
        return f"{summary.rstrip('.')} (no automated check)"
    return f"evidence needed: {summary.rstrip('.')} (no automated check)"


def _replaced_by_vdr(control: Control, deployment: LoadedDeployment) -> Finding:
    """Under CR26's VDR rules RA-5 and SI-2 take their timeframes from the VDR checks."""
    return Finding(
        control_id=control.id,
        status=Status.MANUAL,
        severity=control.severity,
        target=deployment.system_id,
        target_kind="system",
        message=(
            "under the Consolidated Rules 2026 the Rev5 scan and remediation values no longer "
            "apply: the VDR-TFR findings judge the cadences and timeframes; evidence needed for "
            "the rest of the control"
        ),
        title=control.title,
        family=control.family,
        location=Location(deployment.file),
        remediation=control.remediation,
    )


def _manual(
    compiled: CompiledControl,
    deployment: LoadedDeployment,
    baseline: str = "high",
    shared: Inheritance | None = None,
) -> Finding:
    control = compiled.control
    message = _manual_message(compiled, baseline)
    if shared is not None:
        message = (
            f"evidence needed for the customer's part of {control.id}, shared with "
            f"{shared.crm.provider} ({shared.reason}): {shared.customer_part.rstrip('.')} "
            "(no automated check)"
        )
    return Finding(
        control_id=control.id,
        status=Status.MANUAL,
        severity=control.severity,
        target=deployment.system_id,
        target_kind="system",
        message=message,
        title=control.title,
        family=control.family,
        location=shared.location if shared is not None else Location(deployment.file),
        remediation=compiled.remediation,
        weakness=WEAKNESS_MISSING,
    )


def _inherited(
    control: Control, source: Inheritance, system_level: str | None, deployment: LoadedDeployment
) -> Finding:
    """A control its provider implements in full, as its CRM says: inherited when the provider's
    authorization is at or above the system's impact level, a failure otherwise."""
    crm = source.crm
    provider, level = crm.provider, crm.level
    evidence = (
        Evidence(
            "fedramp_authorization",
            level,
            f"at least {system_level}" if system_level else "stated",
            crm.location("fedramp_authorization"),
        ),
        Evidence(
            f"controls[{crm.keys[control.oscal_id]}].responsibility",
            "provider",
            "provider",
            crm.entry_location(control.oscal_id),
        ),
    )
    common = dict(
        control_id=control.id,
        severity=control.severity,
        target=deployment.system_id,
        target_kind="system",
        title=control.title,
        family=control.family,
        location=source.location,
        evidence=evidence,
        remediation=control.remediation,
    )
    if system_level is None or dm.LEVEL_RANK[level] < dm.LEVEL_RANK[system_level]:
        return Finding(
            status=Status.FAIL,
            message=f"inherited from {provider}, whose FedRAMP authorization ({level}) is below "
            f"the system's impact level ({system_level or 'not stated'})",
            **common,  # type: ignore[arg-type]
        )
    return Finding(
        status=Status.INHERITED,
        message=f"inherited from {provider} (FedRAMP {level}, package {crm.model.package_id}; "
        "its CRM puts the control on the provider)",
        **common,  # type: ignore[arg-type]
    )


def _evaluate_control(compiled: CompiledControl, run: _Run) -> list[Finding]:
    control = compiled.control
    deployment, ix = run.deployment, run.ix
    out: list[Finding] = []
    append = out.append
    cid, severity, title, family = control.id, control.severity, control.title, control.family
    remediation = compiled.remediation
    pass_message = compiled.summary or "passes"
    ordered = sorted(compiled.rules, key=lambda r: _TARGET_ORDER[r.target])
    for rule in ordered:
        kind = rule.target
        found, locations = run.targets(kind)
        if not found:
            append(
                Finding(
                    control_id=cid,
                    status=Status.NOT_APPLICABLE,
                    severity=severity,
                    target=deployment.system_id,
                    target_kind="system",
                    message=f"no {_SECTION[kind].replace('_', ' ')} to check",
                    title=title,
                    family=family,
                    location=Location(deployment.file),
                    remediation=remediation,
                )
            )
            continue
        # The hot path: a target on which every check holds becomes a pass finding without
        # building any explanation; everything else goes through _judge. The findings of the
        # control share every string but the target's id, and each target's Location.
        where_test = rule.where.test if rule.where is not None else None
        tests = tuple(check.node.test for check in rule.checks)
        only = tests[0] if len(tests) == 1 else None
        na_message = "does not apply to this " + kind
        for target, location in zip(found, locations, strict=True):
            try:
                if where_test is None:
                    applies: Outcome = True
                else:
                    applies = where_test(target, ix)
                    if applies is False:
                        append(
                            Finding(
                                cid,
                                Status.NOT_APPLICABLE,
                                severity,
                                target["id"],
                                kind,
                                na_message,
                                title,
                                family,
                                location,
                                (),
                                remediation,
                            )
                        )
                        continue
                if applies is True:
                    if only is not None:
                        holds = only(target, ix) is True
                    else:
                        for test in tests:
                            if test(target, ix) is not True:
                                holds = False
                                break
                        else:
                            holds = True
                    if holds:
                        append(
                            Finding(
                                cid,
                                Status.PASS,
                                severity,
                                target["id"],
                                kind,
                                pass_message,
                                title,
                                family,
                                location,
                                (),
                                remediation,
                            )
                        )
                        continue
                append(_judge(compiled, rule, target, run, applies))
            except Exception as exc:  # noqa: BLE001 - a broken check must not pass or stop the run
                append(
                    Finding(
                        control_id=cid,
                        status=Status.ERROR,
                        severity=severity,
                        target=str(target.get("id", "?")),
                        target_kind=kind,
                        message=f"the check could not be evaluated ({type(exc).__name__}: {exc}); "
                        "it is not counted as a pass",
                        title=title,
                        family=family,
                        location=location,
                        remediation=remediation,
                    )
                )
    return out


def _judge(
    compiled: CompiledControl,
    rule: CompiledRule,
    target: dict[str, Any],
    run: _Run,
    applies: Outcome,
) -> Finding:
    """The finding of one rule on one target that did not simply pass; ``applies`` is what the
    rule's ``where`` said of the target (True without one; never False here).

    Scope is three-valued like the checks: a rule (or check) whose ``where`` is false does not
    apply; one whose ``where`` is unknown, because the target leaves out a field it reads,
    applies all the same (an unstated fact never takes a target out of a control). Each check
    that does not hold is reported with its own message and fix."""
    control = compiled.control
    ix = run.ix
    ident = target["id"]
    scope_reasons: list[Reason] = []
    if applies is None:
        assert rule.where is not None
        scope_reasons = rule.where.explain(target, ix)
    failed: list[tuple[CompiledCheck, list[Reason], list[Reason]]] = []
    hard_fail = False
    ran = 0
    for check in rule.checks:
        check_scope: list[Reason] = []
        if check.where is not None:
            in_scope = check.where.test(target, ix)
            if in_scope is False:
                continue
            if in_scope is None:
                check_scope = check.where.explain(target, ix)
        ran += 1
        outcome = check.node.test(target, ix)
        if outcome is True:
            continue
        if outcome is False:
            hard_fail = True
        failed.append((check, check.node.explain(target, ix), check_scope))
    if not failed:
        return Finding(
            control.id,
            Status.PASS if ran else Status.NOT_APPLICABLE,
            control.severity,
            ident,
            rule.target,
            (compiled.summary or "passes") if ran else "does not apply to this " + rule.target,
            control.title,
            control.family,
            run.target_location(target),
            (),
            compiled.remediation,
        )
    if hard_fail:
        status = Status.FAIL
    else:  # unknown only: a contract field left out fails, an extension field asks for evidence
        status = Status.MANUAL
        for _, reasons, _ in failed:
            for r in reasons:
                if r.missing and not r.extension:
                    status = Status.FAIL
                    break
    evidence: list[Evidence] = []
    checks: list[FailedCheck] = []
    weakness = WEAKNESS_MISSING
    for check, reasons, check_scope in failed:
        ev = _evidence(reasons, run)
        evidence.extend(ev)
        message = _message(check.message, ev, ident)
        if check_scope:
            unstated_scope = _evidence(check_scope, run)
            if unstated_scope:
                evidence.extend(unstated_scope)
                message += _applies_anyway(unstated_scope)
        stated = WEAKNESS_MISSING
        for r in reasons:
            if not r.missing:
                stated = weakness = WEAKNESS_STATED
                break
        checks.append(
            FailedCheck(
                check.name,
                message,
                run.fix(check, compiled),
                ev[0].location if ev else run.target_location(target),
                stated,
            )
        )
    fixes: tuple[str, ...]
    if len(checks) == 1:
        first = checks[0]
        message, fixes = first.message, (first.fix,)
    else:
        message = "; ".join(c.message for c in checks)
        fixes = tuple(c.fix for c in checks)
    if scope_reasons:
        scope_evidence = _evidence(scope_reasons, run)
        if scope_evidence:
            evidence.extend(scope_evidence)
            message += _applies_anyway(scope_evidence)
    if status is Status.MANUAL:
        message = f"evidence needed: {message}"
    finding = Finding(
        control.id,
        status,
        control.severity,
        ident,
        rule.target,
        message,
        control.title,
        control.family,
        checks[0].location,
        tuple(evidence),
        run.remediation(fixes),
        None,
        None,
        weakness,
        tuple(checks),
    )
    if status is Status.FAIL:
        # Rated here, as fedcheck.risk.rate rates it at the end of the run (which then keeps
        # it): the failures that share a rating share one Risk.
        finding.risk = run.ratings.of(finding)
    return finding


def _applies_anyway(scope: Sequence[Evidence]) -> str:
    unstated = [e.path for e in scope if e.missing]
    if not unstated:
        return ""
    return f" (it applies: {', '.join(dict.fromkeys(unstated))} not stated)"


_PLACEHOLDER = re.compile(r"\{(actual|expected|path|target)\}")


@functools.lru_cache(maxsize=4096)
def _template(template: str) -> tuple[str, ...]:
    """A message template split at its placeholders: text, name, text, name, ..., text."""
    return tuple(_PLACEHOLDER.split(template))


def _message(template: str | None, evidence: Sequence[Evidence], target: str) -> str:
    """A failed check's message: its template (parameters already bound at compile time) with
    the values read filled in; a field that is not stated always gets the standard sentence."""
    first = evidence[0] if evidence else None
    if first is None:
        return template or "the check failed"
    if template and not first.missing:
        parts = _template(template)
        if len(parts) == 1:
            return template  # nothing to fill in: one string for every finding
        out = []
        for i, part in enumerate(parts):
            if not i % 2:
                out.append(part)
            elif part == "actual":
                out.append(show_value(first.actual))
            elif part == "expected":
                out.append(first.expected)
            elif part == "path":
                out.append(first.path)
            else:
                out.append(target)
        return "".join(out)
    return first.sentence


def _evidence(reasons: Sequence[Reason], run: _Run) -> list[Evidence]:
    out = []
    ix = run.ix
    for r in reasons:
        loc = run.locate(targets.document_path(r.obj, r.path, ix))
        actual = r.actual
        if isinstance(actual, tuple):
            actual = list(actual)
        path = loc.path or r.path
        out.append(
            Evidence(
                path,
                actual,
                r.expected,
                loc,
                r.missing,
                statement=r.sentence
                or evidence_statement(path, actual, r.expected, r.missing, r.source),
            )
        )
    return out


def exit_code(result: Result, fail_on: Severity | None = None) -> int:
    """0 when nothing fails the gate, 1 when something does (or nothing was verified)."""
    if result.failing(fail_on) or not verified_anything(result.findings):
        return 1
    return 0
