"""Bind components to plan resources, compare what the plan evidences with the description,
and adjust the findings of an evaluation accordingly.

For every component that names resources in ``iac:``, the contract fields those resources
evidence are read from the plan and combined (fields.yaml says how). Then each field is:

- agreed: the description states what the plan shows; judged as usual, labelled evidenced;
- filled: the description leaves it out; the plan's value is written in and judged;
- contradicted: the description states another value; every control that reads the field fails,
  at the description's line, naming the resource address;
- unknown: known only after apply (or a provider value the mapping does not know); never a pass.

A resource that holds, moves or protects data and that no component claims fails CM-8: the
description leaves part of the boundary out.
"""

from __future__ import annotations

import difflib
import functools
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from .. import deployment as dm
from ..catalog import Control
from ..errors import InputErrors, Problem
from ..findings import (
    WEAKNESS_MISSING,
    WEAKNESS_STATED,
    FailedCheck,
    Finding,
    InputFile,
    Location,
    Severity,
    Status,
)
from ..findings import Evidence as FindingEvidence
from ..inputs import LoadedDeployment, display_path
from .address import Address, AddressError, parse_address
from .extract import (
    KNOWN,
    SENSITIVE,
    UNKNOWN,
    UNMAPPED,
    ResourceFact,
    resource_facts,
    show,
)
from .mapping import NEVER, Mapping, load_mapping
from .plan import Plan, PlannedResource

AGREES, FILLED, CONTRADICTED, OPEN = "agrees", "filled", "contradicted", "open"
_MISSING = object()
INVENTORY_CONTROL = "CM-8"
INVENTORY_TITLE = "System Component Inventory"


@dataclass(frozen=True)
class FieldEvidence:
    """What the plans evidence about one field of one component, and how it compares."""

    component: str
    index: int  # the component's position in the document
    field: str
    state: str  # known | unknown | unmapped | conflict
    value: Any
    facts: tuple[ResourceFact, ...]
    plan: Plan
    verdict: str  # agrees | filled | contradicted | open
    declared: Any = None
    is_declared: bool = False
    locations: tuple[Location, ...] = ()  # where the resources are (plan, or .tf file:line)

    @property
    def addresses(self) -> str:
        return ", ".join(dict.fromkeys(f.address for f in self.facts))

    @property
    def source(self) -> str:
        return f"evidenced by {self.addresses} in {self.plan.file}"

    def detail(self) -> str:
        """The attribute values the verdict rests on: ``aws_db_instance.db.storage_encrypted = false``."""
        parts = []
        for fact in self.facts:
            if fact.state == UNKNOWN:
                parts.append(f"{fact.address}.{fact.attribute} is known only after apply")
            elif fact.state == SENSITIVE:
                parts.append(
                    f"{fact.address}.{fact.attribute} is marked sensitive in the plan, and "
                    "fedcheck never reads or shows a sensitive value"
                )
            elif fact.attribute in ("", "provider region"):
                parts.append(f"{fact.address} ({fact.attribute or 'its type'})")
            else:
                raw = "unset" if fact.raw is None else show(fact.raw)
                parts.append(f"{fact.address}.{fact.attribute} = {raw}")
        return "; ".join(parts)


