"""Write a starter deployment description: ``fedcheck init``.

The starter states every field of the deployment contract (and fedcheck's extension fields).
Where FedRAMP gives a value for the chosen impact level, the field holds that value. Where only
the system's owner can answer (which FedRAMP authorization the hosting has, who receives
incident reports, what stands in front of a public endpoint ...), the field is marked
``# TODO`` and left in a state that fails the check (unset, empty or ``false``), so that a
freshly generated file never passes by accident. ``# EDIT`` marks descriptive text (names,
owner) that no control judges.
"""

from __future__ import annotations

import os
import shlex
from string import Template

from .deployment import SCHEMA_ID

IMPACT_LEVELS = ("low", "moderate", "high")
DEFAULT_PATH = "fedcheck.yaml"

#: The fields a user must decide, as display paths (the ``path`` of a finding's location).
#: Each one is marked ``# TODO`` in the starter and fails the check until it is set.
TODO_FIELDS: tuple[str, ...] = (
    "system.incident_response.contact",
    "system.incident_response.reports_to_cisa",
    "components[web-app].data.types",
    "components[web-app].hosting.fedramp_authorization",
    "components[web-app].hosting.data_location",
    "components[web-app].network.public",
    "components[web-app].network.boundary_protection",
    "components[web-app].backup.last_restore_test_days",
    # The audit log store shares the web application's hosting, network and backup blocks
    # (YAML anchors), so the same TODO lines decide both.
    "components[audit-log].hosting.fedramp_authorization",
    "components[audit-log].hosting.data_location",
    "components[audit-log].network.public",
    "components[audit-log].network.boundary_protection",
    "components[audit-log].backup.last_restore_test_days",
    "external_services[external-service].fedramp_authorization",
    "external_services[external-service].data_location",
    "external_services[external-service].interconnection_agreement",
    "external_services[external-service].trains_on_customer_data",
    "data_flows[web-app-to-external-service].data.types",
    # Every dated obligation of the baseline (a policy review, a plan test, a training ...)
    # fails with no record until a record of it is added.
    "records",
)

# Values that differ by FIPS 199 level; everything else is the same at every level.
_BY_LEVEL: dict[str, dict[str, int]] = {
    # AC-2(3): disable inactive accounts after 35 days (High), 90 days (Moderate); AC-2(3) is not
    # in the Low baseline, where 90 keeps the same habit.
    # AC-7: lock for at least three hours (High) or 30 minutes (Moderate, Low).
    # AC-2: review privileged accounts monthly (High) or quarterly, all accounts every six
    # months (High) or yearly.
    "high": {
        "inactive_days": 35,
        "lock_minutes": 180,
        "privileged_review": 30,
        "account_review": 180,
    },
    "moderate": {
        "inactive_days": 90,
        "lock_minutes": 30,
        "privileged_review": 90,
        "account_review": 365,
    },
    "low": {
        "inactive_days": 90,
        "lock_minutes": 30,
        "privileged_review": 90,
        "account_review": 365,
    },
}

