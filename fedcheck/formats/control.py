"""The control file format: the pydantic model that is the source of ``control.schema.json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, WithJsonSchema, model_validator

from .. import deployment as dm
from ._schema import FileModel

SCHEMA_ID = "https://fedcheck.dev/schemas/control.schema.json"

Baseline = Literal["low", "moderate", "high"]
# The kinds of record are the deployment contract's (its records: section), named once.
RecordKind = dm.RecordKind
#: A parameter's or a literal's single value. Integers stay integers (15, not 15.0).
Scalar = Annotated[
    str | bool | int | float, WithJsonSchema({"type": ["string", "number", "boolean"]})
]
#: One baseline's value of a parameter: a scalar, or a list of them.
ParamValue = Scalar | Annotated[list[Scalar], Field(min_length=1)]
ParameterName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
#: How old the newest record may be: a number, or a $parameter that gives it.
Period = Annotated[int, Field(ge=1)] | Annotated[str, Field(pattern=r"^\$[a-z_][a-z0-9_]*$")]

_LEVELS = "numbers, impact and authorization levels, TLS versions"


class FedrampValue(FileModel):
    """FedRAMP's assignment for one organization-defined parameter."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["value"]}, {"required": ["differs_in"]}]}
    )

    odp: str = Field(..., description="The OSCAL parameter id, e.g. ac-11_odp.02.")
    label: str | None = Field(
        None,
        description="NIST's label of the parameter.",
        json_schema_extra={"type": ["string", "null"]},
    )
    value: str | None = Field(
        None,
        description="FedRAMP's value for the High baseline (left out when FedRAMP sets the "
        "parameter only in lower baselines, which differs_in then gives).",
    )
    differs_in: dict[str, str] | None = Field(
        None, description="FedRAMP's value in other baselines, where it differs from High."
    )

    @model_validator(mode="after")
    def _has_a_value(self) -> Self:
        if self.value is None and self.differs_in is None:
            raise ValueError("give value or differs_in")
        return self


class ValueByBaseline(FileModel):
    """A parameter's value for each baseline that states one."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    low: ParamValue | None = Field(None, description="The value for the FedRAMP Low baseline.")
    moderate: ParamValue | None = Field(
        None, description="The value for the FedRAMP Moderate baseline."
    )
    high: ParamValue | None = Field(None, description="The value for the FedRAMP High baseline.")

    def values(self) -> dict[str, Any]:
        """The stated values, by baseline."""
        return {b: v for b in ("low", "moderate", "high") if (v := getattr(self, b)) is not None}


class Parameter(FileModel):
    """A named, typed value that checks refer to as $name."""

    description: str | None = Field(None, description="What the parameter means.")
    odp: str | None = Field(None, description="The OSCAL parameter it encodes, if any.")
    value: ParamValue | ValueByBaseline = Field(
        ...,
        description="The value: one for every baseline, or a mapping by baseline (low, "
        "moderate, high).",
    )
    stricter: Literal["lower", "higher", "superset", "subset", "equal"] = Field(
        ...,
        description="Which way is stricter, so that a profile may only tighten: lower (a "
        "maximum), higher (a minimum, or a level), superset (a list that must be covered), "
        "subset (a list of allowed values), equal (fixed).",
    )
    source: str | None = Field(
        None,
        description="The document the number comes from when FedRAMP sets none (e.g. NIST SP "
        "800-52r2): a short name, shown in messages as {$name.source}. Without it the source is "
        "the FedRAMP baseline; a profile or deviation that sets the value is named instead.",
    )


class Expression(FileModel):
    """A condition: {field: PATH, OPERATOR: VALUE}, or all/any/not/every/some/none."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    field: str | None = Field(
        None, description="A dotted path from the target, e.g. access.session_timeout_minutes."
    )
    equals: Any = Field(
        None, description="The field equals this value (a literal, a $parameter or {field: PATH})."
    )
    not_equals: Any = Field(None, description="The field differs from this value.")
    is_: bool | None = Field(None, alias="is", description="The boolean field is true, or false.")
    at_least: Any = Field(
        None, description=f"The field is at least this value, by order: {_LEVELS}."
    )
    at_most: Any = Field(None, description="The field is at most this value, by order.")
    greater_than: Any = Field(
        None, description="The field is strictly greater than this value, by order."
    )
    less_than: Any = Field(
        None, description="The field is strictly less than this value, by order."
    )
    in_: Any = Field(None, alias="in", description="The field's single value is one of these.")
    not_in: Any = Field(None, description="The field's single value is none of these.")
    contains: Any = Field(None, description="The list field holds this value.")
    contains_all: Any = Field(None, description="The list field holds every one of these values.")
    contains_any: Any = Field(
        None, description="The list field holds at least one of these values."
    )
    present: bool | None = Field(
        None, description="true: the field is stated; false: it is left out."
    )
    empty: bool | None = Field(
        None, description="true: the list field has no entry; false: it has at least one."
    )
    all_: list[Expression] | None = Field(
        None,
        alias="all",
        min_length=1,
        description="Every condition holds (three-valued: one false makes it false).",
    )
    any_: list[Expression] | None = Field(
        None,
        alias="any",
        min_length=1,
        description="At least one condition holds (three-valued: one true makes it true).",
    )
    not_: Expression | None = Field(
        None, alias="not", description="The condition does not hold (unknown stays unknown)."
    )
    every: Quantifier | None = Field(
        None, description="Every item of a list satisfies the assertion."
    )
    some: Quantifier | None = Field(
        None, description="At least one item of a list satisfies the assertion."
    )
    none: Quantifier | None = Field(None, description="No item of a list satisfies the assertion.")
    scope: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="A named scope of the catalog (controls/_scopes.yaml), such as sign_in: its "
        "condition, written once for every control that scopes on it.",
    )

    @model_validator(mode="after")
    def _says_something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("an expression needs at least one key")
        return self


