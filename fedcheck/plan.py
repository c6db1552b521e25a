"""compile_plan(catalog, ...) -> Plan, and admit(plan, deployment) -> Admitted: all checking and
binding, before anything is judged.

The engine runs in three stages, each handing the next a typed object:

1. ``compile_plan`` (this module) checks and binds everything that does not depend on the
   deployment: the controls of the baseline, edition and class, the profile's additions and
   removals, the effective value of every parameter and its source (FedRAMP, the profile, a
   deviation, the document FedRAMP defers to) bound into every message and fix, and the CRMs
   that may back claims of inheritance. A problem is an ``InputError`` or ``UsageError`` (exit 2).
2. ``admit`` checks one deployment against the plan: its claims of inheritance against the CRMs
   (a claim that none backs is an InputError naming the control), its records and dated fields,
   and the Terraform evidence that fills what it leaves out. It also fixes the run's evaluation
   date and timestamp, the only things read from the environment.
3. ``fedcheck.evaluation.evaluate(plan, admitted)`` runs the compiled checks: pure, no I/O, no
   environment, no input error.

A plan is compiled once and evaluated against any number of deployments of its baseline (``check
DIR`` does so), and it is what a library user holds to evaluate many systems under one profile.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from . import editions
from .catalog import BASELINES, Catalog, CompiledControl, Control, to_oscal
from .dates import evaluation_date
from .errors import InputError, UsageError
from .findings import ControlInfo, Finding, InputFile, Location

if TYPE_CHECKING:
    from .crm import Claim, Crm, Inheritance
    from .editions import Rules
    from .inputs import LoadedDeployment
    from .records import Book, RecordSet


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


@dataclass(frozen=True)
class PlannedControl:
    """One control of a plan: compiled for the plan's baseline with its effective parameters."""

    control: Control
    compiled: CompiledControl
    info: ControlInfo
    overrides: dict[str, Any] | None  # the profile's values for it, if any
    sources: dict[str, str] | None = None  # where each of those values comes from


@dataclass(frozen=True)
class Plan:
    """Everything checked and bound that a deployment is judged against (see the module doc)."""

    catalog: Catalog
    baseline: str
    rules: Rules
    as_of: date  # the evaluation date the edition was chosen for
    tailoring: Tailoring
    controls: tuple[PlannedControl, ...]
    crms: tuple[Crm, ...]  # the profile's CRMs, then the caller's, each once
    catalog_sha256: str
    dated_by_caller: bool  # the evaluation date was given (--as-of), not today's

    @property
    def selected(self) -> list[Control]:
        return [p.control for p in self.controls]


@dataclass(frozen=True)
class Admitted:
    """A deployment admitted to a plan: every input check done, ready to be judged."""

    deployment: LoadedDeployment
    inherited: dict[str, Inheritance]  # oscal id -> what backs its inheritance
    book: Book  # the records, by control
    notes: tuple[str, ...]  # what preparing the records said
    inputs: tuple[InputFile, ...]  # every input of the run but the deployment
    evidence: EvidenceHook | None
    generated_at: str


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


def select_baseline(
    deployment: LoadedDeployment,
    baseline: str | None,
    *,
    edition: str | None = None,
    cert_class: str | None = None,
) -> str:
    """The baseline a deployment is judged against: ``baseline`` when given, else the one a CR26
    class selects, else the system's impact level (unstated: a usage error)."""
    if baseline is None and cert_class is not None and edition == "cr26":
        baseline = editions.CLASS_BASELINE.get(cert_class.lower())
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


def select_controls(catalog: Catalog, baseline: str, tailoring: Tailoring) -> list[Control]:
    """The controls of a baseline, with the profile's additions and without its removals."""
    removed = {to_oscal(c) for c in tailoring.remove}
    wanted = {c.oscal_id for c in catalog.in_baseline(baseline)} | {
        to_oscal(c) for c in tailoring.add
    }
    return [c for c in catalog if c.oscal_id in wanted and c.oscal_id not in removed]


