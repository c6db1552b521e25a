"""The tailoring profile format: the pydantic model that is the source of
``profile.schema.json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema

from ._schema import FileModel

SCHEMA_ID = "https://fedcheck.dev/schemas/profile.schema.json"

#: A number, string or boolean (integers stay integers, 15 and not 15.0).
Scalar = Annotated[
    str | bool | int | float, WithJsonSchema({"type": ["string", "number", "boolean"]})
]
#: A parameter's value: a scalar, or a list of scalars for list parameters.
Value = Scalar | list[Scalar]
ParameterName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
#: Text that says something: at least one character that is not white space.
Justification = Annotated[str, Field(pattern=r"\S")]


class BaselineDeviation(FileModel):
    """Declares that the profile's baseline lies below the system's impact level, and why.
    Without it such a profile (and --baseline below the impact level) is refused; with it the
    run proceeds and every report lists the lower baseline as a deviation."""

    justification: Justification = Field(
        ...,
        title="Justification",
        description="Why the system is judged by a baseline below its impact level; shown in "
        "every report.",
    )
    approved_by: str | None = Field(
        None,
        title="Approved by",
        description="Who approved the lower baseline (the authorizing official or their delegate).",
    )


class Removal(FileModel):
    """One control taken out of the baseline, and why."""

    model_config = ConfigDict(title="Removed control")

    control: str = Field(
        ..., title="Control id", min_length=1, description="The control removed, e.g. AC-8."
    )
    justification: Justification = Field(
        ...,
        title="Justification",
        description="Why the control does not apply to this system; shown in every report.",
    )
    approved_by: str | None = Field(
        None,
        title="Approved by",
        description="Who approved the removal (the authorizing official or their delegate).",
    )


class Deviation(FileModel):
    """One loosened parameter value and why it is accepted."""

    model_config = ConfigDict(title="Deviation")

    id: str | None = Field(
        None,
        title="Deviation id",
        pattern=r"^\S+$",
        description="An identifier of the approved deviation (e.g. DEV-1, or the POA&M or "
        "deviation request number): messages name it as the source of the value.",
    )
    control: str = Field(
        ...,
        title="Control id",
        min_length=1,
        description="The control whose parameter is loosened, e.g. AC-11.",
    )
    parameter: ParameterName = Field(
        ...,
        title="Parameter",
        description="The parameter's name, as named under the control's parameters.",
    )
    value: Value = Field(
        ..., title="Value", description="The looser value used instead of FedRAMP's."
    )
    justification: Justification = Field(
        ...,
        title="Justification",
        description="Why the looser value is accepted; shown in every report.",
    )
    approved_by: str | None = Field(
        None, title="Approved by", description="Who approved the deviation."
    )
    approved_on: str | None = Field(
        None,
        title="Approved on",
        json_schema_extra={"format": "date"},
        description="The date of approval, YYYY-MM-DD.",
    )


class InheritedFrom(FileModel):
    """One leveraged provider and the controls it implements for the system."""

    model_config = ConfigDict(title="Provider")

    provider: str = Field(
        ...,
        title="Provider",
        min_length=1,
        description="The leveraged provider, e.g. AWS GovCloud (US).",
    )
    fedramp_authorization: Literal["none", "li-saas", "low", "moderate", "high"] = Field(
        ...,
        title="FedRAMP authorization",
        description="The provider's FedRAMP authorization: none | li-saas | low | moderate | "
        "high. Below the system's impact level, each inherited control fails.",
    )
    package_id: str | None = Field(
        None, title="Package id", description="The provider's FedRAMP package id."
    )
    responsibility: Literal["full", "shared"] = Field(
        "full",
        title="Responsibility",
        description="full: the provider implements the control entirely (it shows as "
        "inherited); shared: the system implements the customer part (its automated checks "
        "still run).",
    )
    controls: list[
        Annotated[
            str,
            Field(
                min_length=1,
                title="Control id or family",
                description="A control id, or a family code for every control of the family.",
            ),
        ]
    ] = Field(
        ...,
        title="Controls",
        min_length=1,
        description="Control ids (PE-3, pe-3) or whole families (PE).",
    )


class ProfileFile(FileModel):
    """How an agency tailors a FedRAMP Rev5 baseline for one system: the baseline it selects,
    controls it adds or removes (with a justification), extra directories of custom controls,
    parameter values (which may only tighten FedRAMP's values unless declared as deviations),
    and controls inherited from leveraged FedRAMP-authorized providers."""

    model_config = ConfigDict(title="fedcheck tailoring profile")

    name: str | None = Field(
        None,
        title="Name",
        min_length=1,
        description="A short name for the profile, shown in reports.",
    )
    description: str | None = Field(
        None, title="Description", description="What the profile is for and who approved it."
    )
    baseline: Literal["low", "moderate", "high"] = Field(
        ...,
        title="Baseline",
        description="The FedRAMP Rev5 baseline the profile tailors: low | moderate | high. It "
        "must not be below the system's impact level.",
    )
    baseline_deviation: BaselineDeviation | None = Field(
        None,
        title="Baseline deviation",
        description="Declares that the profile's baseline lies below the system's impact "
        "level, and why. Without it such a profile (and --baseline below the impact level) is "
        "refused; with it the run proceeds and every report lists the lower baseline as a "
        "deviation.",
    )
    rules: Literal["rev5", "cr26"] | None = Field(
        None,
        title="Rules",
        description="The rule edition of runs with this profile: rev5 (the FedRAMP Rev5 "
        "baselines) or cr26 (the FedRAMP Consolidated Rules 2026, whose Rev5 class follows the "
        "baseline: low b, moderate c, high d). Unset, the edition in force on the evaluation "
        "date; --rules may not contradict it.",
    )
    control_dirs: list[
        Annotated[
            str,
            Field(
                min_length=1,
                title="Directory",
                description="A directory path, relative to the profile file.",
            ),
        ]
    ] = Field(
        default_factory=list,
        title="Custom control directories",
        json_schema_extra={"uniqueItems": True},
        description="Directories of custom control YAML files (same format as the catalog), "
        "relative to this profile file.",
    )
    crms: list[
        Annotated[
            str,
            Field(
                min_length=1,
                title="CRM file",
                description="A CRM file path, relative to the profile file.",
            ),
        ]
    ] = Field(
        default_factory=list,
        title="Customer responsibility matrices",
        json_schema_extra={"uniqueItems": True},
        description="CRM files of leveraged providers (fedcheck's CRM format, "
        "schemas/crm.schema.json), relative to this profile file. A claim of inheritance, here "
        "or in a deployment, counts only as far as one of them allows.",
    )
    add: list[
        Annotated[
            str,
            Field(
                min_length=1,
                title="Control id",
                description="A control id in display form (AC-2(5)) or OSCAL form (ac-2.5).",
            ),
        ]
    ] = Field(
        default_factory=list,
        title="Added controls",
        json_schema_extra={"uniqueItems": True},
        description="Control ids (AC-2(5), ac-2.5 or a custom ORG-1) evaluated beyond the "
        "baseline.",
    )
    remove: list[Removal] = Field(
        default_factory=list,
        title="Removed controls",
        description="Controls of the baseline that are not evaluated. Each needs a "
        "justification, and every report lists it as a deviation.",
    )
    parameters: dict[
        str,
        Annotated[
            dict[
                ParameterName,
                Annotated[
                    Value,
                    Field(
                        title="Value",
                        description="The value to use instead of FedRAMP's: a number, string, "
                        "boolean or list of them.",
                    ),
                ],
            ],
            Field(
                min_length=1,
                title="Parameters of one control",
                description="Parameter name -> value, as named under the control's parameters.",
            ),
        ],
    ] = Field(
        default_factory=dict,
        title="Parameter values",
        description="Values for the named parameters of controls, by control id. A value may "
        "only be as strict as FedRAMP's or stricter; a looser value must be declared under "
        "deviations.",
    )
    deviations: list[Deviation] = Field(
        default_factory=list,
        title="Deviations",
        description="Parameter values looser than FedRAMP's, each with a justification. The run "
        "proceeds and every report lists each deviation beside the FedRAMP value.",
    )
    inherited: list[InheritedFrom] = Field(
        default_factory=list,
        title="Inherited controls",
        description="Controls claimed as inherited from leveraged FedRAMP-authorized providers, "
        "in addition to any the deployment claims under inherited_controls. Each claim must be "
        "backed by the provider's CRM (crms, or --crm FILE); of two claims for one control the "
        "stricter wins.",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a profile file, as committed under ``schemas/``."""
    from ._schema import file_schema

    return file_schema(ProfileFile, SCHEMA_ID)