class Quantifier(FileModel):
    """A list of the target, and what its items must satisfy."""

    in_: str = Field(
        ...,
        alias="in",
        description="A path to a list of objects (components, inbound_flows, ...).",
    )
    where: Expression | None = Field(
        None, description="Which items count; the others are left out of the quantifier."
    )
    assert_: Expression = Field(
        ..., alias="assert", description="What each item that counts must satisfy."
    )


class RiskDefaults(FileModel):
    """What a failure of the control (or of one check) is rated, when the defaults by severity
    and by what the check found would misstate it; the rationale says why."""

    likelihood: Literal["low", "moderate", "high"] | None = Field(
        None, description="The likelihood facet of a failure, instead of the default by basis."
    )
    impact: Literal["low", "moderate", "high"] | None = Field(
        None, description="The impact facet of a failure, instead of the default by severity."
    )
    rationale: str = Field(
        ...,
        min_length=1,
        description="Why the failure is rated so: shown with the rating in every report.",
    )


class Check(FileModel):
    """One check made on each applicable target."""

    name: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9_-]*$", description="A short name for the check."
    )
    where: Expression | None = Field(
        None,
        description="The check's own applicability within the rule's, three-valued like the "
        "rule's where: false skips the check on the target, unknown (an unstated field) keeps it.",
    )
    assert_: Expression = Field(
        ..., alias="assert", description="What must hold for the target to pass the check."
    )
    message: str | None = Field(
        None,
        description="The failure message; {actual}, {expected}, {path} and {target} are filled "
        "in with what was read, {baseline} with the baseline, {source} with where the parameter "
        "values the check compares with come from, {$name} and {$name.source} with a "
        "parameter's effective value and its source.",
    )
    fix: str | None = Field(
        None,
        description="How to fix a failure of this check, naming the field: shown as the "
        "finding's remediation (the control's remediation otherwise). {$name} and "
        "{$name.source} give a parameter's effective value and where it comes from.",
    )
    risk: RiskDefaults | None = Field(
        None,
        description="The rating of a failure of this check, when it differs from the "
        "control's (fedcheck.risk): its likelihood and impact, with a rationale.",
    )


class Rule(FileModel):
    """What the control checks on one kind of target."""

    target: Literal["system", "component", "service", "flow"] = Field(
        ...,
        description="What the rule is evaluated on: the system, each component, each external "
        "service, or each data flow.",
    )
    where: Expression | None = Field(
        None,
        description="Applicability, three-valued: targets for which this is false get "
        "not_applicable; a condition on a field the target does not state is unknown, and the "
        "rule then applies.",
    )
    checks: list[Check] = Field(
        ...,
        min_length=1,
        description="The checks made on each applicable target; each must hold for the target "
        "to pass.",
    )


class RecordRule(FileModel):
    """A dated-evidence obligation of the control."""

    obligation: str = Field(
        ...,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="The obligation's name, e.g. policy or procedures; unique in the control.",
    )
    kinds: list[RecordKind] = Field(
        ...,
        min_length=1,
        json_schema_extra={"uniqueItems": True},
        description="The kinds of record that evidence it.",
    )
    what: str = Field(
        ...,
        min_length=1,
        description="What the record shows, as a phrase for messages: the access control "
        "policy reviewed and updated.",
    )
    every_months: Period | None = Field(
        None,
        description="How old the newest record may be, in months ($parameter or a number): due "
        "on the same day that many months later, clamped to the month's end.",
    )
    every_days: Period | None = Field(
        None, description="How old the newest record may be, in days ($parameter or a number)."
    )


class ExpectedFinding(FileModel):
    """For a failing example: where the finding must point."""

    target: str = Field(
        ...,
        description="The id of the target the finding must be on (a component, service or flow "
        "id, or the system id).",
    )
    path: str | None = Field(
        None, description="The field the finding points at, relative to the target."
    )
    status: Literal["fail", "manual", "error"] | None = Field(
        None, description="The status the finding must have (default fail)."
    )