_TEMPLATE = Template("""\
# yaml-language-server: $$schema=$schema_id
#
# fedcheck deployment description (format version 1), written by `fedcheck init` for a
# FedRAMP $level_title system. Check it with:
#
#     fedcheck check $path
#
# How to read this file:
#   - Values already filled in are FedRAMP $level_title requirements (or stricter). Keep them
#     true of the real system, or change them and let `fedcheck check` judge the new value.
#   - `# TODO` marks a decision only you can make. Each TODO is unset, empty or false on
#     purpose: it FAILS the check until you set it, so nothing passes by accident.
#   - `# EDIT` marks descriptive text (names, owner) that no control judges.
#   - A field you delete means "not stated": a control that needs it fails or asks for
#     evidence, it never passes.
# The field reference is docs/deployment-format.md; `fedcheck explain CONTROL` tells what a
# control reads and how to fix it.
version: 1

# --- The system: one authorization boundary -------------------------------------------------
# impact_level is the FIPS 199 high-water mark of everything inside the boundary; it selects
# the FedRAMP baseline that `fedcheck check` applies.
system:
  id: new-system                     # EDIT: short identifier, lowercase letters, digits and -
  name: New System                   # EDIT
  owner: Owning organization         # EDIT
  description: What the system does, in one sentence.   # EDIT
  impact_level: $level
  environment: production
  incident_response:
    contact:                         # TODO: who receives security incident reports (IR-6)
    reports_to_cisa: false           # TODO: true once incidents are reported to CISA (IR-6)

# --- Components: every part inside the boundary ---------------------------------------------
# Copy the web-app entry for each part of the system (api, database, queue, ...). The values
# below are FedRAMP $level_title requirements for an interactive component. The &name anchors
# let audit-log (below) reuse a block with *name.
components:
  - id: web-app
    name: Web application            # EDIT
    iac: []                          # Terraform addresses that implement it, for --evidence
                                     # (docs/terraform.md), e.g. [aws_lb.web, aws_ecs_service.web]
    type: web_app                    # web_app | api | compute | database | object_storage | queue
                                     # | network | identity_provider | logging | ai_model | other
    data:
      impact_level: $level           # FIPS 199 level of the data it stores or processes
      types:                         # TODO: e.g. [cui, pii]: public | internal | pii | phi | cui
                                     # | fti | law_enforcement | other
    hosting: &hosting
      provider: Hosting provider     # EDIT: e.g. aws
      service: Hosting service       # EDIT: e.g. AWS GovCloud (US)
      region: region                 # EDIT: e.g. us-gov-west-1
      fedramp_authorization:         # TODO: the hosting's FedRAMP authorization: none | li-saas
                                     # | low | moderate | high (at least $level for this data)
      data_location:                 # TODO: country code of where the data is, e.g. us
    network: &network
      public:                        # TODO: true if reachable from the internet
      boundary_protection: []        # TODO: managed interfaces in front (waf, load_balancer,
                                     # private_subnet, ...)
      dos_protection: true           # SC-5: DDoS protection in front of a public endpoint
      deny_by_default: true          # SC-7(5)
      egress_via_proxy: true         # SC-7(8)
      isolated: true                 # SC-7(21)
    # SC-13, SC-28, SC-8: FIPS 140 validated encryption at rest and TLS 1.2 or later in transit.
    encryption: &encryption
      at_rest:
        enabled: true
        fips_validated: true
        key_management: customer_managed   # provider_managed | customer_managed | hsm
        key_rotation_days: 365
      in_transit:
        tls_min_version: "1.2"       # always a string: "1.2" or "1.3"
        fips_validated: true
    # AU-2, AU-6, AU-9, AU-11 (OMB M-21-31: 12 months active, 18 more in cold storage).
    logging: &logging
      enabled: true
      events:
        [authentication, account_management, authorization, permission_changes, privileged_actions,
         data_access, data_changes, data_deletions, configuration_changes, process_tracking,
         system_events]
      retention_days: 913
      active_retention_days: 365
      centralized: true
      tamper_protected: true
      review_frequency_days: 7       # AU-6: at least weekly
      storage_capacity_alerts: true
      storage_capacity_days: 1095    # AU-4: storage for the whole retention above
      storage_warning_percent: 75    # AU-5(1): warn at 75% of the allocation ...
      storage_warning_days_ahead: 31 # ... or a month before it runs out
      time_synchronized: true        # SC-45(1): synchronized with an authoritative source
      time_sync_interval_minutes: 15 # SC-45(1): at least hourly
      timestamp_granularity_ms: 1    # AU-8: one second or finer
      timestamps_utc: true           # AU-8
      record_content: [event_type, timestamp, location, source, outcome, identity]   # AU-3
      cryptographic_integrity: true  # AU-9(3)
      restricted_access: true        # AU-9(4)
      repositories_correlated: true  # AU-6(3)
      realtime_analysis: true        # SI-4(2)
      traffic_monitoring: true       # SI-4(4)
      compromise_alerts: true        # SI-4(5)
      correlated: true               # SI-4(16)
      automated_review: true         # AU-6(1)
    # AC-2, AC-6, AC-7, AC-11, AC-12, IA-2 (phishing-resistant MFA: OMB M-22-09).
    access: &access
      sign_in: true                  # people sign in to it (IA-2, AC-7, AC-2(3) apply)
      interactive: true              # people hold sessions on it (AC-11 applies)
      authentication:
        mfa: true
        phishing_resistant: true     # FIDO2/WebAuthn or PIV, not SMS or push
        piv: true
        sso: true
        replay_resistant: true       # IA-2(8)
        passwords:                   # IA-5(1), NIST SP 800-63B, where passwords are used
          min_length: 12
          blocklist_checked: true
          composition_rules: false
          periodic_rotation: false
      authorization: rbac
      session_timeout_minutes: 15    # AC-11
      session_max_lifetime_hours: 12 # AC-12; NIST SP 800-63B reauthentication at AAL2/AAL3
      lockout:                       # AC-7
        max_attempts: 3
        window_minutes: 15
        lock_minutes: $lock_minutes
      inactive_account_disable_days: $inactive_days   # AC-2(3)
      account_review_frequency_days: $account_review   # AC-2
      privileged:
        mfa: true
        separate_accounts: true
        actions_logged: true
        review_frequency_days: $privileged_review    # AC-2, AC-6(7)
      use_notification: true         # AC-8: the approved banner before sign-in
      concurrent_sessions:           # AC-10: FedRAMP High allows 3 privileged, 2 others
        privileged: 3
        non_privileged: 2
      network_disconnect:            # SC-10: 10 minutes privileged, 15 minutes user
        privileged_minutes: 10
        user_minutes: 15
      session_authenticity: true     # SC-23
      atypical_usage_monitoring: true   # AC-2(12)
      remote_access:                 # AC-17(1), AC-17(2), AC-17(3)
        monitored: true
        encrypted: true
        managed_access_points: true
        split_tunneling_blocked: true   # SC-7(7)
    # CP-9: daily incremental backups, three copies, one at an alternate site.
    backup: &backup
      enabled: true
      frequency_hours: 24
      last_restore_test_days:        # TODO: days since backups were last test-restored (CP-4, CP-9)
      last_restore_test:             # or, better (it ages), the date of that test: YYYY-MM-DD
      alternate_site: true
      encrypted: true
      copies: 3
    # RA-5: monthly scans; high-risk findings fixed in 30 days, moderate 90, low 180.
    vulnerability_management: &vulnerability-management
      scan_frequency_days: 30
      remediation_days:
        critical: 15
        high: 30
        moderate: 90
        low: 180
      authenticated_scans: true
      update_install_days: 30        # SI-2: updates installed within 30 days of release
      # CR26 VDR (judged under --rules cr26): Class D's cadences and response hours, which
      # meet every class.
      likely_to_drift: false         # EDIT: true for mutable servers (weekly scans at Class D)
      sample_detection_days: 1
      machine_validation_days: 30
      response_hours:
        n2: {irv_lev: 576, nirv_lev: 2304, nlev: 4608}
        n3: {irv_lev: 192, nirv_lev: 384, nlev: 1536}
        n4: {irv_lev: 48, nirv_lev: 192, nlev: 768}
        n5: {irv_lev: 12, nirv_lev: 24, nlev: 192}
      kev_cisa_due_dates: true
    # CM-2, CM-3, CM-6.
    configuration: &configuration
      baseline_managed: true
      drift_detection: true
      settings_benchmark: disa_stig  # CM-6: DISA STIG, else CIS Level 2
      scap_compliance_scans: true    # CM-6: SCAP-validated compliance scans
      change_approval: true
      least_functionality: true      # CM-7
      integrity_verification: true   # SI-7
      changes_tested: true           # CM-3(2)
      change_access_restricted: true # CM-5
      execution_prevention: true     # CM-7(2)
      inventory_updated_on_change: true   # CM-8(1)
      input_validation: true         # SI-10
      error_messages_sanitized: true # SI-11
      memory_protection: true        # SI-16
      process_isolation: true        # SC-39
      fails_secure: true             # SC-7(18)
      known_state_on_failure: true   # SC-24
    # SI-3: signature and non-signature based protection, weekly scans, block and quarantine.
    malware_protection: &malware-protection
      enabled: true
      scan_frequency_days: 7
      blocks_and_quarantines: true

  # SI-4, AU-6: a central log store (SIEM) that every component sends its audit records to.
  - id: audit-log
    name: Central audit log store    # EDIT
    iac: []
    type: logging
    data:
      impact_level: $level
      types: [internal]
    hosting: *hosting
    network: *network
    encryption: *encryption
    logging: *logging
    access: *access
    backup: *backup
    vulnerability_management: *vulnerability-management
    configuration: *configuration
    malware_protection: *malware-protection

# --- External services: what the system relies on outside its boundary ----------------------
# One entry per leveraged or interconnected service (SaaS, identity provider, AI model ...).
external_services:
  - id: external-service
    name: External service           # EDIT
    provider: Service provider       # EDIT
    type: saas                       # saas | paas | iaas | ai_model | identity | other
    fedramp_authorization:           # TODO: none | li-saas | low | moderate | high
    data_location:                   # TODO: country code, e.g. us
    interconnection_agreement: false # TODO: true once an interconnection agreement is signed (CA-3)
    trains_on_customer_data:         # TODO: does the provider train models on your data?
    receives_federal_data: true      # AC-20: false only if no data of the system reaches it

# --- Data flows: data crossing between components and external services --------------------
data_flows:
  - id: web-app-to-external-service
    from: web-app
    to: external-service
    data:
      impact_level: $level
      types:                         # TODO: the kinds of data the flow carries, e.g. [cui]
    encryption:
      tls_min_version: "1.2"
      fips_validated: true
    description: The web application calls the external service.  # EDIT

  - id: web-app-to-audit-log
    from: web-app
    to: audit-log
    data:
      impact_level: $level
      types: [internal]
    encryption:
      tls_min_version: "1.2"
      fips_validated: true
    description: The web application sends its audit records to the central log store.

# --- Inherited controls: what a leveraged FedRAMP-authorized provider implements -------------
# Your customer responsibility matrix (CRM), for example:
#   - provider: AWS GovCloud (US)
#     fedramp_authorization: high
#     responsibility: full           # full | shared
#     controls: [PE]                 # control ids (AC-2(3)) or whole families (PE)
inherited_controls: []

# --- Records: dated evidence, judged against the evaluation date (--as-of) -------------------
# Each obligation of the FedRAMP $level_title baseline that a dated record evidences, as a
# record to add once the work is done (one record may list several controls); see
# docs/records.md. `fedcheck due` lists what falls due when.
$records_block
records: []                          # TODO: a record for each obligation above, once met
""")


