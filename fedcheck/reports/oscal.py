"""Render a Result as OSCAL 1.1.3 JSON: assessment results (every control) and a FedRAMP POA&M.

Both follow FedRAMP's OSCAL guides where fedcheck knows the facts: the tool is a component and
the origin of every observation; observations name the affected assets (inventory items) and
say how a fact was established (``EXAMINE`` for a fact declared in a description, ``TEST`` only
for one a machine source such as a Terraform plan evidences); risks carry FedRAMP likelihood
and impact facets, a deadline and a planned remediation with a milestone; POA&M items carry a
``POAM-ID`` and one risk each, naming every ``impacted-control-id`` of their root cause.

Observation and result identifiers are UUID v5 of a digest of the run's inputs, so the same
inputs give the same document. A POA&M item, its risk and its ``POAM-ID`` are named by the
system and the weakness only, so they stay the same from one month's POA&M to the next.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from ..findings import ControlInfo, Evidence, Finding, Result, Risk, Status, Waiver
from ..risk import REMEDIATION_DAYS, evaluation_day, rate_finding, root_causes
from ._common import (
    SUMMARIZABLE,
    ControlSummary,
    RawJSON,
    _pretty,
    compact_json,
    inputs_digest,
    one_line,
    pretty_json,
    show_value,
    summarize,
    summarized_statuses,
)

OSCAL_VERSION = "1.1.3"
#: The namespace of fedcheck's UUIDs (itself a v5 UUID of fedcheck's OSCAL namespace URN).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:fedcheck:oscal")
#: The namespace of fedcheck's own OSCAL properties.
FEDCHECK_NS = "urn:fedcheck:oscal"
#: FedRAMP's namespace for its OSCAL extensions (POAM-ID, impacted-control-id, deviations).
FEDRAMP_NS = "https://fedramp.gov/ns/oscal"
#: The ``system`` of FedRAMP's likelihood and impact facets.
FEDRAMP_SYSTEM = "https://fedramp.gov"
#: Waiver types that are FedRAMP deviation requests (the rest are POA&M items).
DEVIATION_TYPES = ("risk_adjustment", "operational_requirement", "false_positive")
#: Evidence sources that are not a machine reading (the fact is declared by a person).
DECLARED_SOURCES = ("", "declared")

_OPEN = (Status.ERROR, Status.FAIL, Status.WAIVED)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


_NAMESPACE_BYTES = NAMESPACE.bytes


def uuid5(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))``, computed without building a UUID object.

    A report of a large system names hundreds of thousands of objects; the standard library's
    UUID class spends most of that time validating and converting what is already right.
    """
    return _uuid_text(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).hexdigest())


#: The RFC 4122 variant of a UUID's 17th hex digit: its top two bits set to 10.
_VARIANT = {c: "89ab"[int(c, 16) & 0x3] for c in "0123456789abcdef"}


def _uuid_text(x: str) -> str:
    """The version 5 UUID of the hex SHA-1 digest ``x``: version 5, RFC 4122 variant."""
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:32]}"


class _Namer:
    """``uuid5(prefix + name)`` for one prefix, which is hashed once."""

    def __init__(self, prefix: str) -> None:
        self._base = hashlib.sha1(_NAMESPACE_BYTES + prefix.encode("utf-8"))

    def __call__(self, name: str) -> str:
        h = self._base.copy()
        h.update(name.encode("utf-8"))
        return _uuid_text(h.hexdigest())


#: Kinds of object that many others refer to (each named once, referred to thousands of times).
_REPEATED = frozenset(["asset", "component", "party", "platform"])


class _Ids:
    """Stable UUIDs for one Result."""

    def __init__(self, result: Result) -> None:
        self.digest = inputs_digest(result)
        self.system = str(result.system.get("id") or "")
        self._run = _Namer(self.digest + "|")
        self._lasting_namer = _Namer(f"lasting|{self.system}|")
        # A finding is named by control, target and field; a repeat of the same name (several
        # findings of one control on one target) is told apart by its occurrence number.
        self.keys: dict[int, str] = {}
        keys = self.keys
        seen: dict[str, int] = {}
        for f in result.findings:
            location = f.location
            path = location.path if location and location.path else ""
            key = "|".join((f.control_id, f.target, path))
            n = seen.get(key)
            if n is None:
                seen[key] = 1
                keys[id(f)] = key
            else:
                seen[key] = n + 1
                keys[id(f)] = f"{key}|{n + 1}"
        # Assets and the tool are named once per subject or origin: computed once.
        self._lasting: dict[tuple[str, ...], str] = {}
        self._props: dict[int, list[dict[str, str]]] = {}
        # A finding's observation is referred to by its finding, its risk and its POA&M item.
        self._observations: dict[int, str] = {}

    def __call__(self, *what: str) -> str:
        return self._run("|".join(what))

    def props(self, f: Finding) -> list[dict[str, str]]:
        """The properties of ``f``, built once for its observation and its finding (the
        document holds the same values twice; nothing changes them after they are built)."""
        known = self._props.get(id(f))
        if known is None:
            known = self._props[id(f)] = _finding_props(f)
        return known

    def of(self, kind: str, f: Finding) -> str:
        if kind == "observation":
            return self.observation(f)
        return self._run(f"{kind}|{self.keys[id(f)]}")

    def observation(self, f: Finding) -> str:
        """The UUID of ``f``'s observation (``of("observation", f)``), computed once."""
        known = self._observations.get(id(f))
        if known is None:
            known = self._observations[id(f)] = self._run(f"observation|{self.keys[id(f)]}")
        return known

    def lasting(self, *what: str) -> str:
        """A UUID that depends on the system and ``what`` only, not on this run's inputs."""
        if what[0] not in _REPEATED:
            return self._lasting_namer("|".join(what))
        known = self._lasting.get(what)
        if known is None:
            known = self._lasting[what] = self._lasting_namer("|".join(what))
        return known


@lru_cache(maxsize=4096)
def token(text: str) -> str:
    """``text`` as an OSCAL token (an XML NCName): other characters become ``_``."""
    chars = [c if c.isalnum() or c in "._-" else "_" for c in text]
    if not chars or not (chars[0].isalpha() or chars[0] == "_"):
        chars.insert(0, "_")
    return "".join(chars)


def string(text: Any) -> str:
    """``text`` as an OSCAL string property value: one line, not empty."""
    if isinstance(text, str):
        return _one_line_str(text)
    return one_line(show_value(text)) or "-"


@lru_cache(maxsize=8192)
def _one_line_str(text: str) -> str:
    # Statuses, severities, control ids and targets repeat in every finding.
    return " ".join(text.split()) or "-"


def _named(f: Finding) -> str:
    return f"{f.control_id} {f.title}" if f.title else f.control_id