def compile_plan(
    catalog: Catalog,
    *,
    baseline: str,
    tailoring: Tailoring | None = None,
    edition: str | None = None,
    cert_class: str | None = None,
    crms: Sequence[Crm] = (),
    as_of: date | None = None,
) -> Plan:
    """Check and bind the controls a deployment of ``baseline`` is judged against.

    ``edition`` (rev5 | cr26; default: the profile's ``rules:``, else the edition in force on
    ``as_of``) and ``cert_class`` (b | c | d, CR26 only) choose the rules; ``crms`` back claims of
    inheritance, beside the profile's. ``as_of`` is the evaluation date (default: today, UTC).
    Raises UsageError for an unknown baseline, edition or class, InputError for a profile value
    a control's check cannot take."""
    if baseline not in BASELINES:
        raise UsageError(f"unknown baseline {baseline!r}", f"use one of: {', '.join(BASELINES)}")
    tailoring = tailoring or Tailoring()
    if edition is None:
        edition = tailoring.rules  # a profile's `rules:` (fedcheck.profiles.profile_rules)
    day = evaluation_date(as_of)
    run_rules = editions.select_rules(edition, cert_class, baseline, day)
    chosen = run_rules.baseline
    controls = select_controls(catalog, chosen, tailoring)
    if run_rules.cert_class is not None:
        members = set(editions.class_controls(run_rules.cert_class))
        added = {to_oscal(c) for c in tailoring.add}
        controls = [c for c in controls if c.oscal_id in members or c.oscal_id in added]
    sources = parameter_sources(tailoring)
    planned = []
    for control in controls:
        overrides = tailoring.parameters.get(control.oscal_id)
        given = sources.get(control.oscal_id)
        compiled = control.compile(chosen, overrides, given)
        planned.append(
            PlannedControl(
                control, compiled, control.info(chosen, overrides, given), overrides, given
            )
        )
    all_crms = (*tailoring.crms, *(c for c in crms if c not in tailoring.crms))
    return Plan(
        catalog=catalog,
        baseline=chosen,
        rules=run_rules,
        as_of=day,
        tailoring=tailoring,
        controls=tuple(planned),
        crms=all_crms,
        catalog_sha256=catalog.digest_of(controls),
        dated_by_caller=as_of is not None,
    )


def deployment_claims(deployment: LoadedDeployment, catalog: Catalog) -> list[Claim]:
    """The deployment's claims of inheritance (``inherited_controls``), each reference checked.

    A reference to a control or family the catalog lacks is an input error: a typo there would
    otherwise leave the control evaluated as if nothing were inherited, unnoticed. (A profile's
    references are checked when the profile is loaded.)"""
    items = deployment.data.get("inherited_controls") or []
    if not items:
        return []
    from .crm import Claim

    families = {c.family.upper() for c in catalog}
    claims: list[Claim] = []
    for i, item in enumerate(items):
        at: tuple[str | int, ...] = ("inherited_controls", i)
        refs = []
        for j, ref in enumerate(item.get("controls") or []):
            is_family = re.fullmatch(r"[A-Za-z]{2,6}", ref) is not None
            try:
                known = ref.upper() in families if is_family else to_oscal(ref) in catalog.controls
            except ValueError:
                known = False
            location = deployment.locate((*at, "controls", j))
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
                location=deployment.locate(at),
                where=f"inherited_controls[{i}]",
                authorization_location=deployment.locate((*at, "fedramp_authorization")),
            )
        )
    return claims


def inheritance(
    deployment: LoadedDeployment,
    tailoring: Tailoring,
    catalog: Catalog,
    controls: Sequence[Control],
    crms: Sequence[Crm],
) -> dict[str, Inheritance]:
    """What each control inherits (see fedcheck.crm): the deployment's and the profile's claims,
    each backed by a CRM, the stricter claim winning; InputErrors for claims none backs."""
    claims = [*deployment_claims(deployment, catalog), *tailoring.inherited]
    if not claims:
        return {}
    from .crm import resolve

    return resolve(claims, crms, controls)


def admit(
    plan: Plan,
    deployment: LoadedDeployment,
    *,
    records: Sequence[RecordSet] = (),
    evidence: EvidenceHook | None = None,
    inputs: Sequence[InputFile] = (),
    generated_at: str | None = None,
) -> Admitted:
    """Check one deployment against ``plan`` (see the module docstring); InputErrors (exit 2)
    for a claim no CRM backs, a record that does not fit, or a dated fact after the plan's date.

    ``records`` are extra record files (``fedcheck.records.load_records``); ``evidence``
    (fedcheck.terraform's cross-check of plans) fills the fields the description leaves out and
    a plan evidences; ``generated_at`` stamps the run (default: SOURCE_DATE_EPOCH or now)."""
    from . import records as _records

    if evidence is not None:
        deployment = evidence.fill(deployment)
        inputs = (*inputs, *evidence.inputs)
    deployment, book, notes = _records.prepare(deployment, plan.catalog, plan.as_of, records)
    inputs = (*inputs, *(InputFile("records", r.file, r.sha256) for r in records))
    inherited = inheritance(deployment, plan.tailoring, plan.catalog, plan.selected, plan.crms)
    return Admitted(
        deployment=deployment,
        inherited=inherited,
        book=book,
        notes=tuple(notes),
        inputs=tuple(inputs),
        evidence=evidence,
        generated_at=generated_at or timestamp(),
    )


__all__ = [
    "Admitted",
    "EvidenceHook",
    "Plan",
    "PlannedControl",
    "Tailoring",
    "admit",
    "compile_plan",
    "inheritance",
    "parameter_sources",
    "select_baseline",
    "select_controls",
    "timestamp",
]
