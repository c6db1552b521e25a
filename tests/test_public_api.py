"""The public surface of ``import fedcheck``: small, sorted, and each name importable."""

from __future__ import annotations

import subprocess
import sys

import fedcheck


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert fedcheck.__all__ == sorted(fedcheck.__all__)
    for name in fedcheck.__all__:
        assert getattr(fedcheck, name) is not None


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