def _prop(name: str, value: Any, ns: str | None = FEDCHECK_NS) -> dict[str, str]:
    if isinstance(value, str):
        return _str_prop(name, value, ns).copy()
    prop = {"name": name, "value": string(value)}
    if ns is not None:
        prop["ns"] = ns
    return prop


@lru_cache(maxsize=8192)
def _str_prop(name: str, value: str, ns: str | None) -> dict[str, str]:
    # Statuses, severities, control ids and targets repeat in every finding.
    prop = {"name": name, "value": _one_line_str(value)}
    if ns is not None:
        prop["ns"] = ns
    return prop


def _day_end(day: str) -> str | None:
    return f"{day}T23:59:59Z" if _DATE.match(day) else None


def _day_start(day: str) -> str | None:
    return f"{day}T00:00:00Z" if _DATE.match(day) else None


def _oscal_id(f: Finding, infos: dict[str, ControlInfo]) -> str:
    info = infos.get(f.control_id)
    return token(info.oscal_id if info is not None else f.control_id.lower())


# --- metadata, parties and the tool ----------------------------------------------------------


def _metadata(result: Result, ids: _Ids, title: str) -> dict[str, Any]:
    system = result.system
    props = [
        _prop("baseline", result.baseline),
        _prop("evaluation-date", result.as_of_date),
        _prop("catalog-version", result.catalog_version),
        _prop("catalog-sha256", result.catalog_sha256),
        _prop("evaluation-date", evaluation_day(result).isoformat()),
    ]
    props += [_prop(f"input-{i.role}", f"{i.path} sha256:{i.sha256}") for i in result.inputs]
    owner = one_line(str(system.get("owner") or "")) or "the system owner (not named in the input)"
    owner_uuid = ids.lasting("party", "system-owner")
    return {
        "title": f"{title}: {one_line(str(system.get('name') or system.get('id') or 'system'))}",
        "published": result.generated_at,
        "last-modified": result.generated_at,
        "version": result.tool_version,
        "oscal-version": OSCAL_VERSION,
        "props": props,
        "roles": [
            {"id": "system-owner", "title": "System owner"},
            {"id": "assessor", "title": "Assessor"},
        ],
        "parties": [
            {
                "uuid": owner_uuid,
                "type": "organization",
                "name": owner,
                "remarks": "Ran fedcheck on its own deployment description: a pre-assessment "
                "self-check, not an independent assessment.",
            }
        ],
        "responsible-parties": [
            {"role-id": "system-owner", "party-uuids": [owner_uuid]},
            {"role-id": "assessor", "party-uuids": [owner_uuid]},
        ],
    }


def _tool(result: Result, ids: _Ids) -> dict[str, Any]:
    return {
        "uuid": ids.lasting("component", "fedcheck"),
        "type": "software",
        "title": "fedcheck",
        "description": "fedcheck, which checks a deployment description against the FedRAMP "
        "Rev5 controls it automates and lists the rest as needing evidence.",
        "props": [
            _prop("name", "fedcheck", FEDRAMP_NS),
            _prop("version", result.tool_version, None),
        ],
        "status": {"state": "operational"},
    }


def _tool_origin(ids: _Ids) -> dict[str, Any]:
    return {"actors": [{"type": "tool", "actor-uuid": ids.lasting("component", "fedcheck")}]}


