"""The deployment description: the contract loads as written; bad documents get located errors."""

from __future__ import annotations

import pytest

from fedcheck.errors import InputErrors
from fedcheck.inputs import load_deployment, parse_deployment

MINIMAL = "version: 1\nsystem:\n  id: sys\n  impact_level: high\n"


def problems(text: str) -> list:
    with pytest.raises(InputErrors) as info:
        parse_deployment(text, "deploy.yaml")
    return info.value.problems


def test_the_contract_file_loads_exactly_as_written(spec_file) -> None:
    loaded = load_deployment(str(spec_file))
    model = loaded.model
    assert model.system.impact_level == "high"
    web = model.components[0]
    assert web.encryption.in_transit.tls_min_version == "1.2"
    assert web.access.lockout.lock_minutes == 180
    assert model.data_flows[0].from_ == "assistant-api"
    assert model.external_services[0].trains_on_customer_data is False


def test_bundled_examples_load(repo) -> None:
    for path in sorted((repo / "examples").glob("*.yaml")):
        assert load_deployment(str(path)).model.version == 1


def test_unknown_key_is_an_error_with_a_suggestion() -> None:
    [p] = problems(MINIMAL + "components:\n  - id: a\n    acess: {}\n")
    assert (p.line, p.column) == (7, 5)
    assert "unknown field 'acess' in components[a]" in p.message
    assert p.fix == "did you mean 'access'?"


def test_wrong_type_names_value_and_expected_type() -> None:
    [p] = problems(MINIMAL + "components:\n  - id: a\n    access: {session_timeout_minutes: 15m}\n")
    assert p.line == 7
    assert (
        'components[a].access.session_timeout_minutes: expected an integer, got "15m"' in p.message
    )


def test_value_outside_an_enumeration_suggests_the_closest() -> None:
    [p] = problems(MINIMAL.replace("impact_level: high", "impact_level: hihg"))
    assert "'hihg' is not one of low, moderate, high" in p.message
    assert p.fix == "did you mean 'high'?"


def test_unquoted_tls_version_is_explained() -> None:
    [p] = problems(
        MINIMAL + "components:\n  - id: a\n    encryption: {in_transit: {tls_min_version: 1.2}}\n"
    )
    assert "expected a string, got the number 1.2" in p.message
    assert '"1.2"' in p.fix


def test_negative_and_absurd_numbers_are_refused() -> None:
    ps = problems(
        MINIMAL + "components:\n  - id: a\n    logging: {retention_days: -1, "
        "review_frequency_days: 99999999}\n"
    )
    messages = " | ".join(p.message for p in ps)
    assert "below the minimum" in messages and "absurdly large" in messages


def test_duplicate_ids_are_refused() -> None:
    [p] = problems(MINIMAL + "components:\n  - id: a\n  - id: a\n")
    assert p.line == 7 and "duplicate id 'a'" in p.message


def test_flow_to_an_unknown_endpoint_is_refused_with_a_suggestion() -> None:
    [p] = problems(
        MINIMAL + "components:\n  - id: api\n  - id: db\n"
        "data_flows:\n  - {id: f, from: api, to: dbb}\n"
    )
    assert "names 'dbb', which is no component or external service" in p.message
    assert p.fix == "did you mean 'db'?"


@pytest.mark.parametrize(
    "version, hint",
    [("2", "reads version 1"), ('"1"', "a number"), ("1.0", "1.0 is read as a decimal")],
)
def test_unknown_or_mistyped_version(version: str, hint: str) -> None:
    [p] = problems(f"version: {version}\nsystem: {{id: s}}\n")
    assert p.line == 1 and "version" in p.message and hint in p.fix


def test_all_problems_of_a_file_are_reported_together() -> None:
    ps = problems(
        MINIMAL + "components:\n  - id: a\n    typ: api\n  - id: b\n    network: {public: maybe}\n"
    )
    assert len(ps) == 2
    assert [p.line for p in ps] == sorted(p.line for p in ps)


def test_importing_the_model_builds_no_validator_until_a_document_is_checked() -> None:
    # Start-up time: a command that validates nothing (--version, schema, explain) must not
    # pay for building the deployment model's validators (docs/performance.md).
    import subprocess
    import sys

    code = (
        "import fedcheck.deployment as dm, sys\n"
        "models = [m for m in vars(dm).values() if isinstance(m, type) "
        "and issubclass(m, dm.BaseModel) and m is not dm.BaseModel]\n"
        "assert models and not any(m.__pydantic_complete__ for m in models), "
        "[m.__name__ for m in models if m.__pydantic_complete__]\n"
        "from fedcheck.inputs import load_deployment\n"
        "load_deployment('examples/agency-ai-assistant-compliant.yaml')\n"
        "assert dm.Deployment.__pydantic_complete__\n"
    )
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