def starter(impact_level: str = "moderate", path: str = DEFAULT_PATH) -> str:
    """The text of a starter deployment description for a system at ``impact_level``."""
    if impact_level not in IMPACT_LEVELS:
        raise ValueError(f"impact level {impact_level!r} is not one of {', '.join(IMPACT_LEVELS)}")
    return _TEMPLATE.substitute(
        schema_id=SCHEMA_ID,
        records_block=_records_block(impact_level),
        level=impact_level,
        level_title=impact_level.capitalize(),
        path=shlex.quote(path),
        **_BY_LEVEL[impact_level],
    )


def _records_block(level: str) -> str:
    """One commented record per dated obligation of the baseline, with its period."""
    from .catalog import load_catalog
    from .records import obligations, period_text

    lines = []
    for control in load_catalog().in_baseline(level):
        if not control.records:
            continue
        params = control.parameter_values(level)
        for ob in obligations(control.records):
            every = ob.period(params)
            when = f"every {period_text(every, ob.unit)}" if every and ob.unit else "once"
            rid = f"{control.oscal_id.replace('.', '-')}-{ob.name.replace('_', '-')}"
            lines.append(
                f"#   - {{id: {rid}, kind: {ob.kinds[0]}, controls: [{control.id}], "
                f"date: YYYY-MM-DD, approved_by: ROLE}}  # {when}: {ob.what}"
            )
    return "\n".join(lines) if lines else "# (no dated obligation in this baseline)"


def write_starter(path: str, impact_level: str = "moderate", *, force: bool = False) -> str:
    """Write the starter to ``path``; refuse to replace an existing file unless ``force``."""
    from .errors import UsageError

    if os.path.exists(path) and not force:
        raise UsageError(
            f"{path} already exists; fedcheck init does not overwrite it",
            "choose another PATH, or add --force to replace the file",
        )
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory", "name a file, e.g. fedcheck.yaml")
    if os.path.exists(path) and not os.path.isfile(path):
        raise UsageError(
            f"{path} is not a regular file (a named pipe or a device?)", "name a regular file"
        )
    if any(ch.isspace() and ch != " " or not ch.isprintable() for ch in path):
        raise UsageError(
            f"PATH {path!r} holds a line break or a control character, which the starter's "
            "comments cannot carry",
            "name a file without control characters, e.g. fedcheck.yaml",
        )
    text = starter(impact_level, path)
    from .outputs import write_atomic

    write_atomic(path, text)
    return text


__all__ = ["DEFAULT_PATH", "IMPACT_LEVELS", "TODO_FIELDS", "starter", "write_starter"]
