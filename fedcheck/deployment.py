"""Pydantic models of the deployment description (version 1): the source of its JSON Schema.

Every field of the contract is optional unless it identifies something: an absent field means
"not stated", and it is the controls (not the model) that refuse to pass on it. Fields that
fedcheck adds beyond the contract are marked ``x-fedcheck-extension`` in the schema; a control
that needs one of them asks for evidence (``manual``) when it is absent instead of failing.
"""

# No ``from __future__ import annotations``: pydantic would then evaluate every field's
# annotation from its text when it creates each model and again when it builds the validator,
# which is most of what importing this module and checking a first document cost.
import datetime
import typing
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SCHEMA_ID = "https://fedcheck.dev/schemas/deployment-v1.schema.json"

ImpactLevel = Literal["low", "moderate", "high"]
Authorization = Literal["none", "li-saas", "low", "moderate", "high"]
Environment = Literal["production", "staging", "development"]
ComponentType = Literal[
    "web_app",
    "api",
    "compute",
    "database",
    "object_storage",
    "queue",
    "network",
    "identity_provider",
    "logging",
    "ai_model",
    "other",
]
DataType = Literal["public", "internal", "pii", "phi", "cui", "fti", "law_enforcement", "other"]
KeyManagement = Literal["provider_managed", "customer_managed", "hsm"]
TlsVersion = Literal["1.0", "1.1", "1.2", "1.3"]
AuthorizationModel = Literal["rbac", "abac", "none"]
SettingsBenchmark = Literal["disa_stig", "cis_level_2", "cis_level_1", "custom", "none"]
ServiceType = Literal["saas", "paas", "iaas", "ai_model", "identity", "other"]
Responsibility = Literal["full", "shared"]

#: The ordered scales of the contract. Impact levels and authorizations share one rank so that
#: "authorized at or above the data's impact level" compares across the two scales.
LEVEL_RANK: dict[str, int] = {"none": 0, "li-saas": 1, "low": 2, "moderate": 3, "high": 4}
TLS_RANK: dict[str, int] = {"1.0": 0, "1.1": 1, "1.2": 2, "1.3": 3}

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
SYSTEM_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
COUNTRY_PATTERN = r"^[a-z]{2}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
URL_PATTERN = r"^https?://[^\s]+$"

# Upper bounds keep absurd numbers (a typo of 9999999 days) from passing as "very strict".
_MAX_DAYS = 36_500
_MAX_MINUTES = 525_600
_MAX_HOURS = 8_760
_MAX_ATTEMPTS = 1_000


def _calendar_date(value: str) -> str:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date of the calendar") from None
    return value


#: A calendar date written YYYY-MM-DD (YAML reads it as a string in fedcheck's loader).
IsoDate = Annotated[
    str,
    Field(pattern=DATE_PATTERN, json_schema_extra={"format": "date"}),
    AfterValidator(_calendar_date),
]


def _ext(description: str) -> dict[str, Any]:
    return {"x-fedcheck-extension": True, "description": description}


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        populate_by_name=True,
        frozen=True,
        validate_default=False,
        # Build validators when a document is first validated, not at import: a command that
        # validates nothing (--version, schema, explain) does not pay for them, and a check
        # builds the one validator of Deployment instead of one per model.
        defer_build=True,
    )


class IncidentResponse(_Model):
    """How security incidents leave the system."""

    contact: str | None = Field(
        None, min_length=1, description="Who receives security incident reports (an address)."
    )
    reports_to_cisa: bool | None = Field(
        None, description="Incidents are reported to CISA / US-CERT as FedRAMP requires."
    )


class System(_Model):
    """The system: one authorization boundary."""

    id: str = Field(
        ..., pattern=SYSTEM_ID_PATTERN, max_length=128, description="Short identifier, [a-z0-9-]."
    )
    name: str | None = Field(None, description="Human-readable name of the system.")
    owner: str | None = Field(None, description="The organization that owns the system.")
    description: str | None = Field(None, description="What the system does, in a sentence.")
    impact_level: ImpactLevel | None = Field(
        None,
        description="FIPS 199 high-water mark of the whole system: low | moderate | high. "
        "It selects the default baseline.",
    )
    environment: Environment | None = Field(None, description="production | staging | development.")
    incident_response: IncidentResponse | None = Field(
        None, description="How security incidents are reported."
    )


