# The rules of benchmarks/subset.yaml in Rego, one rule per control and target kind.
# Each `fail_*` rule is the array of [control id, target kind, target id] that fail; a field that
# is not stated fails (each rule asks `not <condition>`, and an undefined field makes the
# condition undefined). One query of the package evaluates them all.
#
# Why arrays and not the conftest idiom `deny contains msg if {...}`: with regopy 1.5.2 a set
# rule costs time quadratic in the size of the set it builds (27 rules written as one
# `fails contains ...` set took 5.9 s at 200 components and 33 s at 400), while an array
# comprehension grows about linearly. The array form is the fastest form measured here, so the
# comparison is fair to Rego. SA-9 needs the flows into each service: the grouping below (a
# partial set keyed by the flow's target) was the fastest of the forms tried, and still grows
# faster than linearly.
package fedcheck.bench

import rego.v1

level := {"none": 0, "li-saas": 1, "low": 2, "moderate": 3, "high": 4}

tls := {"1.0": 0, "1.1": 1, "1.2": 2, "1.3": 3}

interactive := {"web_app", "api", "identity_provider", "ai_model"}

stores := {"database", "object_storage", "logging", "queue"}

events := {"authentication", "authorization", "privileged_actions", "data_access", "configuration_changes"}

edge := {"waf", "firewall", "load_balancer"}

# The impact levels of the data flowing into each object ("unknown" where a flow does not say).
inbound[f.to] contains lvl if {
	some f in input.data_flows
	lvl := object.get(f, ["data", "impact_level"], "unknown")
}

# --- components ---------------------------------------------------------------------------

fail_ac_11_component := [["AC-11", "component", c.id] |
	some c in input.components
	interactive[c.type]
	not c.access.session_timeout_minutes <= 15
]

fail_ac_7_component := [["AC-7", "component", c.id] |
	some c in input.components
	interactive[c.type]
	not c.access.lockout.max_attempts <= 3
]

fail_ac_2_3_component := [["AC-2(3)", "component", c.id] |
	some c in input.components
	not c.access.inactive_account_disable_days <= 35
]

fail_ac_3_component := [["AC-3", "component", c.id] |
	some c in input.components
	not c.access.authorization in {"rbac", "abac"}
]

fail_ac_6_2_component := [["AC-6(2)", "component", c.id] |
	some c in input.components
	not c.access.privileged.separate_accounts == true
]

fail_ac_20_component := [["AC-20", "component", c.id] |
	some c in input.components
	not level[c.hosting.fedramp_authorization] >= level[input.system.impact_level]
]

fail_ia_2_1_component := [["IA-2(1)", "component", c.id] |
	some c in input.components
	not c.access.privileged.mfa == true
]

fail_ia_2_2_component := [["IA-2(2)", "component", c.id] |
	some c in input.components
	interactive[c.type]
	not c.access.authentication.mfa == true
]

fail_ia_2_12_component := [["IA-2(12)", "component", c.id] |
	some c in input.components
	c.network.public == true
	not c.access.authentication.piv == true
]

au_2_ok(c) if {
	c.logging.enabled == true
	every e in events {
		e in c.logging.events
	}
}

fail_au_2_component := [["AU-2", "component", c.id] |
	some c in input.components
	not au_2_ok(c)
]

fail_au_6_component := [["AU-6", "component", c.id] |
	some c in input.components
	not c.logging.review_frequency_days <= 7
]

fail_au_6_4_component := [["AU-6(4)", "component", c.id] |
	some c in input.components
	not c.logging.centralized == true
]

fail_au_9_component := [["AU-9", "component", c.id] |
	some c in input.components
	not c.logging.tamper_protected == true
]

au_11_ok(c) if {
	c.logging.retention_days >= 913
	c.logging.active_retention_days >= 365
}

fail_au_11_component := [["AU-11", "component", c.id] |
	some c in input.components
	not au_11_ok(c)
]

sc_7_ok(c) if {
	some b in c.network.boundary_protection
	edge[b]
}

fail_sc_7_component := [["SC-7", "component", c.id] |
	some c in input.components
	c.network.public == true
	not sc_7_ok(c)
]

fail_sc_8_component := [["SC-8", "component", c.id] |
	some c in input.components
	not tls[c.encryption.in_transit.tls_min_version] >= 2
]

fail_sc_13_component := [["SC-13", "component", c.id] |
	some c in input.components
	not c.encryption.in_transit.fips_validated == true
]

fail_sc_28_component := [["SC-28", "component", c.id] |
	some c in input.components
	not c.encryption.at_rest.enabled == true
]

fail_sc_28_1_component := [["SC-28(1)", "component", c.id] |
	some c in input.components
	not c.encryption.at_rest.fips_validated == true
]

cp_9_ok(c) if {
	c.backup.enabled == true
	c.backup.frequency_hours <= 24
}

fail_cp_9_component := [["CP-9", "component", c.id] |
	some c in input.components
	stores[c.type]
	not cp_9_ok(c)
]

fail_cp_9_1_component := [["CP-9(1)", "component", c.id] |
	some c in input.components
	stores[c.type]
	not c.backup.last_restore_test_days <= 365
]

fail_cp_9_8_component := [["CP-9(8)", "component", c.id] |
	some c in input.components
	stores[c.type]
	not c.backup.encrypted == true
]

fail_cp_6_component := [["CP-6", "component", c.id] |
	some c in input.components
	stores[c.type]
	not c.backup.alternate_site == true
]

ra_5_ok(c) if {
	c.vulnerability_management.scan_frequency_days <= 30
	c.vulnerability_management.remediation_days.high <= 30
}

fail_ra_5_component := [["RA-5", "component", c.id] |
	some c in input.components
	not ra_5_ok(c)
]

fail_sa_9_5_component := [["SA-9(5)", "component", c.id] |
	some c in input.components
	not c.hosting.data_location == "us"
]

# --- external services ----------------------------------------------------------------------

# Authorized at or above the highest impact level of the data flowing in (vacuous without any).
sa_9_level_ok(s) if not inbound[s.id]

sa_9_level_ok(s) if {
	levels := inbound[s.id]
	not "unknown" in levels
	every l in levels {
		level[s.fedramp_authorization] >= level[l]
	}
}

sa_9_ok(s) if {
	s.interconnection_agreement == true
	level[s.fedramp_authorization]
	sa_9_level_ok(s)
}

fail_sa_9_service := [["SA-9", "service", s.id] |
	some s in input.external_services
	not sa_9_ok(s)
]

fail_sa_9_5_service := [["SA-9(5)", "service", s.id] |
	some s in input.external_services
	not s.data_location == "us"
]

# --- data flows -----------------------------------------------------------------------------

fail_sc_8_flow := [["SC-8", "flow", f.id] |
	some f in input.data_flows
	not tls[f.encryption.tls_min_version] >= 2
]

fail_sc_13_flow := [["SC-13", "flow", f.id] |
	some f in input.data_flows
	not f.encryption.fips_validated == true
]

# --- the system -----------------------------------------------------------------------------

fail_ir_6_system := [["IR-6", "system", input.system.id] |
	not input.system.incident_response.reports_to_cisa == true
]