@dataclass
class Evidence:
    """The evidence of one run: the plans, each bound field, and the unclaimed resources."""

    plans: tuple[Plan, ...]
    fields: dict[tuple[str, str], FieldEvidence]
    unclaimed: tuple[tuple[Plan, PlannedResource], ...]
    mapping: Mapping
    bound: frozenset[str] = frozenset()  # ids of components with iac bindings
    resource_locations: dict[tuple[str, str], Location] = field(default_factory=dict)

    @property
    def inputs(self) -> tuple[InputFile, ...]:
        return tuple(InputFile("terraform-plan", p.file, p.sha256) for p in self.plans)

    # -- before evaluation ---------------------------------------------------------------------
    def fill(self, deployment: LoadedDeployment) -> LoadedDeployment:
        """The deployment with every field the description leaves out and a plan evidences
        written in. Containers that exist keep their identity, so positions stay exact."""
        filled = [fe for fe in self.fields.values() if fe.verdict == FILLED]
        if not filled:
            return deployment
        components = deployment.data.get("components") or []
        for fe in filled:
            node = components[fe.index]
            # A key added to a mapping is given the mapping's own position, so that the source
            # map points at the nearest line that exists.
            *parents, leaf = fe.field.split(".")
            path: tuple[str | int, ...] = ("components", fe.index)
            for part in [*parents, leaf]:
                path = (*path, part)
                if part not in node:
                    deployment.source.mark_added(path)
                if part == leaf:
                    node[leaf] = list(fe.value) if isinstance(fe.value, list) else fe.value
                else:
                    node = node.setdefault(part, {})
        model = dm.Deployment.model_validate(deployment.data)
        return LoadedDeployment(
            deployment.file, deployment.data, model, deployment.source, deployment.sha256
        )

    # -- after evaluation ----------------------------------------------------------------------
    def adjust(
        self,
        findings: Sequence[Finding],
        controls: Sequence[Control],
        deployment: LoadedDeployment,
    ) -> list[Finding]:
        """Apply the cross-check to the findings of an evaluation (see the module docstring)."""
        reads = {c.id: _component_reads(c) for c in controls if c.is_automated}
        by_component: dict[str, list[FieldEvidence]] = {}
        for fe in self.fields.values():
            by_component.setdefault(fe.component, []).append(fe)
        out: list[Finding] = []
        for finding in findings:
            if finding.target_kind == "component" and finding.target in self.bound:
                paths = reads.get(finding.control_id)
                if paths is not None:
                    finding = self._adjust_one(
                        finding, paths, by_component.get(finding.target, []), deployment
                    )
            out.append(finding)
        return self._boundary(out, controls, deployment)

    def _adjust_one(
        self,
        f: Finding,
        paths: tuple[frozenset[str], frozenset[str]],
        evidence: list[FieldEvidence],
        deployment: LoadedDeployment,
    ) -> Finding:
        where_reads, check_reads = paths
        relevant = [fe for fe in evidence if fe.field in where_reads or fe.field in check_reads]
        labelled = self._label_declared(f)
        if not relevant:
            return labelled
        if f.status in (Status.INHERITED, Status.WAIVED):
            return labelled
        if f.status is Status.NOT_APPLICABLE:
            relevant = [fe for fe in relevant if fe.field in where_reads]
            if not relevant:
                return labelled
        bad = [fe for fe in relevant if fe.verdict == CONTRADICTED]
        if bad:
            return self._contradicted(f, bad, deployment)
        open_ = [fe for fe in relevant if fe.verdict == OPEN]
        if open_ and f.status in (Status.PASS, Status.NOT_APPLICABLE):
            first = open_[0]
            why = (
                "is known only after apply"
                if first.state == UNKNOWN
                else "is marked sensitive in the plan, and fedcheck never reads or shows a "
                "sensitive value; evidence it another way"
                if first.state == SENSITIVE
                else f"has a value fedcheck's mapping does not know ({first.detail()})"
                if first.state == UNMAPPED
                else "differs between the resources that implement it"
            )
            return replace(
                f,
                status=Status.MANUAL,
                message=f"evidence needed{' after apply' if first.state == UNKNOWN else ''}: "
                f"{first.field} of {first.addresses} {why}; the plan cannot show it passes",
                location=self._where_in_description(first, deployment),
                evidence=tuple(self._evidence(fe) for fe in open_) + labelled.evidence,
            )
        return self._evidenced(labelled, relevant)

    def _label_declared(self, f: Finding) -> Finding:
        """Declared facts of a bound component that a plan cannot evidence say so."""
        if not f.evidence:
            return f
        prefix = f"components[{f.target}]."
        changed = False
        items = []
        for e in f.evidence:
            name = e.path[len(prefix) :] if e.path.startswith(prefix) else None
            why = self.mapping.fields.not_evidenced.get(name or "")
            if e.source is None and why is not None:
                e = replace(e, source=f"declared; a plan cannot evidence it: {why}")
                changed = True
            items.append(e)
        return replace(f, evidence=tuple(items)) if changed else f

    def _evidence(self, fe: FieldEvidence) -> FindingEvidence:
        location = fe.locations[0] if fe.locations else Location(fe.plan.file, path=fe.addresses)
        expected = (
            f"as declared ({show(fe.declared)})"
            if fe.is_declared
            else "a value known before apply"
            if fe.verdict == OPEN
            else "filled from the plan (the description leaves it out)"
        )
        actual: Any = show(fe.value) if fe.state == KNOWN else fe.state
        return FindingEvidence(
            f"components[{fe.component}].{fe.field}",
            actual,
            expected,
            location,
            source=f"{fe.source}: {fe.detail()}",
        )

    def _where_in_description(self, fe: FieldEvidence, deployment: LoadedDeployment) -> Location:
        path: tuple[str | int, ...] = ("components", fe.index, *fe.field.split("."))
        line, column, _ = deployment.source.position(path)
        return Location(deployment.file, line, column, f"components[{fe.component}].{fe.field}")

    def _contradicted(
        self, f: Finding, bad: list[FieldEvidence], deployment: LoadedDeployment
    ) -> Finding:
        first = bad[0]
        if first.is_declared:
            message = (
                f"the plan contradicts the description: {first.field} is declared "
                f"{show(first.declared)}, but {first.addresses} has {show(first.value)} "
                f"({first.detail()})"
            )
        else:
            message = (
                f"the plan shows {first.field} is {show(first.value)} on {first.addresses} "
                f"({first.detail()})"
            )
        if len(bad) > 1:
            message += f" (and {len(bad) - 1} more)"
        remediation = (
            f"Change {first.addresses} in the Terraform configuration so that {first.field} "
            "meets the control, or correct the description if it is wrong. " + (f.remediation or "")
        ).strip()
        evidence = [self._evidence(fe) for fe in bad]
        for fe in bad:
            for loc in fe.locations[1:]:
                evidence.append(
                    FindingEvidence(
                        f"components[{fe.component}].{fe.field}",
                        show(fe.value),
                        "the resource's configuration",
                        loc,
                        source=fe.source,
                    )
                )
        # A declared value is wrong where it is written; a protection the plan shows missing,
        # that the description never stated, is wrong at the resource.
        location = (
            self._where_in_description(first, deployment)
            if first.is_declared
            else self._evidence(first).location
        )
        # The contradiction is a check of its own, listed first; the checks that already
        # failed on the declared values stay (each report line says one thing that is wrong).
        check = FailedCheck("plan", message, remediation, location, WEAKNESS_STATED)
        return replace(
            f,
            status=Status.FAIL,
            message=message,
            location=location,
            evidence=tuple(evidence),
            remediation=remediation,
            weakness=WEAKNESS_STATED,
            failed_checks=(check, *f.failed_checks),
        )

    def _evidenced(self, f: Finding, relevant: list[FieldEvidence]) -> Finding:
        """Agreed or filled facts: the same verdict, with the plan named as the source."""
        by_path = {f"components[{fe.component}].{fe.field}": fe for fe in relevant}
        items: list[FindingEvidence] = []
        used: set[str] = set()
        for e in f.evidence:
            fe = by_path.get(e.path)
            if fe is not None and e.source is None:
                used.add(e.path)
                # The value was read from the resource (agreed or filled): the evidence points
                # there (the plan, or the .tf line), and so does OSCAL's href; the finding
                # keeps its place in the description.
                location = self._evidence(fe).location
                e = replace(e, location=location, source=f"{fe.source}: {fe.detail()}")
            items.append(e)
        for path, fe in by_path.items():
            if path not in used:
                items.append(self._evidence(fe))
        location = f.location
        about = by_path.get(f.location.path or "") if f.location is not None else None
        if about is not None and about.verdict == FILLED:
            location = self._evidence(about).location
        elif f.status is Status.PASS and all(fe.verdict == FILLED for fe in relevant):
            location = self._evidence(relevant[0]).location
        # A failed check on a filled value is wrong at the resource, as the finding is: the
        # description has no line for a value it leaves out.
        checks = tuple(
            replace(c, location=self._evidence(fe).location)
            if c.location is not None
            and (fe := by_path.get(c.location.path or "")) is not None
            and fe.verdict == FILLED
            else c
            for c in f.failed_checks
        )
        return replace(f, evidence=tuple(items), location=location, failed_checks=checks)

    def _boundary(
        self, findings: list[Finding], controls: Sequence[Control], deployment: LoadedDeployment
    ) -> list[Finding]:
        if not self.unclaimed:
            return findings
        control = next((c for c in controls if c.id == INVENTORY_CONTROL), None)
        evidence = tuple(
            FindingEvidence(
                "components[].iac",
                resource.address,
                "claimed by a component",
                self.resource_locations.get(
                    (plan.file, resource.address), Location(plan.file, path=resource.address)
                ),
                source=f"evidenced by {resource.address} in {plan.file}",
            )
            for plan, resource in self.unclaimed
        )
        names = ", ".join(r.address for _, r in self.unclaimed[:5])
        more = len(self.unclaimed) - 5
        message = (
            f"the description leaves part of the boundary out: {len(self.unclaimed)} resource(s) "
            f"of the plan that hold, move or protect data belong to no component ({names}"
            + (f" and {more} more" if more > 0 else "")
            + ")"
        )
        remediation = (
            "Add each resource's address to the iac list of the component it implements (or a "
            "new component), so that every information resource inside the boundary is "
            "identified."
        )
        location = Location(deployment.file, 1, 1, "components")
        check = FailedCheck("boundary", message, remediation, location, WEAKNESS_STATED)
        new = Finding(
            control_id=INVENTORY_CONTROL,
            status=Status.FAIL,
            severity=control.severity if control else Severity.HIGH,
            target=deployment.system_id,
            target_kind="system",
            message=message,
            title=control.title if control else INVENTORY_TITLE,
            family="CM",
            location=location,
            evidence=evidence,
            remediation=remediation,
            weakness=WEAKNESS_STATED,
            failed_checks=(check,),
        )
        for i, f in enumerate(findings):
            if f.control_id == INVENTORY_CONTROL and f.target_kind == "system":
                findings[i] = _merge_boundary(new, f)
                return findings
        findings.append(new)
        return findings