class DataClassification(_Model):
    """The data a component, or a flow, stores, processes or carries."""

    impact_level: ImpactLevel | None = Field(
        None, description="FIPS 199 level of the data: low | moderate | high."
    )
    types: list[DataType] | None = Field(
        None,
        max_length=64,
        description="Kinds of data: public | internal | pii | phi | cui | fti | law_enforcement | other.",
    )


class Hosting(_Model):
    """Where a component runs."""

    provider: str | None = Field(None, description="Cloud or hosting provider, e.g. aws.")
    service: str | None = Field(None, description="The provider's service offering.")
    region: str | None = Field(None, description="The provider's region.")
    fedramp_authorization: Authorization | None = Field(
        None,
        description="The hosting service's FedRAMP authorization: none | li-saas | low | moderate | high.",
    )
    data_location: str | None = Field(
        None,
        pattern=COUNTRY_PATTERN,
        description="ISO 3166 alpha-2 country code (lowercase) of where data is stored and processed.",
    )


class Network(_Model):
    """How a component is reached."""

    public: bool | None = Field(None, description="Reachable from the internet.")
    boundary_protection: list[str] | None = Field(
        None,
        max_length=64,
        description="Managed interfaces in front of the component (waf, load_balancer, "
        "private_subnet, ...); empty when none.",
    )
    dos_protection: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "A denial-of-service protection service or appliance (ICMP and SYN floods, slowloris, "
            "volume attacks) stands in front of the component (SC-5)."
        ),
    )
    deny_by_default: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Network traffic to and from the component is denied unless a rule allows it (SC-7(5))."
        ),
    )
    egress_via_proxy: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Traffic to external networks goes only through authenticated proxy servers (SC-7(8))."
        ),
    )
    isolated: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The component sits in a network segment of its own function, apart from components that support other functions (SC-7(21))."
        ),
    )


class AtRest(_Model):
    """Encryption of stored data."""

    enabled: bool | None = Field(None, description="Stored data is encrypted.")
    fips_validated: bool | None = Field(
        None, description="A FIPS 140-2 or 140-3 validated module does the encryption."
    )
    key_management: KeyManagement | None = Field(
        None, description="provider_managed | customer_managed | hsm."
    )
    key_rotation_days: int | None = Field(
        None,
        ge=1,
        le=_MAX_DAYS,
        json_schema_extra=_ext("How often the encryption keys are rotated, in days."),
    )


class InTransit(_Model):
    """Encryption of data on the wire."""

    tls_min_version: TlsVersion | None = Field(
        None,
        description='Lowest TLS version accepted: "1.0" | "1.1" | "1.2" | "1.3"; always a string.',
    )
    fips_validated: bool | None = Field(
        None, description="A FIPS 140-2 or 140-3 validated module terminates TLS."
    )


class Encryption(_Model):
    """Encryption of a component's data."""

    at_rest: AtRest | None = Field(None, description="Encryption of stored data.")
    in_transit: InTransit | None = Field(None, description="Encryption of data on the wire.")


