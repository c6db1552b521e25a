"""The CR26 vulnerability detection and response (VDR) checks: cadences, timeframes, KEVs.

Judged only under the Consolidated Rules 2026 (``--rules cr26``), once their VDR rules are in
force; the values come from the generated edition data (``fedcheck.editions.vdr_values``). Each
finding carries the FedRAMP rule id (``VDR-TFR-PDD``) as its control id and family ``VDR``.

Fail closed, as for the controls: a contract field a check needs (``scan_frequency_days``) left
out fails; a fedcheck extension field left out asks for evidence (``manual``); an unstated
``likely_to_drift`` is judged by the stricter drift cadence; an unstated ``network.public`` makes
the internet-reachable timeframes apply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .editions import Rules, vdr_values
from .findings import ControlInfo, Evidence, Finding, Location, Severity, Status

Locate = Callable[[tuple[str | int, ...]], Location]

#: Controls whose Rev5 FedRAMP values CR26 replaces by the VDR rules (their CTL guidance says
#: "Follow the FedRAMP Vulnerability Detection and Response ... rules" and sets no parameter).
VDR_REPLACES = ("ra-5", "si-2")

_KINDS = {
    "irv_lev": "internet-reachable, likely exploitable",
    "nirv_lev": "not internet-reachable, likely exploitable",
    "nlev": "not likely exploitable",
}

_RULES: dict[str, tuple[str, str, str]] = {
    # rule id -> (title, summary, remediation)
    "VDR-TFR-PDD": (
        "Persistent Drift Detection",
        "Components likely to drift are scanned for vulnerabilities at least every {$days} days.",
        "Scan the component at least every {$days} days and set "
        "`vulnerability_management.scan_frequency_days` to that or less; if it is not likely to "
        "drift, state `vulnerability_management.likely_to_drift: false`.",
    ),
    "VDR-TFR-PCD": (
        "Persistently Complete Detection",
        "Components not likely to drift are scanned for vulnerabilities at least every {$days} days.",
        "Scan the component at least every {$days} days and set "
        "`vulnerability_management.scan_frequency_days` to that or less.",
    ),
    "VDR-TFR-PSD": (
        "Persistent Sample Detection",
        "Representative samples of similar resources are scanned at least every {$days} days.",
        "Scan representative samples at least every {$days} days and record it in "
        "`vulnerability_management.sample_detection_days`.",
    ),
    "VDR-TFR-MVF": (
        "Persistent Machine Verification and Validation for Rev5",
        "The component's status is verified and validated by machine at least every {$days} days.",
        "Verify and validate the component's status automatically at least every {$days} days "
        "and record it in `vulnerability_management.machine_validation_days`.",
    ),
    "VDR-TFR-PVR": (
        "Mitigation and Remediation Expectations",
        "Vulnerabilities are mitigated within CR26's timeframes by N-rating, reachability and "
        "exploitability.",
        "Commit to response timeframes no longer than CR26's for the class in "
        "`vulnerability_management.response_hours` (n2..n5, each with irv_lev, nirv_lev, nlev).",
    ),
    "VDR-TFR-KEV": (
        "Remediate KEVs",
        "Known exploited vulnerabilities are remediated by CISA's KEV catalog due dates.",
        "Remediate KEVs by the CISA catalog due dates and state "
        "`vulnerability_management.kev_cisa_due_dates: true`.",
    ),
}


def _severity(force: str) -> Severity:
    return Severity.HIGH if force == "MUST" else Severity.MODERATE


def _days(n: Any) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _text(template: str, days: Any) -> str:
    return template.replace("{$days}", str(days))


def infos(rules: Rules) -> list[ControlInfo]:
    """The VDR rules a run judges, as report entries (a SARIF rule, a row in the report)."""
    values = vdr_values(str(rules.cert_class))
    out = []
    for rule_id, (title, summary, remediation) in _RULES.items():
        entry = _entry(values, rule_id)
        days = entry.get("days")
        params: dict[str, Any] = (
            {"max_days": {"value": days, "source": f"{rules.label} {rule_id}"}}
            if days is not None
            else {"max_hours": entry.get("hours", {}), "source": f"{rules.label} {rule_id}"}
        )
        out.append(
            ControlInfo(
                rule_id,
                rule_id.lower(),
                title,
                "VDR",
                _severity(entry["force"]),
                _text(summary, days),
                _text(remediation, days),
                True,
                (),
                params,
            )
        )
    return out


def _entry(values: dict[str, Any], rule_id: str) -> dict[str, Any]:
    for entry in values.values():
        if entry["rule"] == rule_id:
            found: dict[str, Any] = entry
            return found
    raise KeyError(rule_id)


def evaluate_vdr(data: dict[str, Any], rules: Rules, locate: Locate) -> list[Finding]:
    """One finding per VDR rule and component (the deployment data is the loaded mapping)."""
    values = vdr_values(str(rules.cert_class))
    out: list[Finding] = []
    for i, component in enumerate(data.get("components") or []):
        if not isinstance(component, dict):
            continue
        check = _Checker(rules, values, component, ("components", i), locate)
        out.extend(check.all())
    return out


class _Checker:
    def __init__(
        self,
        rules: Rules,
        values: dict[str, Any],
        component: dict[str, Any],
        base: tuple[str | int, ...],
        locate: Locate,
    ) -> None:
        self.rules = rules
        self.values = values
        self.component = component
        self.base = base
        self.locate = locate
        self.target = str(component.get("id", "?"))
        self.vm = component.get("vulnerability_management") or {}

    def _finding(
        self,
        rule_id: str,
        status: Status,
        message: str,
        path: tuple[str | int, ...],
        evidence: tuple[Evidence, ...] = (),
    ) -> Finding:
        title, _, remediation = _RULES[rule_id]
        entry = _entry(self.values, rule_id)
        return Finding(
            control_id=rule_id,
            status=status,
            severity=_severity(entry["force"]),
            target=self.target,
            target_kind="component",
            message=message,
            title=title,
            family="VDR",
            location=self.locate((*self.base, *path)),
            evidence=evidence,
            remediation=_text(remediation, entry.get("days")) if status is not Status.PASS else "",
        )

    def _source(self, rule_id: str) -> str:
        return f"{self.rules.label} ({rule_id})"

    def all(self) -> list[Finding]:
        return [
            self.detection(),
            self.cadence("VDR-TFR-PSD", "sample_detection_days"),
            self.cadence("VDR-TFR-MVF", "machine_validation_days"),
            self.response(),
            self.kev(),
        ]

    def detection(self) -> Finding:
        drift = self.vm.get("likely_to_drift")
        rule_id = "VDR-TFR-PCD" if drift is False else "VDR-TFR-PDD"
        limit = _entry(self.values, rule_id)["days"]
        path = ("vulnerability_management", "scan_frequency_days")
        actual = self.vm.get("scan_frequency_days")
        why = (
            ""
            if drift is not None
            else " (likely_to_drift is not stated, so the drift cadence applies)"
        )
        expected = f"at most {_days(limit)}"
        ev = (
            Evidence(
                ".".join(path), actual, expected, self.locate((*self.base, *path)), actual is None
            ),
        )
        if not isinstance(actual, int) or isinstance(actual, bool):
            return self._finding(
                rule_id,
                Status.FAIL,
                f"vulnerability detection cadence is not stated; {self._source(rule_id)} requires {expected}{why}",
                path,
                ev,
            )
        status = Status.PASS if actual <= limit else Status.FAIL
        return self._finding(
            rule_id,
            status,
            f"scanned every {actual} days; {self._source(rule_id)} requires {expected}{why}",
            path,
            ev,
        )

    def cadence(self, rule_id: str, field: str) -> Finding:
        limit = _entry(self.values, rule_id)["days"]
        path = ("vulnerability_management", field)
        actual = self.vm.get(field)
        expected = f"at most {_days(limit)}"
        ev = (
            Evidence(
                ".".join(path), actual, expected, self.locate((*self.base, *path)), actual is None
            ),
        )
        if actual is None:
            return self._finding(
                rule_id,
                Status.MANUAL,
                f"evidence needed: `{field}` is not stated; {self._source(rule_id)} requires {expected}",
                path,
                ev,
            )
        status = Status.PASS if actual <= limit else Status.FAIL
        return self._finding(
            rule_id,
            status,
            f"{field.replace('_', ' ')} is {actual}; {self._source(rule_id)} requires {expected}",
            path,
            ev,
        )

    def response(self) -> Finding:
        rule_id = "VDR-TFR-PVR"
        limits: dict[str, dict[str, int]] = _entry(self.values, rule_id)["hours"]
        path: tuple[str | int, ...] = ("vulnerability_management", "response_hours")
        stated = self.vm.get("response_hours")
        if stated is None:
            return self._finding(
                rule_id,
                Status.MANUAL,
                f"evidence needed: `response_hours` is not stated; {self._source(rule_id)} sets "
                "timeframes by N-rating, reachability and exploitability",
                path,
            )
        public = (self.component.get("network") or {}).get("public")
        kinds = [k for k in _KINDS if k != "irv_lev" or public is not False]
        evidence = []
        bad = []
        for rating, row in limits.items():
            for kind in kinds:
                cell = (*path, rating, kind)
                actual = (stated.get(rating) or {}).get(kind)
                limit = row[kind]
                ev = Evidence(
                    ".".join(map(str, cell)),
                    actual,
                    f"at most {limit} hours",
                    self.locate((*self.base, *cell)),
                    actual is None,
                )
                evidence.append(ev)
                if actual is None or actual > limit:
                    bad.append((rating, kind, actual, limit, cell))
        if not bad:
            return self._finding(
                rule_id,
                Status.PASS,
                f"response timeframes within {self._source(rule_id)} for every N-rating",
                path,
                tuple(evidence),
            )
        rating, kind, actual, limit, cell = bad[0]
        said = "not stated" if actual is None else f"{actual} hours"
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        return self._finding(
            rule_id,
            Status.FAIL,
            f"{rating.upper()} {_KINDS[kind]}: {said}; {self._source(rule_id)} requires at most "
            f"{limit} hours{more}",
            cell[:-2] if actual is None and rating not in stated else cell,
            tuple(evidence),
        )

    def kev(self) -> Finding:
        rule_id = "VDR-TFR-KEV"
        path = ("vulnerability_management", "kev_cisa_due_dates")
        actual = self.vm.get("kev_cisa_due_dates")
        ref = _entry(self.values, rule_id)["reference"]
        ev = (
            Evidence(
                ".".join(path), actual, "true", self.locate((*self.base, *path)), actual is None
            ),
        )
        if actual is None:
            return self._finding(
                rule_id,
                Status.MANUAL,
                f"evidence needed: KEV remediation by CISA due dates ({ref}) is not stated",
                path,
                ev,
            )
        if actual is True:
            return self._finding(
                rule_id, Status.PASS, f"KEVs remediated by CISA due dates ({ref})", path, ev
            )
        return self._finding(
            rule_id,
            Status.FAIL,
            f"KEVs are not remediated by CISA due dates; {self._source(rule_id)} follows {ref}",
            path,
            ev,
        )