def _merge_boundary(boundary: Finding, existing: Finding) -> Finding:
    """The boundary finding in place of the system's CM-8 finding, keeping what that finding
    already holds against the system (an inventory record missing or overdue, say): one key per
    control and target, and no reason to fail is dropped."""
    merged = replace(boundary, severity=existing.severity, title=existing.title)
    if not (existing.is_failing or existing.status is Status.MANUAL):
        return merged
    checks = existing.failed_checks or (
        FailedCheck(
            "inventory",
            existing.message,
            existing.remediation,
            existing.location,
            existing.weakness or WEAKNESS_MISSING,
        ),
    )
    return replace(
        merged,
        message=f"{boundary.message}; {existing.message}",
        evidence=boundary.evidence + existing.evidence,
        remediation="\n\n".join(
            dict.fromkeys(r for r in (boundary.remediation, existing.remediation) if r)
        ),
        failed_checks=boundary.failed_checks + checks,
    )


def _component_reads(control: Control) -> tuple[frozenset[str], frozenset[str]]:
    """The component fields a control's where clause reads, and those its checks read."""
    where: set[str] = set()
    checks: set[str] = set()
    for rule in control.compile("high").rules:
        if rule.target != "component":
            continue
        if rule.where is not None:
            where.update(rule.where.reads)
        for check in rule.checks:
            checks.update(check.node.reads)
    return frozenset(where), frozenset(checks)


