"""The public surface of ``import fedcheck``: small, sorted, and each name importable."""

from __future__ import annotations

import subprocess
import sys

import fedcheck

#: The public API, written out: adding, removing or renaming a name is a change a reviewer
#: sees here (and must document in docs/api.md), not something ``sorted(__all__)`` absorbs.
PUBLIC = [
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


def test_the_public_api_is_exactly_the_documented_names() -> None:
    assert fedcheck.__all__ == PUBLIC
    assert sorted(n for n in dir(fedcheck) if n in PUBLIC) == sorted(PUBLIC)


def test_every_public_name_resolves_and_is_documented(repo) -> None:
    api_doc = (repo / "docs" / "api.md").read_text(encoding="utf-8")
    for name in PUBLIC:
        assert getattr(fedcheck, name) is not None
        if name != "__version__":
            documented = f"`{name}" in api_doc or f"`fedcheck.{name}" in api_doc
            assert documented, f"docs/api.md does not document fedcheck.{name}"


def test_importing_fedcheck_does_not_import_its_dependencies() -> None:
    code = (
        "import sys, fedcheck; heavy = {'pydantic', 'yaml', 'jinja2', 'jsonschema'} & "
        "set(sys.modules); print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_library_round_trip_on_the_bundled_example(repo) -> None:
    deployment = fedcheck.load_deployment(str(repo / "examples" / "agency-ai-assistant.yaml"))
    catalog = fedcheck.load_catalog()
    result = fedcheck.evaluate(deployment, catalog)
    assert result.baseline == "high"
    failing = result.failing()
    assert failing and all(
        f.status in (fedcheck.Status.FAIL, fedcheck.Status.ERROR) for f in failing
    )
    assert fedcheck.exit_code(result) == 1
