"""Profiles: FedRAMP parameter values are floors; loosening needs a declared deviation, removing a
control needs a justification, and both reach Result.deviations. Every refusal names its line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from fedcheck.api import check_file, load_catalog_for
from fedcheck.catalog import load_catalog
from fedcheck.cli import main
from fedcheck.errors import InputError, UsageError
from fedcheck.findings import Status
from fedcheck.loading import parse_text
from fedcheck.profiles import compare, load_profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tailoring"
COMPLIANT = ROOT / "examples" / "agency-ai-assistant-compliant.yaml"

# A custom control with one parameter of each kind of "stricter", so that every comparison
# (numbers, TLS versions, impact levels, lists both ways, fixed values) is exercised.
CUSTOM = """\
id: TST-1
title: Tailoring test control
family: TST
baselines: [moderate, high]
severity: moderate
parameters:
  max_idle:
    value: 15
    stricter: lower
  min_tls:
    value: "1.2"
    stricter: higher
  min_authorization:
    value: moderate
    stricter: higher
  required_events:
    value: [authentication, authorization]
    stricter: superset
  allowed_types:
    value: [web_app, api]
    stricter: subset
  at_rest:
    value: true
    stricter: equal
rules:
  - target: component
    checks:
      - assert: {field: access.session_timeout_minutes, at_most: $max_idle}
      - assert: {field: encryption.in_transit.tls_min_version, at_least: $min_tls}
      - assert: {field: hosting.fedramp_authorization, at_least: $min_authorization}
      - assert: {field: logging.events, contains_all: $required_events}
      - assert: {field: type, in: $allowed_types}
      - assert: {field: encryption.at_rest.enabled, equals: $at_rest}
"""

GOOD_COMPONENT = """\
  - id: app
    type: web_app
    hosting: {fedramp_authorization: high}
    access: {session_timeout_minutes: 12}
    encryption: {in_transit: {tls_min_version: "1.2"}, at_rest: {enabled: true}}
    logging: {events: [authentication, authorization]}
