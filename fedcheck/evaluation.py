"""evaluate(deployment, catalog, ...) -> Result: judge every control of a baseline on every target.

Pure: no I/O. One finding per (control, target), in a deterministic order (controls in NIST
order; targets system, components, external services, data flows, each in document order).
Fail closed: a field the contract defines and a check needs, left out, fails the check; a field
fedcheck adds beyond the contract, left out, makes it ``manual``; a check that raises is an
``error`` finding and the rest of the run goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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
    deployment = admitted.deployment
    chosen, run_rules, as_of, book = plan.baseline, plan.rules, plan.as_of, admitted.book
    ix = targets.Index(deployment.data)
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
        evaluated = list(_evaluate_control(compiled, deployment, ix, chosen))
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

    return rate(result)  # FedRAMP risk ratings of the failures (fedcheck.risk)


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


def _target_location(
    deployment: LoadedDeployment, ix: targets.Index, target: dict[str, Any]
) -> Location:
    """Where a target starts in the document; computed once per target and evaluation."""
    cache: dict[int, Location] = ix.__dict__.setdefault("_locations", {})
    key = id(target)
    location = cache.get(key)
    if location is None:
        location = deployment.locate(ix.paths.get(key, ()))
        cache[key] = location
    return location


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


def _targets(kind: str, ix: targets.Index) -> list[dict[str, Any]]:
    if kind == "system":
        return [ix.system]
    if kind == "component":
        return ix.components
    if kind == "service":
        return ix.services
    return ix.flows


def _evaluate_control(
    compiled: CompiledControl, deployment: LoadedDeployment, ix: targets.Index, baseline: str
) -> Iterable[Finding]:
    control = compiled.control
    out: list[Finding] = []
    ordered = sorted(compiled.rules, key=lambda r: _TARGET_ORDER[r.target])
    for rule in ordered:
        targets = _targets(rule.target, ix)
        if not targets:
            out.append(
                Finding(
                    control_id=control.id,
                    status=Status.NOT_APPLICABLE,
                    severity=control.severity,
                    target=deployment.system_id,
                    target_kind="system",
                    message=f"no {_SECTION[rule.target].replace('_', ' ')} to check",
                    title=control.title,
                    family=control.family,
                    location=Location(deployment.file),
                    remediation=compiled.remediation,
                )
            )
            continue
        # The hot path: a target on which every check holds becomes a pass finding without
        # building any explanation; everything else goes through _judge.
        where_test = rule.where.test if rule.where is not None else None
        tests = tuple(check.node.test for check in rule.checks)
        locations: dict[int, Location] = ix.__dict__.setdefault("_locations", {})
        cid, severity, title, family = control.id, control.severity, control.title, control.family
        remediation, kind = compiled.remediation, rule.target
        pass_message = compiled.summary or "passes"
        append = out.append
        na_message = "does not apply to this " + kind
        for target in targets:
            try:
                applies = True if where_test is None else where_test(target, ix)
                if applies is False:
                    location = locations.get(id(target))
                    if location is None:
                        location = _target_location(deployment, ix, target)
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
                    for test in tests:
                        if test(target, ix) is not True:
                            break
                    else:
                        location = locations.get(id(target))
                        if location is None:
                            location = _target_location(deployment, ix, target)
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
                append(_judge(compiled, rule, target, deployment, ix, baseline))
            except Exception as exc:  # noqa: BLE001 - a broken check must not pass or stop the run
                out.append(
                    Finding(
                        control_id=control.id,
                        status=Status.ERROR,
                        severity=control.severity,
                        target=str(target.get("id", "?")),
                        target_kind=rule.target,
                        message=f"the check could not be evaluated ({type(exc).__name__}: {exc}); "
                        "it is not counted as a pass",
                        title=control.title,
                        family=control.family,
                        location=_target_location(deployment, ix, target),
                        remediation=compiled.remediation,
                    )
                )
    return out


def _judge(
    compiled: CompiledControl,
    rule: CompiledRule,
    target: dict[str, Any],
    deployment: LoadedDeployment,
    ix: targets.Index,
    baseline: str,
) -> Finding:
    """The finding of one rule on one target that did not simply pass.

    Scope is three-valued like the checks: a rule (or check) whose ``where`` is false does not
    apply; one whose ``where`` is unknown, because the target leaves out a field it reads,
    applies all the same (an unstated fact never takes a target out of a control). Each check
    that does not hold is reported with its own message and fix."""
    control = compiled.control
    ident = target["id"]
    common = dict(
        control_id=control.id,
        severity=control.severity,
        target=ident,
        target_kind=rule.target,
        title=control.title,
        family=control.family,
        remediation=compiled.remediation,
    )
    scope_reasons: list[Reason] = []
    if rule.where is not None:
        applies = rule.where.test(target, ix)
        if applies is False:
            return Finding(
                status=Status.NOT_APPLICABLE,
                message="does not apply to this " + rule.target,
                location=_target_location(deployment, ix, target),
                **common,
            )
        if applies is None:
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
        if ran == 0:
            return Finding(
                status=Status.NOT_APPLICABLE,
                message="does not apply to this " + rule.target,
                location=_target_location(deployment, ix, target),
                **common,
            )
        return Finding(
            status=Status.PASS,
            message=compiled.summary or "passes",
            location=_target_location(deployment, ix, target),
            **common,
        )
    check_reasons = [r for _, reasons, _ in failed for r in reasons]
    missing_contract = any(r.missing and not r.extension for r in check_reasons)
    status = Status.FAIL if hard_fail or missing_contract else Status.MANUAL
    evidence: list[Evidence] = []
    checks: list[FailedCheck] = []
    for check, reasons, check_scope in failed:
        ev = _evidence(reasons, deployment, ix)
        evidence.extend(ev)
        message = _message(check.message, ev, ident)
        unstated_scope = _evidence(check_scope, deployment, ix)
        if unstated_scope:
            evidence.extend(unstated_scope)
            message += _applies_anyway(unstated_scope)
        checks.append(
            FailedCheck(
                check.name,
                message,
                (check.fix or compiled.remediation).strip(),
                ev[0].location if ev else _target_location(deployment, ix, target),
                WEAKNESS_STATED if any(not r.missing for r in reasons) else WEAKNESS_MISSING,
            )
        )
    message = "; ".join(c.message for c in checks)
    scope_evidence = _evidence(scope_reasons, deployment, ix)
    if scope_evidence:
        evidence.extend(scope_evidence)
        message += _applies_anyway(scope_evidence)
    if status is Status.MANUAL:
        message = f"evidence needed: {message}"
    common["remediation"] = "\n\n".join(dict.fromkeys(c.fix for c in checks if c.fix))
    return Finding(
        status=status,
        message=message,
        location=checks[0].location,
        evidence=tuple(evidence),
        weakness=WEAKNESS_STATED
        if any(c.weakness == WEAKNESS_STATED for c in checks)
        else WEAKNESS_MISSING,
        failed_checks=tuple(checks),
        **common,
    )


def _applies_anyway(scope: Sequence[Evidence]) -> str:
    unstated = [e.path for e in scope if e.missing]
    if not unstated:
        return ""
    return f" (it applies: {', '.join(dict.fromkeys(unstated))} not stated)"


_PLACEHOLDER = re.compile(r"\{(actual|expected|path|target)\}")


def _message(template: str | None, evidence: Sequence[Evidence], target: str) -> str:
    """A failed check's message: its template (parameters already bound at compile time) with
    the values read filled in; a field that is not stated always gets the standard sentence."""
    first = evidence[0] if evidence else None
    if first is None:
        return template or "the check failed"
    if template and not first.missing:
        values = {
            "actual": show_value(first.actual),
            "expected": first.expected,
            "path": first.path,
            "target": target,
        }
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    return first.sentence


def _evidence(
    reasons: Sequence[Reason], deployment: LoadedDeployment, ix: targets.Index
) -> list[Evidence]:
    out = []
    for r in reasons:
        doc_path = targets.document_path(r.obj, r.path, ix)
        loc = deployment.locate(doc_path)
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