class Logging(_Model):
    """Audit logging of a component."""

    enabled: bool | None = Field(None, description="The component writes audit records.")
    events: list[str] | None = Field(
        None,
        max_length=256,
        description="Event types logged: authentication, authorization, privileged_actions, "
        "data_access, configuration_changes, ...",
    )
    retention_days: int | None = Field(
        None,
        ge=0,
        le=_MAX_DAYS,
        description="Total retention, active and cold storage together, in days.",
    )
    active_retention_days: int | None = Field(
        None,
        ge=0,
        le=_MAX_DAYS,
        description="Immediately searchable part of the retention, in days.",
    )
    centralized: bool | None = Field(
        None, description="Shipped to a central SIEM outside the component."
    )
    tamper_protected: bool | None = Field(
        None, description="Write-once or cryptographically protected."
    )
    review_frequency_days: int | None = Field(
        None, ge=1, le=_MAX_DAYS, description="How often someone reviews the logs, in days."
    )
    storage_capacity_alerts: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Operators are alerted before audit log storage fills up. No control reads it any "
            "more: AU-4 reads storage_capacity_days and AU-5(1) storage_warning_percent."
        ),
    )
    storage_capacity_days: int | None = Field(
        None,
        ge=0,
        le=_MAX_DAYS,
        json_schema_extra=_ext(
            "Days of audit records the storage allocated to them holds at the current rate of "
            "logging, active and cold storage together (AU-4: capacity for the retention)."
        ),
    )
    storage_warning_percent: int | None = Field(
        None,
        ge=1,
        le=100,
        json_schema_extra=_ext(
            "Share of the allocated audit log storage, in percent, at which the staff who can add "
            "capacity are warned (AU-5(1))."
        ),
    )
    storage_warning_days_ahead: int | None = Field(
        None,
        ge=0,
        le=_MAX_DAYS,
        json_schema_extra=_ext(
            "Or: how many days before the audit log storage is expected to run out that warning "
            "is given (AU-5(1))."
        ),
    )
    time_synchronized: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The component's clock is synchronized with an authoritative time source, and any "
            "difference from it is corrected (SC-45(1))."
        ),
    )
    time_sync_interval_minutes: int | None = Field(
        None,
        ge=1,
        le=_MAX_MINUTES,
        json_schema_extra=_ext(
            "Minutes between comparisons of the clock with the authoritative time source "
            "(SC-45(1))."
        ),
    )
    timestamp_granularity_ms: int | None = Field(
        None,
        ge=1,
        le=86_400_000,
        json_schema_extra=_ext(
            "Granularity of the time stamps of audit records, in milliseconds: 1000 for "
            "one-second time stamps, 1 for millisecond ones (AU-8)."
        ),
    )
    timestamps_utc: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Audit time stamps are in Coordinated Universal Time, or carry their fixed offset "
            "from it (AU-8)."
        ),
    )
    record_content: list[str] | None = Field(
        None,
        max_length=64,
        json_schema_extra=_ext(
            "What every audit record states: event_type, timestamp, location, source, outcome, "
            "identity, ... (AU-3)."
        ),
    )
    cryptographic_integrity: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Audit records are signed or hash-chained by a FIPS-validated module, so that a change "
            "is detectable (AU-9(3))."
        ),
    )
    restricted_access: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Only a defined subset of privileged users (auditors, security staff) can manage audit "
            "logging and its records (AU-9(4))."
        ),
    )
    repositories_correlated: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Audit record repositories are analyzed and correlated across the system (AU-6(3))."
        ),
    )
    realtime_analysis: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Events are analyzed in near real time by automated tools (SI-4(2))."
        ),
    )
    traffic_monitoring: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Inbound and outbound traffic is monitored continuously for unusual or unauthorized activity (SI-4(4))."
        ),
    )
    compromise_alerts: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Indications of compromise raise alerts to the security team (SI-4(5))."
        ),
    )
    correlated: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Monitoring information from across the system is correlated (SI-4(16))."
        ),
    )
    automated_review: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Audit record review, analysis and reporting are integrated by automated mechanisms (AU-6(1))."
        ),
    )


class Passwords(_Model):
    """A memorized-secret policy, as NIST SP 800-63B section 5.1.1 describes it."""

    min_length: int | None = Field(
        None,
        ge=1,
        le=1_000,
        json_schema_extra=_ext("Shortest password accepted, in characters."),
    )
    blocklist_checked: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "New passwords are checked against lists of breached, common and expected values."
        ),
    )
    composition_rules: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Composition rules (a required special character, digit or case mix) are enforced; "
            "NIST SP 800-63B and FedRAMP say they must not be."
        ),
    )
    periodic_rotation: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Passwords expire on a schedule without evidence of compromise; NIST SP 800-63B "
            "and FedRAMP say they must not."
        ),
    )


class Authentication(_Model):
    """How users prove who they are."""

    mfa: bool | None = Field(None, description="Multi-factor authentication is required.")
    phishing_resistant: bool | None = Field(
        None, description="The MFA is phishing-resistant: FIDO2/WebAuthn or PIV, not SMS or push."
    )
    piv: bool | None = Field(None, description="Accepts PIV/CAC credentials of federal users.")
    sso: bool | None = Field(
        None, description="Sign-on goes through the organization's identity provider."
    )
    replay_resistant: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Authentication resists replay (a one-time or challenge-response authenticator, "
            "as NIST SP 800-63B defines it) for privileged and non-privileged accounts (IA-2(8))."
        ),
    )
    passwords: Passwords | None = Field(
        None,
        json_schema_extra=_ext(
            "The memorized-secret policy, when users sign in with passwords (IA-5(1))."
        ),
    )


class Lockout(_Model):
    """Response to consecutive failed logons."""

    max_attempts: int | None = Field(
        None, ge=1, le=_MAX_ATTEMPTS, description="Consecutive invalid logon attempts allowed ..."
    )
    window_minutes: int | None = Field(
        None, ge=1, le=_MAX_MINUTES, description="... within this window, in minutes."
    )
    lock_minutes: int | None = Field(
        None,
        ge=0,
        le=_MAX_MINUTES,
        description="Then locked this long, in minutes, or until an administrator unlocks.",
    )


