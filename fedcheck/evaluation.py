"""evaluate(deployment, catalog, ...) -> Result: judge every control of a baseline on every target.

Pure: no I/O. One finding per (control, target), in a deterministic order (controls in NIST
order; targets system, components, external services, data flows, each in document order).
Fail closed: a field the contract defines and a check needs, left out, fails the check; a field
fedcheck adds beyond the contract, left out, makes it ``manual``; a check that raises is an
``error`` finding and the rest of the run goes on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from . import deployment as dm
from . import editions, mas, rules, vdr
from ._version import __version__
from .catalog import (
    BASELINES,
    Catalog,
    CompiledCheck,
    CompiledControl,
    CompiledRule,
    Control,
    to_oscal,
)
from .dates import evaluation_date
from .errors import InputError, UsageError
from .findings import (
    WEAKNESS_MISSING,
    WEAKNESS_STATED,
    ControlInfo,
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
)
from .inputs import LoadedDeployment, deployment_from_model, display_path

if TYPE_CHECKING:
    from .crm import Claim, Crm, Inheritance

_TARGET_ORDER = {"system": 0, "component": 1, "service": 2, "flow": 3}
_SECTION = {"component": "components", "service": "external_services", "flow": "data_flows"}


@dataclass
class Tailoring:
    """What a profile changes in the selected baseline (see fedcheck.profiles)."""

    add: tuple[str, ...] = ()  # control ids to evaluate beyond the baseline
    remove: dict[str, str] = field(default_factory=dict)  # control id -> justification
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)  # oscal id -> name -> value
    deviations: tuple[dict[str, Any], ...] = ()
    inherited: tuple[Claim, ...] = ()  # the profile's claims of inheritance
    crms: tuple[Crm, ...] = ()  # the CRMs that back claims (the profile's and --crm files)
    baseline: str | None = None  # the baseline the profile selects
    origin: Location | None = None  # where the profile selects it, for messages
    baseline_deviation: dict[str, Any] | None = None  # a declared baseline below the impact level
    rules: str | None = None  # the rule edition the profile selects (rev5 | cr26), if any
    rules_origin: Location | None = None  # where the profile selects it
    name: str | None = None  # the profile's name, the source of the values it tightens


class EvidenceHook(Protocol):
    """Evidence beyond the description (see fedcheck.terraform.crosscheck.Evidence)."""

    @property
    def inputs(self) -> tuple[InputFile, ...]: ...

    def fill(self, deployment: LoadedDeployment) -> LoadedDeployment: ...

    def adjust(
        self, findings: Sequence[Finding], controls: Sequence[Control], deployment: LoadedDeployment
    ) -> list[Finding]: ...


def timestamp(now: datetime | None = None) -> str:
    """The run's time: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise UsageError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp",
                "set it to a whole number of seconds, e.g. 1700000000",
            ) from None
    else:
        moment = now or datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def select_baseline(deployment: LoadedDeployment, baseline: str | None) -> str:
    if baseline is not None:
        if baseline not in BASELINES:
            raise UsageError(
                f"unknown baseline {baseline!r}", f"use one of: {', '.join(BASELINES)}"
            )
        return baseline
    level = deployment.model.system.impact_level
    if level is None:
        raise UsageError(
            f"{deployment.file}: system.impact_level is not stated, so the baseline is unknown",
            "set system.impact_level (low | moderate | high) or pass --baseline",
        )
    return level


