"""The KSI lens: control verdicts rolled up to the CR26 Key Security Indicators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fedcheck.cli import main

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "agency-ai-assistant.yaml")


def _lens(capsys: pytest.CaptureFixture[str], cls: str) -> tuple[int, dict[str, object]]:
    code = main(["ksi", EXAMPLE, "--class", cls, "--format", "json", "--as-of", "2027-01-01"])
    return code, json.loads(capsys.readouterr().out)


def test_class_a_is_the_seven_mandatory_ksis(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _lens(capsys, "a")
    indicators = data["indicators"]
    assert isinstance(indicators, list)
    assert [k["id"] for k in indicators] == [
        "KSI-CED-RAT", "KSI-CMT-LMC", "KSI-CNA-RNT", "KSI-IAM-AAM",
        "KSI-IAM-APM", "KSI-INR-RIR", "KSI-SVC-SIN",
    ]  # fmt: skip
    assert code == 1  # the example fails related automated controls


def test_failing_control_makes_ksi_not_implemented_and_nothing_is_implemented(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, data = _lens(capsys, "b")
    indicators = data["indicators"]
    assert isinstance(indicators, list) and len(indicators) == 46
    by_id = {k["id"]: k for k in indicators}
    assert by_id["KSI-IAM-AAM"]["status"] == "Not Implemented"
    assert any("AC-2(3)" in f for f in by_id["KSI-IAM-AAM"]["failing"])
    assert by_id["KSI-CNA-EIS"]["optional"] is True
    assert {k["status"] for k in indicators} <= {
        "Not Implemented",
        "Partially Implemented",
        "evidence needed",
    }


def test_class_d_exits_2_with_the_pointer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ksi", EXAMPLE, "--class", "d"]) == 2
    assert "check DEPLOYMENT --rules cr26 --class d" in capsys.readouterr().err


def test_legacy_ksi_id_selects_its_cr26_indicator(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["ksi", EXAMPLE, "--class", "b", "--format", "json", "--as-of", "2027-01-01"]
    main([*args, "--ksi", "KSI-IAM-01"])
    indicators = json.loads(capsys.readouterr().out)["indicators"]
    assert [k["id"] for k in indicators] == ["KSI-IAM-APM"]
    assert main([*args, "--ksi", "KSI-NOPE-99"]) == 2
    assert "fix:" in capsys.readouterr().err


def test_control_ids_are_written_in_nist_form(capsys: pytest.CaptureFixture[str]) -> None:
    _, data = _lens(capsys, "c")
    indicators = data["indicators"]
    assert isinstance(indicators, list)
    for k in indicators:
        for control in [*k["controls"], *k["manual"], *k["checked"]]:
            assert control == control.upper(), (k["id"], control)