class Privileged(_Model):
    """Controls on administrators."""

    mfa: bool | None = Field(None, description="Privileged accounts require MFA.")
    separate_accounts: bool | None = Field(
        None, description="Administrators use accounts separate from their daily ones."
    )
    actions_logged: bool | None = Field(
        None, json_schema_extra=_ext("Execution of privileged functions is logged (AC-6(9)).")
    )
    review_frequency_days: int | None = Field(
        None,
        ge=1,
        le=_MAX_DAYS,
        json_schema_extra=_ext(
            "How often privileged accounts and roles are reviewed, in days (AC-6(7))."
        ),
    )


class ConcurrentSessions(_Model):
    """How many sessions one account may hold at once (AC-10)."""

    privileged: int | None = Field(
        None, ge=1, le=_MAX_ATTEMPTS, json_schema_extra=_ext("For a privileged account.")
    )
    non_privileged: int | None = Field(
        None, ge=1, le=_MAX_ATTEMPTS, json_schema_extra=_ext("For a non-privileged account.")
    )


class NetworkDisconnect(_Model):
    """When the network connection of a session is terminated after inactivity (SC-10)."""

    privileged_minutes: int | None = Field(
        None, ge=1, le=_MAX_MINUTES, json_schema_extra=_ext("Privileged sessions, in minutes.")
    )
    user_minutes: int | None = Field(
        None, ge=1, le=_MAX_MINUTES, json_schema_extra=_ext("User sessions, in minutes.")
    )


class RemoteAccess(_Model):
    """Remote (administrative or user) access to the component over external networks."""

    monitored: bool | None = Field(
        None,
        json_schema_extra=_ext("Remote access sessions are monitored and controlled (AC-17(1))."),
    )
    encrypted: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Remote access sessions are protected by cryptography (a VPN, SSH, TLS) (AC-17(2))."
        ),
    )
    managed_access_points: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Remote access goes only through managed access control points (a bastion, a VPN "
            "concentrator, a session manager) (AC-17(3))."
        ),
    )
    split_tunneling_blocked: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "A remote device cannot reach other networks while it is connected to the system (SC-7(7))."
        ),
    )


class Access(_Model):
    """Identification, authentication and authorization of users."""

    sign_in: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The component has accounts of its own that people sign in to: users of a web "
            "sign-in, a database's administrators, SSH or console access to compute, a network "
            "device's console. false only when no person can sign in to the component itself "
            "(IA-2, AC-7, AC-2(3))."
        ),
    )
    interactive: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "People hold interactive sessions on the component (a browser, a console, a shell); "
            "false for a machine-to-machine interface that no person uses directly (AC-11)."
        ),
    )
    authentication: Authentication | None = Field(None, description="How users authenticate.")
    authorization: AuthorizationModel | None = Field(
        None, description="Access enforcement model: rbac | abac | none."
    )
    session_timeout_minutes: int | None = Field(
        None, ge=0, le=_MAX_MINUTES, description="Inactivity before the session locks, in minutes."
    )
    session_max_lifetime_hours: int | None = Field(
        None,
        ge=1,
        le=_MAX_HOURS,
        json_schema_extra=_ext(
            "A session is terminated after this many hours whatever its activity (AC-12)."
        ),
    )
    lockout: Lockout | None = Field(None, description="Response to consecutive failed logons.")
    inactive_account_disable_days: int | None = Field(
        None, ge=0, le=_MAX_DAYS, description="Accounts inactive this many days are disabled."
    )
    account_review_frequency_days: int | None = Field(
        None,
        ge=1,
        le=_MAX_DAYS,
        json_schema_extra=_ext(
            "How often all user accounts are reviewed for compliance, in days (AC-2)."
        ),
    )
    privileged: Privileged | None = Field(None, description="Controls on administrators.")
    use_notification: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "A system use notification (the approved banner) is shown before sign-in and must be "
            "acknowledged (AC-8)."
        ),
    )
    concurrent_sessions: ConcurrentSessions | None = Field(
        None, json_schema_extra=_ext("Concurrent sessions allowed per account (AC-10).")
    )
    network_disconnect: NetworkDisconnect | None = Field(
        None,
        json_schema_extra=_ext(
            "When an inactive session's network connection is terminated (SC-10)."
        ),
    )
    session_authenticity: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Session identifiers are random, bound to the session, protected in transit and "
            "invalidated at sign-out (SC-23)."
        ),
    )
    atypical_usage_monitoring: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Accounts are monitored for atypical use, reported to the ISSO or a similar role (AC-2(12))."
        ),
    )
    remote_access: RemoteAccess | None = Field(
        None, json_schema_extra=_ext("Remote access over external networks (AC-17).")
    )