# -- binding -----------------------------------------------------------------------------------


def cross_check(
    deployment: LoadedDeployment,
    plans: Sequence[Plan],
    mapping: Mapping | None = None,
    resource_locations: dict[tuple[str, str], Location] | None = None,
) -> Evidence:
    """Bind every component's ``iac:`` addresses to the plans' resources and compare."""
    mapping = mapping or load_mapping()
    resource_locations = resource_locations or {}
    index: dict[tuple[str, str, str], list[tuple[Plan, PlannedResource]]] = {}
    for plan in plans:
        for resource in plan:
            key = (resource.parsed.mode, resource.parsed.type, resource.parsed.name)
            index.setdefault(key, []).append((plan, resource))
    problems: list[Problem] = []
    claimed: set[tuple[str, str]] = set()
    fields: dict[tuple[str, str], FieldEvidence] = {}
    bound: set[str] = set()
    for i, component in enumerate(deployment.data.get("components") or []):
        bindings = component.get("iac") or []
        if not bindings:
            continue
        bound.add(component["id"])
        matched: list[tuple[Plan, PlannedResource]] = []
        for j, text in enumerate(bindings):
            found = _bind(text, index, plans, deployment, (i, j), problems)
            matched.extend(found)
        for plan, resource in matched:
            claimed.add((plan.file, resource.address))
        fields.update(_component_fields(component, i, matched, mapping, resource_locations))
    if problems:
        raise InputErrors(problems)
    unclaimed = tuple(
        (plan, resource)
        for plan in plans
        for resource in plan
        if (plan.file, resource.address) not in claimed
        and (entry := mapping.resource(resource.type)) is not None
        and entry.holds_data
    )
    return Evidence(
        tuple(plans), fields, unclaimed, mapping, frozenset(bound), dict(resource_locations)
    )


