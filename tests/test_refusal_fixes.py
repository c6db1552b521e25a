"""Every refusal tells the user how to fix it: a `fix:` line, never a bare complaint.

The constructors of fedcheck's errors require a fix (so mypy --strict refuses a call without
one, or with one that may be None), and a walk over the source checks that no call passes an
empty or None fix literally. The cases below are refusals that once had no fix line.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from fedcheck.cli import main
from fedcheck.errors import InputError, Problem, UsageError

PACKAGE = Path(__file__).resolve().parents[1] / "fedcheck"

#: Each error constructor and the position of its ``fix`` among the positional arguments.
FIX_POSITION = {"InputError": 4, "Problem": 4, "UsageError": 1, "CompileError": 2}
#: ``*_where(file, mark)`` and the like stand for file, line and column.
STARRED_WIDTH = 3


def _calls() -> list[tuple[str, int, str, ast.Call]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in FIX_POSITION:
                found.append((str(path.relative_to(PACKAGE.parent)), node.lineno, name, node))
    return found


def _fix_argument(name: str, call: ast.Call) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "fix":
            return keyword.value
        if keyword.arg is None:  # **kwargs: cannot tell statically, and nothing uses it
            return keyword.value
    index = 0
    for arg in call.args:
        width = STARRED_WIDTH if isinstance(arg, ast.Starred) else 1
        if index <= FIX_POSITION[name] < index + width:
            return arg
        index += width
    return None


def test_the_walk_sees_the_refusals_of_every_loader() -> None:
    files = {path for path, *_ in _calls()}
    # A walk that found nothing would pass whatever the code did.
    assert {"fedcheck/loading.py", "fedcheck/cli.py", "fedcheck/profiles.py"} <= files
    assert len(_calls()) > 100  # 216 when written


def test_every_refusal_in_the_source_passes_a_fix() -> None:
    missing = []
    for path, line, name, call in _calls():
        fix = _fix_argument(name, call)
        if fix is None or (isinstance(fix, ast.Constant) and not fix.value):
            missing.append(f"{path}:{line}: {name}(...) has no fix")
    assert missing == []


@pytest.mark.parametrize("error", [InputError, Problem, UsageError])
def test_an_error_cannot_be_made_without_a_fix(error: type) -> None:
    fix = inspect.signature(error).parameters["fix"]
    assert fix.default is inspect.Parameter.empty
    assert fix.annotation == "str"


DEPLOYMENT = """\
version: 1
system: {id: sys, name: S, impact_level: moderate}
components:
  - {id: web, type: web_app, access: {session_timeout_minutes: 15}}
"""


@pytest.mark.parametrize(
    ("text", "message", "fix"),
    [
        (
            DEPLOYMENT.replace("name: S", "name: [S]"),
            "2:25: error: system.name: expected a string, got a list",
            "write one value, in quotes",
        ),
        (
            DEPLOYMENT
            + "records:\n  - {id: r, kind: agreement, controls: [CA-6], date: 2027-02-30,"
            " approved_by: System owner}\n",
            "6:54: error: records[r].date: 2027-02-30 is not a date of the calendar",
            "write a date of the calendar as YYYY-MM-DD",
        ),
        (
            DEPLOYMENT
            + "records:\n  - {id: r, kind: agreement, controls: [CA-6], date: 2026-01-02,"
            " approved_by: [System owner]}\n",
            "6:79: error: records[r].approved_by: expected a string, got a list",
            "write one value, in quotes",
        ),
    ],
    ids=["list_for_a_string", "impossible_record_date", "list_for_an_approver"],
)
def test_a_deployment_refusal_that_once_had_no_fix(
    text: str, message: str, fix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["check", str(path), "--as-of", "2026-12-01"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:{message}" in err, err
    assert f"\n    fix: {fix}" in err, err
    assert "Value error" not in err and "Input should be" not in err


def test_a_control_schema_refusal_names_the_schema_to_follow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A minimum-length violation: a validator the control schema's fixes did not name before.
    control = tmp_path / "x.yaml"
    control.write_text("id: ''\n", encoding="utf-8")
    code = main(["validate", str(control), "--kind", "control"])
    err = capsys.readouterr().err
    assert code == 2
    problems = [block for block in err.split(f"{control}:")[1:] if ": error: " in block]
    assert problems and all("\n    fix: " in block for block in problems), err
