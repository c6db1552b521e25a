"""A planned resource's values -> contract facts, with provider-normalized values mapped.

A fact is known (a contract value), unknown (known only after apply: ``after_unknown``),
unmapped (a provider value the mapping does not know: never a pass) or ``never`` (the plan
shows the protection is missing). Values are mapped, never compared as provider strings.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .mapping import NEVER, Condition, Fact, Mapping, ResourceMapping
from .plan import Plan, PlannedResource

KNOWN, UNKNOWN, UNMAPPED, ABSENT = "known", "unknown", "unmapped", "absent"
#: A value the plan marks sensitive: never read into a contract value, never printed.
SENSITIVE = "sensitive"
#: What stands for a sensitive value wherever one would be shown.
REDACTED = "(sensitive)"


@dataclass(frozen=True)
class ResourceFact:
    """What one resource states about one contract field."""

    field: str
    state: str  # known | unknown | unmapped | sensitive
    value: Any  # the contract value (or NEVER) when known; the raw value when unmapped
    address: str
    attribute: str  # the attribute read, or "" for a constant fact
    raw: Any  # the provider's value as the plan states it


_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[(?:[0-9]+|\*)\])*)")
_INDEX = re.compile(r"\[([0-9]+|\*)\]")


def _parts(attribute: str) -> list[str | int]:
    """``rule[*].schedule`` -> ["rule", "*", "schedule"]. Attribute names hold no dots."""
    out: list[str | int] = []
    for piece in attribute.split("."):
        match = _STEP.fullmatch(piece)
        if match is None:
            raise ValueError(f"bad attribute path {attribute!r}")
        out.append(match.group(1))
        for index in _INDEX.findall(match.group(2)):
            out.append("*" if index == "*" else int(index))
    return out


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def lookup(values: Any, unknown: Any, attribute: str) -> tuple[str, Any]:
    """(state, value) of an attribute: known, unknown (after apply) or absent."""
    return _walk(values, unknown, _parts(attribute))


def _walk(value: Any, unknown: Any, parts: list[str | int]) -> tuple[str, Any]:
    for i, part in enumerate(parts):
        if unknown is True:
            return UNKNOWN, None
        if part == "*":
            if not isinstance(value, list):
                return (UNKNOWN, None) if unknown is True else (ABSENT, None)
            items: list[Any] = []
            for j, item in enumerate(value):
                sub_unknown = unknown[j] if isinstance(unknown, list) and j < len(unknown) else {}
                state, got = _walk(item, sub_unknown, parts[i + 1 :])
                if state == UNKNOWN:
                    return UNKNOWN, None
                if state == KNOWN:
                    items.append(got)
            # Unknown elements may be listed beyond the known ones (a block added at apply).
            if isinstance(unknown, list) and len(unknown) > len(value):
                return UNKNOWN, None
            return (KNOWN, items) if items else (ABSENT, None)
        if isinstance(part, int):
            next_unknown = (
                unknown[part] if isinstance(unknown, list) and part < len(unknown) else {}
            )
            if not isinstance(value, list) or part >= len(value):
                return (UNKNOWN, None) if next_unknown is True else (ABSENT, None)
            value, unknown = value[part], next_unknown
        else:
            next_unknown = unknown.get(part, {}) if isinstance(unknown, dict) else {}
            if not isinstance(value, dict) or part not in value:
                return (UNKNOWN, None) if next_unknown is True else (ABSENT, None)
            value, unknown = value[part], next_unknown
    if unknown is True:
        return UNKNOWN, None
    if _empty(value):
        return ABSENT, None
    return KNOWN, value


def is_sensitive(sensitive: Any, attribute: str) -> bool:
    """Whether the plan marks the attribute (or a value on the way to it, or any element a
    ``[*]`` reads) sensitive."""
    return _marked(sensitive, _parts(attribute))


def _marked(node: Any, parts: list[str | int]) -> bool:
    for i, part in enumerate(parts):
        if node is True:
            return True
        if part == "*":
            return isinstance(node, list) and any(_marked(x, parts[i + 1 :]) for x in node)
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return False
    return node is True or (isinstance(node, (dict, list)) and _any_marked(node))


def _any_marked(node: Any) -> bool:
    if node is True:
        return True
    if isinstance(node, dict):
        return any(_any_marked(v) for v in node.values())
    if isinstance(node, list):
        return any(_any_marked(v) for v in node)
    return False


def _key(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw)


_CRON = re.compile(r"cron\((.+)\)\Z")
_RATE = re.compile(r"rate\(\s*([0-9]+)\s+(minute|minutes|hour|hours|day|days)\s*\)\Z")


def _schedule_hours(expression: str) -> int | None:
    """Hours between runs of an AWS schedule expression; None when it cannot be told."""
    rate = _RATE.fullmatch(expression.strip())
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2)
        every = amount / 60 if unit.startswith("minute") else amount * (24 if "day" in unit else 1)
        return max(1, math.ceil(every))
    cron = _CRON.fullmatch(expression.strip())
    if not cron:
        return None
    fields = cron.group(1).split()
    if len(fields) != 6:
        return None
    _minutes, hour_field, dom, _month, dow, _year = fields
    hours = hour_field
    if hours == "*" or hours.startswith("*/") or hours.startswith("0/"):
        step = hours.split("/")[1] if "/" in hours else "1"
        return int(step) if step.isdigit() else None
    if dom in ("*", "?") and dow in ("*", "?"):
        count = len(hours.split(",")) if re.fullmatch(r"[0-9]+(,[0-9]+)*", hours) else None
        return 24 // count if count else None
    if dow not in ("*", "?") and re.fullmatch(r"[A-Za-z0-9]+", dow):
        return 168  # one day of the week
    return None


_ISO_DURATION = re.compile(r"P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?\Z")
_OPEN = frozenset(("0.0.0.0/0", "::/0", "*", "internet", "any"))


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [x for item in value for x in _flatten(item)]
    return [value]


def convert(name: str, raw: Any, mapping: Mapping) -> tuple[str, Any]:
    """Apply a converter; (state, value), where an unreadable raw value is unmapped."""
    if name == "nonempty":
        return KNOWN, not _empty(raw)
    if name == "negate":
        return (KNOWN, not raw) if isinstance(raw, bool) else (UNMAPPED, raw)
    if name == "positive":
        ok = isinstance(raw, (int, float)) and not isinstance(raw, bool)
        return (KNOWN, raw > 0) if ok else (UNMAPPED, raw)
    if name == "open_cidr":
        return KNOWN, any(str(v).strip().lower() in _OPEN for v in _flatten(raw))
    if name == "seconds_to_days":
        match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)s", str(raw))
        if not match:
            return UNMAPPED, raw
        return KNOWN, max(1, math.ceil(float(match.group(1)) / 86_400))
    if name == "iso_duration_days":
        match = _ISO_DURATION.fullmatch(str(raw))
        if not match or not any(match.groups()):
            return UNMAPPED, raw
        years, months, weeks, days = (int(g or 0) for g in match.groups())
        return KNOWN, years * 365 + months * 31 + weeks * 7 + days
    if name == "schedule_hours":
        schedules = [_schedule_hours(str(v)) for v in _flatten(raw)]
        if not schedules or any(s is None for s in schedules):
            return UNMAPPED, raw
        return KNOWN, min(s for s in schedules if s is not None)
    if name == "region_country":
        country = mapping.regions.get(str(raw).lower().replace(" ", ""))
        return (KNOWN, country) if country else (UNMAPPED, raw)
    raise ValueError(f"unknown converter {name}")  # the mapping model allows none other


def _condition(cond: Condition, resource: PlannedResource) -> bool | None:
    """True, False, or None when the attribute is known only after apply."""
    state, value = lookup(resource.values, resource.unknown, cond.attribute)
    if state == UNKNOWN:
        return None
    if "set" in cond.model_fields_set:
        return (state == KNOWN) is cond.set
    if cond.is_in is not None:
        return value in cond.is_in
    return bool(value == cond.equals and type(value) is type(cond.equals))


def _fact(fact: Fact, resource: PlannedResource, mapping: Mapping) -> ResourceFact | None:
    address = resource.address
    for cond in fact.when:
        holds = _condition(cond, resource)
        if holds is None:
            return ResourceFact(fact.field, UNKNOWN, None, address, cond.attribute, None)
        if not holds:
            return None
    if fact.attribute is None:
        return ResourceFact(fact.field, KNOWN, fact.value, address, "", fact.value)
    state, raw = lookup(resource.values, resource.unknown, fact.attribute)
    if state == UNKNOWN:
        return ResourceFact(fact.field, UNKNOWN, None, address, fact.attribute, None)
    if state == KNOWN and resource.sensitive and is_sensitive(resource.sensitive, fact.attribute):
        if fact.convert == "nonempty" and fact.map is None:
            # Only that a value is set is used (a key id is given), never the value itself.
            return ResourceFact(fact.field, KNOWN, True, address, fact.attribute, REDACTED)
        return ResourceFact(fact.field, SENSITIVE, None, address, fact.attribute, REDACTED)
    if state == ABSENT:
        if not fact.has_absent:
            return None
        return ResourceFact(fact.field, KNOWN, fact.absent, address, fact.attribute, None)
    value = raw
    if fact.convert is not None:
        state, value = convert(fact.convert, raw, mapping)
        if state == UNMAPPED:
            return ResourceFact(fact.field, UNMAPPED, raw, address, fact.attribute, raw)
    if fact.map is not None:
        key = _key(value)
        if key in fact.map:
            value = fact.map[key]
        elif fact.unmapped == "skip":
            return None
        elif fact.unmapped == "unknown":
            return ResourceFact(fact.field, UNMAPPED, raw, address, fact.attribute, raw)
    return ResourceFact(fact.field, KNOWN, value, address, fact.attribute, raw)


def resource_facts(
    resource: PlannedResource,
    mapping: Mapping,
    plan: Plan,
    component_type: str | None = None,
) -> list[ResourceFact]:
    """Every fact one resource states, at most one per field (the first fact that applies)."""
    entry: ResourceMapping | None = mapping.resource(resource.type)
    if entry is None:
        return []
    out: dict[str, ResourceFact] = {}
    for fact in entry.facts:
        if fact.field in out:
            continue
        if fact.component_types is not None and component_type not in fact.component_types:
            continue
        got = _fact(fact, resource, mapping)
        if got is not None:
            out[fact.field] = got
    if entry.holds_data:
        out.update(_location_facts(resource, mapping, plan))
    return list(out.values())


def _location_facts(
    resource: PlannedResource, mapping: Mapping, plan: Plan
) -> dict[str, ResourceFact]:
    provider = next(
        (p for p in mapping.providers.values() if p.provider == resource.provider), None
    )
    if provider is None:
        return {}
    region: Any = None
    attribute = ""
    for name in provider.region_attributes:
        state, value = lookup(resource.values, resource.unknown, name)
        if state == KNOWN and resource.sensitive and is_sensitive(resource.sensitive, name):
            fact = ResourceFact("hosting.region", SENSITIVE, None, resource.address, name, REDACTED)
            return {"hosting.region": fact}
        if state == KNOWN and isinstance(value, str):
            region, attribute = value, name
            break
    if region is None:
        configured = {
            v for k, v in plan.provider_regions.items() if k.split(".")[0] == resource.provider
        }
        if len(configured) == 1:
            region, attribute = configured.pop(), "provider region"
    if region is None:
        return {}
    address = resource.address
    out = {
        "hosting.region": ResourceFact("hosting.region", KNOWN, region, address, attribute, region)
    }
    state, country = convert("region_country", region, mapping)
    if state == KNOWN:
        out["hosting.data_location"] = ResourceFact(
            "hosting.data_location", KNOWN, country, address, attribute, region
        )
    return out


def show(value: Any) -> str:
    if value == NEVER:
        return "never (none configured)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


__all__ = [
    "REDACTED",
    "SENSITIVE",
    "ResourceFact",
    "convert",
    "is_sensitive",
    "lookup",
    "resource_facts",
    "show",
]