def _bind(
    text: Any,
    index: dict[tuple[str, str, str], list[tuple[Plan, PlannedResource]]],
    plans: Sequence[Plan],
    deployment: LoadedDeployment,
    where: tuple[int, int],
    problems: list[Problem],
) -> list[tuple[Plan, PlannedResource]]:
    line, column, _ = deployment.source.position(("components", where[0], "iac", where[1]))
    shown = f"{display_path(deployment.data, ('components', where[0]))}.iac"
    try:
        pattern = parse_address(str(text), pattern=True)
    except AddressError as exc:
        problems.append(
            Problem(
                deployment.file,
                line,
                column,
                f"{shown}: {exc}",
                'write a full resource address, e.g. module.db.aws_db_instance.main or aws_s3_bucket.logs["a"], or [*] for every instance',
            )
        )
        return []
    key = (pattern.mode, pattern.type, pattern.name)
    found = [(p, r) for p, r in index.get(key, []) if pattern.matches(r.parsed)]
    if found:
        return found
    deleted = [p.file for p in plans if any(_deleted_match(pattern, a) for a in p.deleted)]
    if deleted:
        problems.append(
            Problem(
                deployment.file,
                line,
                column,
                f"{shown}: {text} is destroyed by the plan {deleted[0]}; a deleted resource is "
                "no evidence",
                "remove the binding, or bind the resource that replaces it",
            )
        )
        return []
    problems.append(
        Problem(
            deployment.file,
            line,
            column,
            f"{shown}: no resource {text} in the plan"
            + (f" {plans[0].file}" if len(plans) == 1 else "s"),
            _did_you_mean(pattern, str(text), plans),
        )
    )
    return []


def _deleted_match(pattern: Address, address: str) -> bool:
    try:
        return pattern.matches(parse_address(address))
    except AddressError:
        return False


def _did_you_mean(pattern: Address, text: str, plans: Sequence[Plan]) -> str:
    candidates: dict[str, None] = {}
    for plan in plans:
        for resource in plan:
            if resource.parsed.is_pattern:
                continue
            candidates[resource.address] = None
            general = resource.parsed.generalized()
            if general != resource.parsed:
                candidates[str(general)] = None
    same_type = [c for c in candidates if pattern.type in c]
    close = difflib.get_close_matches(text, list(candidates), n=3, cutoff=0.5)
    if not close and same_type:
        close = same_type[:3]
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    return "bind an address the plan lists (terraform show -json plan.out lists them)"


def _component_fields(
    component: dict[str, Any],
    index: int,
    matched: list[tuple[Plan, PlannedResource]],
    mapping: Mapping,
    locations: dict[tuple[str, str], Location],
) -> dict[tuple[str, str], FieldEvidence]:
    by_field: dict[str, list[tuple[Plan, ResourceFact]]] = {}
    for plan, resource in matched:
        for fact in resource_facts(resource, mapping, plan, component.get("type")):
            by_field.setdefault(fact.field, []).append((plan, fact))
    out: dict[tuple[str, str], FieldEvidence] = {}
    for name, items in by_field.items():
        facts = tuple(f for _, f in items)
        plan = items[0][0]
        state, value = _combine(name, facts, mapping)
        declared = _declared(component, name)
        is_declared = declared is not _MISSING
        if state == KNOWN and value != NEVER and not _fits_contract(name, value):
            # A value of the wrong type or out of range (30.5 days, a string) is one the mapping
            # does not know: never filled in, never a pass.
            state = UNMAPPED
        if state != KNOWN:
            verdict = OPEN
        elif value == NEVER:
            verdict = CONTRADICTED
        elif not is_declared:
            verdict = FILLED
        else:
            verdict = AGREES if _agrees(name, declared, value, mapping) else CONTRADICTED
        locs = tuple(
            locations.get((p.file, f.address), Location(p.file, path=f.address)) for p, f in items
        )
        out[(component["id"], name)] = FieldEvidence(
            component=component["id"],
            index=index,
            field=name,
            state=state,
            value=value,
            facts=facts,
            plan=plan,
            verdict=verdict,
            declared=declared if is_declared else None,
            is_declared=is_declared,
            locations=tuple(dict.fromkeys(locs)),
        )
    return out


