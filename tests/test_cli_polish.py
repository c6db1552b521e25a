"""The command line's manners: help with examples, completion, quiet, colour, JSON, streams."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fedcheck.cli import build_parser, main
from fedcheck.completion import commands, script

REPO = Path(__file__).resolve().parents[1]
COMPLIANT = str(REPO / "examples" / "agency-ai-assistant-compliant.yaml")
NONCOMPLIANT = str(REPO / "examples" / "agency-ai-assistant.yaml")

# The evaluation date on which the compliant example's dated records are current.
DATED = ["--as-of", "2026-12-01"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _subcommands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _subcommands(sub, (*path, name))


ALL = list(_subcommands(build_parser()))


def test_every_command_is_listed() -> None:
    names = {p[0] for p, _ in ALL}
    assert {"check", "controls", "schema", "report", "init", "explain", "completion"} <= names


@pytest.mark.parametrize("path,parser", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_every_command_has_help_with_an_example(
    path: tuple[str, ...], parser: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parser.epilog and parser.epilog.startswith("examples:"), (
        f"'fedcheck {' '.join(path)} --help' shows no example"
    )
    example_lines = [line.strip() for line in parser.epilog.splitlines()[1:]]
    assert any(line.startswith("fedcheck " + " ".join(path)) for line in example_lines)
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out


def test_top_level_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for path, _ in ALL:
        if len(path) == 1:
            assert path[0] in out


@pytest.mark.parametrize(
    "path,parser",
    [
        (p, s)
        for p, s in ALL
        if p[0] not in ("schema", "init", "completion", "controls") or p == ("controls", "list")
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_commands_that_print_results_offer_json(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    formats = [a for a in parser._actions if "--format" in a.option_strings]
    assert formats and "json" in (formats[0].choices or ()), (
        f"fedcheck {' '.join(path)} has no --format json"
    )


# --- completion ---------------------------------------------------------------------------------


def _bash_complete(words: list[str]) -> list[str]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    program = script(build_parser(), "bash") + (
        "COMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + ")\n"
        f"COMP_CWORD={len(words) - 1}\n_fedcheck\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    )
    done = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [w for w in done.stdout.splitlines() if w]


def test_bash_completes_commands_options_and_choices() -> None:
    top = {p[0] for p, _ in ALL}
    assert top <= set(_bash_complete(["fedcheck", ""]))
    assert _bash_complete(["fedcheck", "exp"]) == ["explain"]
    assert set(_bash_complete(["fedcheck", "check", "--format", ""])) == {
        "text",
        "json",
        "markdown",
        "html",
        "sarif",
        "junit",
        "oscal",
        "poam",
    }
    assert "--fail-on" in _bash_complete(["fedcheck", "check", "--f"])
    assert _bash_complete(["fedcheck", "controls", ""]) == ["list"]
    assert "--automated" in _bash_complete(["fedcheck", "controls", "list", "--"])
    assert _bash_complete(["fedcheck", "init", "--impact-level", "h"]) == ["high"]
    assert _bash_complete(["fedcheck", "completion", "z"]) == ["zsh"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_names_every_command_and_option(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", shell]) == 0
    text = capsys.readouterr().out
    for cmd in commands(build_parser()):
        assert cmd.path[0] in text
        for option in cmd.options:
            long = [f for f in option.flags if f.startswith("--")][0]
            assert (long if shell != "fish" else f"-l {long[2:]}") in text
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed, so the script's syntax is not checked")
    checked = subprocess.run([binary, "-n"], input=text, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


# --- quiet, colour, streams ----------------------------------------------------------------------


def test_quiet_check_prints_nothing_when_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", COMPLIANT, *DATED, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_quiet_check_still_shows_failing_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", NONCOMPLIANT, "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "FAIL AC-11" in out
    assert "passed" not in out.splitlines()[0]


def test_quiet_silences_summaries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controls", "list", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "AC-11" in captured.out
    assert main(["init", "--quiet", str(tmp_path / "f.yaml")]) == 0
    assert capsys.readouterr() == ("", "")


def test_force_color_colours_and_no_color_wins(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["check", NONCOMPLIANT])
    assert ANSI.search(capsys.readouterr().out), "FORCE_COLOR gave no colour to compare with"
    main(["check", NONCOMPLIANT, "--no-color"])
    assert not ANSI.search(capsys.readouterr().out)
    monkeypatch.setenv("NO_COLOR", "1")
    main(["check", NONCOMPLIANT])
    assert not ANSI.search(capsys.readouterr().out)


def test_no_color_without_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    main(["check", NONCOMPLIANT])
    assert not ANSI.search(capsys.readouterr().out)


def test_controls_list_json_is_json_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controls", "list", "--baseline", "high", "--format", "json"]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert rows and {"id", "title", "baselines", "automated"} <= set(rows[0])
    assert all("high" in r["baselines"] for r in rows)
    assert "{" not in captured.err


def test_explain_json_is_json_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "AC-11", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["id"] == "AC-11"
    assert captured.err == ""


def test_errors_go_to_stderr_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "absent.yaml")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "absent.yaml" in captured.err and "fix:" in captured.err
    with pytest.raises(SystemExit) as exit_:
        main(["check", COMPLIANT, "--format", "pdf"])
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "invalid choice" in captured.err


def test_module_entry_point_runs(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-m", "fedcheck", "explain", "AC-11", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "Device Lock"
