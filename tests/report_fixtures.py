"""A hand-built Result with every status, a waiver, deviations, unicode and hostile strings.

The report tests render it in every format; the golden files under tests/golden/ are rendered
from it. It does not depend on the catalog or the engine.
"""

from __future__ import annotations

from fedcheck.findings import (
    ControlInfo,
    Evidence,
    Finding,
    InputFile,
    Location,
    Result,
    Severity,
    Status,
    Waiver,
)
from fedcheck.risk import rate

#: Text a deployment could carry that must show literally in every format.
SCRIPT = "<script>alert(1)</script>"
JINJA = "{{ 7*7 }}"
CDATA_END = "]]>"
TESTCASE_END = "</testcase>"
QUOTE = "say \"hi\" & 'bye'"
CONTROL_CHARS = "bell\x07 escape\x1b[31m null\x00 end"
UNICODE = "Zürich 東京 — ünïcødé ✓"

HOSTILE_NAME = f"{SCRIPT} {JINJA}"
HOSTILE_MESSAGE = f"{SCRIPT} | # {JINJA} {CDATA_END} {TESTCASE_END} {QUOTE} {UNICODE}"
DEPLOYMENT = "deploy/system.yaml"
GENERATED_AT = "2025-01-02T03:04:05Z"


def _loc(line: int, column: int, path: str, file: str = DEPLOYMENT) -> Location:
    return Location(file, line, column, path)


def controls() -> tuple[ControlInfo, ...]:
    def info(
        cid: str, oscal: str, title: str, family: str, severity: Severity, automated: bool = True
    ) -> ControlInfo:
        return ControlInfo(
            cid,
            oscal,
            title,
            family,
            severity,
            f"Checks {title.lower()}.",
            f"Fix {title.lower()}. Then re-run.",
            automated,
            ("low", "moderate", "high"),
            {},
        )

    return (
        info("AC-2(3)", "ac-2.3", "Disable Accounts", "AC", Severity.MODERATE),
        info("AC-11", "ac-11", "Device Lock", "AC", Severity.MODERATE),
        info("AU-11", "au-11", "Audit Record Retention", "AU", Severity.LOW),
        info(
            "IA-2(1)",
            "ia-2.1",
            "Multi-factor Authentication to Privileged Accounts",
            "IA",
            Severity.HIGH,
        ),
        info("PE-3", "pe-3", "Physical Access Control", "PE", Severity.HIGH, automated=False),
        info("SC-8", "sc-8", "Transmission Confidentiality and Integrity", "SC", Severity.CRITICAL),
        info("SC-7", "sc-7", "Boundary Protection", "SC", Severity.HIGH),
        info("CA-2", "ca-2", "Control Assessments", "CA", Severity.MODERATE, automated=False),
    )


def waiver() -> Waiver:
    return Waiver(
        "AC-11",
        "web-ui",
        f"Lock moves to the IdP in release 4.2 ({UNICODE}).",
        "ISSO",
        "2024-12-01",
        "2025-02-28",
        "poam",
        "POAM-0007",
        Location("deploy/waivers.yaml", 4, 5, "waivers[0]"),
    )


