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
      time_synchronized: true
      record_content: [event_type, timestamp, location, source, outcome, identity]   # AU-3
      cryptographic_integrity: true  # AU-9(3)
      restricted_access: true        # AU-9(4)
    # AC-2, AC-6, AC-7, AC-11, AC-12, IA-2 (phishing-resistant MFA: OMB M-22-09).
    access: &access
      authentication:
        mfa: true
        phishing_resistant: true     # FIDO2/WebAuthn or PIV, not SMS or push
        piv: true
        sso: true
        replay_resistant: true       # IA-2(8)
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
    # CP-9: daily incremental backups, three copies, one at an alternate site.
    backup: &backup
      enabled: true
      frequency_hours: 24
      last_restore_test_days:        # TODO: days since backups were last test-restored (CP-4, CP-9)
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
    # CM-2, CM-3, CM-6.
    configuration: &configuration
      baseline_managed: true
      drift_detection: true
      change_approval: true

  # SI-4, AU-6: a central log store (SIEM) that every component sends its audit records to.
  - id: audit-log
    name: Central audit log store    # EDIT
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

  - id: web-app-to-audit-log
    from: web-app
    to: audit-log
    data:
      impact_level: $level
      types: [internal]
    encryption:
      tls_min_version: "1.2"
      fips_validated: true

# --- Inherited controls: what a leveraged FedRAMP-authorized provider implements -------------
# Your customer responsibility matrix (CRM), for example:
#   - provider: AWS GovCloud (US)
#     fedramp_authorization: high
#     responsibility: full           # full | shared
#     controls: [PE]                 # control ids (AC-2(3)) or whole families (PE)
inherited_controls: []
""")


def starter(impact_level: str = "moderate", path: str = DEFAULT_PATH) -> str:
    """The text of a starter deployment description for a system at ``impact_level``."""
    if impact_level not in IMPACT_LEVELS:
        raise ValueError(f"impact level {impact_level!r} is not one of {', '.join(IMPACT_LEVELS)}")
    return _TEMPLATE.substitute(
        schema_id=SCHEMA_ID,
        level=impact_level,
        level_title=impact_level.capitalize(),
        path=path,
        **_BY_LEVEL[impact_level],
    )


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
    text = starter(impact_level, path)
    from .cli import write_atomic

    write_atomic(path, text)
    return text


__all__ = ["DEFAULT_PATH", "IMPACT_LEVELS", "TODO_FIELDS", "starter", "write_starter"]
