"""fedcheck: check a deployment description against FedRAMP Rev5 controls before it ships.

The public API, loaded lazily so that ``fedcheck --version`` stays fast::

    import fedcheck

    deployment = fedcheck.load_deployment("examples/agency-ai-assistant.yaml")
    catalog = fedcheck.load_catalog()
    result = fedcheck.evaluate(deployment, catalog)          # baseline: the system's impact level
    print(fedcheck.render(result, "text"))
    failing = result.failing()                              # the findings that fail the gate
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api import check_file, load_catalog, load_result, render, schema
    from .catalog import Catalog, Control
    from .deployment import Deployment
    from .errors import FedcheckError, InputError, UsageError
    from .evaluation import evaluate, exit_code
    from .findings import Evidence, Finding, Location, Result, Severity, Status
    from .inputs import LoadedDeployment, load_deployment, parse_deployment
    from .plan import Tailoring

_LAZY = {
    "Catalog": "catalog",
    "Control": "catalog",
    "Deployment": "deployment",
    "Evidence": "findings",
    "FedcheckError": "errors",
    "Finding": "findings",
    "InputError": "errors",
    "LoadedDeployment": "inputs",
    "Location": "findings",
    "Result": "findings",
    "Severity": "findings",
    "Status": "findings",
    "Tailoring": "plan",
    "UsageError": "errors",
    "check_file": "api",
    "evaluate": "evaluation",
    "exit_code": "evaluation",
    "load_catalog": "api",
    "load_deployment": "inputs",
    "load_result": "api",
    "parse_deployment": "inputs",
    "render": "api",
    "schema": "api",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fedcheck' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