def findings() -> tuple[Finding, ...]:
    w = waiver()
    return (
        Finding(
            "SC-8",
            Status.FAIL,
            Severity.CRITICAL,
            "public-api",
            "component",
            HOSTILE_MESSAGE,
            "Transmission Confidentiality and Integrity",
            "SC",
            _loc(31, 9, "components[public-api].tls.min_version"),
            (
                Evidence(
                    "components[public-api].tls.min_version",
                    "1.0",
                    "at least 1.2",
                    _loc(31, 9, "components[public-api].tls.min_version"),
                ),
            ),
            f"Set `tls.min_version` to 1.2 or later. {SCRIPT} stays text.",
        ),
        Finding(
            "IA-2(1)",
            Status.FAIL,
            Severity.HIGH,
            "admin-console",
            "component",
            "privileged users sign in without MFA; FedRAMP requires it",
            "Multi-factor Authentication to Privileged Accounts",
            "IA",
            _loc(12, 7, "components[admin-console].access.mfa"),
            (Evidence("components[admin-console].access.mfa", None, "true", None, True),),
            "Set `access.mfa` to true on the component. Enforce it at the IdP.",
        ),
        Finding(
            "AU-11",
            Status.ERROR,
            Severity.LOW,
            "sys-1",
            "system",
            f"the check could not be evaluated: {CONTROL_CHARS}",
            "Audit Record Retention",
            "AU",
            None,
            (),
            "Report this. It is a bug.",
        ),
        Finding(
            "AC-11",
            Status.WAIVED,
            Severity.MODERATE,
            "web-ui",
            "component",
            "session locks after 30 minutes of inactivity; FedRAMP high allows at most 15",
            "Device Lock",
            "AC",
            _loc(20, 32, "components[web-ui].access.session_timeout_minutes"),
            (
                Evidence(
                    "components[web-ui].access.session_timeout_minutes",
                    30,
                    "at most 15",
                    _loc(20, 32, "components[web-ui].access.session_timeout_minutes"),
                ),
            ),
            "Set `access.session_timeout_minutes` to 15 or less.",
            w,
        ),
        Finding(
            "AC-2(3)",
            Status.PASS,
            Severity.MODERATE,
            "web-ui",
            "component",
            "inactive accounts are disabled after 1 day",
            "Disable Accounts",
            "AC",
            _loc(22, 5, "components[web-ui].accounts.disable_inactive_after_days"),
            (),
            "Set `accounts.disable_inactive_after_days`.",
        ),
        Finding(
            "SC-7",
            Status.NOT_APPLICABLE,
            Severity.HIGH,
            "batch",
            "component",
            "not reachable from the internet",
            "Boundary Protection",
            "SC",
            _loc(40, 3, "components[batch]"),
            (),
            "",
        ),
        Finding(
            "PE-3",
            Status.INHERITED,
            Severity.HIGH,
            "sys-1",
            "system",
            f"inherited from Cloud {UNICODE} (FedRAMP high)",
            "Physical Access Control",
            "PE",
            _loc(5, 3, "inherited[0]"),
            (
                Evidence(
                    "fedramp_authorization", "high", "at least high", _loc(5, 3, "inherited[0]")
                ),
            ),
            "",
        ),
        Finding(
            "CA-2",
            Status.MANUAL,
            Severity.MODERATE,
            "sys-1",
            "system",
            f"evidence needed: control assessments {JINJA}",
            "Control Assessments",
            "CA",
            Location(DEPLOYMENT),
            (),
            "Provide the assessment plan.",
        ),
    )


def make_result() -> Result:
    """The Result every report test renders, with its failures rated (fedcheck.risk)."""
    return rate(
        Result(
            findings=findings(),
            system={
                "id": "sys-1",
                "name": HOSTILE_NAME,
                "owner": f"Owner {QUOTE}",
                "description": f"# Not a heading | {UNICODE} {CDATA_END}",
                "impact_level": "high",
                "environment": "production",
            },
            baseline="high",
            controls=controls(),
            catalog_version="2025.1",
            catalog_sha256="ab" * 32,
            tool_version="0.1.0",
            generated_at=GENERATED_AT,
            inputs=(
                InputFile("deployment", DEPLOYMENT, "cd" * 32),
                InputFile("waivers", "deploy/waivers.yaml", "ef" * 32),
            ),
            deviations=(
                {
                    "kind": "parameter",
                    "control": "AC-11",
                    "title": "Device Lock",
                    "parameter": "max_idle_minutes",
                    "odp": "ac-11_odp.02",
                    "fedramp_value": 15,
                    "value": 20,
                    "justification": f"Dictation | {JINJA}",
                    "approved_by": "AO",
                    "approved_on": "2024-11-02",
                    "location": {
                        "file": "deploy/profile.yaml",
                        "line": 23,
                        "column": 5,
                        "path": "deviations[0]",
                    },
                },
            ),
            waivers=(
                {
                    **waiver().to_dict(),
                    "state": "applied",
                    "days_to_expiry": 57,
                    "findings": [{"control_id": "AC-11", "target": "web-ui"}],
                },
            ),
            notes=(f"note with {SCRIPT}",),
        )
    )