class Backup(_Model):
    """Backups of a component's data."""

    enabled: bool | None = Field(None, description="The component's data is backed up.")
    frequency_hours: int | None = Field(
        None, ge=1, le=_MAX_HOURS, description="Hours between backups."
    )
    last_restore_test_days: int | None = Field(
        None,
        ge=0,
        le=_MAX_DAYS,
        description="Days since backups were last test-restored (a day count does not age: "
        "prefer last_restore_test).",
    )
    last_restore_test: IsoDate | None = Field(
        None,
        json_schema_extra=_ext(
            "The date backups were last test-restored, YYYY-MM-DD; judged against the evaluation "
            "date (the dated form of last_restore_test_days; state one of the two)."
        ),
    )
    alternate_site: bool | None = Field(
        None, description="Copies kept at a geographically separate site."
    )
    encrypted: bool | None = Field(None, description="Backups are encrypted.")
    copies: int | None = Field(
        None,
        ge=0,
        le=1_000,
        json_schema_extra=_ext("Number of backup copies kept (CP-9 asks for three)."),
    )


class RemediationDays(_Model):
    """Maximum days to remediate vulnerability findings, by risk."""

    critical: int | None = Field(
        None,
        ge=0,
        le=_MAX_DAYS,
        json_schema_extra=_ext("Days to remediate critical-risk findings."),
    )
    high: int | None = Field(
        None, ge=0, le=_MAX_DAYS, description="Days to remediate high-risk findings."
    )
    moderate: int | None = Field(
        None, ge=0, le=_MAX_DAYS, description="Days to remediate moderate-risk findings."
    )
    low: int | None = Field(
        None, ge=0, le=_MAX_DAYS, description="Days to remediate low-risk findings."
    )


class ResponseCell(_Model):
    """Committed response hours for one N-rating (CR26 VDR-TFR-PVR)."""

    irv_lev: int | None = Field(
        None,
        ge=0,
        le=_MAX_HOURS * 10,
        json_schema_extra=_ext("Internet-reachable and likely exploitable, in hours."),
    )
    nirv_lev: int | None = Field(
        None,
        ge=0,
        le=_MAX_HOURS * 10,
        json_schema_extra=_ext("Not internet-reachable, likely exploitable, in hours."),
    )
    nlev: int | None = Field(
        None,
        ge=0,
        le=_MAX_HOURS * 10,
        json_schema_extra=_ext("Not likely exploitable, in hours."),
    )


class ResponseTimeframes(_Model):
    """Committed response hours by potential agency impact N-rating (N1 has no timeframe)."""

    n2: ResponseCell | None = Field(None, json_schema_extra=_ext("N2 (low potential impact)."))
    n3: ResponseCell | None = Field(None, json_schema_extra=_ext("N3."))
    n4: ResponseCell | None = Field(None, json_schema_extra=_ext("N4."))
    n5: ResponseCell | None = Field(None, json_schema_extra=_ext("N5 (highest potential impact)."))


class VulnerabilityManagement(_Model):
    """Scanning and patching of a component."""

    scan_frequency_days: int | None = Field(
        None, ge=1, le=_MAX_DAYS, description="How often the component is scanned, in days."
    )
    remediation_days: RemediationDays | None = Field(
        None, description="Maximum days to remediate findings, by risk."
    )
    authenticated_scans: bool | None = Field(
        None, json_schema_extra=_ext("Scans run with privileged (authenticated) access (RA-5(5)).")
    )
    # CR26 vulnerability detection and response (VDR); judged only under `--rules cr26`.
    likely_to_drift: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "CR26 VDR: the component is likely to drift from its intended state (mutable "
            "servers, hand-changed settings); its detection cadence is then VDR-TFR-PDD's, "
            "otherwise VDR-TFR-PCD's. Unstated, the stricter PDD cadence applies."
        ),
    )
    sample_detection_days: int | None = Field(
        None,
        ge=1,
        le=_MAX_DAYS,
        json_schema_extra=_ext(
            "CR26 VDR-TFR-PSD: days between vulnerability detection runs on representative "
            "samples of similar machine-based resources."
        ),
    )
    machine_validation_days: int | None = Field(
        None,
        ge=1,
        le=_MAX_DAYS,
        json_schema_extra=_ext(
            "CR26 VDR-TFR-MVF: days between machine-based verification and validation of the "
            "component's status."
        ),
    )
    response_hours: ResponseTimeframes | None = Field(
        None,
        json_schema_extra=_ext(
            "CR26 VDR-TFR-PVR: committed hours from evaluation to mitigation or remediation, "
            "by potential agency impact N-rating (n2..n5), internet reachability and likely "
            "exploitability."
        ),
    )
    kev_cisa_due_dates: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "CR26 VDR-TFR-KEV: known exploited vulnerabilities are remediated by the due dates "
            "of CISA's KEV catalog."
        ),
    )
    update_install_days: int | None = Field(
        None,
        ge=0,
        le=_MAX_DAYS,
        json_schema_extra=_ext(
            "Most days between the release of a security-relevant software or firmware update "
            "and its installation on the component, counted from the release, not from when a "
            "scan finds the flaw (SI-2). Absent: evidence is needed."
        ),
    )


