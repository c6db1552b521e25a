"""How an input format's pydantic model becomes its committed JSON Schema.

pydantic's defaults describe what the model accepts from Python (``None`` for every optional
field, a ``patternProperties`` for a mapping whose keys have a pattern); the committed schemas
describe what a file may say, which is stricter: an optional key is left out, never written as
``null``, and a mapping's keys all match their pattern. The generator below writes that.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import PydanticOmit, core_schema

DRAFT = "https://json-schema.org/draft/2020-12/schema"


class FileModel(BaseModel):
    """The base of every file format's model: unknown keys refused, values of their own type,
    built on first use (``import fedcheck`` builds none of them)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        populate_by_name=True,
        validate_default=False,
        defer_build=True,
    )


class FileSchema(GenerateJsonSchema):
    """The JSON Schema of a file format: optional keys are omitted rather than null, mappings
    constrain their keys with ``propertyNames``, and titles are only those the model states."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        # ``X | None = None`` means "may be left out"; a file that writes null says nothing, so
        # the schema refuses it (a field that takes null states it with json_schema_extra).
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        default = schema.get("default")
        if default is None or "default_factory" in schema:
            return inner
        try:
            encoded = self.encode_default(default)
        except PydanticOmit:  # pragma: no cover - every default here is plain data
            return inner
        return {**inner, "default": encoded}

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        out = super().dict_schema(schema)
        patterns = out.pop("patternProperties", None)
        if patterns:
            ((pattern, values),) = patterns.items()
            out["propertyNames"] = {"pattern": pattern}
            out["additionalProperties"] = values
        # pydantic drops the title of a mapping's values; an editor shows it as hover text.
        values_schema = schema.get("values_schema")
        values = out.get("additionalProperties")
        if values_schema is not None and isinstance(values, dict):
            title = self.generate_inner(values_schema).get("title")
            if title is not None:
                out["additionalProperties"] = {**values, "title": title}
        return out

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def file_schema(model: type[BaseModel], schema_id: str) -> dict[str, Any]:
    """The committed JSON Schema of ``model``'s file format."""
    schema = model.model_json_schema(by_alias=True, mode="validation", schema_generator=FileSchema)
    schema["$schema"] = DRAFT
    schema["$id"] = schema_id
    return schema
