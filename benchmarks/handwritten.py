"""The rules of benchmarks/subset.yaml written by hand as plain Python over the loaded dicts.

This is the practical floor for evaluation: no compilation, no findings, no positions, just a
function per control that answers "does this target fail?". A field that is not stated fails,
as it does in fedcheck (every field these rules read is part of the deployment contract).
``failures(data)`` returns the set of (control id, target kind, target id) that fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LEVEL = {"none": 0, "li-saas": 1, "low": 2, "moderate": 3, "high": 4}
TLS = {"1.0": 0, "1.1": 1, "1.2": 2, "1.3": 3}
INTERACTIVE = frozenset({"web_app", "api", "identity_provider", "ai_model"})
STORES = frozenset({"database", "object_storage", "logging", "queue"})
EVENTS = frozenset(
    {
        "authentication",
        "authorization",
        "privileged_actions",
        "data_access",
        "configuration_changes",
    }
)
EDGE = frozenset({"waf", "firewall", "load_balancer"})
_NONE: dict[str, Any] = {}


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


class Context:
    """What a rule may look up besides its target: the system and the flows into each object."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.system = data.get("system") or _NONE
        self.inbound_levels: dict[str, list[Any]] = {}
        for f in data.get("data_flows") or ():
            self.inbound_levels.setdefault(f["to"], []).append(_get(f, "data", "impact_level"))


# --- components: each returns True when the component fails the control --------------------


def ac_11(c: dict[str, Any], ctx: Context) -> bool:
    if c.get("type") not in INTERACTIVE:
        return False
    v = _get(c, "access", "session_timeout_minutes")
    return v is None or v > 15


def ac_7(c: dict[str, Any], ctx: Context) -> bool:
    if c.get("type") not in INTERACTIVE:
        return False
    v = _get(c, "access", "lockout", "max_attempts")
    return v is None or v > 3


def ac_2_3(c: dict[str, Any], ctx: Context) -> bool:
    v = _get(c, "access", "inactive_account_disable_days")
    return v is None or v > 35


def ac_3(c: dict[str, Any], ctx: Context) -> bool:
    return _get(c, "access", "authorization") not in ("rbac", "abac")


def ac_6_2(c: dict[str, Any], ctx: Context) -> bool:
    return _get(c, "access", "privileged", "separate_accounts") is not True


def ac_20(c: dict[str, Any], ctx: Context) -> bool:
    v = _get(c, "hosting", "fedramp_authorization")
    want = ctx.system.get("impact_level")
    return v is None or want is None or LEVEL[v] < LEVEL[want]


def ia_2_1(c: dict[str, Any], ctx: Context) -> bool:
    return _get(c, "access", "privileged", "mfa") is not True


def ia_2_2(c: dict[str, Any], ctx: Context) -> bool:
    if c.get("type") not in INTERACTIVE:
        return False
    return _get(c, "access", "authentication", "mfa") is not True


def ia_2_12(c: dict[str, Any], ctx: Context) -> bool:
    if _get(c, "network", "public") is not True:
        return False
    return _get(c, "access", "authentication", "piv") is not True


def au_2(c: dict[str, Any], ctx: Context) -> bool:
    if _get(c, "logging", "enabled") is not True:
        return True
    events = _get(c, "logging", "events")
    return events is None or not EVENTS.issubset(events)


def au_6(c: dict[str, Any], ctx: Context) -> bool:
    v = _get(c, "logging", "review_frequency_days")
    return v is None or v > 7


def au_6_4(c: dict[str, Any], ctx: Context) -> bool:
    return _get(c, "logging", "centralized") is not True


def au_9(c: dict[str, Any], ctx: Context) -> bool:
    return _get(c, "logging", "tamper_protected") is not True


def au_11(c: dict[str, Any], ctx: Context) -> bool:
    total = _get(c, "logging", "retention_days")
    active = _get(c, "logging", "active_retention_days")
    return total is None or total < 913 or active is None or active < 365


def sc_7(c: dict[str, Any], ctx: Context) -> bool:
    if _get(c, "network", "public") is not True:
        return False
    v = _get(c, "network", "boundary_protection")
    return v is None or EDGE.isdisjoint(v)


def sc_8_component(c: dict[str, Any], ctx: Context) -> bool:
    v = _get(c, "encryption", "in_transit", "tls_min_version")
    return v is None or TLS[v] < TLS["1.2"]


def sc_13_component(c: dict[str, Any], ctx: Context) -> bool:
    return _get(c, "encryption", "in_transit", "fips_validated") is not True


def sc_28(c: dict[str, Any], ctx: Context) -> bool:
    return _get(c, "encryption", "at_rest", "enabled") is not True


