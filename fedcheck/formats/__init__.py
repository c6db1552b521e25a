"""The input file formats as pydantic models, each the source of its committed JSON Schema,
and the one way every input file is validated.

============  =========================================  ==============================
format        model                                      committed schema
============  =========================================  ==============================
deployment    :class:`fedcheck.deployment.Deployment`    ``schemas/deployment.schema.json``
control       :class:`.control.ControlFile`              ``schemas/control.schema.json``
profile       :class:`.profile.ProfileFile`              ``schemas/profile.schema.json``
waivers       :class:`.waivers.WaiversFile`              ``schemas/waivers.schema.json``
crm           :class:`fedcheck.crm.CustomerResponsibilityMatrix`  ``schemas/crm.schema.json``
records       :class:`fedcheck.records.RecordsFile`      ``schemas/records.schema.json``
============  =========================================  ==============================

``python -m fedcheck.docgen`` writes each schema from its model and a test fails when a
committed one differs. A control, profile or waiver file is checked against its generated
schema first (each violation a problem at its file:line:column, with a fix) and then read into
its model, so the loaders hand on typed objects. Models are built on first use, never by
``import fedcheck``.
"""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel

from ._validate import problems, schema_validator, validate

#: Each format: the module that holds its model, the model's name, and its schema's file name.
FORMATS: dict[str, tuple[str, str, str]] = {
    "control": ("fedcheck.formats.control", "ControlFile", "control.schema.json"),
    "crm": ("fedcheck.crm", "CustomerResponsibilityMatrix", "crm.schema.json"),
    "deployment": ("fedcheck.deployment", "Deployment", "deployment.schema.json"),
    "profile": ("fedcheck.formats.profile", "ProfileFile", "profile.schema.json"),
    "records": ("fedcheck.records", "RecordsFile", "records.schema.json"),
    "waivers": ("fedcheck.formats.waivers", "WaiversFile", "waivers.schema.json"),
}


def model(kind: str) -> type[BaseModel]:
    """The pydantic model of an input format."""
    module, name, _ = FORMATS[kind]
    found: type[BaseModel] = getattr(importlib.import_module(module), name)
    return found


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of an input format, generated from its model (as committed)."""
    module, _, _ = FORMATS[kind]
    schema: dict[str, Any] = importlib.import_module(module).json_schema()
    return schema


__all__ = ["FORMATS", "json_schema", "model", "problems", "schema_validator", "validate"]