class Example(FileModel):
    """A deployment fragment the control must pass or fail."""

    name: str = Field(
        ...,
        pattern=r"^[a-z0-9][a-z0-9_]*$",
        description="What the example shows, e.g. tls_1_0_on_public_endpoint.",
    )
    description: str | None = Field(
        None, description="A sentence on what the example shows, for the documentation."
    )
    baseline: Baseline | None = Field(
        None, description="The baseline the example runs against (default high)."
    )
    deployment: dict[str, Any] = Field(
        ...,
        description="A deployment fragment; version and system are filled in when left out.",
    )
    finding: ExpectedFinding | None = Field(
        None, description="For a failing example: where the finding must point."
    )
    as_of: str | None = Field(
        None,
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        description="The evaluation date the example runs on, YYYY-MM-DD (for dated evidence).",
    )


class Examples(FileModel):
    """Deployment fragments that must pass and fail."""

    pass_: list[Example] | None = Field(
        None,
        alias="pass",
        description="Fragments on which the control must pass: at least one pass finding and "
        "no failing one.",
    )
    fail: list[Example] | None = Field(
        None,
        description="Fragments on which the control must fail, each stating where the finding "
        "must point.",
    )


class ControlFile(FileModel):
    """One NIST SP 800-53 Rev5 control as fedcheck evaluates it: its facts (id, title, family,
    baselines, FedRAMP values), its explanation (summary, rationale, remediation), its
    declarative checks and the examples that test them."""

    model_config = ConfigDict(title="fedcheck control")

    id: str = Field(
        ...,
        title="Control id",
        pattern=r"^([A-Za-z]{2,6}-[0-9]+(\([0-9]+\))?|[a-z]{2,6}-[0-9]+(\.[0-9]+)?)$",
        description="NIST SP 800-53 Rev5 id in display form (AC-2(3)) or OSCAL form (ac-2.3). "
        "Custom controls use a family code of their own (ORG-1).",
    )
    title: str = Field(..., title="Title", min_length=1, description="The control's NIST title.")
    family: str = Field(
        ...,
        title="Family",
        pattern=r"^[A-Z]{2,6}$",
        description="Family code, e.g. AC (two letters for NIST families; custom families may "
        "be longer).",
    )
    baselines: list[Baseline] = Field(
        ...,
        title="Baselines",
        json_schema_extra={"uniqueItems": True},
        description="The FedRAMP Rev5 baselines that include the control. Empty for a custom "
        "control that only a profile adds.",
    )
    severity: Literal["low", "moderate", "high", "critical"] = Field(
        ...,
        title="Severity",
        description="How much a failure matters: low | moderate | high | critical. It sets the "
        "SARIF level and the POA&M remediation deadline.",
    )
    risk: RiskDefaults | None = Field(
        None,
        title="Risk",
        description="The rating of a failure of the control, when the defaults (impact by "
        "severity, likelihood by what the check found) would misstate it; a check's own risk "
        "wins over it.",
    )
    customer_configured: bool | None = Field(
        None,
        title="Customer configured",
        description="true when the customer configures the control itself (encryption of its "
        "own flows and stores, its MFA, its logging, its backups): a leveraged provider's CRM "
        "can make it shared at most, never inherited in full, so its checks always run.",
    )
    summary: str | None = Field(
        None,
        title="Summary",
        description="One sentence: what fedcheck checks. Write {$name} for a parameter's "
        "effective value and {$name.source} for where it comes from; never the number itself.",
    )
    rationale: str | None = Field(
        None, title="Rationale", description="Why the control matters, in plain words."
    )
    remediation: str | None = Field(
        None,
        title="Remediation",
        description="What to change to pass, naming the fields. Write {$name} for a parameter's "
        "effective value and {$name.source} for where it comes from; never the number itself.",
    )
    references: list[str] | None = Field(
        None, title="References", description="Documents behind the control and its values."
    )
    fedramp_values: list[FedrampValue] | None = Field(
        None,
        title="FedRAMP parameter values",
        description="FedRAMP's assignments for the control's organization-defined parameters, "
        "verbatim from the FedRAMP Rev5 baseline.",
    )
    parameters: dict[ParameterName, Parameter] | None = Field(
        None,
        title="Parameters",
        description="Named, typed values that checks refer to as $name. A profile may tighten "
        "them; loosening one needs a declared deviation.",
    )
    rules: list[Rule] | None = Field(
        None,
        title="Rules",
        description="What the control checks, one rule per kind of target. A control without "
        "rules is manual: evidence is needed.",
    )
    records: list[RecordRule] | None = Field(
        None,
        title="Records",
        min_length=1,
        description="Dated-evidence obligations: the kinds of record that evidence the control "
        "and how old the newest may be (see docs/records.md).",
    )
    examples: Examples | None = Field(
        None,
        title="Examples",
        description="Deployment fragments that must pass and fail; the test suite runs them and "
        "the docs show them.",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a control file, as committed under ``schemas/``."""
    from ._schema import file_schema

    return file_schema(ControlFile, SCHEMA_ID)