@functools.cache
def _field_adapter(name: str) -> TypeAdapter[Any] | None:
    """A strict validator of one component field, with the contract's constraints."""
    model: Any = dm.Component
    info = None
    for part in name.split("."):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return None
        info = fields[part]
        inner = [a for a in typing.get_args(info.annotation) if a is not type(None)]
        model = inner[0] if len(inner) == 1 else info.annotation
    if info is None:
        return None
    annotated: Any = Annotated[info.annotation, info]  # the field's constraints (ge, le) too
    return TypeAdapter(annotated, config=ConfigDict(strict=True))


def _fits_contract(name: str, value: Any) -> bool:
    adapter = _field_adapter(name)
    if adapter is None:
        return True
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def _declared(component: dict[str, Any], name: str) -> Any:
    node: Any = component
    for part in name.split("."):
        if not isinstance(node, dict) or node.get(part) is None:
            return _MISSING
        node = node[part]
    return node


def _agrees(name: str, declared: Any, value: Any, mapping: Mapping) -> bool:
    rule = mapping.fields.fields[name]
    if rule.combine == "union":
        return isinstance(declared, list) and set(value) <= set(declared)
    return bool(declared == value and type(declared) is type(value))


def _combine(name: str, facts: Sequence[ResourceFact], mapping: Mapping) -> tuple[str, Any]:
    """One state and value from the facts of several resources (fields.yaml says how)."""
    rule = mapping.fields.fields[name]
    known = [f.value for f in facts if f.state == KNOWN]
    pending = [f for f in facts if f.state != KNOWN]
    if rule.combine == "union":
        if pending:
            return pending[0].state, None
        merged: list[Any] = []
        for v in known:
            for item in v if isinstance(v, list) else [v]:
                if item not in merged:
                    merged.append(item)
        return KNOWN, merged
    if rule.combine == "same":
        if pending:
            return pending[0].state, None
        distinct = list(dict.fromkeys(str(v) for v in known))
        return (KNOWN, known[0]) if len(distinct) == 1 else ("conflict", None)
    # worst: a known worst value decides even when another resource is still unknown.
    if any(v == NEVER for v in known):
        return KNOWN, NEVER
    if rule.order is not None:
        ranked = [v for v in known if v in rule.order]
        if len(ranked) != len(known):
            return UNMAPPED, None
        if ranked and min(rule.order.index(v) for v in ranked) == 0:
            return KNOWN, rule.order[0]
        if pending:
            return pending[0].state, None
        return KNOWN, min(ranked, key=rule.order.index)
    if pending:
        return pending[0].state, None
    numbers = [v for v in known if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) != len(known):
        return UNMAPPED, None
    return KNOWN, (min(numbers) if rule.worst == "min" else max(numbers))


def load_evidence(
    deployment: LoadedDeployment,
    plan_paths: Sequence[str],
    *,
    tf_dir: str | None = None,
    limits: Any = None,
) -> Evidence:
    """Read the plans (and, with ``tf_dir``, where their resources are written) and cross-check."""
    from ..loading import DEFAULT_LIMITS
    from .plan import load_plan

    plans = [load_plan(p, limits or DEFAULT_LIMITS) for p in plan_paths]
    seen: dict[str, str] = {}
    for plan in plans:
        if plan.sha256 in seen:
            from ..errors import UsageError

            raise UsageError(
                f"--evidence {plan.file} is the same plan as {seen[plan.sha256]}",
                "give each plan once",
            )
        seen[plan.sha256] = plan.file
    locations: dict[tuple[str, str], Location] = {}
    if tf_dir is not None:
        from .locate import locate_resources

        for plan in plans:
            locations.update(locate_resources(plan, tf_dir))
    return cross_check(deployment, plans, resource_locations=locations)


__all__ = ["Evidence", "FieldEvidence", "cross_check", "load_evidence"]