class Configuration(_Model):
    """Configuration management of a component."""

    baseline_managed: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The component is built from a version-controlled, reviewed configuration baseline (CM-2, CM-6)."
        ),
    )
    drift_detection: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Unauthorized configuration changes are detected automatically (CM-3, CM-6)."
        ),
    )
    settings_benchmark: SettingsBenchmark | None = Field(
        None,
        json_schema_extra=_ext(
            "Where the component's configuration settings come from: disa_stig | cis_level_2 | "
            "cis_level_1 | custom | none (CM-6)."
        ),
    )
    scap_compliance_scans: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The settings are checked against that benchmark by compliance scans with "
            "SCAP-validated content (SCAP-compatible where no validated content exists), and "
            "their deviations are tracked (CM-6)."
        ),
    )
    change_approval: bool | None = Field(
        None, json_schema_extra=_ext("Changes are approved before they reach production (CM-3).")
    )
    least_functionality: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Only the functions, ports, protocols and services the component needs are enabled, "
            "per the configuration settings of CM-6 (CM-7)."
        ),
    )
    integrity_verification: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Unauthorized changes to software, firmware and information are detected by "
            "integrity verification (signed images, file integrity monitoring) (SI-7)."
        ),
    )
    changes_tested: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Changes are tested, validated and documented before they are implemented (CM-3(2))."
        ),
    )
    change_access_restricted: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Physical and logical access to change the component is restricted to authorized people (CM-5)."
        ),
    )
    execution_prevention: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Programs that are not authorized cannot run on the component (CM-7(2))."
        ),
    )
    inventory_updated_on_change: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The component inventory is updated by every installation, removal and update (CM-8(1))."
        ),
    )
    input_validation: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The component checks the validity of its information inputs (SI-10)."
        ),
    )
    error_messages_sanitized: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Error messages reveal nothing exploitable to users; details go to authorized staff (SI-11)."
        ),
    )
    memory_protection: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "Memory is protected from unauthorized code execution (non-executable data, ASLR) (SI-16)."
        ),
    )
    process_isolation: bool | None = Field(
        None, json_schema_extra=_ext("Each process runs in its own execution domain (SC-39).")
    )
    fails_secure: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The boundary protection in front of the component blocks traffic when it fails (SC-7(18))."
        ),
    )
    known_state_on_failure: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The component fails to a known state and keeps the information to restart (SC-24)."
        ),
    )


class MalwareProtection(_Model):
    """Malicious code protection of a component (SI-3)."""

    enabled: bool | None = Field(
        None,
        json_schema_extra=_ext("Signature and non-signature based malicious code protection runs."),
    )
    scan_frequency_days: int | None = Field(
        None,
        ge=1,
        le=_MAX_DAYS,
        json_schema_extra=_ext("How often the component is scanned for malicious code, in days."),
    )
    blocks_and_quarantines: bool | None = Field(
        None,
        json_schema_extra=_ext("Malicious code found is blocked and quarantined."),
    )