"""


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01
    write(tmp_path / "controls" / "tst-1.yaml", CUSTOM)
    write(
        tmp_path / "deploy.yaml",
        "version: 1\nsystem: {id: sys, name: S, impact_level: moderate}\ncomponents:\n"
        + GOOD_COMPONENT,
    )
    return tmp_path


def profile(workdir: Path, body: str, baseline: str = "moderate") -> str:
    return write(
        workdir / "profile.yaml",
        f"baseline: {baseline}\ncontrol_dirs: [controls]\n" + textwrap.dedent(body),
    )


def tailor(path: str):
    catalog, tailoring, inputs = load_catalog_for([], path)
    return catalog, tailoring, inputs


def refusal(path: str) -> InputError:
    with pytest.raises(InputError) as info:
        tailor(path)
    return info.value


def line_of(path: str, needle: str) -> int:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if needle in text)


# --- floors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("max_idle", "10"),
        ("min_tls", '"1.3"'),
        ("min_authorization", "high"),
        ("required_events", "[authentication, authorization, data_access]"),
        ("allowed_types", "[web_app]"),
        ("at_rest", "true"),
    ],
)
def test_a_value_that_tightens_or_equals_fedramp_is_accepted(workdir, name, value) -> None:
    path = profile(workdir, f"parameters:\n  TST-1:\n    {name}: {value}\n")
    _, tailoring, _ = tailor(path)
    assert name in tailoring.parameters["tst-1"]
    assert tailoring.deviations == ()


@pytest.mark.parametrize(
    "name, value, fedramp",
    [
        ("max_idle", "30", "15"),
        ("min_tls", '"1.1"', '"1.2"'),
        ("min_authorization", "low", '"moderate"'),
        ("required_events", "[authentication]", '["authentication", "authorization"]'),
        ("allowed_types", "[web_app, api, database]", '["web_app", "api"]'),
        ("at_rest", "false", "true"),
    ],
)
def test_a_value_that_loosens_fedramp_is_refused_at_its_line(workdir, name, value, fedramp) -> None:
    path = profile(workdir, f"parameters:\n  TST-1:\n    {name}: {value}\n")
    err = refusal(path)
    problem = err.problems[0]
    assert problem.file == path
    assert problem.line == line_of(path, f"{name}:")
    assert "looser than the FedRAMP moderate value" in problem.message
    assert fedramp in problem.message
    assert "deviations" in (problem.fix or "")


def test_the_bundled_ac11_floor_is_fifteen_minutes(workdir) -> None:
    tight = profile(workdir, "parameters:\n  AC-11:\n    max_idle_minutes: 10\n")
    _, tailoring, _ = tailor(tight)
    assert tailoring.parameters == {"ac-11": {"max_idle_minutes": 10}}
    loose = profile(workdir, "parameters:\n  ac-11:\n    max_idle_minutes: 16\n")
    assert "looser" in refusal(loose).problems[0].message


def test_a_tightened_value_is_what_the_check_enforces(workdir) -> None:
    path = profile(workdir, "parameters:\n  TST-1:\n    max_idle: 10\n")
    catalog, tailoring, inputs = tailor(path)
    result, code = check_file(
        str(workdir / "deploy.yaml"), catalog, tailoring=tailoring, extra_inputs=inputs
    )
    tst = [f for f in result.findings if f.control_id == "TST-1"]
    assert [f.status for f in tst] == [Status.FAIL]
    assert "10" in tst[0].message and code == 1
    assert [i.role for i in result.inputs] == ["deployment", "profile"]


def test_a_value_of_the_wrong_type_is_refused(workdir) -> None:
    path = profile(workdir, 'parameters:\n  AC-11:\n    max_idle_minutes: "10m"\n')
    problem = refusal(path).problems[0]
    assert "expected a number" in problem.message and problem.line == 5


@pytest.mark.parametrize("value", ["-5", "0"])
def test_a_zero_or_negative_number_is_refused_though_lower(workdir, value) -> None:
    path = profile(workdir, f"parameters:\n  AC-11:\n    max_idle_minutes: {value}\n")
    problem = refusal(path).problems[0]
    assert f"expected a positive number like FedRAMP's 15, got {value}" in problem.message


def test_a_tls_value_outside_the_scale_is_refused(workdir) -> None:
    path = profile(workdir, 'parameters:\n  TST-1:\n    min_tls: "2.0"\n')
    assert "is not a TLS version" in refusal(path).problems[0].message


# --- deviations ---------------------------------------------------------------------------------

DEVIATION = """\
deviations:
  - control: TST-1
    parameter: max_idle
    value: 20
    justification: Dictation workflow; badge-locked room.
    approved_by: AO
    approved_on: 2026-11-02
