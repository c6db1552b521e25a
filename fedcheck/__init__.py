"""fedcheck: check a deployment description against FedRAMP Rev5 controls before it ships.

The public API, loaded lazily so that ``fedcheck --version`` stays fast::

    import fedcheck

    deployment = fedcheck.load_deployment("examples/agency-ai-assistant.yaml")
    catalog = fedcheck.load_catalog()
    result = fedcheck.evaluate(deployment, catalog)          # baseline: the system's impact level
    print(fedcheck.render(result, "text"))
    failing = result.failing()                              # the findings that fail the gate

    # The same in stages: compile once, judge many deployments of the baseline.
    plan = fedcheck.compile_plan(catalog, baseline="high")
    result = fedcheck.evaluate(plan, fedcheck.admit(plan, deployment))
"""

from __future__ import annotations

from ._version import __version__

# Not ``typing.TYPE_CHECKING``: importing typing would double what ``fedcheck --version`` costs.
# Type checkers take a name TYPE_CHECKING as true, so they see the imports below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .api import check_file, load_catalog, load_result, render, schema
    from .catalog import Catalog, Control
    from .deployment import Deployment
    from .errors import FedcheckError, InputError, UsageError
    from .evaluation import evaluate, exit_code
    from .findings import Evidence, Finding, Location, Result, Severity, Status
    from .inputs import LoadedDeployment, load_deployment, parse_deployment
    from .plan import Admitted, Plan, Tailoring, admit, compile_plan
    from .portfolio import Checked, check_files, expand_paths

_LAZY = {
    "Admitted": "plan",
    "Catalog": "catalog",
    "Checked": "portfolio",
    "Control": "catalog",
    "Deployment": "deployment",
    "Evidence": "findings",
    "FedcheckError": "errors",
    "Finding": "findings",
    "InputError": "errors",
    "LoadedDeployment": "inputs",
    "Location": "findings",
    "Plan": "plan",
    "Result": "findings",
    "Severity": "findings",
    "Status": "findings",
    "Tailoring": "plan",
    "UsageError": "errors",
    "admit": "plan",
    "check_file": "api",
    "check_files": "portfolio",
    "compile_plan": "plan",
    "evaluate": "evaluation",
    "exit_code": "evaluation",
    "expand_paths": "portfolio",
    "load_catalog": "api",
    "load_deployment": "inputs",
    "load_result": "api",
    "parse_deployment": "inputs",
    "render": "api",
    "schema": "api",
}

#: The public API, literal so that a change to it is a visible diff (tests/test_public_api.py).
__all__ = [
    "Admitted",
    "Catalog",
    "Checked",
    "Control",
    "Deployment",
    "Evidence",
    "FedcheckError",
    "Finding",
    "InputError",
    "LoadedDeployment",
    "Location",
    "Plan",
    "Result",
    "Severity",
    "Status",
    "Tailoring",
    "UsageError",
    "__version__",
    "admit",
    "check_file",
    "check_files",
    "compile_plan",
    "evaluate",
    "exit_code",
    "expand_paths",
    "load_catalog",
    "load_deployment",
    "load_result",
    "parse_deployment",
    "render",
    "schema",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fedcheck' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
