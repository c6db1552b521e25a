"""Tooling for control authors: ``fedcheck validate PATH...`` and ``fedcheck test-controls DIR``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fedcheck.cli import main
from fedcheck.validate import detect_kind

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tailoring"
ORG1 = (EXAMPLE / "controls" / "org" / "org-1.yaml").read_text(encoding="utf-8")


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- validate -----------------------------------------------------------------------------------


def test_the_worked_example_validates(capsys) -> None:
    code = main(["validate", str(EXAMPLE), "--controls", str(EXAMPLE / "controls")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    for name, kind in (
        ("org-1.yaml", "control"),
        ("deployment.yaml", "deployment"),
        ("profile.yaml", "profile"),
        ("waivers.yaml", "waivers"),
        ("crm.yaml", "crm"),
    ):
        assert any(
            line.startswith("ok") and name in line and f"({kind})" in line
            for line in captured.out.splitlines()
        ), captured.out
    assert "5 file(s) checked, 0 with problems" in captured.err


def test_a_waiver_naming_a_custom_control_needs_its_directory(capsys) -> None:
    assert main(["validate", str(EXAMPLE / "waivers.yaml")]) == 2
    assert "waivers.yaml:17:14: error: unknown control 'ORG-1'" in capsys.readouterr().err


def test_an_unknown_field_in_a_check_is_an_error_with_its_line(tmp_path, capsys) -> None:
    path = write(
        tmp_path / "org-1.yaml",
        ORG1.replace(
            "network.boundary_protection, contains", "network.boundary_protections, contains"
        ),
    )
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    line = next(
        i
        for i, text in enumerate(Path(path).read_text().splitlines(), 1)
        if "boundary_protections" in text
    )
    assert f"{path}:{line}:" in err and "boundary_protections" in err
    assert "did you mean 'boundary_protection'" in err


def test_a_loosening_profile_is_an_error(tmp_path, capsys) -> None:
    path = write(
        tmp_path / "p.yaml", "baseline: high\nparameters:\n  AC-11:\n    max_idle_minutes: 20\n"
    )
    assert main(["validate", path]) == 2
    assert f"{path}:4:23: error: AC-11 max_idle_minutes: 20 is looser" in capsys.readouterr().err


def test_a_profile_with_an_unknown_control_is_an_error(tmp_path, capsys) -> None:
    path = write(tmp_path / "p.yaml", "baseline: high\nadd: [AC-2(99)]\n")
    assert main(["validate", path]) == 2
    assert f"{path}:2:7: error: unknown control 'AC-2(99)'" in capsys.readouterr().err


def test_a_waiver_file_missing_a_field_is_an_error(tmp_path, capsys) -> None:
    path = write(tmp_path / "w.yaml", "waivers:\n  - control: AC-11\n    target: web\n")
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:5: error: waivers.0: 'approved_by' is a required property" in err


def test_an_invalid_deployment_is_an_error(tmp_path, capsys) -> None:
    path = write(tmp_path / "d.yaml", "version: 1\nsystem: {id: s, impact_level: hihg}\n")
    assert main(["validate", path]) == 2
    assert f"{path}:2:" in capsys.readouterr().err


def test_every_file_is_checked_and_each_problem_reported(tmp_path, capsys) -> None:
    good = write(tmp_path / "good.yaml", "baseline: high\n")
    bad = write(tmp_path / "bad.yaml", "baseline: highest\n")
    assert main(["validate", good, bad]) == 2
    captured = capsys.readouterr()
    assert f"ok    {good} (profile)" in captured.out
    assert f"{bad}:1:11: error:" in captured.err
    assert "2 file(s) checked, 1 with problems" in captured.err


def test_a_file_of_unknown_kind_asks_for_kind(tmp_path, capsys) -> None:
    path = write(tmp_path / "x.yaml", "hello: world\n")
    assert main(["validate", path]) == 2
    assert "--kind" in capsys.readouterr().err
    assert main(["validate", path, "--kind", "profile"]) == 2
    assert "'baseline' is a required property" in capsys.readouterr().err


def test_validate_json_output(tmp_path, capsys) -> None:
    bad = write(tmp_path / "bad.yaml", "baseline: highest\n")
    assert main(["validate", bad, "--format", "json"]) == 2
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["kind"], row["ok"], row["problems"][0]["line"]) == ("profile", False, 1)


@pytest.mark.parametrize(
    "data, kind",
    [
        ({"waivers": []}, "waivers"),
        ({"version": 1, "system": {}}, "deployment"),
        ({"id": "AC-1", "title": "t", "family": "AC"}, "control"),
        ({"baseline": "high"}, "profile"),
        ({"x": 1}, None),
    ],
)
def test_kinds_are_told_by_their_top_level_keys(data, kind) -> None:
    assert detect_kind(data) == kind


# --- test-controls --------------------------------------------------------------------------------


def test_test_controls_passes_the_worked_example(capsys) -> None:
    assert main(["test-controls", str(EXAMPLE / "controls")]) == 0
    captured = capsys.readouterr()
    assert "ok   ORG-1 fail:public_portal_without_waf" in captured.out
    assert "1 control(s), 4 example(s), 0 failed" in captured.err


def test_test_controls_fails_when_an_example_gives_the_wrong_verdict(tmp_path, capsys) -> None:
    # The "failing" example now has a WAF, so it passes: the example is wrong, exit 1.
    broken = ORG1.replace("boundary_protection: [load_balancer]}}", "boundary_protection: [waf]}}")
    write(tmp_path / "org-1.yaml", broken)
    assert main(["test-controls", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL ORG-1 fail:public_portal_without_waf" in out


def test_test_controls_requires_both_kinds_of_example(tmp_path, capsys) -> None:
    without = ORG1[: ORG1.index("examples:")]
    write(tmp_path / "org-1.yaml", without)
    assert main(["test-controls", str(tmp_path), "--format", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["kind"] == "missing" and not rows[0]["ok"]


def test_test_controls_on_invalid_files_exits_2(tmp_path, capsys) -> None:
    write(tmp_path / "org-1.yaml", ORG1.replace("severity: high", "severity: severe"))
    assert main(["test-controls", str(tmp_path)]) == 2
    assert "org-1.yaml:6:11: error: severity: 'severe' is not one of" in capsys.readouterr().err


def test_test_controls_on_an_empty_directory_exits_2(tmp_path, capsys) -> None:
    assert main(["test-controls", str(tmp_path)]) == 2
    assert "holds no control file" in capsys.readouterr().err


def test_test_controls_does_not_mix_in_the_bundled_catalog(tmp_path, capsys) -> None:
    shutil.copytree(EXAMPLE / "controls", tmp_path / "controls")
    assert main(["test-controls", str(tmp_path / "controls"), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["control"] for r in rows} == {"ORG-1"}


# --- the schemas ------------------------------------------------------------------------------------


def _fields(node, where="$"):
    """Every field a schema defines: the values of each 'properties' mapping, recursively."""
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{where}.{name}", sub
        for key, sub in node.items():
            yield from _fields(sub, f"{where}.{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _fields(sub, f"{where}[{i}]")


@pytest.mark.parametrize("kind", ["profile", "waivers"])
def test_every_field_of_the_schema_has_a_title_and_description(kind, capsys) -> None:
    assert main(["schema", kind]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$id"] == f"https://fedcheck.dev/schemas/{kind}.schema.json"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    fields = list(_fields(schema))
    assert fields
    for where, sub in fields:
        assert sub.get("title") and sub.get("description"), f"{kind}: {where} lacks one"