def _assets(result: Result, ids: _Ids, findings: list[Finding]) -> list[dict[str, Any]]:
    """An inventory item for every target the findings concern, in first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    for f in findings:
        seen.setdefault((f.target_kind, f.target), None)
    return [
        {
            "uuid": ids.lasting("asset", kind, target),
            "description": f"The {kind} {target} of the deployment description.",
            "props": [_prop("asset-id", target, None), _prop("target-kind", kind)],
        }
        for kind, target in seen
    ]


def _subjects(ids: _Ids, *findings: Finding) -> list[dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for f in findings:
        ref = ids.lasting("asset", f.target_kind, f.target)
        out.setdefault(ref, {"subject-uuid": ref, "type": "inventory-item"})
    return list(out.values())


# --- observations ----------------------------------------------------------------------------


def _is_machine(e: Evidence) -> bool:
    # "declared; a plan cannot evidence it: ..." is declared too: the plan was read, the fact
    # was not in it.
    source = str(getattr(e, "source", "declared") or "")
    return source.split(";", 1)[0].strip() not in DECLARED_SOURCES


def methods(f: Finding) -> list[str]:
    """``TEST`` for facts a machine source evidences, ``EXAMINE`` for declared ones."""
    if not f.evidence:
        return ["EXAMINE"]
    machine = [e for e in f.evidence if _is_machine(e)]
    out = []
    if len(machine) < len(f.evidence) or not f.evidence:
        out.append("EXAMINE")
    if machine:
        out.append("TEST")
    return out


def _observation(ids: _Ids, f: Finding, collected: str) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "uuid": ids.of("observation", f),
        "title": f"{f.control_id} on {f.target}",
        "description": f.message,
        "props": ids.props(f),
        "methods": methods(f),
        "types": ["finding"] if f.status in _OPEN else ["control-objective"],
        "origins": [_tool_origin(ids)],
        "subjects": _subjects(ids, f),
        "collected": collected,
    }
    if f.evidence:
        obs["relevant-evidence"] = [_evidence(e) for e in f.evidence]
    return obs


def _collected(f: Finding, result: Result) -> str:
    """An open weakness is collected on its original detection day; the rest on this run."""
    if f.risk is not None and f.status in _OPEN:
        return _day_start(f.risk.detected) or result.generated_at
    return result.generated_at


def _finding_props(f: Finding) -> list[dict[str, str]]:
    props = [
        _prop("status", f.status.value),
        _prop("severity", f.severity.value),
        _prop("control-id", f.control_id),
        _prop("target", f.target),
        _prop("target-kind", f.target_kind),
    ]
    if f.location is not None:
        props.append(_prop("location", str(f.location)))
        if f.location.path:
            props.append(_prop("field", f.location.path))
    return props


def _evidence(e: Evidence) -> dict[str, Any]:
    actual = "missing" if e.missing else show_value(e.actual)
    item: dict[str, Any] = {
        "description": f"{e.path} is {actual}; expected {e.expected}",
        "props": [
            _prop("field", e.path),
            _prop("expected", e.expected),
            _prop("source", getattr(e, "source", "declared") or "declared"),
        ],
    }
    if not e.missing:
        item["props"].append(_prop("actual", actual))
    if e.location is not None:
        item["props"].append(_prop("location", str(e.location)))
    if _is_machine(e) and e.location is not None:
        item["href"] = e.location.file  # the plan (or .tf file) that evidences the value
    return item


# --- risks -----------------------------------------------------------------------------------


def _risk_of(f: Finding, result: Result) -> Risk:
    return f.risk if f.risk is not None else rate_finding(f, evaluation_day(result))


def _facets(risk: Risk) -> list[dict[str, Any]]:
    def facet(name: str, value: str, state: str) -> dict[str, Any]:
        return {
            "name": name,
            "system": FEDRAMP_SYSTEM,
            "value": value,
            "props": [{"name": "state", "value": state}],
        }

    out = [facet("likelihood", risk.likelihood, "initial"), facet("impact", risk.impact, "initial")]
    if risk.adjusted_level is not None:
        out += [
            facet("likelihood", risk.adjusted_likelihood or risk.likelihood, "adjusted"),
            facet("impact", risk.adjusted_impact or risk.impact, "adjusted"),
        ]
    return out


def _characterization(ids: _Ids, risk: Risk) -> dict[str, Any]:
    return {
        "props": [
            _prop("risk-exposure", risk.level),
            *(
                [_prop("adjusted-risk-exposure", risk.adjusted_level)]
                if risk.adjusted_level
                else []
            ),
            _prop("rating-basis", risk.rationale),
        ],
        "origin": _tool_origin(ids),
        "facets": _facets(risk),
    }


def _applied(result: Result) -> dict[tuple[str, str], list[Waiver]]:
    """The entries of the waiver file that applied to each (control, target)."""
    out: dict[tuple[str, str], list[Waiver]] = {}
    for state in result.waivers:
        if state.get("state") != "applied":
            continue
        try:
            waiver = Waiver.from_dict(state)
        except (KeyError, TypeError):
            continue
        for hit in state.get("findings") or []:
            if isinstance(hit, dict):
                key = (str(hit.get("control_id")), str(hit.get("target")))
                out.setdefault(key, []).append(waiver)
    return out


def _deviations(f: Finding, applied: dict[tuple[str, str], list[Waiver]]) -> list[Waiver]:
    found = list(applied.get((f.control_id, f.target), []))
    if f.waiver is not None and f.waiver not in found:
        found.append(f.waiver)
    return found


def _deviation_observation(ids: _Ids, f: Finding, w: Waiver, result: Result) -> dict[str, Any]:
    kind = w.type.replace("_", "-")
    words = {
        "false_positive": "False positive",
        "operational_requirement": "Operational requirement",
        "risk_adjustment": "Risk adjustment",
        "poam": "POA&M item",
    }[w.type]
    obs: dict[str, Any] = {
        "uuid": ids.of(f"observation-{kind}", f),
        "title": f"{words}: {f.control_id} on {f.target}",
        "description": w.justification,
        "props": [
            _prop("approved-by", w.approved_by),
            _prop("approver-role", w.approver_role or "not stated"),
            _prop("approved-on", w.approved_on),
            _prop("expires", w.expires),
        ],
        "methods": ["EXAMINE"],
        "types": [kind],
        "subjects": _subjects(ids, f),
        "collected": _day_start(w.approved_on) or result.generated_at,
    }
    if w.evidence:
        obs["relevant-evidence"] = [{"description": w.evidence}]
    if w.location is not None:
        obs["props"].append(_prop("location", str(w.location)))
    return obs


def _risk_status(f: Finding, deviations: list[Waiver]) -> str:
    kinds = {w.type for w in deviations}
    if f.status is Status.WAIVED and "false_positive" in kinds:
        return "closed"
    if f.status is Status.WAIVED and "operational_requirement" in kinds:
        return "deviation-approved"
    return "open"


def _remediations(ids: _Ids, key: str, members: list[Finding], risk: Risk) -> list[dict[str, Any]]:
    lead = members[0]
    fixes = list(dict.fromkeys(f.remediation for f in members if f.remediation))
    out: list[dict[str, Any]] = []
    if fixes:
        out.append(
            {
                "uuid": ids.lasting("recommendation", key),
                "lifecycle": "recommendation",
                "title": "fedcheck's recommendation",
                "description": " ".join(fixes),
                "origins": [_tool_origin(ids)],
            }
        )
    due = _day_end(risk.deadline) or ""
    tasks = []
    for w in (m.waiver for m in members if m.waiver is not None and m.waiver.type == "poam"):
        planned = _day_end(w.expires)
        if planned and planned < due:
            tasks.append(
                {
                    "uuid": ids.lasting("milestone-planned", key, w.expires),
                    "type": "milestone",
                    "title": f"Planned completion ({w.poam_id or 'POA&M entry'})",
                    "description": w.justification,
                    "timing": {"on-date": {"date": planned}},
                }
            )
    tasks.append(
        {
            "uuid": ids.lasting("milestone-deadline", key),
            "type": "milestone",
            "title": "Remediated and verified by a passing fedcheck run",
            "description": f"The FedRAMP deadline for a {risk.effective_level} risk: "
            f"{REMEDIATION_DAYS[risk.effective_level]} days from the original detection on "
            f"{risk.detected}.",
            "timing": {"on-date": {"date": due}},
        }
    )
    out.append(
        {
            "uuid": ids.lasting("plan", key),
            "lifecycle": "planned",
            "title": f"Remediation plan: {_named(lead)} on {lead.target}",
            "description": " ".join(fixes)
            or "Change the deployment so that the check passes, then re-run fedcheck.",
            "tasks": tasks,
        }
    )
    return out


def _risk(
    ids: _Ids,
    key: str,
    members: list[Finding],
    result: Result,
    infos: dict[str, ControlInfo],
    applied: dict[tuple[str, str], list[Waiver]],
    *,
    lasting: bool,
) -> dict[str, Any]:
    rated = [(f, _risk_of(f, result)) for f in members]
    lead, risk = min(rated, key=lambda fr: (fr[1].deadline, -fr[1].rank))
    deviations = _deviations(lead, applied)
    controls = list(dict.fromkeys(_oscal_id(f, infos) for f in members))
    props = [_prop("impacted-control-id", c, FEDRAMP_NS) for c in controls]
    props += [
        _prop("risk-exposure", risk.effective_level),
        _prop("original-detection-date", risk.detected),
        _prop("weakness-source", f"fedcheck {result.tool_version}"),
    ]
    if lead.target_kind == "service":
        # The weakness sits in a leveraged service: its vendor must fix it.
        props.append(_prop("vendor-dependency", "tracking", FEDRAMP_NS))
    for w in deviations:
        if w.type in DEVIATION_TYPES:
            props.append(_prop(w.type.replace("_", "-"), "approved", FEDRAMP_NS))
    status = _risk_status(lead, deviations)
    uid = ids.lasting("risk", key) if lasting else ids.of("risk", lead)
    also = [f.control_id for f in members[1:]]
    out: dict[str, Any] = {
        "uuid": uid,
        "title": f"{_named(lead)} not satisfied on {lead.target}",
        "description": lead.message
        + (f" The same field also fails {', '.join(also)}." if also else ""),
        "statement": f"{risk.effective_level} risk ({risk.rationale}).",
        "props": props,
        "status": status,
        "characterizations": [_characterization(ids, risk)],
    }
    adjustment = next((w for w in deviations if w.type == "risk_adjustment"), None)
    if adjustment is not None and risk.adjusted_level is not None:
        out["mitigating-factors"] = [
            {"uuid": ids.lasting("mitigation", key, str(i)), "description": text}
            for i, text in enumerate(adjustment.mitigating_factors)
        ]
    deadline = _day_end(risk.deadline)
    if deadline:
        out["deadline"] = deadline
    out["remediations"] = _remediations(ids, key, members, risk)
    if status == "closed":
        fp = next(w for w in deviations if w.type == "false_positive")
        out["risk-log"] = {
            "entries": [
                {
                    "uuid": ids.lasting("closed", key),
                    "title": "Closed as a false positive",
                    "description": fp.evidence or fp.justification,
                    "start": _day_start(fp.approved_on) or result.generated_at,
                    "status-change": "closed",
                }
            ]
        }
    out["related-observations"] = [{"observation-uuid": ids.of("observation", f)} for f in members]
    return out


# --- assessment results ----------------------------------------------------------------------


def _target(oscal_id: str, title: str, f: Finding | None) -> dict[str, Any]:
    if f is None or f.status is Status.MANUAL:
        status: dict[str, Any] = {
            "state": "not-satisfied",
            "reason": "other",
            "remarks": "no evidence: the control needs evidence fedcheck cannot read from a "
            "deployment description, so it is not satisfied until an assessor examines it",
        }
    else:
        satisfied = f.status in (Status.PASS, Status.INHERITED, Status.NOT_APPLICABLE)
        status = {
            "state": "satisfied" if satisfied else "not-satisfied",
            "reason": "pass" if f.status in (Status.PASS, Status.INHERITED) else "other",
        }
        if f.status is Status.FAIL:
            status["reason"] = "fail"
        if f.status is not Status.PASS:
            status["remarks"] = {
                Status.INHERITED: "inherited from a leveraged authorization",
                Status.WAIVED: "a failure covered by an approved POA&M item or deviation",
                Status.ERROR: "the automated check could not be evaluated",
                Status.FAIL: "the automated check failed",
                Status.NOT_APPLICABLE: "not applicable to this target",
            }[f.status]
    return {
        "type": "statement-id",
        "target-id": token(f"{oscal_id}_smt"),
        "title": title,
        "status": status,
    }


def _finding(
    ids: _Ids, f: Finding, infos: dict[str, ControlInfo], risk_of: dict[int, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "uuid": ids.of("finding", f),
        "title": f"{_named(f)}: {f.target}",
        "description": f.message,
        "props": ids.props(f),
        "target": _target(_oscal_id(f, infos), _named(f), f),
        "related-observations": [{"observation-uuid": ids.of("observation", f)}],
    }
    if id(f) in risk_of:
        out["related-risks"] = [{"risk-uuid": risk_of[id(f)]}]
    if f.waiver is not None:
        out["remarks"] = f"{f.waiver.type}: {f.waiver.justification}"
    return out


def _summary_groups(findings: list[Finding], status: Status) -> list[ControlSummary]:
    return summarize([f for f in findings if f.status is status])


def _summary_words(g: ControlSummary) -> str:
    verdict = "passes" if g.status is Status.PASS else "is not applicable"
    return (
        f"{g.control_id} {verdict} on {len(g.targets)} targets ({len(g.findings)} findings); "
        "each target is a subject of this observation, and the JSON report lists every finding."
    )


def _summary_props(g: ControlSummary) -> list[dict[str, str]]:
    return [
        _prop("status", g.status.value),
        _prop("severity", g.severity),
        _prop("control-id", g.control_id),
        _prop("summarized-findings", len(g.findings)),
        _prop("summarized-targets", len(g.targets)),
    ]


def _methods_used(findings: tuple[Finding, ...]) -> list[str]:
    """The methods of an observation of all of ``findings``."""
    used: set[str] = set()
    for f in findings:
        if f.evidence:
            used.update(methods(f))
        else:
            used.add("EXAMINE")
    return [m for m in ("EXAMINE", "TEST") if m in used]


def _summary_observation(ids: _Ids, g: ControlSummary, result: Result) -> dict[str, Any]:
    return {
        "uuid": ids("observation-summary", g.status.value, g.control_id),
        "title": f"{g.control_id} on {len(g.targets)} targets",
        "description": _summary_words(g),
        "props": _summary_props(g),
        "methods": _methods_used(g.findings),
        "types": ["control-objective"],
        "origins": [_tool_origin(ids)],
        "subjects": _subjects(ids, *g.findings),
        "collected": result.generated_at,
    }


def _summary_finding(ids: _Ids, g: ControlSummary, infos: dict[str, ControlInfo]) -> dict[str, Any]:
    lead = g.findings[0]
    return {
        "uuid": ids("finding-summary", g.status.value, g.control_id),
        "title": f"{_named(lead)}: {len(g.targets)} targets",
        "description": _summary_words(g),
        "props": _summary_props(g),
        "target": _target(_oscal_id(lead, infos), _named(lead), lead),
        "related-observations": [
            {"observation-uuid": ids("observation-summary", g.status.value, g.control_id)}
        ],
    }


def _unassessed(ids: _Ids, info: ControlInfo) -> dict[str, Any]:
    """The finding of a baseline control no verdict covers: not satisfied for lack of evidence."""
    title = f"{info.id} {info.title}" if info.title else info.id
    return {
        "uuid": ids("finding-unassessed", info.id),
        "title": f"{title}: no verdict",
        "description": f"No check reached a verdict on {info.id} for this deployment, so "
        "nothing shows it is implemented.",
        "props": [_prop("control-id", info.id), _prop("status", "manual")],
        "target": _target(token(info.oscal_id), title, None),
    }


def _reviewed_controls(result: Result) -> dict[str, Any]:
    selection: dict[str, Any] = {
        "description": f"Every control of the FedRAMP Rev5 {result.baseline} baseline that "
        "fedcheck's catalog holds (automated and manual)."
    }
    ids = list(dict.fromkeys(token(c.oscal_id) for c in result.controls))
    if ids:
        selection["include-controls"] = [{"control-id": i} for i in ids]
    else:
        selection["include-all"] = {}
    return {"control-selections": [selection]}


def _plan_resource(result: Result, ids: _Ids) -> dict[str, Any]:
    inputs = "; ".join(f"{i.role} {i.path} (sha256:{i.sha256})" for i in result.inputs)
    return {
        "uuid": ids("assessment-plan"),
        "title": "Assessment plan of this fedcheck run",
        "description": f"fedcheck evaluates the controls of the FedRAMP Rev5 {result.baseline} "
        f"baseline in its catalog ({result.catalog_version}, sha256:{result.catalog_sha256}) "
        f"against the deployment description: automated checks EXAMINE the declared fields "
        f"(TEST only facts read from a machine source such as a Terraform plan), and every "
        f"other control is listed as needing evidence. Inputs: {inputs or 'none recorded'}.",
        "props": [_prop("type", "plan", FEDRAMP_NS), _prop("baseline", result.baseline)],
    }


# --- the objects that repeat once per finding, as JSON text ------------------------------------
# A report of a large system holds an observation, a finding and a risk per failing finding,
# hundreds of thousands of objects whose properties, subjects, origins and targets repeat.
# ``_Writer`` writes each as the JSON text ``pretty_json`` would write its dict (the functions
# above), encoding what repeats once; a risk or item with a deviation, which is rare, is built
# as a dict and encoded. tests/test_report_speed_paths.py compares render_oscal and render_poam
# with pretty_json of build_assessment_results and build_poam.

_Q = json.encoder.encode_basestring  # a str as JSON (non-ASCII kept), as compact_json writes it

#: A member of an object being written: JSON text, a list of JSON texts (its items), or a dict
#: of JSON texts (its values).
_Member = str | list[str] | dict[str, str]


def _compact_members(members: dict[str, _Member]) -> str:
    """The object as ``compact_json`` writes it (its keys are this module's own names, which
    JSON writes as they are)."""
    return (
        "{"
        + ", ".join(
            [
                f'"{key}": {value}'
                if type(value) is str
                else (
                    f'"{key}": [{", ".join(value)}]'
                    if type(value) is list
                    else f'"{key}": {_compact_value(value)}'
                )
                for key, value in members.items()
            ]
        )
        + "}"
    )


def _compact_value(value: _Member) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return "{" + ", ".join([f"{_Q(k)}: {v}" for k, v in value.items()]) + "}"


def _pretty_members(members: dict[str, _Member], pad: str) -> str:
    """The object as ``pretty_json`` writes a dict two levels above its compact values, at
    indentation ``pad``: a member per line, each item of a list or dict value on its own."""
    if not members:
        return "{}"
    inner = pad + "  "
    item_pad = ",\n" + inner + "  "
    parts = []
    for key, value in members.items():
        if type(value) is list and value:
            value = f"[\n{inner}  " + item_pad.join(value) + f"\n{inner}]"
        elif type(value) is dict and value:
            pairs = [f"{_Q(k)}: {v}" for k, v in value.items()]
            value = f"{{\n{inner}  " + item_pad.join(pairs) + f"\n{inner}}}"
        elif type(value) is list:
            value = "[]"
        elif type(value) is dict:
            value = "{}"
        parts.append(f"{_Q(key)}: {value}")
    return f"{{\n{inner}" + f",\n{inner}".join(parts) + f"\n{pad}}}"


_TYPES_FINDING = ['"finding"']
_EXAMINE = ['"EXAMINE"']
_TYPES_OBJECTIVE = ['"control-objective"']


class _Writer:
    """Writes observations, findings, risks and POA&M items as JSON text: compact (``pad``
    None: the assessment results lay each out on one line) or laid out at ``pad`` (the POA&M)."""

    def __init__(
        self,
        ids: _Ids,
        result: Result,
        infos: dict[str, ControlInfo],
        applied: dict[tuple[str, str], list[Waiver]],
        *,
        pad: str | None,
    ) -> None:
        self.ids = ids
        self.result = result
        self.infos = infos
        self.applied = applied
        self.pad = pad
        self.origins = [compact_json(_tool_origin(ids))]
        self.weakness_source = f"fedcheck {result.tool_version}"
        self._props: dict[tuple[str, str, str | None], str] = {}
        self._finding_props: dict[int, list[str]] = {}
        self._subjects: dict[str, str] = {}
        self._assets: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, target): (ref, JSON)
        self._targets: dict[tuple[str, str, Status], str] = {}
        self._characterizations: dict[tuple[str | None, ...], list[str]] = {}

    def _object(self, members: dict[str, _Member]) -> RawJSON:
        if self.pad is None:
            return RawJSON(_compact_members(members))
        return RawJSON(_pretty_members(members, self.pad))

    def _encoded(self, value: dict[str, Any]) -> RawJSON:
        """A dict built by the functions above, as ``pretty_json`` writes it here."""
        if self.pad is None:
            return RawJSON(compact_json(value))
        out: list[str] = []
        _pretty(value, 2, self.pad, out)
        return RawJSON("".join(out))

    # -- properties ------------------------------------------------------------------------

    def prop(self, name: str, value: Any, ns: str | None = FEDCHECK_NS) -> str:
        """``_prop(name, value, ns)`` as JSON; a text value's is written once."""
        if type(value) is not str:
            return compact_json(_prop(name, value, ns))
        key = (name, value, ns)
        known = self._props.get(key)
        if known is None:
            known = self._props[key] = _prop_text(name, _one_line_str(value), ns)
        return known

    def finding_props(self, f: Finding) -> list[str]:
        """``_finding_props(f)`` as JSON, for its observation and its finding."""
        known = self._finding_props.get(id(f))
        if known is not None:
            return known
        prop = self.prop
        props = [
            prop("status", f.status.value),
            prop("severity", f.severity.value),
            prop("control-id", f.control_id),
            prop("target", f.target),
            prop("target-kind", f.target_kind),
        ]
        location = f.location
        if location is not None:
            props.append(_prop_text("location", " ".join(str(location).split()) or "-"))
            if location.path:
                props.append(prop("field", location.path))
        self._finding_props[id(f)] = props
        return props

    def _subject(self, ref: str) -> str:
        known = self._subjects.get(ref)
        if known is None:
            known = self._subjects[ref] = compact_json(
                {"subject-uuid": ref, "type": "inventory-item"}
            )
        return known

    def subjects(self, findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
        """``_subjects(ids, *findings)`` as JSON."""
        assets = self._assets
        out: dict[str, str] = {}
        for f in findings:
            asset = assets.get((f.target_kind, f.target))
            if asset is None:
                ref = self.ids.lasting("asset", f.target_kind, f.target)
                asset = assets[(f.target_kind, f.target)] = (ref, self._subject(ref))
            if asset[0] not in out:
                out[asset[0]] = asset[1]
        return list(out.values())

    def _evidence(self, e: Evidence) -> str:
        """``_evidence(e)`` as JSON."""
        actual = "missing" if e.missing else show_value(e.actual)
        prop = self.prop
        props = [
            prop("field", e.path),
            prop("expected", e.expected),
            prop("source", getattr(e, "source", "declared") or "declared"),
        ]
        if not e.missing:
            props.append(prop("actual", actual))
        if e.location is not None:
            props.append(_prop_text("location", " ".join(str(e.location).split()) or "-"))
        text = (
            f'{{"description": {_Q(f"{e.path} is {actual}; expected {e.expected}")}, '
            f'"props": [{", ".join(props)}]'
        )
        if _is_machine(e) and e.location is not None:
            text += f', "href": {compact_json(e.location.file)}'
        return text + "}"

    # -- the objects -------------------------------------------------------------------------

    def observation(self, f: Finding, collected: str) -> RawJSON:
        """``_observation(ids, f, collected)`` as JSON."""
        members: dict[str, _Member] = {
            "uuid": _Q(self.ids.observation(f)),
            "title": _Q(f"{f.control_id} on {f.target}"),
            "description": compact_json(f.message),
            "props": self.finding_props(f),
            "methods": [_Q(m) for m in methods(f)] if f.evidence else _EXAMINE,
            "types": _TYPES_FINDING if f.status in _OPEN else _TYPES_OBJECTIVE,
            "origins": self.origins,
            "subjects": self.subjects((f,)),
            "collected": compact_json(collected),
        }
        if f.evidence:
            members["relevant-evidence"] = [self._evidence(e) for e in f.evidence]
        return self._object(members)

    def summary_observation(self, g: ControlSummary) -> RawJSON:
        """``_summary_observation(ids, g, result)`` as JSON."""
        ids = self.ids
        members: dict[str, _Member] = {
            "uuid": _Q(ids("observation-summary", g.status.value, g.control_id)),
            "title": _Q(f"{g.control_id} on {len(g.targets)} targets"),
            "description": _Q(_summary_words(g)),
            "props": [compact_json(p) for p in _summary_props(g)],
            "methods": [_Q(m) for m in _methods_used(g.findings)],
            "types": _TYPES_OBJECTIVE,
            "origins": self.origins,
            "subjects": self.subjects(g.findings),
            "collected": compact_json(self.result.generated_at),
        }
        return self._object(members)

    def _target(self, f: Finding) -> str:
        oscal_id, named = _oscal_id(f, self.infos), _named(f)
        key = (oscal_id, named, f.status)
        known = self._targets.get(key)
        if known is None:
            known = self._targets[key] = compact_json(_target(oscal_id, named, f))
        return known

    def finding(self, f: Finding, risk_of: dict[int, str]) -> RawJSON:
        """``_finding(ids, f, infos, risk_of)`` as JSON."""
        members: dict[str, _Member] = {
            "uuid": _Q(self.ids.of("finding", f)),
            "title": _Q(f"{_named(f)}: {f.target}"),
            "description": compact_json(f.message),
            "props": self.finding_props(f),
            "target": self._target(f),
            "related-observations": [f'{{"observation-uuid": {_Q(self.ids.observation(f))}}}'],
        }
        if id(f) in risk_of:
            members["related-risks"] = [f'{{"risk-uuid": {_Q(risk_of[id(f)])}}}']
        if f.waiver is not None:
            members["remarks"] = _Q(f"{f.waiver.type}: {f.waiver.justification}")
        return self._object(members)

    def _characterizations_of(self, risk: Risk) -> list[str]:
        key = (
            risk.likelihood,
            risk.impact,
            risk.level,
            risk.rationale,
            risk.adjusted_likelihood,
            risk.adjusted_impact,
            risk.adjusted_level,
        )
        known = self._characterizations.get(key)
        if known is None:
            known = self._characterizations[key] = [compact_json(_characterization(self.ids, risk))]
        return known

    def risk(
        self,
        key: str,
        members: list[Finding],
        *,
        lasting: bool,
        also_observed: Sequence[str] = (),
    ) -> tuple[str, RawJSON]:
        """The UUID of ``_risk(...)`` and the risk as JSON (with ``also_observed``, the
        observations of its deviations, among its related observations)."""
        result, ids = self.result, self.ids
        if len(members) == 1:
            lead, risk = members[0], _risk_of(members[0], result)
        else:
            rated = [(f, _risk_of(f, result)) for f in members]
            lead, risk = min(rated, key=lambda fr: (fr[1].deadline, -fr[1].rank))
        if lead.waiver is not None or (lead.control_id, lead.target) in self.applied:
            # Rare: a deviation adds mitigations, a risk log and properties.
            built = _risk(ids, key, members, result, self.infos, self.applied, lasting=lasting)
            built["related-observations"] += [{"observation-uuid": u} for u in also_observed]
            return built["uuid"], self._encoded(built)
        controls = list(dict.fromkeys(_oscal_id(f, self.infos) for f in members))
        prop = self.prop
        props = [prop("impacted-control-id", c, FEDRAMP_NS) for c in controls]
        props += [
            prop("risk-exposure", risk.effective_level),
            prop("original-detection-date", risk.detected),
            prop("weakness-source", self.weakness_source),
        ]
        if lead.target_kind == "service":
            props.append(prop("vendor-dependency", "tracking", FEDRAMP_NS))
        uid = ids.lasting("risk", key) if lasting else ids.of("risk", lead)
        also = [f.control_id for f in members[1:]]
        description = lead.message + (
            f" The same field also fails {', '.join(also)}." if also else ""
        )
        out: dict[str, _Member] = {
            "uuid": _Q(uid),
            "title": _Q(f"{_named(lead)} not satisfied on {lead.target}"),
            "description": compact_json(description),
            "statement": _Q(f"{risk.effective_level} risk ({risk.rationale})."),
            "props": props,
            "status": '"open"',  # _risk_status without a deviation
            "characterizations": self._characterizations_of(risk),
        }
        deadline = _day_end(risk.deadline)
        if deadline:
            out["deadline"] = _Q(deadline)
        out["remediations"] = self._remediations(key, members, risk)
        out["related-observations"] = [
            *(f'{{"observation-uuid": {_Q(ids.observation(f))}}}' for f in members),
            *(f'{{"observation-uuid": {_Q(u)}}}' for u in also_observed),
        ]
        return uid, self._object(out)

    def _remediations(self, key: str, members: list[Finding], risk: Risk) -> list[str]:
        """``_remediations(ids, key, members, risk)`` as JSON."""
        if any(m.waiver is not None for m in members):  # a POA&M entry's own milestone
            return [compact_json(r) for r in _remediations(self.ids, key, members, risk)]
        lasting = self.ids.lasting
        lead = members[0]
        fixes = " ".join(dict.fromkeys(f.remediation for f in members if f.remediation))
        out = []
        if fixes:
            out.append(
                f'{{"uuid": {_Q(lasting("recommendation", key))}, "lifecycle": "recommendation", '
                f'"title": "fedcheck\'s recommendation", "description": {_Q(fixes)}, '
                f'"origins": [{self.origins[0]}]}}'
            )
        level = risk.effective_level
        deadline = (
            f"The FedRAMP deadline for a {level} risk: {REMEDIATION_DAYS[level]} days from the "
            f"original detection on {risk.detected}."
        )
        task = (
            f'{{"uuid": {_Q(lasting("milestone-deadline", key))}, "type": "milestone", '
            '"title": "Remediated and verified by a passing fedcheck run", '
            f'"description": {_Q(deadline)}, '
            f'"timing": {{"on-date": {{"date": {_Q(_day_end(risk.deadline) or "")}}}}}}}'
        )
        plan = fixes or "Change the deployment so that the check passes, then re-run fedcheck."
        out.append(
            f'{{"uuid": {_Q(lasting("plan", key))}, "lifecycle": "planned", '
            f'"title": {_Q(f"Remediation plan: {_named(lead)} on {lead.target}")}, '
            f'"description": {_Q(plan)}, "tasks": [{task}]}}'
        )
        return out

    def poam_item(
        self, key: str, members: list[Finding], risk_uuid: str, extra_observations: list[str]
    ) -> RawJSON:
        """``_poam_item(ids, result, key, members, risk_uuid, extra_observations)`` as JSON."""
        ids, prop = self.ids, self.prop
        lead = members[0]
        stated = [m.waiver.poam_id for m in members if m.waiver is not None and m.waiver.poam_id]
        controls = list(dict.fromkeys(m.control_id for m in members))
        out: dict[str, _Member] = {
            "uuid": _Q(ids.lasting("poam-item", key)),
            "title": compact_json(_poam_title(key, members, controls)),
            "description": compact_json(lead.message),
            "props": [
                prop("POAM-ID", stated[0] if stated else poam_id(self.result, key), FEDRAMP_NS),
                *[prop("control-id", c) for c in controls],
                prop("target", lead.target),
                prop("status", lead.status.value),
                prop("weakness-source", self.weakness_source),
            ],
            "origins": self.origins,
            "related-observations": [
                *(f'{{"observation-uuid": {_Q(ids.observation(f))}}}' for f in members),
                *(f'{{"observation-uuid": {compact_json(u)}}}' for u in extra_observations),
            ],
            "related-risks": [f'{{"risk-uuid": {_Q(risk_uuid)}}}'],
        }
        if lead.waiver is not None:
            out["remarks"] = compact_json(lead.waiver.justification)
        return self._object(out)


def _prop_text(name: str, value: str, ns: str | None = FEDCHECK_NS) -> str:
    """``{"name": name, "value": value, "ns": ns}`` as JSON, ``value`` on one line already."""
    if ns is None:
        return f'{{"name": {_Q(name)}, "value": {_Q(value)}}}'
    return f'{{"name": {_Q(name)}, "value": {_Q(value)}, "ns": {_Q(ns)}}}'


def build_assessment_results(result: Result) -> dict[str, Any]:
    """The OSCAL assessment-results document of ``result`` as a dict."""
    return _assessment_results(result, text=False)


def _assessment_results(result: Result, *, text: bool) -> dict[str, Any]:
    """The assessment results; with ``text``, the objects that repeat once per finding are
    JSON text already (``_Writer``), for ``render_oscal``."""
    ids = _Ids(result)
    infos = {c.id: c for c in result.controls}
    applied = _applied(result)
    writer = _Writer(ids, result, infos, applied, pad=None) if text else None
    findings = list(result.findings)
    counts = result.counts()
    rated = [f for f in findings if f.status in _OPEN]
    risks: list[Any] = []
    risk_of: dict[int, str] = {}
    for f in rated:
        if writer is not None:
            uid, text_risk = writer.risk(ids.keys[id(f)], [f], lasting=False)
            risks.append(text_risk)
        else:
            built = _risk(ids, ids.keys[id(f)], [f], result, infos, applied, lasting=False)
            uid = built["uuid"]
            risks.append(built)
        risk_of[id(f)] = uid
    covered = {f.control_id for f in findings}
    day = evaluation_day(result).isoformat()
    one: dict[str, Any] = {
        "uuid": ids("result"),
        "title": f"fedcheck pre-assessment self-check, FedRAMP {result.baseline} baseline",
        "description": "Automated checks of the system's deployment description against FedRAMP "
        "Rev5 controls, prepared by the system owner with fedcheck. Every control of the "
        "baseline has a finding: those that need evidence fedcheck cannot read are not "
        "satisfied until an assessor examines it. This is not a security assessment report.",
        "start": result.generated_at,
        "end": result.generated_at,
        "props": [
            _prop(
                "assessment-window", f"one run on {day} (evaluation date), at {result.generated_at}"
            ),
            *[_prop(f"count-{status.replace('_', '-')}", n) for status, n in counts.items()],
        ],
        "local-definitions": {
            **({"inventory-items": _assets(result, ids, findings)} if findings else {}),
            "assessment-assets": {
                "components": [_tool(result, ids)],
                "assessment-platforms": [
                    {
                        "uuid": ids.lasting("platform", "fedcheck"),
                        "title": f"fedcheck {result.tool_version}",
                        "uses-components": [
                            {"component-uuid": ids.lasting("component", "fedcheck")}
                        ],
                    }
                ],
            },
        },
        "reviewed-controls": _reviewed_controls(result),
    }
    # A large system's passing and not-applicable findings: one observation and one finding
    # per control, naming every target as a subject (docs/reports.md, "Large systems").
    summarized = summarized_statuses(result)
    listed = [f for f in findings if f.status not in summarized]
    groups = [g for s in SUMMARIZABLE if s in summarized for g in _summary_groups(findings, s)]
    if findings and writer is not None:
        one["observations"] = [writer.observation(f, _collected(f, result)) for f in listed]
        one["observations"] += [writer.summary_observation(g) for g in groups]
    elif findings:
        one["observations"] = [_observation(ids, f, _collected(f, result)) for f in listed]
        one["observations"] += [_summary_observation(ids, g, result) for g in groups]
    if risks:
        one["risks"] = risks
    out_findings: list[Any]
    if writer is not None:
        out_findings = [writer.finding(f, risk_of) for f in listed]
    else:
        out_findings = [_finding(ids, f, infos, risk_of) for f in listed]
    out_findings += [_summary_finding(ids, g, infos) for g in groups]
    out_findings += [_unassessed(ids, c) for c in result.controls if c.id not in covered]
    if out_findings:
        one["findings"] = out_findings
    if result.notes:
        one["remarks"] = "\n".join(result.notes)
    return {
        "assessment-results": {
            "uuid": ids("assessment-results"),
            "metadata": _metadata(result, ids, "fedcheck pre-assessment self-check results"),
            "import-ap": {
                "href": f"#{ids('assessment-plan')}",
                "remarks": "fedcheck runs without an OSCAL assessment plan; the back-matter "
                "resource this points to describes the plan the run followed.",
            },
            "results": [one],
            "back-matter": {"resources": [_plan_resource(result, ids)]},
        }
    }


# --- POA&M -----------------------------------------------------------------------------------


def weakness_id(result: Result, members: list[Finding]) -> str:
    """The item's key: target and field of the root cause (or control and target)."""
    lead = members[0]
    paths = sorted({e.path for e in lead.evidence})
    if not paths and lead.location is not None and lead.location.path:
        paths = [lead.location.path]
    if paths:
        return f"{lead.target}|{paths[0]}"
    return f"{lead.control_id}|{lead.target}"


def poam_id(result: Result, key: str) -> str:
    """A POAM-ID that stays the same from run to run for the same weakness of the system."""
    digest = hashlib.sha256(f"{result.system.get('id', '')}|{key}".encode()).hexdigest()
    return f"FC-{digest[:8].upper()}"


def _poam_item(
    ids: _Ids,
    result: Result,
    key: str,
    members: list[Finding],
    risk_uuid: str,
    extra_observations: list[str],
) -> dict[str, Any]:
    lead = members[0]
    stated = [m.waiver.poam_id for m in members if m.waiver is not None and m.waiver.poam_id]
    controls = list(dict.fromkeys(m.control_id for m in members))
    props = [
        _prop("POAM-ID", stated[0] if stated else poam_id(result, key), FEDRAMP_NS),
        *[_prop("control-id", c) for c in controls],
        _prop("target", lead.target),
        _prop("status", lead.status.value),
        _prop("weakness-source", f"fedcheck {result.tool_version}"),
    ]
    item: dict[str, Any] = {
        "uuid": ids.lasting("poam-item", key),
        "title": _poam_title(key, members, controls),
        "description": lead.message,
        "props": props,
        "origins": [_tool_origin(ids)],
        "related-observations": [
            *({"observation-uuid": ids.of("observation", f)} for f in members),
            *({"observation-uuid": u} for u in extra_observations),
        ],
        "related-risks": [{"risk-uuid": risk_uuid}],
    }
    if lead.waiver is not None:
        item["remarks"] = lead.waiver.justification
    return item


def _poam_title(key: str, members: list[Finding], controls: list[str]) -> str:
    lead = members[0]
    if len(members) == 1:
        return f"{_named(lead)}: {lead.target}"
    return f"{lead.target}: {key.split('|', 1)[1]} fails {', '.join(controls)}"


def build_poam(result: Result) -> dict[str, Any]:
    """The OSCAL POA&M of ``result`` as a dict: one item per weakness (root cause) that is
    failing, erroring or covered by a POA&M entry or deviation."""
    return _poam(result, text=False)


#: Where ``pretty_json`` lays out the observations, risks and items of a POA&M: each at
#: the third level of the document, its members one per line, six spaces in.
_POAM_PAD = "      "


def _poam(result: Result, *, text: bool) -> dict[str, Any]:
    """The POA&M; with ``text``, its observations, risks and items are JSON text already
    (``_Writer``, laid out as ``pretty_json`` lays out the dicts), for ``render_poam``."""
    ids = _Ids(result)
    infos = {c.id: c for c in result.controls}
    applied = _applied(result)
    writer = _Writer(ids, result, infos, applied, pad=_POAM_PAD) if text else None
    open_findings = [f for f in result.findings if f.status in _OPEN]
    if not open_findings:
        from ..errors import UsageError

        # OSCAL requires at least one poam-item; an empty plan is not a valid document.
        raise UsageError(
            "no failing or waived finding, so there is no POA&M item to write "
            "(an OSCAL POA&M needs at least one)",
            "write the POA&M only when the run has open items, or use --format "
            "oscal for the assessment results",
        )
    groups = root_causes(open_findings)
    observations: list[Any]
    if writer is not None:
        observations = [writer.observation(f, _collected(f, result)) for f in open_findings]
    else:
        observations = [_observation(ids, f, _collected(f, result)) for f in open_findings]
    risks: list[Any] = []
    items: list[Any] = []
    seen: dict[str, int] = {}
    for members in groups:
        key = weakness_id(result, members)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}|{seen[key]}"
        extra = []  # the item's own observations: deviations and a vendor dependency
        risk_extra = []  # the deviations' observations, which the risk names too
        for f in members:
            for w in _deviations(f, applied):
                if w.type in DEVIATION_TYPES:
                    obs = _deviation_observation(ids, f, w, result)
                    observations.append(obs)
                    extra.append(obs["uuid"])
                    risk_extra.append(obs["uuid"])
            if f.target_kind == "service":
                obs = _vendor_observation(ids, f, result)
                observations.append(obs)
                extra.append(obs["uuid"])
        if writer is not None:
            uid, text_risk = writer.risk(key, members, lasting=True, also_observed=risk_extra)
            risks.append(text_risk)
            items.append(writer.poam_item(key, members, uid, extra))
        else:
            built = _risk(ids, key, members, result, infos, applied, lasting=True)
            built["related-observations"] += [{"observation-uuid": u} for u in risk_extra]
            risks.append(built)
            items.append(_poam_item(ids, result, key, members, built["uuid"], extra))
    doc: dict[str, Any] = {
        "uuid": ids("poam"),
        "metadata": _metadata(result, ids, "FedRAMP plan of action and milestones"),
        # The deployment's own system id: no identifier-type, as FedRAMP did not assign it.
        "system-id": {"id": string(result.system.get("id") or "system")},
        "local-definitions": {
            "components": [_tool(result, ids)],
            "inventory-items": _assets(result, ids, open_findings),
        },
        "observations": observations,
        "risks": risks,
        "poam-items": items,
        "back-matter": {"resources": [_plan_resource(result, ids)]},
    }
    return {"plan-of-action-and-milestones": doc}


def _vendor_observation(ids: _Ids, f: Finding, result: Result) -> dict[str, Any]:
    return {
        "uuid": ids.of("observation-vendor-dependency", f),
        "title": f"Vendor dependency: {f.target}",
        "description": f"The weakness sits in the leveraged service {f.target}; its provider "
        "must remediate it, and the system owner tracks it with the vendor.",
        "methods": ["EXAMINE"],
        "types": ["vendor-dependency"],
        "subjects": _subjects(ids, f),
        "collected": _collected(f, result),
    }


def _dump(document: dict[str, Any]) -> str:
    return pretty_json(document, levels=5)


def render_oscal(result: Result) -> str:
    """OSCAL 1.1.3 assessment results (JSON text, deterministic)."""
    return _dump(_assessment_results(result, text=True))


def render_poam(result: Result) -> str:
    """OSCAL 1.1.3 plan of action and milestones (JSON text, deterministic)."""
    return _dump(_poam(result, text=True))


__all__ = [
    "FEDRAMP_NS",
    "NAMESPACE",
    "OSCAL_VERSION",
    "build_assessment_results",
    "build_poam",
    "methods",
    "poam_id",
    "render_oscal",
    "render_poam",
    "token",
]