def evaluate(
    deployment: LoadedDeployment | dm.Deployment,
    catalog: Catalog,
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
    """Evaluate the controls of a baseline against a deployment and return the Result.

    ``as_of`` is the evaluation date that waivers and dated evidence are judged against
    (default: today, UTC); ``generated_at`` only stamps the run; ``records`` are extra record
    files (``fedcheck.records.load_records``); ``evidence`` (fedcheck.terraform's cross-check of
    plans) fills the fields the description leaves out and a plan evidences, then adjusts the
    findings it bears on; ``crms`` (with the tailoring's) back the claims of inheritance, and a
    claim that none backs is an InputError. ``edition`` (rev5 | cr26, default: the edition in
    force on ``as_of``) and ``cert_class`` (b | c | d, CR26 only, default from the baseline)
    choose the rules; see fedcheck.editions.
    """
    if isinstance(deployment, dm.Deployment):
        deployment = deployment_from_model(deployment)
    if evidence is not None:
        deployment = evidence.fill(deployment)
        inputs = (*inputs, *evidence.inputs)
    if edition is None and tailoring is not None:
        edition = tailoring.rules  # a profile's `rules:` (fedcheck.profiles.profile_rules)
    caller_date = as_of
    as_of = evaluation_date(as_of)
    if baseline is None and cert_class is not None and edition == "cr26":
        baseline = editions.CLASS_BASELINE.get(cert_class.lower())
    chosen = select_baseline(deployment, baseline)
    run_rules = editions.select_rules(edition, cert_class, chosen, as_of)
    chosen = run_rules.baseline
    tailoring = tailoring or Tailoring()
    from . import records as _records

    deployment, book, record_notes = _records.prepare(deployment, catalog, as_of, records)
    inputs = (*inputs, *(InputFile("records", r.file, r.sha256) for r in records))
    ix = rules.Index(deployment.data)
    controls = _selected(catalog, chosen, tailoring)
    if run_rules.cert_class is not None:
        members = set(editions.class_controls(run_rules.cert_class))
        added = {to_oscal(c) for c in tailoring.add}
        controls = [c for c in controls if c.oscal_id in members or c.oscal_id in added]
    all_crms = (*tailoring.crms, *(c for c in crms if c not in tailoring.crms))
    inherited = _inheritance(deployment, tailoring, catalog, controls, all_crms)
    system_level = deployment.model.system.impact_level

    sources = parameter_sources(tailoring)
    findings: list[Finding] = []
    infos: list[ControlInfo] = []
    for control in controls:
        overrides = tailoring.parameters.get(control.oscal_id)
        compiled = control.compile(chosen, overrides, sources.get(control.oscal_id))
        infos.append(control.info(chosen, overrides, sources.get(control.oscal_id)))
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
            evaluated.append(
                _records.finding(
                    control,
                    chosen,
                    overrides,
                    book,
                    as_of,
                    deployment,
                    sources.get(control.oscal_id),
                )
            )
        if source is not None:  # shared: the records too evidence the customer's part
            evaluated = _shared(evaluated, source)
        findings.extend(evaluated)

    if evidence is not None:
        findings = evidence.adjust(findings, controls, deployment)

    if run_rules.edition == "cr26":

        def locate(path: tuple[str | int, ...]) -> Location:
            return _location(deployment, path)

        if run_rules.vdr:
            infos.extend(vdr.infos(run_rules))
            findings.extend(vdr.evaluate_vdr(deployment.data, run_rules, locate))
        infos.extend(mas.infos(run_rules))
        findings.extend(mas.evaluate_mas(deployment.data, locate))

    notes = list(record_notes)
    if run_rules.edition == "cr26":
        parties = mas.third_parties(deployment.data)
        notes.append(
            "third-party information resources (MAS-CSO-TPR): "
            + ("; ".join(parties) if parties else "none listed")
        )
    automated = sum(1 for f in findings if f.status in (Status.PASS, Status.FAIL, Status.ERROR))
    if automated == 0:
        notes.append(
            "no automated control applied to this deployment: nothing was verified "
            "automatically, so the run does not pass"
        )
    if caller_date is not None:
        notes.append(dated_note(as_of))
    deployment_input = InputFile("deployment", deployment.file, deployment.sha256)
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
        catalog_version=catalog.version,
        catalog_sha256=catalog.digest_of(controls),
        tool_version=__version__,
        generated_at=generated_at or timestamp(),
        inputs=(
            deployment_input,
            *inputs,
            *(c.input_file for c in all_crms if c.input_file not in inputs),
        ),
        deviations=tuple(tailoring.deviations),
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


def parameter_sources(tailoring: Tailoring) -> dict[str, dict[str, str]]:
    """Where each value a profile sets comes from, by control (oscal id) and parameter: the
    deviation that loosens it ("deviation DEV-1"), else the profile that tightens it."""
    profile = f"profile {tailoring.name}" if tailoring.name else "the profile"
    out: dict[str, dict[str, str]] = {
        oscal: {name: profile for name in values} for oscal, values in tailoring.parameters.items()
    }
    for deviation in tailoring.deviations:
        if deviation.get("kind") != "parameter":
            continue
        try:
            oscal = to_oscal(str(deviation.get("control", "")))
        except ValueError:
            continue
        ident = deviation.get("id")
        out.setdefault(oscal, {})[str(deviation.get("parameter"))] = (
            f"deviation {ident}" if ident else f"a deviation in {profile}"
        )
    return out


def _selected(catalog: Catalog, baseline: str, tailoring: Tailoring) -> list[Control]:
    removed = {to_oscal(c) for c in tailoring.remove}
    wanted = {c.oscal_id for c in catalog.in_baseline(baseline)} | {
        to_oscal(c) for c in tailoring.add
    }
    return [c for c in catalog if c.oscal_id in wanted and c.oscal_id not in removed]


def _inheritance(
    deployment: LoadedDeployment,
    tailoring: Tailoring,
    catalog: Catalog,
    controls: Sequence[Control],
    crms: Sequence[Crm],
) -> dict[str, Inheritance]:
    """What each evaluated control inherits (see fedcheck.crm): the deployment's and the
    profile's claims, each backed by a CRM, the stricter claim winning.

    A deployment's reference to a control or family the catalog lacks is an input error: a typo
    there would otherwise leave the control evaluated as if nothing were inherited, unnoticed.
    (A profile's references are checked when the profile is loaded.)"""
    from .crm import Claim, resolve

    families = {c.family.upper() for c in catalog}
    claims: list[Claim] = []
    for i, item in enumerate(deployment.data.get("inherited_controls") or []):
        at: tuple[str | int, ...] = ("inherited_controls", i)
        refs = []
        for j, ref in enumerate(item.get("controls") or []):
            is_family = re.fullmatch(r"[A-Za-z]{2,6}", ref) is not None
            try:
                known = ref.upper() in families if is_family else to_oscal(ref) in catalog.controls
            except ValueError:
                known = False
            location = _location(deployment, (*at, "controls", j))
            if not known:
                raise InputError(
                    deployment.file,
                    location.line,
                    location.column,
                    f"inherited_controls: {ref!r} is no control id or family of the catalog",
                    "write a control id such as PE-3 or a family code such as PE",
                )
            refs.append((ref, location))
        claims.append(
            Claim(
                provider=item["provider"],
                fedramp_authorization=item["fedramp_authorization"],
                package_id=item.get("package_id"),
                responsibility=item.get("responsibility", "full"),
                refs=tuple(refs),
                location=_location(deployment, at),
                where=f"inherited_controls[{i}]",
                authorization_location=_location(deployment, (*at, "fedramp_authorization")),
            )
        )
    claims.extend(tailoring.inherited)
    if not claims:
        return {}
    return resolve(claims, crms, controls)


def _shared(findings: Iterable[Finding], source: Inheritance) -> list[Finding]:
    """The findings of a shared control, each saying that it checks the customer's part."""
    from dataclasses import replace

    note = f" (shared with {source.crm.provider}: {source.reason}; this checks the customer's part)"
    return [replace(f, message=f.message + note) for f in findings]


def _location(deployment: LoadedDeployment, path: tuple[str | int, ...]) -> Location:
    line, column, _ = deployment.source.position(path)
    if len(path) >= 2 and isinstance(path[1], int):
        # components[web-ui].access...: the bracketed prefix is the same for every finding on
        # one target, so it is worked out once per target.
        prefixes: dict[tuple[Any, ...], str] = deployment.__dict__.setdefault("_prefixes", {})
        head = path[:2]
        prefix = prefixes.get(head)
        if prefix is None:
            prefix = prefixes[head] = display_path(deployment.data, head)
        shown = prefix + "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in path[2:])
    else:
        shown = display_path(deployment.data, path)
    return Location(deployment.file, line, column, shown)


def _target_location(
    deployment: LoadedDeployment, ix: rules.Index, target: dict[str, Any]
) -> Location:
    """Where a target starts in the document; computed once per target and evaluation."""
    cache: dict[int, Location] = ix.__dict__.setdefault("_locations", {})
    key = id(target)
    location = cache.get(key)
    if location is None:
        location = _location(deployment, ix.paths.get(key, ()))
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


def _targets(kind: str, ix: rules.Index) -> list[dict[str, Any]]:
    if kind == "system":
        return [ix.system]
    if kind == "component":
        return ix.components
    if kind == "service":
        return ix.services
    return ix.flows


def _evaluate_control(
    compiled: CompiledControl, deployment: LoadedDeployment, ix: rules.Index, baseline: str
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
    ix: rules.Index,
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
    scope_reasons: list[rules.Reason] = []
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
    failed: list[tuple[CompiledCheck, list[rules.Reason], list[rules.Reason]]] = []
    hard_fail = False
    ran = 0
    for check in rule.checks:
        check_scope: list[rules.Reason] = []
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
    reasons: Sequence[rules.Reason], deployment: LoadedDeployment, ix: rules.Index
) -> list[Evidence]:
    out = []
    for r in reasons:
        doc_path = _document_path(r.obj, r.path, ix)
        loc = _location(deployment, doc_path)
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


def _document_path(obj: Any, path: str, ix: rules.Index) -> tuple[str | int, ...]:
    """Where a path read from ``obj`` lands in the document, following relations."""
    base = ix.paths.get(id(obj), ())
    parts = path.split(".")
    current: Any = obj
    result: list[str | int] = list(base)
    for i, part in enumerate(parts):
        if not isinstance(current, dict):
            break
        if part in current:
            result.append(part)
            current = current[part]
            continue
        # Not a stored field: a relation or a virtual field.
        if part == "system":
            current, result = ix.system, ["system"]
        elif part in ("source", "target") and "from" in current:
            end = ix.endpoints.get(current["from" if part == "source" else "to"])
            if end is None:
                break
            current, result = end, list(ix.paths[id(end)])
        elif part in (
            "inbound_flows",
            "outbound_flows",
            "components",
            "external_services",
            "data_flows",
            "kind",
            "crosses_boundary",
        ):
            break
        else:
            result.extend(parts[i:])  # a field left out: point at its nearest stated parent
            break
    return tuple(result)


def exit_code(result: Result, fail_on: Severity | None = None) -> int:
    """0 when nothing fails the gate, 1 when something does (or nothing was verified)."""
    if result.failing(fail_on):
        return 1
    if not any(
        f.status in (Status.PASS, Status.FAIL, Status.ERROR, Status.WAIVED) for f in result.findings
    ):
        return 1
    return 0
