"""The CR26 Minimum Assessment Scope (MAS) checks on a deployment description.

MAS-CSO-IIR and MAS-CSO-FLO ask that every information resource of the offering is identified
with its security category and that every information flow is documented and explained;
MAS-CSO-TPR that third-party resources are listed with what they are. On a description that
maps onto: every component states ``data.impact_level``; every data flow states the impact level
of what it carries and a ``description``; every external service states its FedRAMP status.
These are the rule's own facts, so an unstated one fails (it is not a fedcheck convenience field
whose absence only asks for evidence).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .editions import Rules, cr26_data
from .findings import ControlInfo, Evidence, Finding, Location, Severity, Status

Locate = Callable[[tuple[str | int, ...]], Location]

_RULES: dict[str, tuple[str, str]] = {
    "MAS-CSO-IIR": (
        "Every component states the security category of its data.",
        "Set `data.impact_level` (low | moderate | high) on the component.",
    ),
    "MAS-CSO-FLO": (
        "Every data flow states the security category of what it carries and what it is for.",
        "Set `data.impact_level` and a one-sentence `description` on the data flow.",
    ),
    "MAS-CSO-TPR": (
        "Every third-party service is listed with its FedRAMP status.",
        "Set `fedramp_authorization` (none | li-saas | low | moderate | high) on the external service.",
    ),
}


def infos(rules: Rules) -> list[ControlInfo]:
    names: dict[str, str] = cr26_data()["mas"]
    return [
        ControlInfo(rid, rid.lower(), names[rid], "MAS", Severity.HIGH, summary, fix, True, ())
        for rid, (summary, fix) in _RULES.items()
    ]


def _finding(
    rule_id: str,
    ok: bool,
    target: str,
    kind: str,
    message: str,
    location: Location,
    evidence: tuple[Evidence, ...],
) -> Finding:
    names: dict[str, str] = cr26_data()["mas"]
    return Finding(
        control_id=rule_id,
        status=Status.PASS if ok else Status.FAIL,
        severity=Severity.HIGH,
        target=target,
        target_kind=kind,
        message=message,
        title=names[rule_id],
        family="MAS",
        location=location,
        evidence=evidence,
        remediation="" if ok else _RULES[rule_id][1],
    )


def _ev(
    path: tuple[str | int, ...], field: str, actual: Any, expected: str, locate: Locate
) -> Evidence:
    return Evidence(field, actual, expected, locate(path), actual is None)


def evaluate_mas(data: dict[str, Any], locate: Locate) -> list[Finding]:
    out: list[Finding] = []
    for i, c in enumerate(data.get("components") or []):
        if not isinstance(c, dict):
            continue
        level = (c.get("data") or {}).get("impact_level")
        path = ("components", i, "data", "impact_level")
        ev = (_ev(path, "data.impact_level", level, "stated", locate),)
        msg = (
            f"security category {level}"
            if level
            else "the security category of its data is not stated"
        )
        out.append(
            _finding(
                "MAS-CSO-IIR",
                level is not None,
                str(c.get("id")),
                "component",
                msg,
                locate(path),
                ev,
            )
        )
    for i, f in enumerate(data.get("data_flows") or []):
        if not isinstance(f, dict):
            continue
        level = (f.get("data") or {}).get("impact_level")
        text = f.get("description")
        missing = [n for n, v in (("data.impact_level", level), ("description", text)) if not v]
        first = ("data", "impact_level") if "data.impact_level" in missing else ("description",)
        flow_path: tuple[str | int, ...] = (
            ("data_flows", i, *first) if missing else ("data_flows", i)
        )
        flow_ev: tuple[Evidence, ...] = (
            _ev(
                ("data_flows", i, "data", "impact_level"),
                "data.impact_level",
                level,
                "stated",
                locate,
            ),
            _ev(("data_flows", i, "description"), "description", text, "stated", locate),
        )
        msg = (
            f"flow is described (security category {level})"
            if not missing
            else f"flow is not described: {' and '.join(missing)} not stated"
        )
        out.append(
            _finding(
                "MAS-CSO-FLO",
                not missing,
                str(f.get("id")),
                "flow",
                msg,
                locate(flow_path),
                flow_ev,
            )
        )
    for i, s in enumerate(data.get("external_services") or []):
        if not isinstance(s, dict):
            continue
        status = s.get("fedramp_authorization")
        tpr_path: tuple[str | int, ...] = ("external_services", i, "fedramp_authorization")
        tpr_ev = (_ev(tpr_path, "fedramp_authorization", status, "stated", locate),)
        msg = (
            f"third-party resource, FedRAMP status: {status}"
            if status is not None
            else "third-party resource whose FedRAMP status is not stated"
        )
        out.append(
            _finding(
                "MAS-CSO-TPR",
                status is not None,
                str(s.get("id")),
                "service",
                msg,
                locate(tpr_path),
                tpr_ev,
            )
        )
    return out


def third_parties(data: dict[str, Any]) -> list[str]:
    """``name (provider): FedRAMP status`` for every external service, in document order."""
    out = []
    for s in data.get("external_services") or []:
        if isinstance(s, dict):
            who = f" ({s['provider']})" if s.get("provider") else ""
            status = s.get("fedramp_authorization") or "not stated"
            out.append(f"{s.get('name') or s.get('id')}{who}: FedRAMP {status}")
    return out
