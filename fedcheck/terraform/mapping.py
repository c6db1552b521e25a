"""The provider mapping: which resource attributes evidence which contract fields.

The mapping is data (``mappings/aws.yaml``, ``azure.yaml``, ``google.yaml``, and ``fields.yaml``
for how facts of one field combine), reviewed like the catalog and validated here by pydantic
when first used: a field the contract lacks, a converter that does not exist or a misspelt key
is an error naming the file, line and column.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import deployment as dm
from ..errors import InputError
from ..loading import load_file

MAPPINGS_DIR = Path(__file__).parent / "mappings"
PROVIDER_FILES = ("aws", "azure", "google")

#: The value a fact takes when the plan shows a protection is absent altogether: a key never
#: rotated, a listener without TLS. It cannot be written into the description; it fails.
NEVER = "never"

Converter = Literal[
    "seconds_to_days",  # Google durations: "7776000s" -> 90 (rounded up)
    "iso_duration_days",  # Azure ISO 8601 durations: "P90D" -> 90
    "schedule_hours",  # cron(...) / rate(...) -> hours between runs (the most frequent rule)
    "open_cidr",  # any of the values is 0.0.0.0/0, ::/0, * or Internet -> true
    "positive",  # a number above zero -> true
    "nonempty",  # a non-empty list, mapping or string -> true
    "negate",  # true -> false
    "region_country",  # a region -> its ISO 3166 country code (regions.yaml)
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Condition(_Model):
    """A test on another attribute of the same resource."""

    attribute: str
    equals: Any = None
    is_in: list[Any] | None = Field(None, alias="in")
    set: bool | None = None  # the attribute holds a value (not null, not empty)

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = sum(
            1
            for name in ("equals", "is_in", "set")
            if name in self.model_fields_set or (name == "is_in" and "in" in self.model_fields_set)
        )
        if tests != 1:
            raise ValueError("a condition has exactly one of equals, in, set")
        return self


class Fact(_Model):
    """One way a resource evidences one contract field."""

    field: str  # a component field of the contract, e.g. encryption.at_rest.enabled
    attribute: str | None = None  # where in the resource's values; none: a constant fact
    value: Any = None  # the constant (without attribute)
    convert: Converter | None = None
    map: dict[str, Any] | None = None  # raw value (as text) -> contract value
    unmapped: Literal["unknown", "keep", "skip"] = "unknown"
    absent: Any = None  # the value when the attribute is null or empty (only if stated)
    when: list[Condition] = Field(default_factory=list)
    component_types: list[str] | None = None  # only for components of these types
    note: str = ""  # one line for the documentation table

    @property
    def has_absent(self) -> bool:
        return "absent" in self.model_fields_set

    @model_validator(mode="after")
    def _shape(self) -> Fact:
        if self.attribute is None and "value" not in self.model_fields_set:
            raise ValueError("a fact has an attribute to read or a constant value")
        if self.field not in component_fields():
            raise ValueError(f"{self.field!r} is no component field of the contract")
        return self


class ResourceMapping(_Model):
    """What fedcheck knows of one resource type."""

    holds_data: bool  # holds, moves or protects data: a component must claim it
    component_type: str = "other"  # the contract type ``init --from-plan`` gives its group
    facts: list[Fact] = Field(default_factory=list)

    @model_validator(mode="after")
    def _type(self) -> ResourceMapping:
        allowed = dm.ComponentType.__args__  # type: ignore[attr-defined]
        if self.component_type not in allowed:
            raise ValueError(f"component_type {self.component_type!r} is not one of {allowed}")
        return self


class ProviderMapping(_Model):
    provider: str  # the provider's short name in provider_name: aws, azurerm, google
    title: str  # for documentation: AWS, Azure, Google Cloud
    #: Attributes naming where a resource runs, tried in order; then the provider block's region.
    region_attributes: list[str] = Field(default_factory=list)
    resources: dict[str, ResourceMapping]


class FieldRule(_Model):
    """How the facts of one field, from several resources of a component, combine."""

    combine: Literal["worst", "same", "union"]
    order: list[Any] | None = None  # worst first, for ``worst``
    worst: Literal["min", "max"] | None = None  # for numbers


class Fields(_Model):
    fields: dict[str, FieldRule]
    not_evidenced: dict[str, str]  # field -> why a plan cannot evidence it


class Mapping:
    """The whole mapping: every provider, the field rules, and the region table."""

    def __init__(
        self,
        providers: dict[str, ProviderMapping],
        fields: Fields,
        regions: dict[str, str],
    ) -> None:
        self.providers = providers
        self.fields = fields
        self.regions = regions
        self.by_type: dict[str, ResourceMapping] = {}
        for provider in providers.values():
            self.by_type.update(provider.resources)

    def resource(self, rtype: str) -> ResourceMapping | None:
        return self.by_type.get(rtype)


@functools.cache
def component_fields() -> frozenset[str]:
    """Every leaf field path of a component in the contract: ``encryption.at_rest.enabled``."""
    out: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            key = info.alias or name
            inner = _model_of(info.annotation)
            if inner is not None:
                walk(inner, f"{prefix}{key}.")
            else:
                out.add(prefix + key)

    walk(dm.Component, "")
    return frozenset(out)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    import typing

    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _load(name: str, model: type[BaseModel]) -> Any:
    path = MAPPINGS_DIR / f"{name}.yaml"
    doc = load_file(str(path))
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
        line, column, _ = doc.source.position(loc)
        where = ".".join(str(p) for p in loc)
        raise InputError(
            str(path),
            line,
            column,
            f"mapping {where}: {err['msg']}",
            "fix the mapping data (docs/terraform.md describes its form)",
        ) from None


@functools.cache
def load_mapping() -> Mapping:
    """The bundled mapping, validated once per process."""
    providers = {name: _load(name, ProviderMapping) for name in PROVIDER_FILES}
    fields = _load("fields", Fields)
    for provider in providers.values():
        for rtype, resource in provider.resources.items():
            for fact in resource.facts:
                if fact.field not in fields.fields:
                    raise InputError(
                        str(MAPPINGS_DIR / "fields.yaml"),
                        None,
                        None,
                        f"{rtype} evidences {fact.field}, which fields.yaml gives no rule",
                        "add the field to fields.yaml",
                    )
    regions_doc = load_file(str(MAPPINGS_DIR / "regions.yaml"))
    regions = {str(k): str(v) for k, v in (regions_doc.data.get("regions") or {}).items()}
    return Mapping(providers, fields, regions)


__all__ = [
    "NEVER",
    "Condition",
    "Fact",
    "FieldRule",
    "Fields",
    "Mapping",
    "ProviderMapping",
    "ResourceMapping",
    "component_fields",
    "load_mapping",
]
