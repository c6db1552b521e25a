"""The waiver file format (POA&M items and FedRAMP deviations): the pydantic model that is the
source of ``waivers.schema.json``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from ._schema import FileModel

SCHEMA_ID = "https://fedcheck.dev/schemas/waivers.schema.json"

#: Text that says something: at least one character that is not white space.
Text = Annotated[str, Field(pattern=r"\S")]
Level = Literal["low", "moderate", "high"]
_DATE: JsonDict = {"format": "date"}


class Waiver(FileModel):
    """One POA&M item or FedRAMP deviation."""

    model_config = ConfigDict(title="Waiver")

    control: str = Field(
        ...,
        title="Control id",
        min_length=1,
        description="The control whose failure is accepted, e.g. AC-11 or ac-11.",
    )
    target: str = Field(
        ...,
        title="Target",
        min_length=1,
        description="The id of the component, external service, data flow or system the "
        "failure is on, or * for every target.",
    )
    justification: Text = Field(
        ...,
        title="Justification",
        description="Why the risk is accepted, and for a POA&M item how it is being remediated.",
    )
    approved_by: Text = Field(
        ...,
        title="Approved by",
        description="Who approved the entry, by name; for a deviation, the authorizing official "
        "or their delegate.",
    )
    # The loader reads the dates itself, so that a bad one is refused at its line with a fix.
    approved_on: str = Field(
        ...,
        title="Approved on",
        json_schema_extra=_DATE,
        description="The date the waiver was approved, YYYY-MM-DD.",
    )
    expires: str = Field(
        ...,
        title="Expires",
        json_schema_extra=_DATE,
        description="The last day the entry holds, YYYY-MM-DD; it holds through the end of that "
        "day, UTC. A POA&M item also stops holding at the FedRAMP remediation deadline (30, 90 "
        "or 180 days from the original detection, by risk level); a deviation runs at most 365 "
        "days after approval.",
    )
    type: Literal["poam", "risk_adjustment", "operational_requirement", "false_positive"] = Field(
        "poam",
        title="Type",
        description="poam (default): a weakness being remediated under the POA&M; or a FedRAMP "
        "deviation: risk_adjustment (lowers the rating, the finding still fails), "
        "operational_requirement (accepts a risk that is not high) or false_positive (closes "
        "the item with its evidence).",
    )
    poam_id: str | None = Field(
        None,
        title="POA&M id",
        min_length=1,
        description="The item's id in the system's POA&M, e.g. POAM-0042.",
    )
    approver_role: (
        Literal["authorizing-official", "fedramp-board", "system-owner", "isso"] | None
    ) = Field(
        None,
        title="Approver role",
        description="The role of who approved the entry: authorizing-official or fedramp-board "
        "(required for a deviation), system-owner or isso (a POA&M item only).",
    )
    evidence: Text | None = Field(
        None,
        title="Evidence",
        description="A false positive's evidence: what shows the finding is not real.",
    )
    mitigating_factors: list[Text] | None = Field(
        None,
        title="Mitigating factors",
        min_length=1,
        description="A risk adjustment's mitigating factors: what lowers the likelihood or the "
        "impact.",
    )
    adjusted_likelihood: Level | None = Field(
        None,
        title="Adjusted likelihood",
        description="A risk adjustment's likelihood after the mitigating factors (low, moderate "
        "or high).",
    )
    adjusted_impact: Level | None = Field(
        None,
        title="Adjusted impact",
        description="A risk adjustment's impact after the mitigating factors (low, moderate or "
        "high).",
    )


class WaiversFile(FileModel):
    """POA&M items and FedRAMP deviations for failures of a control on a target. A POA&M item
    (type poam) does not fail the gate while it is current and within the FedRAMP remediation
    deadline counted from the weakness's original detection; a false positive closes the item
    with its evidence; a risk adjustment lowers the risk rating but the finding keeps failing;
    an operational requirement accepts a risk that is not high. Deviations need the authorizing
    official's approval."""

    model_config = ConfigDict(title="fedcheck waivers")

    waivers: list[Waiver] = Field(
        ...,
        title="Waivers",
        description="The waivers, each applied to the failing findings it matches.",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a waiver file, as committed under ``schemas/``."""
    from ._schema import file_schema

    return file_schema(WaiversFile, SCHEMA_ID)