"""


def test_a_declared_deviation_lets_the_run_proceed_and_is_reported(workdir) -> None:
    path = profile(workdir, DEVIATION)
    catalog, tailoring, inputs = tailor(path)
    assert tailoring.parameters == {"tst-1": {"max_idle": 20}}
    write(
        workdir / "deploy.yaml",
        "version: 1\nsystem: {id: sys, name: S, impact_level: moderate}\ncomponents:\n"
        + GOOD_COMPONENT.replace("session_timeout_minutes: 12", "session_timeout_minutes: 18"),
    )
    result, code = check_file(
        str(workdir / "deploy.yaml"), catalog, tailoring=tailoring, extra_inputs=inputs
    )
    assert [f.status for f in result.findings if f.control_id == "TST-1"] == [Status.PASS]
    # The deviation loosens TST-1 only: AC-11 still holds the session to FedRAMP's 15 minutes.
    assert [f.status for f in result.findings if f.control_id == "AC-11"] == [Status.FAIL]
    assert code == 1
    (dev,) = result.deviations
    assert dev["kind"] == "parameter"
    assert (dev["control"], dev["parameter"], dev["fedramp_value"], dev["value"]) == (
        "TST-1",
        "max_idle",
        15,
        20,
    )
    assert dev["justification"] == "Dictation workflow; badge-locked room."
    assert dev["location"]["line"] == line_of(path, "- control: TST-1")
    # The JSON form carries it too, so every report can list it.
    assert json.loads(json.dumps(result.to_dict()))["deviations"][0]["fedramp_value"] == 15


def test_a_deviation_without_justification_is_refused(workdir) -> None:
    path = profile(
        workdir,
        DEVIATION.replace("    justification: Dictation workflow; badge-locked room.\n", ""),
    )
    problem = refusal(path).problems[0]
    assert "justification" in problem.message
    assert problem.line == line_of(path, "- control: TST-1")


def test_a_blank_justification_is_refused(workdir) -> None:
    path = profile(workdir, DEVIATION.replace("Dictation workflow; badge-locked room.", '" "'))
    assert "justification" in refusal(path).problems[0].message


def test_a_deviation_that_does_not_loosen_is_refused(workdir) -> None:
    path = profile(workdir, DEVIATION.replace("value: 20", "value: 10"))
    problem = refusal(path).problems[0]
    assert "no deviation" in problem.message and problem.line == line_of(path, "value: 10")


def test_a_parameter_set_twice_is_refused(workdir) -> None:
    path = profile(workdir, DEVIATION + "parameters:\n  TST-1:\n    max_idle: 10\n")
    assert "both under parameters and as a deviation" in refusal(path).problems[0].message


# --- removal, addition, unknown ids ----------------------------------------------------------------


def test_removing_a_control_needs_a_justification(workdir) -> None:
    path = profile(workdir, "remove:\n  - control: AC-11\n")
    problem = refusal(path).problems[0]
    assert "justification" in problem.message and problem.line == 4


def test_a_removed_control_is_not_evaluated_and_is_reported(workdir) -> None:
    path = profile(workdir, "remove:\n  - control: TST-1\n    justification: Kiosk only.\n")
    catalog, tailoring, inputs = tailor(path)
    result, _ = check_file(
        str(workdir / "deploy.yaml"), catalog, tailoring=tailoring, extra_inputs=inputs
    )
    assert not [f for f in result.findings if f.control_id == "TST-1"]
    (dev,) = result.deviations
    assert (dev["kind"], dev["control"], dev["value"], dev["justification"]) == (
        "removed_control",
        "TST-1",
        "removed",
        "Kiosk only.",
    )


def test_removing_a_control_outside_the_baseline_is_refused(workdir) -> None:
    path = profile(workdir, "remove:\n  - control: AC-11\n    justification: x\n", "low")
    assert "not in the FedRAMP low baseline" in refusal(path).problems[0].message


@pytest.mark.parametrize(
    "body, needle",
    [
        ("add: [ZZ-99]\n", "add:"),
        ("remove:\n  - control: AC-999\n    justification: x\n", "AC-999"),
        ("parameters:\n  AC-99:\n    x: 1\n", "AC-99:"),
        (
            "inherited:\n  - {provider: P, fedramp_authorization: high, controls: [PE-999]}\n",
            "PE-999",
        ),
    ],
)
def test_an_unknown_control_id_is_refused_at_its_line(workdir, body, needle) -> None:
    path = profile(workdir, body)
    problem = refusal(path).problems[0]
    assert "unknown control" in problem.message
    assert problem.line == line_of(path, needle)


def test_an_unknown_parameter_name_gets_a_suggestion(workdir) -> None:
    path = profile(workdir, "parameters:\n  AC-11:\n    max_idle_minute: 10\n")
    problem = refusal(path).problems[0]
    assert "has no parameter 'max_idle_minute'" in problem.message
    assert problem.fix == "did you mean 'max_idle_minutes'?"


def test_an_unknown_key_is_refused_by_the_schema(workdir) -> None:
    path = profile(workdir, "paramaters: {}\n")
    problem = refusal(path).problems[0]
    assert "unknown key 'paramaters'" in problem.message and problem.line == 3


def test_a_missing_control_dir_is_refused(workdir) -> None:
    path = write(workdir / "p.yaml", "baseline: high\ncontrol_dirs: [nowhere]\n")
    problem = refusal(path).problems[0]
    assert "no directory 'nowhere'" in problem.message and problem.line == 2


def test_added_custom_controls_are_evaluated(workdir) -> None:
    write(
        workdir / "controls" / "tst-2.yaml",
        CUSTOM.replace("TST-1", "TST-2").replace("baselines: [moderate, high]", "baselines: []"),
    )
    path = profile(workdir, "add: [TST-2]\n")
    catalog, tailoring, inputs = tailor(path)
    result, _ = check_file(
        str(workdir / "deploy.yaml"), catalog, tailoring=tailoring, extra_inputs=inputs
    )
    assert [f.status for f in result.findings if f.control_id == "TST-2"] == [Status.PASS]


# --- the baseline ---------------------------------------------------------------------------------


def test_a_profile_below_the_system_impact_level_is_refused(workdir) -> None:
    path = profile(workdir, "", "low")
    catalog, tailoring, inputs = tailor(path)
    with pytest.raises(InputError) as info:
        check_file(str(workdir / "deploy.yaml"), catalog, tailoring=tailoring)
    problem = info.value.problem
    assert (problem.file, problem.line) == (path, 1)
    assert "below the system's impact level (moderate" in problem.message


def test_baseline_option_may_not_contradict_the_profile(workdir) -> None:
    path = profile(workdir, "", "high")
    catalog, tailoring, _ = tailor(path)
    with pytest.raises(UsageError, match="contradicts the profile"):
        check_file(str(workdir / "deploy.yaml"), catalog, baseline="moderate", tailoring=tailoring)


def test_the_profile_baseline_is_the_run_baseline(workdir) -> None:
    path = profile(workdir, "", "high")
    catalog, tailoring, _ = tailor(path)
    result, _ = check_file(str(workdir / "deploy.yaml"), catalog, tailoring=tailoring)
    assert result.baseline == "high"


def test_cli_refuses_a_loosening_profile_with_exit_2(workdir, capsys) -> None:
    path = profile(workdir, "parameters:\n  AC-11:\n    max_idle_minutes: 30\n")
    code = main(["check", str(workdir / "deploy.yaml"), "--profile", path, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:5:23: error: AC-11 max_idle_minutes: 30 is looser" in err
    assert "Traceback" not in err


def test_cli_check_with_a_tightening_profile_gates_on_the_new_value(workdir, capsys) -> None:
    # The command line evaluates the whole catalog, so the deployment is the compliant example
    # (it passes every automated control) with every session lock at 12 minutes, within
    # FedRAMP High's 15.
    data, _ = parse_text(COMPLIANT.read_text(encoding="utf-8"), str(COMPLIANT))
    data = json.loads(json.dumps(data))
    for component in data["components"]:
        component["access"]["session_timeout_minutes"] = 12
    deploy = write(workdir / "compliant.json", json.dumps(data))
    dated = ["--as-of", "2026-12-01"]  # the compliant example's records are current then
    assert main(["check", deploy, *dated, "--quiet"]) == 0
    path = write(
        workdir / "tight.yaml", "baseline: high\nparameters:\n  AC-11:\n    max_idle_minutes: 10\n"
    )
    assert main(["check", deploy, *dated, "--profile", path, "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FAIL AC-11 web-ui" in out and "FAIL AC-11 assistant-api" in out
    # every component of the example states interactive sessions (AC-11's scope); nothing else fails
    assert out.count(" FAIL ") == out.count(" FAIL AC-11 ") == 4
    path = write(
        workdir / "tight.yaml", "baseline: high\nparameters:\n  AC-11:\n    max_idle_minutes: 12\n"
    )
    assert main(["check", deploy, *dated, "--profile", path, "--quiet"]) == 0


# --- comparisons and the worked example -----------------------------------------------------------


def test_compare_orders_levels_and_tls_versions_by_rank_not_spelling() -> None:
    assert compare("higher", "moderate", "high") == "tighter"
    assert compare("higher", "moderate", "li-saas") == "looser"
    assert compare("higher", "1.2", "1.3") == "tighter"
    assert compare("higher", "1.2", "1.0") == "looser"
    assert compare("lower", 15, 15) == "equal"


def test_the_worked_example_profile_loads() -> None:
    prof = load_profile(str(EXAMPLE / "profile.yaml"))
    catalog = load_catalog(prof.control_dirs)
    tailoring = prof.tailoring(catalog)
    assert tailoring.baseline == "moderate"
    assert tailoring.add == ("org-1",)
    assert {d["kind"] for d in tailoring.deviations} == {"parameter", "removed_control"}
    assert tailoring.parameters["org-1"] == {"required_interfaces": ["waf", "load_balancer"]}