class Component(_Model):
    """A part of the system inside the authorization boundary."""

    id: str = Field(
        ..., pattern=ID_PATTERN, max_length=128, description="Unique within the document."
    )
    name: str | None = Field(None, description="Human-readable name.")
    type: ComponentType | None = Field(
        None,
        description="web_app | api | compute | database | object_storage | queue | network | "
        "identity_provider | logging | ai_model | other.",
    )
    data: DataClassification | None = Field(
        None, description="The data this component stores or processes."
    )
    hosting: Hosting | None = Field(None, description="Where the component runs.")
    network: Network | None = Field(None, description="How the component is reached.")
    encryption: Encryption | None = Field(None, description="Encryption at rest and in transit.")
    logging: Logging | None = Field(None, description="Audit logging.")
    access: Access | None = Field(
        None, description="Identification, authentication, authorization."
    )
    backup: Backup | None = Field(None, description="Backups.")
    vulnerability_management: VulnerabilityManagement | None = Field(
        None, description="Scanning and patching."
    )
    configuration: Configuration | None = Field(
        None, json_schema_extra=_ext("Configuration management of the component.")
    )
    malware_protection: MalwareProtection | None = Field(
        None, json_schema_extra=_ext("Malicious code protection of the component (SI-3).")
    )
    iac: list[str] | None = Field(
        None,
        max_length=10_000,
        json_schema_extra=_ext(
            "Terraform resource addresses that implement the component, in full "
            '(module.db.aws_db_instance.main, aws_s3_bucket.logs["audit"]); [*] stands for every '
            "instance of a count or for_each resource or module (aws_s3_bucket.logs[*]). "
            "fedcheck check --evidence PLAN.json reads their values from the plan "
            "(docs/terraform.md)."
        ),
    )


class ExternalService(_Model):
    """A service outside the boundary that the system relies on (leveraged or interconnected)."""

    id: str = Field(
        ..., pattern=ID_PATTERN, max_length=128, description="Unique within the document."
    )
    name: str | None = Field(None, description="Human-readable name.")
    provider: str | None = Field(None, description="Who runs the service.")
    type: ServiceType | None = Field(
        None,
        json_schema_extra=_ext("saas | paas | iaas | ai_model | identity | other."),
    )
    fedramp_authorization: Authorization | None = Field(
        None, description="none | li-saas | low | moderate | high."
    )
    data_location: str | None = Field(
        None, pattern=COUNTRY_PATTERN, description="ISO 3166 alpha-2 country code (lowercase)."
    )
    interconnection_agreement: bool | None = Field(
        None, description="An interconnection security agreement or equivalent is signed."
    )
    trains_on_customer_data: bool | None = Field(
        None, description="For AI services: whether submitted data is used to train models."
    )
    receives_federal_data: bool | None = Field(
        None,
        json_schema_extra=_ext(
            "The service receives, stores or processes federal information (the system's data "
            "or its users'). false is a claim: no data flow may then go to the service (AC-20)."
        ),
    )


class FlowEncryption(_Model):
    """Encryption of a data flow."""

    tls_min_version: TlsVersion | None = Field(
        None,
        description='Lowest TLS version accepted: "1.0" | "1.1" | "1.2" | "1.3"; always a string.',
    )
    fips_validated: bool | None = Field(
        None, description="A FIPS 140-2 or 140-3 validated module protects the flow."
    )


class DataFlow(_Model):
    """Data moving between components and external services."""

    id: str = Field(
        ..., pattern=ID_PATTERN, max_length=128, description="Unique within the document."
    )
    from_: str = Field(..., alias="from", description="A component id or an external service id.")
    to: str = Field(..., description="A component id or an external service id.")
    data: DataClassification | None = Field(None, description="The data the flow carries.")
    encryption: FlowEncryption | None = Field(None, description="Encryption of the flow.")
    description: str | None = Field(
        None,
        min_length=1,
        json_schema_extra=_ext(
            "What the flow is for and what it carries, in a sentence (CR26 MAS-CSO-FLO)."
        ),
    )


class InheritedControls(_Model):
    """Controls that a leveraged FedRAMP-authorized provider implements for this system."""

    provider: str = Field(
        ..., min_length=1, description="The leveraged provider, e.g. AWS GovCloud (US)."
    )
    fedramp_authorization: Authorization = Field(
        ...,
        description="The provider's FedRAMP authorization: none | li-saas | low | moderate | high.",
    )
    package_id: str | None = Field(None, description="The provider's FedRAMP package id.")
    responsibility: Responsibility = Field(
        "full",
        description="full: the provider implements the control entirely (as its CRM must say: a "
        "control the customer configures is shared at most); shared: the system implements the "
        "customer part (the automated checks still run).",
    )
    controls: list[str] = Field(
        default_factory=list,
        max_length=1_000,
        description="Control ids (AC-2(3) or ac-2.3) or whole families (PE) that are inherited.",
    )


RecordKind = Literal[
    "policy",
    "procedure",
    "plan",
    "plan_test",
    "exercise",
    "training",
    "assessment",
    "risk_assessment",
    "scan",
    "penetration_test",
    "review",
    "agreement",
    "screening",
    "poam",
    "report",
    "inventory",
    "other",
]


