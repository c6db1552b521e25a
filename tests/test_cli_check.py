"""``fedcheck check`` as a CI gate: exit codes, --fail-on, --baseline, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fedcheck.cli import main

ROOT = Path(__file__).resolve().parents[1]
COMPLIANT = str(ROOT / "examples" / "agency-ai-assistant-compliant.yaml")
NONCOMPLIANT = str(ROOT / "examples" / "agency-ai-assistant.yaml")

# The evaluation date on which the compliant example's dated records are current.
DATED = ["--as-of", "2026-12-01"]


def test_compliant_deployment_exits_0(capsys) -> None:
    assert main(["check", COMPLIANT, *DATED, "--quiet"]) == 0


def test_noncompliant_deployment_exits_1(capsys) -> None:
    assert main(["check", NONCOMPLIANT, "--quiet"]) == 1


def test_fail_on_only_gates_at_or_above_the_severity(tmp_path: Path, capsys) -> None:
    # A single moderate-severity failure (AC-11 on web-ui): gated by default, not at --fail-on high.
    text = (
        Path(COMPLIANT)
        .read_text(encoding="utf-8")
        .replace("session_timeout_minutes: 15", "session_timeout_minutes: 30", 1)
    )
    path = tmp_path / "one-failure.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path), "--quiet"]) == 1
    assert main(["check", str(path), "--quiet", "--fail-on", "moderate"]) == 1
    assert main(["check", str(path), *DATED, "--quiet", "--fail-on", "high"]) == 0


def test_bad_input_exits_2_with_a_located_message(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nsystem: {id: s, impact_level: hihg}\n", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:31: error: system.impact_level: 'hihg' is not one of" in err
    assert "fix: did you mean 'high'?" in err
    assert "Traceback" not in err


def test_missing_impact_level_needs_a_baseline(tmp_path: Path, capsys) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("version: 1\nsystem: {id: s}\n", encoding="utf-8")
    assert main(["check", str(path), "--quiet"]) == 2
    assert "--baseline" in capsys.readouterr().err
    assert main(["check", str(path), "--quiet", "--baseline", "low"]) == 1


def test_unknown_option_value_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check", COMPLIANT, "--baseline", "extreme"])
    assert info.value.code == 2


def test_console_script_and_module_entry_points_agree() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fedcheck", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("fedcheck ")
    res = subprocess.run(
        [sys.executable, "-m", "fedcheck", "check", NONCOMPLIANT, "--quiet"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr


def test_output_to_a_device_writes_through_it_and_leaves_the_device_alone(tmp_path: Path) -> None:
    import os
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    assert (
        main(["check", COMPLIANT, *DATED, "--quiet", "--format", "json", "--output", str(fifo)])
        == 0
    )
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # not replaced by a regular file
    assert received and '"format": "fedcheck-result"' in received[0]


def test_a_poam_with_nothing_open_is_refused_not_written_invalid(tmp_path: Path, capsys) -> None:
    out = tmp_path / "poam.json"
    assert main(["check", COMPLIANT, "--quiet", "--format", "poam", "--output", str(out)]) == 2
    assert "no POA&M item to write" in capsys.readouterr().err
    assert not out.exists()


def test_a_written_report_gets_ordinary_file_permissions(tmp_path: Path) -> None:
    import os

    out = tmp_path / "report.json"
    old = os.umask(0o022)
    try:
        assert (
            main(["check", COMPLIANT, *DATED, "--quiet", "--format", "json", "--output", str(out)])
            == 0
        )
    finally:
        os.umask(old)
    assert oct(out.stat().st_mode & 0o777) == oct(0o644)
