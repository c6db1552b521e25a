"""``fedcheck init --from-plan``: a starter description whose components are a plan's resources.

Grouping (docs/terraform.md): one component per resource group. In a module instance
(``module.db["a"]``), the group is every resource of the instance that holds, moves or protects
data, together with the instance's configuration resources (security groups, listeners,
encryption and lock configurations, WAF associations, backup plans). In the root module each
data-holding resource is a group of its own; root configuration resources are listed in a
comment, to be bound by hand. Each evidenced field is written with a comment naming the address
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
    return named, leftover


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
    from ..cli import write_atomic

    write_atomic(path, text)
    return text


__all__ = ["from_plan", "groups", "write_from_plan"]