def sc_28_1(c: dict[str, Any], ctx: Context) -> bool:
    return _get(c, "encryption", "at_rest", "fips_validated") is not True


def cp_9(c: dict[str, Any], ctx: Context) -> bool:
    if c.get("type") not in STORES:
        return False
    if _get(c, "backup", "enabled") is not True:
        return True
    v = _get(c, "backup", "frequency_hours")
    return v is None or v > 24


def cp_9_1(c: dict[str, Any], ctx: Context) -> bool:
    if c.get("type") not in STORES:
        return False
    v = _get(c, "backup", "last_restore_test_days")
    return v is None or v > 365


def cp_9_8(c: dict[str, Any], ctx: Context) -> bool:
    if c.get("type") not in STORES:
        return False
    return _get(c, "backup", "encrypted") is not True


def cp_6(c: dict[str, Any], ctx: Context) -> bool:
    if c.get("type") not in STORES:
        return False
    return _get(c, "backup", "alternate_site") is not True


def ra_5(c: dict[str, Any], ctx: Context) -> bool:
    scan = _get(c, "vulnerability_management", "scan_frequency_days")
    high = _get(c, "vulnerability_management", "remediation_days", "high")
    return scan is None or scan > 30 or high is None or high > 30


def sa_9_5_component(c: dict[str, Any], ctx: Context) -> bool:
    return _get(c, "hosting", "data_location") != "us"


# --- external services ---------------------------------------------------------------------


def sa_9(s: dict[str, Any], ctx: Context) -> bool:
    if s.get("interconnection_agreement") is not True:
        return True
    auth = s.get("fedramp_authorization")
    if auth is None:
        return True
    levels = ctx.inbound_levels.get(s["id"], ())
    if any(x is None for x in levels):
        return True
    return bool(levels) and LEVEL[auth] < max(LEVEL[x] for x in levels)


def sa_9_5_service(s: dict[str, Any], ctx: Context) -> bool:
    return s.get("data_location") != "us"


# --- data flows ----------------------------------------------------------------------------


def sc_8_flow(f: dict[str, Any], ctx: Context) -> bool:
    v = _get(f, "encryption", "tls_min_version")
    return v is None or TLS[v] < TLS["1.2"]


def sc_13_flow(f: dict[str, Any], ctx: Context) -> bool:
    return _get(f, "encryption", "fips_validated") is not True


# --- the system ------------------------------------------------------------------------------


def ir_6(s: dict[str, Any], ctx: Context) -> bool:
    return _get(s, "incident_response", "reports_to_cisa") is not True


Rule = Callable[[dict[str, Any], Context], bool]

#: target kind -> [(control id, function)], in the order of benchmarks/subset.yaml.
RULES: dict[str, list[tuple[str, Rule]]] = {
    "component": [
        ("AC-11", ac_11),
        ("AC-7", ac_7),
        ("AC-2(3)", ac_2_3),
        ("AC-3", ac_3),
        ("AC-6(2)", ac_6_2),
        ("AC-20", ac_20),
        ("IA-2(1)", ia_2_1),
        ("IA-2(2)", ia_2_2),
        ("IA-2(12)", ia_2_12),
        ("AU-2", au_2),
        ("AU-6", au_6),
        ("AU-6(4)", au_6_4),
        ("AU-9", au_9),
        ("AU-11", au_11),
        ("SC-7", sc_7),
        ("SC-8", sc_8_component),
        ("SC-13", sc_13_component),
        ("SC-28", sc_28),
        ("SC-28(1)", sc_28_1),
        ("CP-9", cp_9),
        ("CP-9(1)", cp_9_1),
        ("CP-9(8)", cp_9_8),
        ("CP-6", cp_6),
        ("RA-5", ra_5),
        ("SA-9(5)", sa_9_5_component),
    ],
    "service": [("SA-9", sa_9), ("SA-9(5)", sa_9_5_service)],
    "flow": [("SC-8", sc_8_flow), ("SC-13", sc_13_flow)],
    "system": [("IR-6", ir_6)],
}

CONTROL_IDS: frozenset[str] = frozenset(cid for rules in RULES.values() for cid, _ in rules)


def failures(data: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Every (control id, target kind, target id) that fails, over a deployment's plain data."""
    ctx = Context(data)
    out: set[tuple[str, str, str]] = set()
    add = out.add
    targets = {
        "component": data.get("components") or (),
        "service": data.get("external_services") or (),
        "flow": data.get("data_flows") or (),
        "system": [ctx.system],
    }
    for kind, rules in RULES.items():
        items = targets[kind]
        for cid, rule in rules:
            for t in items:
                if rule(t, ctx):
                    add((cid, kind, t["id"]))
    return out