class Artifact(_Model):
    """The document a record stands for: a file beside the description, or a URL."""

    path: str | None = Field(
        None,
        min_length=1,
        max_length=1024,
        description="The artifact's path, relative to the file that holds the record; fedcheck "
        "verifies its SHA-256.",
    )
    sha256: str | None = Field(
        None,
        pattern=SHA256_PATTERN,
        description="SHA-256 of the artifact file (64 lowercase hex digits); required with path.",
    )
    url: str | None = Field(
        None,
        pattern=URL_PATTERN,
        max_length=2048,
        description="Where the artifact is kept (recorded in reports, never fetched).",
    )


class Record(_Model):
    """A dated piece of evidence: a policy approved, a plan tested, a training held, a scan run."""

    id: str = Field(..., pattern=ID_PATTERN, max_length=128, description="Unique among records.")
    kind: RecordKind = Field(
        ...,
        description="policy | procedure | plan | plan_test | exercise | training | assessment | "
        "risk_assessment | scan | penetration_test | review | agreement | screening | poam | "
        "report | inventory | other.",
    )
    controls: list[str] = Field(
        ...,
        min_length=1,
        max_length=1_000,
        description="The controls it evidences (AC-1, ac-2.3, or a family code such as PS).",
    )
    date: IsoDate = Field(
        ...,
        description="When it was performed or approved, YYYY-MM-DD; not after the evaluation date.",
    )
    approved_by: str = Field(
        ..., min_length=1, max_length=256, description="The role that approved it, e.g. ISSO."
    )
    title: str | None = Field(None, max_length=512, description="What the record is, in a line.")
    artifact: Artifact | None = Field(
        None, description="The document itself: a path with its SHA-256, or a URL."
    )


class Deployment(_Model):
    """A fedcheck deployment description, version 1: one system (one authorization boundary)."""

    model_config = ConfigDict(
        title="fedcheck deployment description",
        json_schema_extra={"$id": SCHEMA_ID},
    )

    version: Annotated[int, Field(ge=1, le=1)] = Field(
        ..., description="The version of this format: 1."
    )
    system: System = Field(..., description="The system described.")
    components: list[Component] = Field(
        default_factory=list, description="Parts of the system inside the boundary."
    )
    external_services: list[ExternalService] = Field(
        default_factory=list,
        description="Services outside the boundary that it relies on (leveraged, interconnected).",
    )
    data_flows: list[DataFlow] = Field(
        default_factory=list, description="Data moving between components and external services."
    )
    inherited_controls: list[InheritedControls] = Field(
        default_factory=list,
        json_schema_extra=_ext(
            "Controls claimed as inherited from leveraged FedRAMP-authorized providers. A claim "
            "counts only as far as the provider's customer responsibility matrix, given to the "
            "run (--crm FILE or a profile's crms), allows; a claim that none backs is an error."
        ),
    )
    records: list[Record] = Field(
        default_factory=list,
        max_length=10_000,
        json_schema_extra=_ext(
            "Dated evidence records (policies, plans, tests, trainings, assessments, scans...), "
            "judged against the evaluation date; see docs/records.md."
        ),
    )


def share_fields_sets(model: BaseModel) -> None:
    """Give the models of a validated document that were given the same fields one set of
    their names (``model_fields_set``) between them, instead of a set each.

    Pydantic makes a set per model instance; the ten thousand components of a large system
    give a few hundred thousand of them, most alike, half of the model's memory. The models are
    frozen, so no set is added to after validation (``model_copy`` copies its own)."""
    shared: dict[frozenset[str], set[str]] = {}
    assign = object.__setattr__
    stack: list[Any] = [model]
    while stack:
        node = stack.pop()
        names = node.__pydantic_fields_set__
        one = shared.setdefault(frozenset(names), names)
        if one is not names:
            assign(node, "__pydantic_fields_set__", one)
        values = node.__dict__
        for name in _nested_fields(type(node)):
            value = values[name]
            if isinstance(value, BaseModel):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, BaseModel))


def _nested_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``cls`` that may hold models (directly or in a list)."""
    known = _NESTED.get(cls)
    if known is not None:
        return known

    def holds_model(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return True
        return any(holds_model(arg) for arg in typing.get_args(annotation))

    known = _NESTED[cls] = tuple(
        name for name, info in cls.model_fields.items() if holds_model(info.annotation)
    )
    return known


_NESTED: dict[type[BaseModel], tuple[str, ...]] = {}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the deployment format, as committed under ``schemas/``."""
    schema = Deployment.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema
