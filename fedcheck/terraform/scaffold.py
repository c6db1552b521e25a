"""``fedcheck init --from-plan``: a starter description whose components are a plan's resources.

Grouping (docs/terraform.md): one component per resource group. In a module instance
(``module.db["a"]``), the group is every resource of the instance that holds, moves or protects
data, together with the instance's configuration resources (security groups, listeners,
encryption and lock configurations, WAF associations, backup plans). In the root module each
data-holding resource is a group of its own, with the root configuration resources the plan's
``configuration`` wires to it (either refers to the other); the rest are listed in a comment,
to be bound by hand. Each evidenced field is written with a comment naming the address
it came from; what a plan cannot evidence is left as the ``# TODO`` decisions of ``fedcheck
init``, which fail until set.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from ..deployment import SCHEMA_ID
from ..errors import UsageError
from .crosscheck import FILLED, _component_fields
from .mapping import load_mapping
from .plan import Plan, PlannedResource, load_plan

_TODO = {
    "data.impact_level": "TODO: FIPS 199 level of the data it holds (low | moderate | high)",
    "data.types": "TODO: the kinds of data, e.g. [cui, pii]",
    "hosting.fedramp_authorization": "TODO: the service's FedRAMP authorization (none | li-saas | low | moderate | high)",
    "backup.last_restore_test_days": "TODO: days since backups were last test-restored (CP-4, CP-9)",
}


def _ident(text: str) -> str:
    ident = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return ident[:120] or "resource"


def groups(plan: Plan) -> tuple[list[tuple[str, list[PlannedResource]]], list[PlannedResource]]:
    """(component id, resources) in plan order, and the root configuration resources left over."""
    mapping = load_mapping()
    out: dict[str, list[PlannedResource]] = {}
    config: dict[str, list[PlannedResource]] = {}
    for resource in plan:
        entry = mapping.resource(resource.type)
        if entry is None:
            continue
        module = resource.parsed.module
        if entry.holds_data:
            key = module or str(resource.address)
            out.setdefault(key, []).append(resource)
        else:
            config.setdefault(module, []).append(resource)
    leftover = config.pop("", [])
    named: list[tuple[str, list[PlannedResource]]] = []
    seen: set[str] = set()
    for key, members in out.items():
        ident = _ident(key.replace("module.", "") if key.startswith("module.") else key)
        while ident in seen:
            ident += "-x"
        seen.add(ident)
        module = members[0].parsed.module
        named.append((ident, members + (config.get(module, []) if module else [])))
    for module, members in config.items():
        if not any(m[1][0].parsed.module == module for m in named):
            leftover.extend(members)
    return _bind_by_reference(plan, named, leftover)


_REFERENCE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)")
_NOT_RESOURCES = frozenset(("var", "local", "module", "data", "path", "count", "each", "self"))


def _references(node: Any, out: set[tuple[str, str]]) -> None:
    """Every ``type.name`` a configuration expression refers to (read, never split on dots)."""
    if isinstance(node, dict):
        refs = node.get("references")
        if isinstance(refs, list):
            for ref in refs:
                match = _REFERENCE.match(ref) if isinstance(ref, str) else None
                if match and match.group(1) not in _NOT_RESOURCES:
                    out.add((match.group(1), match.group(2)))
        for value in node.values():
            _references(value, out)
    elif isinstance(node, list):
        for value in node:
            _references(value, out)


def _bind_by_reference(
    plan: Plan,
    named: list[tuple[str, list[PlannedResource]]],
    leftover: list[PlannedResource],
) -> tuple[list[tuple[str, list[PlannedResource]]], list[PlannedResource]]:
    """Bind each root configuration resource to every root component it is wired to in the
    configuration: one refers to the other (a listener's load_balancer_arn, an instance's
    vpc_security_group_ids). Terraform's own references, never a guess from names; a resource
    wired to no component stays listed for a person to bind."""
    resources = (plan.configuration.get("root_module") or {}).get("resources") or ()
    refers: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for item in resources:
        if isinstance(item, dict) and item.get("mode", "managed") == "managed":
            found: set[tuple[str, str]] = set()
            _references(item.get("expressions"), found)
            refers[(str(item.get("type")), str(item.get("name")))] = found
    if not refers:
        return named, leftover
    owner: dict[tuple[str, str], list[int]] = {}
    for i, (_, members) in enumerate(named):
        for r in members:
            if not r.parsed.module_path:
                owner.setdefault((r.type, r.parsed.name), []).append(i)
    # Configuration resources wired to a bound one (a rule to its security group) follow it:
    # repeat until nothing more is bound.
    links: dict[int, set[int]] = {}
    pending = [r for r in leftover if not r.parsed.module_path]
    changed = True
    while changed:
        changed = False
        for index, resource in enumerate(pending):
            key = (resource.type, resource.parsed.name)
            linked = {i for ref in refers.get(key, ()) for i in owner.get(ref, ())}
            linked.update(i for k, ids in owner.items() if key in refers.get(k, ()) for i in ids)
            if linked - links.get(index, set()):
                links.setdefault(index, set()).update(linked)
                owner.setdefault(key, [])
                owner[key] = sorted(set(owner[key]) | linked)
                changed = True
    extra: dict[int, list[PlannedResource]] = {}
    still = [r for r in leftover if r.parsed.module_path]
    for index, resource in enumerate(pending):
        if not links.get(index):
            still.append(resource)
            continue
        for i in sorted(links[index]):
            extra.setdefault(i, []).append(resource)
    bound = [(ident, members + extra.get(i, [])) for i, (ident, members) in enumerate(named)]
    return bound, still


def _set(tree: dict[str, Any], dotted: str, leaf: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[last] = leaf


def _emit(tree: dict[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key, node in tree.items():
        if isinstance(node, dict):
            lines.append(f"{pad}{key}:")
            _emit(node, indent + 2, lines)
        else:
            value, comment = node
            text = "" if value is None else " " + json.dumps(value)
            lines.append(f"{pad}{key}:{text}  # {comment}")


def from_plan(plan: Plan, impact_level: str, path: str) -> str:
    """The text of a starter description built from ``plan``."""
    mapping = load_mapping()
    named, leftover = groups(plan)
    plan_name = os.path.basename(plan.file)
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_ID}",
        "#",
        f"# Written by `fedcheck init --from-plan {plan_name}` for a FedRAMP "
        f"{impact_level.capitalize()} system. Check it with:",
        "#",
        f"#     fedcheck check {path} --evidence {plan_name}",
        "#",
        "# One component per resource group (docs/terraform.md). Fields filled in are evidenced by",
        "# the plan (the comment names the resource); `# TODO` marks a decision the plan cannot",
        "# make, left unset so that it fails until you set it. Fields a plan cannot evidence and",
        "# that are not written here are not stated: the controls that need them fail or ask for",
        "# evidence until you add them (`fedcheck init` without --from-plan shows every field).",
    ]
    if leftover:
        lines.append(
            "# Configuration resources outside any module instance that holds data, to bind by"
        )
        lines.append("# hand to the component they protect (add their address to its iac list):")
        lines.extend(f"#   {r.address}" for r in leftover)
    lines += [
        "version: 1",
        "system:",
        "  id: new-system  # EDIT: short identifier, lowercase letters, digits and -",
        f"  impact_level: {impact_level}",
        "  incident_response:",
        "    contact:  # TODO: who receives security incident reports (IR-6)",
        "    reports_to_cisa: false  # TODO: true once incidents are reported to CISA (IR-6)",
        "components:",
    ]
    if not named:
        lines.append("  []  # the plan holds no resource that holds, moves or protects data")
    for ident, members in named:
        first = mapping.resource(members[0].type)
        ctype = first.component_type if first else "other"
        component = {"id": ident, "type": ctype, "iac": [r.address for r in members]}
        fields = _component_fields(component, 0, [(plan, r) for r in members], mapping, {})
        # The data's FIPS 199 level is a decision about the data, never a plan's fact: left
        # unset (it fails RA-2, and no scope that reads it is decided by it) until a person
        # categorizes the data, even though the system's level is known.
        tree: dict[str, Any] = {"data": {"impact_level": (None, _TODO["data.impact_level"])}}
        _set(tree, "data.types", (None, _TODO["data.types"]))
        _set(tree, "hosting.provider", (members[0].provider, f"evidenced by {members[0].address}"))
        _set(tree, "hosting.fedramp_authorization", (None, _TODO["hosting.fedramp_authorization"]))
        for (_, name), fe in sorted(fields.items()):
            if fe.verdict == FILLED:
                _set(tree, name, (fe.value, f"evidenced by {fe.addresses}"))
            else:
                why = (
                    "known only after apply"
                    if fe.state == "unknown"
                    else "marked sensitive (never copied)"
                    if fe.state == "sensitive"
                    else f"{fe.state} in the plan"
                )
                _set(tree, name, (None, f"TODO: {why} on {fe.addresses}; set it after apply"))
        for key, fe in fields.items():
            if fe.verdict == "contradicted":  # never: the protection is missing
                _set(tree, key[1], (None, f"TODO: {fe.addresses} has none; fix the resource"))
        _set(tree, "backup.last_restore_test_days", (None, _TODO["backup.last_restore_test_days"]))
        lines.append(f"  - id: {ident}")
        lines.append(f"    type: {ctype}")
        lines.append("    iac:")
        lines.extend(f"      - {json.dumps(r.address)}" for r in members)
        _emit(tree, 4, lines)
    return "\n".join(lines) + "\n"


def write_from_plan(
    plan_path: str, path: str, impact_level: str = "moderate", *, force: bool = False
) -> str:
    """Write the starter built from a plan; refuse to replace a file unless ``force``."""
    if os.path.exists(path) and not force:
        raise UsageError(
            f"{path} already exists; fedcheck init does not overwrite it",
            "choose another PATH, or add --force to replace the file",
        )
    text = from_plan(load_plan(plan_path), impact_level, path)
    from ..outputs import write_atomic

    write_atomic(path, text)
    return text


__all__ = ["from_plan", "groups", "write_from_plan"]
